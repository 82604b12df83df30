// A table of broken specs (changesets' `invalidCases`): each must be reported with its message, the
// file:line:col of the offending value or key, and a fix hint, all problems at once; and the real CLI
// must exit 2 on every one of them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { validateSpecFile } from '../../src/config/validate.ts';
import { planExperiment } from '../../src/plan/plan.ts';
import type { Diagnostic } from '../../src/config/diagnostics.ts';
import { GOOD_SPEC, specDir } from './spec-fixture.ts';
import { runMainMany } from '../cli/cli-helpers.ts';

interface Expected {
  line: number;
  col?: number;
  /** File name the diagnostic must point into (default spec.yaml). */
  file?: string;
  message: string | RegExp;
  hint?: string | RegExp;
}

interface BadCase {
  name: string;
  files: Record<string, string>;
  env?: Record<string, string>;
  expect: Expected[];
}

/** GOOD_SPEC with some lines replaced (1-based line -> new text) and lines appended. */
function good(replace: Record<number, string> = {}, append = ''): string {
  const lines = GOOD_SPEC.trimEnd().split('\n');
  for (const [line, text] of Object.entries(replace)) lines[Number(line) - 1] = text;
  return `${lines.join('\n')}\n${append}`;
}

const cases: BadCase[] = [
  { name: 'misspelt top-level key', files: { 'spec.yaml': good({}, 'trian:\n  seed: 1\n') }, expect: [{ line: 14, col: 1, message: 'unknown key `trian` in the top level', hint: 'did you mean `train`?' }] },
  { name: 'misspelt train key', files: { 'spec.yaml': good({ 11: '  learnig_rate: 1.0e-5' }) }, expect: [{ line: 11, col: 3, message: 'unknown key `learnig_rate` in `train`', hint: 'did you mean `learning_rate`?' }] },
  { name: 'misspelt key inside a source (unevaluatedProperties)', files: { 'spec.yaml': good({ 6: '    train: { format: dvoice, rooot: ./corpus, split: train }' }) }, expect: [{ line: 6, col: 30, message: 'unknown key `rooot`', hint: 'did you mean `root`?' }] },
  { name: 'misspelt eval key', files: { 'spec.yaml': good({}, 'eval:\n  batchsize: 4\n') }, expect: [{ line: 15, col: 3, message: 'unknown key `batchsize` in `eval`', hint: 'did you mean `batch_size`?' }] },
  { name: 'key nobody could guess lists the allowed keys', files: { 'spec.yaml': good({}, 'engine:\n  gpu: true\n') }, expect: [{ line: 15, col: 3, message: 'unknown key `gpu` in `engine`', hint: 'allowed keys: backend' }] },
  { name: 'enum value', files: { 'spec.yaml': good({}, '  precision: fp61\n') }, expect: [{ line: 14, col: 14, message: '`fp61` is not an allowed value for `train.precision`', hint: 'allowed: fp32, fp16, bf16' }] },
  { name: 'enum value with a close match', files: { 'spec.yaml': good({}, '  lr_scheduler_type: cosin\n') }, expect: [{ line: 14, col: 22, message: '`cosin` is not an allowed value', hint: 'did you mean `cosine`?' }] },
  { name: 'string where an integer is expected', files: { 'spec.yaml': good({}, '  batch_size: "2"\n') }, expect: [{ line: 14, col: 15, message: '`train.batch_size` must be an integer, got a string (`2`)' }] },
  { name: 'yes is not a boolean in YAML 1.2', files: { 'spec.yaml': good({}, '  gradient_checkpointing: yes\n') }, expect: [{ line: 14, col: 27, message: '`train.gradient_checkpointing` must be a boolean, got a string (`yes`)' }] },
  { name: 'fraction where an integer is expected', files: { 'spec.yaml': good({ 12: '  max_steps: 100.5' }) }, expect: [{ line: 12, col: 14, message: '`train.max_steps` must be an integer' }] },
  { name: 'below minimum', files: { 'spec.yaml': good({ 13: '  warmup_steps: -3' }) }, expect: [{ line: 13, col: 17, message: '`train.warmup_steps` must be >= 0, got `-3`' }] },
  { name: 'zero learning rate (exclusive minimum)', files: { 'spec.yaml': good({ 11: '  learning_rate: 0' }) }, expect: [{ line: 11, col: 18, message: '`train.learning_rate` must be > 0, got `0`' }] },
  { name: 'missing name', files: { 'spec.yaml': good({ 1: '# no name' }) }, expect: [{ line: 1, col: 1, message: 'the spec is missing the required key `name`', hint: 'add `name:`' }] },
  { name: 'model with neither checkpoint nor init', files: { 'spec.yaml': good({ 3: '  language: arabic' }) }, expect: [{ line: 3, col: 3, message: '`model` needs `checkpoint` or `init`' }] },
  { name: 'model with both checkpoint and init', files: { 'spec.yaml': good({ 3: '  checkpoint: ./model\n  init: { config: tiny }' }) }, expect: [{ line: 3, message: '`model` sets both `checkpoint` and `init`' }] },
  { name: 'unknown Whisper size', files: { 'spec.yaml': good({ 3: '  init: { config: tinyy }' }) }, expect: [{ line: 3, col: 19, message: '`tinyy` is not an allowed value for `model.init.config`', hint: 'did you mean `tiny`?' }] },
  { name: 'dvoice source with a csv-only key', files: { 'spec.yaml': good({ 6: '    train: { format: dvoice, root: ./corpus, split: train, path: x.csv }' }) }, expect: [{ line: 6, col: 60, message: '`path` cannot be used with format: dvoice' }] },
  { name: 'csv source without path', files: { 'spec.yaml': good({ 6: '    train: { format: csv, audio_column: wav }' }) }, expect: [{ line: 6, col: 5, message: '`data.sources.train` is missing the required key `path`' }] },
  { name: 'misspelt source format', files: { 'spec.yaml': good({ 7: '    dev: { format: dvoce, root: ./corpus, split: dev }' }) }, expect: [{ line: 7, col: 20, message: '`dvoce` is not an allowed value', hint: 'did you mean `dvoice`?' }] },
  { name: 'source name with a space', files: { 'spec.yaml': good({ 7: '    my dev: { format: dvoice, root: ./corpus, split: dev }', 9: '  eval: train' }) }, expect: [{ line: 7, col: 5, message: 'the name `my dev` is not a valid key for `data.sources`', hint: "letters, digits, '_' and '-'" }] },
  { name: 'train names an undefined source', files: { 'spec.yaml': good({ 8: '  train: [train, tset]' }) }, expect: [{ line: 8, col: 18, message: 'no source named `tset` in data.sources', hint: 'sources defined: train, dev' }] },
  { name: 'eval names a misspelt source', files: { 'spec.yaml': good({ 9: '  eval: deev' }) }, expect: [{ line: 9, col: 9, message: 'no source named `deev`', hint: 'did you mean `dev`?' }] },
  { name: 'train is a number', files: { 'spec.yaml': good({ 8: '  train: 5' }) }, expect: [{ line: 8, col: 10, message: '`data.train` must be a source name or a list of source names' }] },
  { name: 'train lists a source twice', files: { 'spec.yaml': good({ 8: '  train: [train, train]' }) }, expect: [{ line: 8, col: 10, message: '`data.train` lists the same item twice' }] },
  { name: 'name with a space', files: { 'spec.yaml': good({ 1: 'name: my run' }) }, expect: [{ line: 1, col: 7, message: '`my run` is not a valid value for `name`' }] },
  { name: 'warmup not shorter than training', files: { 'spec.yaml': good({ 13: '  warmup_steps: 100' }) }, expect: [{ line: 13, col: 17, message: 'warmup_steps (100) must be smaller than max_steps (100)' }] },
  { name: 'best model with save_steps not a multiple of eval_steps', files: { 'spec.yaml': good({}, '  eval_strategy: steps\n  eval_steps: 100\n  save_steps: 150\n  load_best_model_at_end: true\n') }, expect: [{ line: 16, col: 15, message: 'save_steps (150) must be a multiple of eval_steps (100)', hint: 'use save_steps: 200' }] },
  { name: 'evaluating without eval data', files: { 'spec.yaml': good({ 9: '  test: dev' }, '  eval_strategy: steps\n') }, expect: [{ line: 14, col: 18, message: 'eval_strategy: steps needs an evaluation source, but data.eval is not set' }] },
  { name: 'best model by WER without generation', files: { 'spec.yaml': good({}, '  eval_strategy: steps\n  eval_steps: 10\n  save_steps: 10\n  load_best_model_at_end: true\n  metric_for_best_model: wer\n') }, expect: [{ line: 18, col: 26, message: 'metric_for_best_model: wer is only computed with eval.predict_with_generate: true' }] },
  { name: 'heads that do not divide d_model', files: { 'spec.yaml': good({ 3: '  init: { config: tiny, overrides: { d_model: 64, encoder_attention_heads: 3 } }' }) }, expect: [{ line: 3, col: 76, message: 'encoder_attention_heads (3) must divide d_model (64)' }] },
  { name: 'sweep over a misspelt path', files: { 'spec.yaml': good({}, 'sweep:\n  method: grid\n  parameters:\n    train.lerning_rate: [1.0e-5, 3.0e-5]\n') }, expect: [{ line: 17, col: 5, message: 'sweep parameter `train.lerning_rate` is not a spec field', hint: 'did you mean `train.learning_rate`?' }] },
  { name: 'sweep value of the wrong type', files: { 'spec.yaml': good({}, 'sweep:\n  method: grid\n  parameters:\n    train.learning_rate: [1.0e-5, abc]\n') }, expect: [{ line: 17, col: 35, message: 'sweep value: `train.learning_rate` must be a number, got a string (`abc`)' }] },
  { name: 'distribution in a grid sweep', files: { 'spec.yaml': good({}, 'sweep:\n  method: grid\n  parameters:\n    train.learning_rate: { loguniform: [1.0e-6, 1.0e-4] }\n') }, expect: [{ line: 17, col: 28, message: 'a `loguniform` distribution only works with method: random' }] },
  { name: 'random sweep without trials', files: { 'spec.yaml': good({}, 'sweep:\n  method: random\n  parameters:\n    train.learning_rate: { loguniform: [1.0e-6, 1.0e-4] }\n') }, expect: [{ line: 14, col: 1, message: '`sweep` is missing the required key `trials`' }] },
  { name: 'variants in a grid sweep', files: { 'spec.yaml': good({}, 'sweep:\n  method: grid\n  parameters:\n    seed: [1, 2]\n  variants: [{ seed: 3 }]\n') }, expect: [{ line: 18, col: 3, message: '`variants` cannot be used with method: grid' }] },
  { name: 'fractional draws for an integer field', files: { 'spec.yaml': good({}, 'sweep:\n  method: random\n  trials: 3\n  parameters:\n    train.warmup_steps: { uniform: [0, 50] }\n') }, expect: [{ line: 18, col: 27, message: '`train.warmup_steps` is an integer field; a `uniform` draw gives fractions', hint: 'use { int: [0, 50] }' }] },
  { name: 'swept value breaks a cross-field rule in one run', files: { 'spec.yaml': good({}, 'sweep:\n  method: grid\n  parameters:\n    train.warmup_steps: [10, 500]\n') }, expect: [{ line: 17, col: 25, message: 'in sweep run 1 (train.warmup_steps=500): warmup_steps (500) must be smaller than max_steps (100)' }] },
  { name: 'a list variant that makes the run itself invalid', files: { 'spec.yaml': good({}, 'sweep:\n  method: list\n  variants:\n    - { data.sources.train.format: csv }\n') }, expect: [{ line: 17, col: 36, message: 'in sweep run 0 (data.sources.train.format="csv"): `data.sources.train` is missing the required key `path`' }] },
  { name: 'sweeping the name', files: { 'spec.yaml': good({}, 'sweep:\n  method: list\n  variants:\n    - { name: other }\n') }, expect: [{ line: 17, col: 9, message: '`name` cannot be swept' }] },
  { name: 'name_template with an unknown placeholder', files: { 'spec.yaml': good({}, 'sweep:\n  method: grid\n  name_template: "{name}-{train.lr}"\n  parameters:\n    seed: [1, 2]\n') }, expect: [{ line: 16, col: 18, message: 'name_template placeholder `{train.lr}` is not a spec field' }] },
  { name: 'name_template that repeats names', files: { 'spec.yaml': good({}, 'sweep:\n  method: grid\n  name_template: "{name}-x"\n  parameters:\n    seed: [1, 2]\n') }, expect: [{ line: 16, col: 18, message: 'name_template gives the same name `tiny-x` to runs 0, 1' }] },
  { name: 'YAML: unclosed flow sequence', files: { 'spec.yaml': good({ 8: '  train: [train, dev' }) }, expect: [{ line: 9, message: /YAML syntax error/ }] },
  { name: 'YAML: duplicate key', files: { 'spec.yaml': good({}, 'train:\n  seed: 1\n') }, expect: [{ line: 14, col: 1, message: /YAML syntax error: Map keys must be unique/, hint: 'each key may appear once' }] },
  { name: 'YAML: tab indentation', files: { 'spec.yaml': 'name: x\nmodel:\n\tcheckpoint: ./m\n' }, expect: [{ line: 3, col: 1, message: /YAML syntax error/ }] },
  { name: 'top level is a list', files: { 'spec.yaml': '- name: x\n- model: y\n' }, expect: [{ line: 1, col: 1, message: 'an experiment spec must be a YAML mapping' }] },
  { name: 'unset environment variable', files: { 'spec.yaml': good({ 3: '  checkpoint: ${EXP_TEST_UNSET_MODEL}/m' }) }, expect: [{ line: 3, col: 15, message: 'environment variable `EXP_TEST_UNSET_MODEL` is not set', hint: '${EXP_TEST_UNSET_MODEL:-value}' }] },
  { name: 'unset environment variable in a quoted value of a flow mapping', files: { 'spec.yaml': good({ 6: '    train: { format: dvoice, root: "${EXP_TEST_UNSET_ROOT}/x", split: train }' }) }, expect: [{ line: 6, col: 37, message: 'environment variable `EXP_TEST_UNSET_ROOT` is not set' }] },
  { name: 'extends a missing file', files: { 'spec.yaml': `extends: ./nope.yaml\n${GOOD_SPEC}` }, expect: [{ line: 1, col: 10, message: '`extends`: cannot read ./nope.yaml: file not found' }] },
  { name: 'extends cycle', files: { 'spec.yaml': `extends: ./a.yaml\n${GOOD_SPEC}`, 'a.yaml': 'extends: ./spec.yaml\n' }, expect: [{ line: 1, col: 10, file: 'a.yaml', message: '`extends` forms a cycle: spec.yaml -> a.yaml -> spec.yaml' }] },
  { name: 'typo inside the base file points into the base file', files: { 'spec.yaml': `extends: ./base.yaml\n${GOOD_SPEC}`, 'base.yaml': 'seed: 1\neval:\n  generation_max_lenght: 225\n' }, expect: [{ line: 3, col: 3, file: 'base.yaml', message: 'unknown key `generation_max_lenght` in `eval`', hint: 'did you mean `generation_max_length`?' }] },
];

function diagnose(files: Record<string, string>, env: Record<string, string> = {}): { dir: string; diagnostics: Diagnostic[] } {
  const dir = specDir(files);
  const validated = validateSpecFile(join(dir, 'spec.yaml'), { env });
  return { dir, diagnostics: planExperiment(validated).diagnostics };
}

test('at least 30 distinct bad specs are in the table', () => {
  assert.ok(cases.length >= 30, `only ${cases.length} cases`);
  assert.equal(new Set(cases.map((c) => c.name)).size, cases.length);
});

for (const bad of cases) {
  test(`bad spec: ${bad.name}`, () => {
    const { dir, diagnostics } = diagnose(bad.files, bad.env);
    const errors = diagnostics.filter((d) => d.severity === 'error');
    assert.ok(errors.length > 0, 'expected at least one error');
    for (const expected of bad.expect) {
      const match = errors.find((d) => (typeof expected.message === 'string' ? d.message.includes(expected.message) : expected.message.test(d.message)));
      assert.ok(match, `no error matching ${String(expected.message)}; got:\n${errors.map((d) => `${d.line}:${d.col} ${d.message}`).join('\n')}`);
      assert.equal(match.file, join(dir, expected.file ?? 'spec.yaml'), 'file');
      assert.equal(match.line, expected.line, `line of: ${match.message}`);
      if (expected.col !== undefined) assert.equal(match.col, expected.col, `col of: ${match.message}`);
      if (expected.hint !== undefined) {
        assert.ok(match.hint, `no hint for: ${match.message}`);
        if (typeof expected.hint === 'string') assert.ok(match.hint.includes(expected.hint), `hint "${match.hint}" lacks "${expected.hint}"`);
        else assert.match(match.hint, expected.hint);
      }
    }
  });
}

test('every problem of a spec is reported at once', () => {
  const { diagnostics } = diagnose({ 'spec.yaml': good({ 11: '  learnig_rate: 1.0e-5', 9: '  eval: deev' }, '  precision: fp61\n') });
  const messages = diagnostics.filter((d) => d.severity === 'error').map((d) => d.message);
  assert.ok(messages.some((m) => m.includes('learnig_rate')));
  assert.ok(messages.some((m) => m.includes('fp61')));
  assert.ok(messages.some((m) => m.includes('deev')));
});

test('the real CLI exits 2 on every bad spec and prints file:line:col and the hint', async () => {
  const prepared = cases.map((bad) => {
    const dir = specDir(bad.files);
    return { bad, dir, argv: ['validate', join(dir, 'spec.yaml')] };
  });
  const results = await runMainMany([...prepared.map((p) => p.argv), ...prepared.slice(0, 5).map((p) => [...p.argv, '--json'])]);
  prepared.forEach(({ bad, dir }, i) => {
    const { code, stderr } = results[i];
    assert.equal(code, 2, `${bad.name}: exit code (stderr: ${stderr})`);
    const first = bad.expect[0];
    const where = `${join(dir, first.file ?? 'spec.yaml')}:${first.line}:`;
    assert.ok(stderr.includes(where.replace(`${dir}/`, '')) || stderr.includes(where), `${bad.name}: stderr lacks ${where}:\n${stderr}`);
    assert.ok(!/\n\s+at .*\(.*\.ts:\d+:\d+\)/.test(stderr), `${bad.name}: a stack trace was printed`);
    if (typeof first.hint === 'string') assert.ok(stderr.includes(first.hint), `${bad.name}: hint missing from stderr`);
  });
  // --json: the same diagnostics, machine-readable, on stdout.
  for (let i = 0; i < 5; i++) {
    const { code, stdout } = results[prepared.length + i];
    assert.equal(code, 2);
    const parsed = JSON.parse(stdout) as { ok: boolean; diagnostics: Diagnostic[] };
    assert.equal(parsed.ok, false);
    assert.ok(parsed.diagnostics.some((d) => d.line === prepared[i].bad.expect[0].line && d.severity === 'error'));
  }
});
