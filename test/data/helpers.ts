// Paths to the shared reference data (../shared beside the checkout) and small readers.
import { readFileSync, rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const sharedDir = resolve(repoRoot, '..', 'shared');
export const edgeCases = join(sharedDir, 'data', 'audio-edge-cases');
export const dvoiceProblems = join(edgeCases, 'dvoice-problems');
export const darijaSynth = join(sharedDir, 'data', 'darija-synth');
export const whisperFixtures = join(sharedDir, 'fixtures', 'whisper');
export const tinyRandom = join(whisperFixtures, 'tiny-random');

/** A raw little-endian float32 .bin file as a Float32Array. */
export function readFloat32(path: string): Float32Array {
  const buf = readFileSync(path);
  const copy = new Uint8Array(buf.byteLength);
  copy.set(buf);
  return new Float32Array(copy.buffer);
}

export function readJson<T = any>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

// Temp folders (feature caches hold ~1 MB per clip) are removed when the test process exits.
const created: string[] = [];
process.on('exit', () => {
  for (const dir of created) rmSync(dir, { recursive: true, force: true });
});

export async function tempDir(prefix = 'exp-data-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}

export function maxAbsDiff(a: Float32Array, b: Float32Array, n = Math.min(a.length, b.length)): number {
  let m = 0;
  for (let i = 0; i < n; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Pearson correlation of the first n samples. */
export function correlation(a: Float32Array, b: Float32Array, n = Math.min(a.length, b.length)): number {
  let ma = 0, mb = 0;
  for (let i = 0; i < n; i++) { ma += a[i]; mb += b[i]; }
  ma /= n; mb /= n;
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < n; i++) {
    const x = a[i] - ma, y = b[i] - mb;
    sab += x * y; saa += x * x; sbb += y * y;
  }
  return sab / Math.sqrt(saa * sbb);
}
