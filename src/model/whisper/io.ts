/**
 * Hugging Face folders <-> WhisperModel: load (config.json + safetensors), random init from a named
 * size, and save (config.json, model.safetensors, generation_config.json + tokenizer/preprocessor
 * files) so that `WhisperForConditionalGeneration.from_pretrained(dir)` loads it with no missing keys.
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync, copyFileSync, writeFileSync } from 'node:fs';
import { writeDirAtomic } from '../../util/fs-atomic.ts';
import { join, resolve } from 'node:path';
import { UserError } from '../../util/errors.ts';
import { presetConfig, readConfig, readGenerationConfig, type WhisperConfig } from './config.ts';
import { readSafetensorsFolder, encodeSafetensors, type NamedTensor } from './safetensors.ts';
import { WhisperModel, parameterShapes, fromHfLayout, hfLayout, FROZEN_PARAMETERS } from './model.ts';
import { selectBackend, type BackendChoice } from '../../engine/backend.ts';

/** Files of a checkpoint folder that are not weights; copied on save. */
export const SIDE_FILES = [
  'tokenizer.json', 'tokenizer_config.json', 'vocab.json', 'merges.txt', 'added_tokens.json',
  'special_tokens_map.json', 'normalizer.json', 'preprocessor_config.json',
];

export interface LoadOptions {
  /** Selects the tfjs backend first (see engine/backend.ts); omitted = keep the current backend. */
  backend?: BackendChoice;
}

/** Loads a Hugging Face Whisper folder (config.json + model.safetensors or a sharded index). */
export async function loadWhisper(dir: string, opts: LoadOptions = {}): Promise<WhisperModel> {
  if (opts.backend) await selectBackend(opts.backend);
  if (!existsSync(dir)) throw new UserError(`model folder ${dir} does not exist`);
  const config = readConfig(dir);
  const hasSafetensors = existsSync(join(dir, 'model.safetensors')) || existsSync(join(dir, 'model.safetensors.index.json'));
  if (!hasSafetensors) {
    const bin = ['pytorch_model.bin', 'pytorch_model.bin.index.json', 'tf_model.h5', 'flax_model.msgpack'].find((f) => existsSync(join(dir, f)));
    const abs = resolve(dir);
    throw new UserError(
      `${dir}: ${bin ? `has ${bin} but ` : ''}no model.safetensors. exp reads only safetensors weights. Convert once with Python:\n` +
        `  python -c "from transformers import WhisperForConditionalGeneration as W; W.from_pretrained('${abs}').save_pretrained('${abs}', safe_serialization=True)"`,
    );
  }
  const tensors = readSafetensorsFolder(dir);
  return fromTensors(config, tensors, dir, { sourceDir: dir });
}

function fromTensors(config: WhisperConfig, tensors: Map<string, NamedTensor>, where: string, opts: { sourceDir?: string; seed?: number }): WhisperModel {
  const shapes = parameterShapes(config);
  const missing = [...shapes.keys()].filter((n) => !tensors.has(n));
  if (missing.length) {
    throw new UserError(`${where}: the checkpoint lacks ${missing.length} weight(s) that config.json implies, e.g. ${missing.slice(0, 5).join(', ')}`);
  }
  const weights = new Map<string, tf.Tensor>();
  try {
    for (const [name, shape] of shapes) {
      const t = tensors.get(name)!;
      if (t.shape.join(',') !== shape.join(',')) {
        throw new UserError(`${where}: weight ${name} has shape [${t.shape}], config.json implies [${shape}]`);
      }
      weights.set(name, tf.tidy(() => fromHfLayout(name, tf.tensor(t.data, t.shape, 'float32'))));
    }
    const gen = readGenerationConfig(opts.sourceDir, config);
    return new WhisperModel(config, gen, weights, opts);
  } finally {
    for (const w of weights.values()) w.dispose();
  }
}

/** Whisper's sinusoidal position table (openai/whisper `sinusoids`): [sin | cos] halves. */
export function sinusoids(length: number, channels: number, maxTimescale = 10000): Float32Array {
  const half = channels / 2;
  const inc = Math.log(maxTimescale) / (half - 1);
  const out = new Float32Array(length * channels);
  // Computed in float32 steps like torch: inv = exp(float32(-inc) * arange), t * inv, then sin/cos.
  // torch's float32 exp/sin are not correctly rounded, so values can differ by one ulp of t * inv.
  const inv = new Float32Array(half).map((_, i) => Math.fround(Math.exp(Math.fround(Math.fround(-inc) * i))));
  for (let t = 0; t < length; t++) {
    for (let i = 0; i < half; i++) {
      const s = Math.fround(t * inv[i]);
      out[t * channels + i] = Math.sin(s);
      out[t * channels + half + i] = Math.cos(s);
    }
  }
  return out;
}

/**
 * A named size carries the 51865-token vocabulary's special ids (pad 50257, start 50258); a random
 * model paired with another tokenizer (the demo's 512 ids) must use that tokenizer's ids instead, or
 * the loss's shifted decoder inputs point past the embedding table. Explicit overrides still win.
 */
function withTokenizerSpecialIds(presetName: string, overrides: Record<string, unknown>, tokenizerDir: string | undefined): Record<string, unknown> {
  if (!tokenizerDir) return overrides;
  const out = { ...overrides };
  const gen = readGenerationConfig(tokenizerDir, presetConfig(presetName, overrides));
  for (const key of ['pad_token_id', 'bos_token_id', 'eos_token_id', 'decoder_start_token_id', 'begin_suppress_tokens'] as const) {
    const value = key === 'bos_token_id' ? (gen.bos_token_id ?? gen.eos_token_id) : gen[key];
    if (value !== undefined && !(key in out)) out[key] = value;
  }
  return out;
}

export interface InitOptions {
  /** Folder with tokenizer files: gives the generation config's special tokens and is copied on save. */
  tokenizerDir?: string;
}

/**
 * Random model from a named size plus overrides (HF init: normal(0, init_std) for Linear, Conv1d and
 * Embedding weights, the padding row of the token embedding zeroed, zero biases, LayerNorm 1/0,
 * sinusoidal encoder positions). Deterministic for a given seed.
 */
export function initWhisper(presetName: string, overrides: Record<string, unknown> = {}, seed = 0, opts: InitOptions = {}): WhisperModel {
  const config = presetConfig(presetName, withTokenizerSpecialIds(presetName, overrides, opts.tokenizerDir));
  const std = config.init_std;
  const weights = new Map<string, tf.Tensor>();
  let i = 0;
  try {
    for (const [name, shape] of parameterShapes(config)) {
      const s = seed * 100_003 + i++;
      const t = tf.tidy(() => {
        if (name === 'model.encoder.embed_positions.weight') return tf.tensor(sinusoids(shape[0], shape[1]), shape);
        if (/layer_norm\.weight$/.test(name)) return tf.ones(shape);
        if (/\.bias$/.test(name) || /layer_norm\.bias$/.test(name)) return tf.zeros(shape);
        let w = tf.randomNormal(shape, 0, std, 'float32', s);
        if (name === 'model.decoder.embed_tokens.weight' && config.pad_token_id < shape[0]) {
          const keep = new Float32Array(shape[0]).fill(1);
          keep[config.pad_token_id] = 0;
          w = tf.mul(w, tf.tensor2d(keep, [shape[0], 1]));
        }
        return fromHfLayout(name, w);
      });
      weights.set(name, t);
    }
    return new WhisperModel(config, readGenerationConfig(opts.tokenizerDir, config), weights, { seed, sourceDir: opts.tokenizerDir });
  } finally {
    for (const w of weights.values()) w.dispose();
  }
}

/** Every stored parameter in HF layout and names (proj_out is tied and not stored, like HF). */
export async function stateDict(model: WhisperModel): Promise<Map<string, NamedTensor>> {
  const out = new Map<string, NamedTensor>();
  for (const [name, shape] of parameterShapes(model.config)) {
    const t = tf.tidy(() => hfLayout(name, model.params.get(name)!));
    const data = (await t.data()) as Float32Array;
    t.dispose();
    out.set(name, { shape, data });
  }
  return out;
}

export interface SaveOptions {
  /** Copy tokenizer/preprocessor files from this folder (default: the folder the model was loaded from). */
  copyFilesFrom?: string;
}

/**
 * Saves a Hugging Face folder. Atomic (writeDirAtomic): an interrupted save never leaves a
 * half-written model folder.
 */
export async function saveWhisper(model: WhisperModel, dir: string, opts: SaveOptions = {}): Promise<void> {
  await writeDirAtomic(resolve(dir), (tmp) => writeWhisperFiles(model, tmp, opts));
}

/**
 * Writes the model's files (config.json, model.safetensors, generation_config.json, tokenizer and
 * preprocessor files) into an existing folder, not atomically: for callers that already write into a
 * temp folder of their own (checkpoints).
 */
export async function writeWhisperFiles(model: WhisperModel, dir: string, opts: SaveOptions = {}): Promise<void> {
  const sd = await stateDict(model);
  const sorted = new Map([...sd.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  writeFileSync(join(dir, 'model.safetensors'), encodeSafetensors(sorted, { format: 'pt' }));
  const config = {
    ...model.config,
    architectures: ['WhisperForConditionalGeneration'],
    model_type: 'whisper',
    torch_dtype: 'float32',
    tie_word_embeddings: true,
  };
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config, null, 2) + '\n');
  writeFileSync(join(dir, 'generation_config.json'), JSON.stringify(model.generationConfig, null, 2) + '\n');
  const from = opts.copyFilesFrom ?? model.sourceDir;
  if (from) for (const f of SIDE_FILES) if (existsSync(join(from, f))) copyFileSync(join(from, f), join(dir, f));
}

export { FROZEN_PARAMETERS };
