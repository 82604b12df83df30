// Text formatting shared by the tty, plain and quiet reporters (no colours, no escape codes here).
import { isUserError } from '../util/errors.ts';
import type { ProgressUpdate, RunInfo, RunOutcome, StageName, SummaryRow } from './reporter.ts';

export const STAGE_TITLES: Record<StageName, string> = {
  resolve: 'Resolve spec',
  prepare: 'Prepare data',
  load: 'Load model',
  train: 'Train',
  evaluate: 'Evaluate',
  save: 'Save model',
  track: 'Track',
};

// What the done/total count of each stage counts.
const STAGE_UNITS: Partial<Record<StageName, string>> = { prepare: 'clips', evaluate: 'utterances' };

export function formatDuration(ms: number): string {
  const totalSeconds = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(totalSeconds / 3600);
  const m = Math.floor((totalSeconds % 3600) / 60);
  const s = totalSeconds % 60;
  if (h > 0) return `${h}h${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m${String(s).padStart(2, '0')}s`;
  return `${s}s`;
}

export function formatValue(key: string, value: number): string {
  if (!Number.isFinite(value)) return `${key} ${value}`;
  switch (key) {
    case 'loss':
    case 'eval_loss':
      return `${key.replace('_', ' ')} ${value.toFixed(3)}`;
    case 'lr':
      return `lr ${value.toExponential(1)}`;
    case 'samples_per_s':
      return `${value.toFixed(1)} samples/s`;
    case 'wer':
    case 'cer':
      return `${key.toUpperCase()} ${(value * 100).toFixed(1)}%`;
    case 'skipped':
      return `${value} skipped`;
    default:
      return `${key}=${Number.isInteger(value) ? value : Number(value.toPrecision(4))}`;
  }
}

export function formatValues(values: Record<string, number> | undefined): string[] {
  return Object.entries(values ?? {}).map(([key, value]) => formatValue(key, value));
}

/** "step 20/100" for training, "20/60 clips" elsewhere. */
export function formatCount(stage: StageName, done: number, total?: number): string {
  const count = total === undefined ? `${done}` : `${done}/${total}`;
  if (stage === 'train') return `step ${count}`;
  const unit = STAGE_UNITS[stage];
  return unit ? `${count} ${unit}` : count;
}

/** A text bar like "[######------]", drawn only when the total is known. */
export function progressBar(done: number, total: number, width = 20, filled = '#', empty = '-'): string {
  const fraction = total > 0 ? Math.min(1, Math.max(0, done / total)) : 0;
  const n = Math.round(fraction * width);
  return `[${filled.repeat(n)}${empty.repeat(width - n)}]`;
}

export function formatProgress(stage: StageName, update: ProgressUpdate, etaSeconds: number | undefined): string {
  const parts = [formatCount(stage, update.done, update.total), ...formatValues(update.values)];
  if (etaSeconds !== undefined && update.total !== undefined && update.done < update.total) {
    parts.push(`ETA ${formatDuration(etaSeconds * 1000)}`);
  }
  if (update.message) parts.push(update.message);
  return parts.join(' · ');
}

export function runLabel(run: RunInfo): string {
  return `run ${run.index}/${run.total} ${run.name}`;
}

/** The lines that close a run: status, metrics, duration, then where its record and model went. */
export function formatOutcome(run: RunInfo | undefined, outcome: RunOutcome): string[] {
  const head = [run ? runLabel(run) : 'run', outcome.status, ...formatValues(outcome.metrics)];
  if (outcome.durationMs !== undefined) head.push(formatDuration(outcome.durationMs));
  const lines = [head.join(' · ')];
  if (outcome.message) lines.push(`  ${outcome.message}`);
  if (outcome.runDir) lines.push(`  run record: ${outcome.runDir}`);
  if (outcome.modelDir) lines.push(`  model: ${outcome.modelDir}`);
  return lines;
}

/** The summary table of a sweep: one row per run, one column per metric any run reported. */
export function formatSummaryTable(rows: SummaryRow[]): string[] {
  const metricKeys = [...new Set(rows.flatMap((row) => Object.keys(row.metrics ?? {})))];
  // WER and CER first: they are what people compare.
  metricKeys.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  const header = ['#', 'run', 'id', 'status', ...metricKeys, 'time'];
  const body = rows.map((row) => [
    String(row.index),
    row.name,
    row.id,
    row.status,
    ...metricKeys.map((key) => {
      const value = row.metrics?.[key];
      if (value === undefined) return '-';
      return key === 'wer' || key === 'cer' ? `${(value * 100).toFixed(2)}%` : String(Number(value.toPrecision(4)));
    }),
    row.durationMs === undefined ? '-' : formatDuration(row.durationMs),
  ]);
  const widths = header.map((cell, i) => Math.max(cell.length, ...body.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)];
}

function rank(key: string): number {
  const order = ['wer', 'cer', 'eval_loss', 'loss'];
  const i = order.indexOf(key);
  return i === -1 ? order.length : i;
}

/** The user-facing text of an error: the message, and the stack only when debugging or for bugs. */
export function formatError(err: unknown, debug: boolean): string[] {
  if (!(err instanceof Error)) return [String(err)];
  const lines = [err.message];
  // A UserError is an expected problem with a clear message; anything else is a bug, but the stack
  // is still only for --debug (the message says how to see it).
  if (debug && err.stack) lines.push(...err.stack.split('\n').slice(1));
  else if (!isUserError(err)) lines.push('(run with --debug to see where this happened)');
  return lines;
}
