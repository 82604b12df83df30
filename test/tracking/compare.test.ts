// `exp compare` from local run records: differing params, final metrics, sorting, CSV/JSON, targets.
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compareRuns, compareTargetDirs, finalMetrics, formatMetric, toCsv } from '../../src/tracking/compare.ts';
import { UserError } from '../../src/util/errors.ts';
import { runMainMany } from '../cli/cli-helpers.ts';
import { appendMetrics, baseSpec, tempRunsRoot, writeRun } from './sender-fixture.ts';

describe('compare', () => {
  let root: string;
  let dirs: string[];
  before(() => {
    root = tempRunsRoot();
    const runs: [string, number, number | undefined][] = [
      ['darija-lr1e-5', 1e-5, 0.52],
      ['darija-lr3e-5', 3e-5, 0.41],
      ['darija-lr1e-4', 1e-4, undefined], // failed before its first evaluation
    ];
    dirs = runs.map(([name, lr, wer]) => {
      const spec = baseSpec({ name: 'darija', train: { learning_rate: lr, batch_size: 8, max_steps: 100, freeze: ['encoder'] } });
      const dir = writeRun(root, { experiment: 'darija', name, spec, status: wer === undefined ? 'failed' : 'finished' });
      appendMetrics(dir, [
        { step: 10, key: 'train_loss', value: 2.5, ts: 1 },
        { step: 50, key: 'train_loss', value: 1.25, ts: 2 },
        ...(wer === undefined ? [] : [{ step: 50, key: 'eval_wer', value: wer + 0.1, ts: 3 }, { step: 100, key: 'eval_wer', value: wer, ts: 4 }]),
        { step: 20, key: 'train_loss', value: 9, ts: 5 }, // logged later, at an earlier step: not the final value
      ]);
      return dir;
    });
    writeRun(root, { experiment: 'other', name: 'o1' });
  });

  test('final metric = value at the highest step; only differing params are listed', () => {
    assert.deepEqual(finalMetrics(dirs[1]), { train_loss: 1.25, eval_wer: 0.41 });
    const c = compareRuns(dirs);
    assert.deepEqual(c.paramKeys, ['train.learning_rate']);
    assert.deepEqual(c.metricKeys, ['eval_wer', 'train_loss']);
    assert.deepEqual(c.runs.map((r) => r.params['train.learning_rate']), ['0.00001', '0.00003', '0.0001']);
    assert.deepEqual(c.runs.map((r) => r.status), ['finished', 'finished', 'failed']);
  });

  test('--sort eval_wer: ascending, runs without the metric last; a dash sorts descending', () => {
    assert.deepEqual(compareRuns(dirs, { sort: 'eval_wer' }).runs.map((r) => r.name), ['darija-lr3e-5', 'darija-lr1e-5', 'darija-lr1e-4']);
    assert.deepEqual(compareRuns(dirs, { sort: '-eval_wer' }).runs.map((r) => r.name), ['darija-lr1e-5', 'darija-lr3e-5', 'darija-lr1e-4']);
    assert.deepEqual(compareRuns(dirs, { sort: '-train.learning_rate' }).runs.map((r) => r.name), ['darija-lr1e-4', 'darija-lr3e-5', 'darija-lr1e-5']);
    assert.throws(() => compareRuns(dirs, { sort: 'eval_wre' }), (err: UserError) => err instanceof UserError && /Did you mean 'eval_wer'/.test(err.message));
  });

  test('CSV quotes fields that need it and keeps full precision', () => {
    const c = compareRuns(dirs.slice(0, 2));
    c.runs[0].name = 'a,"b"';
    const lines = toCsv(c).trimEnd().split('\n');
    assert.equal(lines[0], 'run,status,train.learning_rate,eval_wer,train_loss');
    assert.equal(lines[1], '"a,""b""",finished,0.00001,0.52,1.25');
    assert.equal(formatMetric(0.123456), '0.1235');
    assert.equal(formatMetric(NaN), 'NaN');
  });

  test('targets: experiment name, spec file (its tracking.experiment or name), folder; unknown names suggest', () => {
    assert.equal(compareTargetDirs('darija', root).length, 3);
    const spec = join(root, 'spec.yaml');
    writeFileSync(spec, 'name: whatever\ntracking:\n  experiment: other\n');
    assert.deepEqual(compareTargetDirs(spec, root), [join(root, 'other', 'o1')]);
    assert.equal(compareTargetDirs(join(root, 'darija'), root).length, 3);
    assert.equal(compareTargetDirs(undefined, root).length, 4);
    assert.throws(() => compareTargetDirs('darja', root), (err: UserError) => /Did you mean 'darija'/.test(err.message));
  });

  test('exp compare prints the table, --json and --csv', async () => {
    const [table, json, csv, unknown] = await runMainMany([
      ['compare', 'darija', '--runs-dir', root, '--sort', 'eval_wer'],
      ['compare', 'darija', '--runs-dir', root, '--sort=-eval_wer', '--json'],
      ['compare', 'darija', '--runs-dir', root, '--csv'],
      ['compare', 'nope', '--runs-dir', root],
    ]);
    const lines = table.stdout.split('\n');
    assert.equal(table.code, 0);
    assert.match(lines[0], /^run\s+status\s+train\.learning_rate\s+eval_wer\s+train_loss$/);
    assert.match(lines[2], /^darija-lr3e-5\s+finished\s+0\.00003\s+0\.41\s+1\.25$/);
    assert.match(lines[4], /^darija-lr1e-4\s+failed\s+0\.0001\s+-\s+1\.25$/);
    assert.deepEqual(JSON.parse(json.stdout).runs.map((r: { name: string }) => r.name), ['darija-lr1e-5', 'darija-lr3e-5', 'darija-lr1e-4']);
    assert.equal(csv.stdout.split('\n')[0], 'run,status,train.learning_rate,eval_wer,train_loss');
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /No runs of experiment 'nope'/);
  });
});
