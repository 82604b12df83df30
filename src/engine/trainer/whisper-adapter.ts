// Thin adapters between the Whisper model / data pipeline and the training loop's interfaces
// (types.ts): freezing, batches as tensors, token counts, dropout seeds, weight reload.
import * as tf from '@tensorflow/tfjs';
import { FROZEN_PARAMETERS, fromHfLayout, type WhisperModel } from '../../model/whisper/model.ts';
import { writeWhisperFiles } from '../../model/whisper/io.ts';
import { readSafetensorsFolder } from '../../model/whisper/safetensors.ts';
import { collate, epochBatches, IGNORE_INDEX, type Batch as DataBatch } from '../../data/batches.ts';
import type { Example } from '../../data/pipeline.ts';
import { UserError } from '../../util/errors.ts';
import type { Batch, TrainerData, TrainerModel } from './types.ts';

export type FreezePart = 'encoder' | 'decoder' | 'embeddings';

/** Parameters a `train.freeze` entry keeps fixed. */
export function isFrozen(name: string, freeze: readonly FreezePart[]): boolean {
  if (FROZEN_PARAMETERS.has(name)) return true;
  for (const part of freeze) {
    if (part === 'encoder' && name.startsWith('model.encoder.')) return true;
    if (part === 'decoder' && name.startsWith('model.decoder.')) return true;
    if (part === 'embeddings' && /^model\.decoder\.embed_(tokens|positions)\.weight$/.test(name)) return true;
  }
  return false;
}

export interface WhisperBatch extends Batch {
  ids: string[];
  features: tf.Tensor3D; // [B, n_mels, frames]
  labels: number[][]; // [B, L], -100 padded
}

/** A collated data batch as tensors; tokenCount = labels that are not -100. */
export function toWhisperBatch(b: DataBatch): WhisperBatch {
  const labels: number[][] = [];
  let tokenCount = 0;
  for (let i = 0; i < b.batchSize; i++) {
    const row = Array.from(b.labels.subarray(i * b.labelLength, (i + 1) * b.labelLength));
    tokenCount += row.filter((t) => t !== IGNORE_INDEX).length;
    labels.push(row);
  }
  const features = tf.tensor3d(b.inputFeatures, [b.batchSize, b.nMels, b.frames]);
  return { ids: b.ids, size: b.batchSize, tokenCount, features, labels, dispose: () => features.dispose() };
}

export function whisperTrainerModel(model: WhisperModel, freeze: readonly FreezePart[] = []): TrainerModel<WhisperBatch> {
  // Pinning the model's dropout call counter per micro-batch makes the masks a function of
  // (seed, step, micro-batch), so a resumed run draws the same masks.
  const pinDropout = (seed: number) => model.setDropoutCall(seed);
  return {
    trainableVariables() {
      const out: Record<string, tf.Variable> = {};
      for (const [name, v] of model.params) if (!isFrozen(name, freeze)) out[name] = v;
      return out;
    },
    loss(batch, { training, seed }) {
      pinDropout(seed);
      return model.loss(batch.features, batch.labels, { training });
    },
    // into the checkpoint's own temp folder, which writeCheckpoint makes atomic
    save: (dir) => writeWhisperFiles(model, dir),
    load: (dir) => loadWeightsInto(model, dir),
  };
}

/** Assign the weights of a saved HF folder to the live variables (resume, best model at end). */
export function loadWeightsInto(model: WhisperModel, dir: string): void {
  const weights = readSafetensorsFolder(dir);
  for (const [name, variable] of model.params) {
    const w = weights.get(name);
    if (!w) throw new UserError(`${dir}: model.safetensors has no ${name}; the checkpoint does not match this model`);
    tf.tidy(() => variable.assign(fromHfLayout(name, tf.tensor(w.data, w.shape, 'float32'))));
  }
}

export interface BatchingOptions {
  batchSize: number;
  seed: number;
  shuffle: boolean;
  groupByLength?: boolean;
  nMels: number;
  frames: number;
  decoderStartId: number;
  padId: number;
}

/** Batches of a split by (epoch, index), via the data pipeline's seeded order and collator. */
export function whisperTrainerData(examples: readonly Example[], o: BatchingOptions): TrainerData<WhisperBatch> {
  if (examples.length === 0) throw new UserError('the training split is empty after cleaning; see data-report.json');
  const lengths = examples.map((e) => e.labels.length);
  let cached: { epoch: number; batches: number[][] } | undefined;
  const batchesOf = (epoch: number) => {
    if (cached?.epoch !== epoch) cached = { epoch, batches: epochBatches(examples.length, lengths, epoch, o) };
    return cached.batches;
  };
  return {
    batchesPerEpoch: Math.ceil(examples.length / o.batchSize),
    async batch(epoch, index) {
      const members = batchesOf(epoch)[index].map((i) => examples[i]);
      const items = await Promise.all(members.map(async (e) => ({ id: e.id, labels: e.labels, features: await e.loadFeatures() })));
      return toWhisperBatch(collate(items, o));
    },
  };
}
