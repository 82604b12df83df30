// Best-model tracking and early stopping, as HF's Trainer and EarlyStoppingCallback decide them.
//   - a metric is a new best when there is no best yet or it beats the best (> or <, strictly);
//   - early stopping compares with the best *before* this evaluation: the patience counter resets
//     only when the metric beats the best by more than `threshold`, otherwise it grows; training
//     stops once the counter reaches `patience`.

export interface BestState {
  /** Best value of metric_for_best_model so far (undefined before the first evaluation). */
  bestMetric?: number;
  /** Step of the evaluation that produced it (its checkpoint is checkpoint-<bestStep>). */
  bestStep?: number;
  /** Evaluations in a row without an improvement larger than the threshold. */
  patienceCounter: number;
}

export interface BestOptions {
  greaterIsBetter: boolean;
  /** Early stopping; undefined = never stop early. */
  earlyStopping?: { patience: number; threshold: number };
}

export interface EvalVerdict {
  state: BestState;
  isNewBest: boolean;
  shouldStop: boolean;
}

/** HF's default: greater_is_better is false for loss, wer and cer unless set. */
export function defaultGreaterIsBetter(metric: string): boolean {
  return !['loss', 'wer', 'cer'].includes(metric.replace(/^eval_/, ''));
}

export function judgeEvaluation(prev: BestState, value: number, step: number, opts: BestOptions): EvalVerdict {
  const better = (a: number, b: number) => (opts.greaterIsBetter ? a > b : a < b);
  let patienceCounter = prev.patienceCounter;
  if (opts.earlyStopping) {
    const improved =
      prev.bestMetric === undefined ||
      (better(value, prev.bestMetric) && Math.abs(value - prev.bestMetric) > opts.earlyStopping.threshold);
    patienceCounter = improved ? 0 : patienceCounter + 1;
  }
  const isNewBest = Number.isFinite(value) && (prev.bestMetric === undefined || better(value, prev.bestMetric));
  const state: BestState = isNewBest ? { bestMetric: value, bestStep: step, patienceCounter } : { ...prev, patienceCounter };
  const shouldStop = opts.earlyStopping !== undefined && patienceCounter >= opts.earlyStopping.patience;
  return { state, isNewBest, shouldStop };
}
