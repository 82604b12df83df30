// The run record: status transitions, atomic run.json, append-only metrics/events, and what is left
// behind by a crash or by concurrent writers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tempDir } from '../config/spec-fixture.ts';
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { RunRecord } from '../../src/tracking/record.ts';
import { writeFileAtomic } from '../../src/util/fs-atomic.ts';
import { UserError } from '../../src/util/errors.ts';

const CHILD = fileURLToPath(new URL('./record-child.ts', import.meta.url));

function newRecord(): RunRecord {
  const dir = join(tempDir('exp-record-'), 'exp', 'run-a');
  return RunRecord.create(dir, {
    id: 'abc123def456',
    name: 'run-a',
    experiment: 'exp',
    index: 0,
    specPath: '/specs/x.yaml',
    overrides: { 'train.learning_rate': 3e-5 },
    spec: { name: 'x', train: { learning_rate: 3e-5 } },
    git: { commit: 'deadbeef', dirty: true },
    versions: { node: process.version, exp: '0.1.0', tfjs: null },
  });
}

test('create writes spec.resolved.yaml, a queued run.json and an event', () => {
  const record = newRecord();
  const info = JSON.parse(readFileSync(record.paths.info, 'utf8'));
  assert.equal(info.status, 'queued');
  assert.equal(info.id, 'abc123def456');
  assert.deepEqual(info.git, { commit: 'deadbeef', dirty: true });
  assert.equal(info.attempts, 0);
  assert.ok(!Number.isNaN(Date.parse(info.createdAt)));
  assert.deepEqual(parseYaml(readFileSync(record.paths.spec, 'utf8')), { name: 'x', train: { learning_rate: 3e-5 } });
  assert.match(readFileSync(record.paths.events, 'utf8'), /created run run-a \(id abc123def456\)/);
});

test('status transitions stamp times, count attempts and keep the error; open() reads them back', () => {
  const record = newRecord();
  record.setStatus('running');
  const running = record.info;
  assert.equal(running.attempts, 1);
  assert.equal(running.pid, process.pid);
  assert.ok(running.startTime && !running.endTime);
  record.setStatus('failed', { error: new Error('out of memory') });
  assert.equal(record.info.error?.message, 'out of memory');
  assert.ok(record.info.endTime);
  record.setStatus('running'); // a retry clears the old error and end time
  assert.equal(record.info.attempts, 2);
  assert.equal(record.info.error, undefined);
  assert.equal(record.info.endTime, undefined);
  record.update({ checkpoints: ['checkpoint-100'], resumeFrom: 'checkpoint-100', mlflow: { runId: 'r1' } });
  record.setStatus('finished');
  const reopened = RunRecord.open(record.dir);
  assert.equal(reopened.status, 'finished');
  assert.deepEqual(reopened.info.checkpoints, ['checkpoint-100']);
  assert.deepEqual(reopened.info.mlflow, { runId: 'r1' });
  const events = readFileSync(record.paths.events, 'utf8').trim().split('\n');
  assert.deepEqual(events.map((line) => line.replace(/^\S+ /, '')).slice(1), ['status running', 'status failed: out of memory', 'status running', 'status finished']);
});

test('metrics: append-only JSON lines read back in order; NaN is kept visible', () => {
  const record = newRecord();
  record.logMetrics(50, { loss: 1.5, learning_rate: 5e-6 });
  record.logMetric(100, 'loss', NaN);
  const rows = record.readMetrics();
  assert.deepEqual(rows.map((r) => [r.step, r.key]), [[50, 'loss'], [50, 'learning_rate'], [100, 'loss']]);
  assert.equal(rows[0].value, 1.5);
  assert.ok(Number.isNaN(rows[2].value));
  for (const line of readFileSync(record.paths.metrics, 'utf8').trim().split('\n')) {
    const row = JSON.parse(line);
    assert.deepEqual(Object.keys(row), ['step', 'key', 'value', 'ts']);
  }
});

test('a torn last metrics line (crash mid-append) is skipped; a bad line in the middle is an error', () => {
  const record = newRecord();
  record.logMetric(1, 'loss', 2);
  appendFileSync(record.paths.metrics, '{"step":2,"key":"lo');
  assert.equal(record.readMetrics().length, 1);
  appendFileSync(record.paths.metrics, '\n{"step":3,"key":"loss","value":1,"ts":1}\n');
  assert.throws(() => record.readMetrics(), UserError);
});

test('a value JSON cannot hold leaves run.json as it was', () => {
  const record = newRecord();
  const before = readFileSync(record.paths.info, 'utf8');
  assert.throws(() => record.update({ bad: 10n } as never));
  assert.equal(readFileSync(record.paths.info, 'utf8'), before);
  assert.equal(record.info.bad, undefined);
});

test('open() of a folder without a record is a UserError naming the file', () => {
  const dir = tempDir('exp-empty-');
  assert.throws(() => RunRecord.open(dir), (e: unknown) => e instanceof UserError && e.message.includes(join(dir, 'run.json')));
  writeFileSync(join(dir, 'run.json'), '{"hello":1}');
  assert.throws(() => RunRecord.open(dir), /not an exp run record/);
});

test('writeFileAtomic: a process killed mid-write leaves either the old or the new file, never a mix', async () => {
  const dir = tempDir('exp-atomic-');
  const file = join(dir, 'run.json');
  const size = 4 * 1024 * 1024;
  writeFileAtomic(file, Buffer.alloc(size, 'a'));
  for (let round = 0; round < 3; round++) {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, 'flip', file, String(size)], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    await new Promise((resolve) => setTimeout(resolve, 150 + round * 100));
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('close', resolve));
    const text = readFileSync(file, 'latin1');
    assert.equal(text.length, size, 'the file has its full length');
    assert.ok(text === 'a'.repeat(size) || text === 'b'.repeat(size), 'the file is entirely one version');
  }
  // Leftover temp files of the killed writer may exist, but never under the real name.
  assert.ok(readdirSync(dir).every((name) => name === 'run.json' || name.endsWith('.tmp')));
});

test('concurrent writers append metrics without breaking lines', async () => {
  const record = newRecord();
  const writers = ['w1', 'w2', 'w3'].map(
    (tag) =>
      new Promise<number | null>((resolve) => {
        const child = spawn(process.execPath, ['--import', 'tsx', CHILD, 'metrics', record.dir, '400', tag], { stdio: 'inherit' });
        child.once('close', resolve);
      }),
  );
  record.logMetrics(0, { parent: 1 });
  assert.deepEqual(await Promise.all(writers), [0, 0, 0]);
  const rows = record.readMetrics();
  assert.equal(rows.length, 1201);
  for (const tag of ['w1', 'w2', 'w3']) {
    const steps = rows.filter((r) => r.key.startsWith(tag)).map((r) => r.step);
    assert.deepEqual(steps, Array.from({ length: 400 }, (_, i) => i), `${tag}: every line, in its own order`);
  }
  assert.ok(existsSync(record.paths.metrics));
});

test('gitInfo: commit and dirty flag of the checkout; null outside git', async () => {
  const { gitInfo } = await import('../../src/tracking/environment.ts');
  const { execFileSync } = await import('node:child_process');
  const dir = tempDir('exp-git-');
  assert.equal(gitInfo(dir), null);
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: dir, stdio: 'pipe' }).toString().trim();
  git('init', '-q');
  writeFileSync(join(dir, 'a.txt'), 'a');
  git('add', 'a.txt');
  git('commit', '-q', '-m', 'a');
  const clean = gitInfo(dir);
  assert.deepEqual(clean, { commit: git('rev-parse', 'HEAD'), dirty: false });
  writeFileSync(join(dir, 'a.txt'), 'changed');
  assert.equal(gitInfo(dir)?.dirty, true);
});
