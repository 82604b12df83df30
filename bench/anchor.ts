// The anchor every benchmark figure is divided by, measured in the same run on the same backend: one
// NN matmul of whisper-tiny's FFN shape. Ratios to it compare across machines and loads better than
// seconds do.
import * as tf from '@tensorflow/tfjs';

export const ANCHOR_SHAPE = '[1500x384]@[384x1536]';

/** Seconds for one anchor matmul (mean of 3 after a warm-up). */
export function anchorSeconds(): number {
  const a = tf.randomNormal([1500, 384]);
  const b = tf.randomNormal([384, 1536]);
  tf.matMul(a, b).dispose(); // warm-up
  const t0 = performance.now();
  const reps = 3;
  for (let i = 0; i < reps; i++) tf.matMul(a, b).dataSync();
  const s = (performance.now() - t0) / 1000 / reps;
  tf.dispose([a, b]);
  return s;
}

export function describeAnchor(seconds: number): string {
  return `anchor matmul ${ANCHOR_SHAPE}: ${(seconds * 1000).toFixed(1)} ms (${((2 * 1500 * 384 * 1536) / seconds / 1e9).toFixed(2)} GF/s)`;
}
