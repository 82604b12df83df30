// The offline-first sender against the fake MLflow server: what a run logs, idempotency, and
// failures (5xx, timeouts, connection refused, restart mid-run) losing or duplicating nothing.
import { test, describe, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { MlflowClient } from '../../src/tracking/mlflow/client.ts';
import { MlflowRequestError } from '../../src/tracking/mlflow/http.ts';
import { UserError } from '../../src/util/errors.ts';
import { readSyncState, SYNC_STATE_FILE } from '../../src/tracking/mlflow/sync-state.ts';
import { createLiveSender, syncRun } from '../../src/tracking/sender.ts';
import { sweepRecordFile, writeSweepRecord } from '../../src/tracking/record.ts';
import { FakeMlflowServer, startFakeMlflowServer } from '../helpers/fake-mlflow-server.ts';
import { appendMetrics, baseSpec, localHistory, setRunJson, tempRunsRoot, trainingPoints, writeRun } from './sender-fixture.ts';

const fast = { backoffMs: 1, maxBackoffMs: 5, timeoutMs: 2000, retries: 1 };

describe('sender', () => {
  let server: FakeMlflowServer;
  let root: string;
  let client: MlflowClient;
  const sync = (dir: string, extra: Record<string, unknown> = {}) => syncRun(dir, { uri: server.uri, ...fast, ...extra });

  before(async () => {
    server = await startFakeMlflowServer();
    client = new MlflowClient(server.uri, { ...fast, historyPageSize: 700 });
  });
  after(() => server.stop());
  beforeEach(() => {
    root = tempRunsRoot();
    server.failNext(0);
  });

  /** Asserts the server's history of every metric equals metrics.jsonl exactly (no loss, no duplicate). */
  async function assertMetricsMatch(dir: string, runId: string): Promise<void> {
    const local = localHistory(dir);
    assert.ok(local.size > 0);
    for (const [key, points] of local) {
      const remote = (await client.getMetricHistory(runId, key)).map((m) => [m.step, m.value, m.timestamp]);
      assert.deepEqual(remote, points, `metric ${key}`);
    }
    const stored = server.runs.get(runId)!.metrics.length;
    assert.equal(stored, [...local.values()].reduce((n, p) => n + p.length, 0));
  }
  const runsIn = (experimentName: string) => {
    const exp = [...server.experiments.values()].find((e) => e.name === experimentName)!;
    return [...server.runs.values()].filter((r) => r.info.experiment_id === exp.experiment_id);
  };

  test('a finished run: params, tags, metrics, datasets, artifacts and status, as MLflow shows them', async () => {
    const spec = baseSpec({ name: 'first', description: 'baseline' });
    const dir = writeRun(root, { experiment: 'first', name: 'first-lr1e-5', spec });
    appendMetrics(dir, [...trainingPoints(40), { step: 20, key: 'eval_wer', value: 0.41, ts: 1_795_000_001_000 }, { step: 20, key: 'eval_loss', value: NaN, ts: 1_795_000_001_000 }]);
    writeFileSync(join(dir, 'data-report.json'), JSON.stringify({ splits: { train: { sources: ['dv'], rows: 120, kept: 118, skipped: 2, keptSeconds: 400 }, eval: { sources: ['dv'], rows: 10, kept: 10, skipped: 0 } } }));
    writeFileSync(join(dir, 'predictions.tsv'), 'audio\treference\tprediction\n');

    const result = await sync(dir);
    assert.equal(result.createdRun, true);
    assert.equal(result.status, 'FINISHED');
    const run = (await client.getRun(result.mlflowRunId));
    const tags = Object.fromEntries((run.data?.tags ?? []).map((t) => [t.key, t.value]));
    for (const key of ['mlflow.runName', 'mlflow.user', 'mlflow.source.name', 'mlflow.source.type', 'mlflow.source.git.commit', 'mlflow.note.content', 'exp.run_id', 'exp.spec_hash']) {
      assert.ok(tags[key], `tag ${key}`);
    }
    assert.equal(tags['mlflow.runName'], 'first-lr1e-5');
    assert.equal(tags['exp.run_id'], 'id-first-lr1e-5');
    assert.equal(tags['mlflow.source.git.commit'], 'abc1234');
    assert.match(tags['mlflow.note.content'], /^baseline\n\n```yaml\n[\s\S]*learning_rate: 0.00001/);
    assert.equal(run.info.user_id, tags['mlflow.user']);
    const params = Object.fromEntries((run.data?.params ?? []).map((p) => [p.key, p.value]));
    assert.equal(params['train.learning_rate'], '0.00001');
    assert.equal(params['train.freeze'], '["encoder"]');
    assert.equal(params['data.sources.dv.root'], 'data/dvoice');
    assert.equal(params.backend, 'cpu');
    assert.equal(params['versions.tfjs'], '4.22.0');
    assert.equal(params.description, undefined);
    assert.equal(run.info.status, 'FINISHED');
    assert.equal(run.info.start_time, 1_795_000_000_000);
    assert.equal(run.info.end_time, 1_795_000_060_000);
    await assertMetricsMatch(dir, result.mlflowRunId);
    const inputs = run.inputs?.dataset_inputs ?? [];
    assert.deepEqual(inputs.map((d) => d.dataset.name).sort(), ['eval (dv)', 'train (dv)']);
    const train = inputs.find((d) => d.dataset.name === 'train (dv)')!;
    assert.ok(train.dataset.digest.length <= 36);
    assert.equal(JSON.parse(train.dataset.profile!).num_rows, 118);
    const files = (await client.listArtifacts(result.mlflowRunId)).files.map((f) => f.path).sort();
    assert.deepEqual(files, ['data-report.json', 'predictions.tsv', 'spec.resolved.yaml']);
    const state = readSyncState(dir).servers[server.uri];
    assert.equal(state.runId, result.mlflowRunId);
    assert.equal(state.metrics.lines, 42);
    assert.equal(Object.keys(state.artifacts).length, 3);
  });

  test('syncing again sends nothing and creates nothing; without the state file it finds the run by its exp.run_id tag', async () => {
    const dir = writeRun(root, { experiment: 'again', name: 'r1' });
    appendMetrics(dir, trainingPoints(30));
    const first = await sync(dir);
    const requestsBefore = server.requests.length;
    const second = await sync(dir);
    assert.equal(second.mlflowRunId, first.mlflowRunId);
    assert.deepEqual(second.sent, { metrics: 0, params: 0, datasets: 0, artifacts: 0 });
    const writes = server.requests.slice(requestsBefore).filter((r) => r.method !== 'GET' && !r.path.endsWith('runs/search'));
    assert.deepEqual(writes, [], 'a second sync must not write anything');
    rmSync(join(dir, SYNC_STATE_FILE));
    const third = await sync(dir);
    assert.equal(third.mlflowRunId, first.mlflowRunId);
    assert.equal(third.createdRun, false);
    assert.equal(runsIn('again').length, 1);
    await assertMetricsMatch(dir, first.mlflowRunId);
  });

  test('interrupted halfway through the metrics (5xx), then synced again: every point exactly once', async () => {
    const dir = writeRun(root, { experiment: 'interrupted', name: 'r1' });
    appendMetrics(dir, trainingPoints(2500));
    // Let the params batch and the first metrics batch through, then answer 503 to every log-batch.
    server.failNext(1000, 503, 'runs/log-batch', 2);
    await assert.rejects(sync(dir), (err: MlflowRequestError) => err.status === 503);
    const state = readSyncState(dir).servers[server.uri];
    assert.equal(state.metrics.lines, 1000);
    assert.equal(server.runs.get(state.runId!)!.metrics.length, 1000);
    server.failNext(0);
    const result = await sync(dir);
    assert.equal(result.mlflowRunId, state.runId);
    assert.equal(result.sent.metrics, 1500);
    await assertMetricsMatch(dir, result.mlflowRunId);
    assert.equal(runsIn('interrupted').length, 1);
  });

  test('an answer lost after the server stored the batch: the retry is deduplicated', async () => {
    const dir = writeRun(root, { experiment: 'lost-answer', name: 'r1' });
    appendMetrics(dir, trainingPoints(1500));
    server.dropAfterHandlingNext(1, 'runs/log-batch');
    const result = await sync(dir);
    await assertMetricsMatch(dir, result.mlflowRunId);
  });

  test('a lost runs/create answer does not leave a duplicate run (search by tag before creating again)', async () => {
    const dir = writeRun(root, { experiment: 'lost-create', name: 'r1' });
    appendMetrics(dir, trainingPoints(10));
    server.dropAfterHandlingNext(1, 'runs/create');
    const result = await sync(dir);
    assert.equal(runsIn('lost-create').length, 1);
    assert.equal(result.createdRun, false);
    await assertMetricsMatch(dir, result.mlflowRunId);
  });

  test('a sweep: one parent run, children nested with mlflow.parentRunId, parent finished when all are', async () => {
    const children = ['a', 'b', 'c'].map((n) => writeRun(root, { experiment: 'sweep', name: `sw-${n}`, parentId: 'sweep123', status: n === 'c' ? 'running' : 'finished' }));
    for (const dir of children) appendMetrics(dir, trainingPoints(6));
    const results = await Promise.all(children.map((dir) => sync(dir)));
    const runs = runsIn('sweep');
    const parents = runs.filter((r) => r.tags.get('exp.kind') === 'sweep');
    assert.equal(parents.length, 1);
    const parentId = parents[0].info.run_id;
    assert.equal(parents[0].tags.get('exp.run_id'), 'sweep123');
    for (const r of results) assert.equal(server.runs.get(r.mlflowRunId)!.tags.get('mlflow.parentRunId'), parentId);
    assert.equal(parents[0].info.status, 'RUNNING');
    setRunJson(children[2], { status: 'finished' });
    for (const dir of children) await sync(dir);
    assert.equal(runsIn('sweep').length, 4);
    assert.equal(server.runs.get(parentId)!.info.status, 'FINISHED');
  });

  test('a sweep record that says failed ends the parent run FAILED', async () => {
    const dirs = ['x', 'y'].map((n) => writeRun(root, { experiment: 'sweep-failed', name: n, parentId: 'sw2', status: n === 'x' ? 'failed' : 'finished' }));
    writeSweepRecord(sweepRecordFile(join(root, 'sweep-failed'), 'sw2'), {
      format: 1, id: 'sw2', name: 'sweep-failed', method: 'grid', specPath: 'x.yaml', varied: [], createdAt: '', updatedAt: '', status: 'failed',
      runs: [{ index: 0, id: 'id-x', name: 'x', status: 'failed' }, { index: 1, id: 'id-y', name: 'y', status: 'finished' }],
    });
    for (const dir of dirs) await sync(dir);
    const parent = runsIn('sweep-failed').find((r) => r.tags.get('exp.kind') === 'sweep')!;
    assert.equal(parent.info.status, 'FAILED');
    assert.equal(parent.tags.get('mlflow.runName'), 'sweep-failed');
  });

  test('a resumed run keeps logging into the same MLflow run (RUNNING again, then FINISHED)', async () => {
    const dir = writeRun(root, { experiment: 'resume', name: 'r1', status: 'failed' });
    appendMetrics(dir, trainingPoints(20));
    const first = await sync(dir);
    assert.equal(server.runs.get(first.mlflowRunId)!.info.status, 'FAILED');
    setRunJson(dir, { status: 'running' });
    appendMetrics(dir, trainingPoints(20, 10));
    const resumed = await sync(dir);
    assert.equal(resumed.mlflowRunId, first.mlflowRunId);
    assert.equal(server.runs.get(first.mlflowRunId)!.info.status, 'RUNNING');
    setRunJson(dir, { status: 'finished', endTime: 1_795_000_090_000 });
    await sync(dir);
    const info = server.runs.get(first.mlflowRunId)!.info;
    assert.equal(info.status, 'FINISHED');
    assert.equal(info.end_time, 1_795_000_090_000);
    await assertMetricsMatch(dir, first.mlflowRunId);
    assert.equal(runsIn('resume').length, 1);
  });

  test('a param that changed after it was logged is kept as logged, with a warning; the rest still goes', async () => {
    const dir = writeRun(root, { experiment: 'changed', name: 'r1', status: 'running' });
    await sync(dir);
    writeFileSync(join(dir, 'spec.resolved.yaml'), readFileSync(join(dir, 'spec.resolved.yaml'), 'utf8').replace('max_steps: 100', 'max_steps: 200').replace('seed: 42', 'seed: 42\nextra: yes'));
    const warnings: string[] = [];
    const result = await sync(dir, { onWarning: (m: string) => warnings.push(m) });
    const params = server.runs.get(result.mlflowRunId)!.params;
    assert.equal(params.get('train.max_steps'), '100');
    assert.equal(params.get('extra'), 'yes');
    assert.ok(warnings.some((w) => /train\.max_steps/.test(w) && /write-once/.test(w)));
  });

  test('long values and bad keys: cut to 6000 characters (noted), keys sanitized', async () => {
    const spec = baseSpec({ name: 'long', note: 'x'.repeat(7000), 'odd,key': 1 });
    const dir = writeRun(root, { experiment: 'long', name: 'r1', spec });
    const warnings: string[] = [];
    const result = await sync(dir, { onWarning: (m: string) => warnings.push(m) });
    const run = server.runs.get(result.mlflowRunId)!;
    assert.equal(run.params.get('note')?.length, 6000);
    assert.equal(run.tags.get('exp.truncated_params'), 'note');
    assert.equal(run.params.get('odd_key'), '1');
    assert.ok(warnings.some((w) => /cut to 6000/.test(w)));
  });

  test('the model folder is uploaded when tracking.log_model is true and the run is over', async () => {
    const spec = baseSpec({ name: 'model', tracking: { log_model: true } });
    const dir = writeRun(root, { experiment: 'model', name: 'r1', spec, status: 'running' });
    mkdirSync(join(dir, 'model', 'sub dir'), { recursive: true });
    writeFileSync(join(dir, 'model', 'config.json'), '{"d_model": 384}');
    writeFileSync(join(dir, 'model', 'sub dir', 'a+b.txt'), 'x');
    const first = await sync(dir);
    assert.deepEqual((await client.listArtifacts(first.mlflowRunId)).files.map((f) => f.path), ['spec.resolved.yaml']);
    setRunJson(dir, { status: 'finished' });
    const done = await sync(dir);
    assert.equal(done.sent.artifacts, 2);
    const model = (await client.listArtifacts(first.mlflowRunId, 'model')).files.map((f) => f.path).sort();
    assert.deepEqual(model, ['model/config.json', 'model/sub dir']);
    assert.equal(server.artifacts.get(`${done.experimentId}/${done.mlflowRunId}/artifacts/model/sub dir/a+b.txt`)?.toString(), 'x');
    assert.equal((await sync(dir)).sent.artifacts, 0);
  });

  test('a run deleted on the server is pushed again as a new run; a deleted experiment is a user error', async () => {
    const dir = writeRun(root, { experiment: 'deleted', name: 'r1' });
    appendMetrics(dir, trainingPoints(10));
    const first = await sync(dir);
    await client.transport.request('POST', '/api/2.0/mlflow/runs/delete', { json: { run_id: first.mlflowRunId } });
    const second = await sync(dir);
    assert.notEqual(second.mlflowRunId, first.mlflowRunId);
    assert.equal(second.createdRun, true);
    await assertMetricsMatch(dir, second.mlflowRunId);
    await client.transport.request('POST', '/api/2.0/mlflow/experiments/delete', { json: { experiment_id: second.experimentId } });
    await assert.rejects(sync(dir), (err: UserError) => err instanceof UserError && /deleted/.test(err.message) && /tracking\.experiment/.test(err.message));
  });

  test('a half-written last line of metrics.jsonl waits for its newline', async () => {
    const dir = writeRun(root, { experiment: 'partial', name: 'r1', status: 'running' });
    appendMetrics(dir, trainingPoints(4));
    appendFileSync(join(dir, 'metrics.jsonl'), '{"step":9,"key":"train_loss","val');
    const first = await sync(dir);
    assert.equal(first.sent.metrics, 4);
    appendFileSync(join(dir, 'metrics.jsonl'), 'ue":0.5,"ts":1795000000090}\n');
    assert.equal((await sync(dir)).sent.metrics, 1);
    await assertMetricsMatch(dir, first.mlflowRunId);
  });
  test('a retried run starts a new metrics.jsonl: every point of it is sent, even past the old offset', async () => {
    const dir = writeRun(root, { experiment: 'retry', name: 'retry-run', spec: baseSpec({ name: 'retry' }) });
    appendMetrics(dir, trainingPoints(10));
    const first = await sync(dir);
    // What `exp run --retry-failed` does: the failed attempt's metrics go aside, a new file grows
    // past the old one's length with other timestamps.
    renameSync(join(dir, 'metrics.jsonl'), join(dir, 'metrics.attempt-1.jsonl'));
    appendMetrics(dir, trainingPoints(30).map((p) => ({ ...p, ts: p.ts + 7_000 })));
    const second = await sync(dir);
    assert.equal(second.mlflowRunId, first.mlflowRunId, 'the same MLflow run');
    const losses = await client.getMetricHistory(first.mlflowRunId, 'train_loss');
    assert.equal(losses.length, 5 + 15, 'the first attempt\'s 5 points and all 15 of the retry');
    assert.equal(losses.filter((m) => m.timestamp >= 1_795_000_007_000).length, 15);
  });
});

describe('live sender', () => {
  let server: FakeMlflowServer;
  let root: string;
  before(async () => {
    server = await startFakeMlflowServer();
    root = tempRunsRoot();
  });
  after(() => server.stop());

  test('without a tracking URI nothing is sent', async () => {
    const dir = writeRun(root, { experiment: 'local', name: 'r1', status: 'running' });
    const before = server.requests.length;
    const sender = createLiveSender(dir, { uri: undefined });
    assert.equal(sender.enabled, false);
    await sender.flush();
    await sender.close();
    assert.equal(server.requests.length, before);
    assert.equal(existsSync(join(dir, SYNC_STATE_FILE)), false);
  });

  test('server down, hanging, failing and restarted mid-run: the run never fails, nothing is lost or duplicated', async () => {
    const dir = writeRun(root, { experiment: 'live', name: 'r1', status: 'running' });
    const warnings: string[] = [];
    const sender = createLiveSender(dir, { uri: server.uri, timeoutMs: 200, retries: 1, backoffMs: 1, pauseAfterFailureMs: 0, onWarning: (m) => warnings.push(m) });
    let step = 0;
    const train = (n: number) => {
      appendMetrics(dir, trainingPoints(n, step));
      step += n / 2;
    };
    train(100);
    await sender.flush();
    assert.equal(sender.lastError, undefined);

    await server.stop(); // connection refused
    train(100);
    await sender.flush();
    assert.ok(sender.lastError, 'the failure is recorded, not thrown');
    assert.equal(warnings.filter((w) => /could not push/.test(w)).length, 1);
    train(100);
    await sender.flush();
    assert.equal(warnings.filter((w) => /could not push/.test(w)).length, 1, 'one warning per outage');

    await server.start(); // restarted with its state
    server.hangNext(2); // then hangs: every attempt times out
    train(100);
    const started = Date.now();
    await sender.flush();
    assert.ok(Date.now() - started < 2000);
    server.failNext(5, 502);
    train(100);
    await sender.flush();
    server.failNext(0);

    setRunJson(dir, { status: 'finished' });
    await sender.close();
    assert.equal(sender.lastError, undefined);
    assert.ok(warnings.some((w) => /reachable again/.test(w)));
    const runs = [...server.runs.values()].filter((r) => r.tags.get('exp.run_id') === 'id-r1' && r.info.experiment_id === [...server.experiments.values()].find((e) => e.name === 'live')!.experiment_id);
    assert.equal(runs.length, 1);
    const runId = runs[0].info.run_id;
    assert.equal(runs[0].info.status, 'FINISHED');
    const client = new MlflowClient(server.uri);
    for (const [key, points] of localHistory(dir)) {
      assert.deepEqual((await client.getMetricHistory(runId, key)).map((m) => [m.step, m.value, m.timestamp]), points, key);
    }
    assert.equal(runs[0].metrics.length, 500);
  });

  test('a non-http URI is refused when the sender is created, with what to do', () => {
    assert.throws(() => createLiveSender(root, { uri: 'file:///tmp/mlruns' }), (err: UserError) => err instanceof UserError && /mlflow server/.test(err.message));
  });

  test('with intervalMs it flushes on its own until closed', async () => {
    const dir = writeRun(root, { experiment: 'timer', name: 'r1', status: 'running' });
    appendMetrics(dir, trainingPoints(10));
    const sender = createLiveSender(dir, { uri: server.uri, intervalMs: 20 });
    const deadline = Date.now() + 3000;
    while (!existsSync(join(dir, SYNC_STATE_FILE)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const runId = readSyncState(dir).servers[server.uri]?.runId;
    assert.ok(runId, 'the timer pushed the run without an explicit flush');
    appendMetrics(dir, trainingPoints(10, 5));
    while (server.runs.get(runId)!.metrics.length < 20 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(server.runs.get(runId)!.metrics.length, 20);
    await sender.close();
  });

  test('concurrent flushes are merged and run one at a time', async () => {
    const dir = writeRun(root, { experiment: 'merge', name: 'r1', status: 'running' });
    appendMetrics(dir, trainingPoints(10));
    const sender = createLiveSender(dir, { uri: server.uri, retries: 0 });
    const before = server.countRequests('runs/create');
    await Promise.all([sender.flush(), sender.flush(), sender.flush(), sender.flush()]);
    assert.equal(server.countRequests('runs/create') - before, 1);
    await sender.close();
  });

});
