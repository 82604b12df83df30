// The trainer executor end to end on a tiny random Whisper and a few darija-synth clips:
// spec -> data -> train (with evaluation and checkpoints) -> final model -> test WER/CER and
// predictions.tsv; then Ctrl-C in the middle and a resume that reproduces the same losses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { TrainerExecutor, precisionNote } from '../../src/engine/trainer-executor.ts';
import { silentReporter, type RunContext } from '../../src/engine/executor.ts';
import { RunRecord } from '../../src/tracking/record.ts';
import type { ExperimentSpec } from '../../src/config/spec.generated.ts';
import type { Settings } from '../../src/config/project-config.ts';
import type { ProgressReporter } from '../../src/ui/reporter.ts';

const shared = resolve(import.meta.dirname, '..', '..', '..', 'shared');
const corpus = join(shared, 'data', 'darija-synth');
const skip = !existsSync(corpus) && 'needs ../shared/data/darija-synth';

function spec(): ExperimentSpec {
  return {
    name: 'exec-test',
    seed: 7,
    model: {
      init: {
        config: 'tiny',
        overrides: { d_model: 64, encoder_layers: 2, decoder_layers: 2, encoder_attention_heads: 4, decoder_attention_heads: 4, encoder_ffn_dim: 128, decoder_ffn_dim: 128, max_target_positions: 64, dropout: 0.1 },
        tokenizer: join(shared, 'fixtures', 'whisper', 'tiny-random'),
        chunk_length: 6,
      },
      language: 'arabic',
      task: 'transcribe',
    },
    data: {
      sources: {
        train: { format: 'dvoice', root: corpus, split: 'train', limit: 4 },
        dev: { format: 'dvoice', root: corpus, split: 'dev', limit: 2 },
        test: { format: 'dvoice', root: corpus, split: 'test', limit: 2 },
      },
      train: 'train',
      eval: 'dev',
      test: 'test',
    },
    train: {
      batch_size: 2,
      max_steps: 4,
      learning_rate: 1e-3,
      warmup_steps: 1,
      logging_steps: 1,
      eval_strategy: 'steps',
      eval_steps: 2,
      save_steps: 2,
      save_total_limit: 1,
      metric_for_best_model: 'wer',
      precision: 'fp16',
    },
    eval: { batch_size: 2, predict_with_generate: true, generation_max_length: 10 },
  } as ExperimentSpec;
}

function context(dir: string, over: Partial<RunContext> = {}): RunContext {
  const runDir = join(dir, 'run');
  const record = RunRecord.exists(runDir)
    ? RunRecord.open(runDir)
    : RunRecord.create(runDir, { id: 'abc', name: 'run', experiment: 'exec-test', index: 0, specPath: join(dir, 'x.yaml'), overrides: {}, git: null, versions: { node: process.version, exp: '0', tfjs: null }, spec: spec() });
  const logs: string[] = [];
  return {
    run: { index: 0, id: 'abc', name: 'run', overrides: {}, spec: spec() },
    spec: spec(),
    record,
    runDir,
    resume: false,
    signal: new AbortController().signal,
    backend: 'wasm',
    settings: { runsDir: dir, cacheDir: join(dir, 'cache'), backend: 'wasm' } as Settings,
    projectConfig: {},
    log: (m) => logs.push(m),
    reporter: silentReporter(),
    ...over,
  };
}

const lossesOf = (record: RunRecord) => new Map(record.readMetrics().filter((r) => r.key === 'loss').map((r) => [r.step, r.value]));

test('trainer executor: trains, evaluates, checkpoints, saves the model, scores the test set', { skip, timeout: 300_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'exec-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const logs: string[] = [];
  const ctx = context(dir, { log: (m) => logs.push(m) });
  const result = await new TrainerExecutor().execute(ctx);
  assert.equal(result.status, 'finished', JSON.stringify(result));
  const runDir = ctx.runDir;
  assert.ok(existsSync(join(runDir, 'model', 'model.safetensors')));
  assert.ok(existsSync(join(runDir, 'model', 'config.json')));
  assert.ok(existsSync(join(runDir, 'model', 'tokenizer.json')), 'tokenizer files travel with the model');
  const predictions = readFileSync(join(runDir, 'predictions.tsv'), 'utf8').trim().split('\n');
  assert.equal(predictions[0], 'id\treference\thypothesis\twer');
  assert.equal(predictions.length, 3);
  const metrics = ctx.record.readMetrics();
  const keys = new Set(metrics.map((m) => m.key));
  for (const k of ['loss', 'learning_rate', 'grad_norm', 'samples_per_second', 'seconds_per_step', 'eval_loss', 'eval_wer', 'eval_cer', 'test_wer', 'test_cer', 'test_loss']) assert.ok(keys.has(k), `metric ${k}`);
  assert.deepEqual([...lossesOf(ctx.record).keys()], [1, 2, 3, 4]);
  assert.ok(result.status === 'finished' && typeof result.summary?.test_wer === 'number');
  // save_total_limit 1: the newest checkpoint, plus the best when it is another one
  const checkpoints = readdirSync(runDir).filter((n) => n.startsWith('checkpoint-'));
  assert.ok(checkpoints.includes('checkpoint-4') && checkpoints.length <= 2, checkpoints.join(','));
  assert.ok(logs.some((l) => /precision fp16: .* trains in fp32/.test(l)), 'fp16 is not silently ignored');
  assert.ok(logs.some((l) => /^backend wasm/.test(l)));

  // ---- Ctrl-C after step 3, then resume: the same losses as the uninterrupted run above ----
  const dir2 = mkdtempSync(join(tmpdir(), 'exec-resume-'));
  t.after(() => rmSync(dir2, { recursive: true, force: true }));
  const controller = new AbortController();
  const reporter: ProgressReporter = {
    ...silentReporter(),
    progress: (stage, update) => {
      if (stage === 'train' && update.done === 3) controller.abort('SIGINT');
    },
  };
  const first = await new TrainerExecutor().execute(context(dir2, { signal: controller.signal, reporter }));
  assert.equal(first.status, 'killed');
  assert.ok(existsSync(join(dir2, 'run', 'checkpoint-3', 'trainer_state.json')), 'checkpoint written on abort');
  const resumed = context(dir2, { resume: true });
  const second = await new TrainerExecutor().execute(resumed);
  assert.equal(second.status, 'finished');
  assert.equal(resumed.record.info.resumeFrom, 3);
  const expected = lossesOf(ctx.record);
  const got = lossesOf(resumed.record); // steps 1-3 from the first attempt, 4 from the resumed one
  for (const [step, loss] of expected) assert.ok(Math.abs(got.get(step)! - loss) < 1e-4, `step ${step}: ${got.get(step)} vs ${loss}`);
});

test('precision: fp32 needs no note; fp16/bf16 say the run trains in fp32', () => {
  assert.equal(precisionNote('fp32', 'wasm'), undefined);
  assert.match(precisionNote('bf16', 'cpu')!, /bf16 .* trains in fp32/);
});

test('settings that cannot work are refused before any data or model is loaded', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'exec-bad-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const bad = (patch: (s: ExperimentSpec) => void) => {
    const s = spec();
    patch(s);
    return context(dir, { spec: s });
  };
  await assert.rejects(
    new TrainerExecutor().execute(bad((s) => (s.eval = { predict_with_generate: false }))),
    /metric_for_best_model is wer, which needs transcripts: set eval\.predict_with_generate: true/,
  );
  await assert.rejects(
    new TrainerExecutor().execute(bad((s) => delete s.data.eval)),
    /data\.eval names no source/,
  );
  await assert.rejects(
    new TrainerExecutor().execute(bad((s) => Object.assign(s.train!, { load_best_model_at_end: true, save_steps: 3 }))),
    /save_steps \(3\) to be a multiple of train\.eval_steps \(2\)/,
  );
  assert.ok(!existsSync(join(dir, 'run', 'data-report.json')), 'no data was read');
});
