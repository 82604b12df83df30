/**
 * Audio loading: any file -> mono float32 samples at the feature extractor's rate (16 kHz).
 *
 * - Decoding: `audio-decode` (WAV of every bit depth, float and WAVE_FORMAT_EXTENSIBLE; FLAC,
 *   MP3, OGG/Opus, M4A). When it cannot decode a file, the `ffmpeg` CLI is tried if it is on PATH
 *   (RF64 and other exotic containers); the error says so when it is not.
 * - Mixdown: channels are averaged.
 * - Resampling: libsamplerate (band-limited sinc, SRC_SINC_MEDIUM_QUALITY); never by dropping or
 *   repeating samples. The result has exactly round(n * target / source) samples.
 * - Broken files: empty, not audio or undecodable -> `AudioDecodeError` naming the file.
 *   A WAV whose header announces more data than the file holds is loaded with the samples that
 *   exist and a warning; the header's duration is never trusted.
 */
import { readFile } from 'node:fs/promises';
import { spawn, spawnSync } from 'node:child_process';
import { delimiter, join } from 'node:path';
import { accessSync, constants as fsConstants } from 'node:fs';
import decode from 'audio-decode';
import libsamplerate from '@alexanderolsen/libsamplerate-js';
import { UserError } from '../util/errors.ts';

export const WHISPER_SAMPLE_RATE = 16000;

export interface DecodedAudio {
  /** Mono samples at `sampleRate`, float32 in [-1, 1]. */
  samples: Float32Array;
  sampleRate: number;
  /** samples.length / sampleRate: measured from the samples, never from a header. */
  durationSeconds: number;
  originalSampleRate: number;
  channels: number;
  /** Which decoder produced the samples. */
  decoder: 'audio-decode' | 'ffmpeg';
  /** Things the caller should tell the user (e.g. a truncated file). */
  warnings: string[];
}

export type AudioErrorKind = 'missing' | 'empty' | 'not_audio' | 'decode_failed';

/** A file that cannot be turned into samples. `file` is the path, `kind` why. */
export class AudioDecodeError extends UserError {
  constructor(
    readonly file: string,
    readonly kind: AudioErrorKind,
    message: string,
  ) {
    super(message, 2, { file, kind });
    this.name = 'AudioDecodeError';
  }
}

export interface DecodeOptions {
  /** Use the ffmpeg CLI when audio-decode fails: true (default) looks it up on PATH, a string is its path, false disables. */
  ffmpeg?: boolean | string;
}

/** Decode an audio file to mono float32 at `targetRate` (default 16 kHz). */
export async function decodeAudioFile(
  path: string,
  targetRate = WHISPER_SAMPLE_RATE,
  options: DecodeOptions = {},
): Promise<DecodedAudio> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new AudioDecodeError(path, 'missing', `${path}: audio file not found`);
    throw new AudioDecodeError(path, 'decode_failed', `${path}: cannot read audio file (${(err as Error).message})`);
  }
  return decodeAudioBytes(bytes, path, targetRate, options);
}

/** Same as decodeAudioFile for bytes already in memory; `path` is used in messages and for ffmpeg. */
export async function decodeAudioBytes(
  bytes: Uint8Array,
  path: string,
  targetRate = WHISPER_SAMPLE_RATE,
  options: DecodeOptions = {},
): Promise<DecodedAudio> {
  if (bytes.byteLength === 0) {
    throw new AudioDecodeError(path, 'empty', `${path}: the audio file is empty (0 bytes)`);
  }
  const warnings: string[] = [];
  let channelData: Float32Array[];
  let originalSampleRate: number;
  const decoder: DecodedAudio['decoder'] = 'audio-decode';
  try {
    // audio-decode may keep a view on our buffer; give it its own copy of the bytes.
    const audio = await decode(new Uint8Array(bytes));
    channelData = audio.channelData;
    originalSampleRate = audio.sampleRate;
    if (!channelData.length || !(originalSampleRate > 0)) throw new Error('no audio channels');
  } catch (err) {
    const reason = (err as Error).message;
    const ffmpeg = resolveFfmpeg(options.ffmpeg);
    if (!ffmpeg) {
      const kind: AudioErrorKind = looksLikeAudio(bytes) ? 'decode_failed' : 'not_audio';
      const what = kind === 'not_audio' ? 'is not an audio file (no known audio header)' : 'could not be decoded';
      const hint = options.ffmpeg === false ? '' : '; ffmpeg was not found on PATH, install it (e.g. `apt-get install ffmpeg`) to try it as a fallback decoder';
      throw new AudioDecodeError(path, kind, `${path}: ${what} (audio-decode: ${reason})${hint}`);
    }
    try {
      const samples = await decodeWithFfmpeg(ffmpeg, path, targetRate);
      warnings.push(`${path}: decoded with ffmpeg (audio-decode: ${reason})`);
      return finish(samples, targetRate, targetRate, 1, 'ffmpeg', warnings, path);
    } catch (ffErr) {
      const kind: AudioErrorKind = looksLikeAudio(bytes) ? 'decode_failed' : 'not_audio';
      throw new AudioDecodeError(
        path,
        kind,
        `${path}: ${kind === 'not_audio' ? 'is not an audio file' : 'could not be decoded'} (audio-decode: ${reason}; ffmpeg: ${(ffErr as Error).message})`,
      );
    }
  }

  const truncation = wavTruncation(bytes);
  if (truncation) {
    warnings.push(
      `${path}: truncated WAV: the header announces ${truncation.declaredBytes} data bytes but only ${truncation.availableBytes} are present; using the ${channelData[0].length} samples that exist`,
    );
  }
  const mono = mixDown(channelData);
  const samples = originalSampleRate === targetRate ? mono : await resample(mono, originalSampleRate, targetRate);
  return finish(samples, targetRate, originalSampleRate, channelData.length, decoder, warnings, path);
}

function finish(
  samples: Float32Array,
  sampleRate: number,
  originalSampleRate: number,
  channels: number,
  decoder: DecodedAudio['decoder'],
  warnings: string[],
  path: string,
): DecodedAudio {
  for (let i = 0; i < samples.length; i++) {
    if (!Number.isFinite(samples[i])) {
      throw new AudioDecodeError(path, 'decode_failed', `${path}: decoded audio holds NaN/Inf at sample ${i}`);
    }
  }
  return { samples, sampleRate, durationSeconds: samples.length / sampleRate, originalSampleRate, channels, decoder, warnings };
}

/** Average the channels into one (a copy, even for mono input). */
export function mixDown(channels: Float32Array[]): Float32Array {
  if (channels.length === 1) return Float32Array.from(channels[0]);
  const n = Math.min(...channels.map((c) => c.length));
  const out = new Float32Array(n);
  for (const channel of channels) {
    for (let i = 0; i < n; i++) out[i] += channel[i];
  }
  const scale = 1 / channels.length;
  for (let i = 0; i < n; i++) out[i] *= scale;
  return out;
}

/**
 * Band-limited resampling with libsamplerate (SRC_SINC_MEDIUM_QUALITY). The simple API does
 * not flush the filter tail, so the input is followed by zeros and the output trimmed to
 * round(n * to / from) samples.
 */
export async function resample(input: Float32Array, fromRate: number, toRate: number): Promise<Float32Array> {
  const expected = Math.round((input.length * toRate) / fromRate);
  if (fromRate === toRate) return Float32Array.from(input);
  if (input.length === 0) return new Float32Array(0);
  // Tail long enough for the sinc filter's delay (a few hundred input samples at most).
  const tail = Math.ceil(fromRate / 50) + 512;
  const padded = new Float32Array(input.length + tail);
  padded.set(input);
  const converter = await libsamplerate.create(1, fromRate, toRate, {
    converterType: libsamplerate.ConverterType.SRC_SINC_MEDIUM_QUALITY,
  });
  try {
    const out = converter.simple(padded);
    if (out.length >= expected) return out.slice(0, expected);
    const full = new Float32Array(expected);
    full.set(out);
    return full;
  } finally {
    converter.destroy();
  }
}

/** True for bytes that start like a known audio container (used to tell "not audio" from "broken audio"). */
function looksLikeAudio(bytes: Uint8Array): boolean {
  const tag = String.fromCharCode(...bytes.subarray(0, 4));
  if (['RIFF', 'RF64', 'RIFX', 'fLaC', 'OggS', 'FORM', 'caff', 'ID3'].includes(tag) || tag.startsWith('ID3')) return true;
  // MPEG audio frame sync, or an MP4 'ftyp' box.
  if (bytes.length > 1 && bytes[0] === 0xff && (bytes[1] & 0xe0) === 0xe0) return true;
  return bytes.length > 8 && String.fromCharCode(...bytes.subarray(4, 8)) === 'ftyp';
}

/** For a RIFF/WAVE file, compare the data chunk's declared size with the bytes that follow it. */
export function wavTruncation(bytes: Uint8Array): { declaredBytes: number; availableBytes: number } | null {
  if (bytes.length < 12) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const id = (at: number) => String.fromCharCode(bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]);
  if (id(0) !== 'RIFF' || id(8) !== 'WAVE') return null;
  let at = 12;
  while (at + 8 <= bytes.length) {
    const size = view.getUint32(at + 4, true);
    if (id(at) === 'data') {
      const available = bytes.length - (at + 8);
      // 0 and 0xFFFFFFFF are used by streaming writers for "unknown length".
      if (size === 0 || size === 0xffffffff) return null;
      return size > available ? { declaredBytes: size, availableBytes: available } : null;
    }
    at += 8 + size + (size % 2);
  }
  return null;
}

/** Path of the ffmpeg executable to use, or null. `setting`: see DecodeOptions.ffmpeg. */
export function resolveFfmpeg(setting: boolean | string | undefined = true): string | null {
  if (setting === false) return null;
  if (typeof setting === 'string') return setting;
  return findOnPath('ffmpeg');
}

/** Looked up on every call (only when audio-decode failed), so a PATH change is seen. */
function findOnPath(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // not in this folder
    }
  }
  return null;
}

/** True when `ffmpeg -version` runs (for tests and `exp doctor`-style checks). */
export function ffmpegAvailable(): boolean {
  const path = resolveFfmpeg(true);
  return path !== null && spawnSync(path, ['-version'], { stdio: 'ignore' }).status === 0;
}

/** openai-whisper's own load_audio call, with float output: `ffmpeg -i in -ac 1 -ar 16000 -f f32le -`. */
function decodeWithFfmpeg(ffmpeg: string, path: string, rate: number): Promise<Float32Array> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(ffmpeg, ['-nostdin', '-v', 'error', '-i', path, '-ac', '1', '-ar', String(rate), '-f', 'f32le', '-'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const out = Buffer.concat(chunks);
      if (code !== 0 || out.length === 0) {
        reject(new Error(stderr.trim().split('\n').pop() || `exit code ${code}, no samples`));
        return;
      }
      const copy = new Uint8Array(out.length - (out.length % 4));
      copy.set(out.subarray(0, copy.length));
      resolvePromise(new Float32Array(copy.buffer));
    });
  });
}
