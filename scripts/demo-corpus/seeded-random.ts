// Seeded helpers for the demo corpus generator: the same voice settings, split and file names on
// every rebuild. The generator itself is the project's shared one (src/util/random.ts).
import { seededRandom, shuffled, type Random } from '../../src/util/random.ts';

export { seededRandom, shuffled, type Random };

export function pick<T>(random: Random, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)];
}

/** A version-4 UUID whose 122 random bits come from `random` (DVoice names its wavs with UUID4s). */
export function seededUuid4(random: Random): string {
  const bytes = Array.from({ length: 16 }, () => Math.floor(random() * 256));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
