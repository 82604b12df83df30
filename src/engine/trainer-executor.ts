// The `trainer` executor: what `exp run` does for one planned run.
//   resolve options from the spec -> pick the backend -> model (checkpoint or random init) ->
//   data (clean, tokenize, features) -> train (resumable) -> save the final model to <runDir>/model
//   -> evaluate data.test with greedy decoding -> WER/CER + predictions.tsv.
import { join } from 'node:path';
import type { RunContext, RunExecutor, RunResult } from './executor.ts';
import type { ExperimentSpec } from '../config/spec.generated.ts';
import { selectBackend, describeBackend, type BackendChoice } from './backend.ts';
import { initWhisper, loadWhisper, saveWhisper } from '../model/whisper/io.ts';
import type { WhisperModel } from '../model/whisper/model.ts';
import { prepareData, type PreparedData } from '../data/pipeline.ts';
import { normalizeText, type NormalizeStep } from '../data/text.ts';
import type { SourceSpec } from '../data/sources.ts';
import { writePredictionsTsv } from '../eval/predictions.ts';
import { scoringNormalizer } from '../eval/whisper-normalizer.ts';
import { UserError } from '../util/errors.ts';
import { train, asOomError, validateTrainerOptions } from './trainer/trainer.ts';
import { listCheckpoints } from './trainer/checkpoint.ts';
import { defaultGreaterIsBetter } from './trainer/best-metric.ts';
import { whisperTrainerData, whisperTrainerModel, type FreezePart } from './trainer/whisper-adapter.ts';
import { evaluateWhisper, type EvalOptions } from './trainer/whisper-eval.ts';
import type { TrainerOptions } from './trainer/types.ts';

/** HF Seq2SeqTrainingArguments defaults for anything the resolved spec leaves out. */
export function trainerOptionsFromSpec(spec: ExperimentSpec, outputDir: string): TrainerOptions {
  const t = spec.train ?? {};
  const metric = t.metric_for_best_model ?? 'loss';
  const loggingSteps = t.logging_steps ?? 500;
  return {
    outputDir,
    seed: spec.seed ?? 42,
    batchSize: t.batch_size ?? 8,
    learningRate: t.learning_rate ?? 5e-5,
    weightDecay: t.weight_decay ?? 0,
    adamBeta1: t.adam_beta1 ?? 0.9,
    adamBeta2: t.adam_beta2 ?? 0.999,
    adamEpsilon: t.adam_epsilon ?? 1e-8,
    maxGradNorm: t.max_grad_norm ?? 1.0,
    gradientAccumulationSteps: t.gradient_accumulation_steps ?? 1,
    maxSteps: t.max_steps ?? -1,
    numTrainEpochs: t.num_train_epochs ?? 3,
    lrSchedulerType: t.lr_scheduler_type ?? 'linear',
    warmupSteps: t.warmup_steps ?? 0,
    warmupRatio: t.warmup_ratio ?? 0,
    loggingSteps,
    evalStrategy: t.eval_strategy ?? 'no',
    evalSteps: t.eval_steps ?? loggingSteps,
    saveStrategy: t.save_strategy ?? 'steps',
    saveSteps: t.save_steps ?? 500,
    saveTotalLimit: t.save_total_limit,
    metricForBestModel: metric,
    greaterIsBetter: t.greater_is_better ?? defaultGreaterIsBetter(metric),
    loadBestModelAtEnd: t.load_best_model_at_end ?? false,
    earlyStopping: t.early_stopping ? { patience: t.early_stopping.patience, threshold: t.early_stopping.threshold ?? 0 } : undefined,
    maxNanSteps: t.max_nan_steps ?? 10,
  };
}

/** tfjs 4.22 trains in float32 on every backend: say so instead of pretending to honour fp16/bf16. */
export function precisionNote(precision: string | undefined, backend: string): string | undefined {
  if (!precision || precision === 'fp32') return undefined;
  return `train.precision ${precision}: the ${backend} backend of tfjs has no ${precision} training, so this run trains in fp32`;
}

async function buildModel(spec: ExperimentSpec): Promise<{ model: WhisperModel; tokenizerDir: string; chunkLength?: number }> {
  if (spec.model.checkpoint) return { model: await loadWhisper(spec.model.checkpoint), tokenizerDir: spec.model.checkpoint };
  const init = spec.model.init;
  if (!init) throw new UserError('model: set either model.checkpoint or model.init');
  if (!init.tokenizer) {
    throw new UserError('model.init.tokenizer: a random-init model needs a folder with the Whisper tokenizer files (tokenizer.json, preprocessor_config.json, ...)');
  }
  const overrides: Record<string, unknown> = { ...(init.overrides ?? {}) };
  if (init.chunk_length !== undefined) overrides.chunk_length = init.chunk_length;
  const model = initWhisper(init.config, overrides, spec.seed ?? 42, { tokenizerDir: init.tokenizer });
  return { model, tokenizerDir: init.tokenizer, chunkLength: init.chunk_length };
}

export class TrainerExecutor implements RunExecutor {
  async execute(ctx: RunContext): Promise<RunResult> {
    const { spec, runDir, reporter } = ctx;

    // settings that cannot work fail here, before any data or model is loaded
    const options = trainerOptionsFromSpec(spec, runDir);
    validateTrainerOptions(options);
    const e = spec.eval ?? {};
    if (options.evalStrategy !== 'no' && options.metricForBestModel !== 'loss' && !e.predict_with_generate) {
      throw new UserError(`train.metric_for_best_model is ${options.metricForBestModel}, which needs transcripts: set eval.predict_with_generate: true (or rank by loss)`);
    }
    if (options.evalStrategy !== 'no' && !spec.data.eval) {
      throw new UserError(`train.eval_strategy is ${options.evalStrategy} but data.eval names no source; add data.eval or set train.eval_strategy: no`);
    }

    // ---- backend ----
    reporter.stage('load', 'start', 'backend and model');
    const backend = await selectBackend((ctx.backend || 'auto') as BackendChoice);
    ctx.log(`backend ${describeBackend(backend)}`);
    ctx.record.update({ backend: backend.name });
    const note = precisionNote(spec.train?.precision, backend.name);
    if (note) {
      reporter.warn(note);
      ctx.log(note);
    }

    // ---- model ----
    const { model, tokenizerDir, chunkLength } = await buildModel(spec);
    model.gradientCheckpointing = spec.train?.gradient_checkpointing ?? false;
    reporter.stage('load', 'done', `${backend.name}; ${model.config.d_model}-wide, ${model.config.encoder_layers}+${model.config.decoder_layers} layers`);
    try {
      // ---- data ----
      reporter.stage('prepare', 'start', 'reading, cleaning and featurizing the data');
      const d = spec.data;
      const data: PreparedData = await prepareData({
        sources: d.sources as Record<string, SourceSpec>,
        train: d.train,
        eval: d.eval,
        test: d.test,
        onError: d.on_error,
        maxSkippedFraction: d.max_skipped_fraction,
        maxDurationSeconds: d.max_duration_seconds,
        normalize: (d.text?.normalize ?? []) as NormalizeStep[],
        tokenizerDir,
        chunkLength,
        language: spec.model.language,
        task: spec.model.task,
        maxTargetPositions: model.config.max_target_positions,
        cacheDir: ctx.settings.cacheDir,
        runDir,
        onProgress: (p) => reporter.progress('prepare', { done: p.done, total: p.total, message: p.split, values: { skipped: p.skipped } }),
      });
      const { train: trainSet, eval: evalSet, test: testSet } = data.splits;
      reporter.stage('prepare', 'done', `${trainSet.length} train, ${evalSet?.length ?? 0} eval, ${testSet?.length ?? 0} test`);
      if (ctx.signal.aborted) return { status: 'killed' };

      // ---- train ----
      const steps = (d.text?.normalize ?? []) as NormalizeStep[];
      // references already went through data.text.normalize; transcripts get the same steps, then
      // both get eval.normalizer
      const basic = scoringNormalizer(e.normalizer);
      const evalOptions = (generate: boolean): EvalOptions => ({
        batchSize: e.batch_size ?? 8,
        nMels: data.extractor.nMels,
        frames: data.extractor.frames,
        generate: generate
          ? { maxLength: e.generation_max_length ?? 225, metrics: e.metrics ?? ['wer', 'cer'], normalize: (s) => basic(normalizeText(s, steps)) }
          : undefined,
      });
      const evaluator =
        evalSet && options.evalStrategy !== 'no'
          ? async () => (await evaluateWhisper(model, evalSet, data.tokenizer, evalOptions(e.predict_with_generate ?? false))).metrics
          : undefined;
      reporter.stage('train', 'start');
      let lastLoss: number | undefined;
      const result = await train(
        whisperTrainerModel(model, (spec.train?.freeze ?? []) as FreezePart[]),
        whisperTrainerData(trainSet, {
          batchSize: options.batchSize,
          seed: options.seed,
          shuffle: true,
          groupByLength: spec.train?.group_by_length ?? false,
          nMels: data.extractor.nMels,
          frames: data.extractor.frames,
          decoderStartId: data.tokenizer.decoderStartId,
          padId: data.tokenizer.padId,
        }),
        options,
        evaluator,
        {
          signal: ctx.signal,
          onEvent: (m) => ctx.log(m),
          onMetrics: (step, metrics) => {
            ctx.record.logMetrics(step, metrics);
            if (metrics.loss !== undefined) lastLoss = metrics.loss;
            for (const [k, v] of Object.entries(metrics)) if (k.startsWith('eval_')) reporter.metric(k, v, step);
            reporter.progress('train', {
              done: step,
              values: { ...(lastLoss !== undefined ? { loss: lastLoss } : {}), ...(metrics.learning_rate !== undefined ? { lr: metrics.learning_rate } : {}), ...(metrics.samples_per_second !== undefined ? { samples_per_s: metrics.samples_per_second } : {}) },
            });
          },
        },
        { resume: ctx.resume },
      );
      ctx.record.update({ checkpoints: listCheckpoints(runDir).map((c) => c.path), resumeFrom: result.resumedFrom });
      if (result.status === 'killed') {
        reporter.stage('train', 'fail', `interrupted at step ${result.globalStep}; checkpoint saved, \`exp run\` resumes it`);
        return { status: 'killed' };
      }
      reporter.stage('train', 'done', `${result.globalStep} steps${result.status === 'early_stopped' ? ' (early stopping)' : ''}${result.nanSteps ? `, ${result.nanSteps} NaN steps skipped` : ''}`);

      // ---- save ----
      reporter.stage('save', 'start');
      const modelDir = join(runDir, 'model');
      await saveWhisper(model, modelDir, { copyFilesFrom: tokenizerDir });
      reporter.stage('save', 'done', modelDir);
      if (ctx.signal.aborted) return { status: 'killed' };

      // ---- test evaluation ----
      const summary: Record<string, number> = { steps: result.globalStep };
      if (result.bestMetric !== undefined) summary[`best_eval_${options.metricForBestModel}`] = result.bestMetric;
      if (testSet && testSet.length > 0) {
        reporter.stage('evaluate', 'start', `${testSet.length} test utterances, greedy decoding`);
        let test;
        try {
          test = await evaluateWhisper(model, testSet, data.tokenizer, evalOptions(true));
        } catch (error) {
          throw asOomError(error, e.batch_size ?? 8, 1);
        }
        const metrics = Object.fromEntries(Object.entries(test.metrics).map(([k, v]) => [`test_${k}`, v]));
        ctx.record.logMetrics(result.globalStep, metrics);
        writePredictionsTsv(join(runDir, 'predictions.tsv'), test.predictions ?? []);
        Object.assign(summary, metrics);
        reporter.stage('evaluate', 'done', Object.entries(metrics).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(', '));
      } else {
        reporter.stage('evaluate', 'skip', 'no data.test');
      }
      return { status: 'finished', summary, modelDir };
    } finally {
      model.dispose();
    }
  }
}

export function createTrainerExecutor(): RunExecutor {
  return new TrainerExecutor();
}
