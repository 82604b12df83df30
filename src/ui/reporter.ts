// The progress events a run emits, and the interface every output mode implements. The run flow and
// the trainer only talk to `ProgressReporter`; whether that becomes a listr2 tree, timestamped lines
// or JSON is decided once, in create-reporter.ts.

/**
 * The steps of one run, in the order they happen and are drawn. This is the trainer's order: it loads
 * the model before preparing the data (the data needs the model's limits) and saves the model before
 * the test evaluation. The TTY tree closes a stage for good once a later one starts.
 */
export const STAGES = ['resolve', 'load', 'prepare', 'train', 'save', 'evaluate', 'track'] as const;
export type StageName = (typeof STAGES)[number];

/**
 * start: the stage began (detail: what it is doing). done: finished (detail: a one-line result,
 * e.g. "58 clips, 2 skipped" or "tfjs-node (native CPU binding found)"). fail: it failed (detail:
 * the message for the user). skip: not needed this time (detail: why).
 */
export type StageStatus = 'start' | 'done' | 'fail' | 'skip';

export interface RunInfo {
  /** 1-based position in the sweep. */
  index: number;
  total: number;
  name: string;
  id: string;
}

export interface ProgressUpdate {
  done: number;
  total?: number;
  /** Free text shown after the numbers. */
  message?: string;
  /**
   * Numbers to show beside the count. Known keys get a readable format: loss, lr, samples_per_s,
   * wer, cer (fractions, shown as %), skipped (count); any other key is shown as key=value.
   */
  values?: Record<string, number>;
  /** Seconds left; when absent the reporter estimates it from the rate since the stage began. */
  etaSeconds?: number;
}

export type RunStatus = 'completed' | 'failed' | 'interrupted' | 'skipped';

export interface RunOutcome {
  status: RunStatus;
  /** Final metrics, e.g. { wer: 0.42, cer: 0.17 } (fractions). */
  metrics?: Record<string, number>;
  /** Where the run record went. */
  runDir?: string;
  /** Where the trained model went. */
  modelDir?: string;
  durationMs?: number;
  /** Why it failed, was interrupted or skipped. */
  message?: string;
}

export interface SummaryRow {
  index: number;
  name: string;
  id: string;
  status: RunStatus;
  metrics?: Record<string, number>;
  durationMs?: number;
  runDir?: string;
}

export interface ProgressReporter {
  runStarted(run: RunInfo): void;
  stage(name: StageName, status: StageStatus, detail?: string): void;
  progress(stage: StageName, update: ProgressUpdate): void;
  /** A metric worth showing as it happens (eval loss, WER at a step). */
  metric(key: string, value: number, step?: number): void;
  info(message: string): void;
  warn(message: string): void;
  /** An error for the user: its message is shown, its stack only with `debug`. */
  error(err: unknown): void;
  /** Ends the current run's display; resolves once it is fully drawn. */
  runFinished(outcome: RunOutcome): Promise<void>;
  /** The table at the end of a sweep (or of a single run). */
  sweepSummary(rows: SummaryRow[]): void;
  /** Flushes everything still being drawn. Call once at the end, also after an error. */
  close(): Promise<void>;
}
