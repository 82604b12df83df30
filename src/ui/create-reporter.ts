// Picks the output mode: a listr2 tree on an interactive terminal, plain timestamped lines
// elsewhere (CI, pipes, log files), JSON lines or quiet output when asked.
import { JsonReporter } from './json-reporter.ts';
import { PlainReporter } from './plain-reporter.ts';
import type { ProgressReporter } from './reporter.ts';
import { TtyReporter } from './tty-reporter.ts';

export type ReporterMode = 'auto' | 'tty' | 'plain' | 'json' | 'quiet';

export interface CreateReporterOptions {
  mode?: ReporterMode;
  /** Where progress and results go (default: stdout). */
  stream?: NodeJS.WritableStream;
  /** Where warnings and errors go (default: `stream` when one is given, else stderr). */
  errorStream?: NodeJS.WritableStream;
  /** Show stack traces of errors. */
  debug?: boolean;
  /** Minimum time between two progress lines per stage in plain/json/quiet mode. */
  progressIntervalMs?: number;
  /** Environment consulted by 'auto' (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /** Clock for timestamps and throttling (tests). */
  now?: () => number;
}

/** CI sets CI=true (GitHub, GitLab, ...); some set CI=1. Anything but empty/"false"/"0" counts. */
export function isCi(env: NodeJS.ProcessEnv): boolean {
  const value = env.CI?.trim().toLowerCase();
  return value !== undefined && value !== '' && value !== 'false' && value !== '0';
}

/** The mode 'auto' resolves to: the tree only on an interactive terminal outside CI. */
export function resolveMode(mode: ReporterMode, stream: NodeJS.WritableStream, env: NodeJS.ProcessEnv): Exclude<ReporterMode, 'auto'> {
  if (mode !== 'auto') return mode;
  const isTty = (stream as Partial<NodeJS.WriteStream>).isTTY === true;
  return isTty && !isCi(env) && env.TERM !== 'dumb' ? 'tty' : 'plain';
}

export function createReporter(options: CreateReporterOptions = {}): ProgressReporter {
  const out = options.stream ?? process.stdout;
  const err = options.errorStream ?? (options.stream ? out : process.stderr);
  const mode = resolveMode(options.mode ?? 'auto', out, options.env ?? process.env);
  const common = { debug: options.debug, progressIntervalMs: options.progressIntervalMs, now: options.now };
  switch (mode) {
    case 'tty':
      return new TtyReporter({ out: out as NodeJS.WriteStream, err: err as NodeJS.WriteStream, debug: options.debug });
    case 'json':
      return new JsonReporter({ out, ...common });
    case 'quiet':
      return new PlainReporter({ out, err, quiet: true, ...common });
    case 'plain':
      return new PlainReporter({ out, err, ...common });
  }
}
