// The seam between the run flow and whatever does the work of one run (the trainer, or a test
// executor). The flow owns the record's lifecycle (queued -> running -> finished/failed/killed);
// an executor only does the work, writes metrics/events/checkpoints through ctx.record, and says
// how it ended. Executors are registered by name (`registerExecutor`), the CLI uses `trainer`.
import type { ProjectConfig, Settings } from '../config/project-config.ts';
import type { ExperimentSpec } from '../config/spec.generated.ts';
import type { PlannedRun } from '../plan/plan.ts';
import type { RunRecord } from '../tracking/record.ts';
import type { ProgressReporter } from '../ui/reporter.ts';
import { UserError } from '../util/errors.ts';

export interface RunContext {
  /** The planned run: index, id, name, sweep overrides, resolved spec. */
  run: PlannedRun;
  /** Same as run.spec: defaults filled, sweep values applied. */
  spec: ExperimentSpec;
  /** The run's record (metrics.jsonl, events.log, run.json via update()). Status is set by the flow. */
  record: RunRecord;
  /** The run folder (runs/<experiment>/<run-name>/): checkpoints and the final model go here. */
  runDir: string;
  /**
   * True when an earlier attempt was interrupted (status was running or killed): continue from
   * record.info.resumeFrom / checkpoints instead of starting over.
   */
  resume: boolean;
  /** Aborted on Ctrl-C / SIGTERM: stop at the next safe point (e.g. after writing a checkpoint) and return { status: 'killed' }. */
  signal: AbortSignal;
  /** Backend to use (CLI --backend > spec engine.backend > project config > auto). */
  backend: string;
  /** Effective runs dir, cache dir, tracking URI, with where each came from. */
  settings: Settings;
  projectConfig: ProjectConfig;
  /** A human-readable line: shown to the user and appended to events.log. */
  log(message: string): void;
  /**
   * Live progress for the user (listr2 tree, plain lines or JSON, chosen by the CLI): stages
   * (reporter.stage('train', 'start')), progress counts, metrics. Not persisted: use `record` for that.
   * The flow has already called runStarted and will call runFinished.
   */
  reporter: ProgressReporter;
}

export type RunResult =
  /** modelDir: where the trained model was saved, if the executor saved one (printed at the end of the run). */
  | { status: 'finished'; summary?: Record<string, number>; modelDir?: string }
  | { status: 'failed'; error: Error | string }
  /** The executor stopped because ctx.signal was aborted. */
  | { status: 'killed' };

export interface RunExecutor {
  execute(ctx: RunContext): Promise<RunResult>;
}

export type ExecutorFactory = () => RunExecutor | Promise<RunExecutor>;

/** The executor `exp run` uses. The trainer registers itself under this name (src/engine/executors.ts). */
export const DEFAULT_EXECUTOR = 'trainer';

/**
 * Executors by name. Deliberately a plain registry object passed around (not a process global that
 * runs read), so tests make their own; `defaultExecutors` is the one the CLI fills.
 */
export class ExecutorRegistry {
  private readonly factories = new Map<string, ExecutorFactory>();

  register(name: string, factory: ExecutorFactory): void {
    this.factories.set(name, factory);
  }

  has(name: string): boolean {
    return this.factories.has(name);
  }

  names(): string[] {
    return [...this.factories.keys()].sort();
  }

  async create(name: string): Promise<RunExecutor> {
    const factory = this.factories.get(name);
    if (!factory) {
      if (name === DEFAULT_EXECUTOR) {
        throw new UserError(
          'training engine not available: no `trainer` executor is registered in this build of exp. ' +
            'Use `exp plan` / `exp run --dry-run` to check the spec meanwhile.',
          3,
        );
      }
      throw new UserError(`unknown executor \`${name}\`; registered: ${this.names().join(', ') || '(none)'}`);
    }
    return factory();
  }
}

/** The registry the CLI uses; filled by src/engine/executors.ts. */
export const defaultExecutors = new ExecutorRegistry();

/** A reporter that shows nothing (tests, --quiet callers that pass none). */
export function silentReporter(): ProgressReporter {
  const nothing = () => {};
  return {
    runStarted: nothing,
    stage: nothing,
    progress: nothing,
    metric: nothing,
    info: nothing,
    warn: nothing,
    error: nothing,
    runFinished: async () => {},
    sweepSummary: nothing,
    close: async () => {},
  };
}
