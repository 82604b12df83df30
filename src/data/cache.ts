/**
 * On-disk feature cache, content-addressed: key = sha256(audio file bytes, extractor config hash,
 * target sample rate). The same audio under another name or in another run hits; changing the
 * extractor config (mel bins, window) misses. Entries are written atomically, so a crashed or
 * concurrent writer (sweep children) never leaves a half entry: the .json is written last and
 * marks the entry complete.
 *
 * Layout: `<dir>/features/<key[0..2]>/<key>.json` (audio facts) and `<key>.f32` (float32 LE
 * features [nMels * frames]; absent for clips that were too long to featurize).
 */
import { readFile, stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/fs-atomic.ts';

/** What is known about one audio file, so a warm run never decodes it again. */
export interface CacheMeta {
  durationSeconds: number;
  originalSampleRate: number;
  channels: number;
  warnings: string[];
  /** Shape of the stored features, or null when none were stored. */
  features: { nMels: number; frames: number } | null;
}

export function featureCacheKey(audioBytes: Uint8Array, configHash: string, targetRate: number): string {
  return createHash('sha256')
    .update(createHash('sha256').update(audioBytes).digest('hex'))
    .update(`|${configHash}|${targetRate}`)
    .digest('hex');
}

export class FeatureCache {
  constructor(readonly dir: string) {}

  private base(key: string): string {
    return join(this.dir, 'features', key.slice(0, 2), key);
  }

  featuresPath(key: string): string {
    return `${this.base(key)}.f32`;
  }

  async getMeta(key: string): Promise<CacheMeta | null> {
    try {
      return JSON.parse(await readFile(`${this.base(key)}.json`, 'utf8')) as CacheMeta;
    } catch {
      // Missing or unreadable entry: treat as a miss; it will be recomputed and rewritten.
      return null;
    }
  }

  /** Features of an entry, or null when absent or the wrong size (then recompute). */
  async getFeatures(key: string, expected: { nMels: number; frames: number }): Promise<Float32Array | null> {
    try {
      const buf = await readFile(this.featuresPath(key));
      if (buf.byteLength !== expected.nMels * expected.frames * 4) return null;
      const copy = new Uint8Array(buf.byteLength);
      copy.set(buf);
      return new Float32Array(copy.buffer);
    } catch {
      return null;
    }
  }

  /** Whether the features file exists with the expected size (without reading it). */
  async hasFeatures(key: string, expected: { nMels: number; frames: number }): Promise<boolean> {
    try {
      return (await stat(this.featuresPath(key))).size === expected.nMels * expected.frames * 4;
    } catch {
      return false;
    }
  }

  /** Store an entry: features first, then the meta that marks it complete. */
  async put(key: string, meta: CacheMeta, features?: Float32Array): Promise<void> {
    if (features) {
      writeFileAtomic(this.featuresPath(key), new Uint8Array(features.buffer, features.byteOffset, features.byteLength));
    }
    writeFileAtomic(`${this.base(key)}.json`, JSON.stringify(meta));
  }
}
