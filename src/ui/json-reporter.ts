// `--json`: one JSON object per line for scripts. Every event carries `ts` (ISO time) and `event`;
// events inside a run also carry `run` ({index,total,name,id}). Progress is throttled like plain
// output (first, last, and at most one per interval per stage).
import { stripVTControlCharacters } from 'node:util';
import { isUserError } from '../util/errors.ts';
import { ProgressClock } from './progress-clock.ts';
import type { ProgressReporter, ProgressUpdate, RunInfo, RunOutcome, StageName, StageStatus, SummaryRow } from './reporter.ts';

export interface JsonReporterOptions {
  out: NodeJS.WritableStream;
  debug?: boolean;
  progressIntervalMs?: number;
  now?: () => number;
}

export class JsonReporter implements ProgressReporter {
  private run?: RunInfo;
  private readonly clock: ProgressClock;
  private readonly now: () => number;

  constructor(private readonly options: JsonReporterOptions) {
    this.now = options.now ?? Date.now;
    this.clock = new ProgressClock(options.progressIntervalMs ?? 1000, this.now);
  }

  runStarted(run: RunInfo): void {
    this.run = run;
    this.clock.reset();
    this.emit('run_started', {});
  }

  stage(name: StageName, status: StageStatus, detail?: string): void {
    if (status === 'start') this.clock.reset(name);
    this.emit('stage', { stage: name, status, detail });
  }

  progress(stage: StageName, update: ProgressUpdate): void {
    const { show, etaSeconds } = this.clock.observe(stage, update);
    if (!show) return;
    const { done, total, message, values } = update;
    this.emit('progress', { stage, done, total, message, values, eta_s: etaSeconds === undefined ? undefined : Math.round(etaSeconds) });
  }

  metric(key: string, value: number, step?: number): void {
    this.emit('metric', { key, value, step });
  }

  info(message: string): void {
    this.emit('info', { message });
  }

  warn(message: string): void {
    this.emit('warning', { message });
  }

  error(err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    const stack = this.options.debug && err instanceof Error ? err.stack : undefined;
    const exitCode = isUserError(err) ? err.exitCode : undefined;
    this.emit('error', { message, exit_code: exitCode, user_error: isUserError(err), stack });
  }

  async runFinished(outcome: RunOutcome): Promise<void> {
    this.emit('run_finished', {
      status: outcome.status,
      metrics: outcome.metrics,
      run_dir: outcome.runDir,
      model_dir: outcome.modelDir,
      duration_ms: outcome.durationMs,
      message: outcome.message,
    });
    this.run = undefined;
  }

  sweepSummary(rows: SummaryRow[]): void {
    this.emit('summary', {
      rows: rows.map((row) => ({ index: row.index, name: row.name, id: row.id, status: row.status, metrics: row.metrics, duration_ms: row.durationMs, run_dir: row.runDir })),
    });
  }

  async close(): Promise<void> {}

  private emit(event: string, fields: Record<string, unknown>): void {
    const run = this.run && { index: this.run.index, total: this.run.total, name: this.run.name, id: this.run.id };
    const record = { ts: new Date(this.now()).toISOString(), event, ...(run && { run }), ...fields };
    // Messages can carry colour codes from other tools; scripts get clean text.
    const line = JSON.stringify(record, (_key, value) => (typeof value === 'string' ? stripVTControlCharacters(value) : value));
    this.options.out.write(`${line}\n`);
  }
}
