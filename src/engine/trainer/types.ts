// What the training loop needs from a model and from the data, kept apart from Whisper and the
// data pipeline so the loop can be tested with any small tfjs model (and read on its own).
import type * as tf from '@tensorflow/tfjs';

/** One batch as the loop sees it; the payload (features, labels) belongs to the model adapter. */
export interface Batch {
  /** Examples in the batch. */
  size: number;
  /** Label tokens the loss averages over (padding excluded): HF's num_items_in_batch. */
  tokenCount: number;
  /** Free the batch's tensors. */
  dispose(): void;
}

export interface TrainerModel<B extends Batch> {
  /**
   * Variables the optimizer updates (freezing already applied), keyed by stable parameter names
   * (HF weight names): optimizer state in checkpoints is stored under these names.
   */
  trainableVariables(): Record<string, tf.Variable>;
  /** Mean loss over the batch's label tokens. `seed` makes dropout reproducible. */
  loss(batch: B, options: { training: boolean; seed: number }): tf.Scalar;
  /** Write the model files (HF layout) into `dir`. */
  save(dir: string): Promise<void> | void;
  /** Load weights saved by `save` back into the live variables. */
  load(dir: string): Promise<void> | void;
}

export interface TrainerData<B extends Batch> {
  /** Batches in one epoch (the last one may be smaller). */
  batchesPerEpoch: number;
  /** The batch at a position; the same (epoch, index) always gives the same batch (seeded shuffle). */
  batch(epoch: number, index: number): Promise<B> | B;
}

/** Evaluation on data.eval: returns metrics without prefix (loss, and wer/cer when generating). */
export type Evaluator = (step: number) => Promise<Record<string, number>>;

export type Strategy = 'no' | 'steps' | 'epoch';

export interface TrainerOptions {
  outputDir: string;
  seed: number;
  batchSize: number;
  learningRate: number;
  weightDecay: number;
  adamBeta1: number;
  adamBeta2: number;
  adamEpsilon: number;
  maxGradNorm: number;
  gradientAccumulationSteps: number;
  /** > 0 wins over numTrainEpochs. */
  maxSteps: number;
  numTrainEpochs: number;
  lrSchedulerType: 'linear' | 'cosine' | 'constant' | 'constant_with_warmup';
  warmupSteps: number;
  warmupRatio: number;
  loggingSteps: number;
  evalStrategy: Strategy;
  evalSteps: number;
  saveStrategy: Strategy;
  saveSteps: number;
  saveTotalLimit?: number;
  metricForBestModel: string;
  greaterIsBetter: boolean;
  loadBestModelAtEnd: boolean;
  earlyStopping?: { patience: number; threshold: number };
  maxNanSteps: number;
}

export interface LogEntry {
  step: number;
  epoch: number;
  [key: string]: number;
}

export type TrainStatus = 'completed' | 'early_stopped' | 'killed';

export interface TrainResult {
  status: TrainStatus;
  globalStep: number;
  totalSteps: number;
  epoch: number;
  bestMetric?: number;
  bestCheckpoint?: string;
  nanSteps: number;
  logHistory: LogEntry[];
  /** Step the run resumed from (undefined for a fresh start). */
  resumedFrom?: number;
}

export interface TrainerHooks {
  /** Metrics for the run record (keys: loss, learning_rate, grad_norm, ..., eval_loss, eval_wer). */
  onMetrics?: (step: number, metrics: Record<string, number>) => void;
  /** Human-readable events (checkpoint saved, resumed, skipped NaN step, ...). */
  onEvent?: (message: string) => void;
  /** Ctrl-C / SIGTERM: the loop saves a checkpoint and returns status 'killed'. */
  signal?: AbortSignal;
}
