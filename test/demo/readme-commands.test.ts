// Every shell command in the README's ```sh blocks either runs here, through the real CLI, with the
// exit code it should have, or is listed below with the reason it cannot run in a test (and where it
// is exercised instead). A new command in the README that is in neither list fails the test, and so
// does an exclusion whose command is no longer in the README.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, runMainMany } from '../cli/cli-helpers.ts';

const FIXTURE_EXECUTOR = join(REPO_ROOT, 'test', 'cli', 'fixture-executor.ts');

/** exp commands from the README that are not run here, with the reason. */
const EXCLUDED_EXP: Record<string, string> = {
  'exp run experiments/demo.yaml': 'the full demo takes minutes: test/demo/demo-e2e.test.ts runs it through the CLI with fewer steps',
  'exp run experiments/demo.yaml --runs-dir /tmp/demo-runs --backend wasm': 'the full demo; see above (demo-e2e runs on the auto backend, which is wasm here)',
  'exp run experiments/darija-ft6.yaml': 'needs DVoice and the pretrained Whisper checkpoint, which are not in the repository',
  'exp run experiments/darija-lr-sweep.yaml --only 3': 'needs DVoice and the pretrained checkpoint',
  'exp transcribe --model runs/demo/demo/model examples/darija-demo/wavs/07feac98-f5c8-4e84-9476-a571be7b37ea.wav --language ar':
    'needs the model the demo trains: test/demo/demo-e2e.test.ts transcribes a clip with the model of its run',
  'exp sync': 'needs an MLflow server: test/tracking/ runs sync against test/helpers/fake-mlflow-server.ts',
  'exp sync demo --uri http://127.0.0.1:5000': 'needs an MLflow server (see above)',
  'exp sync whisper-darija --uri http://127.0.0.1:5000': 'needs an MLflow server (see above)',
};

/** Other shell commands in the README, with where they are exercised or why they cannot be. */
const NON_EXP: Record<string, string> = {
  'npm ci': '.ci/run',
  'npm test': '.ci/run',
  'npm run typecheck': 'the first step of npm test',
  'npm run gen:types': 'test/config checks that src/config/spec.generated.ts is what it generates',
  'node --import tsx scripts/gen-spec-docs.ts': 'test/demo/spec-reference.test.ts checks its output is committed',
  'node scripts/run-tests.mjs test/demo': 'the runner npm test uses, on this folder',
  'pip install mlflow': 'installs Python MLflow: needs network, outside this project',
  'mlflow server --host 127.0.0.1 --port 5000': 'an external server; the tracking tests use an MLflow-like fake',
};

/** Exit codes other than 0 that a README command is expected to have. */
const EXPECTED_CODE: Record<string, number> = {};

/** Commands that look at recorded runs get an empty runs dir, so the result does not depend on local runs. */
const TAKES_RUNS_DIR = new Set(['run', 'plan', 'ls', 'compare']);

interface ReadmeCommand {
  line: number;
  text: string;
}

function shellCommands(markdown: string): ReadmeCommand[] {
  const out: ReadmeCommand[] = [];
  let inSh = false;
  markdown.split('\n').forEach((raw, i) => {
    const fence = raw.match(/^```(\w*)/);
    if (fence) {
      inSh = !inSh && (fence[1] === 'sh' || fence[1] === 'bash' || fence[1] === 'shell');
      return;
    }
    if (!inSh) return;
    const text = raw.replace(/\s+#.*$/, '').replace(/^#.*$/, '').trim();
    if (text) out.push({ line: i + 1, text });
  });
  return out;
}

/** Whitespace-separated words with '...' and "..." quoting: enough for the README's commands. */
function words(command: string): string[] {
  return [...command.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]);
}

const normalise = (text: string) => text.replace(/^npx /, '');

test("every exp command in the README runs through the real CLI, or is excluded with a reason", { timeout: 120_000 }, async () => {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const commands = shellCommands(readme);
  assert.ok(commands.length >= 20, `found only ${commands.length} commands in the README's sh blocks`);

  const runnable: ReadmeCommand[] = [];
  for (const command of commands) {
    const text = normalise(command.text);
    if (text.startsWith('exp ') || text === 'exp') {
      if (!(text in EXCLUDED_EXP)) runnable.push({ ...command, text });
    } else {
      assert.ok(text in NON_EXP, `README.md:${command.line}: \`${command.text}\` is neither an exp command nor listed in NON_EXP with where it is exercised`);
    }
  }
  const present = new Set(commands.map((c) => normalise(c.text)));
  for (const stale of [...Object.keys(EXCLUDED_EXP), ...Object.keys(NON_EXP)]) {
    assert.ok(present.has(stale), `listed here but no longer in the README: \`${stale}\``);
  }
  // the README must keep showing these, and they must work
  for (const needed of ['exp --help', 'exp validate', 'exp plan', 'exp schema', 'exp ls', 'exp compare', 'exp prepare', 'exp run experiments/demo.yaml --dry-run']) {
    assert.ok(runnable.some((c) => c.text.startsWith(needed)), `no runnable \`${needed}\` example in the README`);
  }
  for (const name of ['validate', 'plan', 'run', 'ls', 'schema', 'prepare', 'transcribe', 'sync', 'compare']) {
    assert.ok([...present].some((c) => c.startsWith(`exp ${name}`)), `the README has no example of exp ${name}`);
  }

  const runsDir = mkdtempSync(join(tmpdir(), 'exp-readme-runs-'));
  try {
    const argvs = runnable.map((c) => {
      const argv = words(c.text).slice(1);
      return TAKES_RUNS_DIR.has(argv[0]) && !argv.includes('--runs-dir') && !argv.includes('--help') ? [...argv, '--runs-dir', runsDir] : argv;
    });
    // `exp compare` and `exp ls` need recorded runs: record the demo and the sweep first, with the CLI
    // tests' fixture executor (finishes at once, logs a loss) instead of training.
    const setup = ['experiments/demo.yaml', 'experiments/darija-lr-sweep.yaml'].map((spec) => ['run', spec, '--runs-dir', runsDir, '--executor-module', FIXTURE_EXECUTOR, '--quiet']);
    const env = { MLFLOW_TRACKING_URI: undefined, EXP_TEST_EXECUTOR: 'ok' };
    const setupResults = await runMainMany(setup, { cwd: REPO_ROOT, env });
    for (const [i, r] of setupResults.entries()) assert.equal(r.code, 0, `setup ${setup[i].join(' ')}: ${r.stderr}`);
    // ... and give each run the eval/test metrics a trained run has, in the record's own format, so
    // the README's `--sort test_wer` / `--sort eval_wer` examples have something to sort by.
    readdirSync(runsDir, { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('metrics.jsonl'))
      .forEach((file, i) => {
        for (const key of ['eval_wer', 'test_wer']) appendFileSync(join(runsDir, file), `${JSON.stringify({ step: 1, key, value: 0.5 + i / 10, ts: Date.now() })}\n`);
      });
    const results = await runMainMany(argvs, { cwd: REPO_ROOT, env });
    const failures = runnable
      .map((c, i) => ({ c, r: results[i], want: EXPECTED_CODE[c.text] ?? 0 }))
      .filter(({ r, want }) => r.code !== want)
      .map(({ c, r, want }) => `README.md:${c.line}: \`${c.text}\` exited ${r.code} (expected ${want})\n${r.stdout.slice(0, 400)}${r.stderr.slice(0, 800)}`);
    assert.deepEqual(failures, []);
    // a few outputs, to know the commands did their job and not just exit 0
    const byText = new Map(runnable.map((c, i) => [c.text, results[i]]));
    assert.match(byText.get('exp validate experiments/demo.yaml')!.stdout, /valid/);
    assert.match(byText.get('exp schema train')!.stdout, /learning_rate/);
    assert.match(byText.get('exp ls demo --status finished')!.stdout, /demo\s+demo\s+finished/);
    assert.match(byText.get('exp compare experiments/darija-lr-sweep.yaml --csv')!.stdout, /darija-lr-sweep-lr3e-05-wu200/);
    assert.match(byText.get('exp run experiments/demo.yaml --dry-run')!.stdout + byText.get('exp run experiments/demo.yaml --dry-run')!.stderr, /demo/);
  } finally {
    rmSync(runsDir, { recursive: true, force: true });
  }
});
