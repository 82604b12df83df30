// The one seeded pseudo-random generator of the project (mulberry32): sweep draws, data shuffling and
// the demo corpus all use it. Hand-written rather than a library so that what a given seed produces
// (which runs a random sweep draws, the order of batches) can never change with a dependency upgrade.
// Not for anything security-related.

export type Random = () => number;

/** Floats in [0, 1), determined by `seed`. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher-Yates shuffle into a new array. */
export function shuffled<T>(random: Random, items: readonly T[]): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
