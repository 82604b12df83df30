// The interactive listr2 tree, drawn into a fake terminal, and the automatic choice of output mode.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stripVTControlCharacters } from 'node:util';
import { createReporter, resolveMode } from '../../src/ui/index.ts';
import { JsonReporter } from '../../src/ui/json-reporter.ts';
import { PlainReporter } from '../../src/ui/plain-reporter.ts';
import { TtyReporter } from '../../src/ui/tty-reporter.ts';
import { captureStream, FAILURE, scriptedSweep } from './scripted-run.ts';

/** The last frame log-update drew for a run: from the final "<icon> run i/N" title to the next blank-ish break. */
function finalFrame(text: string, runTitle: string): string {
  const clean = stripVTControlCharacters(text);
  const start = clean.lastIndexOf(runTitle);
  assert.ok(start >= 0, `"${runTitle}" drawn`);
  return clean.slice(clean.lastIndexOf('\n', start) + 1);
}

test('tty: a listr2 tree per run with live progress, outcome, error message and summary', async () => {
  const out = captureStream({ tty: true });
  const err = captureStream({ tty: true });
  const reporter = createReporter({ stream: out.stream, errorStream: err.stream, env: {} });
  assert.ok(reporter instanceof TtyReporter);
  await scriptedSweep(reporter, () => {}, 5);
  const text = out.text();
  assert.match(text, /\x1b\[/, 'a terminal gets escape codes');
  const clean = stripVTControlCharacters(text);
  // Live progress was drawn under the running stage, with a bar.
  assert.match(clean, /› step \d+\/100 · loss \d\.\d{3} · lr 1\.0e-3 · 14\.2 samples\/s · ETA \d+s/);
  assert.match(clean, /› \[█+░*\] \d+\/10 clips/);

  const run1 = finalFrame(text, 'run 1/2 demo-lr-1e-3 (a1b2c3d4) · completed');
  const lines1 = run1.split('\n').map((line) => line.replace(/ \[[\d.]+m?s\]$/, '').trimEnd());
  assert.deepEqual(lines1.slice(0, 9), [
    '✔ run 1/2 demo-lr-1e-3 (a1b2c3d4) · completed · WER 41.7% · CER 16.9%',
    '  ✔ Resolve spec · runs/demo/demo-lr-1e-3',
    '  ✔ Load model · tfjs-node: native CPU binding found',
    '  ✔ Prepare data · 9 clips, 1 skipped',
    '  ✔ Train · 100 steps, loss 0.060',
    '  ✔ Save model · runs/demo/demo-lr-1e-3/model',
    '  ✔ Evaluate · WER 41.7% CER 16.9%',
    '  ↓ Track: no MLflow server configured',
    '  run record: runs/demo/demo-lr-1e-3',
  ]);

  const run2 = finalFrame(text, 'run 2/2 demo-lr-1e-2 (e5f6a7b8) · failed');
  assert.match(run2, /✖ Train\n\s+› batch_size 64 does not fit in memory/);
  assert.match(run2, /↓ Prepare data: feature cache is up to date/);
  assert.match(run2, /#\s+run\s+id\s+status\s+wer\s+cer\s+time\n/);
  assert.match(run2, /2\s+demo-lr-1e-2\s+e5f6a7b8\s+failed\s+-\s+-\s+3s/);
  assert.ok(!/\s+at /.test(clean), 'no stack trace');
  // listr2 wraps long lines at the terminal width (80 here); the whole message is there, unwrapped.
  assert.ok(run2.replace(/\n\s+/g, ' ').includes(`› ${FAILURE}`), run2);
  // Warnings are listed under the run they belong to, on the error stream.
  assert.match(stripVTControlCharacters(err.text()), /⚠ warmup_steps \(200\) is longer than max_steps \(100\)/);
});

test('tty: a bug ends the tree with its message; the stack only with --debug', async () => {
  for (const debug of [false, true]) {
    const out = captureStream({ tty: true });
    const reporter = createReporter({ mode: 'tty', stream: out.stream, debug });
    reporter.runStarted({ index: 1, total: 1, name: 'demo', id: 'abc' });
    reporter.stage('load', 'start');
    reporter.error(new RangeError('tensor shape [1,80,3000] does not match [1,80,500]'));
    await reporter.runFinished({ status: 'failed' });
    await reporter.close();
    const clean = stripVTControlCharacters(out.text());
    assert.match(finalFrame(out.text(), 'run 1/1 demo (abc) · failed'), /✖ Load model\n\s+› tensor shape \[1,80,3000\] does not match \[1,80,500\]/);
    assert.equal(/\n\s+at .*tty-reporter\.test\.ts/.test(clean), debug, clean);
    assert.equal(clean.includes('run with --debug'), !debug);
  }
});

test('auto mode: the tree only on an interactive terminal outside CI', () => {
  const tty = captureStream({ tty: true }).stream;
  const pipe = captureStream().stream;
  assert.equal(resolveMode('auto', tty, {}), 'tty');
  assert.equal(resolveMode('auto', tty, { CI: 'true' }), 'plain');
  assert.equal(resolveMode('auto', tty, { CI: '1' }), 'plain');
  assert.equal(resolveMode('auto', tty, { CI: 'false' }), 'tty');
  assert.equal(resolveMode('auto', tty, { TERM: 'dumb' }), 'plain');
  assert.equal(resolveMode('auto', pipe, {}), 'plain');
  assert.equal(resolveMode('json', tty, {}), 'json');
  assert.equal(resolveMode('quiet', tty, {}), 'quiet');
  assert.ok(createReporter({ stream: pipe, env: {} }) instanceof PlainReporter);
  assert.ok(createReporter({ stream: tty, env: { CI: 'true' } }) instanceof PlainReporter);
  assert.ok(createReporter({ mode: 'json', stream: tty, env: {} }) instanceof JsonReporter);
});

test('tty: a run that never reported its outcome is closed as interrupted before the next tree', async () => {
  const out = captureStream({ tty: true });
  const reporter = createReporter({ mode: 'tty', stream: out.stream });
  reporter.runStarted({ index: 1, total: 2, name: 'first', id: 'f1' });
  reporter.stage('train', 'start');
  reporter.runStarted({ index: 2, total: 2, name: 'second', id: 's2' });
  reporter.stage('resolve', 'done');
  await reporter.runFinished({ status: 'completed' });
  await reporter.close();
  const clean = stripVTControlCharacters(out.text());
  const first = finalFrame(out.text(), 'run 1/2 first (f1) · interrupted');
  assert.match(first, /✖ Train\n\s+› the next run started before this one reported an outcome/);
  assert.ok(clean.lastIndexOf('run 1/2 first') < clean.indexOf('run 2/2 second'), 'the second tree is drawn after the first');
  assert.match(finalFrame(out.text(), 'run 2/2 second (s2) · completed'), /✔ Resolve spec/);
});

test('tty: a stage reported after a later one has started is ignored, not a crash', { timeout: 20_000 }, async () => {
  // A later stage closes the earlier ones (drawn as skipped). listr2 throws when output is written to
  // a finalized task, so late events for a closed stage must not reach it (this broke `exp run` in a
  // terminal when the executor's order differed from the tree's).
  const out = captureStream({ tty: true });
  const reporter = createReporter({ mode: 'tty', stream: out.stream });
  reporter.runStarted({ index: 1, total: 1, name: 'demo', id: 'abc' });
  reporter.stage('train', 'start');
  await new Promise((resolve) => setTimeout(resolve, 250)); // let listr draw the skipped stages
  reporter.stage('prepare', 'start', 'late');
  reporter.progress('prepare', { done: 1, total: 2 });
  await new Promise((resolve) => setTimeout(resolve, 250));
  reporter.progress('train', { done: 1, total: 1, values: { loss: 1 } });
  reporter.stage('train', 'done', '1 step');
  await reporter.runFinished({ status: 'completed' });
  await reporter.close();
  assert.match(finalFrame(out.text(), 'run 1/1 demo (abc) · completed'), /✔ Train · 1 step/);
});
