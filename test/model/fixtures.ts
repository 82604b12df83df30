// Readers for the golden Whisper fixtures in ../shared/fixtures/whisper (read-only, never copied).
import { readFileSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const fixturesDir = join(resolve(repoRoot, '..', 'shared'), 'fixtures', 'whisper');
export const tinyRandomDir = join(fixturesDir, 'tiny-random');

export function readJson<T = any>(rel: string): T {
  return JSON.parse(readFileSync(join(fixturesDir, rel), 'utf8')) as T;
}

/** A float32 fixture: `NAME.bin` + its shape from `NAME.json`. */
export function readBin(relNoExt: string): { data: Float32Array; shape: number[] } {
  const buf = readFileSync(join(fixturesDir, `${relNoExt}.bin`));
  const data = new Float32Array(buf.byteLength / 4);
  new Uint8Array(data.buffer).set(buf);
  return { data, shape: readJson<{ shape: number[] }>(`${relNoExt}.json`).shape };
}

export const UTTS = ['utt1', 'utt2', 'utt3'];

/** input_features of the three utterances as one [3, 80, 3000] tensor (caller disposes). */
export function featuresBatch(ids = UTTS): tf.Tensor3D {
  const parts = ids.map((u) => readBin(`features/${u}.input_features`));
  const [m, t] = parts[0].shape;
  const all = new Float32Array(parts.length * m * t);
  parts.forEach((p, i) => all.set(p.data, i * m * t));
  return tf.tensor3d(all, [parts.length, m, t]);
}

export interface TokenItem { id: string; collator_labels: number[]; decoder_input_ids: number[] }
export function collatorBatch(): { labels: number[][]; decoderInputIds: number[][] } {
  const tok = readJson<{ items: TokenItem[] }>('tokens.json');
  return { labels: tok.items.map((i) => i.collator_labels), decoderInputIds: tok.items.map((i) => i.decoder_input_ids) };
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
}

export function l2(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return Math.sqrt(s);
}
