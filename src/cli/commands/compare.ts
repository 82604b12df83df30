// `exp compare [experiment|spec]`: runs side by side from their local records (status, the params
// that differ, final metrics), as a table, --json or --csv.
import type { CommandModule } from 'yargs';
import { loadProjectConfig, resolveSettings } from '../../config/project-config.ts';
import { compareRuns, compareTargetDirs, comparisonRows, toCsv, toJsonValue } from '../../tracking/compare.ts';
import { formatTable, writeJson } from '../output.ts';

interface CompareArgs {
  target?: string;
  sort?: string;
  json?: boolean;
  csv?: boolean;
  'runs-dir'?: string;
}

export const compareCommand: CommandModule<object, CompareArgs> = {
  command: 'compare [target]',
  describe: 'Compare runs: status, the parameters that differ, final metrics',
  builder: (yargs) =>
    yargs
      .positional('target', { type: 'string', describe: 'experiment name, spec file or folder of runs (default: every run)' })
      .option('sort', { type: 'string', describe: 'sort by a metric or parameter, ascending; prefix - for descending (e.g. -eval_wer)' })
      .option('csv', { type: 'boolean', describe: 'CSV on stdout (full precision)' })
      .option('runs-dir', { type: 'string', describe: 'where run records are (default: project runsDir, else ./runs)' })
      .conflicts('csv', 'json')
      .example('$0 compare darija --sort eval_wer', 'runs of experiment darija, best WER first')
      .example('$0 compare experiments/darija-lr-sweep.yaml --csv > runs.csv', 'the runs of a spec as CSV'),
  handler: async (argv) => {
    const project = await loadProjectConfig();
    const { runsDir } = resolveSettings({ cli: { runsDir: argv['runs-dir'] }, project });
    // With `--sort=-eval_wer` yargs keeps the dash; `--sort -eval_wer` would read as a flag.
    const comparison = compareRuns(compareTargetDirs(argv.target, runsDir), { sort: argv.sort });
    if (argv.json) return writeJson(toJsonValue(comparison));
    if (argv.csv) {
      process.stdout.write(toCsv(comparison));
      return;
    }
    const { header, rows } = comparisonRows(comparison);
    process.stdout.write(`${formatTable(header, rows)}\n`);
  },
};
