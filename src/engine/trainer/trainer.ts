// The training loop: Hugging Face Seq2SeqTrainer semantics, nothing hidden.
//
// One optimizer step:
//   1) take the step's window of batches (plan.ts) and their label-token total N;
//   2) for each batch: gradients of loss_b * (tokens_b / N), summed over the window, so the
//      update follows the token-mean loss of the whole window (HF's num_items_in_batch averaging:
//      batch 4 x 1 and batch 2 x 2 give the same update);
//   3) NaN/Inf loss or gradient norm -> skip the update, count it, fail past max_nan_steps;
//   4) clip by global norm (clip_grad_norm_), set lr = peak * schedule(step), AdamW step;
//   5) every logging_steps: mean loss since the last log, lr, grad norm, samples/s, s/step;
//      every eval_steps: evaluate, track the best metric, early stopping;
//      every save_steps: checkpoint (atomic) and save_total_limit rotation.
// Ctrl-C / SIGTERM (the AbortSignal) -> checkpoint now, return 'killed'. A later call with the same
// outputDir resumes from the newest checkpoint and reproduces the uninterrupted run.
import * as tf from '@tensorflow/tfjs';
import { AdamW } from '../optim/adamw.ts';
import { clipByGlobalNorm } from '../optim/clip.ts';
import { lrFactor, warmupStepsFor, type ScheduleOptions } from '../schedules.ts';
import { UserError } from '../../util/errors.ts';
import { judgeEvaluation, type BestState } from './best-metric.ts';
import { checkpointDir, listCheckpoints, readCheckpoint, removeCheckpoint, removeStaleTemps, writeCheckpoint } from './checkpoint.ts';
import { checkpointsToDelete } from './rotation.ts';
import { dropoutSeed, epochAfter, planSteps, windowOf } from './plan.ts';
import type { Batch, Evaluator, LogEntry, TrainResult, TrainerData, TrainerHooks, TrainerModel, TrainerOptions, TrainStatus } from './types.ts';
import { markBackendUnusable } from '../backend-health.ts';

/** trainer_state.json: HF's fields plus what an exact resume needs. */
export interface TrainerState {
  global_step: number;
  max_steps: number;
  epoch: number;
  best_metric?: number;
  best_step?: number;
  best_model_checkpoint?: string;
  patience_counter: number;
  log_history: LogEntry[];
  /** Where the next step reads: epoch and batch index within it. */
  data_position: { epoch: number; batch: number };
  nan_steps: number;
  /** Loss sum and step count since the last log, so a log after a resume averages the same steps. */
  since_log: { loss_sum: number; steps: number };
  batches_per_epoch: number;
  gradient_accumulation_steps: number;
}

export interface SchedulerState extends ScheduleOptions {
  peak_lr: number;
  last_step: number;
}

export interface RngState {
  seed: number;
  /** How dropout seeds are derived (no hidden RNG state: everything follows from seed and step). */
  scheme: string;
}

const OOM_RE = /out of memory|\bOOM\b|Aborted\(\)|Cannot allocate|memory access out of bounds|Array buffer allocation failed|Invalid typed array length/i;

export function validateTrainerOptions(o: TrainerOptions): void {
  if (o.loadBestModelAtEnd) {
    if (o.evalStrategy === 'no') {
      throw new UserError('train.load_best_model_at_end needs evaluations: set train.eval_strategy to steps or epoch (and data.eval).');
    }
    if (o.saveStrategy !== o.evalStrategy) {
      throw new UserError(`train.load_best_model_at_end needs train.save_strategy (${o.saveStrategy}) equal to train.eval_strategy (${o.evalStrategy}), so the best evaluation has a checkpoint.`);
    }
    if (o.evalStrategy === 'steps' && o.saveSteps % o.evalSteps !== 0) {
      throw new UserError(`train.load_best_model_at_end needs train.save_steps (${o.saveSteps}) to be a multiple of train.eval_steps (${o.evalSteps}).`);
    }
  }
  if (o.earlyStopping && o.evalStrategy === 'no') {
    throw new UserError('train.early_stopping needs evaluations: set train.eval_strategy to steps or epoch (and data.eval).');
  }
}

export async function train<B extends Batch>(
  model: TrainerModel<B>,
  data: TrainerData<B>,
  options: TrainerOptions,
  evaluate: Evaluator | undefined,
  hooks: TrainerHooks = {},
  { resume = true }: { resume?: boolean } = {},
): Promise<TrainResult> {
  validateTrainerOptions(options);
  const o = options;
  const event = (m: string) => hooks.onEvent?.(m);
  const accum = o.gradientAccumulationSteps;
  const { updatesPerEpoch, totalSteps } = planSteps(data.batchesPerEpoch, accum, o.maxSteps, o.numTrainEpochs);
  const schedule: ScheduleOptions = { type: o.lrSchedulerType, totalSteps, warmupSteps: warmupStepsFor(totalSteps, o.warmupSteps, o.warmupRatio) };
  const named = model.trainableVariables();
  const variables = Object.values(named);
  // variableGrads keys gradients by tf variable name; the optimizer uses parameter names
  const paramName = new Map(Object.entries(named).map(([name, v]) => [v.name, name]));
  if (variables.length === 0) throw new UserError('nothing to train: train.freeze leaves no trainable weights.');
  const optimizer = new AdamW(named, { lr: o.learningRate, beta1: o.adamBeta1, beta2: o.adamBeta2, eps: o.adamEpsilon, weightDecay: o.weightDecay });

  let state: TrainerState = {
    global_step: 0,
    max_steps: totalSteps,
    epoch: 0,
    patience_counter: 0,
    log_history: [],
    data_position: { epoch: 0, batch: 0 },
    nan_steps: 0,
    since_log: { loss_sum: 0, steps: 0 },
    batches_per_epoch: data.batchesPerEpoch,
    gradient_accumulation_steps: accum,
  };
  let resumedFrom: number | undefined;

  // ---- resume from the newest complete checkpoint ----
  const stale = removeStaleTemps(o.outputDir);
  if (stale.length > 0) event(`removed ${stale.length} half-written checkpoint folder(s) left by an interrupted save`);
  const newest = resume ? listCheckpoints(o.outputDir).at(-1) : undefined;
  if (newest) {
    const saved = readCheckpoint<TrainerState, SchedulerState, RngState>(newest.path);
    const s = saved.trainerState;
    if (s.max_steps !== totalSteps || s.batches_per_epoch !== data.batchesPerEpoch || s.gradient_accumulation_steps !== accum) {
      throw new UserError(
        `${newest.path}: this checkpoint was made for ${s.max_steps} steps, ${s.batches_per_epoch} batches per epoch, accumulation ${s.gradient_accumulation_steps}; ` +
          `the run now has ${totalSteps}, ${data.batchesPerEpoch}, ${accum}. Restore the original settings, or delete ${o.outputDir} to start over.`,
      );
    }
    await model.load(newest.path);
    optimizer.loadState(saved.optimizer);
    state = s;
    resumedFrom = s.global_step;
    event(`resumed from ${newest.path} (step ${s.global_step} of ${totalSteps})`);
  }

  const timer = { start: performance.now(), samples: 0, steps: 0 };
  let lastGradNorm = NaN;
  let status: TrainStatus = 'completed';
  let savedAtStep = resumedFrom ?? -1;

  const saveCheckpoint = async () => {
    const step = state.global_step;
    await writeCheckpoint(o.outputDir, step, (dir) => model.save(dir), {
      optimizer: optimizer.exportState(),
      scheduler: { ...schedule, peak_lr: o.learningRate, last_step: step } satisfies SchedulerState,
      rng: { seed: o.seed, scheme: 'dropout seed = hash(seed, global_step, micro_batch); data order = seeded shuffle per epoch' } satisfies RngState,
      trainerState: state,
    });
    savedAtStep = step;
    event(`saved ${checkpointDir(o.outputDir, step)}`);
    const steps = listCheckpoints(o.outputDir).map((c) => c.step);
    for (const old of checkpointsToDelete(steps, o.saveTotalLimit, state.best_step)) {
      removeCheckpoint(o.outputDir, old);
      event(`removed checkpoint-${old} (save_total_limit ${o.saveTotalLimit})`);
    }
  };

  const runEvaluation = async (): Promise<boolean> => {
    if (!evaluate) return false;
    const metrics = await evaluate(state.global_step);
    const entry: LogEntry = { step: state.global_step, epoch: state.epoch };
    for (const [k, v] of Object.entries(metrics)) entry[`eval_${k}`] = v;
    state.log_history.push(entry);
    hooks.onMetrics?.(state.global_step, Object.fromEntries(Object.entries(metrics).map(([k, v]) => [`eval_${k}`, v])));
    const value = metrics[o.metricForBestModel.replace(/^eval_/, '')];
    if (value === undefined) {
      throw new UserError(`train.metric_for_best_model is ${o.metricForBestModel} but the evaluation gives only ${Object.keys(metrics).join(', ')}; set eval.predict_with_generate: true for wer/cer.`);
    }
    const prev: BestState = { bestMetric: state.best_metric, bestStep: state.best_step, patienceCounter: state.patience_counter };
    const verdict = judgeEvaluation(prev, value, state.global_step, { greaterIsBetter: o.greaterIsBetter, earlyStopping: o.earlyStopping });
    state.best_metric = verdict.state.bestMetric;
    state.best_step = verdict.state.bestStep;
    state.best_model_checkpoint = state.best_step === undefined ? undefined : checkpointDir(o.outputDir, state.best_step);
    state.patience_counter = verdict.state.patienceCounter;
    if (verdict.shouldStop) event(`early stopping: ${o.metricForBestModel} has not improved for ${state.patience_counter} evaluations`);
    return verdict.shouldStop;
  };

  while (state.global_step < totalSteps) {
    if (hooks.signal?.aborted) {
      status = 'killed';
      break;
    }
    const step = state.global_step;
    const window = windowOf(step, data.batchesPerEpoch, accum);
    const lr = o.learningRate * lrFactor(step, schedule);
    let stepLoss: number;
    let gradNorm: number;
    let samples = 0;
    try {
      const batches: B[] = [];
      for (const index of window.batches) batches.push(await data.batch(window.epoch, index));
      const tokens = batches.reduce((n, b) => n + b.tokenCount, 0);
      samples = batches.reduce((n, b) => n + b.size, 0);
      let summed: tf.NamedTensorMap | undefined;
      stepLoss = 0;
      batches.forEach((batch, micro) => {
        const weight = tokens > 0 ? batch.tokenCount / tokens : 1 / batches.length;
        const seed = dropoutSeed(o.seed, step, micro);
        const { value, grads: byVar } = tf.variableGrads(() => tf.mul(model.loss(batch, { training: true, seed }), weight) as tf.Scalar, variables);
        const grads: tf.NamedTensorMap = {};
        for (const [varName, g] of Object.entries(byVar)) grads[paramName.get(varName)!] = g;
        stepLoss += value.dataSync()[0];
        value.dispose();
        batch.dispose();
        if (!summed) summed = grads;
        else {
          for (const [name, g] of Object.entries(grads)) {
            const prev = summed[name];
            summed[name] = prev ? tf.add(prev, g) : g;
            if (prev) {
              prev.dispose();
              g.dispose();
            }
          }
        }
      });
      const grads = summed ?? {};
      const clipped = clipByGlobalNorm(grads, o.maxGradNorm);
      gradNorm = clipped.totalNorm;
      tf.dispose(Object.values(grads));
      if (Number.isFinite(stepLoss) && Number.isFinite(gradNorm)) {
        optimizer.setLr(lr);
        optimizer.applyGradients(clipped.grads);
      }
      tf.dispose(Object.values(clipped.grads));
    } catch (error) {
      throw asOomError(error, o.batchSize, accum);
    }

    state.global_step = step + 1;
    state.epoch = epochAfter(state.global_step, updatesPerEpoch);
    const next = windowOf(state.global_step, data.batchesPerEpoch, accum);
    state.data_position = { epoch: next.epoch, batch: next.batches[0] ?? 0 };
    timer.samples += samples;
    timer.steps += 1;

    if (!Number.isFinite(stepLoss) || !Number.isFinite(gradNorm)) {
      state.nan_steps += 1;
      event(`step ${state.global_step}: loss ${stepLoss} / grad norm ${gradNorm} is not finite; update skipped (${state.nan_steps} so far)`);
      if (state.nan_steps > o.maxNanSteps) {
        throw new UserError(
          `training diverged: ${state.nan_steps} steps had a NaN/Inf loss or gradient (train.max_nan_steps is ${o.maxNanSteps}). ` +
            'Lower train.learning_rate, keep train.max_grad_norm > 0, add warmup, or check the data for empty/garbled transcripts.',
          1,
        );
      }
    } else {
      state.since_log.loss_sum += stepLoss;
      state.since_log.steps += 1;
      lastGradNorm = gradNorm;
    }

    // ---- log ----
    if (state.global_step % o.loggingSteps === 0 || state.global_step === totalSteps) {
      const seconds = (performance.now() - timer.start) / 1000;
      const metrics: Record<string, number> = {
        loss: state.since_log.steps > 0 ? state.since_log.loss_sum / state.since_log.steps : NaN,
        grad_norm: lastGradNorm,
        // HF logs the rate the scheduler holds after its step, i.e. the next step's
        learning_rate: o.learningRate * lrFactor(state.global_step, schedule),
        samples_per_second: timer.samples / Math.max(seconds, 1e-9),
        seconds_per_step: seconds / Math.max(timer.steps, 1),
      };
      state.log_history.push({ step: state.global_step, epoch: state.epoch, loss: metrics.loss, grad_norm: metrics.grad_norm, learning_rate: metrics.learning_rate });
      hooks.onMetrics?.(state.global_step, { ...metrics, epoch: state.epoch });
      state.since_log = { loss_sum: 0, steps: 0 };
      Object.assign(timer, { start: performance.now(), samples: 0, steps: 0 });
    }

    // ---- evaluate / save ----
    const epochEnded = state.global_step % updatesPerEpoch === 0;
    const due = (strategy: string, every: number) => (strategy === 'steps' && state.global_step % every === 0) || (strategy === 'epoch' && epochEnded);
    let stop = false;
    if (due(o.evalStrategy, o.evalSteps)) stop = await runEvaluation();
    if (due(o.saveStrategy, o.saveSteps)) await saveCheckpoint();
    if (stop) {
      status = 'early_stopped';
      break;
    }
  }

  if (status === 'killed' && savedAtStep !== state.global_step && state.global_step > 0) await saveCheckpoint();

  if (status !== 'killed' && o.loadBestModelAtEnd && state.best_step !== undefined) {
    const best = checkpointDir(o.outputDir, state.best_step);
    // when the best is the last step, the live weights already are the best model
    if (state.best_step !== state.global_step) {
      await model.load(best);
      event(`loaded the best model (${o.metricForBestModel} ${state.best_metric}) from ${best}`);
    }
  }
  optimizer.dispose();
  return {
    status,
    globalStep: state.global_step,
    totalSteps,
    epoch: state.epoch,
    bestMetric: state.best_metric,
    bestCheckpoint: state.best_model_checkpoint,
    nanSteps: state.nan_steps,
    logHistory: state.log_history,
    resumedFrom,
  };
}

/** Turn a backend allocation failure into an actionable message; other errors pass through. */
export function asOomError(error: unknown, batchSize: number, accum: number): unknown {
  const message = error instanceof Error ? error.message : String(error);
  if (!OOM_RE.test(message)) return error;
  if (tf.getBackend() === 'wasm') markBackendUnusable(`the wasm module ran out of memory (${message})`);
  return new UserError(
    `out of memory while training with train.batch_size ${batchSize} (gradient_accumulation_steps ${accum}): ${message}\n` +
      `Hint: halve train.batch_size and double train.gradient_accumulation_steps (same effective batch), ` +
      'shorten model.init.chunk_length / data.max_duration_seconds, or set train.gradient_checkpointing: true.',
    1,
  );
}
