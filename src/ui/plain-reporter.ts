// Plain output for non-interactive terminals (CI, `| tee`, log files): one timestamped line per
// event, no escape codes, no spinners, progress throttled. With `quiet` only warnings, errors and
// the final summary are printed.
import { stripVTControlCharacters } from 'node:util';
import { formatDuration, formatError, formatOutcome, formatProgress, formatSummaryTable, formatValue, runLabel, STAGE_TITLES } from './format.ts';
import { ProgressClock } from './progress-clock.ts';
import type { ProgressReporter, ProgressUpdate, RunInfo, RunOutcome, StageName, StageStatus, SummaryRow } from './reporter.ts';

export interface LineReporterOptions {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
  quiet?: boolean;
  debug?: boolean;
  /** Minimum time between two progress lines of the same stage (the last one always prints). */
  progressIntervalMs?: number;
  now?: () => number;
}

export function timestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
}

export class PlainReporter implements ProgressReporter {
  private run?: RunInfo;
  private readonly stageStarted = new Map<StageName, number>();
  private readonly clock: ProgressClock;
  private readonly now: () => number;

  constructor(private readonly options: LineReporterOptions) {
    this.now = options.now ?? Date.now;
    this.clock = new ProgressClock(options.progressIntervalMs ?? 2000, this.now);
  }

  runStarted(run: RunInfo): void {
    this.run = run;
    this.stageStarted.clear();
    this.clock.reset();
    this.say('info', `${runLabel(run)} (${run.id}) started`, false);
  }

  stage(name: StageName, status: StageStatus, detail?: string): void {
    const title = STAGE_TITLES[name];
    const suffix = detail ? ` · ${detail}` : '';
    switch (status) {
      case 'start':
        this.stageStarted.set(name, this.now());
        this.clock.reset(name);
        this.say('info', `${title}: started${suffix}`);
        return;
      case 'done': {
        const started = this.stageStarted.get(name);
        const took = started === undefined ? '' : ` in ${formatDuration(this.now() - started)}`;
        this.say('info', `${title}: done${took}${suffix}`);
        return;
      }
      case 'skip':
        this.say('info', `${title}: skipped${suffix}`);
        return;
      case 'fail':
        this.say('error', `${title}: FAILED${suffix}`);
    }
  }

  progress(stage: StageName, update: ProgressUpdate): void {
    const { show, etaSeconds } = this.clock.observe(stage, update);
    if (show) this.say('info', `${STAGE_TITLES[stage]}: ${formatProgress(stage, update, etaSeconds)}`);
  }

  metric(key: string, value: number, step?: number): void {
    this.say('info', `metric ${formatValue(key, value)}${step === undefined ? '' : ` at step ${step}`}`);
  }

  info(message: string): void {
    this.say('info', message);
  }

  warn(message: string): void {
    this.say('warn', `warning: ${message}`);
  }

  error(err: unknown): void {
    const [first, ...rest] = formatError(err, this.options.debug ?? false);
    this.say('error', [`error: ${first}`, ...rest].join('\n'));
  }

  async runFinished(outcome: RunOutcome): Promise<void> {
    const run = this.run;
    // In quiet mode a single run's outcome is its final summary; a sweep ends with the table.
    const level = !this.options.quiet || run === undefined || run.total === 1 ? 'summary' : 'info';
    this.say(level, formatOutcome(run, outcome).join('\n'), false);
    this.run = undefined;
  }

  sweepSummary(rows: SummaryRow[]): void {
    this.say('summary', ['summary:', ...formatSummaryTable(rows)].join('\n'), false);
  }

  async close(): Promise<void> {}

  private say(level: 'info' | 'warn' | 'error' | 'summary', text: string, withRun = true): void {
    if (this.options.quiet && level === 'info') return;
    const stream = level === 'warn' || level === 'error' ? this.options.err : this.options.out;
    const prefix = withRun && this.run ? `[${this.run.index}/${this.run.total} ${this.run.name}] ` : '';
    const stamp = timestamp(this.now());
    const lines = stripVTControlCharacters(text).split('\n');
    stream.write(lines.map((line, i) => `${stamp} ${i === 0 ? prefix : ''}${line}\n`).join(''));
  }
}
