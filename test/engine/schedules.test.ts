import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lrFactor, makeSchedule, warmupStepsFor, type ScheduleType } from '../../src/engine/schedules.ts';

// Expected values worked by hand from transformers/optimization.py (get_scheduler):
// total 10 steps, warmup 2.
const cases: Array<{ type: ScheduleType; values: Array<[number, number]> }> = [
  // warmup step/2, then (10 - step) / 8
  { type: 'linear', values: [[0, 0], [1, 0.5], [2, 1], [6, 0.5], [9, 0.125], [10, 0], [12, 0]] },
  // warmup, then 0.5 * (1 + cos(pi * (step - 2) / 8))
  { type: 'cosine', values: [[0, 0], [1, 0.5], [2, 1], [4, 0.5 * (1 + Math.SQRT1_2)], [6, 0.5], [10, 0]] },
  // HF's constant schedule ignores warmup
  { type: 'constant', values: [[0, 1], [1, 1], [10, 1]] },
  { type: 'constant_with_warmup', values: [[0, 0], [1, 0.5], [2, 1], [7, 1], [10, 1]] },
];

for (const { type, values } of cases) {
  test(`schedule ${type}: HF factors at given steps`, () => {
    for (const [step, expected] of values) {
      const got = lrFactor(step, { type, totalSteps: 10, warmupSteps: 2 });
      assert.ok(Math.abs(got - expected) < 1e-12, `${type} step ${step}: ${got} vs ${expected}`);
    }
  });
}

test("cosine past total steps rises again, as HF's formula does (progress is not clamped)", () => {
  // progress 1.125 -> 0.5 * (1 + cos(1.125 pi)) = 0.0380602, HF's max(0, ...) does not clamp it
  const got = lrFactor(11, { type: 'cosine', totalSteps: 10, warmupSteps: 2 });
  assert.ok(Math.abs(got - 0.5 * (1 + Math.cos(Math.PI * 1.125))) < 1e-12);
});

test('warmup steps from warmup_ratio round up; warmup_steps wins when set', () => {
  assert.equal(warmupStepsFor(100, 0, 0.1), 10);
  assert.equal(warmupStepsFor(15, 0, 0.1), 2); // ceil(1.5)
  assert.equal(warmupStepsFor(15, 3, 0.5), 3);
  assert.equal(warmupStepsFor(15, 0, 0), 0);
});

test('no warmup: the first step of linear uses the full learning rate', () => {
  const lr = makeSchedule(1e-3, { type: 'linear', totalSteps: 4, warmupSteps: 0 });
  assert.deepEqual([0, 1, 2, 3, 4].map(lr), [1e-3, 0.75e-3, 0.5e-3, 0.25e-3, 0]);
});
