// What has been pushed to which MLflow server, remembered in <run>/mlflow.json (written atomically)
// so that sending again never duplicates: the MLflow run id, how far metrics.jsonl was sent, the
// params, tags and datasets sent, and each artifact's sha256.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../util/fs-atomic.ts';
import type { RunStatus } from './types.ts';

export const SYNC_STATE_FILE = 'mlflow.json';

export interface ServerSyncState {
  experimentId?: string;
  runId?: string;
  parentRunId?: string;
  /** The status this run last gave its sweep's parent run (so it is not sent again). */
  parentStatus?: RunStatus;
  /**
   * metrics.jsonl sent so far: whole lines, the bytes they take, and a digest of the file's first
   * bytes, so a replaced file (`exp run --retry-failed` moves the old one aside) is sent from the start.
   */
  metrics: { lines: number; bytes: number; head?: string };
  /** Params the server holds for this run (key -> value as sent). */
  params: Record<string, string>;
  /** Params whose value changed after they were logged (MLflow params are write-once). */
  paramConflicts: string[];
  tagsHash?: string;
  datasetsHash?: string;
  /** Artifact path -> sha256 of the uploaded file. */
  artifacts: Record<string, string>;
  status?: RunStatus;
  endTime?: number;
  lastSyncAt?: string;
}

export interface SyncStateFile {
  version: 1;
  /** Keyed by tracking URI: one run can be pushed to several servers. */
  servers: Record<string, ServerSyncState>;
}

export function emptyServerState(): ServerSyncState {
  return { metrics: { lines: 0, bytes: 0 }, params: {}, paramConflicts: [], artifacts: {} };
}

export function readSyncState(runDir: string): SyncStateFile {
  const file = join(runDir, SYNC_STATE_FILE);
  if (!existsSync(file)) return { version: 1, servers: {} };
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as SyncStateFile;
    if (parsed && parsed.version === 1 && parsed.servers && typeof parsed.servers === 'object') return parsed;
  } catch {
    // A damaged state file only costs a resend: the sender finds the run by its exp.run_id tag and
    // MLflow stores identical metric points once.
  }
  return { version: 1, servers: {} };
}

/** Holds one server's state for a run and writes the whole file atomically on every save. */
export class SyncStateStore {
  readonly state: ServerSyncState;

  constructor(
    private readonly runDir: string,
    private readonly uri: string,
  ) {
    const file = readSyncState(runDir);
    this.state = { ...emptyServerState(), ...(file.servers[uri] ?? {}) };
  }

  save(): void {
    // Re-read so that state kept for other servers is not lost.
    const file = readSyncState(this.runDir);
    file.servers[this.uri] = { ...this.state, lastSyncAt: new Date().toISOString() };
    writeFileAtomic(join(this.runDir, SYNC_STATE_FILE), `${JSON.stringify(file, null, 2)}\n`);
  }

  /** Forgets everything about the MLflow run (it was deleted on the server): the next sync starts over. */
  reset(): void {
    Object.assign(this.state, emptyServerState(), { runId: undefined, parentRunId: undefined, parentStatus: undefined, experimentId: undefined, tagsHash: undefined, datasetsHash: undefined, status: undefined, endTime: undefined });
  }
}
