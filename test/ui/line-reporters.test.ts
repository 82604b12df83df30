// Plain, quiet and JSON output: what CI logs, pipes and scripts get. No escape codes, timestamps
// on every line, throttled progress, and errors without stack traces unless --debug.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createReporter } from '../../src/ui/index.ts';
import { UserError } from '../../src/util/errors.ts';
import { captureStream, FAILURE, manualClock, scriptedSweep, TRAIN_STEPS } from './scripted-run.ts';

const ANSI = /\x1b\[/;
const TIMESTAMPED = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z /;

async function plainOutput(mode: 'plain' | 'quiet', debug = false) {
  const out = captureStream();
  const err = captureStream();
  const clock = manualClock();
  const reporter = createReporter({ mode, stream: out.stream, errorStream: err.stream, debug, now: clock.now, progressIntervalMs: 2000 });
  await scriptedSweep(reporter, clock.advance);
  return { out: out.text(), err: err.text() };
}

test('plain: every line timestamped, no escape codes, the whole tree in order', async () => {
  const { out, err } = await plainOutput('plain');
  for (const text of [out, err]) {
    assert.doesNotMatch(text, ANSI);
    for (const line of text.trimEnd().split('\n')) assert.match(line, TIMESTAMPED, line);
  }
  const order = ['run 1/2 demo-lr-1e-3 (a1b2c3d4) started', 'Load model: done in 0s · tfjs-node: native CPU binding found', 'Prepare data: 10/10 clips · 1 skipped',
    'Train: step 100/100 · loss 0.060', 'Evaluate: 10/10 utterances · WER 50.0%', 'Track: skipped · no MLflow server configured',
    'run 1/2 demo-lr-1e-3 · completed · WER 41.7% · CER 16.9% · 1m14s', 'run record: runs/demo/demo-lr-1e-3', 'model: runs/demo/demo-lr-1e-3/model',
    'run 2/2 demo-lr-1e-2 (e5f6a7b8) started', 'Prepare data: skipped · feature cache is up to date', 'run 2/2 demo-lr-1e-2 · failed', 'summary:'];
  let at = -1;
  for (const piece of order) {
    const next = out.indexOf(piece, at + 1);
    assert.ok(next > at, `"${piece}" after the previous line in:\n${out}`);
    at = next;
  }
  assert.match(out, /Train: done in 10s · 100 steps/);
  assert.match(out, /1 +demo-lr-1e-3 +a1b2c3d4 +completed +41\.70% +16\.90% +1m14s/);
  assert.match(out, /2 +demo-lr-1e-2 +e5f6a7b8 +failed +- +- +3s/);
  // Warnings and errors go to the error stream, escape codes stripped, with the run they belong to.
  assert.match(err, /\[1\/2 demo-lr-1e-3\] warning: warmup_steps \(200\) is longer than max_steps \(100\)\n/);
  assert.ok(err.includes(`[2/2 demo-lr-1e-2] error: ${FAILURE}\n`), err);
  assert.doesNotMatch(err, /\n.*\s+at /, 'no stack trace');
});

test('plain: training progress is throttled but the first and last step always print, with an ETA', async () => {
  const { out } = await plainOutput('plain');
  const trainLines = out.split('\n').filter((line) => line.includes('[1/2 demo-lr-1e-3] Train: step'));
  // 100 steps 0.1 s apart with a 2 s interval: step 1, then one line every 20 steps, then step 100.
  assert.ok(trainLines.length >= 5 && trainLines.length <= 7, trainLines.join('\n'));
  assert.match(trainLines[0], /step 1\/100 · loss 6\.000 · lr 1\.0e-3 · 14\.2 samples\/s$/);
  assert.match(trainLines.at(-1)!, /step 100\/100 · loss 0\.060/);
  // 0.1 s per step: at step 21, 79 steps are left, about 8 s.
  assert.ok(trainLines.some((line) => /step 21\/100 .* ETA 8s$/.test(line)), trainLines.join('\n'));
});

test('quiet: only warnings, errors and the final summary', async () => {
  const { out, err } = await plainOutput('quiet');
  assert.doesNotMatch(out + err, ANSI);
  assert.doesNotMatch(out, /started|Train:|Prepare data|run record/);
  assert.match(out, /summary:/);
  assert.match(out, /completed +41\.70%/);
  assert.match(err, /warning: warmup_steps/);
  assert.ok(err.includes(FAILURE));
  for (const line of (out + err).trimEnd().split('\n')) assert.match(line, TIMESTAMPED, line);
});

test('quiet: a single run prints its outcome and where the run and model went', async () => {
  const out = captureStream();
  const reporter = createReporter({ mode: 'quiet', stream: out.stream });
  reporter.runStarted({ index: 1, total: 1, name: 'demo', id: 'abc' });
  reporter.stage('train', 'start');
  reporter.progress('train', { done: 5, total: 5 });
  await reporter.runFinished({ status: 'completed', metrics: { wer: 0.25, cer: 0.1 }, runDir: 'runs/demo/demo', modelDir: 'runs/demo/demo/model' });
  await reporter.close();
  const lines = out.text().trimEnd().split('\n').map((line) => line.replace(TIMESTAMPED, ''));
  assert.deepEqual(lines, ['run 1/1 demo · completed · WER 25.0% · CER 10.0%', '  run record: runs/demo/demo', '  model: runs/demo/demo/model']);
});

test('plain: a bug shows its message and a hint; --debug adds the stack', async () => {
  for (const debug of [false, true]) {
    const out = captureStream();
    const reporter = createReporter({ mode: 'plain', stream: out.stream, debug });
    reporter.error(new TypeError('cannot read properties of undefined'));
    reporter.error(new UserError('spec.yaml:3:5: training.max_steps must be a positive integer'));
    const text = out.text();
    assert.match(text, /error: cannot read properties of undefined\n/);
    assert.match(text, /error: spec\.yaml:3:5: training\.max_steps must be a positive integer\n/);
    assert.equal(/\s+at .*line-reporters\.test\.ts/.test(text), debug, text);
    assert.equal(text.includes('run with --debug'), !debug);
  }
});

test('json: one parseable event per line, no escape codes, progress throttled', async () => {
  const out = captureStream();
  const clock = manualClock();
  const reporter = createReporter({ mode: 'json', stream: out.stream, now: clock.now, progressIntervalMs: 1000 });
  await scriptedSweep(reporter, clock.advance);
  const text = out.text();
  assert.doesNotMatch(text, ANSI);
  assert.ok(text.endsWith('\n'));
  const events = text.trimEnd().split('\n').map((line) => JSON.parse(line));
  for (const event of events) {
    assert.ok(!Number.isNaN(Date.parse(event.ts)), 'ts is an ISO time');
    assert.equal(typeof event.event, 'string');
  }
  assert.deepEqual(
    [...new Set(events.map((e) => e.event))].sort(),
    ['error', 'metric', 'progress', 'run_finished', 'run_started', 'stage', 'summary', 'warning'],
  );
  const train = events.filter((e) => e.event === 'progress' && e.stage === 'train' && e.run.index === 1);
  assert.ok(train.length > 5 && train.length < TRAIN_STEPS / 5, `${train.length} train progress events`);
  assert.deepEqual(train.at(-1), { ts: train.at(-1).ts, event: 'progress', run: { index: 1, total: 2, name: 'demo-lr-1e-3', id: 'a1b2c3d4' }, stage: 'train', done: 100, total: 100, values: { loss: 0.06, lr: 0.001, samples_per_s: 14.2 }, eta_s: 0 });
  const warning = events.find((e) => e.event === 'warning');
  assert.equal(warning.message, 'warmup_steps (200) is longer than max_steps (100)');
  const error = events.find((e) => e.event === 'error');
  assert.deepEqual({ ...error, ts: undefined }, { ts: undefined, event: 'error', run: { index: 2, total: 2, name: 'demo-lr-1e-2', id: 'e5f6a7b8' }, message: FAILURE, exit_code: 2, user_error: true });
  const finished = events.filter((e) => e.event === 'run_finished');
  assert.deepEqual(finished.map((e) => [e.status, e.metrics, e.run_dir, e.model_dir]), [
    ['completed', { wer: 0.417, cer: 0.169 }, 'runs/demo/demo-lr-1e-3', 'runs/demo/demo-lr-1e-3/model'],
    ['failed', undefined, 'runs/demo/demo-lr-1e-2', undefined],
  ]);
  const summary = events.at(-1);
  assert.equal(summary.event, 'summary');
  assert.deepEqual(summary.rows.map((r: { status: string }) => r.status), ['completed', 'failed']);
});
