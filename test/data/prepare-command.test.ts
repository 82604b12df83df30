// `exp prepare <spec>` through yargs, and the spec -> data options adapter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFile, readFile } from 'node:fs/promises';
import yargs from 'yargs';
import { prepareCommand } from '../../src/cli/commands/prepare.ts';
import { main } from '../../src/cli/main.ts';
import { validateSpecFile } from '../../src/config/validate.ts';
import { dataOptionsFromSpec } from '../../src/data/spec-options.ts';
import { UserError } from '../../src/util/errors.ts';
import { darijaSynth, dvoiceProblems, tempDir, tinyRandom } from './helpers.ts';

const SPEC = `name: prep-test
model:
  checkpoint: ${tinyRandom}
  language: ar
data:
  sources:
    train: { format: dvoice, root: ${darijaSynth}, split: train, limit: 2 }
    dev: { format: dvoice, root: ${darijaSynth}, split: dev, limit: 1 }
    problems: { format: dvoice, root: ${dvoiceProblems}, split: train }
  train: [train, dev]
  test: problems
  max_skipped_fraction: 0.9
  text: { normalize: [whitespace, remove_tatweel, remove_diacritics] }
`;

function captureStdout<T>(fn: () => Promise<T>): Promise<{ out: string; result: T }> {
  let out = '';
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string | Uint8Array) => {
    out += chunk.toString();
    return true;
  }) as typeof process.stdout.write;
  return fn().then(
    (result) => {
      process.stdout.write = write;
      return { out, result };
    },
    (err) => {
      process.stdout.write = write;
      throw err;
    },
  );
}

async function runCli(args: string[]): Promise<string> {
  const { out } = await captureStdout(() =>
    yargs(args).command(prepareCommand).strict().exitProcess(false).fail((msg, err) => {
      throw err ?? new Error(msg);
    }).parseAsync(),
  );
  return out;
}

test('dataOptionsFromSpec maps the validated spec onto prepareData options', async () => {
  const dir = await tempDir();
  const file = join(dir, 'spec.yaml');
  await writeFile(file, SPEC);
  const { spec, diagnostics } = validateSpecFile(file);
  assert.ok(spec, JSON.stringify(diagnostics));
  const options = dataOptionsFromSpec(spec, { cacheDir: join(dir, 'cache') });
  assert.deepEqual(options.train, ['train', 'dev']);
  assert.equal(options.test, 'problems');
  assert.equal(options.tokenizerDir, tinyRandom);
  assert.equal(options.maxTargetPositions, 448); // from tiny-random/config.json
  assert.equal(options.numMelBins, 80);
  assert.equal(options.maxSkippedFraction, 0.9);
  assert.equal(options.onError, 'skip'); // schema default
  assert.deepEqual(options.normalize, ['whitespace', 'remove_tatweel', 'remove_diacritics']);
  assert.equal(options.language, 'ar');
});

test('a random-init spec without model.init.tokenizer is a clear UserError', async () => {
  const dir = await tempDir();
  const file = join(dir, 'spec.yaml');
  await writeFile(file, SPEC.replace(`checkpoint: ${tinyRandom}`, 'init: { config: tiny, chunk_length: 5 }'));
  const { spec, diagnostics } = validateSpecFile(file);
  assert.ok(spec, JSON.stringify(diagnostics));
  assert.throws(() => dataOptionsFromSpec(spec, { cacheDir: dir }), (err: unknown) => err instanceof UserError && /model\.init\.tokenizer/.test(err.message));
});

test('exp prepare --json prints the report; --report-dir writes data-report.json; a second run hits the cache', async () => {
  const dir = await tempDir();
  const file = join(dir, 'spec.yaml');
  await writeFile(file, SPEC);
  const cache = join(dir, 'cache');
  const out = await runCli(['prepare', file, '--json', '--cache-dir', cache, '--report-dir', join(dir, 'run'), '--no-ffmpeg']);
  const report = JSON.parse(out);
  assert.deepEqual(report.splits.train.sources, ['train', 'dev']);
  assert.equal(report.splits.train.kept, 3);
  assert.equal(report.splits.test.kept, 3);
  assert.equal(report.splits.test.skipped, 6);
  assert.equal(report.cache.computed, 6);
  const written = JSON.parse(await readFile(join(dir, 'run', 'data-report.json'), 'utf8'));
  assert.deepEqual(written.splits, report.splits);
  const table = await runCli(['prepare', file, '--cache-dir', cache]);
  assert.match(table, /^split\s+source\s+rows\s+kept\s+skipped/m);
  assert.match(table, /train\.csv:7 +\[test\/problems\] missing_audio/);
  assert.match(table, /6 hits, 0 computed/);
});

test('exp prepare on a spec with errors throws the spec diagnostics', async () => {
  const dir = await tempDir();
  const file = join(dir, 'spec.yaml');
  await writeFile(file, SPEC.replace('max_skipped_fraction: 0.9', 'max_skipped_fraction: 3'));
  await assert.rejects(runCli(['prepare', file]), (err: unknown) => err instanceof UserError);
});

test('through exp main: a sweep prepares its one data setup once (exit 0); too many skips exit 2', async () => {
  const dir = await tempDir();
  const file = join(dir, 'spec.yaml');
  await writeFile(file, `${SPEC}sweep:\n  method: grid\n  parameters:\n    train.learning_rate: [1.0e-4, 2.0e-4]\n`);
  const cache = join(dir, 'cache');
  const ok = await captureStdout(() => main(['prepare', file, '--json', '--cache-dir', cache, '--no-ffmpeg']));
  assert.equal(ok.result, 0);
  const report = JSON.parse(ok.out);
  assert.equal(report.splits.train.kept, 3);
  const strict = join(dir, 'strict.yaml');
  await writeFile(strict, SPEC.replace('max_skipped_fraction: 0.9', 'max_skipped_fraction: 0.1'));
  const failed = await captureStdout(() => main(['prepare', strict, '--cache-dir', cache, '--quiet']));
  assert.equal(failed.result, 2);
});
