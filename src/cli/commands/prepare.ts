// `exp prepare <spec>`: run the data stage alone (read sources, clean, tokenize, featurize into the
// feature cache) and print the data report. A later `exp run` or sweep child then finds every
// feature cached. For a sweep, each distinct data setup among the planned runs is prepared once
// (usually one: sweeps rarely vary data.* or the model's tokenizer/window).
import type { CommandModule } from 'yargs';
import { resolve } from 'node:path';
import { loadProjectConfig, resolveSettings } from '../../config/project-config.ts';
import { prepareData, type PrepareDataOptions } from '../../data/pipeline.ts';
import { dataOptionsFromSpec } from '../../data/spec-options.ts';
import { formatReport, type DataReport } from '../../data/report.ts';
import { createReporter } from '../../ui/index.ts';
import { printDiagnostics, writeJson } from '../output.ts';
import { planSpecFile } from '../spec-input.ts';

interface PrepareArgs {
  spec: string;
  json?: boolean;
  quiet?: boolean;
  'cache-dir'?: string;
  'report-dir'?: string;
  ffmpeg?: boolean;
}

export const prepareCommand: CommandModule<object, PrepareArgs> = {
  command: 'prepare <spec>',
  describe: 'Read, clean and featurize the data of a spec (fills the feature cache) and print the data report',
  builder: (yargs) =>
    yargs
      .positional('spec', { type: 'string', demandOption: true, describe: 'experiment spec (YAML)' })
      .option('json', { type: 'boolean', default: false, describe: 'print the report as JSON on stdout (progress goes to stderr)' })
      .option('cache-dir', { type: 'string', describe: 'feature cache folder (default: project cacheDir, else <project>/.cache)' })
      .option('report-dir', { type: 'string', describe: 'also write data-report.json into this folder' })
      .option('ffmpeg', { type: 'boolean', default: true, describe: 'fall back to the ffmpeg CLI for files audio-decode cannot read (--no-ffmpeg to disable)' })
      .example('$0 prepare experiments/darija.yaml', 'featurize once; runs and sweep children reuse the cache')
      .example('$0 prepare experiments/darija.yaml --json', 'the data report as JSON'),
  handler: async (argv) => {
    const { validated, plan, warnings } = planSpecFile(argv.spec);
    printDiagnostics(warnings, argv);
    const project = await loadProjectConfig();
    const settings = resolveSettings({ cli: { cacheDir: argv['cache-dir'] }, spec: validated.loaded.raw, project });

    // One prepareData call per distinct data setup among the planned runs.
    const setups = new Map<string, { runs: string[]; options: PrepareDataOptions }>();
    for (const run of plan.runs) {
      const options = dataOptionsFromSpec(run.spec, {
        cacheDir: settings.cacheDir,
        runDir: argv['report-dir'] ? resolve(argv['report-dir']) : undefined,
      });
      options.decode = { ffmpeg: argv.ffmpeg !== false };
      const key = JSON.stringify(options);
      const setup = setups.get(key) ?? { runs: [], options };
      setup.runs.push(run.name);
      setups.set(key, setup);
    }

    const reporter = createReporter({ stream: process.stderr, mode: argv.json ? 'plain' : 'auto' });
    const reports: { runs: string[]; report: DataReport; reportPath?: string }[] = [];
    try {
      for (const { runs, options } of setups.values()) {
        const label = setups.size === 1 ? `data of ${plan.name}` : `data of ${runs.join(', ')}`;
        reporter.stage('prepare', 'start', label);
        const prepared = await prepareData({
          ...options,
          onProgress: (p) =>
            reporter.progress('prepare', {
              done: p.done,
              total: p.total,
              values: { skipped: p.skipped },
              message: `${p.split}: ${p.cacheHits} cached, ${p.computed} computed`,
            }),
        });
        const splits = Object.values(prepared.report.splits);
        const kept = splits.reduce((n, s) => n + s.kept, 0);
        const skipped = splits.reduce((n, s) => n + s.skipped, 0);
        reporter.stage('prepare', 'done', `${kept} clips, ${skipped} skipped`);
        reports.push({ runs, report: prepared.report, reportPath: prepared.reportPath });
      }
    } catch (err) {
      reporter.stage('prepare', 'fail', (err as Error).message.split('\n')[0]);
      throw err;
    } finally {
      await reporter.close();
    }

    if (argv.json) {
      // One setup (the usual case): the report itself; several: one entry per setup.
      writeJson(reports.length === 1 ? reports[0].report : reports.map(({ runs, report }) => ({ runs, report })));
      return;
    }
    for (const { runs, report, reportPath } of reports) {
      if (reports.length > 1) process.stdout.write(`\n== runs: ${runs.join(', ')}\n`);
      process.stdout.write(`${formatReport(report)}\n`);
      if (reportPath) process.stdout.write(`report: ${reportPath}\n`);
    }
  },
};
