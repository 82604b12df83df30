// `exp sync` end to end: the real CLI (bin/exp.mjs) pushing run records to the fake MLflow server.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { FakeMlflowServer, startFakeMlflowServer } from '../helpers/fake-mlflow-server.ts';
import { runMainMany } from '../cli/cli-helpers.ts';
import { appendMetrics, tempRunsRoot, trainingPoints, writeRun } from './sender-fixture.ts';

// The child sees no MLFLOW_* variables of the developer's shell.
const env = { MLFLOW_TRACKING_URI: '', MLFLOW_TRACKING_TOKEN: '', MLFLOW_TRACKING_USERNAME: '' };

describe('exp sync', () => {
  let server: FakeMlflowServer;
  let root: string;
  before(async () => {
    server = await startFakeMlflowServer();
    root = tempRunsRoot();
    for (const name of ['a', 'b']) appendMetrics(writeRun(root, { experiment: 'cli', name }), trainingPoints(30));
  });
  after(() => server.stop());

  test('no tracking URI: says how to give one; server down: exit 1 and a hint; then up: pushed; again: nothing new', async () => {
    await server.stop();
    const [noUri, down] = await runMainMany(
      [
        ['sync', '--runs-dir', root],
        ['sync', 'cli', '--runs-dir', root, '--uri', server.uri, '--retries', '0'],
      ],
      { env },
    );
    assert.equal(noUri.code, 2);
    assert.match(noUri.stderr, /--uri http:\/\/127\.0\.0\.1:5000/);
    assert.match(noUri.stderr, /MLFLOW_TRACKING_URI/);
    assert.equal(down.code, 1);
    assert.match(down.stderr, /ECONNREFUSED/);
    assert.match(down.stderr, /exp sync' again/);

    await server.start();
    const [first, second] = await runMainMany(
      [
        ['sync', 'cli', '--runs-dir', root, '--uri', server.uri],
        ['sync', join(root, 'cli', 'a'), '--uri', server.uri, '--json'],
      ],
      { env },
    );
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /synced a -> http:\/\/127\.0\.0\.1:\d+\/#\/experiments\/\d+\/runs\/[0-9a-f]+ \(30 metric points/);
    assert.match(first.stdout, /synced b -> /);
    const report = JSON.parse(second.stdout);
    assert.equal(report.ok, true);
    assert.deepEqual(report.runs[0].sent, { metrics: 0, params: 0, datasets: 0, artifacts: 0 });
    assert.equal([...server.runs.values()].filter((r) => r.tags.get('exp.run_id')?.startsWith('id-')).length, 2);
  });
});
