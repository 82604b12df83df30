// The ffmpeg CLI fallback for containers audio-decode cannot read (RF64 here). Skips cleanly
// when ffmpeg is not on PATH; the message for that case is tested in audio.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { decodeAudioFile, ffmpegAvailable, AudioDecodeError } from '../../src/data/audio.ts';
import { edgeCases, maxAbsDiff, tempDir } from './helpers.ts';

/** Rewrite a plain 44-byte-header PCM WAV as RF64 (EBU Tech 3306): RF64 + ds64 chunk, sizes 0xFFFFFFFF. */
function toRf64(wav: Buffer): Buffer {
  const fmt = wav.subarray(12, 36); // 'fmt ' chunk of 16 bytes + its 8-byte header
  const data = wav.subarray(44);
  const ds64 = Buffer.alloc(8 + 28);
  ds64.write('ds64', 0, 'latin1');
  ds64.writeUInt32LE(28, 4);
  const riffSize = 4 + ds64.length + fmt.length + 8 + data.length;
  ds64.writeBigUInt64LE(BigInt(riffSize), 8);
  ds64.writeBigUInt64LE(BigInt(data.length), 16);
  ds64.writeBigUInt64LE(BigInt(data.length / 2), 24);
  const head = Buffer.alloc(12);
  head.write('RF64', 0, 'latin1');
  head.writeUInt32LE(0xffffffff, 4);
  head.write('WAVE', 8, 'latin1');
  const dataHead = Buffer.alloc(8);
  dataHead.write('data', 0, 'latin1');
  dataHead.writeUInt32LE(0xffffffff, 4);
  return Buffer.concat([head, ds64, fmt, dataHead, data]);
}

const skip = ffmpegAvailable() ? false : 'ffmpeg is not on PATH';

test('RF64 WAV: audio-decode fails, ffmpeg decodes it to the reference samples', { skip }, async () => {
  const dir = await tempDir();
  const path = join(dir, 'utt.rf64.wav');
  await writeFile(path, toRf64(readFileSync(join(edgeCases, 'utt_16k_mono_s16.wav'))));
  await assert.rejects(decodeAudioFile(path, 16000, { ffmpeg: false }), AudioDecodeError);
  const audio = await decodeAudioFile(path);
  assert.equal(audio.decoder, 'ffmpeg');
  assert.match(audio.warnings[0], /decoded with ffmpeg/);
  const ref = await decodeAudioFile(join(edgeCases, 'utt_16k_mono_s16.wav'));
  assert.equal(audio.samples.length, ref.samples.length);
  assert.ok(maxAbsDiff(audio.samples, ref.samples) <= 1 / 32768);
});

test('not-audio text file stays a not_audio error even with ffmpeg', { skip }, async () => {
  await assert.rejects(decodeAudioFile(join(edgeCases, 'text_renamed_not_audio.wav')), (err: unknown) => err instanceof AudioDecodeError && err.kind === 'not_audio' && /ffmpeg:/.test(err.message));
});
