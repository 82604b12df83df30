// Where each optimizer step takes its batches from. Positions are a pure function of the step
// number, so a resumed run reads exactly the batches an uninterrupted run would have read.
//   - an epoch has ceil(batchesPerEpoch / accum) updates; the last window of an epoch may hold
//     fewer batches (HF >= 4.47 does the same); windows never cross an epoch boundary;
//   - total steps = max_steps when > 0, else ceil(num_train_epochs * updates per epoch).

export interface StepPlan {
  updatesPerEpoch: number;
  totalSteps: number;
}

export function planSteps(batchesPerEpoch: number, accum: number, maxSteps: number, numTrainEpochs: number): StepPlan {
  if (batchesPerEpoch < 1) throw new Error('planSteps: the training set has no batches');
  const updatesPerEpoch = Math.ceil(batchesPerEpoch / accum);
  const totalSteps = maxSteps > 0 ? maxSteps : Math.ceil(numTrainEpochs * updatesPerEpoch);
  return { updatesPerEpoch, totalSteps };
}

/** The (epoch, batch index) pairs that optimizer step `step` (0-based) accumulates over. */
export function windowOf(step: number, batchesPerEpoch: number, accum: number): { epoch: number; batches: number[] } {
  const updatesPerEpoch = Math.ceil(batchesPerEpoch / accum);
  const epoch = Math.floor(step / updatesPerEpoch);
  const first = (step % updatesPerEpoch) * accum;
  const last = Math.min(first + accum, batchesPerEpoch);
  return { epoch, batches: Array.from({ length: last - first }, (_, i) => first + i) };
}

/** Fractional epoch after `stepsDone` optimizer steps (HF's state.epoch). */
export function epochAfter(stepsDone: number, updatesPerEpoch: number): number {
  return stepsDone / updatesPerEpoch;
}

/** A 31-bit seed for dropout in one micro-batch, derived from the run seed and the position. */
export function dropoutSeed(seed: number, step: number, micro: number): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (const x of [step, micro]) {
    h = Math.imul(h ^ x, 0x85ebca6b) >>> 0;
    h = (h ^ (h >>> 13)) >>> 0;
    h = Math.imul(h, 0xc2b2ae35) >>> 0;
    h = (h ^ (h >>> 16)) >>> 0;
  }
  return h & 0x7fffffff;
}
