// The `exp` command line: declares the commands (commands/index.ts) and the global flags, runs one,
// and turns what it throws into an exit code: UserError/SpecError -> its message (no stack unless
// --debug), ExitError -> its code, anything else -> an internal error with its stack.
import yargs from 'yargs';
import { SpecError } from '../config/diagnostics.ts';
import { isUserError } from '../util/errors.ts';
import { closestName } from '../config/suggest.ts';
import { commands } from './commands/index.ts';
import { EXIT, ExitError } from './exit.ts';
import { printDiagnostics, writeJson, type OutputFlags } from './output.ts';

/** Runs `exp` with `argv` (without node and the script); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  // Read before yargs, so that even a usage error can be reported in the requested form.
  const flags: OutputFlags = { json: argv.includes('--json'), quiet: argv.includes('--quiet') || argv.includes('-q'), debug: argv.includes('--debug') };
  let usageError: string | undefined;
  const parser = yargs(argv)
    .scriptName('exp')
    .usage('$0 <command> [options]\n\nDeclarative experiments for fine-tuning Whisper: validate a YAML spec, plan its sweep, run it, list the runs.')
    .command(commands)
    .option('json', { type: 'boolean', describe: 'machine-readable output (diagnostics, plans, listings) on stdout', global: true })
    .option('quiet', { alias: 'q', type: 'boolean', describe: 'only errors and results; no warnings or progress', global: true })
    .option('debug', { type: 'boolean', describe: 'show stack traces of errors', global: true })
    .demandCommand(1, 'name a command (see the list above)')
    .strict()
    .help()
    .alias('help', 'h')
    .version()
    .wrap(Math.min(120, process.stdout.columns || 120))
    .epilogue('Run `exp <command> --help` for the options and examples of each command. Exit codes: 0 ok, 1 a run failed, 2 bad spec or usage, 3 engine missing, 130 interrupted.')
    .exitProcess(false)
    .fail((message, error) => {
      if (error) throw error;
      usageError = message ?? 'invalid command line';
    });

  try {
    await parser.parseAsync();
    if (usageError !== undefined) {
      const typed = argv.find((a) => !a.startsWith('-'));
      const names = commands.map((c) => String(Array.isArray(c.command) ? c.command[0] : c.command).split(' ')[0]);
      if (typed !== undefined && !names.includes(typed)) {
        const close = closestName(typed, names);
        usageError = `unknown command \`${typed}\`${close ? `; did you mean \`${close}\`?` : ''}`;
      }
      if (flags.json) writeJson({ ok: false, error: usageError, exitCode: EXIT.usage });
      else process.stderr.write(`${usageError}\nRun \`exp --help\` for usage.\n`);
      return EXIT.usage;
    }
    return EXIT.ok;
  } catch (error) {
    return reportError(error, flags);
  }
}

function reportError(error: unknown, flags: OutputFlags): number {
  if (error instanceof ExitError) return error.exitCode;
  if (error instanceof SpecError) {
    if (flags.json) writeJson({ ok: false, error: error.message, diagnostics: error.diagnostics });
    else {
      printDiagnostics(error.diagnostics, { ...flags, quiet: false });
      process.stderr.write(`${error.message}; nothing was run.\n`);
    }
    if (flags.debug) process.stderr.write(`${error.stack}\n`);
    return error.exitCode;
  }
  if (isUserError(error)) {
    if (flags.json) writeJson({ ok: false, error: error.message, exitCode: error.exitCode });
    else process.stderr.write(`error: ${error.message}\n`);
    if (flags.debug) process.stderr.write(`${error.stack}\n`);
    return error.exitCode;
  }
  const err = error instanceof Error ? error : new Error(String(error));
  if (flags.json) writeJson({ ok: false, error: err.message, internal: true, stack: err.stack });
  else process.stderr.write(`internal error (a bug in exp, please report it with this trace):\n${err.stack ?? err.message}\n`);
  return EXIT.failed;
}
