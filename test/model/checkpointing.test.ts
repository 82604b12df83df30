// Gradient checkpointing (per-layer recomputation via tf.customGrad) gives the same gradients with
// a lower peak memory; dropout is seeded; training does not leak tensors.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../src/engine/backend.ts';
import { initWhisper } from '../../src/model/whisper/io.ts';
import type { WhisperModel } from '../../src/model/whisper/model.ts';

// Small vocabulary, a 10 s window (10 s) and several layers: activations dominate memory, as in real training.
const SMALL = { chunk_length: 10, d_model: 64, encoder_layers: 4, decoder_layers: 2, encoder_attention_heads: 4, decoder_attention_heads: 4, encoder_ffn_dim: 256, decoder_ffn_dim: 256, vocab_size: 500, pad_token_id: 499, eos_token_id: 499, bos_token_id: 499, decoder_start_token_id: 498, max_target_positions: 64, init_std: 0.1 };
const LABELS = [[3, 4, 5, 6, 7, 499], [8, 9, 10, 499, -100, -100]];

async function gradsOf(model: WhisperModel, features: tf.Tensor) {
  let grads: Record<string, Float32Array> = {};
  const info = await tf.profile(() => {
    const r = tf.variableGrads(() => model.loss(features, LABELS), model.trainableVariables());
    grads = Object.fromEntries(Object.entries(r.grads).map(([k, g]) => [k, g.dataSync() as Float32Array]));
    tf.dispose([r.value, ...Object.values(r.grads)]);
  });
  return { grads, peak: info.peakBytes };
}

describe('gradient checkpointing and dropout', () => {
  before(async () => {
    await selectBackend('wasm');
  });

  it('checkpointing gives the same gradients with a lower peak memory', async () => {
    const model = initWhisper('tiny', SMALL, 3);
    const features = tf.randomNormal([2, 80, 1000], 0, 1, 'float32', 5);
    const plain = await gradsOf(model, features);
    model.gradientCheckpointing = true;
    const before = tf.memory().numTensors;
    const ckpt = await gradsOf(model, features);
    assert.equal(tf.memory().numTensors, before, 'checkpointed step leaked tensors');
    for (const [name, g] of Object.entries(plain.grads)) {
      const c = ckpt.grads[name];
      let m = 0, s = 0;
      for (let i = 0; i < g.length; i++) {
        m = Math.max(m, Math.abs(g[i] - c[i]));
        s = Math.max(s, Math.abs(g[i]));
      }
      assert.ok(m <= 1e-6 * Math.max(1, s), `${name}: max diff ${m} (scale ${s})`);
    }
    assert.ok(ckpt.peak < 0.75 * plain.peak, `peak ${ckpt.peak} vs ${plain.peak} without checkpointing`);
    features.dispose();
    model.dispose();
  });

  it('dropout acts in train mode only, is reproducible per call, and recomputation sees the same masks', async () => {
    const model = initWhisper('tiny', { ...SMALL, dropout: 0.1, activation_dropout: 0.1, attention_dropout: 0.1 }, 3);
    const features = tf.randomNormal([2, 80, 1000], 0, 1, 'float32', 5);
    const lossAt = (call: number, training: boolean) => {
      model.setDropoutCall(call);
      return tf.tidy(() => model.loss(features, LABELS, { training }).dataSync()[0]);
    };
    const evalLoss = lossAt(0, false);
    assert.equal(lossAt(7, false), evalLoss, 'eval mode is deterministic');
    const a = lossAt(1, true);
    assert.notEqual(a, evalLoss, 'dropout changes the loss in train mode');
    assert.equal(lossAt(1, true), a, 'same call counter, same masks');
    assert.notEqual(lossAt(2, true), a, 'next call, new masks');
    // With checkpointing the backward recomputation must draw the same masks as the forward did.
    const gradAt = async (ckpt: boolean) => {
      model.gradientCheckpointing = ckpt;
      model.setDropoutCall(11);
      const r = tf.variableGrads(() => model.loss(features, LABELS, { training: true }), model.trainableVariables());
      const name = Object.keys(r.grads).find((k) => k.endsWith('model.encoder.layers.0.fc1.weight'))!;
      const out = r.grads[name].dataSync().slice();
      tf.dispose([r.value, ...Object.values(r.grads)]);
      return out;
    };
    const g0 = await gradAt(false);
    const g1 = await gradAt(true);
    let m = 0;
    for (let i = 0; i < g0.length; i++) m = Math.max(m, Math.abs(g0[i] - g1[i]));
    assert.ok(m <= 1e-6, `checkpointed dropout gradient differs by ${m}`);
    features.dispose();
    model.dispose();
  });
});
