/**
 * The data report: what was read, kept and skipped (per split, per source, per reason), with the
 * first few offending rows named by file and line. Built while cleaning (see clean.ts), printed
 * as a short table and written to `<run>/data-report.json`.
 */
import { isAbsolute, join, relative } from 'node:path';
import { writeFileAtomic } from '../util/fs-atomic.ts';

export const SKIP_REASONS = [
  'bad_row',
  'missing_audio',
  'unreadable_audio',
  'empty_text',
  'too_long_audio',
  'too_long_labels',
  'duplicate',
] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

export const SKIP_REASON_TEXT: Record<SkipReason, string> = {
  bad_row: 'row with the wrong number of fields (or not a JSON object)',
  missing_audio: 'audio file not found',
  unreadable_audio: 'audio file empty, not audio, or undecodable',
  empty_text: 'empty or whitespace-only transcript',
  too_long_audio: 'audio longer than the model window / data.max_duration_seconds',
  too_long_labels: 'label ids longer than max_target_positions',
  duplicate: 'exact duplicate (same audio file and text) of an earlier row',
};

export type ReasonCounts = Record<SkipReason, number>;

export function zeroCounts(): ReasonCounts {
  return Object.fromEntries(SKIP_REASONS.map((r) => [r, 0])) as ReasonCounts;
}

/** One skipped row, named so the user can find it. */
export interface SkippedRow {
  split: string;
  source: string;
  file: string;
  line: number;
  reason: SkipReason;
  message: string;
  audioPath?: string;
}

export interface SourceStats {
  rows: number;
  kept: number;
  skipped: number;
  byReason: ReasonCounts;
}

export interface SplitReport {
  /** Source names, in concatenation order. */
  sources: string[];
  rows: number;
  kept: number;
  skipped: number;
  skippedFraction: number;
  /** Total audio of the kept rows, seconds. */
  keptSeconds: number;
  byReason: ReasonCounts;
  bySource: Record<string, SourceStats>;
  empty: boolean;
}

export interface DataReport {
  createdAt: string;
  settings: {
    onError: 'skip' | 'fail';
    maxSkippedFraction: number;
    maxDurationSeconds: number;
    maxTargetPositions: number;
    normalize: string[];
    language: string;
    task: string;
  };
  splits: Record<string, SplitReport>;
  /** The first few skipped rows per reason, across splits. */
  examples: SkippedRow[];
  warnings: string[];
  cache: { dir: string; hits: number; computed: number };
  elapsedSeconds: number;
}

/** How many skipped rows per reason are named in the report. */
export const EXAMPLES_PER_REASON = 5;

export function emptySplitReport(sources: string[]): SplitReport {
  return { sources, rows: 0, kept: 0, skipped: 0, skippedFraction: 0, keptSeconds: 0, byReason: zeroCounts(), bySource: {}, empty: true };
}

/** A short human table: one line per split and source, then the reasons and named rows. */
export function formatReport(report: DataReport): string {
  const lines: string[] = [];
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const header = ['split', 'source', 'rows', 'kept', 'skipped', 'audio(h)'];
  const table: string[][] = [header];
  for (const [split, s] of Object.entries(report.splits)) {
    table.push([split, s.sources.join('+'), String(s.rows), String(s.kept), `${s.skipped} (${pct(s.skippedFraction)})`, (s.keptSeconds / 3600).toFixed(2)]);
    if (s.sources.length > 1) {
      for (const [source, st] of Object.entries(s.bySource)) {
        table.push(['', `  ${source}`, String(st.rows), String(st.kept), String(st.skipped), '']);
      }
    }
  }
  const widths = header.map((_, i) => Math.max(...table.map((row) => row[i].length)));
  for (const row of table) lines.push(row.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd());

  const reasons = SKIP_REASONS.map((r) => [r, Object.values(report.splits).reduce((n, s) => n + s.byReason[r], 0)] as const).filter(([, n]) => n > 0);
  if (reasons.length) {
    lines.push('', 'skipped rows by reason:');
    for (const [reason, n] of reasons) lines.push(`  ${reason.padEnd(16)} ${String(n).padStart(5)}  ${SKIP_REASON_TEXT[reason]}`);
    lines.push('', 'first skipped rows:');
    for (const ex of report.examples) lines.push(`  ${shortPath(ex.file)}:${ex.line}  [${ex.split}/${ex.source}] ${ex.reason}: ${ex.message}`);
  }
  if (report.warnings.length) {
    lines.push('', 'warnings:');
    for (const w of report.warnings) lines.push(`  ${w}`);
  }
  lines.push('', `feature cache ${report.cache.dir}: ${report.cache.hits} hits, ${report.cache.computed} computed (${report.elapsedSeconds.toFixed(1)} s)`);
  return lines.join('\n');
}

/** A path relative to the current folder when that is shorter (the JSON report keeps absolute paths). */
function shortPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel.length < path.length && !isAbsolute(rel) ? rel : path;
}

/** Write `<runDir>/data-report.json` atomically; returns its path. */
export async function writeDataReport(runDir: string, report: DataReport): Promise<string> {
  const path = join(runDir, 'data-report.json');
  writeFileAtomic(path, `${JSON.stringify(report, null, 2)}\n`);
  return path;
}
