/**
 * Validated spec -> PrepareDataOptions: the one place that knows which spec fields the data
 * stage reads (used by `exp prepare` and by the run executor).
 *
 * - tokenizer / preprocessor folder: model.checkpoint, or model.init.tokenizer for a random init.
 * - window: model.init.chunk_length (random init) or the preprocessor's chunk_length.
 * - max_target_positions and num_mel_bins: model.init.overrides, else the checkpoint's config.json,
 *   else Whisper's 448 / the preprocessor's feature_size.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ExperimentSpec } from '../config/spec.generated.ts';
import { UserError } from '../util/errors.ts';
import type { PrepareDataOptions } from './pipeline.ts';
import type { SourceSpec } from './sources.ts';
import type { NormalizeStep } from './text.ts';

export interface DataSettings {
  /** Resolved feature cache folder (project config `cacheDir`). */
  cacheDir: string;
  /** Run folder for data-report.json, if any. */
  runDir?: string;
}

/** Build the data stage options from a validated spec (paths already absolute). */
export function dataOptionsFromSpec(spec: ExperimentSpec, settings: DataSettings): PrepareDataOptions {
  const { model, data } = spec;
  const folder = model.checkpoint ?? model.init?.tokenizer;
  if (!folder) {
    throw new UserError(
      'model.init.tokenizer is not set: the data stage needs a folder with the Whisper tokenizer files and preprocessor_config.json (e.g. a Hugging Face whisper-tiny folder)',
    );
  }
  const checkpointConfig = model.checkpoint ? readModelConfig(model.checkpoint) : {};
  const overrides = model.init?.overrides ?? {};
  const maxTargetPositions = overrides.max_target_positions ?? numberField(checkpointConfig, 'max_target_positions');
  const numMelBins = overrides.num_mel_bins ?? numberField(checkpointConfig, 'num_mel_bins');
  return {
    sources: data.sources as Record<string, SourceSpec>,
    train: data.train,
    eval: data.eval,
    test: data.test,
    onError: data.on_error,
    maxSkippedFraction: data.max_skipped_fraction,
    maxDurationSeconds: data.max_duration_seconds,
    normalize: (data.text?.normalize ?? []) as NormalizeStep[],
    tokenizerDir: folder,
    preprocessorDir: folder,
    chunkLength: model.init?.chunk_length,
    numMelBins,
    language: model.language,
    task: model.task,
    maxTargetPositions,
    cacheDir: settings.cacheDir,
    runDir: settings.runDir,
  };
}

function readModelConfig(dir: string): Record<string, unknown> {
  const file = join(dir, 'config.json');
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // A folder without config.json fails later, where the model is loaded; the data stage can go on.
    if (code === 'ENOENT') return {};
    throw new UserError(`${file}: cannot read the model config (${(err as Error).message})`);
  }
}

function numberField(obj: Record<string, unknown>, key: string): number | undefined {
  const v = obj[key];
  return typeof v === 'number' ? v : undefined;
}
