// Every file of ../shared/data/audio-edge-cases through decodeAudioFile, compared with the
// 16 kHz mono s16 reference where the file holds the same utterance.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { AudioDecodeError, decodeAudioFile, mixDown, resample, wavTruncation } from '../../src/data/audio.ts';
import { correlation, edgeCases, maxAbsDiff, tempDir } from './helpers.ts';
import { readFileSync } from 'node:fs';

const REF_SAMPLES = 62557;
const file = (name: string) => join(edgeCases, name);
const reference = decodeAudioFile(file('utt_16k_mono_s16.wav'));

test('reference utt_16k_mono_s16.wav loads as is: 62 557 samples, 3.910 s', async () => {
  const ref = await reference;
  assert.equal(ref.samples.length, REF_SAMPLES);
  assert.equal(ref.sampleRate, 16000);
  assert.equal(ref.originalSampleRate, 16000);
  assert.equal(ref.channels, 1);
  assert.ok(Math.abs(ref.durationSeconds - 3.91) < 0.001);
  assert.deepEqual(ref.warnings, []);
  const peak = ref.samples.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
  assert.ok(peak > 0.05 && peak <= 1, `peak ${peak}`);
});

// [file, original rate, channels, min correlation with the reference, max abs error]
const SAME_UTTERANCE: [string, number, number, number, number][] = [
  ['utt_44k1_stereo_s16.wav', 44100, 2, 0.999, 0.05],
  ['utt_48k_mono_s24.wav', 48000, 1, 0.999, 0.05],
  // 8 kHz has no content above 4 kHz, so it can only be close, not equal.
  ['utt_8k_mono_s16.wav', 8000, 1, 0.98, 0.3],
  ['utt_44k1_mono.mp3', 44100, 1, 0.995, 0.15],
  ['utt_16k_mono.ogg', 16000, 1, 0.99, 0.15],
];

for (const [name, rate, channels, minCorr, maxErr] of SAME_UTTERANCE) {
  test(`${name}: mixed to mono, resampled to 16 kHz, close to the reference`, async () => {
    const ref = await reference;
    const audio = await decodeAudioFile(file(name));
    assert.equal(audio.sampleRate, 16000);
    assert.equal(audio.originalSampleRate, rate);
    assert.equal(audio.channels, channels);
    // Duration stays 3.91 s (8 kHz must not play at double speed); MP3 padding allows ±0.1 s.
    assert.ok(Math.abs(audio.durationSeconds - 3.91) <= 0.1, `duration ${audio.durationSeconds}`);
    const corr = correlation(audio.samples, ref.samples);
    assert.ok(corr >= minCorr, `correlation ${corr} < ${minCorr}`);
    const err = maxAbsDiff(audio.samples, ref.samples);
    assert.ok(err <= maxErr, `max abs error ${err} > ${maxErr}`);
  });
}

test('resampled lossless files have exactly round(n * 16000 / rate) samples', async () => {
  const s24 = await decodeAudioFile(file('utt_48k_mono_s24.wav'));
  assert.equal(s24.samples.length, Math.round((187671 * 16000) / 48000));
  const s8 = await decodeAudioFile(file('utt_8k_mono_s16.wav'));
  assert.equal(s8.samples.length, 31279 * 2);
});

test('utt_16k_mono_f32.wav is read as float, not rescaled as int32', async () => {
  const ref = await reference;
  const audio = await decodeAudioFile(file('utt_16k_mono_f32.wav'));
  assert.equal(audio.samples.length, REF_SAMPLES);
  assert.ok(maxAbsDiff(audio.samples, ref.samples) <= 1 / 32768);
});

test('utt_16k_mono.flac is sample-identical to the reference (within one 16-bit step)', async () => {
  const ref = await reference;
  const audio = await decodeAudioFile(file('utt_16k_mono.flac'));
  assert.equal(audio.samples.length, REF_SAMPLES);
  assert.ok(maxAbsDiff(audio.samples, ref.samples) <= 1 / 32768);
});

for (const [name, kind] of [
  ['empty_0_bytes.wav', 'empty'],
  ['text_renamed_not_audio.wav', 'not_audio'],
] as const) {
  test(`${name} fails with a typed error naming the file`, async () => {
    await assert.rejects(decodeAudioFile(file(name), 16000, { ffmpeg: false }), (err: unknown) => {
      assert.ok(err instanceof AudioDecodeError);
      assert.equal(err.kind, kind);
      assert.equal(err.file, file(name));
      assert.match(err.message, new RegExp(name.replace(/\./g, '\\.')));
      return true;
    });
  });
}

test('a missing file is an AudioDecodeError of kind missing', async () => {
  await assert.rejects(decodeAudioFile(file('no-such-file.wav')), (err: unknown) => err instanceof AudioDecodeError && err.kind === 'missing');
});

test('truncated WAV: loads the 25 022 samples that exist and warns; never pads to the header', async () => {
  const name = 'truncated_header_says_3.91s_has_1.56s.wav';
  const audio = await decodeAudioFile(file(name));
  assert.equal(audio.samples.length, 25022);
  assert.ok(Math.abs(audio.durationSeconds - 1.564) < 0.001);
  assert.equal(audio.warnings.length, 1);
  assert.match(audio.warnings[0], /truncated/);
  assert.match(audio.warnings[0], new RegExp(name.replace(/\./g, '\\.')));
  const ref = await reference;
  assert.ok(maxAbsDiff(audio.samples, ref.samples, 25022) === 0, 'the samples present equal the reference prefix');
  assert.deepEqual(wavTruncation(readFileSync(file(name))), { declaredBytes: 125114, availableBytes: 50044 });
  assert.equal(wavTruncation(readFileSync(file('utt_16k_mono_s16.wav'))), null);
});

test('long_35s_16k_mono.wav: all 560 000 samples (35 s), not cut to 30 s', async () => {
  const audio = await decodeAudioFile(file('long_35s_16k_mono.wav'));
  assert.equal(audio.samples.length, 560000);
  assert.equal(audio.durationSeconds, 35);
});

test('silence_1s_16k.wav loads without NaN: 16 000 samples at the noise floor', async () => {
  // The README says "all samples 0"; the file actually holds ±1 LSB of dither (4035 non-zero samples).
  const audio = await decodeAudioFile(file('silence_1s_16k.wav'));
  assert.equal(audio.samples.length, 16000);
  assert.ok(audio.samples.every((x) => Number.isFinite(x) && Math.abs(x) <= 1 / 32767));
});

test('mixDown averages channels', () => {
  const out = mixDown([Float32Array.from([1, 0.5, -1]), Float32Array.from([0, 0.5, 1])]);
  assert.deepEqual(Array.from(out), [0.5, 0.5, 0]);
});

test('resample is band-limited: a 1 kHz tone survives, a 10 kHz tone is removed (44.1 -> 16 kHz)', async () => {
  const rate = 44100;
  const n = rate; // 1 s
  const tone = (f: number) => Float32Array.from({ length: n }, (_, i) => 0.5 * Math.sin((2 * Math.PI * f * i) / rate));
  const low = await resample(tone(1000), rate, 16000);
  const high = await resample(tone(10000), rate, 16000);
  assert.equal(low.length, 16000);
  assert.equal(high.length, 16000);
  const rms = (x: Float32Array) => Math.sqrt(x.slice(200, -200).reduce((s, v) => s + v * v, 0) / (x.length - 400));
  assert.ok(Math.abs(rms(low) - 0.5 / Math.SQRT2) < 0.01, `1 kHz rms ${rms(low)}`);
  // Dropping samples would alias 10 kHz to 6 kHz at full strength; a sinc filter leaves < -60 dB.
  assert.ok(rms(high) < 0.5e-3, `10 kHz residual rms ${rms(high)}`);
});

test('without ffmpeg the error says so; with a bogus ffmpeg path the fallback error is reported', async () => {
  const dir = await tempDir();
  const path = join(dir, 'broken.wav');
  // A RIFF header with nonsense after it: looks like audio but cannot be decoded.
  await writeFile(path, Buffer.concat([Buffer.from('RIFF\x10\x00\x00\x00WAVEjunkjunkjunk', 'latin1')]));
  await assert.rejects(decodeAudioFile(path, 16000, { ffmpeg: false }), (err: unknown) => err instanceof AudioDecodeError && err.kind === 'decode_failed');
  // ffmpeg looked up on PATH and absent: the message says how to get the fallback.
  const savedPath = process.env.PATH;
  process.env.PATH = dir;
  try {
    await assert.rejects(decodeAudioFile(path), (err: unknown) => {
      assert.ok(err instanceof AudioDecodeError);
      assert.match(err.message, /broken\.wav: could not be decoded .*ffmpeg was not found on PATH/);
      return true;
    });
  } finally {
    process.env.PATH = savedPath;
  }
  await assert.rejects(decodeAudioFile(path, 16000, { ffmpeg: join(dir, 'no-ffmpeg-here') }), (err: unknown) => {
    assert.ok(err instanceof AudioDecodeError);
    assert.match(err.message, /ffmpeg:/);
    return true;
  });
});
