// The local record of one run, the ground truth every other stage builds on:
//
//   runs/<experiment>/<run-name>/
//     spec.resolved.yaml   the exact spec of this run (defaults filled, sweep values applied)
//     run.json             identity, status, times, git/versions, error; replaced atomically on each change
//     metrics.jsonl        append-only, one {"step", "key", "value", "ts"} object per line
//     events.log           append-only, one "<ISO time> <message>" line per event
//
// Writers: the run flow (status), the trainer (metrics, events, `checkpoints`/`resumeFrom` via
// update()), the MLflow sender (its own fields via update()). Every write is either an atomic
// replace (temp + fsync + rename) or a single O_APPEND line, so a crash or Ctrl-C at any moment leaves
// valid files behind. Methods are synchronous on purpose: no two writes of run.json can interleave.
// A `--retry-failed` attempt starts from scratch: the flow renames the failed attempt's metrics to
// metrics.attempt-<n>.jsonl and clears `checkpoints`/`resumeFrom` first.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify as toYaml } from 'yaml';
import { appendLine, writeFileAtomic } from '../util/fs-atomic.ts';
import { UserError } from '../util/errors.ts';
import type { GitInfo } from './environment.ts';

export type RunStatus = 'queued' | 'running' | 'finished' | 'failed' | 'killed';

/** Statuses after which a run is over (for now: `exp run` may still resume `killed`). */
export const TERMINAL_STATUSES: readonly RunStatus[] = ['finished', 'failed', 'killed'];

export interface RunInfoFields {
  /** Format version of run.json. */
  format: 1;
  id: string;
  name: string;
  /** Folder under the runs dir (tracking.experiment or the spec name). */
  experiment: string;
  /** Position in the plan. */
  index: number;
  status: RunStatus;
  /** ISO times. startTime: the latest start (a resumed run restarts it); endTime: set on finish/fail/kill. */
  createdAt: string;
  startTime?: string;
  endTime?: string;
  /** How many times the run was started (1 + resumes + retries). */
  attempts: number;
  /** Absolute path of the spec file the run was planned from. */
  specPath: string;
  /** Sweep values of this run (dotted path -> value). */
  overrides: Record<string, unknown>;
  /** The sweep this run belongs to: its id, its name (the spec's name) and its record file (relative to the experiment folder). */
  parentId?: string;
  parentName?: string;
  parentRecord?: string;
  git: GitInfo | null;
  versions: { node: string; exp: string; tfjs: string | null; backend?: string | null };
  /** Backend asked for (the executor may update it with the one actually used). */
  backend?: string;
  host?: string;
  /** Process that has (or had) the run `running`; lets `exp ls` flag a run whose process died. */
  pid?: number;
  /** Set when status is failed (or killed: why). */
  error?: { message: string; stack?: string };
  /**
   * Owned by the trainer: checkpoint folders written so far and the one a resume starts from. The
   * shapes are the trainer's; the record only stores them.
   */
  checkpoints?: unknown;
  resumeFrom?: unknown;
}

/** run.json. Other stages may add fields (e.g. mlflow: { runId, syncedAt }); update() keeps them. */
export type RunInfo = RunInfoFields & { [extra: string]: unknown };

export interface MetricRow {
  step: number;
  key: string;
  value: number;
  /** Unix time in milliseconds. */
  ts: number;
}

export const RUN_FILES = {
  info: 'run.json',
  spec: 'spec.resolved.yaml',
  metrics: 'metrics.jsonl',
  events: 'events.log',
} as const;

export interface CreateRunInit extends Omit<RunInfoFields, 'format' | 'status' | 'createdAt' | 'attempts'> {
  /** The run's resolved spec, written to spec.resolved.yaml. */
  spec: unknown;
}

export class RunRecord {
  private constructor(
    /** The run folder. */
    readonly dir: string,
    private current: RunInfo,
  ) {}

  /** Whether `dir` holds a run record (a run.json). */
  static exists(dir: string): boolean {
    return existsSync(join(dir, RUN_FILES.info));
  }

  /** Start a new record (status `queued`): writes spec.resolved.yaml and run.json, and notes the event. */
  static create(dir: string, init: CreateRunInit): RunRecord {
    const { spec, ...fields } = init;
    writeFileAtomic(join(dir, RUN_FILES.spec), `# Resolved spec of run ${fields.name} (${fields.id}); written by exp, do not edit.\n${toYaml(spec)}`);
    const info: RunInfo = { format: 1, ...fields, status: 'queued', createdAt: new Date().toISOString(), attempts: 0 };
    const record = new RunRecord(dir, info);
    record.write();
    record.event(`created run ${info.name} (id ${info.id})`);
    return record;
  }

  /** Open an existing record; a missing or unreadable run.json is a UserError naming the file. */
  static open(dir: string): RunRecord {
    const file = join(dir, RUN_FILES.info);
    let info: RunInfo;
    try {
      info = JSON.parse(readFileSync(file, 'utf8')) as RunInfo;
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'it does not exist' : (error as Error).message;
      throw new UserError(`cannot read the run record ${file}: ${reason}`, 2);
    }
    if (typeof info !== 'object' || info === null || typeof info.id !== 'string' || typeof info.status !== 'string') {
      throw new UserError(`${file} is not an exp run record (no id/status)`, 2);
    }
    return new RunRecord(dir, info);
  }

  /** A snapshot of run.json as last written. */
  get info(): Readonly<RunInfo> {
    return structuredClone(this.current);
  }

  get status(): RunStatus {
    return this.current.status;
  }

  get paths(): { info: string; spec: string; metrics: string; events: string } {
    return {
      info: join(this.dir, RUN_FILES.info),
      spec: join(this.dir, RUN_FILES.spec),
      metrics: join(this.dir, RUN_FILES.metrics),
      events: join(this.dir, RUN_FILES.events),
    };
  }

  /**
   * Move to `status`: `running` stamps startTime, counts an attempt and clears a previous error/endTime;
   * finished/failed/killed stamp endTime. The change is also logged to events.log.
   */
  setStatus(status: RunStatus, details: { error?: Error | string } = {}): void {
    const now = new Date().toISOString();
    const patch: Partial<RunInfo> = { status };
    if (status === 'running') {
      Object.assign(patch, { startTime: now, attempts: this.current.attempts + 1, pid: process.pid, endTime: undefined, error: undefined });
    } else if (TERMINAL_STATUSES.includes(status)) {
      patch.endTime = now;
    }
    if (details.error !== undefined) {
      const error = details.error;
      patch.error = typeof error === 'string' ? { message: error } : { message: error.message, ...(error.stack ? { stack: error.stack } : {}) };
    }
    this.update(patch);
    this.event(`status ${status}${patch.error ? `: ${patch.error.message}` : ''}`);
  }

  /** Shallow-merge `patch` into run.json (a field set to undefined is removed) and replace the file atomically. */
  update(patch: Partial<RunInfo>): void {
    const next = { ...this.current, ...patch } as RunInfo;
    for (const key of Object.keys(next)) if (next[key] === undefined) delete next[key];
    // Serialise before touching anything: a value JSON cannot hold leaves the record as it was.
    const text = JSON.stringify(next, null, 2) + '\n';
    writeFileAtomic(join(this.dir, RUN_FILES.info), text);
    this.current = next;
  }

  /** Append one metric value. Non-finite values are kept (as null) so a NaN loss is visible, not dropped. */
  logMetric(step: number, key: string, value: number): void {
    const row = { step, key, value: Number.isFinite(value) ? value : null, ts: Date.now() };
    appendLine(join(this.dir, RUN_FILES.metrics), JSON.stringify(row));
  }

  /** Append several metrics of one step, e.g. { loss: 0.8, learning_rate: 1e-5, grad_norm: 2.1 }. */
  logMetrics(step: number, metrics: Record<string, number>): void {
    for (const [key, value] of Object.entries(metrics)) this.logMetric(step, key, value);
  }

  /** Append a line to events.log (newlines in `message` are flattened). */
  event(message: string): void {
    appendLine(join(this.dir, RUN_FILES.events), `${new Date().toISOString()} ${message.replace(/\r?\n/g, ' | ')}`);
  }

  /**
   * Every metric row, in write order. A torn last line (the process died mid-append) is skipped;
   * a bad line elsewhere is an error, since that is not something a crash produces.
   */
  readMetrics(): MetricRow[] {
    const file = join(this.dir, RUN_FILES.metrics);
    if (!existsSync(file)) return [];
    const lines = readFileSync(file, 'utf8').split('\n');
    const rows: MetricRow[] = [];
    lines.forEach((line, i) => {
      if (line.trim() === '') return;
      try {
        const row = JSON.parse(line) as MetricRow;
        rows.push({ ...row, value: row.value === null ? NaN : row.value });
      } catch (error) {
        const isLast = lines.slice(i + 1).every((rest) => rest.trim() === '');
        if (!isLast) throw new UserError(`${file}:${i + 1}: not a JSON line (${(error as Error).message})`);
      }
    });
    return rows;
  }

  private write(): void {
    writeFileAtomic(join(this.dir, RUN_FILES.info), JSON.stringify(this.current, null, 2) + '\n');
  }
}

/** The parent record of a sweep: runs/<experiment>/_sweep-<id>.json, replaced atomically. */
export interface SweepInfo {
  format: 1;
  id: string;
  name: string;
  method: string;
  specPath: string;
  /** Parameters whose value differs between runs. */
  varied: string[];
  createdAt: string;
  updatedAt: string;
  /** queued until a run starts; running while `exp run` works on it; then the worst outcome of its runs. */
  status: RunStatus;
  runs: { index: number; id: string; name: string; status: RunStatus | 'skipped' }[];
}

export function sweepRecordFile(experimentDir: string, sweepId: string): string {
  return join(experimentDir, `_sweep-${sweepId}.json`);
}

export function readSweepRecord(file: string): SweepInfo | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as SweepInfo;
  } catch {
    return undefined;
  }
}

export function writeSweepRecord(file: string, info: SweepInfo): void {
  writeFileAtomic(file, JSON.stringify({ ...info, updatedAt: new Date().toISOString() }, null, 2) + '\n');
}
