import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { AdamW } from '../../src/engine/optim/adamw.ts';
import { clipByGlobalNorm, globalNorm } from '../../src/engine/optim/clip.ts';

await tf.setBackend('cpu');

function close(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string) {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tol, `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

test('AdamW first step, worked by hand: decay, then a step of about lr * sign(g)', () => {
  const p = tf.variable(tf.tensor1d([1, -2]), true, 'p');
  const opt = new AdamW([p], { lr: 0.1, weightDecay: 0.01 });
  opt.applyGradients({ p: tf.tensor1d([0.5, 0]) });
  // p[0]: 1 * (1 - 0.1*0.01) = 0.999; m=0.05, v=0.00025; mhat=0.5, vhat=0.25 -> 0.999 - 0.1*0.5/(0.5+1e-8)
  // p[1]: -2 * 0.999 = -1.998; zero gradient -> m = v = 0 -> no move beyond the decay
  close(p.dataSync(), [0.999 - (0.1 * 0.5) / (0.5 + 1e-8), -1.998], 1e-6, 'p');
  assert.equal(opt.step, 1);
  opt.dispose();
  p.dispose();
});

test('AdamW matches a float64 scalar transcription of torch.optim.AdamW over 5 steps', () => {
  const init = [0.3, -1.2, 2.0, 0.05];
  const gradSeq = [
    [0.1, -0.4, 1.5, 0.0],
    [-0.2, 0.3, 1.0, 1e-4],
    [0.05, 0.05, -2.0, 0.3],
    [1.0, -1.0, 0.5, 0.2],
    [0.0, 0.2, 0.1, -0.7],
  ];
  const hyper = { lr: 0.01, beta1: 0.8, beta2: 0.95, eps: 1e-6, weightDecay: 0.1 };
  // reference, float64, one element at a time (torch's _single_tensor_adamw)
  const ref = [...init];
  const m = init.map(() => 0);
  const v = init.map(() => 0);
  gradSeq.forEach((g, k) => {
    const t = k + 1;
    for (let i = 0; i < ref.length; i++) {
      ref[i] *= 1 - hyper.lr * hyper.weightDecay;
      m[i] = hyper.beta1 * m[i] + (1 - hyper.beta1) * g[i];
      v[i] = hyper.beta2 * v[i] + (1 - hyper.beta2) * g[i] * g[i];
      const denom = Math.sqrt(v[i]) / Math.sqrt(1 - hyper.beta2 ** t) + hyper.eps;
      ref[i] -= (hyper.lr / (1 - hyper.beta1 ** t)) * (m[i] / denom);
    }
  });
  const p = tf.variable(tf.tensor1d(init), true, 'w');
  const opt = new AdamW([p], hyper);
  for (const g of gradSeq) tf.tidy(() => opt.applyGradients({ w: tf.tensor1d(g) }));
  close(p.dataSync(), ref, 2e-6, 'w');
  opt.dispose();
  p.dispose();
});

test('AdamW state round-trips: a restored optimizer continues identically', () => {
  const a = tf.variable(tf.tensor2d([[1, 2], [3, 4]]), true, 'a');
  const opt = new AdamW([a], { lr: 0.05 });
  const g = () => ({ a: tf.tensor2d([[0.1, -0.2], [0.3, 0.05]]) });
  opt.applyGradients(g());
  opt.applyGradients(g());
  const state = opt.exportState();
  const snapshot = a.dataSync().slice();
  opt.applyGradients(g());
  const expected = a.dataSync().slice();

  const a2 = tf.variable(tf.tensor2d(Array.from(snapshot), [2, 2]), true, 'a2');
  const opt2 = new AdamW([a2], { lr: 0.05 });
  opt2.loadState({ ...state, m: { a2: state.m.a }, v: { a2: state.v.a } });
  assert.equal(opt2.step, 2);
  opt2.applyGradients({ a2: g().a });
  close(a2.dataSync(), expected, 0, 'a2');
  assert.throws(() => opt2.loadState({ ...state, m: { nope: state.m.a }, v: {} }), /nope/);
  opt.dispose();
  opt2.dispose();
});

test('AdamW holds two moment tensors per parameter and leaks nothing per step', () => {
  const p = tf.variable(tf.ones([3]), true, 'q');
  const opt = new AdamW([p], { lr: 0.1 });
  opt.applyGradients({ q: tf.keep(tf.ones([3])) });
  const before = tf.memory().numTensors;
  const grad = tf.ones([3]);
  for (let i = 0; i < 3; i++) opt.applyGradients({ q: grad });
  assert.equal(tf.memory().numTensors, before + 1); // only `grad`
  assert.equal(opt.slotCount, 2);
  grad.dispose();
  opt.dispose();
});

test('clip_grad_norm_: norm over all gradients, factor max_norm / (total + 1e-6)', () => {
  const grads = { a: tf.tensor1d([3, 4]), b: tf.tensor2d([[12]]) };
  assert.ok(Math.abs(globalNorm(grads) - 13) < 1e-6);
  const clipped = clipByGlobalNorm(grads, 1.0);
  assert.ok(Math.abs(clipped.totalNorm - 13) < 1e-6);
  const f = 1 / (13 + 1e-6);
  assert.ok(Math.abs(clipped.factor - f) < 1e-12);
  close(clipped.grads.a.dataSync(), [3 * f, 4 * f], 1e-7, 'a');
  close(clipped.grads.b.dataSync(), [12 * f], 1e-7, 'b');
  assert.ok(Math.abs(globalNorm(clipped.grads) - 1) < 1e-5);
  // below the limit: unchanged; maxNorm 0 disables clipping
  const loose = clipByGlobalNorm(grads, 100);
  assert.equal(loose.factor, 1);
  close(loose.grads.a.dataSync(), [3, 4], 0, 'a');
  assert.equal(clipByGlobalNorm(grads, 0).factor, 1);
  // a NaN gradient shows in the norm, so the trainer can skip the step
  assert.ok(Number.isNaN(globalNorm({ x: tf.tensor1d([1, NaN]) })));
  assert.equal(globalNorm({ x: tf.tensor1d([Infinity, 1]) }), Infinity);
});
