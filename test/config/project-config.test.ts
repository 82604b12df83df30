// Project config (cosmiconfig `exp`) and the precedence CLI flag > spec > project config > env > default.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadProjectConfig, parseProjectConfig, resolveSettings } from '../../src/config/project-config.ts';
import { UserError } from '../../src/util/errors.ts';
import { specDir } from './spec-fixture.ts';

test('finds .exprc.yaml from a subfolder and resolves its paths against the config file', async () => {
  const dir = specDir({ 'package.json': '{"name":"p"}', '.exprc.yaml': 'runsDir: ./out/runs\nbackend: wasm\ntrackingUri: http://mlflow:5000\n', 'experiments/x.yaml': '' });
  const config = await loadProjectConfig(join(dir, 'experiments'));
  assert.equal(config.runsDir, join(dir, 'out/runs'));
  assert.equal(config.backend, 'wasm');
  assert.equal(config.trackingUri, 'http://mlflow:5000');
  assert.equal(config.filepath, join(dir, '.exprc.yaml'));
});

test('package.json#exp works too; with no config, the project root is the package.json folder', async () => {
  const withPkg = specDir({ 'package.json': '{"name":"p","exp":{"cacheDir":"cache"}}' });
  assert.equal((await loadProjectConfig(withPkg)).cacheDir, join(withPkg, 'cache'));
  const bare = specDir({ 'package.json': '{"name":"p"}', 'sub/dir/.keep': '' });
  const found = await loadProjectConfig(join(bare, 'sub/dir'));
  assert.deepEqual(found, { root: bare });
  // Without a config, runs still go to <project>/runs, whatever the current folder.
  assert.equal(resolveSettings({ project: found, cwd: join(bare, 'sub/dir'), env: {} }).runsDir, join(bare, 'runs'));
});

test('a bad project config names the file and suggests the key', () => {
  assert.throws(
    () => parseProjectConfig({ runDir: 'x', backend: 'cuda' }, '/p/.exprc.yaml'),
    (error: unknown) => error instanceof UserError && /\/p\/\.exprc\.yaml/.test(error.message) && /did you mean `runsDir`/.test(error.message) && /backend must be one of: auto/.test(error.message),
  );
});

test('precedence: CLI flag > spec > project config > environment > default', () => {
  const project = { runsDir: '/proj/runs', backend: 'wasm', trackingUri: 'http://project', filepath: '/proj/.exprc.yaml' };
  const spec = { engine: { backend: 'cpu' }, tracking: { uri: 'http://spec' } };
  const env = { MLFLOW_TRACKING_URI: 'http://env' };

  const all = resolveSettings({ cli: { backend: 'tensorflow', runsDir: 'cli-runs', trackingUri: 'http://cli' }, spec, project, env, cwd: '/work' });
  assert.deepEqual([all.backend, all.runsDir, all.trackingUri], ['tensorflow', '/work/cli-runs', 'http://cli']);
  assert.deepEqual(all.from, { runsDir: 'cli', cacheDir: 'default', backend: 'cli', trackingUri: 'cli' });

  const noCli = resolveSettings({ spec, project, env, cwd: '/work' });
  assert.deepEqual([noCli.backend, noCli.runsDir, noCli.trackingUri], ['cpu', '/proj/runs', 'http://spec']);

  const projectOnly = resolveSettings({ spec: {}, project, env, cwd: '/work' });
  assert.deepEqual([projectOnly.backend, projectOnly.trackingUri, projectOnly.cacheDir], ['wasm', 'http://project', '/proj/.cache']);

  const envOnly = resolveSettings({ spec: {}, project: {}, env, cwd: '/work' });
  assert.deepEqual([envOnly.backend, envOnly.runsDir, envOnly.trackingUri, envOnly.from.trackingUri], ['auto', '/work/runs', 'http://env', 'env']);

  const nothing = resolveSettings({ env: {}, cwd: '/work' });
  assert.equal(nothing.trackingUri, undefined);
  assert.equal(nothing.from.trackingUri, 'default');
});
