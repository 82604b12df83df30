// A tiny, real tfjs model for testing the training loop quickly: per-token linear regression with
// optional dropout. Each example has features x (dim 3) and a variable number of target tokens;
// the loss is the mean squared error over all target tokens of the batch, as Whisper's loss is a
// mean over label tokens.
import * as tf from '@tensorflow/tfjs';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeSafetensors, readSafetensors } from '../../src/model/whisper/safetensors.ts';
import type { Batch, TrainerData, TrainerModel } from '../../src/engine/trainer/types.ts';

export interface ToyExample {
  x: number[];
  targets: number[];
}

export interface ToyBatch extends Batch {
  x: tf.Tensor2D; // [tokens, 3]: each token repeats its example's features
  y: tf.Tensor1D; // [tokens]
}

let uid = 0;

export class ToyModel implements TrainerModel<ToyBatch> {
  readonly w: tf.Variable;
  readonly b: tf.Variable;
  constructor(readonly dropout = 0) {
    uid += 1;
    this.w = tf.variable(tf.tensor2d([[0.1], [-0.2], [0.3]]), true, `toy${uid}.w`);
    this.b = tf.variable(tf.tensor1d([0.05]), true, `toy${uid}.b`);
  }
  trainableVariables() {
    return { w: this.w, b: this.b };
  }
  loss(batch: ToyBatch, { training, seed }: { training: boolean; seed: number }): tf.Scalar {
    return tf.tidy(() => {
      const x = training && this.dropout > 0 ? tf.dropout(batch.x, this.dropout, undefined, seed) : batch.x;
      const pred = tf.add(tf.matMul(x, this.w), this.b).reshape([-1]);
      return tf.mean(tf.square(tf.sub(pred, batch.y))) as tf.Scalar;
    });
  }
  save(dir: string) {
    const tensors = new Map([
      ['w', { shape: [3, 1], data: this.w.dataSync() as Float32Array }],
      ['b', { shape: [1], data: this.b.dataSync() as Float32Array }],
    ]);
    writeFileSync(join(dir, 'model.safetensors'), encodeSafetensors(tensors));
  }
  load(dir: string) {
    const t = readSafetensors(join(dir, 'model.safetensors'));
    this.w.assign(tf.tensor2d(t.get('w')!.data, [3, 1]));
    this.b.assign(tf.tensor1d(t.get('b')!.data));
  }
  weights(): number[] {
    return [...this.w.dataSync(), ...this.b.dataSync()];
  }
  dispose() {
    this.w.dispose();
    this.b.dispose();
  }
}

export function toyExamples(n: number, seed = 1): ToyExample[] {
  let s = seed;
  const rand = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32) * 2 - 1;
  return Array.from({ length: n }, (_, i) => {
    const x = [rand(), rand(), rand()];
    const base = 0.7 * x[0] - 0.4 * x[1] + 0.2 * x[2] + 0.1;
    return { x, targets: Array.from({ length: 1 + (i % 3) }, () => base + 0.05 * rand()) };
  });
}

/** Fixed-order batching (the seeded shuffle belongs to the data pipeline; order is not under test). */
export function toyData(examples: ToyExample[], batchSize: number): TrainerData<ToyBatch> {
  return {
    batchesPerEpoch: Math.ceil(examples.length / batchSize),
    batch(_epoch: number, index: number): ToyBatch {
      const chosen = examples.slice(index * batchSize, (index + 1) * batchSize);
      const rows = chosen.flatMap((e) => e.targets.map(() => e.x));
      const ys = chosen.flatMap((e) => e.targets);
      const x = tf.tensor2d(rows, [rows.length, 3]);
      const y = tf.tensor1d(ys);
      return { size: chosen.length, tokenCount: ys.length, x, y, dispose: () => tf.dispose([x, y]) };
    },
  };
}
