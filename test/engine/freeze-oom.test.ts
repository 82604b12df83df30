import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { isFrozen, whisperTrainerModel } from '../../src/engine/trainer/whisper-adapter.ts';
import { asOomError } from '../../src/engine/trainer/trainer.ts';
import { initWhisper } from '../../src/model/whisper/io.ts';
import { UserError } from '../../src/util/errors.ts';

await tf.setBackend('cpu');

test('train.freeze: encoder / decoder / embeddings select the right weights', () => {
  assert.equal(isFrozen('model.encoder.layers.0.fc1.weight', ['encoder']), true);
  assert.equal(isFrozen('model.decoder.layers.0.fc1.weight', ['encoder']), false);
  assert.equal(isFrozen('model.decoder.layers.0.fc1.weight', ['decoder']), true);
  assert.equal(isFrozen('model.decoder.embed_tokens.weight', ['embeddings']), true);
  assert.equal(isFrozen('model.decoder.embed_positions.weight', ['embeddings']), true);
  assert.equal(isFrozen('model.decoder.layers.1.self_attn.q_proj.weight', ['embeddings']), false);
  // the sinusoidal encoder positions are never trained (as in HF)
  assert.equal(isFrozen('model.encoder.embed_positions.weight', []), true);
});

test('a frozen encoder is not handed to the optimizer', () => {
  const model = initWhisper('tiny', { d_model: 16, encoder_layers: 1, decoder_layers: 1, encoder_attention_heads: 2, decoder_attention_heads: 2, encoder_ffn_dim: 32, decoder_ffn_dim: 32, max_source_positions: 10, max_target_positions: 16, vocab_size: 64 }, 0);
  const all = Object.keys(whisperTrainerModel(model).trainableVariables());
  const some = Object.keys(whisperTrainerModel(model, ['encoder']).trainableVariables());
  assert.ok(all.some((n) => n.startsWith('model.encoder.layers.')));
  assert.ok(some.length > 0 && some.every((n) => n.startsWith('model.decoder.')), some.join(','));
  assert.ok(!all.includes('model.encoder.embed_positions.weight'));
  model.dispose();
});

test('out of memory becomes a UserError naming the batch size, with a hint; other errors pass through', () => {
  const oom = asOomError(new Error('RuntimeError: Aborted(). Build with -sASSERTIONS for more info.'), 16, 2);
  assert.ok(oom instanceof UserError);
  assert.match((oom as UserError).message, /train\.batch_size 16 .*gradient_accumulation_steps 2/);
  assert.match((oom as UserError).message, /halve train\.batch_size/);
  const other = new Error('shape mismatch');
  assert.equal(asOomError(other, 16, 1), other);
});
