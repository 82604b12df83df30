// The run flow with a test executor: record lifecycle, skip/resume/retry, --only, abort -> killed,
// the sweep's parent record, and the executor registry.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { validateSpecFile } from '../../src/config/validate.ts';
import { resolveSettings, type Settings } from '../../src/config/project-config.ts';
import { planExperiment, type Plan } from '../../src/plan/plan.ts';
import { executePlan, planActions, selectRuns, type FlowOptions } from '../../src/engine/run-flow.ts';
import { ExecutorRegistry, type RunContext, type RunExecutor, type RunResult } from '../../src/engine/executor.ts';
import { RunRecord, readSweepRecord, sweepRecordFile } from '../../src/tracking/record.ts';
import { UserError } from '../../src/util/errors.ts';
import { GOOD_SPEC, specDir, tempDir } from '../config/spec-fixture.ts';

const SWEEP = `${GOOD_SPEC}sweep:\n  method: grid\n  parameters:\n    train.learning_rate: [1.0e-5, 2.0e-5, 3.0e-5]\n`;

function setup(specText = SWEEP): { plan: Plan; settings: Settings } {
  const dir = specDir({ 'spec.yaml': specText });
  const plan = planExperiment(validateSpecFile(join(dir, 'spec.yaml'), { env: {} })).plan!;
  const settings = resolveSettings({ cli: { runsDir: join(tempDir('exp-runs-'), 'runs') }, env: {} });
  return { plan, settings };
}

/** Records what it was asked to do; `behave` decides each run's outcome. */
class TestExecutor implements RunExecutor {
  calls: { name: string; resume: boolean; lr: number | undefined }[] = [];
  constructor(private behave: (ctx: RunContext) => Promise<RunResult> | RunResult = () => ({ status: 'finished' })) {}
  async execute(ctx: RunContext): Promise<RunResult> {
    this.calls.push({ name: ctx.run.name, resume: ctx.resume, lr: ctx.spec.train?.learning_rate });
    assert.equal(ctx.record.status, 'running', 'the flow marks the run running before executing it');
    ctx.record.logMetrics(1, { loss: 1 });
    ctx.log(`training ${ctx.run.name}`);
    return this.behave(ctx);
  }
}

function run(executor: RunExecutor, plan: Plan, settings: Settings, extra: Partial<FlowOptions> = {}) {
  return executePlan(executor, { plan, settings, environment: { git: null, versions: { node: 'v', exp: 'x', tfjs: null }, host: 'h' }, ...extra });
}

test('every run executes once, is recorded finished, and the sweep parent lists them', async () => {
  const { plan, settings } = setup();
  const executor = new TestExecutor();
  const result = await run(executor, plan, settings);
  assert.deepEqual(executor.calls.map((c) => c.lr), [1e-5, 2e-5, 3e-5]);
  assert.deepEqual(result.outcomes.map((o) => o.status), ['finished', 'finished', 'finished']);
  assert.equal(result.interrupted, false);
  for (const outcome of result.outcomes) {
    const record = RunRecord.open(outcome.runDir);
    assert.equal(record.info.id, outcome.run.id);
    assert.equal(record.info.parentId, plan.sweep!.id);
    assert.equal(record.info.attempts, 1);
    assert.deepEqual(record.readMetrics().map((m) => m.key), ['loss']);
  }
  const sweep = readSweepRecord(sweepRecordFile(join(settings.runsDir, plan.experiment), plan.sweep!.id))!;
  assert.equal(sweep.status, 'finished');
  assert.deepEqual(sweep.runs.map((r) => r.status), ['finished', 'finished', 'finished']);
  assert.deepEqual(sweep.varied, ['train.learning_rate']);
});

test('running the spec again skips finished runs', async () => {
  const { plan, settings } = setup();
  await run(new TestExecutor(), plan, settings);
  const again = new TestExecutor();
  const result = await run(again, plan, settings);
  assert.equal(again.calls.length, 0);
  assert.deepEqual(result.outcomes.map((o) => o.action), ['skip-finished', 'skip-finished', 'skip-finished']);
});

test('a failed run does not stop the sweep; it is rerun only with retryFailed, from scratch', async () => {
  const { plan, settings } = setup();
  const failing = new TestExecutor((ctx) => (ctx.run.index === 1 ? { status: 'failed', error: new Error('loss is NaN') } : { status: 'finished' }));
  const first = await run(failing, plan, settings);
  assert.deepEqual(first.outcomes.map((o) => o.status), ['finished', 'failed', 'finished']);
  assert.equal(first.outcomes[1].error, 'loss is NaN');
  assert.equal(RunRecord.open(first.outcomes[1].runDir).info.error?.message, 'loss is NaN');
  assert.equal(readSweepRecord(sweepRecordFile(join(settings.runsDir, plan.experiment), plan.sweep!.id))!.status, 'failed');

  const noRetry = new TestExecutor();
  const second = await run(noRetry, plan, settings);
  assert.equal(noRetry.calls.length, 0);
  assert.equal(second.outcomes[1].action, 'skip-failed');

  const retry = new TestExecutor();
  const third = await run(retry, plan, settings, { retryFailed: true });
  assert.deepEqual(retry.calls, [{ name: plan.runs[1].name, resume: false, lr: 2e-5 }]);
  assert.equal(third.outcomes[1].status, 'finished');
  assert.equal(RunRecord.open(third.outcomes[1].runDir).info.attempts, 2);
  // The failed attempt's metrics are set aside, the new attempt's stand alone.
  assert.equal(RunRecord.open(third.outcomes[1].runDir).readMetrics().length, 1);
  assert.ok(existsSync(join(third.outcomes[1].runDir, 'metrics.attempt-1.jsonl')));
});

test('failFast stops at the first failed run', async () => {
  const { plan, settings } = setup();
  const executor = new TestExecutor(() => ({ status: 'failed', error: 'boom' }));
  const result = await run(executor, plan, settings, { failFast: true });
  assert.equal(executor.calls.length, 1);
  assert.equal(result.outcomes.length, 1);
});

test('an executor that throws marks the run failed with the message and stack', async () => {
  const { plan, settings } = setup(GOOD_SPEC);
  const result = await run(new TestExecutor(() => { throw new TypeError('undefined is not a function'); }), plan, settings);
  assert.equal(result.outcomes[0].status, 'failed');
  const info = RunRecord.open(result.outcomes[0].runDir).info;
  assert.equal(info.error?.message, 'undefined is not a function');
  assert.match(info.error?.stack ?? '', /TypeError/);
});

test('abort (Ctrl-C) marks the current run killed, starts no other, and the next run resumes it', async () => {
  const { plan, settings } = setup();
  const controller = new AbortController();
  const waiting = new TestExecutor(
    (ctx) =>
      new Promise((resolve) => {
        if (ctx.run.index === 0) return resolve({ status: 'finished' });
        setTimeout(() => controller.abort('SIGINT'), 10);
        ctx.signal.addEventListener('abort', () => resolve({ status: 'killed' }));
      }),
  );
  const first = await run(waiting, plan, settings, { signal: controller.signal });
  assert.equal(first.interrupted, true);
  assert.deepEqual(first.outcomes.map((o) => o.status), ['finished', 'killed']);
  const killed = RunRecord.open(first.outcomes[1].runDir).info;
  assert.equal(killed.status, 'killed');
  assert.match(killed.error?.message ?? '', /stopped by SIGINT/);
  assert.ok(killed.endTime);
  assert.equal(readSweepRecord(sweepRecordFile(join(settings.runsDir, plan.experiment), plan.sweep!.id))!.status, 'killed');

  const next = new TestExecutor();
  await run(next, plan, settings);
  assert.deepEqual(next.calls.map((c) => [c.lr, c.resume]), [[2e-5, true], [3e-5, false]]);
});

test('an executor that ignores the abort and fails anyway still counts as killed', async () => {
  const { plan, settings } = setup(GOOD_SPEC);
  const controller = new AbortController();
  const result = await run(new TestExecutor(() => { controller.abort('SIGTERM'); throw new Error('tensor disposed'); }), plan, settings, { signal: controller.signal });
  assert.equal(result.outcomes[0].status, 'killed');
  assert.match(RunRecord.open(result.outcomes[0].runDir).info.error?.message ?? '', /SIGTERM/);
});

test('a run left `running` by a crash is resumed', async () => {
  const { plan, settings } = setup(GOOD_SPEC);
  await run(new TestExecutor(), plan, settings);
  const record = RunRecord.open(planActions(plan, settings)[0].runDir);
  record.update({ status: 'running' });
  const executor = new TestExecutor();
  await run(executor, plan, settings);
  assert.deepEqual(executor.calls.map((c) => c.resume), [true]);
});

test('--only picks a run by name or index; a wrong one is a UserError with a suggestion', async () => {
  const { plan, settings } = setup();
  assert.deepEqual(selectRuns(plan, '2').map((r) => r.index), [2]);
  assert.deepEqual(selectRuns(plan, plan.runs[1].name).map((r) => r.index), [1]);
  assert.throws(() => selectRuns(plan, '7'), /runs 0 to 2/);
  assert.throws(() => selectRuns(plan, plan.runs[1].name.replace('lr', 'rl')), (e: unknown) => e instanceof UserError && /did you mean/.test(e.message));
  const executor = new TestExecutor();
  await run(executor, plan, settings, { only: '1' });
  assert.deepEqual(executor.calls.map((c) => c.lr), [2e-5]);
});

test('a run folder holding a different configuration is refused before anything runs', async () => {
  const { plan, settings } = setup(GOOD_SPEC);
  await run(new TestExecutor(), plan, settings);
  const changedDir = specDir({ 'spec.yaml': GOOD_SPEC.replace('max_steps: 100', 'max_steps: 200') });
  const changed = planExperiment(validateSpecFile(join(changedDir, 'spec.yaml'))).plan!;
  const executor = new TestExecutor();
  await assert.rejects(run(executor, changed, settings), /the spec changed since these runs were recorded/);
  assert.equal(executor.calls.length, 0);
});

test('registry: the trainer is missing until registered; then it is created by name', async () => {
  const registry = new ExecutorRegistry();
  await assert.rejects(registry.create('trainer'), (e: unknown) => e instanceof UserError && e.exitCode === 3 && /training engine not available/.test(e.message));
  await assert.rejects(registry.create('nope'), /unknown executor `nope`/);
  const executor = new TestExecutor();
  registry.register('trainer', () => executor);
  assert.equal(await registry.create('trainer'), executor);
  assert.deepEqual(registry.names(), ['trainer']);
});

test('a failed run of an older configuration is moved aside and the new configuration starts', async () => {
  const { plan, settings } = setup(GOOD_SPEC);
  const first = await run(new TestExecutor(() => ({ status: 'failed', error: 'model folder does not exist' })), plan, settings);
  const oldId = first.outcomes[0].run.id;
  const fixedDir = specDir({ 'spec.yaml': GOOD_SPEC.replace('checkpoint: ./model', 'checkpoint: ./model-fixed') });
  const fixed = planExperiment(validateSpecFile(join(fixedDir, 'spec.yaml'))).plan!;
  assert.equal(planActions(fixed, settings)[0].action, 'replace');
  const executor = new TestExecutor();
  const second = await run(executor, fixed, settings);
  assert.equal(executor.calls.length, 1);
  assert.equal(second.outcomes[0].status, 'finished');
  assert.equal(RunRecord.open(second.outcomes[0].runDir).info.attempts, 1);
  assert.equal(RunRecord.open(`${second.outcomes[0].runDir}@${oldId}`).info.status, 'failed');
});

test('the flow pushes each run to MLflow as it goes, and a dead server never fails a run', async () => {
  const { startFakeMlflowServer } = await import('../helpers/fake-mlflow-server.ts');
  const server = await startFakeMlflowServer();
  try {
    const { plan } = setup();
    const settings = resolveSettings({ cli: { runsDir: join(tempDir('exp-runs-'), 'runs'), trackingUri: server.uri }, env: {} });
    const result = await run(new TestExecutor(), plan, settings);
    assert.deepEqual(result.outcomes.map((o) => o.status), ['finished', 'finished', 'finished']);
    const children = [...server.runs.values()].filter((r) => r.tags.get('mlflow.parentRunId'));
    assert.equal(children.length, 3, 'one MLflow child run per planned run');
    for (const child of children) {
      assert.equal(child.info.status, 'FINISHED');
      assert.deepEqual(child.metrics.map((m) => [m.key, m.step, m.value]), [['loss', 1, 1]]);
    }
  } finally {
    await server.stop();
  }
  // The server is gone now: runs still finish, and the record notes the failure to send.
  const { plan } = setup();
  const settings = resolveSettings({ cli: { runsDir: join(tempDir('exp-runs-'), 'runs'), trackingUri: server.uri }, env: {} });
  const result = await run(new TestExecutor(), plan, settings);
  assert.deepEqual(result.outcomes.map((o) => o.status), ['finished', 'finished', 'finished']);
});
