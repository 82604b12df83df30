// kill -9 in the middle of training (and, likely, of a checkpoint write): the newest complete
// checkpoint is intact, half-written temp folders are ignored, and resuming from it ends with the
// same weights as a run that was never interrupted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { train } from '../../src/engine/trainer/trainer.ts';
import { listCheckpoints } from '../../src/engine/trainer/checkpoint.ts';
import { ToyModel, toyData, toyExamples } from './toy-model.ts';
import { toyOptions } from './toy-options.ts';

await tf.setBackend('cpu');

test('kill -9 during training: resume from the newest complete checkpoint gives the uninterrupted result', { timeout: 120_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kill9-'));
  const refDir = mkdtempSync(join(tmpdir(), 'kill9-ref-'));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(refDir, { recursive: true, force: true });
  });
  const child = fork(join(import.meta.dirname, 'toy-train-child.ts'), [dir], { execArgv: ['--import', 'tsx'], stdio: 'ignore' });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  await new Promise<void>((resolve, reject) => {
    child.on('message', (m) => (m === 'running' ? resolve() : reject(new Error(`child said ${String(m)} before it was killed`))));
    child.on('error', reject);
  });
  // let it write a few more checkpoints, then kill it without warning
  await new Promise((r) => setTimeout(r, 150 + Math.random() * 200));
  child.kill('SIGKILL');
  assert.equal(await exited, 'SIGKILL');

  const complete = listCheckpoints(dir);
  assert.ok(complete.length > 0, `checkpoints after the kill: ${readdirSync(dir).join(', ')}`);
  const newest = complete.at(-1)!.step;
  assert.ok(newest < 150, 'the child was killed before the end');

  const resumedModel = new ToyModel(0.3);
  const resumed = await train(resumedModel, toyData(toyExamples(12), 2), toyOptions(dir), undefined);
  assert.equal(resumed.resumedFrom, newest);
  assert.equal(resumed.globalStep, 150);
  assert.ok(!readdirSync(dir).some((n) => n.startsWith('.')), 'no temp folders left');

  const refModel = new ToyModel(0.3);
  await train(refModel, toyData(toyExamples(12), 2), { ...toyOptions(refDir), saveStrategy: 'no' }, undefined);
  const a = resumedModel.weights();
  const b = refModel.weights();
  a.forEach((x, i) => assert.ok(Math.abs(x - b[i]) < 1e-6, `weight ${i}: ${x} vs ${b[i]} (resumed from ${newest})`));
});
