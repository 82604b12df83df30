// save_total_limit rotation, HF's _sorted_checkpoints + _rotate_checkpoints: keep the newest
// `limit` checkpoints; the best one is moved just before the newest so it always survives, and
// with limit 1 and a best that is not the newest, two are kept (best + newest).

/** Steps of the checkpoints to delete, oldest first. */
export function checkpointsToDelete(steps: readonly number[], limit: number | undefined, bestStep?: number): number[] {
  if (limit === undefined || limit <= 0) return [];
  const sorted = [...steps].sort((a, b) => a - b);
  const bestIndex = bestStep === undefined ? -1 : sorted.indexOf(bestStep);
  if (bestIndex >= 0) {
    // bubble the best up to the second-to-last place (HF swaps it along)
    for (let i = bestIndex; i < sorted.length - 2; i++) [sorted[i], sorted[i + 1]] = [sorted[i + 1], sorted[i]];
  }
  let keep = limit;
  if (bestIndex >= 0 && limit === 1 && sorted[sorted.length - 1] !== bestStep) keep = 2;
  return sorted.slice(0, Math.max(0, sorted.length - keep)).sort((a, b) => a - b);
}
