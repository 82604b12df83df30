/**
 * Cleaning: turns the rows of one split into training examples, skipping (and counting) bad ones.
 *
 * Checks, in this order, per row (the cheap ones first, so a bad row costs no decoding):
 *   bad_row -> empty_text -> duplicate -> too_long_labels -> missing_audio -> unreadable_audio -> too_long_audio
 * Durations are measured from the decoded samples (never from a header or the manifest).
 * Features are computed for kept rows and stored in the feature cache; a warm run reads the
 * audio bytes (for the content hash) but never decodes or featurizes again.
 */
import { readFile, stat } from 'node:fs/promises';
import type { SourceRead, SourceRow } from './sources.ts';
import { AudioDecodeError, decodeAudioBytes, type DecodeOptions } from './audio.ts';
import { normalizeText, isBlankText, type NormalizeStep } from './text.ts';
import type { WhisperTokenizer } from './tokenizer.ts';
import type { FeatureExtractor } from './features.ts';
import { FeatureCache, featureCacheKey, type CacheMeta } from './cache.ts';
import { emptySplitReport, EXAMPLES_PER_REASON, type SkipReason, type SkippedRow, type SplitReport, zeroCounts } from './report.ts';

/** One training/eval example, ready for batching. */
export interface Example {
  /** `<source>:<line>`: unique inside a split. */
  id: string;
  split: string;
  source: string;
  file: string;
  line: number;
  audioPath: string;
  /** Transcript after the configured normalisation. */
  text: string;
  /** prefix + text ids + eos (see tokenizer.ts). */
  labels: number[];
  /** Measured from the decoded audio. */
  durationSeconds: number;
  /** Feature cache key and file (float32 LE [nMels * frames]). */
  featuresKey: string;
  featuresPath: string;
  /** Read the features from the cache (recomputed from the audio if the cache entry vanished). */
  loadFeatures(): Promise<Float32Array>;
}

export interface CleanContext {
  tokenizer: WhisperTokenizer;
  extractor: FeatureExtractor;
  cache: FeatureCache;
  normalize: readonly NormalizeStep[];
  maxDurationSeconds: number;
  maxTargetPositions: number;
  decode?: DecodeOptions;
  onError: 'skip' | 'fail';
  /** Counters shared by all splits. */
  counters: { hits: number; computed: number; done: number; total: number; skipped: number };
  /** Warnings for the report (truncated files, decoder fallbacks, ...). */
  warnings: string[];
  /** Rows whose manifest duration disagrees with the decoded audio (informative; the audio wins). */
  durationMismatches: { file: string; line: number; declared: number; measured: number }[];
  onProgress?: (p: DataProgress) => void;
}

export interface DataProgress {
  split: string;
  done: number;
  total: number;
  skipped: number;
  cacheHits: number;
  computed: number;
}

/** Thrown (as the cause of a UserError) by `on_error: fail` at the first bad row. */
export class RowRejected extends Error {
  constructor(readonly row: SkippedRow) {
    super(`${row.file}:${row.line}: ${row.reason}: ${row.message}`);
  }
}

/** A manifest duration further than this from the decoded audio is reported (MP3 padding is ~0.05 s). */
export const DURATION_TOLERANCE_SECONDS = 0.1;

type Verdict = { ok: true; example: Example } | { ok: false; reason: SkipReason; message: string };

export interface CleanedSplit {
  examples: Example[];
  report: SplitReport;
  skipped: SkippedRow[];
}

/** Clean one split made of `reads` (its sources, in concatenation order). */
export async function cleanSplit(split: string, reads: SourceRead[], ctx: CleanContext): Promise<CleanedSplit> {
  const report = emptySplitReport(reads.map((r) => r.source));
  const examples: Example[] = [];
  const skipped: SkippedRow[] = [];
  const seen = new Set<string>();

  const skip = (row: { source: string; file: string; line: number; audioPath?: string }, reason: SkipReason, message: string) => {
    const entry: SkippedRow = { split, source: row.source, file: row.file, line: row.line, reason, message, audioPath: row.audioPath };
    if (ctx.onError === 'fail') throw new RowRejected(entry);
    skipped.push(entry);
    report.skipped++;
    report.byReason[reason]++;
    const src = report.bySource[row.source];
    src.skipped++;
    src.byReason[reason]++;
    ctx.counters.skipped++;
  };

  for (const read of reads) {
    const src = (report.bySource[read.source] ??= { rows: 0, kept: 0, skipped: 0, byReason: zeroCounts() });
    // Bad rows and good rows interleaved in file order, so on_error: fail stops at the first problem.
    const items: ({ kind: 'bad'; line: number; message: string } | { kind: 'row'; line: number; row: SourceRow })[] = [
      ...read.bad.map((b) => ({ kind: 'bad' as const, line: b.line, message: b.message })),
      ...read.rows.map((row) => ({ kind: 'row' as const, line: row.line, row })),
    ].sort((a, b) => a.line - b.line);
    for (const item of items) {
      report.rows++;
      src.rows++;
      if (item.kind === 'bad') {
        skip({ source: read.source, file: read.file, line: item.line }, 'bad_row', item.message);
      } else {
        const verdict = await checkRow(split, item.row, seen, ctx);
        if (verdict.ok) {
          examples.push(verdict.example);
          report.kept++;
          src.kept++;
          report.keptSeconds += verdict.example.durationSeconds;
        } else {
          skip(item.row, verdict.reason, verdict.message);
        }
      }
      ctx.counters.done++;
      ctx.onProgress?.({
        split,
        done: ctx.counters.done,
        total: ctx.counters.total,
        skipped: ctx.counters.skipped,
        cacheHits: ctx.counters.hits,
        computed: ctx.counters.computed,
      });
    }
  }
  report.empty = report.rows === 0;
  report.skippedFraction = report.rows ? report.skipped / report.rows : 0;
  return { examples, report, skipped };
}

async function checkRow(split: string, row: SourceRow, seen: Set<string>, ctx: CleanContext): Promise<Verdict> {
  const text = normalizeText(row.text, ctx.normalize);
  if (isBlankText(text)) {
    return { ok: false, reason: 'empty_text', message: row.text === '' ? 'the transcript is empty' : `the transcript is only whitespace (${JSON.stringify(row.text)})` };
  }
  const identity = `${row.audioPath}\u0000${text}`;
  if (seen.has(identity)) return { ok: false, reason: 'duplicate', message: `same audio and text as an earlier row (${row.audioPath})` };
  seen.add(identity);

  const labels = ctx.tokenizer.labelIds(text);
  if (labels.length > ctx.maxTargetPositions) {
    return {
      ok: false,
      reason: 'too_long_labels',
      message: `${labels.length} label ids (prefix and <|endoftext|> included) > max_target_positions ${ctx.maxTargetPositions}`,
    };
  }

  let bytes: Uint8Array;
  try {
    const info = await stat(row.audioPath);
    if (!info.isFile()) return { ok: false, reason: 'missing_audio', message: `${row.audioPath} is not a file` };
    bytes = await readFile(row.audioPath);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { ok: false, reason: 'missing_audio', message: `audio file not found: ${row.audioPath}` };
    return { ok: false, reason: 'unreadable_audio', message: `${row.audioPath}: ${(err as Error).message}` };
  }

  const { extractor, cache } = ctx;
  const targetRate = extractor.config.samplingRate;
  const key = featureCacheKey(bytes, extractor.configHash, targetRate);
  const shape = { nMels: extractor.nMels, frames: extractor.frames };
  let meta = await cache.getMeta(key);
  const haveFeatures = meta?.features != null && (await cache.hasFeatures(key, shape));
  let samples: Float32Array | undefined;
  if (!meta) {
    try {
      const audio = await decodeAudioBytes(bytes, row.audioPath, targetRate, ctx.decode);
      samples = audio.samples;
      meta = {
        durationSeconds: audio.durationSeconds,
        originalSampleRate: audio.originalSampleRate,
        channels: audio.channels,
        warnings: audio.warnings,
        features: null,
      };
    } catch (err) {
      if (err instanceof AudioDecodeError) {
        const reason: SkipReason = err.kind === 'missing' ? 'missing_audio' : 'unreadable_audio';
        return { ok: false, reason, message: err.message };
      }
      throw err;
    }
  }
  for (const w of meta.warnings) if (!ctx.warnings.includes(w)) ctx.warnings.push(w);
  if (row.declaredDuration !== undefined && Math.abs(row.declaredDuration - meta.durationSeconds) > DURATION_TOLERANCE_SECONDS) {
    ctx.durationMismatches.push({ file: row.file, line: row.line, declared: row.declaredDuration, measured: meta.durationSeconds });
  }

  if (meta.durationSeconds > ctx.maxDurationSeconds) {
    if (samples) await cache.put(key, meta); // remember the duration: no decoding next time
    else ctx.counters.hits++;
    return {
      ok: false,
      reason: 'too_long_audio',
      message: `${meta.durationSeconds.toFixed(2)} s of audio > ${ctx.maxDurationSeconds} s (the model sees only the first ${ctx.maxDurationSeconds} s; its transcript would not match)`,
    };
  }
  if (!haveFeatures) {
    if (!samples) {
      // The meta was cached without features (e.g. a longer limit before): decode now.
      samples = (await decodeAudioBytes(bytes, row.audioPath, targetRate, ctx.decode)).samples;
    }
    const features = await extractor.extract(samples);
    meta = { ...meta, features: shape };
    await cache.put(key, meta, features);
    ctx.counters.computed++;
  } else {
    ctx.counters.hits++;
  }

  const featuresPath = cache.featuresPath(key);
  const audioPath = row.audioPath;
  const decodeOptions = ctx.decode;
  return {
    ok: true,
    example: {
      id: `${row.source}:${row.line}`,
      split,
      source: row.source,
      file: row.file,
      line: row.line,
      audioPath,
      text,
      labels,
      durationSeconds: meta.durationSeconds,
      featuresKey: key,
      featuresPath,
      async loadFeatures() {
        const cached = await cache.getFeatures(key, shape);
        if (cached) return cached;
        const audio = await decodeAudioBytes(await readFile(audioPath), audioPath, targetRate, decodeOptions);
        const features = await extractor.extract(audio.samples);
        await cache.put(key, { ...(meta as CacheMeta), features: shape }, features);
        return features;
      },
    },
  };
}

/** Keep the first EXAMPLES_PER_REASON skipped rows of each reason, in order. */
export function firstSkippedRows(rows: SkippedRow[]): SkippedRow[] {
  const perReason = new Map<SkipReason, number>();
  return rows.filter((row) => {
    const n = perReason.get(row.reason) ?? 0;
    perReason.set(row.reason, n + 1);
    return n < EXAMPLES_PER_REASON;
  });
}
