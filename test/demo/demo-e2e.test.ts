// The demo experiment end to end through the real CLI, in a reduced form (a few steps instead of the
// full demo's), with stdout and stderr piped as in CI or `| tee`: the run must finish, leave a
// complete record and model, say where they went, print WER/CER, and write no escape codes.
// Then `exp ls` and `exp compare` must list the run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, runCli } from '../cli/cli-helpers.ts';

const DEMO_SPEC = join(REPO_ROOT, 'experiments', 'demo.yaml');
const STEPS = 4;
/** Any CSI escape sequence (colours, cursor moves, line clears): none may reach a pipe. */
const ANSI = /\x1b\[/;

test('the demo spec, reduced to a few steps, runs end to end through `exp run` with plain output', { timeout: 120_000 }, async () => {
  const work = mkdtempSync(join(tmpdir(), 'exp-demo-e2e-'));
  try {
    // Everything but the length of training comes from the real demo spec (paths resolve against
    // experiments/, the file that declares them, so the bundled corpus and tokenizer are used).
    const spec = join(work, 'demo-short.yaml');
    writeFileSync(spec, `extends: ${JSON.stringify(DEMO_SPEC)}\nname: demo-short\ntrain: { max_steps: ${STEPS}, warmup_steps: 1, logging_steps: 2, eval_steps: 2 }\ntracking: { experiment: demo-e2e }\n`);
    const runsDir = join(work, 'runs');
    // NO_COLOR is unset on purpose: a pipe alone must be enough to get plain lines.
    const run = await runCli(['run', spec, '--runs-dir', runsDir], { env: { NO_COLOR: undefined, FORCE_COLOR: undefined, MLFLOW_TRACKING_URI: undefined } });
    const output = `${run.stdout}\n${run.stderr}`;
    assert.equal(run.code, 0, output);
    assert.doesNotMatch(output, ANSI, 'escape codes in non-TTY output');

    const runDir = join(runsDir, 'demo-e2e', 'demo-short');
    const modelDir = join(runDir, 'model');
    const record = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')) as { status: string };
    assert.equal(record.status, 'finished');

    const metrics = readFileSync(join(runDir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { step: number; key: string; value: number });
    const keys = new Set(metrics.map((m) => m.key));
    for (const key of ['loss', 'eval_loss', 'test_wer', 'test_cer']) assert.ok(keys.has(key), `metrics.jsonl has no ${key}: ${[...keys].join(', ')}`);
    const wer = metrics.find((m) => m.key === 'test_wer')!.value;
    assert.ok(Number.isFinite(wer) && wer >= 0, `test_wer ${wer}`);

    assert.ok(existsSync(join(modelDir, 'config.json')), 'model/config.json');
    assert.ok(existsSync(join(modelDir, 'model.safetensors')), 'model/model.safetensors');
    const config = JSON.parse(readFileSync(join(modelDir, 'config.json'), 'utf8')) as { vocab_size: number; decoder_start_token_id: number };
    assert.equal(config.vocab_size, 512);
    assert.equal(config.decoder_start_token_id, 406, 'the demo tokenizer\'s <|startoftranscript|>, not the 51865-token vocabulary\'s');
    const predictions = readFileSync(join(runDir, 'predictions.tsv'), 'utf8').trim().split('\n');
    assert.equal(predictions.length, 1 + 10, 'a header and one row per test clip');

    // The operator is told where things went and how it scored.
    assert.ok(output.includes(`run record: ${runDir}`), `run folder not named:\n${output}`);
    assert.ok(output.includes(`model: ${modelDir}`), `model folder not named:\n${output}`);
    assert.match(output, /test_wer=[\d.]+/);
    assert.match(output, /test_cer=[\d.]+/);
    assert.match(output, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ /m, 'plain lines are timestamped');

    // The README's `exp transcribe` example, on the model this run saved and one bundled test clip.
    const clip = readFileSync(join(REPO_ROOT, 'examples', 'darija-demo', 'texts', 'test.csv'), 'utf8').split('\n')[1].split('\t')[0];
    const transcribe = await runCli(['transcribe', '--model', modelDir, join(REPO_ROOT, 'examples', 'darija-demo', 'wavs', clip), '--language', 'ar', '--max-new-tokens', '20']);
    assert.equal(transcribe.code, 0, transcribe.stderr);
    assert.match(transcribe.stdout, new RegExp(clip.replace('.', '\\.')), 'names the file it transcribed');
    assert.doesNotMatch(transcribe.stdout + transcribe.stderr, ANSI);

    const ls = await runCli(['ls', '--runs-dir', runsDir]);
    assert.equal(ls.code, 0, ls.stderr);
    assert.match(ls.stdout, /demo-e2e\s+demo-short\s+finished/);
    const compare = await runCli(['compare', 'demo-e2e', '--runs-dir', runsDir, '--csv']);
    assert.equal(compare.code, 0, compare.stderr);
    assert.match(compare.stdout, /demo-short/);
    assert.match(compare.stdout.split('\n')[0], /test_wer/);
    assert.doesNotMatch(ls.stdout + ls.stderr + compare.stdout + compare.stderr, ANSI);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
