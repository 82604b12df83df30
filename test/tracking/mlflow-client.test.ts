// The MLflow client against the fake server (which implements the REST contract and the quirks of
// a real MLflow 3.5 server, see ../shared/docs/mlflow-rest.md).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { MlflowClient, isNotFound } from '../../src/tracking/mlflow/client.ts';
import { MlflowRequestError } from '../../src/tracking/mlflow/http.ts';
import { chunkBatch, encodeArtifactPath, keyProblem, metricPoint, sanitizeKey } from '../../src/tracking/mlflow/limits.ts';
import { authFromEnv, resolveTrackingUri } from '../../src/tracking/mlflow/tracking-uri.ts';
import { UserError } from '../../src/util/errors.ts';
import { FakeMlflowServer, startFakeMlflowServer } from '../helpers/fake-mlflow-server.ts';

const fast = { backoffMs: 1, maxBackoffMs: 5, timeoutMs: 2000 };

describe('MLflow client', () => {
  let server: FakeMlflowServer;
  let client: MlflowClient;
  before(async () => {
    server = await startFakeMlflowServer();
    client = new MlflowClient(server.uri, fast);
  });
  after(() => server.stop());

  async function newRun(name = 'r'): Promise<{ runId: string; experimentId: string }> {
    const experimentId = (await client.getExperimentByName('client-tests'))?.experiment_id ?? (await client.createExperiment('client-tests'));
    const run = await client.createRun({ experimentId, runName: name, startTime: Date.now() });
    return { runId: run.info.run_id, experimentId };
  }

  test('experiments: get-by-name is undefined for an unknown name, create then get returns the string id', async () => {
    assert.equal(await client.getExperimentByName('nope'), undefined);
    const id = await client.createExperiment('exp-a');
    assert.equal(typeof id, 'string');
    const got = await client.getExperimentByName('exp-a');
    assert.equal(got?.experiment_id, id);
    assert.equal(got?.lifecycle_stage, 'active');
    await assert.rejects(client.createExperiment('exp-a'), (err: MlflowRequestError) => err.errorCode === 'RESOURCE_ALREADY_EXISTS' && err.status === 400);
  });

  test('every JSON POST carries Content-Type application/json (the server refuses text/plain)', async () => {
    const res = await fetch(`${server.uri}/api/2.0/mlflow/experiments/create`, { method: 'POST', body: JSON.stringify({ name: 'plain' }) });
    assert.equal(res.status, 400, 'the fake server must refuse a text/plain body like MLflow does');
    const first = server.requests.length;
    await newRun();
    const posts = server.requests.slice(first).filter((r) => r.method === 'POST');
    assert.ok(posts.length >= 1);
    for (const post of posts) assert.match(post.contentType ?? '', /^application\/json/);
  });

  test('create run sends start_time and run_name; update sets an exact status and end_time', async () => {
    const before = Date.now();
    const { runId } = await newRun('named');
    const run = await client.getRun(runId);
    assert.equal(run.info.run_name, 'named');
    assert.ok((run.info.start_time ?? 0) >= before, 'start_time must be sent, or the server stores 1970');
    assert.equal(run.info.end_time, undefined);
    const info = await client.updateRun(runId, { status: 'FINISHED', endTime: before + 10.4 });
    assert.equal(info.status, 'FINISHED');
    assert.equal(info.end_time, before + 10);
  });

  test('log-batch splits 2500 metrics, 250 params and 150 tags into requests within the limits, all stored', async () => {
    const { runId } = await newRun();
    const t0 = Date.now();
    const metrics = Array.from({ length: 2500 }, (_, i) => metricPoint(`m${i % 3}`, i / 7, t0 + i, i));
    const params = Array.from({ length: 250 }, (_, i) => ({ key: `p.${i}`, value: String(i) }));
    const tags = Array.from({ length: 150 }, (_, i) => ({ key: `t.${i}`, value: `v${i}` }));
    const batchesBefore = server.countRequests('runs/log-batch');
    let accepted = 0;
    await client.logBatch(runId, { metrics, params, tags }, (b) => { accepted += b.metrics.length; });
    assert.equal(accepted, 2500);
    // 250 params need 3 requests, 2500 metrics 3 more (tags ride along): the server refuses any request over a limit.
    assert.ok(server.countRequests('runs/log-batch') - batchesBefore >= 4);
    const run = await client.getRun(runId);
    assert.equal(run.data?.params?.length, 250);
    assert.equal(run.data?.tags?.filter((t) => t.key.startsWith('t.')).length, 150);
    assert.equal(server.runs.get(runId)?.metrics.length, 2500);
  });

  test('the server refuses an oversized batch whole (the fake follows MLflow: nothing stored)', async () => {
    const { runId } = await newRun();
    const res = await fetch(`${server.uri}/api/2.0/mlflow/runs/log-batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ run_id: runId, params: Array.from({ length: 101 }, (_, i) => ({ key: `k${i}`, value: 'v' })) }),
    });
    assert.equal(res.status, 400);
    assert.equal((await client.getRun(runId)).data?.params, undefined);
  });

  test('a batch with one bad item stores nothing of it (atomic), and the error is not retried', async () => {
    const { runId } = await newRun();
    await client.logBatch(runId, { params: [{ key: 'lr', value: '0.01' }] });
    const before = server.countRequests('runs/log-batch');
    await assert.rejects(
      client.logBatch(runId, { metrics: [metricPoint('loss', 1, Date.now(), 1)], params: [{ key: 'lr', value: '0.02' }], tags: [{ key: 'ok', value: 'x' }] }),
      (err: MlflowRequestError) => err.status === 400,
    );
    await assert.rejects(client.logBatch(runId, { metrics: [metricPoint('bad@key', 1, Date.now(), 1), metricPoint('loss', 2, Date.now(), 2)] }), /Names may only contain/);
    assert.equal(server.countRequests('runs/log-batch') - before, 2);
    const run = await client.getRun(runId);
    assert.equal(run.data?.metrics, undefined);
    assert.equal(run.data?.tags?.find((t) => t.key === 'ok'), undefined);
  });

  test('NaN and ±Infinity are sent as strings; fractional timestamps and steps are rounded', async () => {
    const { runId } = await newRun();
    const t = 1795548168643.5;
    await client.logBatch(runId, { metrics: [metricPoint('loss', NaN, t, 1.6), metricPoint('loss', Infinity, t, 2), metricPoint('loss', -Infinity, t, 3), metricPoint('loss', 0.5, t, 4)] });
    const history = await client.getMetricHistory(runId, 'loss');
    assert.deepEqual(history.map((m) => m.value), ['NaN', 1.7976931348623157e308, -1.7976931348623157e308, 0.5]);
    assert.deepEqual(history.map((m) => m.step), [2, 2, 3, 4]);
    assert.ok(history.every((m) => m.timestamp === Math.round(t)), 'a fractional timestamp would be stored as 0');
  });

  test('metric history always sends max_results and follows next_page_token', async () => {
    const { runId } = await newRun();
    const raw = await fetch(`${server.uri}/api/2.0/mlflow/metrics/get-history?run_id=${runId}&metric_key=x`);
    assert.equal((await raw.json()).metrics, undefined, 'the fake, like MLflow, returns nothing without max_results');
    const paged = new MlflowClient(server.uri, { ...fast, historyPageSize: 100 });
    const t0 = Date.now();
    await paged.logBatch(runId, { metrics: Array.from({ length: 250 }, (_, i) => metricPoint('x', i, t0, i)) });
    const before = server.countRequests('metrics/get-history');
    const history = await paged.getMetricHistory(runId, 'x');
    assert.deepEqual(history.map((m) => m.step), Array.from({ length: 250 }, (_, i) => i));
    assert.equal(server.countRequests('metrics/get-history') - before, 3);
    assert.deepEqual(await paged.getMetricHistory(runId, 'never-logged'), []);
  });

  test('params are write-once: same value again is fine, a changed value is a 4xx and is not retried', async () => {
    const { runId } = await newRun();
    await client.logBatch(runId, { params: [{ key: 'lr', value: '0.01' }] });
    await client.logBatch(runId, { params: [{ key: 'lr', value: '0.01' }] });
    const before = server.countRequests('runs/log-batch');
    await assert.rejects(client.logBatch(runId, { params: [{ key: 'lr', value: '0.02' }] }), (err: MlflowRequestError) => err.status === 400 && /Changing param values/.test(err.message) && !err.retryable);
    assert.equal(server.countRequests('runs/log-batch') - before, 1);
  });

  test('the same param key twice in one call goes into separate requests (the server refuses duplicates in a batch)', async () => {
    assert.equal(chunkBatch({ metrics: [], params: [{ key: 'a', value: '1' }, { key: 'a', value: '1' }], tags: [] }).length, 2);
    const { runId } = await newRun();
    await client.logBatch(runId, { params: [{ key: 'a', value: '1' }, { key: 'b', value: '2' }, { key: 'a', value: '1' }] });
    assert.equal((await client.getRun(runId)).data?.params?.length, 2);
  });

  test('set-tag and log-inputs', async () => {
    const { runId } = await newRun();
    await client.setTag(runId, 'mlflow.note.content', '# hello');
    const dataset = { dataset: { name: 'train', digest: 'abc123', source_type: 'local', source: '/data/train.csv', profile: '{"num_rows": 3}' }, tags: [{ key: 'mlflow.data.context', value: 'train' }] };
    await client.logInputs(runId, [dataset]);
    await client.logInputs(runId, [dataset]);
    const run = await client.getRun(runId);
    assert.equal(run.data?.tags?.find((t) => t.key === 'mlflow.note.content')?.value, '# hello');
    assert.equal(run.inputs?.dataset_inputs?.length, 1);
  });

  test('artifacts: each path segment is encoded, listing is one level, .. is refused before any request', async () => {
    const { runId } = await newRun();
    const info = (await client.getRun(runId)).info;
    await client.uploadArtifact(info, 'with space/c+d.txt', Buffer.from('hello'));
    await client.uploadArtifact(info, 'model/config.json', Buffer.from('{}'));
    assert.equal(server.artifacts.get(`${info.experiment_id}/${runId}/artifacts/with space/c+d.txt`)?.toString(), 'hello');
    const top = await client.listArtifacts(runId);
    assert.deepEqual(top.files.map((f) => [f.path, f.is_dir]).sort(), [['model', true], ['with space', true]]);
    const sub = await client.listArtifacts(runId, 'model');
    assert.deepEqual(sub.files, [{ path: 'model/config.json', is_dir: false, file_size: 2 }]);
    const before = server.requests.length;
    await assert.rejects(client.uploadArtifact(info, 'a/../b.txt', Buffer.from('x')), /'\.\.' segment/);
    assert.equal(server.requests.length, before);
    assert.equal(encodeArtifactPath('a b/c+d.txt'), 'a%20b/c%2Bd.txt');
  });

  test('search runs filters by tag and follows pages', async () => {
    const experimentId = await client.createExperiment('search-tests');
    for (let i = 0; i < 5; i++) await client.createRun({ experimentId, runName: `s${i}`, tags: [{ key: 'exp.group', value: i % 2 ? 'odd' : 'even' }] });
    const even = await client.searchRuns({ experimentIds: [experimentId], filter: "tags.exp.group = 'even'", maxResults: 2 });
    assert.deepEqual(even.map((r) => r.info.run_name).sort(), ['s0', 's2', 's4']);
    assert.deepEqual(await client.searchRuns({ experimentIds: [experimentId], filter: "tags.exp.group = 'none'" }), []);
  });

  test('retries 5xx with backoff and then succeeds; gives up after the configured retries', async () => {
    const retrying = new MlflowClient(server.uri, { ...fast, retries: 3 });
    server.failNext(2, 503);
    const before = server.requests.length;
    assert.equal(await retrying.getExperimentByName('nope-either'), undefined);
    assert.equal(server.requests.length - before, 3);
    server.failNext(10, 500);
    await assert.rejects(retrying.getExperimentByName('x'), (err: MlflowRequestError) => err.status === 500);
    server.failNext(0);
    assert.equal(server.requests.length - before, 3 + 4);
  });

  test('never retries a 4xx', async () => {
    const before = server.requests.length;
    await assert.rejects(client.getRun('does-not-exist'), (err) => isNotFound(err));
    assert.equal(server.requests.length - before, 1);
  });

  test('a hanging server times out and the retry succeeds', async () => {
    const impatient = new MlflowClient(server.uri, { ...fast, timeoutMs: 150, retries: 2 });
    server.hangNext(1);
    const started = Date.now();
    assert.equal(await impatient.getExperimentByName('still-nope'), undefined);
    assert.ok(Date.now() - started >= 150);
  });

  test('connection refused is a retryable network error without a status; the restarted server kept its state', async () => {
    const id = await client.createExperiment('survives-restart');
    await server.stop();
    const refused = new MlflowClient(server.uri, { ...fast, retries: 1 });
    await assert.rejects(refused.getExperimentByName('survives-restart'), (err: MlflowRequestError) => err.status === undefined && err.retryable && /ECONNREFUSED/.test(err.message));
    await server.start();
    assert.equal((await client.getExperimentByName('survives-restart'))?.experiment_id, id);
  });

  test('unknown routes answer HTML, which the client reports with the status', async () => {
    await assert.rejects(client.transport.request('GET', '/api/2.0/mlflow/runs/get/'), (err: MlflowRequestError) => err.status === 404 && /Not Found/.test(err.message));
  });

  test('auth: MLFLOW_TRACKING_TOKEN as bearer, else username/password as basic', async () => {
    const bearer = new MlflowClient(server.uri, { ...fast, auth: authFromEnv({ MLFLOW_TRACKING_TOKEN: 'tok' }) });
    await bearer.getExperimentByName('x');
    assert.equal(server.requests.at(-1)?.authorization, 'Bearer tok');
    const basic = new MlflowClient(server.uri, { ...fast, auth: authFromEnv({ MLFLOW_TRACKING_USERNAME: 'u', MLFLOW_TRACKING_PASSWORD: 'p' }) });
    await basic.getExperimentByName('x');
    assert.equal(server.requests.at(-1)?.authorization, `Basic ${Buffer.from('u:p').toString('base64')}`);
    assert.equal(authFromEnv({}), undefined);
  });
});

describe('tracking URI and keys', () => {
  test('precedence: CLI > spec > project config > MLFLOW_TRACKING_URI; none means local only', () => {
    const env = { MLFLOW_TRACKING_URI: 'http://env:1' };
    assert.deepEqual(resolveTrackingUri({ cli: 'http://cli:1', spec: 'http://spec:1', project: 'http://proj:1', env }), { uri: 'http://cli:1', from: 'cli' });
    assert.deepEqual(resolveTrackingUri({ spec: 'http://spec:1/', project: 'http://proj:1', env }), { uri: 'http://spec:1', from: 'spec' });
    assert.deepEqual(resolveTrackingUri({ project: 'http://proj:1', env }), { uri: 'http://proj:1', from: 'project' });
    assert.deepEqual(resolveTrackingUri({ env }), { uri: 'http://env:1', from: 'env' });
    assert.equal(resolveTrackingUri({ env: {} }), undefined);
  });

  test('a non-http URI is a user error that says what to do', () => {
    assert.throws(() => resolveTrackingUri({ spec: 'file:///tmp/mlruns', env: {} }), (err: UserError) => err instanceof UserError && /tracking\.uri in the spec/.test(err.message) && /mlflow server/.test(err.message));
    assert.throws(() => resolveTrackingUri({ cli: 'not a url', env: {} }), UserError);
  });

  test('keys: the server charset, length and .. rules, and sanitizing', () => {
    assert.equal(keyProblem('train.learning_rate'), undefined);
    assert.equal(keyProblem('é/x: y-z'), undefined);
    assert.match(keyProblem('a@b') ?? '', /characters/);
    assert.match(keyProblem('a/../b') ?? '', /segment/);
    assert.match(keyProblem('k'.repeat(251)) ?? '', /250/);
    assert.equal(sanitizeKey("data.sources.a,b@c'd"), 'data.sources.a_b_c_d');
    assert.equal(sanitizeKey('a/../b'), 'a/_/b');
    assert.equal(sanitizeKey('k'.repeat(251)), undefined);
  });
});
