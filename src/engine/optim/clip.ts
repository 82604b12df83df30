// Gradient clipping by global L2 norm, as torch.nn.utils.clip_grad_norm_ does it:
//   total = sqrt(sum over all gradients of sum(g^2))
//   every gradient is multiplied by min(1, max_norm / (total + 1e-6))
import * as tf from '@tensorflow/tfjs';

/**
 * Global L2 norm of all gradients, read back as a number. The per-tensor sums of squares are
 * read in one device sync and added in float64 here (torch adds them in float32; the
 * difference is far below what clipping or logging can notice).
 */
export function globalNorm(grads: tf.NamedTensorMap): number {
  const list = Object.values(grads);
  if (list.length === 0) return 0;
  const sums = tf.tidy(() => tf.stack(list.map((g) => tf.sum(tf.square(tf.cast(g, 'float32'))))));
  const values = sums.dataSync();
  sums.dispose();
  let sumSq = 0;
  for (const x of values) sumSq += x;
  return Math.sqrt(sumSq);
}

export interface ClipResult {
  /** The clipped gradients (new tensors; the caller disposes them and the inputs). */
  grads: tf.NamedTensorMap;
  /** Norm before clipping (what HF logs as grad_norm). NaN/Infinity when a gradient is not finite. */
  totalNorm: number;
  /** The factor every gradient was multiplied by. */
  factor: number;
}

/**
 * Clip to `maxNorm` (0 or less disables clipping: the gradients are copied unchanged but the
 * norm is still measured, as HF logs it). The input tensors are not disposed.
 */
export function clipByGlobalNorm(grads: tf.NamedTensorMap, maxNorm: number): ClipResult {
  const totalNorm = globalNorm(grads);
  const factor = maxNorm > 0 ? Math.min(1, maxNorm / (totalNorm + 1e-6)) : 1;
  const out: tf.NamedTensorMap = {};
  for (const [name, g] of Object.entries(grads)) out[name] = tf.tidy(() => tf.mul(g, factor));
  return { grads: out, totalNorm, factor };
}
