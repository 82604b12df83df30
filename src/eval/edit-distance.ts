// Levenshtein distance between two token sequences (words or characters), unit costs.
// Two rolling rows: O(n*m) time, O(m) memory.

export function editDistance<T>(ref: readonly T[], hyp: readonly T[]): number {
  if (ref.length === 0) return hyp.length;
  if (hyp.length === 0) return ref.length;
  let prev = Array.from({ length: hyp.length + 1 }, (_, j) => j);
  let cur = new Array<number>(hyp.length + 1);
  for (let i = 1; i <= ref.length; i++) {
    cur[0] = i;
    for (let j = 1; j <= hyp.length; j++) {
      const substitution = prev[j - 1] + (ref[i - 1] === hyp[j - 1] ? 0 : 1);
      cur[j] = Math.min(substitution, prev[j] + 1, cur[j - 1] + 1);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[hyp.length];
}
