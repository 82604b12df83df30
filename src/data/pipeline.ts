/**
 * The data stage as one call: spec `data:` section (as plain options) -> cleaned, labelled,
 * featurized examples per split + the data report.
 *
 *   const { splits, report } = await prepareData({ sources, train: ['train', 'dev'], ... });
 *
 * Failure rules (UserError, whose message includes the report table):
 * - `onError: 'fail'`: at the first skipped row, naming file, line and reason.
 * - `onError: 'skip'`: when any split skips more than `maxSkippedFraction` of its rows.
 * The report is written to `<runDir>/data-report.json` (when runDir is given) before failing.
 */
import { resolve } from 'node:path';
import { UserError } from '../util/errors.ts';
import { readSource, type SourceRead, type SourceSpec } from './sources.ts';
import { NORMALIZE_STEPS, type NormalizeStep } from './text.ts';
import { loadWhisperTokenizer, type WhisperTask, type WhisperTokenizer } from './tokenizer.ts';
import { loadFeatureExtractor, type FeatureExtractor } from './features.ts';
import { FeatureCache } from './cache.ts';
import { cleanSplit, DURATION_TOLERANCE_SECONDS, firstSkippedRows, RowRejected, type CleanContext, type DataProgress, type Example } from './clean.ts';
import { formatReport, writeDataReport, type DataReport, type SkippedRow } from './report.ts';
import type { DecodeOptions } from './audio.ts';

export type { Example, DataProgress } from './clean.ts';
export type { DataReport } from './report.ts';

export interface PrepareDataOptions {
  /** `data.sources`, with root/path/audio_dir already absolute. */
  sources: Record<string, SourceSpec>;
  /** `data.train`: one name or names concatenated in order. */
  train: string | string[];
  eval?: string;
  test?: string;
  onError?: 'skip' | 'fail';
  /** Default 0.05. */
  maxSkippedFraction?: number;
  /** Skip clips longer than this; default (and at most) the feature window (chunk length). */
  maxDurationSeconds?: number;
  normalize?: NormalizeStep[];
  /** Folder with tokenizer.json & co. (the checkpoint, or model.init.tokenizer). */
  tokenizerDir: string;
  /** Folder with preprocessor_config.json (default: tokenizerDir). */
  preprocessorDir?: string;
  /** model.init.chunk_length for a random-init model: overrides preprocessor_config.json. */
  chunkLength?: number;
  /** Mel bins of the model (config num_mel_bins) when they must override preprocessor_config.json. */
  numMelBins?: number;
  language?: string;
  task?: WhisperTask;
  /** Decoder positions (model config max_target_positions, 448 for Whisper). */
  maxTargetPositions?: number;
  /** Feature cache folder (project `cacheDir`; default `.cache/exp` under the current folder). */
  cacheDir?: string;
  /** When set, data-report.json is written here. */
  runDir?: string;
  decode?: DecodeOptions;
  onProgress?: (p: DataProgress) => void;
}

export interface PreparedData {
  splits: { train: Example[]; eval?: Example[]; test?: Example[] };
  report: DataReport;
  /** Where the report was written, when runDir was given. */
  reportPath?: string;
  tokenizer: WhisperTokenizer;
  extractor: FeatureExtractor;
}

export const DEFAULT_MAX_SKIPPED_FRACTION = 0.05;
export const DEFAULT_MAX_TARGET_POSITIONS = 448;
export const DEFAULT_CACHE_DIR = '.cache/exp';

export async function prepareData(options: PrepareDataOptions): Promise<PreparedData> {
  const started = Date.now();
  const onError = options.onError ?? 'skip';
  const maxSkippedFraction = options.maxSkippedFraction ?? DEFAULT_MAX_SKIPPED_FRACTION;
  const maxTargetPositions = options.maxTargetPositions ?? DEFAULT_MAX_TARGET_POSITIONS;
  const normalize = options.normalize ?? [];
  for (const step of normalize) {
    if (!NORMALIZE_STEPS.includes(step)) throw new UserError(`data.text.normalize: unknown step "${step}" (use ${NORMALIZE_STEPS.join(', ')})`);
  }
  const trainNames = Array.isArray(options.train) ? options.train : [options.train];
  const splitNames: [string, string[]][] = [['train', trainNames]];
  if (options.eval) splitNames.push(['eval', [options.eval]]);
  if (options.test) splitNames.push(['test', [options.test]]);
  for (const [split, names] of splitNames) {
    for (const name of names) {
      if (!options.sources[name]) {
        throw new UserError(`data.${split}: no source named "${name}" in data.sources (defined: ${Object.keys(options.sources).join(', ') || 'none'})`);
      }
    }
  }

  const tokenizer = await loadWhisperTokenizer(options.tokenizerDir, { language: options.language, task: options.task });
  const extractor = await loadFeatureExtractor(options.preprocessorDir ?? options.tokenizerDir, { chunkLength: options.chunkLength, featureSize: options.numMelBins });
  const window = extractor.config.chunkLength;
  const warnings: string[] = [];
  let maxDurationSeconds = options.maxDurationSeconds ?? window;
  if (maxDurationSeconds > window) {
    warnings.push(`data.max_duration_seconds ${maxDurationSeconds} is longer than the model's ${window} s window; clips over ${window} s are skipped instead of being cut`);
    maxDurationSeconds = window;
  }
  const cacheDir = resolve(options.cacheDir ?? DEFAULT_CACHE_DIR);

  // Read every manifest first: a missing file fails before any audio is decoded.
  const readCache = new Map<string, SourceRead>();
  const readsFor = async (names: string[]) => {
    const reads: SourceRead[] = [];
    for (const name of names) {
      if (!readCache.has(name)) readCache.set(name, await readSource(name, options.sources[name]));
      reads.push(readCache.get(name)!);
    }
    return reads;
  };
  const splitReads: [string, SourceRead[]][] = [];
  for (const [split, names] of splitNames) splitReads.push([split, await readsFor(names)]);

  const total = splitReads.reduce((n, [, reads]) => n + reads.reduce((m, r) => m + r.rows.length + r.bad.length, 0), 0);
  const ctx: CleanContext = {
    tokenizer,
    extractor,
    cache: new FeatureCache(cacheDir),
    normalize,
    maxDurationSeconds,
    maxTargetPositions,
    decode: options.decode,
    onError,
    counters: { hits: 0, computed: 0, done: 0, total, skipped: 0 },
    warnings,
    durationMismatches: [],
    onProgress: options.onProgress,
  };

  const report: DataReport = {
    createdAt: new Date().toISOString(),
    settings: {
      onError,
      maxSkippedFraction,
      maxDurationSeconds,
      maxTargetPositions,
      normalize: [...normalize],
      language: tokenizer.languageCode,
      task: options.task ?? 'transcribe',
    },
    splits: {},
    examples: [],
    warnings,
    cache: { dir: cacheDir, hits: 0, computed: 0 },
    elapsedSeconds: 0,
  };
  const finishReport = () => {
    report.cache.hits = ctx.counters.hits;
    report.cache.computed = ctx.counters.computed;
    report.elapsedSeconds = (Date.now() - started) / 1000;
  };

  const splits: PreparedData['splits'] = { train: [] };
  const allSkipped: SkippedRow[] = [];
  for (const [split, reads] of splitReads) {
    let cleaned;
    try {
      cleaned = await cleanSplit(split, reads, ctx);
    } catch (err) {
      if (!(err instanceof RowRejected)) throw err;
      report.examples = [err.row];
      finishReport();
      const reportPath = options.runDir ? await writeDataReport(options.runDir, report) : undefined;
      throw new UserError(
        `data.on_error is "fail": ${err.row.file}:${err.row.line} (${split}/${err.row.source}) ${err.row.reason}: ${err.row.message}` +
          `\nFix the row, or set data.on_error: skip to skip and count bad rows.${reportPath ? `\nReport: ${reportPath}` : ''}`,
        2,
        report,
      );
    }
    report.splits[split] = cleaned.report;
    allSkipped.push(...cleaned.skipped);
    splits[split as 'train' | 'eval' | 'test'] = cleaned.examples;
    if (cleaned.report.empty) {
      warnings.push(`split ${split} (${cleaned.report.sources.join(' + ')}) is empty: no data rows in ${reads.map((r) => r.file).join(', ')}`);
    } else if (cleaned.examples.length === 0) {
      warnings.push(`split ${split} (${cleaned.report.sources.join(' + ')}) has no usable rows left after cleaning`);
    }
  }
  warnings.push(...crossSplitOverlap(splits));
  if (ctx.durationMismatches.length) {
    const first = ctx.durationMismatches[0];
    warnings.push(
      `${ctx.durationMismatches.length} row(s) declare a duration that differs from their audio by more than ${DURATION_TOLERANCE_SECONDS} s; the decoded length is used ` +
        `(first: ${first.file}:${first.line} says ${first.declared} s, the audio has ${first.measured.toFixed(3)} s)`,
    );
  }
  report.examples = firstSkippedRows(allSkipped);
  finishReport();
  const reportPath = options.runDir ? await writeDataReport(options.runDir, report) : undefined;

  // An empty eval/test split is only a warning; nothing to train on is an error.
  if (splits.train.length === 0 && report.splits.train.rows === 0) {
    throw new UserError(
      `data.train (${trainNames.join(' + ')}) has no data rows (${splitReads[0][1].map((r) => r.file).join(', ')}). Point data.train at a source with data.`,
      2,
      report,
    );
  }
  const tooMany = Object.entries(report.splits).filter(([, s]) => s.skippedFraction > maxSkippedFraction);
  if (tooMany.length) {
    const which = tooMany.map(([split, s]) => `${split}: ${s.skipped} of ${s.rows} rows (${(100 * s.skippedFraction).toFixed(1)}%)`).join('; ');
    throw new UserError(
      `Too many rows skipped (${which}; data.max_skipped_fraction is ${maxSkippedFraction}).\n\n${formatReport(report)}\n\n` +
        `Fix the data, or raise data.max_skipped_fraction if these skips are expected.${reportPath ? `\nReport: ${reportPath}` : ''}`,
      2,
      report,
    );
  }
  return { splits, report, reportPath, tokenizer, extractor };
}

/** Audio files used by two different splits (train vs eval/test) leak test data into training. */
function crossSplitOverlap(splits: PreparedData['splits']): string[] {
  const warnings: string[] = [];
  const trainAudio = new Set(splits.train.map((e) => e.audioPath));
  for (const split of ['eval', 'test'] as const) {
    const shared = (splits[split] ?? []).filter((e) => trainAudio.has(e.audioPath));
    if (shared.length) {
      warnings.push(`${shared.length} audio file(s) of split ${split} are also in train (first: ${shared[0].audioPath})`);
    }
  }
  return warnings;
}
