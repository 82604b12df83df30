// Offline-first MLflow sender: everything a run produces is first written to its local record; this
// pushes the record to an MLflow server, idempotently. `syncRun` does one full pass (used by
// `exp sync`); `createLiveSender` wraps it for a running job: flush() never throws, and while the
// server is unreachable it backs off and lets the run go on.
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { UserError } from '../util/errors.ts';
import { readSweepRecord, sweepRecordFile } from './record.ts';
import { MlflowClient, isNotFound, type ClientOptions } from './mlflow/client.ts';
import { ensureExperiment, ensureParentRun, ensureRun } from './mlflow/ensure.ts';
import { MlflowRequestError } from './mlflow/http.ts';
import { metricPoint, sanitizeKey } from './mlflow/limits.ts';
import { experimentName, logModelRequested, PARENT_RUN_TAG, RUN_ID_TAG, runArtifacts, runDatasets, runParams, runTags, safeUser } from './mlflow/run-content.ts';
import { findRunFolders, parseMetricLine, readRunRecord, type LocalStatus, type RunRecordInfo } from './mlflow/run-folder.ts';
import { SyncStateStore } from './mlflow/sync-state.ts';
import { checkTrackingUri } from './mlflow/tracking-uri.ts';
import type { KeyValue, MetricPoint, RunStatus } from './mlflow/types.ts';

export interface SyncOptions extends ClientOptions {
  /** The tracking server, already resolved (see resolveTrackingUri). */
  uri: string;
  /** Reuse a client (tests, or several runs in one `exp sync`). */
  client?: MlflowClient;
  onWarning?: (message: string) => void;
}

export interface SyncResult {
  runDir: string;
  uri: string;
  experimentId: string;
  mlflowRunId: string;
  /** Link to the run in the MLflow UI. */
  runUrl: string;
  createdRun: boolean;
  sent: { metrics: number; params: number; datasets: number; artifacts: number };
  status: RunStatus;
  warnings: string[];
}

const STATUS: Record<LocalStatus, RunStatus> = { queued: 'SCHEDULED', running: 'RUNNING', finished: 'FINISHED', failed: 'FAILED', killed: 'KILLED' };
const TERMINAL = new Set<RunStatus>(['FINISHED', 'FAILED', 'KILLED']);
/** metrics.jsonl lines per log-batch request (MLflow takes at most 1000 metrics in one). */
const METRIC_LINES_PER_BATCH = 1000;

const sha256 = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');

/** Pushes one run folder to MLflow. Safe to repeat and to interrupt: nothing is sent twice. */
export async function syncRun(runDir: string, options: SyncOptions): Promise<SyncResult> {
  const run = readRunRecord(runDir);
  const client = options.client ?? new MlflowClient(options.uri, options);
  const uri = client.trackingUri;
  const store = new SyncStateStore(runDir, uri);
  const state = store.state;
  const warnings: string[] = [];
  const warn = (message: string) => {
    warnings.push(message);
    options.onWarning?.(`${run.name}: ${message}`);
  };
  const sent = { metrics: 0, params: 0, datasets: 0, artifacts: 0 };

  // 1) experiment, and the sweep's parent run
  const experimentId = await ensureExperiment(client, experimentName(run));
  // A remembered run in another experiment (tracking.experiment changed) or deleted on the server
  // is forgotten: the run is then pushed as a new one.
  if ((state.experimentId !== undefined && state.experimentId !== experimentId) || (state.runId && !(await runStillUsable(client, state.runId)))) {
    store.reset();
  }
  state.experimentId = experimentId;
  const { params, warnings: paramWarnings, truncated } = runParams(run);
  const tags = runTags({ ...run, dir: resolve(run.dir) }, truncated);
  if (run.parentId) {
    state.parentRunId ??= await ensureParentRun(client, parentRunRequest(run, experimentId));
    tags.push({ key: PARENT_RUN_TAG, value: state.parentRunId });
  }

  // 2) the run itself: remembered in the state file, else found by its exp.run_id tag, else created
  let createdRun = false;
  if (!state.runId) {
    const { run: mlflowRun, created } = await ensureRun(client, {
      experimentId,
      expRunId: run.id,
      runName: run.name,
      startTime: run.startTime ?? Date.now(),
      userId: safeUser(),
      tags,
      backoffMs: options.backoffMs,
    });
    createdRun = created;
    state.runId = mlflowRun.info.run_id;
    state.status = mlflowRun.info.status;
    if (created) state.tagsHash = sha256(JSON.stringify(tags));
    store.save();
  }
  const runId = state.runId;

  // 3) tags (overwritable) when they changed, params (write-once) not sent yet
  const tagsHash = sha256(JSON.stringify(tags));
  if (state.tagsHash !== tagsHash) {
    await client.logBatch(runId, { tags });
    state.tagsHash = tagsHash;
    store.save();
  }
  const pending = params.filter((p) => state.params[p.key] !== p.value && !state.paramConflicts.includes(p.key));
  if (pending.length > 0) {
    for (const w of paramWarnings) warn(w);
    // Ask what the server already holds: a changed value would make the whole batch fail.
    const onServer = new Map(((await client.getRun(runId)).data?.params ?? []).map((p) => [p.key, p.value]));
    const toSend: KeyValue[] = [];
    for (const p of pending) {
      const old = onServer.get(p.key);
      if (old === undefined) toSend.push(p);
      else if (old === p.value) state.params[p.key] = p.value;
      else {
        state.paramConflicts.push(p.key);
        warn(`param '${p.key}' is '${p.value}' now but was logged as '${old.slice(0, 100)}'; MLflow params are write-once, so the old value stays (the record has the new one)`);
      }
    }
    await client.logBatch(runId, { params: toSend }, (batch) => {
      for (const p of batch.params) state.params[p.key] = p.value;
      sent.params += batch.params.length;
      store.save();
    });
    store.save();
  }

  // 4) datasets (log-inputs is deduplicated by name + digest on the server)
  const datasets = runDatasets(run);
  const datasetsHash = sha256(JSON.stringify(datasets));
  if (datasets.length > 0 && state.datasetsHash !== datasetsHash) {
    await client.logInputs(runId, datasets);
    state.datasetsHash = datasetsHash;
    sent.datasets = datasets.length;
    store.save();
  }

  // 5) metrics: the lines of metrics.jsonl after the last ones sent, 1000 per request, progress saved
  // after each accepted request. If a request went through but its answer was lost, the resend is
  // identical (same key, value, timestamp, step) and MLflow stores it once.
  sent.metrics = await sendMetrics(client, run, store, warn);

  // 6) artifacts whose content changed since the last upload; the model folder once the run is over
  const runStatus = STATUS[run.status];
  const info = { run_id: runId, experiment_id: experimentId, artifact_uri: `mlflow-artifacts:/${experimentId}/${runId}/artifacts` };
  for (const ref of runArtifacts(run, logModelRequested(run) && runStatus === 'FINISHED')) {
    const bytes = readFileSync(ref.file);
    const digest = sha256(bytes);
    if (state.artifacts[ref.artifactPath] === digest) continue;
    await client.uploadArtifact(info, ref.artifactPath, bytes);
    state.artifacts[ref.artifactPath] = digest;
    sent.artifacts++;
    store.save();
  }

  // 7) status last, so a FINISHED run on the server has everything; a resumed run goes back to RUNNING
  const endTime = TERMINAL.has(runStatus) ? Math.round(run.endTime ?? Date.now()) : undefined;
  if (state.status !== runStatus || (endTime !== undefined && state.endTime !== endTime)) {
    await client.updateRun(runId, { status: runStatus, ...(endTime !== undefined ? { endTime } : {}) });
    state.status = runStatus;
    state.endTime = endTime;
    store.save();
  }
  if (run.parentId && state.parentRunId) {
    const parentStatus = await finishParentWhenSweepDone(client, run, state.parentRunId, state.parentStatus);
    if (parentStatus !== state.parentStatus) {
      state.parentStatus = parentStatus;
      store.save();
    }
  }

  return {
    runDir,
    uri,
    experimentId,
    mlflowRunId: runId,
    runUrl: `${uri}/#/experiments/${experimentId}/runs/${runId}`,
    createdRun,
    sent,
    status: runStatus,
    warnings,
  };
}

/** False when the remembered MLflow run is gone or deleted: the run is then pushed as a new one. */
async function runStillUsable(client: MlflowClient, runId: string): Promise<boolean> {
  try {
    return (await client.getRun(runId)).info.lifecycle_stage !== 'deleted';
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

async function sendMetrics(client: MlflowClient, run: RunRecordInfo, store: SyncStateStore, warn: (m: string) => void): Promise<number> {
  const state = store.state;
  const file = join(run.dir, 'metrics.jsonl');
  if (!existsSync(file)) return 0;
  const size = statSync(file).size;
  if (size < state.metrics.bytes) {
    warn('metrics.jsonl is shorter than what was sent before; sending it again from the start (MLflow keeps identical points once)');
    state.metrics = { lines: 0, bytes: 0 };
  } else if (state.metrics.head !== undefined && state.metrics.bytes > 0 && headDigest(file, state.metrics.bytes) !== state.metrics.head) {
    // Another file now (a retried run starts a new metrics.jsonl): everything in it is new.
    state.metrics = { lines: 0, bytes: 0 };
  }
  const text = readFrom(file, state.metrics.bytes, size);
  // Only whole lines: the writer may be half-way through the last one.
  const lines = text.slice(0, text.lastIndexOf('\n') + 1).split('\n').slice(0, -1);
  const fallbackTs = Math.round(run.startTime ?? 0);
  let sentPoints = 0;
  for (let start = 0; start < lines.length; start += METRIC_LINES_PER_BATCH) {
    const group = lines.slice(start, start + METRIC_LINES_PER_BATCH);
    const points: MetricPoint[] = [];
    for (const [i, line] of group.entries()) {
      if (line.trim() === '') continue;
      const m = parseMetricLine(line, fallbackTs);
      const key = m && sanitizeKey(m.key);
      if (!m || !key) {
        warn(`metrics.jsonl line ${state.metrics.lines + i + 1} skipped: not a {step, key, value, ts} point with a valid key`);
        continue;
      }
      points.push(metricPoint(key, m.value, m.ts, m.step));
    }
    if (points.length > 0) await client.logBatch(state.runId!, { metrics: points });
    const bytes = state.metrics.bytes + Buffer.byteLength(group.map((l) => `${l}\n`).join(''));
    state.metrics = { lines: state.metrics.lines + group.length, bytes, head: headDigest(file, bytes) };
    sentPoints += points.length;
    store.save();
  }
  return sentPoints;
}

/** Digest of the first bytes of the file that were already sent (at most 256): identifies the file. */
function headDigest(file: string, sentBytes: number): string {
  return createHash('sha256').update(readFrom(file, 0, Math.min(sentBytes, 256))).digest('hex').slice(0, 16);
}

function readFrom(file: string, offset: number, end: number): string {
  const length = end - offset;
  if (length <= 0) return '';
  const buffer = Buffer.alloc(length);
  const fd = openSync(file, 'r');
  try {
    let read = 0;
    while (read < length) {
      const n = readSync(fd, buffer, read, length - read, offset + read);
      if (n === 0) break;
      read += n;
    }
    return buffer.subarray(0, read).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

function parentRunRequest(run: RunRecordInfo, experimentId: string) {
  const parentId = run.parentId!;
  const name = run.parentName ?? `${run.experiment}-sweep-${parentId.slice(0, 8)}`;
  const sweep = run.spec.sweep ? `\n\n\`\`\`json\n${JSON.stringify(run.spec.sweep, null, 2)}\n\`\`\`` : '';
  return {
    experimentId,
    expRunId: parentId,
    runName: name,
    startTime: run.startTime ?? Date.now(),
    userId: safeUser(),
    tags: [
      { key: 'mlflow.runName', value: name },
      { key: 'mlflow.user', value: safeUser() },
      { key: 'mlflow.source.name', value: run.specPath ?? 'exp' },
      { key: 'mlflow.source.type', value: 'LOCAL' },
      { key: 'mlflow.note.content', value: `Sweep ${parentId} of experiment ${run.experiment}.${sweep}`.slice(0, 8000) },
      { key: RUN_ID_TAG, value: parentId },
      { key: 'exp.kind', value: 'sweep' },
    ],
  };
}

/**
 * Ends the parent run once the sweep is over: by the sweep record (runs/<experiment>/_sweep-<id>.json,
 * whose status is the worst outcome of its runs) or, without one, when every run of the sweep found
 * beside this one is over.
 */
async function finishParentWhenSweepDone(client: MlflowClient, run: RunRecordInfo, parentRunId: string, alreadySent: RunStatus | undefined): Promise<RunStatus | undefined> {
  const siblings = findRunFolders(dirname(run.dir), 1)
    .map((dir) => {
      try {
        return readRunRecord(dir);
      } catch {
        return undefined;
      }
    })
    .filter((r): r is RunRecordInfo => r?.parentId === run.parentId);
  const sweep = readSweepRecord(sweepRecordFile(dirname(run.dir), run.parentId!));
  const status = sweep ? STATUS[sweep.status] : siblings.every((r) => TERMINAL.has(STATUS[r.status])) ? 'FINISHED' : 'RUNNING';
  if (!TERMINAL.has(status) || siblings.some((r) => !TERMINAL.has(STATUS[r.status]))) {
    // A sweep resumed after it had ended: its parent runs again.
    if (alreadySent === undefined || !TERMINAL.has(alreadySent)) return alreadySent;
    await client.updateRun(parentRunId, { status: 'RUNNING' });
    return 'RUNNING';
  }
  if (status === alreadySent) return alreadySent;
  const endTime = Math.round(Math.max(0, ...siblings.map((r) => r.endTime ?? 0)) || Date.now());
  await client.updateRun(parentRunId, { status, endTime });
  return status;
}

// --- live sending during a run ---------------------------------------------------------------

export interface LiveSenderOptions extends ClientOptions {
  /** Resolved tracking URI; undefined means the run stays local and nothing is sent. */
  uri?: string;
  /** After a failed flush, skip flushes for this long (doubling up to 5 min; default 30 s). */
  pauseAfterFailureMs?: number;
  /** Also flush on a timer every this many ms (unref'd, stopped by close()); default: only on flush(). */
  intervalMs?: number;
  onWarning?: (message: string) => void;
}

export interface LiveSender {
  readonly enabled: boolean;
  /** The last failure, cleared by the next success. */
  readonly lastError: Error | undefined;
  /** Pushes what the record holds now. Never throws; a flush while one runs is merged into the next. */
  flush(): Promise<void>;
  /** A last flush that ignores the backoff pause (call it after the final status is written). */
  close(): Promise<void>;
}

const MAX_PAUSE_MS = 5 * 60_000;

/**
 * A sender for a running job: the server being down never fails the run; `exp sync` catches up later.
 * Throws a UserError at once for a URI that is not http(s); after that nothing it does throws.
 */
export function createLiveSender(runDir: string, options: LiveSenderOptions): LiveSender {
  if (!options.uri) return { enabled: false, lastError: undefined, flush: async () => {}, close: async () => {} };
  const uri = checkTrackingUri(options.uri, 'settings');
  // Short timeouts and few retries: a training step must not wait long on a sick server.
  const client = new MlflowClient(uri, {
    ...options,
    timeoutMs: options.timeoutMs ?? 10_000,
    retries: options.retries ?? 1,
    backoffMs: options.backoffMs ?? 500,
  });
  const pauseMs = options.pauseAfterFailureMs ?? 30_000;
  let lastError: Error | undefined;
  let failures = 0;
  let pausedUntil = 0;
  let chain: Promise<void> = Promise.resolve();
  let queued: Promise<void> | undefined;
  let closed = false;
  const warn = (message: string) => {
    try {
      (options.onWarning ?? ((m: string) => process.stderr.write(`warning: ${m}\n`)))(message);
    } catch {
      // A failing warning sink must not fail the run either.
    }
  };

  async function attempt(): Promise<void> {
    try {
      await syncRun(runDir, { ...options, uri, client, onWarning: warn });
      if (failures > 0) warn(`MLflow at ${uri} is reachable again; ${basename(runDir)} is up to date there.`);
      failures = 0;
      lastError = undefined;
    } catch (err) {
      lastError = err instanceof Error ? err : new Error(String(err));
      failures++;
      pausedUntil = Date.now() + Math.min(MAX_PAUSE_MS, pauseMs * 2 ** (failures - 1));
      if (failures === 1) {
        const why = err instanceof UserError || err instanceof MlflowRequestError ? err.message : String(err);
        warn(`could not push ${basename(runDir)} to MLflow at ${uri} (${why}). The run goes on and its record stays complete locally; exp retries later, and 'exp sync ${runDir}' pushes it any time.`);
      }
    }
  }

  function flush(): Promise<void> {
    if (closed || Date.now() < pausedUntil) return Promise.resolve();
    if (queued) return queued;
    const next: Promise<void> = chain.then(() => {
      queued = undefined;
      return attempt();
    });
    queued = next;
    chain = next;
    return next;
  }

  const timer = options.intervalMs ? setInterval(() => void flush(), options.intervalMs) : undefined;
  timer?.unref();

  return {
    enabled: true,
    get lastError() {
      return lastError;
    },
    flush,
    async close() {
      if (timer) clearInterval(timer);
      if (closed) return chain;
      pausedUntil = 0;
      await flush();
      closed = true;
    },
  };
}
