// Every `exp` command, in the order `exp --help` lists them. Add a command by adding its import here.
import type { CommandModule } from 'yargs';
import { validateCommand } from './validate.ts';
import { planCommand } from './plan.ts';
import { runCommand } from './run.ts';
import { lsCommand } from './ls.ts';
import { schemaCommand } from './schema.ts';
import { prepareCommand } from './prepare.ts';
import { syncCommand } from './sync.ts';
import { compareCommand } from './compare.ts';
import { transcribeCommand } from './transcribe.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each command has its own argument type
export const commands: CommandModule<any, any>[] = [validateCommand, planCommand, runCommand, lsCommand, schemaCommand, prepareCommand, syncCommand, compareCommand, transcribeCommand];
