// Public API of the data stage. Other stages import from here, not from the single modules.
export { prepareData, DEFAULT_CACHE_DIR, DEFAULT_MAX_SKIPPED_FRACTION, DEFAULT_MAX_TARGET_POSITIONS } from './pipeline.ts';
export type { PrepareDataOptions, PreparedData } from './pipeline.ts';
export type { Example, DataProgress } from './clean.ts';
export { dataOptionsFromSpec, type DataSettings } from './spec-options.ts';
export { formatReport, writeDataReport, SKIP_REASONS, type DataReport, type SkipReason, type SkippedRow, type SplitReport } from './report.ts';
export { decodeAudioFile, decodeAudioBytes, resample, AudioDecodeError, WHISPER_SAMPLE_RATE, ffmpegAvailable, type DecodedAudio } from './audio.ts';
export { readSource, type SourceSpec, type SourceRow, type SourceRead } from './sources.ts';
export { normalizeText, NORMALIZE_STEPS, type NormalizeStep } from './text.ts';
export { loadWhisperTokenizer, whisperLanguageCode, type WhisperTokenizer, type WhisperTask } from './tokenizer.ts';
export { loadFeatureExtractor, createFeatureExtractor, type FeatureExtractor, type FeatureConfig } from './features.ts';
export { FeatureCache, featureCacheKey, type CacheMeta } from './cache.ts';
export {
  collate,
  collateLabels,
  shiftTokensRight,
  epochBatches,
  iterateBatches,
  lengthGroupedOrder,
  mulberry32,
  IGNORE_INDEX,
  type Batch,
  type BatchSource,
  type DataPosition,
  type IterateOptions,
} from './batches.ts';
