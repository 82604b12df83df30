// `exp schema`: print the experiment JSON Schema (the spec's reference), or the part at one path.
import type { CommandModule } from 'yargs';
import { experimentSchema, schemaAtPath } from '../../config/schema.ts';
import { suggestionHint } from '../../config/suggest.ts';
import { UserError } from '../../util/errors.ts';
import { writeJson } from '../output.ts';

interface SchemaArgs {
  path?: string;
}

export const schemaCommand: CommandModule<object, SchemaArgs> = {
  command: 'schema [path]',
  describe: 'Print the experiment spec JSON Schema (every field, its default and meaning)',
  builder: (yargs) =>
    yargs
      .positional('path', { type: 'string', describe: 'only the part for this dotted spec path, e.g. train.learning_rate' })
      .example('$0 schema > experiment.schema.json', 'the whole schema (point your editor\'s YAML plugin at it)')
      .example('$0 schema train', 'the training fields with their defaults'),
  handler: (argv) => {
    if (!argv.path) {
      writeJson(experimentSchema());
      return;
    }
    const segments = argv.path.split('.');
    const result = schemaAtPath(segments);
    if (!result.ok) throw new UserError(`\`${segments[result.failedAt]}\` is not a field of \`${segments.slice(0, result.failedAt).join('.') || 'the spec'}\`; ${suggestionHint(segments[result.failedAt], result.allowed)}`);
    writeJson(result.found.schema);
  },
};
