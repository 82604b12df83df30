// An in-memory MLflow tracking server for tests: a real HTTP server on 127.0.0.1 that implements the
// REST contract and the quirks a real MLflow 3.5 server showed (../shared/docs/mlflow-rest.md), so a
// client that forgets one of them fails here too. It can be told to fail: 5xx for the next N calls,
// hang, drop the connection after doing the work, or stop (connection refused) and start again with
// its state.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { randomBytes } from 'node:crypto';

interface StoredPoint { key: string; value: number; timestamp: number; step: number }
interface FakeRun {
  info: { run_id: string; experiment_id: string; run_name: string; user_id: string; status: string; start_time: number; end_time?: number; lifecycle_stage: string };
  params: Map<string, string>;
  tags: Map<string, string>;
  metrics: StoredPoint[];
  inputs: { dataset: Record<string, string>; tags?: { key: string; value: string }[] }[];
}
interface FakeExperiment { experiment_id: string; name: string; lifecycle_stage: string; creation_time: number; tags: { key: string; value: string }[] }
export interface RequestRecord { method: string; path: string; contentType?: string; authorization?: string; body?: unknown }

class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) { super(message); }
}
const bad = (message: string) => new ApiError(400, 'INVALID_PARAMETER_VALUE', message);
const STATUSES = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'];
const KEY = /^[\p{L}\p{N}_\-. :/]+$/u;

function checkKey(key: unknown, what: string): string {
  if (typeof key !== 'string' || key === '') throw bad(`Missing value for required parameter '${what}'`);
  if (key.length > 250) throw bad(`'${what}' exceeds the maximum length of 250`);
  if (!KEY.test(key)) throw bad(`Invalid value "${key}" for parameter '${what}' supplied: Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colon(:) and slashes (/).`);
  if (key.split('/').includes('..')) throw bad(`Invalid value "${key}" for parameter '${what}': would resolve to '../x'`);
  return key;
}
/** int64 fields: integers or integer strings; a fraction makes the proto parse give up (stored as 0). */
function int64(value: unknown): number | 'fraction' | undefined {
  if (value === undefined || value === null) return undefined;
  const n = typeof value === 'string' ? Number(value) : (value as number);
  if (typeof n !== 'number' || Number.isNaN(n)) throw bad(`Invalid int64 value ${JSON.stringify(value)}`);
  return Number.isInteger(n) ? n : 'fraction';
}
function metricValue(value: unknown, what: string): number {
  if (value === undefined || value === null) throw bad(`Missing value for required parameter '${what}'`);
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    const n = value === 'NaN' ? NaN : value === 'Infinity' ? Infinity : value === '-Infinity' ? -Infinity : Number(value);
    if (Number.isNaN(n) && value !== 'NaN') throw bad(`Invalid value ${JSON.stringify(value)} for parameter '${what}'`);
    return n;
  }
  throw bad(`Invalid value for parameter '${what}'`);
}
const outValue = (v: number): number | string => (Number.isNaN(v) ? 'NaN' : v === Infinity ? 1.7976931348623157e308 : v === -Infinity ? -1.7976931348623157e308 : v);
const token = (offset: number) => Buffer.from(JSON.stringify({ offset })).toString('base64');
const offsetOf = (t: unknown) => (typeof t === 'string' && t ? (JSON.parse(Buffer.from(t, 'base64').toString()) as { offset: number }).offset : 0);

export class FakeMlflowServer {
  readonly experiments = new Map<string, FakeExperiment>();
  readonly runs = new Map<string, FakeRun>();
  readonly artifacts = new Map<string, Buffer>();
  readonly requests: RequestRecord[] = [];
  port = 0;
  private server?: Server;
  private sockets = new Set<Socket>();
  private failures: { status: number; remaining: number; match?: string; after: number } = { status: 503, remaining: 0, after: 0 };
  private hangs = 0;
  private drops: { remaining: number; match?: string } = { remaining: 0 };
  private nextExperimentId = 1;

  constructor() {
    this.experiments.set('0', { experiment_id: '0', name: 'Default', lifecycle_stage: 'active', creation_time: 0, tags: [] });
  }

  get uri(): string { return `http://127.0.0.1:${this.port}`; }

  /** Listens on an ephemeral port the first time, and on the same port after stop(). State is kept. */
  async start(): Promise<this> {
    const server = createServer((req, res) => void this.handle(req, res));
    server.on('connection', (socket) => { this.sockets.add(socket); socket.on('close', () => this.sockets.delete(socket)); });
    await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(this.port, '127.0.0.1', () => resolve()); });
    this.port = (server.address() as { port: number }).port;
    this.server = server;
    return this;
  }

  /** Closes the port and every open connection: clients now get ECONNREFUSED. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /**
   * The next `count` requests whose path contains `match` (any request if not given) get HTTP
   * `status` with a JSON error, after letting the first `after` matching requests through.
   */
  failNext(count: number, status = 503, match?: string, after = 0): void { this.failures = { status, remaining: count, match, after }; }
  /** The next `count` requests are read and then never answered (a client timeout is the only way out). */
  hangNext(count: number): void { this.hangs = count; }
  /** The next `count` matching requests are carried out, then the connection is cut before the answer. */
  dropAfterHandlingNext(count: number, match?: string): void { this.drops = { remaining: count, match }; }

  /** The stored history of one metric, in logging order, values as numbers. */
  history(runId: string, key: string): StoredPoint[] { return (this.runs.get(runId)?.metrics ?? []).filter((m) => m.key === key); }
  countRequests(pathPart: string): number { return this.requests.filter((r) => r.path.includes(pathPart)).length; }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', 'http://x');
    const rawPath = (req.url ?? '/').split('?')[0];
    const record: RequestRecord = { method: req.method ?? 'GET', path: rawPath, contentType: req.headers['content-type'], authorization: req.headers.authorization };
    this.requests.push(record);
    if (this.hangs > 0) { this.hangs--; return; }
    if (this.failures.remaining > 0 && (!this.failures.match || rawPath.includes(this.failures.match)) && this.failures.after-- <= 0) {
      this.failures.remaining--;
      return this.send(res, this.failures.status, { error_code: 'TEMPORARILY_UNAVAILABLE', message: 'injected failure' });
    }
    let status = 200;
    let body: unknown;
    try {
      body = this.route(record.method, rawPath, url.searchParams, raw, req.headers['content-type'], record);
    } catch (err) {
      if (err instanceof ApiError) { status = err.status; body = { error_code: err.code, message: err.message }; }
      else if (err instanceof HtmlError) { status = err.status; body = err; }
      else { status = 500; body = { error_code: 'INTERNAL_ERROR', message: String(err) }; }
    }
    if (this.drops.remaining > 0 && (!this.drops.match || rawPath.includes(this.drops.match))) {
      this.drops.remaining--;
      req.socket.destroy();
      return;
    }
    if (body instanceof HtmlError) {
      res.writeHead(body.status, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><title>${body.status}</title><h1>${body.status === 404 ? 'Not Found' : 'Method Not Allowed'}</h1>`);
      return;
    }
    if (Buffer.isBuffer(body)) { res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-disposition': 'attachment' }); res.end(body); return; }
    if (typeof body === 'string') { res.writeHead(200, { 'content-type': 'text/plain' }); res.end(body); return; }
    this.send(res, status, body);
  }

  private send(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  private route(method: string, path: string, query: URLSearchParams, raw: Buffer, contentType: string | undefined, record: RequestRecord): unknown {
    if (path === '/health' && method === 'GET') return 'OK';
    if (path === '/version' && method === 'GET') return '3.5.2.dev0';
    const artifactPrefix = '/api/2.0/mlflow-artifacts/artifacts';
    if (path === artifactPrefix && method === 'GET') return this.proxyList(query.get('path') ?? '');
    if (path.startsWith(`${artifactPrefix}/`)) {
      const segments = path.slice(artifactPrefix.length + 1).split('/');
      if (segments.some((s) => s === '..' || s === '.' || s === '')) throw bad('Invalid path');
      const key = segments.map(decodeURIComponent).join('/');
      if (method === 'PUT') { this.artifacts.set(key, raw); return {}; }
      if (method === 'GET') { const file = this.artifacts.get(key); if (!file) throw new ApiError(404, 'RESOURCE_DOES_NOT_EXIST', `No such file ${key}`); return file; }
      throw new HtmlError(405);
    }
    const match = /^\/(?:api|ajax-api)\/2\.0\/mlflow\/([a-z-]+\/[a-z-]+)$/.exec(path);
    const handler = match ? ROUTES[match[1]] : undefined;
    if (!handler) throw new HtmlError(404);
    if (!handler.methods.includes(method)) throw new HtmlError(405);
    let input: Record<string, unknown>;
    if (method === 'POST') {
      if (!contentType || !/^application\/json\b/i.test(contentType)) throw bad("Bad Request. Content-Type must be one of ['application/json'].");
      try { input = raw.length ? (JSON.parse(raw.toString('utf8')) as Record<string, unknown>) : {}; }
      catch { throw bad('Malformed JSON body'); }
    } else {
      input = {};
      for (const key of new Set(query.keys())) { const all = query.getAll(key); input[key] = all.length > 1 || key === 'run_ids' ? all : all[0]; }
    }
    record.body = input;
    return handler.fn.call(this, input);
  }

  // --- experiments ---------------------------------------------------------------------------
  experimentByName(input: Record<string, unknown>): unknown {
    const exp = [...this.experiments.values()].find((e) => e.name === input.experiment_name);
    if (!exp) throw new ApiError(404, 'RESOURCE_DOES_NOT_EXIST', `Could not find experiment with name '${String(input.experiment_name)}'`);
    return { experiment: this.experimentOut(exp) };
  }
  createExperiment(input: Record<string, unknown>): unknown {
    const name = input.name;
    if (typeof name !== 'string' || name === '') throw bad("Missing value for required parameter 'name'.");
    if ([...this.experiments.values()].some((e) => e.name === name)) {
      throw new ApiError(400, 'RESOURCE_ALREADY_EXISTS', `Experiment(name=${name}) already exists. Error: (raised as a result of Query-invoked autoflush; ...) INSERT INTO experiments ...`);
    }
    const id = String(this.nextExperimentId++);
    this.experiments.set(id, { experiment_id: id, name, lifecycle_stage: 'active', creation_time: Date.now(), tags: (input.tags as FakeExperiment['tags']) ?? [] });
    return { experiment_id: id };
  }
  searchExperiments(): unknown { return { experiments: [...this.experiments.values()].map((e) => this.experimentOut(e)) }; }
  deleteExperiment(input: Record<string, unknown>): unknown {
    const exp = this.experiments.get(String(input.experiment_id));
    if (!exp) throw new ApiError(404, 'RESOURCE_DOES_NOT_EXIST', 'No such experiment');
    exp.lifecycle_stage = 'deleted';
    return {};
  }
  private experimentOut(e: FakeExperiment): unknown {
    return { experiment_id: e.experiment_id, name: e.name, artifact_location: `mlflow-artifacts:/${e.experiment_id}`, lifecycle_stage: e.lifecycle_stage, creation_time: e.creation_time, last_update_time: e.creation_time, ...(e.tags.length ? { tags: e.tags } : {}) };
  }

  // --- runs ----------------------------------------------------------------------------------
  createRun(input: Record<string, unknown>): unknown {
    const exp = this.experiments.get(String(input.experiment_id));
    if (!exp) throw new ApiError(404, 'RESOURCE_DOES_NOT_EXIST', `No Experiment with id=${String(input.experiment_id)} exists`);
    if (exp.lifecycle_stage !== 'active') throw bad(`The experiment ${exp.experiment_id} must be in the 'active' state.`);
    const runId = randomBytes(16).toString('hex');
    const tags = new Map<string, string>();
    for (const t of (input.tags as { key: string; value: unknown }[] | undefined) ?? []) tags.set(checkKey(t.key, 'tags.key'), typeof t.value === 'string' ? t.value.slice(0, 8000) : '');
    const runName = typeof input.run_name === 'string' && input.run_name ? input.run_name : (tags.get('mlflow.runName') ?? `fake-run-${this.runs.size + 1}`);
    tags.set('mlflow.runName', runName);
    const start = int64(input.start_time);
    const run: FakeRun = {
      info: { run_id: runId, experiment_id: exp.experiment_id, run_name: runName, user_id: typeof input.user_id === 'string' ? input.user_id : '', status: 'RUNNING', start_time: typeof start === 'number' ? start : 0, lifecycle_stage: 'active' },
      params: new Map(), tags, metrics: [], inputs: [],
    };
    this.runs.set(runId, run);
    return { run: this.runOut(run) };
  }
  private activeRun(input: Record<string, unknown>, allowUuid: boolean): FakeRun {
    const id = input.run_id ?? (allowUuid ? input.run_uuid : undefined);
    if (typeof id !== 'string' || id === '') throw bad(`Invalid value "" for parameter 'run_id' supplied.`);
    const run = this.runs.get(id);
    if (!run) throw new ApiError(404, 'RESOURCE_DOES_NOT_EXIST', `Run with id=${id} not found`);
    if (run.info.lifecycle_stage !== 'active') throw bad(`The run ${id} must be in the 'active' state. Current state is deleted.`);
    return run;
  }
  updateRun(input: Record<string, unknown>): unknown {
    const run = this.activeRun(input, true);
    const status = input.status;
    // Only the exact enum name or its number changes the status; anything else is ignored (quirk 12).
    if (typeof status === 'string' && STATUSES.includes(status)) run.info.status = status;
    if (typeof status === 'number' && STATUSES[status - 1]) run.info.status = STATUSES[status - 1];
    const end = int64(input.end_time);
    if (typeof end === 'number') run.info.end_time = end;
    if (typeof input.run_name === 'string' && input.run_name) { run.info.run_name = input.run_name; run.tags.set('mlflow.runName', input.run_name); }
    return { run_info: this.infoOut(run) };
  }
  getRun(input: Record<string, unknown>): unknown {
    const id = String(input.run_id ?? input.run_uuid ?? '');
    const run = this.runs.get(id);
    if (!run) throw new ApiError(404, 'RESOURCE_DOES_NOT_EXIST', `Run with id=${id} not found`);
    return { run: this.runOut(run) };
  }
  deleteRun(input: Record<string, unknown>): unknown { this.activeRun(input, false).info.lifecycle_stage = 'deleted'; return {}; }
  searchRuns(input: Record<string, unknown>): unknown {
    const ids = ((input.experiment_ids as unknown[]) ?? []).map(String);
    const max = Number(input.max_results ?? 1000);
    if (max > 50000) throw bad(`Invalid value ${max} for parameter 'max_results' supplied. It must be at most 50000`);
    const view = String(input.run_view_type ?? 'ACTIVE_ONLY');
    const clauses = parseFilter(typeof input.filter === 'string' ? input.filter : '');
    const hits = [...this.runs.values()]
      .filter((r) => ids.includes(r.info.experiment_id))
      .filter((r) => view === 'ALL' || (view === 'DELETED_ONLY') === (r.info.lifecycle_stage === 'deleted'))
      .filter((r) => clauses.every((c) => (c.kind === 'tags' ? r.tags.get(c.key) : c.kind === 'params' ? r.params.get(c.key) : c.key === 'run_name' ? r.info.run_name : undefined) === c.value))
      .sort((a, b) => b.info.start_time - a.info.start_time);
    const offset = offsetOf(input.page_token);
    const page = hits.slice(offset, offset + max);
    if (page.length === 0) return {};
    return { runs: page.map((r) => this.runOut(r)), ...(offset + max < hits.length ? { next_page_token: token(offset + max) } : {}) };
  }

  // --- logging -------------------------------------------------------------------------------
  logBatch(input: Record<string, unknown>): unknown {
    const run = this.activeRun(input, false);
    const metrics = (input.metrics as Record<string, unknown>[] | undefined) ?? [];
    const params = (input.params as Record<string, unknown>[] | undefined) ?? [];
    const tags = (input.tags as Record<string, unknown>[] | undefined) ?? [];
    if (metrics.length > 1000 || params.length > 100 || tags.length > 100 || metrics.length + params.length + tags.length > 1000) {
      throw bad(`A batch logging request can contain at most 1000 metrics, got ${metrics.length}; at most 100 params, got ${params.length}; at most 100 tags, got ${tags.length}; at most 1000 items in total.`);
    }
    // Validate everything first: a batch is all-or-nothing (quirk 3).
    const newPoints = metrics.map((m, i) => this.point(m, `metrics[${i}]`));
    const newParams = new Map<string, string>();
    params.forEach((p, i) => {
      const key = checkKey(p.key, `params[${i}].key`);
      if (newParams.has(key)) throw bad('Duplicate parameter keys have been submitted.');
      newParams.set(key, typeof p.value === 'string' ? p.value.slice(0, 6000) : '');
    });
    const changed = [...newParams].filter(([k, v]) => run.params.has(k) && run.params.get(k) !== v);
    if (changed.length) {
      throw bad(`Changing param values is not allowed. Params were already logged='${JSON.stringify(changed.map(([key, v]) => ({ key, old_value: run.params.get(key), new_value: v })))}' for run ID='${run.info.run_id}'.`);
    }
    const newTags = tags.map((t, i) => [checkKey(t.key, `tags[${i}].key`), typeof t.value === 'string' ? t.value.slice(0, 8000) : ''] as const);
    for (const p of newPoints) {
      // An identical (key, value, timestamp, step) point is stored once (quirk 13).
      const dup = run.metrics.some((m) => m.key === p.key && m.timestamp === p.timestamp && m.step === p.step && (m.value === p.value || (Number.isNaN(m.value) && Number.isNaN(p.value))));
      if (!dup) run.metrics.push(p);
    }
    for (const [k, v] of newParams) run.params.set(k, v);
    for (const [k, v] of newTags) { run.tags.set(k, v); if (k === 'mlflow.runName') run.info.run_name = v; }
    return {};
  }
  private point(m: Record<string, unknown>, what: string): StoredPoint {
    const key = checkKey(m.key, `${what}.key`);
    const value = metricValue(m.value, `${what}.value`);
    const ts = int64(m.timestamp);
    if (ts === undefined) throw bad(`Missing value for required parameter '${what}.timestamp'`);
    const step = int64(m.step);
    // A fractional timestamp loses timestamp and step; a fractional step loses the step (quirk 7).
    if (ts === 'fraction') return { key, value, timestamp: 0, step: 0 };
    return { key, value, timestamp: ts, step: typeof step === 'number' ? step : 0 };
  }
  logMetric(input: Record<string, unknown>): unknown { const run = this.activeRun(input, true); return this.logBatch({ run_id: run.info.run_id, metrics: [input] }); }
  logParam(input: Record<string, unknown>): unknown { return this.logBatch({ run_id: input.run_id ?? input.run_uuid, params: [input] }); }
  setTag(input: Record<string, unknown>): unknown { return this.logBatch({ run_id: input.run_id ?? input.run_uuid, tags: [input] }); }
  logInputs(input: Record<string, unknown>): unknown {
    const run = this.activeRun(input, false);
    const datasets = (input.datasets as FakeRun['inputs'] | undefined) ?? [];
    for (const d of datasets) {
      for (const field of ['name', 'digest', 'source_type', 'source']) {
        if (typeof d.dataset?.[field] !== 'string' || d.dataset[field] === '') throw bad(`Missing value for required parameter 'dataset.${field}'`);
      }
      if (d.dataset.digest.length > 36) throw bad(`Dataset digest '${d.dataset.digest}' exceeds the maximum length of 36`);
    }
    for (const d of datasets) {
      if (!run.inputs.some((x) => x.dataset.name === d.dataset.name && x.dataset.digest === d.dataset.digest)) run.inputs.push(d);
    }
    return {};
  }
  getHistory(input: Record<string, unknown>): unknown {
    const run = this.runs.get(String(input.run_id ?? input.run_uuid ?? ''));
    if (!run) throw new ApiError(404, 'RESOURCE_DOES_NOT_EXIST', 'Run not found');
    const offset = offsetOf(input.page_token);
    // The real handler reads an absent max_results as 0: no metrics, just a token (quirk 1).
    const max = input.max_results === undefined ? 0 : Number(input.max_results);
    const all = run.metrics.filter((m) => m.key === input.metric_key);
    const page = all.slice(offset, offset + max);
    const out: Record<string, unknown> = {};
    if (page.length) out.metrics = page.map((m) => ({ key: m.key, value: outValue(m.value), timestamp: m.timestamp, step: m.step }));
    if (max === 0 || offset + max < all.length) out.next_page_token = token(offset + max);
    return out;
  }

  // --- artifacts -----------------------------------------------------------------------------
  listArtifacts(input: Record<string, unknown>): unknown {
    const run = this.runs.get(String(input.run_id ?? ''));
    if (!run) throw new ApiError(404, 'RESOURCE_DOES_NOT_EXIST', 'Run not found');
    const rel = typeof input.path === 'string' ? input.path.replace(/\/+$/, '') : '';
    const root = `${run.info.experiment_id}/${run.info.run_id}/artifacts`;
    return { root_uri: `mlflow-artifacts:/${root}`, ...this.listDir(root, rel, true) };
  }
  private proxyList(path: string): unknown { return this.listDir(path.replace(/\/+$/, ''), '', false); }
  private listDir(root: string, rel: string, relativeToRoot: boolean): { files?: { path: string; is_dir: boolean; file_size?: number }[] } {
    const prefix = `${root}/${rel ? `${rel}/` : ''}`;
    const entries = new Map<string, { path: string; is_dir: boolean; file_size?: number }>();
    for (const [key, bytes] of this.artifacts) {
      if (!key.startsWith(prefix)) continue;
      const [first, ...rest] = key.slice(prefix.length).split('/');
      const path = relativeToRoot && rel ? `${rel}/${first}` : first;
      entries.set(path, rest.length ? { path, is_dir: true } : { path, is_dir: false, file_size: bytes.length });
    }
    return entries.size ? { files: [...entries.values()] } : {};
  }

  private infoOut(r: FakeRun): Record<string, unknown> {
    const { end_time, ...rest } = r.info;
    return { ...rest, run_uuid: r.info.run_id, artifact_uri: `mlflow-artifacts:/${r.info.experiment_id}/${r.info.run_id}/artifacts`, ...(end_time !== undefined ? { end_time } : {}) };
  }
  private runOut(r: FakeRun): unknown {
    const latest = new Map<string, StoredPoint>();
    for (const m of r.metrics) {
      const cur = latest.get(m.key);
      if (!cur || m.step > cur.step || (m.step === cur.step && (m.timestamp > cur.timestamp || (m.timestamp === cur.timestamp && m.value > cur.value)))) latest.set(m.key, m);
    }
    const data: Record<string, unknown> = {};
    if (latest.size) data.metrics = [...latest.values()].map((m) => ({ ...m, value: outValue(m.value) }));
    if (r.params.size) data.params = [...r.params].map(([key, value]) => ({ key, value }));
    if (r.tags.size) data.tags = [...r.tags].map(([key, value]) => ({ key, value }));
    return { info: this.infoOut(r), data, inputs: r.inputs.length ? { dataset_inputs: r.inputs } : {} };
  }
}

class HtmlError { constructor(readonly status: number) {} }

type Clause = { kind: 'tags' | 'params' | 'attributes'; key: string; value: string };
/** The subset of MLflow's search grammar the client uses: `tags.k = 'v' and attributes.run_name = 'v'`. */
function parseFilter(filter: string): Clause[] {
  if (!filter.trim()) return [];
  return filter.split(/\s+and\s+/i).map((part) => {
    const m = /^\s*(tags|params|attributes|attribute|tag|param)\.(`[^`]+`|[\w.\-]+)\s*=\s*'((?:[^']|'')*)'\s*$/i.exec(part);
    if (!m) throw bad(`Invalid filter '${filter}'`);
    const kind = (m[1].toLowerCase().startsWith('tag') ? 'tags' : m[1].toLowerCase().startsWith('param') ? 'params' : 'attributes') as Clause['kind'];
    return { kind, key: m[2].replace(/^`|`$/g, ''), value: m[3].replace(/''/g, "'") };
  });
}

type Handler = { methods: string[]; fn: (this: FakeMlflowServer, input: Record<string, unknown>) => unknown };
const ROUTES: Record<string, Handler> = {
  'experiments/get-by-name': { methods: ['GET'], fn: FakeMlflowServer.prototype.experimentByName },
  'experiments/create': { methods: ['POST'], fn: FakeMlflowServer.prototype.createExperiment },
  'experiments/search': { methods: ['GET', 'POST'], fn: FakeMlflowServer.prototype.searchExperiments },
  'experiments/delete': { methods: ['POST'], fn: FakeMlflowServer.prototype.deleteExperiment },
  'runs/create': { methods: ['POST'], fn: FakeMlflowServer.prototype.createRun },
  'runs/update': { methods: ['POST'], fn: FakeMlflowServer.prototype.updateRun },
  'runs/get': { methods: ['GET'], fn: FakeMlflowServer.prototype.getRun },
  'runs/delete': { methods: ['POST'], fn: FakeMlflowServer.prototype.deleteRun },
  'runs/search': { methods: ['POST'], fn: FakeMlflowServer.prototype.searchRuns },
  'runs/log-batch': { methods: ['POST'], fn: FakeMlflowServer.prototype.logBatch },
  'runs/log-metric': { methods: ['POST'], fn: FakeMlflowServer.prototype.logMetric },
  'runs/log-parameter': { methods: ['POST'], fn: FakeMlflowServer.prototype.logParam },
  'runs/set-tag': { methods: ['POST'], fn: FakeMlflowServer.prototype.setTag },
  'runs/log-inputs': { methods: ['POST'], fn: FakeMlflowServer.prototype.logInputs },
  'metrics/get-history': { methods: ['GET'], fn: FakeMlflowServer.prototype.getHistory },
  'artifacts/list': { methods: ['GET'], fn: FakeMlflowServer.prototype.listArtifacts },
};

export async function startFakeMlflowServer(): Promise<FakeMlflowServer> {
  return new FakeMlflowServer().start();
}
