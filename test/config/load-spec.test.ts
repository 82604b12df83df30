// Good specs: the shipped experiments, defaults, `extends` merging, ${VAR} interpolation and paths
// resolved relative to the file that declared them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { validateSpecFile } from '../../src/config/validate.ts';
import { interpolateString } from '../../src/config/interpolate.ts';
import { deepMerge } from '../../src/config/merge.ts';
import { GOOD_SPEC, specDir } from './spec-fixture.ts';
import { REPO_ROOT } from '../cli/cli-helpers.ts';

test('experiments/darija-ft6.yaml is valid and carries every value of the original script', () => {
  const { spec, diagnostics } = validateSpecFile(join(REPO_ROOT, 'experiments/darija-ft6.yaml'), { env: {} });
  assert.ok(spec, diagnostics.map((d) => d.message).join('\n'));
  // The script trained on train+dev and evaluated on dev: a warning, not an error.
  assert.deepEqual(diagnostics.map((d) => [d.severity, d.code, d.path]), [['warning', 'data-leak', 'data.eval']]);
  assert.equal(spec.name, 'darija-ft6');
  assert.equal(spec.model.checkpoint, join(REPO_ROOT, 'whisper-darija/llm_model_finetuned_5'));
  assert.equal(spec.model.language, 'arabic');
  assert.equal(spec.model.task, 'transcribe');
  assert.deepEqual(spec.data.train, ['train', 'dev']);
  assert.equal(spec.data.eval, 'dev');
  assert.equal(spec.data.test, 'test');
  for (const split of ['train', 'dev', 'test'] as const) {
    assert.deepEqual(spec.data.sources[split], { format: 'dvoice', root: join(REPO_ROOT, '6342622/v2.0.darija/darija'), split });
  }
  const t = spec.train!;
  assert.deepEqual(
    [t.batch_size, t.gradient_accumulation_steps, t.learning_rate, t.warmup_steps, t.max_steps, t.gradient_checkpointing, t.precision],
    [2, 8, 1e-5, 200, 1000, true, 'fp16'],
  );
  assert.deepEqual([t.eval_strategy, t.eval_steps, t.save_strategy, t.save_steps, t.logging_steps, t.save_total_limit], ['steps', 100, 'steps', 100, 50, 2]);
  assert.equal(spec.eval!.predict_with_generate, false);
  assert.equal(spec.eval!.generation_max_length, 225);
  assert.equal(spec.eval!.batch_size, 2);
  assert.equal(spec.seed, 42);
  assert.equal(spec.tracking!.experiment, 'whisper-darija');
});

test('DVOICE_DIR and WHISPER_DARIJA_DIR relocate the data and the model', () => {
  const { spec } = validateSpecFile(join(REPO_ROOT, 'experiments/darija-ft6.yaml'), { env: { DVOICE_DIR: '/data/dvoice/darija', WHISPER_DARIJA_DIR: '/models' } });
  assert.equal(spec!.data.sources.dev.root, '/data/dvoice/darija');
  assert.equal(spec!.model.checkpoint, '/models/llm_model_finetuned_5');
});

test('schema defaults are filled in, also for sections the spec leaves out (HF defaults)', () => {
  const dir = specDir({ 'spec.yaml': 'name: d\nmodel: { init: { config: tiny } }\ndata: { sources: { a: { format: jsonl, path: a.jsonl } }, train: a }\n' });
  const { spec, diagnostics } = validateSpecFile(join(dir, 'spec.yaml'));
  assert.deepEqual(diagnostics, []);
  assert.equal(spec!.seed, 42);
  assert.equal(spec!.train!.learning_rate, 5e-5);
  assert.equal(spec!.train!.batch_size, 8);
  assert.equal(spec!.train!.max_steps, -1);
  assert.equal(spec!.train!.lr_scheduler_type, 'linear');
  assert.equal(spec!.eval!.generation_max_length, 225);
  assert.equal(spec!.engine!.backend, 'auto');
  assert.deepEqual(spec!.data.text!.normalize, []);
  // No csv-only defaults leak into a jsonl source (the schema forbids those keys there).
  assert.deepEqual(spec!.data.sources.a, { format: 'jsonl', path: join(dir, 'a.jsonl') });
});

test('extends: deep merge, the child wins, arrays are replaced, null removes, chains of three', () => {
  const dir = specDir({
    'configs/root.yaml': 'seed: 7\neval: { metrics: [wer, cer], batch_size: 4 }\ntrain: { weight_decay: 0.1, max_grad_norm: 0.5 }\n',
    'configs/base.yaml': 'extends: ./root.yaml\ntrain: { learning_rate: 2.0e-5, max_grad_norm: 2 }\ndata:\n  sources: { a: { format: dvoice, root: ../corpus, split: train } }\n  train: a\n',
    'exp/spec.yaml': 'extends: ../configs/base.yaml\nname: child\nmodel: { checkpoint: ./m }\neval: { metrics: [cer] }\ntrain: { weight_decay: null }\n',
  });
  const { spec, diagnostics } = validateSpecFile(join(dir, 'exp/spec.yaml'));
  assert.deepEqual(diagnostics, []);
  assert.equal(spec!.seed, 7); // from root, two levels up
  assert.deepEqual(spec!.eval!.metrics, ['cer']); // array replaced, not merged
  assert.equal(spec!.eval!.batch_size, 4); // sibling keys of the base kept
  assert.equal(spec!.train!.learning_rate, 2e-5);
  assert.equal(spec!.train!.max_grad_norm, 2); // base overrides root
  assert.equal(spec!.train!.weight_decay, 0); // null removed root's 0.1; the schema default came back
  // Each path is relative to the file that declared it.
  assert.equal(spec!.data.sources.a.root, join(dir, 'corpus'));
  assert.equal(spec!.model.checkpoint, join(dir, 'exp/m'));
});

test('deepMerge does not mutate its inputs', () => {
  const base = { a: { b: 1, c: [1, 2] } };
  const child = { a: { c: [3] } };
  assert.deepEqual(deepMerge(base, child), { a: { b: 1, c: [3] } });
  assert.deepEqual(base, { a: { b: 1, c: [1, 2] } });
});

test('interpolation: ${VAR}, ${VAR:-default}, empty means unset, $${ escapes', () => {
  assert.deepEqual(interpolateString('${A}/x', { A: '/data' }), { value: '/data/x', problems: [] });
  assert.equal(interpolateString('${A:-fallback}', {}).value, 'fallback');
  assert.equal(interpolateString('${A:-fallback}', { A: '' }).value, 'fallback');
  assert.equal(interpolateString('${A:-}', {}).value, '');
  assert.equal(interpolateString('cost: $${A}', { A: 'no' }).value, 'cost: ${A}');
  assert.equal(interpolateString('${A}-${B}', { A: '1', B: '2' }).value, '1-2');
  const unset = interpolateString('x ${NOPE} y', {});
  assert.equal(unset.problems.length, 1);
  assert.equal(unset.problems[0].offset, 2);
  assert.match(interpolateString('${1BAD}', {}).problems[0].message, /not a valid variable reference/);
});

test('interpolation in a spec: an unquoted whole reference becomes a number, a quoted one stays a string', () => {
  const dir = specDir({ 'spec.yaml': `${GOOD_SPEC.replace('learning_rate: 1.0e-5', 'learning_rate: ${LR:-1.0e-5}')}description: "\${LR}"\n` });
  const { spec, diagnostics } = validateSpecFile(join(dir, 'spec.yaml'), { env: { LR: '3e-5' } });
  assert.deepEqual(diagnostics, []);
  assert.equal(spec!.train!.learning_rate, 3e-5);
  assert.equal(spec!.description, '3e-5');
  const fallback = validateSpecFile(join(dir, 'spec.yaml'), { env: {} });
  assert.equal(fallback.diagnostics[0]?.message, 'environment variable `LR` is not set'); // in description only
  assert.equal(fallback.diagnostics[0]?.line, 14);
  assert.equal(fallback.diagnostics.length, 1);
});

test('a spec file that does not exist is one clear error', () => {
  const { diagnostics } = validateSpecFile('/nonexistent/spec.yaml');
  assert.equal(diagnostics.length, 1);
  assert.match(diagnostics[0].message, /cannot read the spec: file not found/);
});
