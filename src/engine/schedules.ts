// Learning-rate schedules, exactly as Hugging Face's `get_scheduler` builds them
// (transformers/optimization.py): a LambdaLR whose factor multiplies the peak learning rate.
// `step` is the number of optimizer steps already taken: the first update uses factor(0),
// which is 0 during warmup, as in HF.

export type ScheduleType = 'linear' | 'cosine' | 'constant' | 'constant_with_warmup';

export interface ScheduleOptions {
  type: ScheduleType;
  /** Total optimizer steps of the run (HF num_training_steps). */
  totalSteps: number;
  warmupSteps: number;
}

/** HF's get_warmup_steps: warmup_steps if > 0, else ceil(total * warmup_ratio). */
export function warmupStepsFor(totalSteps: number, warmupSteps: number, warmupRatio: number): number {
  return warmupSteps > 0 ? warmupSteps : Math.ceil(totalSteps * warmupRatio);
}

/** The multiplier of the peak learning rate after `step` optimizer steps. */
export function lrFactor(step: number, { type, totalSteps, warmupSteps }: ScheduleOptions): number {
  // 1) linear warmup (every schedule but `constant`)
  if (type !== 'constant' && step < warmupSteps) return step / Math.max(1, warmupSteps);
  switch (type) {
    case 'constant':
    case 'constant_with_warmup':
      return 1;
    // 2) linear decay to 0 at totalSteps
    case 'linear':
      return Math.max(0, (totalSteps - step) / Math.max(1, totalSteps - warmupSteps));
    // 3) half a cosine wave from 1 down to 0 (num_cycles 0.5)
    case 'cosine': {
      const progress = (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps);
      return Math.max(0, 0.5 * (1 + Math.cos(Math.PI * 0.5 * 2 * progress)));
    }
  }
}

/** A schedule bound to a peak learning rate: lr(step) = peak * factor(step). */
export function makeSchedule(peakLr: number, options: ScheduleOptions): (step: number) => number {
  return (step) => peakLr * lrFactor(step, options);
}
