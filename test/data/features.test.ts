// Log-mel features must match HF's WhisperFeatureExtractor (../shared/fixtures/whisper/features).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createFeatureExtractor, loadFeatureExtractor } from '../../src/data/features.ts';
import { maxAbsDiff, readFloat32, readJson, tinyRandom, whisperFixtures } from './helpers.ts';

test('features of audio/uttN.16000.bin are within 1e-4 of features/uttN.input_features.bin', async () => {
  const fe = await loadFeatureExtractor(tinyRandom);
  assert.equal(fe.nMels, 80);
  assert.equal(fe.frames, 3000);
  for (const id of ['utt1', 'utt2', 'utt3']) {
    const audio = readFloat32(join(whisperFixtures, 'audio', `${id}.16000.bin`));
    const expected = readFloat32(join(whisperFixtures, 'features', `${id}.input_features.bin`));
    const got = await fe.extract(audio);
    assert.equal(got.length, expected.length);
    const diff = maxAbsDiff(got, expected);
    assert.ok(diff <= 1e-4, `${id}: max abs diff ${diff}`);
  }
});

test('the fast path (only frames that see audio) equals the full transformers.js call (to float32 rounding)', async () => {
  const fe = await loadFeatureExtractor(tinyRandom);
  const clips = [
    readFloat32(join(whisperFixtures, 'audio', 'utt2.16000.bin')),
    new Float32Array(16000), // silence: the max is the floor itself
    Float32Array.from({ length: 160 * 7 + 3 }, (_, i) => Math.sin(i / 3) * 0.3), // not a whole number of hops
    new Float32Array(0),
  ];
  for (const clip of clips) {
    const fast = await fe.extract(clip);
    const full = await fe.extractFull(clip);
    // A few values may differ in the last bit (summation order of the mel product); nothing more.
    assert.ok(maxAbsDiff(fast, full) <= 1e-6, `clip of ${clip.length} samples: ${maxAbsDiff(fast, full)}`);
    assert.equal(fast.length, full.length);
  }
});

test('a shorter chunk_length shortens the window (frames = chunk * sr / hop) and changes the config hash', async () => {
  const raw = readJson(join(tinyRandom, 'preprocessor_config.json'));
  const full = createFeatureExtractor(raw);
  const short = createFeatureExtractor(raw, { chunkLength: 2 });
  assert.equal(short.frames, 200);
  assert.equal(short.config.nSamples, 32000);
  assert.notEqual(short.configHash, full.configHash);
  // chunk_length in the file alone (stale n_samples / nb_max_frames) is honoured too.
  const fromFile = createFeatureExtractor({ ...raw, chunk_length: 2 });
  assert.equal(fromFile.frames, 200);
  assert.equal(fromFile.configHash, short.configHash);
  const audio = readFloat32(join(whisperFixtures, 'audio', 'utt1.16000.bin'));
  const out = await short.extract(audio);
  assert.equal(out.length, 80 * 200);
  // The 2 s window is not a crop of the 30 s features (log-max clamp is per window), but it is finite.
  assert.ok(out.every(Number.isFinite));
});

test('128 mel bins (large-v3 style config) give [128 x frames]', async () => {
  const raw = { ...readJson(join(tinyRandom, 'preprocessor_config.json')), feature_size: 128 };
  const fe = createFeatureExtractor(raw, { chunkLength: 1 });
  const out = await fe.extract(new Float32Array(8000).map((_, i) => Math.sin(i / 10) * 0.1));
  assert.equal(out.length, 128 * 100);
});

test('digital silence gives finite features (no NaN from log of zero)', async () => {
  const fe = createFeatureExtractor(readJson(join(tinyRandom, 'preprocessor_config.json')), { chunkLength: 1 });
  const out = await fe.extract(new Float32Array(16000));
  assert.ok(out.every(Number.isFinite));
});
