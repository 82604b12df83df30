// plan -> execute: walks the planned runs, deciding per run from its existing record whether to start,
// resume, skip or retry it; owns each record's status transitions; keeps the sweep's parent record;
// stops cleanly on abort (Ctrl-C / SIGTERM) with the current run marked `killed`. One failed run
// does not stop a sweep unless failFast.
import { existsSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { ProjectConfig, Settings } from '../config/project-config.ts';
import type { Plan, PlannedRun } from '../plan/plan.ts';
import { closestName } from '../config/suggest.ts';
import type { RunEnvironment } from '../tracking/environment.ts';
import { RunRecord, readSweepRecord, sweepRecordFile, writeSweepRecord, type RunInfo, type RunStatus, type SweepInfo } from '../tracking/record.ts';
import { UserError } from '../util/errors.ts';
import { silentReporter, type RunExecutor, type RunResult } from './executor.ts';
import type { ProgressReporter } from '../ui/reporter.ts';
import { createLiveSender } from '../tracking/sender.ts';
import { backendUnusableReason } from './backend-health.ts';

/** What the flow will do with one run, decided from its existing record. */
export type RunAction =
  | 'start' //         no record yet, or queued (never started)
  | 'resume' //        interrupted earlier (running or killed): the executor continues it
  | 'retry' //         failed earlier and --retry-failed: started again from scratch
  | 'skip-finished' // finished earlier
  | 'skip-failed' //   failed earlier, no --retry-failed
  | 'replace'; //      the folder holds a failed/queued run of an older configuration: set aside, start anew

export interface FlowOptions {
  plan: Plan;
  settings: Settings;
  projectConfig?: ProjectConfig;
  /** Run only this one: a run name or its 0-based index in the plan. */
  only?: string;
  retryFailed?: boolean;
  /** Stop at the first failed run (default: go on with the rest of the sweep). */
  failFast?: boolean;
  signal?: AbortSignal;
  /** Git and versions to record; collected by the caller once. */
  environment?: RunEnvironment;
  /** Told when runs start, are skipped and end (the CLI prints a summary from it). */
  report?: (event: FlowEvent) => void;
  /** The UI: runStarted/runFinished are called by the flow, stages and progress by the executor. */
  reporter?: ProgressReporter;
}

export type FlowEvent =
  | { type: 'run-start'; run: PlannedRun; action: RunAction; record: RunRecord }
  | { type: 'run-skip'; run: PlannedRun; action: RunAction }
  | { type: 'run-end'; run: PlannedRun; status: RunStatus; error?: string }
  | { type: 'log'; run: PlannedRun; message: string };

export interface RunOutcome {
  run: PlannedRun;
  action: RunAction;
  /** Status after this invocation (a skipped run keeps its recorded status). */
  status: RunStatus;
  runDir: string;
  error?: string;
}

export interface FlowResult {
  outcomes: RunOutcome[];
  /** The flow stopped because the signal was aborted. */
  interrupted: boolean;
  /** The flow stopped because the backend died in this process (why); the rest needs a fresh process. */
  freshProcessNeeded?: string;
}

export function runDirOf(plan: Plan, run: PlannedRun, runsDir: string): string {
  return join(runsDir, plan.experiment, run.name);
}

/** The runs `--only` selects: a name, or an index. No match is a UserError with a suggestion. */
export function selectRuns(plan: Plan, only?: string): PlannedRun[] {
  if (only === undefined || only === '') return plan.runs;
  const byName = plan.runs.filter((run) => run.name === only);
  if (byName.length > 0) return byName;
  if (/^\d+$/.test(only)) {
    const run = plan.runs[Number(only)];
    if (run) return [run];
    throw new UserError(`--only ${only}: the plan has runs 0 to ${plan.runs.length - 1}`);
  }
  const close = closestName(only, plan.runs.map((r) => r.name));
  throw new UserError(`--only ${only}: no run with that name${close ? `; did you mean \`${close}\`?` : ''} (see \`exp plan\`)`);
}

export function decideAction(existing: Pick<RunInfo, 'status'> | undefined, retryFailed = false): RunAction {
  switch (existing?.status) {
    case undefined:
    case 'queued':
      return 'start';
    case 'running':
    case 'killed':
      return 'resume';
    case 'finished':
      return 'skip-finished';
    case 'failed':
      return retryFailed ? 'retry' : 'skip-failed';
  }
}

export interface PlannedAction {
  run: PlannedRun;
  action: RunAction;
  runDir: string;
  existing?: RunInfo;
}

/**
 * What the flow would do, without writing anything (`exp run --dry-run` prints this). A run folder
 * holding a different run (same name, different id: the spec changed since) is refused up front,
 * all such folders at once, rather than resumed with the wrong config.
 */
export function planActions(plan: Plan, settings: Settings, options: { only?: string; retryFailed?: boolean } = {}): PlannedAction[] {
  const selected = selectRuns(plan, options.only);
  const actions = selected.map((run) => {
    const runDir = runDirOf(plan, run, settings.runsDir);
    const existing = RunRecord.exists(runDir) ? RunRecord.open(runDir).info : undefined;
    return { run, runDir, existing, action: decideAction(existing, options.retryFailed) };
  });
  // A failed or never-started run of an older configuration holds nothing worth keeping in place
  // (typically it failed on a wrong path, since fixed): it is moved aside and the run starts anew.
  for (const a of actions) {
    if (a.existing && a.existing.id !== a.run.id && (a.existing.status === 'failed' || a.existing.status === 'queued')) a.action = 'replace';
  }
  const conflicts = actions.filter((a) => a.existing && a.existing.id !== a.run.id && a.action !== 'replace');
  if (conflicts.length > 0) {
    const lines = conflicts.map((a) => `  ${a.runDir}: recorded id ${a.existing!.id}, planned id ${a.run.id}`);
    throw new UserError(
      `the spec changed since these runs were recorded (same name, different configuration):\n${lines.join('\n')}\n` +
        'rename the experiment (name:), or move those run folders away, to keep both results.',
    );
  }
  return actions;
}

export async function executePlan(executor: RunExecutor, options: FlowOptions): Promise<FlowResult> {
  const { plan, settings } = options;
  const report = options.report ?? (() => {});
  const signal = options.signal ?? new AbortController().signal;
  const actions = planActions(plan, settings, options);
  const experimentDir = join(settings.runsDir, plan.experiment);
  const sweepFile = plan.sweep ? sweepRecordFile(experimentDir, plan.sweep.id) : undefined;
  const outcomes: RunOutcome[] = [];
  let interrupted = false;
  let freshProcessNeeded: string | undefined;

  const saveSweep = () => {
    if (!plan.sweep || !sweepFile) return;
    writeSweepRecord(sweepFile, sweepInfo(plan, settings, sweepFile));
  };
  saveSweep();

  for (const { run, action, runDir, existing } of actions) {
    if (signal.aborted) {
      interrupted = true;
      break;
    }
    if (action === 'skip-finished' || action === 'skip-failed') {
      report({ type: 'run-skip', run, action });
      outcomes.push({ run, action, status: existing!.status, runDir });
      continue;
    }
    if (action === 'replace') {
      const aside = `${runDir}@${existing!.id}`;
      renameSync(runDir, aside);
      report({ type: 'log', run, message: `an earlier ${existing!.status} run with another configuration was moved to ${aside}` });
    }
    const unusable = backendUnusableReason();
    if (unusable) {
      // Nothing more can run in this process; the caller continues in a fresh one.
      freshProcessNeeded = unusable;
      break;
    }
    const record = existing && action !== 'replace' ? RunRecord.open(runDir) : createRecord(plan, run, runDir, options);
    const outcome = await executeOne(executor, record, { run, action, runDir }, options, signal, report);
    outcomes.push(outcome);
    saveSweep();
    if (outcome.status === 'killed') {
      interrupted = true;
      break;
    }
    if (outcome.status === 'failed' && options.failFast) break;
  }
  saveSweep();
  return { outcomes, interrupted, ...(freshProcessNeeded ? { freshProcessNeeded } : {}) };
}

function createRecord(plan: Plan, run: PlannedRun, runDir: string, options: FlowOptions): RunRecord {
  const env = options.environment;
  return RunRecord.create(runDir, {
    id: run.id,
    name: run.name,
    experiment: plan.experiment,
    index: run.index,
    specPath: plan.specFile,
    overrides: run.overrides,
    spec: run.spec,
    ...(plan.sweep ? { parentId: plan.sweep.id, parentName: plan.name, parentRecord: `_sweep-${plan.sweep.id}.json` } : {}),
    git: env?.git ?? null,
    versions: env?.versions ?? { node: process.version, exp: 'unknown', tfjs: null },
    ...(env?.host ? { host: env.host } : {}),
  });
}

async function executeOne(
  executor: RunExecutor,
  record: RunRecord,
  planned: { run: PlannedRun; action: RunAction; runDir: string },
  options: FlowOptions,
  signal: AbortSignal,
  report: (event: FlowEvent) => void,
): Promise<RunOutcome> {
  const { run, action, runDir } = planned;
  const resume = action === 'resume';
  if (action === 'retry') {
    // From scratch: the failed attempt's metrics are kept beside, not mixed with the new ones, and
    // its checkpoints are no longer a place to resume from.
    const attempt = record.info.attempts;
    if (existsSync(record.paths.metrics)) renameSync(record.paths.metrics, join(runDir, `metrics.attempt-${attempt}.jsonl`));
    record.update({ checkpoints: undefined, resumeFrom: undefined });
    record.event(`retrying a failed run from scratch (--retry-failed); attempt ${attempt}'s metrics are in metrics.attempt-${attempt}.jsonl`);
  }
  record.setStatus('running');
  // Each attempt notes the code and backend it ran with (a resume may run on newer code).
  const env = options.environment;
  record.update({ backend: options.settings.backend, ...(env ? { git: env.git, versions: env.versions, host: env.host } : {}) });
  if (resume) record.event('resuming an interrupted run');
  report({ type: 'run-start', run, action, record });
  const reporter = options.reporter ?? silentReporter();
  reporter.runStarted({ index: run.index + 1, total: options.plan.runs.length, name: run.name, id: run.id });
  const started = Date.now();
  // Offline-first: the record above is the truth; the sender pushes it to MLflow in the background and
  // never fails the run (a server that is down only produces a warning; `exp sync` catches up later).
  const sender = createLiveSender(runDir, { uri: options.settings.trackingUri, intervalMs: 15_000, onWarning: (m) => record.event(m) });
  await sender.flush();

  let result: RunResult;
  try {
    result = await executor.execute({
      run,
      spec: run.spec,
      record,
      runDir,
      resume,
      signal,
      backend: options.settings.backend,
      settings: options.settings,
      projectConfig: options.projectConfig ?? {},
      log: (message) => {
        record.event(message);
        report({ type: 'log', run, message });
      },
      reporter,
    });
  } catch (error) {
    result = signal.aborted ? { status: 'killed' } : { status: 'failed', error: error instanceof Error ? error : String(error) };
  }
  // An executor that returns normally after an abort was still cut short, unless it says it finished.
  if (signal.aborted && result.status !== 'finished') result = { status: 'killed' };

  if (result.status === 'killed') {
    const reason = typeof signal.reason === 'string' ? signal.reason : 'interrupted';
    record.setStatus('killed', { error: `stopped by ${reason}; \`exp run\` again resumes it` });
  } else if (result.status === 'failed') {
    record.setStatus('failed', { error: result.error });
  } else {
    if (result.summary) record.update({ summary: result.summary });
    record.setStatus('finished');
  }
  await sender.close();
  const error = record.info.error?.message;
  const uiStatus = record.status === 'finished' ? 'completed' : record.status === 'failed' ? 'failed' : 'interrupted';
  await reporter.runFinished({ status: uiStatus, runDir, durationMs: Date.now() - started, ...(error ? { message: error } : {}), ...(result.status === 'finished' && result.summary ? { metrics: result.summary } : {}), ...(result.status === 'finished' && result.modelDir ? { modelDir: result.modelDir } : {}) });
  report({ type: 'run-end', run, status: record.status, ...(error ? { error } : {}) });
  return { run, action, status: record.status, runDir, ...(error && record.status === 'failed' ? { error } : {}) };
}

/** The sweep's parent record, rebuilt from its children's records. */
function sweepInfo(plan: Plan, settings: Settings, file: string): SweepInfo {
  const previous = readSweepRecord(file);
  const runs = plan.runs.map((run) => {
    const dir = runDirOf(plan, run, settings.runsDir);
    const status: RunStatus = RunRecord.exists(dir) ? RunRecord.open(dir).status : 'queued';
    return { index: run.index, id: run.id, name: run.name, status };
  });
  const statuses = runs.map((r) => r.status);
  const status: RunStatus = statuses.every((s) => s === 'finished')
    ? 'finished'
    : statuses.includes('running')
      ? 'running'
      : statuses.includes('killed')
        ? 'killed'
        : statuses.includes('failed')
          ? 'failed'
          : 'queued';
  const now = new Date().toISOString();
  return {
    format: 1,
    id: plan.sweep!.id,
    name: plan.name,
    method: plan.sweep!.method,
    specPath: plan.specFile,
    varied: plan.sweep!.varied,
    createdAt: previous?.createdAt ?? now,
    updatedAt: now,
    status,
    runs,
  };
}
