// The planner: every sweep method (counts, order, determinism), names, and stable run ids.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { validateSpecFile } from '../../src/config/validate.ts';
import { planExperiment, type Plan } from '../../src/plan/plan.ts';
import { expandGrid, expandRandom } from '../../src/plan/expand.ts';
import { formatNumber, shortKey, shortKeys } from '../../src/plan/names.ts';
import { seededRandom } from '../../src/plan/random.ts';
import { GOOD_SPEC, specDir, tempDir } from '../config/spec-fixture.ts';
import { REPO_ROOT } from '../cli/cli-helpers.ts';

function planOf(specText: string, files: Record<string, string> = {}): Plan {
  const dir = specDir({ 'spec.yaml': specText, ...files });
  const result = planExperiment(validateSpecFile(join(dir, 'spec.yaml'), { env: {} }));
  assert.ok(result.plan, result.diagnostics.map((d) => `${d.line}:${d.col} ${d.message}`).join('\n'));
  return result.plan;
}

test('no sweep: one run named after the spec', () => {
  const plan = planOf(GOOD_SPEC);
  assert.equal(plan.runs.length, 1);
  assert.equal(plan.runs[0].name, 'tiny');
  assert.equal(plan.sweep, undefined);
  assert.deepEqual(plan.runs[0].overrides, {});
  assert.match(plan.runs[0].id, /^[0-9a-f]{12}$/);
});

test('darija-lr-sweep: a 2x2 grid, first parameter outermost, readable distinct names and ids', () => {
  const result = planExperiment(validateSpecFile(join(REPO_ROOT, 'experiments/darija-lr-sweep.yaml'), { env: {} }));
  const plan = result.plan!;
  assert.deepEqual(
    plan.runs.map((r) => r.name),
    ['darija-lr-sweep-lr1e-05-wu100', 'darija-lr-sweep-lr1e-05-wu200', 'darija-lr-sweep-lr3e-05-wu100', 'darija-lr-sweep-lr3e-05-wu200'],
  );
  assert.equal(new Set(plan.runs.map((r) => r.id)).size, 4);
  assert.equal(plan.runs[3].spec.train!.learning_rate, 3e-5);
  assert.equal(plan.runs[3].spec.train!.warmup_steps, 200);
  assert.equal(plan.runs[3].spec.sweep, undefined);
  assert.equal(plan.runs[3].spec.train!.max_steps, 1000); // inherited from darija-ft6
  assert.deepEqual(plan.sweep!.varied, ['train.learning_rate', 'train.warmup_steps']);
  assert.equal(plan.experiment, 'whisper-darija');
});

test('grid over three parameters, nested paths included: 2*3*2 runs, every combination once', () => {
  const plan = planOf(`${GOOD_SPEC}sweep:\n  method: grid\n  parameters:\n    train.batch_size: [4, 8]\n    seed: { values: [1, 2, 3] }\n    data.sources.train.limit: [10, 20]\n`);
  assert.equal(plan.runs.length, 12);
  assert.equal(new Set(plan.runs.map((r) => JSON.stringify(r.overrides))).size, 12);
  assert.equal(new Set(plan.runs.map((r) => r.name)).size, 12);
  assert.equal(plan.runs[0].name, 'tiny-bs4-seed1-n10');
  assert.equal(plan.runs[11].spec.data.sources.train.limit, 20);
  assert.deepEqual(expandGrid({ a: [1, 2], b: ['x', 'y'] }), [{ a: 1, b: 'x' }, { a: 1, b: 'y' }, { a: 2, b: 'x' }, { a: 2, b: 'y' }]);
});

const RANDOM = (seed: number, trials = 6) =>
  `${GOOD_SPEC}sweep:\n  method: random\n  trials: ${trials}\n  seed: ${seed}\n  parameters:\n    train.learning_rate: { loguniform: [1.0e-6, 1.0e-3] }\n    train.weight_decay: { uniform: [0, 0.1] }\n    train.warmup_steps: { int: [0, 20] }\n    train.lr_scheduler_type: [linear, cosine]\n`;

test('random: `trials` runs, draws inside their bounds, integers for int', () => {
  const plan = planOf(RANDOM(1));
  assert.equal(plan.runs.length, 6);
  for (const run of plan.runs) {
    const t = run.spec.train!;
    assert.ok(t.learning_rate! >= 1e-6 && t.learning_rate! <= 1e-3);
    assert.ok(t.weight_decay! >= 0 && t.weight_decay! <= 0.1);
    assert.ok(Number.isInteger(t.warmup_steps) && t.warmup_steps! >= 0 && t.warmup_steps! <= 20);
    assert.ok(['linear', 'cosine'].includes(t.lr_scheduler_type!));
  }
  assert.equal(new Set(plan.runs.map((r) => r.id)).size, 6);
});

test('random: the same seed gives the same runs, another seed other runs', () => {
  const a = planOf(RANDOM(7)).runs.map((r) => r.overrides);
  const b = planOf(RANDOM(7)).runs.map((r) => r.overrides);
  const c = planOf(RANDOM(8)).runs.map((r) => r.overrides);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
});

test('random: loguniform spreads over orders of magnitude', () => {
  const draws = expandRandom({ lr: { loguniform: [1e-6, 1e-2] } }, 400, 3).runs.map((r) => Math.log10(r.lr as number));
  const belowMiddle = draws.filter((d) => d < -4).length;
  assert.ok(belowMiddle > 140 && belowMiddle < 260, `${belowMiddle} of 400 below 1e-4`);
});

test('random: a space smaller than `trials` yields its distinct runs and a warning', () => {
  const dir = specDir({ 'spec.yaml': `${GOOD_SPEC}sweep:\n  method: random\n  trials: 5\n  parameters:\n    seed: [1, 2]\n` });
  const result = planExperiment(validateSpecFile(join(dir, 'spec.yaml')));
  assert.equal(result.plan!.runs.length, 2);
  assert.ok(result.diagnostics.some((d) => d.severity === 'warning' && /only 2 distinct runs/.test(d.message)));
});

test('list: one run per variant, in order, each variant may set several paths', () => {
  const plan = planOf(`${GOOD_SPEC}sweep:\n  method: list\n  variants:\n    - { train.learning_rate: 1.0e-4, train.batch_size: 4 }\n    - { train.learning_rate: 1.0e-5 }\n    - { model.checkpoint: ./other-model }\n`);
  assert.equal(plan.runs.length, 3);
  assert.equal(plan.runs[0].spec.train!.batch_size, 4);
  assert.equal(plan.runs[1].spec.train!.batch_size, 8); // default, variant 0 does not leak into variant 1
  assert.equal(plan.runs[2].spec.model.checkpoint, join(plan.specFile, '..', 'other-model')); // relative to the spec
  assert.equal(new Set(plan.runs.map((r) => r.name)).size, 3);
});

test('name_template fills {name}, {index} and spec paths', () => {
  const plan = planOf(`${GOOD_SPEC}sweep:\n  method: grid\n  name_template: "{name}_{index}_lr{train.learning_rate}_{train.max_steps}"\n  parameters:\n    train.learning_rate: [1.0e-5, 0.001]\n`);
  assert.deepEqual(plan.runs.map((r) => r.name), ['tiny_0_lr1e-05_100', 'tiny_1_lr0.001_100']);
});

test('run ids: independent of key order, comments and the project location; change with the config', () => {
  const reordered = GOOD_SPEC.replace('  learning_rate: 1.0e-5\n  max_steps: 100\n', '  max_steps: 100  # steps\n  learning_rate: 0.00001\n');
  const a = planOf(GOOD_SPEC).runs[0].id;
  assert.equal(planOf(reordered).runs[0].id, a);
  // Copy the whole project elsewhere: relative paths stay relative, so the id stays.
  const dir = specDir({ 'spec.yaml': GOOD_SPEC });
  const moved = tempDir('exp-moved-');
  cpSync(dir, moved, { recursive: true });
  assert.equal(planExperiment(validateSpecFile(join(moved, 'spec.yaml'))).plan!.runs[0].id, a);
  // Tracking and backend do not make another run; a training value does.
  assert.equal(planOf(`${GOOD_SPEC}engine: { backend: cpu }\ntracking: { experiment: other }\n`).runs[0].id, a);
  assert.notEqual(planOf(GOOD_SPEC.replace('max_steps: 100', 'max_steps: 101')).runs[0].id, a);
});

test('short keys and number formatting for names', () => {
  assert.equal(shortKey('train.learning_rate'), 'lr');
  assert.equal(shortKey('train.warmup_steps'), 'wu');
  assert.equal(shortKey('eval.batch_size'), 'bs');
  assert.equal(shortKey('train.save_total_limit'), 'stl');
  assert.equal(shortKey('seed'), 'seed');
  assert.deepEqual([...shortKeys(['train.batch_size', 'eval.batch_size', 'seed']).values()], ['train_bs', 'eval_bs', 'seed']);
  assert.deepEqual([3e-5, 1e-5, 200, 0.1, 0.0003, 1.23456e-7, 0.123456].map(formatNumber), ['3e-05', '1e-05', '200', '0.1', '0.0003', '1.235e-07', '0.1235']);
});

test('seededRandom is deterministic and uniform-ish in [0, 1)', () => {
  const a = seededRandom(42);
  const b = seededRandom(42);
  const xs = Array.from({ length: 1000 }, () => a());
  assert.deepEqual(xs.slice(0, 5), Array.from({ length: 5 }, () => b()));
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  assert.ok(Math.abs(mean - 0.5) < 0.05, `mean ${mean}`);
});
