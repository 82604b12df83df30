// Loading, saving and random init of Hugging Face Whisper folders.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, existsSync, readFileSync, writeFileSync, copyFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../src/engine/backend.ts';
import { loadWhisper, saveWhisper, initWhisper, sinusoids, SIDE_FILES } from '../../src/model/whisper/io.ts';
import { readSafetensors, readSafetensorsHeader, readSafetensorsFolder, encodeSafetensors } from '../../src/model/whisper/safetensors.ts';
import { parameterShapes } from '../../src/model/whisper/model.ts';
import { UserError } from '../../src/util/errors.ts';
import { tinyRandomDir } from './fixtures.ts';

const sameBits = (a: Float32Array, b: Float32Array) =>
  a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

describe('Whisper checkpoints: load, save, init', () => {
  let tmp: string;
  before(async () => {
    await selectBackend('cpu');
    tmp = mkdtempSync(join(tmpdir(), 'exp-whisper-io-'));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('save -> load round trip is bit-exact and writes an HF-loadable folder', async () => {
    const original = readSafetensors(join(tinyRandomDir, 'model.safetensors'));
    const model = await loadWhisper(tinyRandomDir);
    const out = join(tmp, 'saved');
    await saveWhisper(model, out);
    // The file: HF names, format pt, tied proj_out not stored, frozen encoder positions stored.
    const { header, metadata } = readSafetensorsHeader(join(out, 'model.safetensors'));
    assert.deepEqual(metadata, { format: 'pt' });
    assert.ok(!('proj_out.weight' in header));
    assert.ok('model.encoder.embed_positions.weight' in header);
    assert.deepEqual(new Set(Object.keys(header)), new Set(original.keys()));
    const saved = readSafetensors(join(out, 'model.safetensors'));
    for (const [name, t] of original) {
      assert.deepEqual(saved.get(name)!.shape, t.shape, name);
      assert.ok(sameBits(saved.get(name)!.data, t.data), `${name} changed bits on save`);
    }
    for (const f of ['config.json', 'generation_config.json', ...SIDE_FILES.filter((f) => existsSync(join(tinyRandomDir, f)))]) {
      assert.ok(existsSync(join(out, f)), `${f} missing from the saved folder`);
    }
    const cfg = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    assert.equal(cfg.model_type, 'whisper');
    assert.deepEqual(cfg.architectures, ['WhisperForConditionalGeneration']);
    const gen = JSON.parse(readFileSync(join(out, 'generation_config.json'), 'utf8'));
    assert.deepEqual(gen.suppress_tokens, JSON.parse(readFileSync(join(tinyRandomDir, 'generation_config.json'), 'utf8')).suppress_tokens);
    // Load the saved folder back: every variable bit-identical.
    const again = await loadWhisper(out);
    for (const [name, v] of model.params) {
      assert.ok(sameBits(v.dataSync() as Float32Array, again.params.get(name)!.dataSync() as Float32Array), `${name} differs after reload`);
    }
    // Saving over an existing folder replaces it atomically (no temp folders left behind).
    await saveWhisper(again, out);
    assert.ok(existsSync(join(out, 'model.safetensors')));
    assert.deepEqual(readFileSync(join(tmp, 'saved', 'config.json'), 'utf8'), readFileSync(join(out, 'config.json'), 'utf8'));
    model.dispose();
    again.dispose();
  });

  it('reads F16 and BF16 tensors and sharded checkpoints', () => {
    // Hand-encoded: f16 0x3c00 = 1, 0xc000 = -2, 0x3555 ~= 0.33325; bf16 0x3f80 = 1, 0xc040 = -3.
    const f16 = Buffer.from(new Uint16Array([0x3c00, 0xc000, 0x3555]).buffer);
    const bf16 = Buffer.from(new Uint16Array([0x3f80, 0xc040]).buffer);
    const header = JSON.stringify({ a: { dtype: 'F16', shape: [3], data_offsets: [0, 6] }, b: { dtype: 'BF16', shape: [2], data_offsets: [6, 10] } }).padEnd(96, ' ');
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(header.length));
    const file = join(tmp, 'half.safetensors');
    writeFileSync(file, Buffer.concat([len, Buffer.from(header), f16, bf16]));
    const t = readSafetensors(file);
    assert.deepEqual([...t.get('a')!.data], [1, -2, Math.fround(0.333251953125)]);
    assert.deepEqual([...t.get('b')!.data], [1, -3]);

    // Split the fixture into two shards with an index, as HF does for big checkpoints.
    const all = readSafetensors(join(tinyRandomDir, 'model.safetensors'));
    const names = [...all.keys()];
    const shardDir = join(tmp, 'sharded');
    mkdirSync(shardDir);
    const weightMap: Record<string, string> = {};
    [names.slice(0, 40), names.slice(40)].forEach((part, i) => {
      const file = `model-0000${i + 1}-of-00002.safetensors`;
      writeFileSync(join(shardDir, file), encodeSafetensors(new Map(part.map((n) => [n, all.get(n)!]))));
      for (const n of part) weightMap[n] = file;
    });
    writeFileSync(join(shardDir, 'model.safetensors.index.json'), JSON.stringify({ metadata: {}, weight_map: weightMap }));
    const back = readSafetensorsFolder(shardDir);
    assert.equal(back.size, all.size);
    for (const [n, v] of all) assert.ok(sameBits(back.get(n)!.data, v.data), n);
  });

  it('a pytorch_model.bin-only folder gets an error that says how to convert it', async () => {
    const dir = join(tmp, 'pt-only');
    mkdirSync(dir);
    copyFileSync(join(tinyRandomDir, 'config.json'), join(dir, 'config.json'));
    writeFileSync(join(dir, 'pytorch_model.bin'), 'not really');
    await assert.rejects(loadWhisper(dir), (e: unknown) => {
      assert.ok(e instanceof UserError);
      assert.match(e.message, /pytorch_model\.bin/);
      assert.match(e.message, /save_pretrained\(.*safe_serialization=True\)/);
      return true;
    });
  });

  it('a checkpoint missing weights names them', async () => {
    const dir = join(tmp, 'missing');
    mkdirSync(dir);
    copyFileSync(join(tinyRandomDir, 'config.json'), join(dir, 'config.json'));
    const all = readSafetensors(join(tinyRandomDir, 'model.safetensors'));
    all.delete('model.decoder.layer_norm.bias');
    writeFileSync(join(dir, 'model.safetensors'), encodeSafetensors(all));
    await assert.rejects(loadWhisper(dir), /lacks 1 weight\(s\).*model\.decoder\.layer_norm\.bias/);
  });

  it('sinusoids equal the encoder positions HF stored in the fixture', () => {
    const stored = readSafetensors(join(tinyRandomDir, 'model.safetensors')).get('model.encoder.embed_positions.weight')!;
    const ours = sinusoids(stored.shape[0], stored.shape[1]);
    let err = 0;
    for (let i = 0; i < ours.length; i++) err = Math.max(err, Math.abs(ours[i] - stored.data[i]));
    // torch's float32 exp() is not correctly rounded, so the argument t * inv (t up to 1499) can be one
    // float32 ulp (6.1e-5) away from ours; sin/cos then differ by at most that much.
    assert.ok(err <= 6.2e-5, `max abs err ${err}`);
  });

  it('random init follows HF: shapes, normal(0, init_std), zero biases, LayerNorm 1/0, pad row 0, seeded', () => {
    const overrides = { d_model: 64, encoder_layers: 2, decoder_layers: 2, encoder_attention_heads: 4, decoder_attention_heads: 4, encoder_ffn_dim: 256, decoder_ffn_dim: 256, init_std: 0.05, chunk_length: 2 };
    const a = initWhisper('tiny', overrides, 7, { tokenizerDir: tinyRandomDir });
    const b = initWhisper('tiny', overrides, 7);
    const c = initWhisper('tiny', overrides, 8);
    assert.equal(a.config.max_source_positions, 100, 'chunk_length 2 s -> 100 encoder positions');
    const shapes = parameterShapes(a.config);
    assert.equal(a.params.size, shapes.size);
    const data = (m: typeof a, n: string) => m.params.get(n)!.dataSync() as Float32Array;
    const w = data(a, 'model.decoder.embed_tokens.weight');
    const pad = a.config.pad_token_id;
    assert.ok(w.subarray(pad * 64, pad * 64 + 64).every((x) => x === 0), 'padding row is zeroed');
    let s = 0;
    for (const x of w) s += x * x;
    const std = Math.sqrt(s / (w.length - 64));
    assert.ok(Math.abs(std - 0.05) < 0.001, `embedding std ${std}`);
    assert.ok(data(a, 'model.encoder.layers.0.fc1.bias').every((x) => x === 0));
    assert.ok(data(a, 'model.decoder.layer_norm.weight').every((x) => x === 1));
    assert.ok(sameBits(data(a, 'model.encoder.layers.1.fc2.weight'), data(b, 'model.encoder.layers.1.fc2.weight')), 'same seed, same weights');
    assert.ok(!sameBits(data(a, 'model.encoder.layers.1.fc2.weight'), data(c, 'model.encoder.layers.1.fc2.weight')), 'other seed, other weights');
    assert.ok(sameBits(data(a, 'model.encoder.embed_positions.weight'), sinusoids(100, 64)));
    // Generation config derived from the tokenizer's special tokens.
    assert.equal(a.generationConfig.lang_to_id?.['<|ar|>'], 50272);
    assert.equal(a.generationConfig.task_to_id?.transcribe, 50359);
    assert.equal(a.generationConfig.no_timestamps_token_id, 50363);
    assert.equal(a.generationConfig.decoder_start_token_id, 50258);
    // Forward runs on the shrunken window: [1, 80, 200] -> logits [1, 3, vocab].
    const logits = tf.tidy(() => a.forward(tf.zeros([1, 80, 200]), tf.tensor2d([[50258, 50272, 50359]], undefined, 'int32')));
    assert.deepEqual(logits.shape, [1, 3, 51865]);
    logits.dispose();
    for (const m of [a, b, c]) m.dispose();
  });

  it('unknown preset and bad features are user errors', () => {
    assert.throws(() => initWhisper('huge'), (e: unknown) => e instanceof UserError && /tiny, base, small, medium, large/.test(e.message));
  });
});
