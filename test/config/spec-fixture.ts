// Test helper: a temporary folder holding spec files written from strings.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const created: string[] = [];
process.once('exit', () => {
  for (const dir of created) rmSync(dir, { recursive: true, force: true });
});

/** A fresh temporary folder, removed when the test process exits. */
export function tempDir(prefix = 'exp-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}

export function specDir(files: Record<string, string>): string {
  const dir = tempDir('exp-spec-');
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

/** A small valid spec; tests replace or append lines to break it. */
export const GOOD_SPEC = `name: tiny
model:
  checkpoint: ./model
data:
  sources:
    train: { format: dvoice, root: ./corpus, split: train }
    dev: { format: dvoice, root: ./corpus, split: dev }
  train: train
  eval: dev
train:
  learning_rate: 1.0e-5
  max_steps: 100
  warmup_steps: 10
`;
