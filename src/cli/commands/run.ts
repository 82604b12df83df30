// `exp run <spec>`: validate, plan, then execute each run with the registered executor (the trainer),
// skipping finished runs, resuming interrupted ones, retrying failed ones only with --retry-failed.
// Ctrl-C / SIGTERM: the executor is asked to stop, the run is marked `killed`, exit 130 / 143;
// a second Ctrl-C stops at once (the run is still marked killed).
import type { CommandModule } from 'yargs';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { spawnSync } from 'node:child_process';
import { loadProjectConfig, resolveSettings, type Settings } from '../../config/project-config.ts';
import { resolvePointer, experimentSchema } from '../../config/schema.ts';
import { DEFAULT_EXECUTOR, type RunExecutor } from '../../engine/executor.ts';
import { defaultExecutors } from '../../engine/executors.ts';
import { executePlan, planActions, type PlannedAction } from '../../engine/run-flow.ts';
import { collectEnvironment } from '../../tracking/environment.ts';
import type { RunRecord } from '../../tracking/record.ts';
import { UserError } from '../../util/errors.ts';
import { EXIT, ExitError } from '../exit.ts';
import { formatTable, printDiagnostics, writeJson } from '../output.ts';
import { planSpecFile } from '../spec-input.ts';

interface RunArgs {
  spec: string;
  'dry-run'?: boolean;
  only?: string;
  backend?: string;
  'runs-dir'?: string;
  'cache-dir'?: string;
  'tracking-uri'?: string;
  'retry-failed'?: boolean;
  'fail-fast'?: boolean;
  executor?: string;
  'executor-module'?: string;
  json?: boolean;
  quiet?: boolean;
  debug?: boolean;
}

const SIGNAL_EXIT: Record<string, number> = { SIGINT: EXIT.sigint, SIGTERM: EXIT.sigterm };

export const runCommand: CommandModule<object, RunArgs> = {
  command: 'run <spec>',
  describe: 'Run an experiment (every run of its sweep), recording each under the runs dir',
  builder: (yargs) =>
    yargs
      .positional('spec', { type: 'string', demandOption: true, describe: 'experiment spec (YAML)' })
      .option('dry-run', { type: 'boolean', describe: 'show what would run, resume or be skipped, and the settings; write nothing' })
      .option('only', { type: 'string', describe: 'run just one run: its name or its index in `exp plan`' })
      .option('backend', { type: 'string', choices: resolvePointer(experimentSchema(), '/$defs/engine/properties/backend/enum') as string[], describe: 'tfjs backend (overrides engine.backend and the project config)' })
      .option('runs-dir', { type: 'string', describe: 'where run folders go (default: project runsDir, else ./runs)' })
      .option('cache-dir', { type: 'string', describe: 'feature cache (default: project cacheDir, else ./.cache)' })
      .option('tracking-uri', { type: 'string', describe: 'MLflow server to log to (overrides tracking.uri, the project config and MLFLOW_TRACKING_URI)' })
      .option('retry-failed', { type: 'boolean', describe: 'run again the runs whose record says failed (from scratch)' })
      .option('fail-fast', { type: 'boolean', describe: 'stop the sweep at the first failed run' })
      .option('executor', { type: 'string', default: DEFAULT_EXECUTOR, describe: 'registered executor that does the work', hidden: true })
      .option('executor-module', { type: 'string', describe: 'load the executor from this module instead (default export, or createExecutor())' })
      .example('$0 run experiments/darija-ft6.yaml', 'fine-tune as the original script did')
      .example('$0 run experiments/darija-lr-sweep.yaml --dry-run', 'which of the 4 runs would start, resume or be skipped')
      .example('$0 run experiments/darija-lr-sweep.yaml --only darija-lr-sweep-lr3e-05-wu200', 'one run of the sweep (or --only 3)')
      .example('$0 run experiments/darija-lr-sweep.yaml --retry-failed', 'rerun the runs that failed last time'),
  handler: async (argv) => {
    const { validated, plan, warnings } = planSpecFile(argv.spec);
    if (!argv.json) printDiagnostics(warnings, argv);
    const project = await loadProjectConfig();
    const settings = resolveSettings({
      cli: { runsDir: argv['runs-dir'], cacheDir: argv['cache-dir'], backend: argv.backend, trackingUri: argv['tracking-uri'] },
      spec: validated.loaded.raw,
      project,
    });
    const actions = planActions(plan, settings, { only: argv.only, retryFailed: argv['retry-failed'] });

    if (argv['dry-run']) {
      printDryRun(actions, settings, argv.json === true);
      return;
    }

    const executor = await loadExecutor(argv);
    const controller = new AbortController();
    let current: RunRecord | undefined;
    let caught: string | undefined;
    const onSignal = (signal: NodeJS.Signals) => {
      if (caught === undefined) {
        caught = signal;
        controller.abort(signal);
        process.stderr.write(`\n${signal}: stopping the current run at the next safe point (press Ctrl-C again to stop now)\n`);
        return;
      }
      // Second signal: the executor did not stop in time. Record the run as killed, then leave.
      if (current && current.status === 'running') current.setStatus('killed', { error: `stopped by a second ${signal}; \`exp run\` again resumes it` });
      process.exit(SIGNAL_EXIT[caught] ?? EXIT.sigint);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);

    // The UI (listr2) loads only when something runs, to keep validate/plan quick.
    const { createReporter } = await import('../../ui/index.ts');
    const reporter = createReporter({ mode: argv.json ? 'json' : argv.quiet ? 'quiet' : 'auto', debug: argv.debug === true });
    let result;
    try {
      result = await executePlan(executor, {
        plan,
        settings,
        projectConfig: project,
        only: argv.only,
        retryFailed: argv['retry-failed'],
        failFast: argv['fail-fast'],
        signal: controller.signal,
        environment: collectEnvironment(resolve(plan.specFile, '..')),
        reporter,
        report: (event) => {
          if (event.type === 'run-start') current = event.record;
          if (event.type === 'log') reporter.info(`${event.run.name}: ${event.message}`);
          if (event.type === 'run-skip') reporter.info(`${event.run.name}: ${event.action === 'skip-finished' ? 'already finished, skipped' : 'failed last time, skipped (use --retry-failed)'}`);
        },
      });
      if (plan.runs.length > 1 || result.outcomes.length !== 1) {
        reporter.sweepSummary(
          result.outcomes.map((o) => ({
            index: o.run.index + 1,
            name: o.run.name,
            id: o.run.id,
            status: o.action.startsWith('skip') ? 'skipped' : o.status === 'finished' ? 'completed' : o.status === 'failed' ? 'failed' : 'interrupted',
            runDir: o.runDir,
          })),
        );
      }
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      await reporter.close();
    }
    if (result.interrupted) throw new ExitError(SIGNAL_EXIT[caught ?? 'SIGINT'] ?? EXIT.sigint);
    if (result.freshProcessNeeded) {
      // The failed run is recorded as failed, so the same command in a new process skips it (and the
      // finished ones) and goes on with the rest of the sweep; its exit code says how that went.
      process.stderr.write(`${result.freshProcessNeeded}: continuing the remaining runs in a fresh process\n`);
      const status = spawnSync(process.execPath, [EXP_BIN, ...continuationArgs(argv)], { stdio: 'inherit', env: process.env }).status;
      throw new ExitError(status === 0 && result.outcomes.some((o) => o.status === 'failed') ? EXIT.failed : (status ?? EXIT.failed));
    }
    if (result.outcomes.some((o) => o.status === 'failed')) throw new ExitError(EXIT.failed);
  },
};

const EXP_BIN = fileURLToPath(new URL('../../../bin/exp.mjs', import.meta.url));

/** The same `exp run`, minus --retry-failed (the run that killed the backend must not be retried). */
function continuationArgs(argv: RunArgs): string[] {
  const args = ['run', argv.spec];
  const valued: (keyof RunArgs)[] = ['only', 'backend', 'runs-dir', 'cache-dir', 'tracking-uri', 'executor', 'executor-module'];
  for (const key of valued) if (typeof argv[key] === 'string') args.push(`--${key}`, argv[key] as string);
  for (const key of ['fail-fast', 'json', 'quiet', 'debug'] as const) if (argv[key]) args.push(`--${key}`);
  return args;
}

async function loadExecutor(argv: RunArgs): Promise<RunExecutor> {
  const modulePath = argv['executor-module'];
  if (!modulePath) return defaultExecutors.create(argv.executor ?? DEFAULT_EXECUTOR);
  let module: { default?: unknown; createExecutor?: () => unknown };
  try {
    module = (await import(pathToFileURL(resolve(modulePath)).href)) as typeof module;
  } catch (error) {
    throw new UserError(`--executor-module ${modulePath}: cannot load it (${(error as Error).message})`);
  }
  const candidate = typeof module.createExecutor === 'function' ? await module.createExecutor() : module.default;
  if (!candidate || typeof (candidate as RunExecutor).execute !== 'function') {
    throw new UserError(`--executor-module ${modulePath}: export a RunExecutor (an object with execute(ctx)) as default, or a createExecutor() function`);
  }
  return candidate as RunExecutor;
}

const ACTION_TEXT: Record<PlannedAction['action'], string> = {
  start: 'start',
  resume: 'resume (interrupted earlier)',
  retry: 'retry (failed earlier)',
  'skip-finished': 'skip (finished)',
  'skip-failed': 'skip (failed; --retry-failed reruns it)',
  replace: 'start (an older failed run of another configuration is moved aside)',
};

function printDryRun(actions: PlannedAction[], settings: Settings, json: boolean): void {
  if (json) {
    writeJson({ dryRun: true, settings, runs: actions.map((a) => ({ index: a.run.index, id: a.run.id, name: a.run.name, action: a.action, runDir: a.runDir })) });
    return;
  }
  const from = settings.from;
  process.stdout.write(
    `dry run: nothing is written\n` +
      `  runs dir:  ${settings.runsDir} (${from.runsDir})\n` +
      `  cache dir: ${settings.cacheDir} (${from.cacheDir})\n` +
      `  backend:   ${settings.backend} (${from.backend})\n` +
      `  tracking:  ${settings.trackingUri ?? 'local only'} (${from.trackingUri})\n\n` +
      `${formatTable(['#', 'run', 'id', 'action', 'folder'], actions.map((a) => [String(a.run.index), a.run.name, a.run.id, ACTION_TEXT[a.action], a.runDir]))}\n`,
  );
}
