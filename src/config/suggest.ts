// "Did you mean ...?" for misspelt keys and values (Levenshtein distance over the allowed names).
import { distance } from 'fastest-levenshtein';

/**
 * The allowed name closest to `input`, if it is close enough to be a plausible typo: at most a third of
 * the longer word's letters differ, at least 2 (a swap), never the whole word (so `lr` does not suggest `seed`), case-insensitively.
 */
export function closestName(input: string, allowed: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of allowed) {
    const d = distance(input.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  if (best === undefined) return undefined;
  // A swap of two letters costs 2, so allow 2 even for short words, but never a whole-word rewrite.
  const longer = Math.max(input.length, best.length);
  const limit = Math.max(2, Math.floor(longer / 3));
  return bestDistance <= limit && bestDistance < Math.min(input.length, best.length) ? best : undefined;
}

/** A hint line: "did you mean `x`?" when one is close, else the list of allowed names. */
export function suggestionHint(input: string, allowed: readonly string[], what = 'allowed keys'): string {
  const close = closestName(input, allowed);
  if (close !== undefined) return `did you mean \`${close}\`?`;
  return allowed.length > 0 ? `${what}: ${allowed.join(', ')}` : 'remove it';
}
