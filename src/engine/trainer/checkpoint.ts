// HF-style checkpoint folders `checkpoint-<step>/`, written atomically: everything goes into a
// hidden temp folder beside it (`.checkpoint-<step>.tmp-...`), every file is fsynced, then the
// folder is renamed into place. A crash (kill -9) mid-write leaves only a temp folder, which
// listCheckpoints ignores and removeStaleTemps deletes, so a listed checkpoint is always whole.
//
// Contents (names as HF's Trainer writes them, except the optimizer which HF pickles):
//   model files (written by the caller: writeWhisperFiles), optimizer.safetensors (exp_avg/<name>,
//   exp_avg_sq/<name>) + optimizer.json (step, hyper-parameters), scheduler.json, rng.json,
//   trainer_state.json (written last).
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { writeDirAtomic } from '../../util/fs-atomic.ts';
import { join } from 'node:path';
import { encodeSafetensors, readSafetensors, type NamedTensor } from '../../model/whisper/safetensors.ts';
import type { AdamWState } from '../optim/adamw.ts';
import { UserError } from '../../util/errors.ts';

const CHECKPOINT_RE = /^checkpoint-(\d+)$/;
// the temp and set-aside folders writeDirAtomic makes beside `checkpoint-<step>`
const TEMP_RE = /^\.+checkpoint-\d+\.(tmp|old)-/;

export interface CheckpointData<TState, TScheduler, TRng> {
  optimizer: AdamWState;
  scheduler: TScheduler;
  rng: TRng;
  trainerState: TState;
}

export function checkpointDir(outputDir: string, step: number): string {
  return join(outputDir, `checkpoint-${step}`);
}

/** Complete checkpoints under outputDir, oldest first. */
export function listCheckpoints(outputDir: string): Array<{ step: number; path: string }> {
  if (!existsSync(outputDir)) return [];
  const out: Array<{ step: number; path: string }> = [];
  for (const name of readdirSync(outputDir)) {
    const m = CHECKPOINT_RE.exec(name);
    if (!m) continue;
    const path = join(outputDir, name);
    // trainer_state.json is written last: its presence marks a complete folder (belt and braces:
    // the rename already makes the folder appear whole)
    if (statSync(path).isDirectory() && existsSync(join(path, 'trainer_state.json'))) out.push({ step: Number(m[1]), path });
  }
  return out.sort((a, b) => a.step - b.step);
}

/** Delete half-written temp folders left by a crash. */
export function removeStaleTemps(outputDir: string): string[] {
  if (!existsSync(outputDir)) return [];
  const removed = readdirSync(outputDir).filter((n) => TEMP_RE.test(n));
  for (const n of removed) rmSync(join(outputDir, n), { recursive: true, force: true });
  return removed;
}


function optimizerTensors(state: AdamWState): Map<string, NamedTensor> {
  const tensors = new Map<string, NamedTensor>();
  for (const [name, t] of Object.entries(state.m)) tensors.set(`exp_avg/${name}`, t);
  for (const [name, t] of Object.entries(state.v)) tensors.set(`exp_avg_sq/${name}`, t);
  return tensors;
}

/**
 * Write checkpoint-<step>/ atomically. `writeModel(dir)` writes the model files into the temp
 * folder. An existing checkpoint of the same step (a resumed run saving again) is replaced.
 */
export async function writeCheckpoint<S, Sc, R>(
  outputDir: string,
  step: number,
  writeModel: (dir: string) => Promise<void> | void,
  data: CheckpointData<S, Sc, R>,
): Promise<string> {
  const final = checkpointDir(outputDir, step);
  await writeDirAtomic(final, async (tmp) => {
    await writeModel(tmp);
    writeFileSync(join(tmp, 'optimizer.safetensors'), encodeSafetensors(optimizerTensors(data.optimizer), { format: 'exp-adamw' }));
    writeFileSync(join(tmp, 'optimizer.json'), JSON.stringify({ step: data.optimizer.step, hyper: data.optimizer.hyper }, null, 2));
    writeFileSync(join(tmp, 'scheduler.json'), JSON.stringify(data.scheduler, null, 2));
    writeFileSync(join(tmp, 'rng.json'), JSON.stringify(data.rng, null, 2));
    writeFileSync(join(tmp, 'trainer_state.json'), JSON.stringify(data.trainerState, null, 2));
  });
  return final;
}

function readJson<T>(path: string): T {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch (e) {
    throw new UserError(`${path}: cannot read this checkpoint file (${(e as Error).message}). Delete the checkpoint folder to resume from an older one.`);
  }
}

export function readCheckpoint<S, Sc, R>(path: string): CheckpointData<S, Sc, R> {
  const meta = readJson<Pick<AdamWState, 'step' | 'hyper'>>(join(path, 'optimizer.json'));
  const m: AdamWState['m'] = {};
  const v: AdamWState['v'] = {};
  for (const [key, t] of readSafetensors(join(path, 'optimizer.safetensors'))) {
    const slash = key.indexOf('/');
    const kind = key.slice(0, slash);
    const name = key.slice(slash + 1);
    if (kind === 'exp_avg') m[name] = t;
    else if (kind === 'exp_avg_sq') v[name] = t;
  }
  return {
    optimizer: { ...meta, m, v },
    scheduler: readJson<Sc>(join(path, 'scheduler.json')),
    rng: readJson<R>(join(path, 'rng.json')),
    trainerState: readJson<S>(join(path, 'trainer_state.json')),
  };
}

export function removeCheckpoint(outputDir: string, step: number): void {
  rmSync(checkpointDir(outputDir, step), { recursive: true, force: true });
}
