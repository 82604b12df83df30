import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkpointsToDelete } from '../../src/engine/trainer/rotation.ts';
import { defaultGreaterIsBetter, judgeEvaluation, type BestState } from '../../src/engine/trainer/best-metric.ts';

test('rotation: keep the newest N', () => {
  assert.deepEqual(checkpointsToDelete([10, 20, 30, 40], 2), [10, 20]);
  assert.deepEqual(checkpointsToDelete([10, 20], 3), []);
  assert.deepEqual(checkpointsToDelete([10, 20, 30], undefined), []);
});

test('rotation: the best checkpoint always survives (HF moves it next to the newest)', () => {
  assert.deepEqual(checkpointsToDelete([10, 20, 30, 40], 2, 10), [20, 30]);
  assert.deepEqual(checkpointsToDelete([10, 20, 30, 40], 3, 20), [10]);
  assert.deepEqual(checkpointsToDelete([10, 20, 30, 40], 2, 40), [10, 20]); // best is the newest
  // limit 1 and an older best: best + newest are kept
  assert.deepEqual(checkpointsToDelete([10, 20, 30], 1, 10), [20]);
  assert.deepEqual(checkpointsToDelete([10, 20, 30], 1, 30), [10, 20]);
});

test('greater_is_better defaults to false for loss/wer/cer', () => {
  assert.equal(defaultGreaterIsBetter('loss'), false);
  assert.equal(defaultGreaterIsBetter('eval_wer'), false);
  assert.equal(defaultGreaterIsBetter('cer'), false);
  assert.equal(defaultGreaterIsBetter('accuracy'), true);
});

function replay(values: number[], greaterIsBetter: boolean, patience?: number, threshold = 0) {
  let state: BestState = { patienceCounter: 0 };
  const out: Array<{ best?: number; bestStep?: number; counter: number; stop: boolean }> = [];
  values.forEach((v, i) => {
    const r = judgeEvaluation(state, v, (i + 1) * 10, { greaterIsBetter, earlyStopping: patience ? { patience, threshold } : undefined });
    state = r.state;
    out.push({ best: state.bestMetric, bestStep: state.bestStep, counter: state.patienceCounter, stop: r.shouldStop });
  });
  return out;
}

test('best metric: lower is better for wer; ties are not new bests', () => {
  const r = replay([0.5, 0.4, 0.4, 0.45], false);
  assert.deepEqual(r.map((x) => x.bestStep), [10, 20, 20, 20]);
  assert.equal(r[3].best, 0.4);
});

test('best metric: greater_is_better flips the comparison', () => {
  const r = replay([0.5, 0.4, 0.7], true);
  assert.deepEqual(r.map((x) => x.best), [0.5, 0.5, 0.7]);
});

test('early stopping: patience counts evaluations without improvement, then stops', () => {
  const r = replay([1.0, 0.9, 0.95, 0.92, 0.91], false, 3);
  assert.deepEqual(r.map((x) => x.counter), [0, 0, 1, 2, 3]);
  assert.deepEqual(r.map((x) => x.stop), [false, false, false, false, true]);
});

test('early stopping threshold: an improvement smaller than threshold does not reset patience', () => {
  // 0.98 beats 1.0 by 0.02 <= 0.05: counted as no improvement, but it still becomes the best
  const r = replay([1.0, 0.98, 0.9], false, 2, 0.05);
  assert.deepEqual(r.map((x) => x.counter), [0, 1, 0]);
  assert.deepEqual(r.map((x) => x.best), [1.0, 0.98, 0.9]);
});
