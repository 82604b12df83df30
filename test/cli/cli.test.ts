// The real `exp` command: exit codes, output on stdout/stderr, --json, --help, and Ctrl-C during a run.
// Spawning costs a tsx start each, so most cases go through runMainMany (one child for many argv).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tempDir } from '../config/spec-fixture.ts';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BIN, REPO_ROOT, runCli, runMainMany } from './cli-helpers.ts';

const FIXTURE_EXECUTOR = fileURLToPath(new URL('./fixture-executor.ts', import.meta.url));

/** A copy of experiments/ where a test may break things. */
function experimentsCopy(): string {
  const dir = tempDir('exp-cli-');
  cpSync(join(REPO_ROOT, 'experiments'), join(dir, 'experiments'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), '{"name":"cli-test"}');
  return dir;
}

test('acceptance: validate darija-ft6 exits 0 and prints the train+dev leak warning with its position', async () => {
  const { code, stdout, stderr } = await runCli(['validate', 'experiments/darija-ft6.yaml']);
  assert.equal(code, 0, stderr);
  assert.match(stderr, /experiments\/darija-ft6\.yaml:10:9 WARNING data\.eval: the eval source `dev` is also in data\.train/);
  assert.match(stdout, /ok: experiments\/darija-ft6\.yaml is valid with 1 warning: 1 run/);
});

test('acceptance: a typo in a key exits 2 with the line and a suggestion', async () => {
  const dir = experimentsCopy();
  const file = join(dir, 'experiments/darija-ft6.yaml');
  writeFileSync(file, readFileSync(file, 'utf8').replace('  gradient_accumulation_steps: 8', '  gradient_acumulation_steps: 8'));
  const { code, stderr } = await runCli(['validate', file], { cwd: dir });
  assert.equal(code, 2);
  assert.match(stderr, /experiments\/darija-ft6\.yaml:14:3 error train\.gradient_acumulation_steps: unknown key `gradient_acumulation_steps` in `train`/);
  assert.match(stderr, /hint: did you mean `gradient_accumulation_steps`\?/);
  assert.doesNotMatch(stderr, /\bat .*\.ts:\d+/, 'no stack trace');
});

test('acceptance: plan darija-lr-sweep --json lists 4 runs with distinct ids and names', async () => {
  const { code, stdout } = await runCli(['plan', 'experiments/darija-lr-sweep.yaml', '--json']);
  assert.equal(code, 0);
  const plan = JSON.parse(stdout) as { runs: { id: string; name: string; overrides: Record<string, number> }[]; sweep: { method: string } };
  assert.equal(plan.runs.length, 4);
  assert.equal(new Set(plan.runs.map((r) => r.id)).size, 4);
  assert.equal(new Set(plan.runs.map((r) => r.name)).size, 4);
  assert.equal(plan.sweep.method, 'grid');
  assert.deepEqual(plan.runs[2].overrides, { 'train.learning_rate': 3e-5, 'train.warmup_steps': 100 });
});

test('Ctrl-C during a run: the run is marked killed, exit 130; running again resumes it', async () => {
  const dir = experimentsCopy();
  const runsDir = join(dir, 'runs');
  const args = [BIN, 'run', 'experiments/darija-ft6.yaml', '--executor-module', FIXTURE_EXECUTOR, '--runs-dir', runsDir];
  const child = spawn(process.execPath, args, { cwd: dir, env: { ...process.env, EXP_TEST_EXECUTOR: 'slow', CI: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const runJson = join(runsDir, 'whisper-darija/darija-ft6/run.json');
  for (let i = 0; i < 600 && !(existsSync(runJson) && JSON.parse(readFileSync(runJson, 'utf8')).status === 'running'); i++) await new Promise((r) => setTimeout(r, 50));
  child.kill('SIGINT');
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  assert.equal(code, 130, output);
  const info = JSON.parse(readFileSync(runJson, 'utf8'));
  assert.equal(info.status, 'killed');
  assert.match(info.error.message, /SIGINT/);

  const again = await runCli(['run', 'experiments/darija-ft6.yaml', '--executor-module', FIXTURE_EXECUTOR, '--runs-dir', runsDir, '--backend', 'cpu'], { cwd: dir, env: { EXP_TEST_EXECUTOR: 'ok', CI: '1' } });
  assert.equal(again.code, 0, again.stderr + again.stdout);
  assert.match(again.stdout + again.stderr, /resume=true, backend=cpu/);
  const after = JSON.parse(readFileSync(runJson, 'utf8'));
  assert.equal(after.status, 'finished');
  assert.equal(after.attempts, 2);
});

test('commands through main(): help, usage errors, schema, dry run, run/ls, failed runs', async () => {
  const dir = experimentsCopy();
  const runsDir = join(dir, 'runs');
  const sweep = join(dir, 'experiments/darija-lr-sweep.yaml');
  const cases: { argv: string[]; code: number; out?: RegExp; err?: RegExp }[] = [
    { argv: ['--help'], code: 0, out: /Commands:[\s\S]*exp validate <spec>[\s\S]*exp plan <spec>[\s\S]*exp run <spec>[\s\S]*exp ls[\s\S]*exp schema/ },
    ...['validate', 'plan', 'run', 'ls', 'schema'].map((command) => ({ argv: [command, '--help'], code: 0, out: /Examples:/ })),
    { argv: [], code: 2, err: /name a command/ },
    { argv: ['valdate', 'x.yaml'], code: 2, err: /unknown command `valdate`; did you mean `validate`\?/ },
    { argv: ['plan', sweep, '--no-such-flag'], code: 2, err: /Unknown argument/ },
    { argv: ['validate', join(dir, 'missing.yaml')], code: 2, err: /spec file not found/ },
    { argv: ['validate', join(dir, 'missing.yaml'), '--json'], code: 2, out: /"ok": false/ },
    { argv: ['schema'], code: 0, out: /"\$schema": "https:\/\/json-schema.org\/draft\/2020-12\/schema"/ },
    { argv: ['schema', 'train.learning_rate'], code: 0, out: /"default": 0.00005/ },
    { argv: ['schema', 'train.lerning_rate'], code: 2, err: /did you mean `learning_rate`/ },
    { argv: ['plan', sweep, '--runs-dir', runsDir], code: 0, out: /darija-lr-sweep-lr3e-05-wu200\s+\w{12}\s+3e-05\s+200\s+-/ },
    { argv: ['run', sweep, '--dry-run', '--runs-dir', runsDir], code: 0, out: /backend:\s+auto \(default\)[\s\S]*darija-lr-sweep-lr1e-05-wu100\s+\w{12}\s+start/ },
    { argv: ['run', sweep, '--only', 'darija-lr-sweep-lr1e-05-wu10', '--dry-run', '--runs-dir', runsDir], code: 2, err: /did you mean `darija-lr-sweep-lr1e-05-wu100`/ },
    { argv: ['run', sweep, '--only', '1', '--runs-dir', runsDir, '--executor-module', FIXTURE_EXECUTOR, '--quiet'], code: 0 },
    { argv: ['ls', '--runs-dir', runsDir], code: 0, out: /whisper-darija\s+darija-lr-sweep-lr1e-05-wu200\s+finished/ },
    { argv: ['run', sweep, '--dry-run', '--runs-dir', runsDir], code: 0, out: /darija-lr-sweep-lr1e-05-wu200\s+\w{12}\s+skip \(finished\)/ },
    { argv: ['ls', '--runs-dir', runsDir, '--json'], code: 0, out: /"status": "finished"/ },
  ];
  const results = await runMainMany(cases.map((c) => c.argv), { cwd: dir, env: { CI: '1' } });
  cases.forEach((c, i) => {
    const r = results[i];
    assert.equal(r.code, c.code, `exp ${c.argv.join(' ')}: exit ${r.code}\n${r.stderr}${r.stdout}`);
    if (c.out) assert.match(r.stdout, c.out, `exp ${c.argv.join(' ')} stdout`);
    if (c.err) assert.match(r.stderr, c.err, `exp ${c.argv.join(' ')} stderr`);
  });
});

test('a failed run exits 1; it is skipped next time and retried with --retry-failed', async () => {
  const dir = experimentsCopy();
  const runsDir = join(dir, 'runs');
  const base = ['run', join(dir, 'experiments/darija-ft6.yaml'), '--runs-dir', runsDir, '--executor-module', FIXTURE_EXECUTOR];
  const [failed] = await runMainMany([base], { cwd: dir, env: { CI: '1', EXP_TEST_EXECUTOR: 'fail' } });
  assert.equal(failed.code, 1, failed.stderr);
  const [skipped, retried] = await runMainMany([base, [...base, '--retry-failed']], { cwd: dir, env: { CI: '1', EXP_TEST_EXECUTOR: 'ok' } });
  assert.equal(skipped.code, 1);
  assert.match(skipped.stdout + skipped.stderr, /failed last time, skipped \(use --retry-failed\)/);
  assert.equal(retried.code, 0, retried.stderr);
  assert.equal(JSON.parse(readFileSync(join(runsDir, 'whisper-darija/darija-ft6/run.json'), 'utf8')).status, 'finished');
});

test('a run that kills the backend fails alone: the rest of the sweep continues in a fresh process', async () => {
  const dir = experimentsCopy();
  const runsDir = join(dir, 'runs');
  const sweep = join(dir, 'experiments/darija-lr-sweep.yaml');
  const r = await runCli(['run', sweep, '--runs-dir', runsDir, '--executor-module', FIXTURE_EXECUTOR], { cwd: dir, env: { EXP_TEST_EXECUTOR: 'kill-backend-first', CI: '1' } });
  assert.equal(r.code, 1, `${r.stderr}${r.stdout}`);
  assert.match(r.stderr, /fixture: the wasm module aborted: continuing the remaining runs in a fresh process/);
  const names = ['lr1e-05-wu100', 'lr1e-05-wu200', 'lr3e-05-wu100', 'lr3e-05-wu200'].map((s) => `darija-lr-sweep-${s}`);
  const runs = names.map((n) => JSON.parse(readFileSync(join(runsDir, 'whisper-darija', n, 'run.json'), 'utf8')) as { status: string; pid: number });
  assert.deepEqual(runs.map((x) => x.status), ['failed', 'finished', 'finished', 'finished']);
  assert.notEqual(runs[1].pid, runs[0].pid, 'the runs after the dead backend ran in another process');
  assert.equal(runs[2].pid, runs[1].pid);
});
