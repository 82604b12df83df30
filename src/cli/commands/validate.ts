// `exp validate <spec>`: check a spec (schema, cross-field rules, sweep values, every planned run)
// without running anything. Exit 0 when valid (warnings are printed), 2 with every problem otherwise.
import type { CommandModule } from 'yargs';
import { relative } from 'node:path';
import { printDiagnostics, writeJson } from '../output.ts';
import { planSpecFile } from '../spec-input.ts';

interface ValidateArgs {
  spec: string;
  json?: boolean;
  quiet?: boolean;
}

export const validateCommand: CommandModule<object, ValidateArgs> = {
  command: 'validate <spec>',
  describe: 'Check an experiment spec and report every problem with file:line:col',
  builder: (yargs) =>
    yargs
      .positional('spec', { type: 'string', demandOption: true, describe: 'experiment spec (YAML)' })
      .example('$0 validate experiments/darija-ft6.yaml', 'check a spec; exit 0 if valid, 2 if not')
      .example('$0 validate my.yaml --json', 'diagnostics as JSON (file, line, col, path, message, hint)'),
  handler: (argv) => {
    const { plan, warnings } = planSpecFile(argv.spec);
    if (argv.json) {
      writeJson({ ok: true, file: plan.specFile, name: plan.name, runs: plan.runs.length, diagnostics: warnings });
      return;
    }
    printDiagnostics(warnings, argv);
    const runs = plan.runs.length === 1 ? '1 run' : `${plan.runs.length} runs (${plan.sweep?.method} sweep)`;
    const notes = warnings.length === 0 ? '' : ` with ${warnings.length} warning${warnings.length === 1 ? '' : 's'}`;
    if (!argv.quiet) process.stdout.write(`ok: ${relative(process.cwd(), plan.specFile)} is valid${notes}: ${runs}\n`);
  },
};
