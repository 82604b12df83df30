// `exp plan <spec>`: the runs a spec expands to (name, id, the parameters that differ, and the status
// of any earlier run), without running anything.
import type { CommandModule } from 'yargs';
import { loadProjectConfig, resolveSettings } from '../../config/project-config.ts';
import { runDirOf } from '../../engine/run-flow.ts';
import { RunRecord } from '../../tracking/record.ts';
import { formatTable, printDiagnostics, writeJson } from '../output.ts';
import { planSpecFile } from '../spec-input.ts';

interface PlanArgs {
  spec: string;
  json?: boolean;
  quiet?: boolean;
  'runs-dir'?: string;
  'show-spec'?: boolean;
}

export const planCommand: CommandModule<object, PlanArgs> = {
  command: 'plan <spec>',
  describe: 'List the runs a spec expands to (sweeps included) and what differs between them',
  builder: (yargs) =>
    yargs
      .positional('spec', { type: 'string', demandOption: true, describe: 'experiment spec (YAML)' })
      .option('runs-dir', { type: 'string', describe: 'where run records are looked up (default: project runsDir, else ./runs)' })
      .option('show-spec', { type: 'boolean', describe: 'with --json: include each run\'s resolved spec' })
      .example('$0 plan experiments/darija-lr-sweep.yaml', 'table of the 4 runs of the 2x2 grid')
      .example('$0 plan experiments/darija-lr-sweep.yaml --json', 'the same as JSON (ids, names, overrides)'),
  handler: async (argv) => {
    const { plan, warnings } = planSpecFile(argv.spec);
    const project = await loadProjectConfig();
    const settings = resolveSettings({ cli: { runsDir: argv['runs-dir'] }, spec: {}, project });
    const statusOf = (index: number): string | undefined => {
      const dir = runDirOf(plan, plan.runs[index], settings.runsDir);
      if (!RunRecord.exists(dir)) return undefined;
      const info = RunRecord.open(dir).info;
      // Same name, different configuration: the recorded status is not this run's.
      return info.id === plan.runs[index].id ? info.status : `${info.status} (other config ${info.id})`;
    };
    if (argv.json) {
      writeJson({
        name: plan.name,
        experiment: plan.experiment,
        specFile: plan.specFile,
        runsDir: settings.runsDir,
        sweep: plan.sweep ?? null,
        runs: plan.runs.map((run) => ({
          index: run.index,
          id: run.id,
          name: run.name,
          overrides: run.overrides,
          status: statusOf(run.index) ?? null,
          ...(argv['show-spec'] ? { spec: run.spec } : {}),
        })),
        warnings,
      });
      return;
    }
    printDiagnostics(warnings, argv);
    const varied = plan.sweep?.varied ?? [];
    const header = ['#', 'name', 'id', ...varied, 'status'];
    const rows = plan.runs.map((run) => [String(run.index), run.name, run.id, ...varied.map((p) => displayValue(run.overrides[p])), statusOf(run.index) ?? '-']);
    const title = plan.sweep
      ? `${plan.name}: ${plan.sweep.method} sweep ${plan.sweep.id}, ${plan.runs.length} runs -> ${settings.runsDir}/${plan.experiment}/`
      : `${plan.name}: 1 run -> ${settings.runsDir}/${plan.experiment}/`;
    process.stdout.write(`${title}\n${formatTable(header, rows)}\n`);
  },
};

/** A sweep value for the table: numbers in the short form people write them (3e-05, 0.1, 200). */
function displayValue(value: unknown): string {
  if (typeof value === 'number') return Math.abs(value) < 1e-3 && value !== 0 ? value.toExponential().replace(/e-(\d)$/, 'e-0$1') : String(value);
  return typeof value === 'string' ? value : JSON.stringify(value);
}
