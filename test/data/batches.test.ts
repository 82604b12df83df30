// Collation must equal the reference collator (tokens.json collator_labels / decoder_input_ids);
// ordering must be deterministic per seed and resumable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { collate, collateLabels, epochBatches, iterateBatches, lengthGroupedOrder, mulberry32, type BatchSource } from '../../src/data/batches.ts';
import { readJson, whisperFixtures } from './helpers.ts';

const tokens = readJson(join(whisperFixtures, 'tokens.json'));

test('collateLabels equals the reference collator_labels and decoder_input_ids', () => {
  const labelIds: number[][] = tokens.items.map((i: any) => i.label_ids_with_special_tokens);
  const { labels, decoderInputIds, labelLength } = collateLabels(labelIds, tokens.decoder_start_token_id, tokens.pad_token_id);
  assert.equal(labelLength, tokens.batch_padded_length);
  tokens.items.forEach((item: any, b: number) => {
    assert.deepEqual(Array.from(labels.subarray(b * labelLength, (b + 1) * labelLength)), item.collator_labels, item.id);
    assert.deepEqual(Array.from(decoderInputIds.subarray(b * labelLength, (b + 1) * labelLength)), item.decoder_input_ids, item.id);
  });
});

test('collate stacks features as [B, nMels, frames] and rejects a wrong size', () => {
  const items = [
    { id: 'a', features: Float32Array.from([1, 2, 3, 4, 5, 6]), labels: [50258, 7, 50257] },
    { id: 'b', features: Float32Array.from([7, 8, 9, 10, 11, 12]), labels: [50258, 8, 9, 50257] },
  ];
  const batch = collate(items, { nMels: 2, frames: 3, decoderStartId: 50258, padId: 50257 });
  assert.deepEqual(Array.from(batch.inputFeatures), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  assert.deepEqual(Array.from(batch.labels), [7, 50257, -100, 8, 9, 50257]);
  assert.deepEqual(Array.from(batch.decoderInputIds), [50258, 7, 50257, 50258, 8, 9]);
  assert.throws(() => collate([{ id: 'x', features: new Float32Array(5), labels: [1] }], { nMels: 2, frames: 3, decoderStartId: 1, padId: 0 }), /example x/);
});

const sources = (n: number): BatchSource[] =>
  Array.from({ length: n }, (_, i) => ({
    id: `e${i}`,
    labels: [50258, ...Array.from({ length: 1 + ((i * 7) % 11) }, () => 100 + i), 50257],
    loadFeatures: async () => new Float32Array(4).fill(i),
  }));

test('same seed -> same batches; another seed -> another order; every example once per epoch', () => {
  const a = epochBatches(37, undefined, 0, { batchSize: 4, seed: 42 });
  const b = epochBatches(37, undefined, 0, { batchSize: 4, seed: 42 });
  const c = epochBatches(37, undefined, 0, { batchSize: 4, seed: 43 });
  const nextEpoch = epochBatches(37, undefined, 1, { batchSize: 4, seed: 42 });
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  assert.notDeepEqual(a, nextEpoch);
  assert.deepEqual(a.flat().sort((x, y) => x - y), Array.from({ length: 37 }, (_, i) => i));
  assert.equal(a.length, 10);
  assert.equal(epochBatches(37, undefined, 0, { batchSize: 4, seed: 42, dropLast: true }).length, 9);
  assert.deepEqual(epochBatches(5, undefined, 0, { batchSize: 2, seed: 1, shuffle: false }), [[0, 1], [2, 3], [4]]);
});

test('length grouping: seeded, longest example first, batches of similar length', () => {
  const lengths = Array.from({ length: 400 }, (_, i) => ((i * 7919) % 397) + 1);
  const order = lengthGroupedOrder(lengths, 4, mulberry32(5));
  assert.deepEqual(order, lengthGroupedOrder(lengths, 4, mulberry32(5)));
  assert.notDeepEqual(order, lengthGroupedOrder(lengths, 4, mulberry32(6)));
  assert.deepEqual([...order].sort((a, b) => a - b), Array.from({ length: 400 }, (_, i) => i));
  assert.equal(lengths[order[0]], Math.max(...lengths));
  // Padding waste inside batches is much smaller than with a plain shuffle.
  const waste = (o: number[]) => {
    let w = 0;
    for (let i = 0; i < o.length; i += 4) {
      const l = o.slice(i, i + 4).map((j) => lengths[j]);
      w += l.reduce((s, x) => s + (Math.max(...l) - x), 0);
    }
    return w;
  };
  const shuffled = epochBatches(400, lengths, 0, { batchSize: 4, seed: 5 }).flat();
  assert.ok(waste(order) * 5 < waste(shuffled), `grouped waste ${waste(order)} vs shuffled ${waste(shuffled)}`);
});

test('iterateBatches resumes exactly where a position says', async () => {
  const data = sources(10);
  const options = { batchSize: 3, seed: 7, nMels: 2, frames: 2, decoderStartId: 50258, padId: 50257, epochs: 2 };
  const all: { ids: string[]; pos: string; next: string }[] = [];
  for await (const { batch, position, next } of iterateBatches(data, options)) {
    all.push({ ids: batch.ids, pos: `${position.epoch}/${position.index}`, next: `${next.epoch}/${next.index}` });
  }
  assert.equal(all.length, 8); // 4 batches (3+3+3+1) x 2 epochs
  assert.equal(all[3].next, '1/0');
  const resumed: string[][] = [];
  for await (const { batch } of iterateBatches(data, { ...options, start: { epoch: 0, index: 2 } })) resumed.push(batch.ids);
  assert.deepEqual(resumed, all.slice(2).map((b) => b.ids));
  // The features of each batch belong to its ids.
  for await (const { batch } of iterateBatches(data, { ...options, epochs: 1 })) {
    batch.ids.forEach((id, b) => assert.equal(batch.inputFeatures[b * 4], Number(id.slice(1))));
  }
  const none = [];
  for await (const x of iterateBatches([], options)) none.push(x);
  assert.equal(none.length, 0);
});
