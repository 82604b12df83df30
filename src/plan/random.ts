// Seeded pseudo-random numbers for `method: random` sweeps. A fixed, hand-written generator
// (mulberry32) rather than a library, so the runs drawn from a given `sweep.seed` can never change
// because a dependency was upgraded.

/** Returns a function giving floats in [0, 1), determined by `seed`. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
