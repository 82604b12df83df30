// Sweep expansion: turns the `sweep` block into one list of overrides per run (pure, deterministic).
// grid = cartesian product (first parameter outermost, like itertools.product); random = `trials`
// distinct draws reproducible from `sweep.seed`; list = the variants as written.
import type { Sweep, SweepDistribution } from '../config/spec.generated.ts';
import { canonicalJson } from '../util/hash.ts';
import { seededRandom } from './random.ts';

/** Dotted spec path -> value, in the order the sweep lists them. */
export type Overrides = Record<string, unknown>;

export interface Expansion {
  runs: Overrides[];
  /** Non-fatal notes (e.g. a random sweep whose space holds fewer distinct runs than `trials`). */
  warnings: string[];
}

export function expandSweep(sweep: Sweep): Expansion {
  switch (sweep.method) {
    case 'grid':
      return { runs: expandGrid(sweep.parameters ?? {}), warnings: [] };
    case 'random':
      return expandRandom(sweep.parameters ?? {}, sweep.trials ?? 1, sweep.seed ?? 0);
    case 'list':
      return { runs: (sweep.variants ?? []).map((variant) => ({ ...(variant as Overrides) })), warnings: [] };
  }
}

function listedValues(distribution: SweepDistribution): unknown[] | undefined {
  if (Array.isArray(distribution)) return distribution;
  if ('values' in distribution && Array.isArray(distribution.values)) return distribution.values;
  return undefined;
}

export function expandGrid(parameters: Record<string, SweepDistribution>): Overrides[] {
  let runs: Overrides[] = [{}];
  for (const [path, distribution] of Object.entries(parameters)) {
    const values = listedValues(distribution);
    if (!values) throw new Error(`grid parameter ${path} has no value list (validation should have caught this)`);
    runs = runs.flatMap((run) => values.map((value) => ({ ...run, [path]: value })));
  }
  return runs;
}

/** One draw of one parameter. */
function draw(distribution: SweepDistribution, random: () => number): unknown {
  if (Array.isArray(distribution) || 'values' in distribution) {
    const values = listedValues(distribution)!;
    return values[Math.floor(random() * values.length)];
  }
  if ('uniform' in distribution) {
    const [low, high] = distribution.uniform;
    return low + (high - low) * random();
  }
  if ('loguniform' in distribution) {
    const [low, high] = distribution.loguniform;
    return Math.exp(Math.log(low) + (Math.log(high) - Math.log(low)) * random());
  }
  const [low, high] = distribution.int;
  return low + Math.floor(random() * (high - low + 1));
}

/**
 * `trials` distinct combinations. A repeated combination is drawn again (it would be the same run);
 * after 50 tries per trial the space is taken to be smaller than `trials`, with a warning.
 */
export function expandRandom(parameters: Record<string, SweepDistribution>, trials: number, seed: number): Expansion {
  const random = seededRandom(seed);
  const runs: Overrides[] = [];
  const seen = new Set<string>();
  for (let attempt = 0; runs.length < trials && attempt < trials * 50; attempt++) {
    const run: Overrides = {};
    for (const [path, distribution] of Object.entries(parameters)) run[path] = draw(distribution, random);
    const key = canonicalJson(run);
    if (seen.has(key)) continue;
    seen.add(key);
    runs.push(run);
  }
  const warnings = runs.length < trials ? [`the random sweep asked for ${trials} trials but its values allow only ${runs.length} distinct runs; planning ${runs.length}`] : [];
  return { runs, warnings };
}
