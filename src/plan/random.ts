// Seeded pseudo-random numbers for `method: random` sweeps: the project's one generator, so the runs
// drawn from a given `sweep.seed` can never change because a dependency was upgraded.
export { seededRandom } from '../util/random.ts';
