// `exp sync [runs...]`: push local run records to an MLflow tracking server. Safe to repeat and to
// interrupt: what was pushed is remembered in each run's mlflow.json, nothing is sent twice.
import { existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { CommandModule } from 'yargs';
import { loadProjectConfig, resolveSettings } from '../../config/project-config.ts';
import { MlflowClient } from '../../tracking/mlflow/client.ts';
import { MlflowRequestError } from '../../tracking/mlflow/http.ts';
import { specTrackingUri } from '../../tracking/mlflow/run-content.ts';
import { findRunFolders, readRunRecord } from '../../tracking/mlflow/run-folder.ts';
import { authFromEnv, resolveTrackingUri } from '../../tracking/mlflow/tracking-uri.ts';
import { syncRun, type SyncResult } from '../../tracking/sender.ts';
import { isUserError, UserError } from '../../util/errors.ts';
import { EXIT, ExitError } from '../exit.ts';
import { writeJson } from '../output.ts';

interface SyncArgs {
  runs?: string[];
  uri?: string;
  'tracking-uri'?: string;
  'runs-dir'?: string;
  retries?: number;
  timeout?: number;
  json?: boolean;
  quiet?: boolean;
}

/** Run folders named by the arguments: paths (a run, an experiment folder, a runs folder) or names under runsDir. */
export function syncTargets(args: string[], runsDir: string): string[] {
  if (args.length === 0) return findRunFolders(runsDir);
  const dirs = args.flatMap((arg) => {
    if (existsSync(arg)) return findRunFolders(resolve(arg));
    const byExperiment = findRunFolders(join(runsDir, arg), 1);
    if (byExperiment.length > 0) return byExperiment;
    const byRun = findRunFolders(runsDir).filter((dir) => basename(dir) === arg || safeId(dir) === arg);
    if (byRun.length > 0) return byRun;
    throw new UserError(`'${arg}' is neither a run folder nor the name or id of a run or experiment under ${runsDir}. 'exp ls' lists the runs.`);
  });
  return [...new Set(dirs)];
}

function safeId(dir: string): string | undefined {
  try {
    return readRunRecord(dir).id;
  } catch {
    return undefined;
  }
}

export const syncCommand: CommandModule<object, SyncArgs> = {
  command: 'sync [runs..]',
  describe: 'Push run records to an MLflow tracking server (idempotent; resumes where it stopped)',
  builder: (yargs) =>
    yargs
      .positional('runs', { type: 'string', array: true, describe: 'run folders, or run/experiment names under the runs dir (default: every run)' })
      .option('uri', { alias: 'tracking-uri', type: 'string', describe: 'MLflow tracking server (default: spec tracking.uri, project trackingUri, MLFLOW_TRACKING_URI)' })
      .option('runs-dir', { type: 'string', describe: 'where run records are (default: project runsDir, else ./runs)' })
      .option('retries', { type: 'number', default: 4, describe: 'retries of a request on network errors, timeouts and 5xx (exponential backoff)' })
      .option('timeout', { type: 'number', default: 30, describe: 'seconds to wait for one answer from the server' })
      .example('$0 sync --uri http://127.0.0.1:5000', 'push every local run')
      .example('$0 sync darija', 'push the runs of experiment darija to their tracking server'),
  handler: async (argv) => {
    const project = await loadProjectConfig();
    const { runsDir } = resolveSettings({ cli: { runsDir: argv['runs-dir'] }, project });
    const dirs = syncTargets(argv.runs ?? [], runsDir);
    if (dirs.length === 0) throw new UserError(`No runs to sync under ${runsDir}.`);
    const clients = new Map<string, MlflowClient>();
    const results: (SyncResult | { runDir: string; error: string; skipped?: boolean })[] = [];
    const say = (line: string) => {
      if (!argv.json) process.stdout.write(`${line}\n`);
    };
    for (const dir of dirs) {
      const name = basename(dir);
      try {
        const resolved = resolveTrackingUri({ cli: argv.uri, spec: specTrackingUri(readRunRecord(dir)), project: project.trackingUri });
        if (!resolved) {
          results.push({ runDir: dir, error: 'no tracking URI', skipped: true });
          continue;
        }
        let client = clients.get(resolved.uri);
        if (!client) clients.set(resolved.uri, (client = new MlflowClient(resolved.uri, { auth: authFromEnv(), retries: argv.retries, timeoutMs: (argv.timeout ?? 30) * 1000 })));
        const result = await syncRun(dir, {
          uri: resolved.uri,
          client,
          onWarning: (m) => {
            if (!argv.quiet) process.stderr.write(`warning: ${m}\n`);
          },
        });
        results.push(result);
        const { metrics, params, artifacts } = result.sent;
        say(`synced ${name} -> ${result.runUrl} (${metrics} metric points, ${params} params, ${artifacts} artifacts sent; ${result.status})`);
      } catch (err) {
        if (!(err instanceof MlflowRequestError) && !isUserError(err)) throw err;
        results.push({ runDir: dir, error: err.message });
        process.stderr.write(`error: ${name}: ${err.message}\n`);
      }
    }
    const skipped = results.filter((r) => 'skipped' in r && r.skipped);
    if (skipped.length === dirs.length) {
      throw new UserError(
        'No MLflow tracking URI: pass --uri http://127.0.0.1:5000, set tracking.uri in the spec, trackingUri in the project config, or MLFLOW_TRACKING_URI.',
      );
    }
    if (skipped.length > 0) say(`${skipped.length} run(s) skipped, they have no tracking URI (use --uri): ${skipped.map((r) => basename(r.runDir)).join(', ')}`);
    if (argv.json) writeJson({ ok: results.every((r) => !('error' in r) || ('skipped' in r && r.skipped)), runs: results });
    const failed = results.filter((r) => 'error' in r && !('skipped' in r && r.skipped));
    if (failed.length > 0) {
      if (!argv.json) process.stderr.write(`${failed.length} of ${dirs.length} run(s) not fully pushed; run 'exp sync' again once the server answers (nothing is sent twice).\n`);
      throw new ExitError(EXIT.failed);
    }
  },
};
