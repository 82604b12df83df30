// `exp ls`: the runs recorded under the runs dir, with their status (a `running` run whose process is
// gone is flagged: `exp run` resumes it).
import type { CommandModule } from 'yargs';
import { existsSync, readdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { loadProjectConfig, resolveSettings } from '../../config/project-config.ts';
import { RunRecord, type RunInfo } from '../../tracking/record.ts';
import { formatTable, writeJson } from '../output.ts';

interface LsArgs {
  experiment?: string;
  'runs-dir'?: string;
  status?: string;
  json?: boolean;
}

export interface ListedRun {
  experiment: string;
  name: string;
  id: string;
  status: RunInfo['status'];
  /** status is running but its process is no longer alive on this host (crashed or killed -9). */
  stale: boolean;
  startTime?: string;
  endTime?: string;
  parentId?: string;
  dir: string;
  error?: string;
}

/** Every run record under `runsDir` (optionally one experiment), sorted by experiment then start. */
export function listRuns(runsDir: string, experiment?: string): ListedRun[] {
  if (!existsSync(runsDir)) return [];
  const experiments = experiment ? [experiment] : readdirSync(runsDir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
  const runs: ListedRun[] = [];
  for (const exp of experiments) {
    const dir = join(runsDir, exp);
    if (!existsSync(dir)) continue;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const runDir = join(dir, entry.name);
      if (!entry.isDirectory() || !RunRecord.exists(runDir)) continue;
      let info: RunInfo;
      try {
        info = RunRecord.open(runDir).info;
      } catch (error) {
        // One damaged record must not hide the others.
        process.stderr.write(`warning: skipping ${runDir}: ${(error as Error).message}\n`);
        continue;
      }
      runs.push({
        experiment: exp,
        name: info.name,
        id: info.id,
        status: info.status,
        stale: info.status === 'running' && isStale(info),
        ...(info.startTime ? { startTime: info.startTime } : {}),
        ...(info.endTime ? { endTime: info.endTime } : {}),
        ...(info.parentId ? { parentId: info.parentId } : {}),
        ...(info.error ? { error: info.error.message } : {}),
        dir: runDir,
      });
    }
  }
  return runs.sort((a, b) => a.experiment.localeCompare(b.experiment) || (a.startTime ?? '').localeCompare(b.startTime ?? '') || a.name.localeCompare(b.name));
}

function isStale(info: RunInfo): boolean {
  if (typeof info.pid !== 'number' || (info.host && info.host !== hostname())) return false;
  try {
    process.kill(info.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

function duration(start?: string, end?: string): string {
  if (!start) return '-';
  const ms = (end ? Date.parse(end) : Date.now()) - Date.parse(start);
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : s < 3600 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export const lsCommand: CommandModule<object, LsArgs> = {
  command: 'ls [experiment]',
  describe: 'List recorded runs and their status',
  builder: (yargs) =>
    yargs
      .positional('experiment', { type: 'string', describe: 'only this experiment (a folder of the runs dir)' })
      .option('runs-dir', { type: 'string', describe: 'runs folder (default: project runsDir, else ./runs)' })
      .option('status', { type: 'string', choices: ['queued', 'running', 'finished', 'failed', 'killed'], describe: 'only runs with this status' })
      .example('$0 ls', 'every run under ./runs')
      .example('$0 ls whisper-darija --status failed', 'the failed runs of one experiment'),
  handler: async (argv) => {
    const settings = resolveSettings({ cli: { runsDir: argv['runs-dir'] }, project: await loadProjectConfig() });
    const runs = listRuns(settings.runsDir, argv.experiment).filter((r) => !argv.status || r.status === argv.status);
    if (argv.json) {
      writeJson({ runsDir: settings.runsDir, runs });
      return;
    }
    if (runs.length === 0) {
      process.stdout.write(`no runs under ${settings.runsDir}${argv.experiment ? `/${argv.experiment}` : ''}\n`);
      return;
    }
    const rows = runs.map((r) => [
      r.experiment,
      r.name,
      r.stale ? 'running (stale: process gone; `exp run` resumes it)' : r.status,
      r.startTime ? r.startTime.replace('T', ' ').slice(0, 19) : '-',
      duration(r.startTime, r.endTime ?? (r.status === 'running' && !r.stale ? undefined : r.startTime)),
      r.id,
    ]);
    process.stdout.write(`${formatTable(['experiment', 'run', 'status', 'started (UTC)', 'took', 'id'], rows)}\n`);
  },
};
