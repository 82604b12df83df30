// Test helpers for the reporters: a stream that records what is written (optionally posing as a
// terminal) and a scripted sweep of two runs (one completes, one fails) that drives a reporter.
import { Writable } from 'node:stream';
import { UserError } from '../../src/util/errors.ts';
import type { ProgressReporter } from '../../src/ui/reporter.ts';

export interface CapturedStream {
  stream: NodeJS.WriteStream;
  text(): string;
}

export function captureStream(options: { tty?: boolean } = {}): CapturedStream {
  const chunks: string[] = [];
  const writable = new Writable({
    write(chunk, _encoding, callback) {
      chunks.push(String(chunk));
      callback();
    },
  });
  Object.assign(writable, options.tty ? { isTTY: true, columns: 120, rows: 50 } : { isTTY: false });
  return { stream: writable as unknown as NodeJS.WriteStream, text: () => chunks.join('') };
}

/** A clock the test moves by hand: each call to `advance` moves it forward. */
export function manualClock(start = Date.UTC(2026, 0, 2, 3, 4, 5)) {
  let t = start;
  return { now: () => t, advance: (ms: number) => { t += ms; } };
}

export const TRAIN_STEPS = 100;
export const FAILURE = 'batch_size 64 does not fit in memory: lower batch_size in experiments/demo.yaml (line 12)';

/**
 * Drives a reporter through a sweep of two runs: run 1 goes through every stage (100 training
 * steps, 0.1 s apart on the `advance` clock) and completes; run 2 fails in training with a
 * UserError. `realPauseMs` really waits between events (for renderers that draw on a timer).
 */
export async function scriptedSweep(reporter: ProgressReporter, advance: (ms: number) => void = () => {}, realPauseMs = 0): Promise<void> {
  const tick = async (ms: number) => {
    advance(ms);
    await new Promise((resolve) => (realPauseMs > 0 ? setTimeout(resolve, realPauseMs) : setImmediate(resolve)));
  };
  reporter.runStarted({ index: 1, total: 2, name: 'demo-lr-1e-3', id: 'a1b2c3d4' });
  reporter.stage('resolve', 'start');
  reporter.stage('resolve', 'done', 'runs/demo/demo-lr-1e-3');
  // the trainer's order: model first, then data
  reporter.stage('load', 'start');
  reporter.stage('load', 'done', 'tfjs-node: native CPU binding found');
  reporter.stage('prepare', 'start', 'dvoice: examples/darija-demo');
  for (let clip = 1; clip <= 10; clip++) {
    reporter.progress('prepare', { done: clip, total: 10, values: { skipped: clip > 8 ? 1 : 0 } });
    await tick(50);
  }
  reporter.stage('prepare', 'done', '9 clips, 1 skipped');
  reporter.stage('train', 'start');
  reporter.warn('\x1b[33mwarmup_steps (200) is longer than max_steps (100)\x1b[39m');
  for (let step = 1; step <= TRAIN_STEPS; step++) {
    reporter.progress('train', { done: step, total: TRAIN_STEPS, values: { loss: 6 / step, lr: 1e-3, samples_per_s: 14.2 } });
    if (step % 50 === 0) reporter.metric('eval_loss', 3 / step, step);
    await tick(100);
  }
  reporter.stage('train', 'done', '100 steps, loss 0.060');
  reporter.stage('save', 'done', 'runs/demo/demo-lr-1e-3/model');
  reporter.stage('evaluate', 'start');
  for (let utt = 1; utt <= 10; utt++) {
    reporter.progress('evaluate', { done: utt, total: 10, values: { wer: 0.5 } });
    await tick(30);
  }
  reporter.stage('evaluate', 'done', 'WER 41.7% CER 16.9%');
  reporter.stage('track', 'skip', 'no MLflow server configured');
  await reporter.runFinished({
    status: 'completed',
    metrics: { wer: 0.417, cer: 0.169 },
    runDir: 'runs/demo/demo-lr-1e-3',
    modelDir: 'runs/demo/demo-lr-1e-3/model',
    durationMs: 74_000,
  });

  reporter.runStarted({ index: 2, total: 2, name: 'demo-lr-1e-2', id: 'e5f6a7b8' });
  reporter.stage('resolve', 'done');
  reporter.stage('load', 'done', 'tfjs (pure JS): tfjs-node is not installed');
  reporter.stage('prepare', 'skip', 'feature cache is up to date');
  reporter.stage('train', 'start');
  reporter.progress('train', { done: 1, total: TRAIN_STEPS, values: { loss: 6.2 } });
  await tick(100);
  reporter.error(new UserError(FAILURE));
  await reporter.runFinished({ status: 'failed', durationMs: 3_000, runDir: 'runs/demo/demo-lr-1e-2' });

  reporter.sweepSummary([
    { index: 1, name: 'demo-lr-1e-3', id: 'a1b2c3d4', status: 'completed', metrics: { wer: 0.417, cer: 0.169 }, durationMs: 74_000 },
    { index: 2, name: 'demo-lr-1e-2', id: 'e5f6a7b8', status: 'failed', durationMs: 3_000 },
  ]);
  await reporter.close();
}
