/**
 * Batching: order (seeded shuffle or length-grouped), collation exactly as Hugging Face's Whisper
 * fine-tuning collator, and a resumable batch iterator for the trainer.
 *
 * Collation (DataCollatorSpeechSeq2SeqWithPadding + the model's shift_tokens_right):
 * - labels: each row's label ids with the leading <|startoftranscript|> dropped (it is the decoder
 *   start token and comes back through the shift), right-padded with -100 to the batch maximum.
 * - decoderInputIds: shift_tokens_right(labels, pad = eos, start = <|startoftranscript|>):
 *   [start, labels[0..L-2]] with -100 replaced by the pad id.
 * - inputFeatures: [B, nMels, frames] float32, every example already padded to the window.
 */
import { seededRandom, shuffled } from '../util/random.ts';

/** One padded batch. Shapes: inputFeatures [B, nMels, frames], labels/decoderInputIds [B, L]. */
export interface Batch {
  ids: string[];
  batchSize: number;
  nMels: number;
  frames: number;
  labelLength: number;
  inputFeatures: Float32Array;
  labels: Int32Array;
  decoderInputIds: Int32Array;
}

export interface CollateOptions {
  nMels: number;
  frames: number;
  /** <|startoftranscript|> (50258 for multilingual Whisper). */
  decoderStartId: number;
  /** Whisper's pad id = eos (50257). */
  padId: number;
}

/** The label padding value ignored by the loss (PyTorch's CrossEntropyLoss ignore_index). */
export const IGNORE_INDEX = -100;

/** Collate label id lists (prefix + text + eos, as tokenizer.labelIds returns) into labels and decoder inputs. */
export function collateLabels(
  labelIds: readonly (readonly number[])[],
  decoderStartId: number,
  padId: number,
): { labels: Int32Array; decoderInputIds: Int32Array; labelLength: number } {
  // HF's collator drops the first column only when every row starts with the start token.
  const dropStart = labelIds.length > 0 && labelIds.every((ids) => ids[0] === decoderStartId);
  const rows = labelIds.map((ids) => (dropStart ? ids.slice(1) : ids.slice()));
  const labelLength = Math.max(0, ...rows.map((r) => r.length));
  const labels = new Int32Array(rows.length * labelLength).fill(IGNORE_INDEX);
  rows.forEach((row, b) => labels.set(row, b * labelLength));
  return { labels, decoderInputIds: shiftTokensRight(labels, rows.length, labelLength, padId, decoderStartId), labelLength };
}

/** HF `shift_tokens_right`: [start, x0, ..., x(L-2)] per row, -100 -> pad. */
export function shiftTokensRight(labels: Int32Array, batchSize: number, length: number, padId: number, startId: number): Int32Array {
  const out = new Int32Array(batchSize * length);
  for (let b = 0; b < batchSize; b++) {
    const row = b * length;
    if (length > 0) out[row] = startId;
    for (let t = 1; t < length; t++) {
      const v = labels[row + t - 1];
      out[row + t] = v === IGNORE_INDEX ? padId : v;
    }
  }
  return out;
}

/** Stack features and collate labels. Each `features` must be [nMels * frames]. */
export function collate(
  items: readonly { id: string; features: Float32Array; labels: readonly number[] }[],
  options: CollateOptions,
): Batch {
  const size = options.nMels * options.frames;
  const inputFeatures = new Float32Array(items.length * size);
  items.forEach((item, b) => {
    if (item.features.length !== size) {
      throw new Error(`example ${item.id}: features have ${item.features.length} values, expected ${options.nMels}x${options.frames}`);
    }
    inputFeatures.set(item.features, b * size);
  });
  const { labels, decoderInputIds, labelLength } = collateLabels(
    items.map((i) => i.labels),
    options.decoderStartId,
    options.padId,
  );
  return { ids: items.map((i) => i.id), batchSize: items.length, nMels: options.nMels, frames: options.frames, labelLength, inputFeatures, labels, decoderInputIds };
}

/** The shared seeded PRNG (mulberry32), under the name the data code has used. */
export const mulberry32 = seededRandom;

/** The PRNG for (seed, epoch): each epoch gets its own order, reproducible on resume. */
export function epochRng(seed: number, epoch: number): () => number {
  return mulberry32((Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(epoch + 1, 0x85ebca6b)) >>> 0);
}

/** Fisher-Yates permutation of 0..n-1. */
export function permutation(n: number, rng: () => number): number[] {
  return shuffled(rng, Array.from({ length: n }, (_, i) => i));
}

/**
 * Like HF's LengthGroupedSampler: a random permutation cut into megabatches of
 * `min(n / (4 * batchSize), 50) * batchSize` (at least one batch), each sorted by length
 * (longest first), and the longest example of all moved to the very first position so an
 * out-of-memory shows up at step 1.
 */
export function lengthGroupedOrder(lengths: readonly number[], batchSize: number, rng: () => number): number[] {
  const order = permutation(lengths.length, rng);
  const mult = Math.max(1, Math.min(Math.floor(lengths.length / (batchSize * 4)), 50));
  const mega = mult * batchSize;
  const megabatches: number[][] = [];
  for (let i = 0; i < order.length; i += mega) {
    megabatches.push(order.slice(i, i + mega).sort((a, b) => lengths[b] - lengths[a]));
  }
  if (megabatches.length > 1) {
    let best = 0;
    megabatches.forEach((m, i) => {
      if (lengths[m[0]] > lengths[megabatches[best][0]]) best = i;
    });
    [megabatches[0][0], megabatches[best][0]] = [megabatches[best][0], megabatches[0][0]];
  }
  return megabatches.flat();
}

export interface BatchOrderOptions {
  batchSize: number;
  seed: number;
  /** Shuffle each epoch (train); false keeps the data order (eval/test). Default true. */
  shuffle?: boolean;
  /** train.group_by_length: group by `lengths`. */
  groupByLength?: boolean;
  /** Drop a last, smaller batch (default false, as HF's dataloader_drop_last). */
  dropLast?: boolean;
}

/** Example indices of every batch of one epoch. Same (seed, epoch) -> same batches. */
export function epochBatches(count: number, lengths: readonly number[] | undefined, epoch: number, options: BatchOrderOptions): number[][] {
  if (options.batchSize < 1) throw new Error('batchSize must be >= 1');
  const shuffle = options.shuffle ?? true;
  let order: number[];
  if (!shuffle) order = Array.from({ length: count }, (_, i) => i);
  else if (options.groupByLength) {
    if (!lengths || lengths.length !== count) throw new Error('groupByLength needs one length per example');
    order = lengthGroupedOrder(lengths, options.batchSize, epochRng(options.seed, epoch));
  } else order = permutation(count, epochRng(options.seed, epoch));
  const batches: number[][] = [];
  for (let i = 0; i < order.length; i += options.batchSize) {
    const batch = order.slice(i, i + options.batchSize);
    if (batch.length < options.batchSize && options.dropLast) break;
    batches.push(batch);
  }
  return batches;
}

/** Where the trainer is in the data: batch `index` of `epoch` is the next one to yield. */
export interface DataPosition {
  epoch: number;
  index: number;
}

export interface BatchSource {
  id: string;
  labels: readonly number[];
  loadFeatures(): Promise<Float32Array>;
}

export interface IterateOptions extends BatchOrderOptions, CollateOptions {
  /** Resume here (default epoch 0, batch 0). */
  start?: DataPosition;
  /** Stop after this many epochs (default: run forever; the trainer stops by steps). */
  epochs?: number;
}

/**
 * Yields `{ position, next, batch }` for every batch, epoch after epoch. `position` is the batch
 * just yielded; `next` is what to save in a checkpoint to resume right after it.
 * Length grouping uses label length (features are all padded to the window; labels are not).
 */
export async function* iterateBatches(
  examples: readonly BatchSource[],
  options: IterateOptions,
): AsyncGenerator<{ position: DataPosition; next: DataPosition; batchesInEpoch: number; batch: Batch }> {
  if (examples.length === 0) return;
  const lengths = examples.map((e) => e.labels.length);
  let { epoch, index } = options.start ?? { epoch: 0, index: 0 };
  while (options.epochs === undefined || epoch < options.epochs) {
    const batches = epochBatches(examples.length, lengths, epoch, options);
    for (; index < batches.length; index++) {
      const members = batches[index].map((i) => examples[i]);
      const items = await Promise.all(members.map(async (e) => ({ id: e.id, labels: e.labels, features: await e.loadFeatures() })));
      const last = index + 1 >= batches.length;
      yield {
        position: { epoch, index },
        next: last ? { epoch: epoch + 1, index: 0 } : { epoch, index: index + 1 },
        batchesInEpoch: batches.length,
        batch: collate(items, options),
      };
    }
    if (batches.length === 0) return; // dropLast with fewer examples than a batch: nothing to yield ever
    epoch++;
    index = 0;
  }
}
