import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { train } from '../../src/engine/trainer/trainer.ts';
import type { TrainerOptions } from '../../src/engine/trainer/types.ts';
import { UserError } from '../../src/util/errors.ts';
import { ToyModel, toyData, toyExamples, type ToyExample } from './toy-model.ts';

await tf.setBackend('cpu');

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'trainer-'));
}

function options(outputDir: string, over: Partial<TrainerOptions> = {}): TrainerOptions {
  return {
    outputDir,
    seed: 42,
    batchSize: 2,
    learningRate: 0.05,
    weightDecay: 0.01,
    adamBeta1: 0.9,
    adamBeta2: 0.999,
    adamEpsilon: 1e-8,
    maxGradNorm: 1.0,
    gradientAccumulationSteps: 1,
    maxSteps: -1,
    numTrainEpochs: 3,
    lrSchedulerType: 'linear',
    warmupSteps: 1,
    warmupRatio: 0,
    loggingSteps: 1,
    evalStrategy: 'no',
    evalSteps: 1,
    saveStrategy: 'no',
    saveSteps: 500,
    metricForBestModel: 'loss',
    greaterIsBetter: false,
    loadBestModelAtEnd: false,
    maxNanSteps: 10,
    ...over,
  };
}

const near = (a: number[], b: number[], tol: number, what: string) =>
  a.forEach((x, i) => assert.ok(Math.abs(x - b[i]) <= tol, `${what}[${i}]: ${x} vs ${b[i]}`));

test('gradient accumulation: batch 4 x 1 step == batch 2 x 2 accumulated (unequal token counts)', async () => {
  const examples = toyExamples(8); // token counts 1,2,3,1,2,3,... so the two halves of a batch differ
  const run = async (batchSize: number, accum: number) => {
    const model = new ToyModel();
    const losses: number[] = [];
    const result = await train(model, toyData(examples, batchSize), options(tempDir(), { batchSize, gradientAccumulationSteps: accum, numTrainEpochs: 2 }), undefined, {
      onMetrics: (_s, m) => losses.push(m.loss),
    });
    const w = model.weights();
    model.dispose();
    return { w, losses, steps: result.globalStep };
  };
  const big = await run(4, 1);
  const accumulated = await run(2, 2);
  assert.equal(big.steps, 4);
  assert.equal(accumulated.steps, 4);
  near(accumulated.losses, big.losses, 1e-6, 'loss');
  near(accumulated.w, big.w, 1e-6, 'weights');
  // and training really moved the weights away from the init
  const init = new ToyModel();
  assert.ok(Math.abs(big.w[0] - init.weights()[0]) > 1e-3);
  init.dispose();
});

test('interrupted (abort) and resumed run reproduces the uninterrupted one, with dropout', async () => {
  const examples = toyExamples(12);
  const opts = (dir: string) => options(dir, { numTrainEpochs: 2, saveStrategy: 'steps', saveSteps: 4, loggingSteps: 1 });

  const fullDir = tempDir();
  const full = new ToyModel(0.3);
  const fullLoss = new Map<number, number>();
  await train(full, toyData(examples, 2), opts(fullDir), undefined, { onMetrics: (s, m) => fullLoss.set(s, m.loss) });

  const dir = tempDir();
  const controller = new AbortController();
  const first = new ToyModel(0.3);
  const seen = new Map<number, number>();
  const r1 = await train(first, toyData(examples, 2), opts(dir), undefined, {
    signal: controller.signal,
    onMetrics: (s, m) => {
      seen.set(s, m.loss);
      if (s === 5) controller.abort(); // Ctrl-C after step 5: a checkpoint is written on abort
    },
  });
  assert.equal(r1.status, 'killed');
  assert.equal(r1.globalStep, 5);
  assert.ok(existsSync(join(dir, 'checkpoint-5', 'trainer_state.json')));
  first.dispose();

  // a kill -9 in the middle of a later save leaves a temp folder: it must be ignored and removed
  mkdirSync(join(dir, '.checkpoint-6.tmp-999-dead'));
  writeFileSync(join(dir, '.checkpoint-6.tmp-999-dead', 'model.safetensors'), 'garbage');

  const second = new ToyModel(0.3); // fresh init: everything must come from the checkpoint
  const r2 = await train(second, toyData(examples, 2), opts(dir), undefined, { onMetrics: (s, m) => seen.set(s, m.loss) });
  assert.equal(r2.resumedFrom, 5);
  assert.equal(r2.status, 'completed');
  assert.ok(!readdirSync(dir).some((n) => n.startsWith('.checkpoint-')), 'temp folder removed');
  assert.equal(seen.size, fullLoss.size);
  for (const [step, loss] of fullLoss) assert.ok(Math.abs(seen.get(step)! - loss) < 1e-6, `step ${step}: ${seen.get(step)} vs ${loss}`);
  near(second.weights(), full.weights(), 1e-6, 'final weights');
  const state = JSON.parse(readFileSync(join(dir, 'checkpoint-12', 'trainer_state.json'), 'utf8'));
  assert.equal(state.global_step, 12);
  assert.deepEqual(state.data_position, { epoch: 2, batch: 0 });
  rmSync(dir, { recursive: true, force: true });
  rmSync(fullDir, { recursive: true, force: true });
});

test('resume refuses a checkpoint made with other step settings', async () => {
  const dir = tempDir();
  const examples = toyExamples(4);
  const m = new ToyModel();
  await train(m, toyData(examples, 2), options(dir, { saveStrategy: 'steps', saveSteps: 2, numTrainEpochs: 1 }), undefined);
  await assert.rejects(
    train(new ToyModel(), toyData(examples, 2), options(dir, { saveStrategy: 'steps', saveSteps: 2, numTrainEpochs: 5 }), undefined),
    (e: unknown) => e instanceof UserError && /made for 2 steps/.test(e.message) && /delete/.test(e.message),
  );
});

function withNan(examples: ToyExample[], index: number): ToyExample[] {
  return examples.map((e, i) => (i === index ? { ...e, targets: [NaN] } : e));
}

test('NaN loss: the update is skipped and counted; weights stay finite', async () => {
  const examples = withNan(toyExamples(8), 2); // example 2 sits in batch 1 (batch size 2)
  const model = new ToyModel();
  const events: string[] = [];
  const r = await train(model, toyData(examples, 2), options(tempDir(), { numTrainEpochs: 1 }), undefined, { onEvent: (e) => events.push(e) });
  assert.equal(r.nanSteps, 1);
  assert.equal(r.globalStep, 4);
  assert.ok(model.weights().every(Number.isFinite));
  assert.ok(events.some((e) => /step 2: .*not finite; update skipped/.test(e)), events.join('\n'));
});

test('NaN steps past train.max_nan_steps fail the run with a clear message', async () => {
  const examples = withNan(toyExamples(8), 2);
  await assert.rejects(
    train(new ToyModel(), toyData(examples, 2), options(tempDir(), { numTrainEpochs: 1, maxNanSteps: 0 }), undefined),
    (e: unknown) => e instanceof UserError && /train\.max_nan_steps is 0/.test(e.message) && /learning_rate/.test(e.message),
  );
});

test('evaluation: best model tracked, early stopping, rotation keeps the best, best reloaded at end', async () => {
  const dir = tempDir();
  // scripted eval metric per evaluation (steps 1..): best at step 2, then no improvement
  const script = [0.9, 0.5, 0.6, 0.55, 0.7, 0.8];
  const model = new ToyModel();
  const atBest: number[][] = [];
  const r = await train(
    model,
    toyData(toyExamples(20), 2),
    options(dir, {
      evalStrategy: 'steps',
      evalSteps: 1,
      saveStrategy: 'steps',
      saveSteps: 1,
      saveTotalLimit: 1,
      loadBestModelAtEnd: true,
      earlyStopping: { patience: 3, threshold: 0 },
    }),
    async (step) => {
      if (step === 2) atBest.push(model.weights());
      return { loss: script[step - 1] };
    },
  );
  // patience 3: evaluations at steps 3, 4, 5 do not beat 0.5 -> stop after step 5
  assert.equal(r.status, 'early_stopped');
  assert.equal(r.globalStep, 5);
  assert.equal(r.bestMetric, 0.5);
  assert.equal(r.bestCheckpoint, join(dir, 'checkpoint-2'));
  // save_total_limit 1 with a best that is not the newest keeps two: the best and the newest
  assert.deepEqual(readdirSync(dir).sort(), ['checkpoint-2', 'checkpoint-5']);
  near(model.weights(), atBest[0], 0, 'reloaded best weights');
  assert.deepEqual(
    r.logHistory.filter((e) => 'eval_loss' in e).map((e) => e.eval_loss),
    script.slice(0, 5),
  );
});

test('load_best_model_at_end without matching save/eval steps is refused up front', async () => {
  await assert.rejects(
    train(new ToyModel(), toyData(toyExamples(4), 2), options(tempDir(), { evalStrategy: 'steps', evalSteps: 2, saveStrategy: 'steps', saveSteps: 3, loadBestModelAtEnd: true }), async () => ({ loss: 1 })),
    /save_steps \(3\) to be a multiple of train\.eval_steps \(2\)/,
  );
});

test('logging: loss averaged since the last log, learning rate from the schedule, throughput', async () => {
  const logs: Array<[number, Record<string, number>]> = [];
  const perStep: number[] = [];
  const examples = toyExamples(8);
  await train(new ToyModel(), toyData(examples, 2), options(tempDir(), { numTrainEpochs: 1, loggingSteps: 1, warmupSteps: 0 }), undefined, {
    onMetrics: (_s, m) => perStep.push(m.loss),
  });
  await train(new ToyModel(), toyData(examples, 2), options(tempDir(), { numTrainEpochs: 1, loggingSteps: 2, warmupSteps: 0 }), undefined, {
    onMetrics: (s, m) => logs.push([s, m]),
  });
  assert.deepEqual(logs.map(([s]) => s), [2, 4]);
  assert.ok(Math.abs(logs[0][1].loss - (perStep[0] + perStep[1]) / 2) < 1e-7);
  assert.ok(Math.abs(logs[1][1].loss - (perStep[2] + perStep[3]) / 2) < 1e-7);
  // linear, 4 steps, no warmup: after 2 steps the scheduler holds 0.05 * (4 - 2) / 4
  assert.ok(Math.abs(logs[0][1].learning_rate - 0.025) < 1e-12);
  assert.ok(logs[0][1].samples_per_second > 0 && logs[0][1].seconds_per_step > 0);
  assert.ok(logs[0][1].grad_norm > 0);
});

test('the loop frees its tensors: nothing is left behind after a run with accumulation, eval and checkpoints', async () => {
  const model = new ToyModel(0.2);
  const data = toyData(toyExamples(10), 2);
  const before = tf.memory().numTensors;
  await train(model, data, options(tempDir(), { gradientAccumulationSteps: 2, numTrainEpochs: 2, evalStrategy: 'steps', evalSteps: 2, saveStrategy: 'steps', saveSteps: 2 }), async () => {
    const b = await data.batch(0, 0);
    const loss = model.loss(b, { training: false, seed: 0 });
    const value = loss.dataSync()[0];
    tf.dispose(loss);
    b.dispose();
    return { loss: value };
  });
  assert.equal(tf.memory().numTensors, before);
  model.dispose();
});
