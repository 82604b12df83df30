/**
 * The building blocks of Whisper, written for the tfjs backends we run on.
 *
 * Why they look unusual: on the wasm backend only untransposed, batch-1 matmuls reach XNNPACK
 * (18-30 GF/s); transposed or batched ones run a scalar loop (~2 GF/s). So every matmul here is a
 * 2-D `a @ b` with explicit transposes, also in the gradients (`matMulNN`); attention loops over
 * (batch, head) and keeps only q, k, v for the backward pass (`attentionHead`); conv1d is im2col +
 * matmul (wasm has no Conv2DBackpropFilter).
 */
import * as tf from '@tensorflow/tfjs';

// Inner-dimension chunks (see matMulChunkedK): matMulNN's forward splits sums longer than 128;
// attention sums over up to 1500 frames and is split finely (measured: 32 keeps wasm at cpu's accuracy).
const CHUNK = 64;
const ATTENTION_CHUNK = 32;
let accurateSums = false;

/**
 * wasm only. Off (default): XNNPACK's plain sequential sums, fast (whisper-tiny step 7.4 s vs 55 s,
 * see bench/model.bench.ts) but measured up to 1.5e-4 off HF's logits on the fixture model.
 * On: chunked sums and an exact softmax that keep hidden states, logits and loss within the parity
 * tolerances (1e-4 / 1e-5); the wasm parity tests run with it on. cpu is accurate either way.
 */
export function setAccurateSums(on: boolean): void {
  accurateSums = on;
}

/**
 * Runs `f` with plain sums (async-safe for sequential callers). Decoding uses it: greedy ids need no
 * more than float32 (the fixture's smallest top-2 logit gap is 0.02), and the chunked sums cost
 * hundreds of small ops per token.
 */
export async function withPlainSums<T>(f: () => Promise<T>): Promise<T> {
  const before = accurateSums;
  accurateSums = false;
  try {
    return await f();
  } finally {
    accurateSums = before;
  }
}
const T2 = (x: tf.Tensor): tf.Tensor2D => tf.transpose(x as tf.Tensor2D, [1, 0]);

type GradResult = { value: tf.Tensor; gradFunc: (dy: any, saved: tf.Tensor[]) => tf.Tensor | tf.Tensor[] };

/**
 * Typed wrapper around tf.customGrad: `f` receives the input tensors followed by the save function
 * and returns the value and the gradient function (one gradient per input).
 */
export function customGrad<T extends tf.Tensor>(f: (...args: any[]) => GradResult): (...inputs: tf.Tensor[]) => T {
  return tf.customGrad(f as never) as unknown as (...inputs: tf.Tensor[]) => T;
}

/** a [m,k] @ b [k,n], with a gradient that is also made of untransposed matmuls. */
export const matMulNN = makeMatMulNN(true);
/** The same without chunked sums, for the vocabulary projection (chunking its 20M weights is slow). */
export const matMulNNPlain = makeMatMulNN(false);

function makeMatMulNN(chunked: boolean): (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor2D {
  return customGrad<tf.Tensor2D>((a: tf.Tensor2D, b: tf.Tensor2D, save: tf.GradSaveFunc) => {
    save([a, b]);
    return {
      value: tf.tidy(() => (chunked ? matMulChunkedK(a, b, CHUNK) : tf.matMul(a, b))),
      // tidy: tfjs runs a custom gradFunc outside any scope, so its temporaries would otherwise live
      // until the whole backward pass ends (that alone overflowed wasm's 4 GB heap on whisper-tiny).
      gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) =>
        tf.tidy(() => {
          const [sa, sb] = saved as tf.Tensor2D[];
          return [tf.matMul(dy, T2(sb)), tf.matMul(T2(sa), dy)];
        }),
    };
  }) as (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor2D;
}

/** x [..., in] @ w [in, out] (+ b [out]). `w` is stored transposed from HF's Linear [out, in]. */
export function linear(x: tf.Tensor, w: tf.Tensor, b?: tf.Tensor, opts: { plainSums?: boolean } = {}): tf.Tensor {
  const [inDim, outDim] = w.shape;
  const lead = x.shape.slice(0, -1);
  const y = (opts.plainSums ? matMulNNPlain : matMulNN)(tf.reshape(x, [-1, inDim]) as tf.Tensor2D, w as tf.Tensor2D);
  const yb = b ? tf.add(y, b) : y;
  return tf.reshape(yb, [...lead, outDim]);
}

/** Exact GELU, as torch.nn.functional.gelu (not the tanh approximation). */
export function gelu(x: tf.Tensor): tf.Tensor {
  return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))));
}

/** LayerNorm over the last axis with torch's eps (1e-5) and biased variance. */
export function layerNorm(x: tf.Tensor, w: tf.Tensor, b: tf.Tensor, eps = 1e-5): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps))), w), b);
}

/**
 * PyTorch Conv1d(kernel 3, padding 1, stride 1|2) on channels-last input, as im2col + one matmul.
 * x [B, T, Cin]; filter [3, Cin, Cout] (HF's [Cout, Cin, 3] transposed [2,1,0]); bias [Cout].
 * Output [B, Tout, Cout] with Tout = floor((T - 1) / stride) + 1.
 */
export function conv1dK3(x: tf.Tensor3D, filter: tf.Tensor, bias: tf.Tensor, stride: 1 | 2): tf.Tensor3D {
  const [B, T, C] = x.shape;
  const tOut = Math.floor((T - 1) / stride) + 1;
  // Left pad 1 (torch padding=1); right pad so every tap's strided window fits (the extra zero is never read).
  const xp = tf.pad(x, [[0, 0], [1, stride === 1 ? 1 : 2], [0, 0]]);
  const taps: tf.Tensor[] = [];
  for (let k = 0; k < 3; k++) {
    if (stride === 1) {
      taps.push(tf.slice(xp, [0, k, 0], [B, tOut, C]));
    } else {
      // Take 2*tOut rows from offset k, fold pairs, keep the first of each pair: rows k, k+2, k+4, ...
      const win = tf.reshape(tf.slice(xp, [0, k, 0], [B, 2 * tOut, C]), [B, tOut, 2, C]);
      taps.push(tf.reshape(tf.slice(win, [0, 0, 0, 0], [B, tOut, 1, C]), [B, tOut, C]));
    }
  }
  const cols = tf.concat(taps, 2); // [B, tOut, 3*C], tap-major like the reshaped filter
  const w = tf.reshape(filter, [3 * C, -1]);
  return linear(cols, w, bias) as tf.Tensor3D;
}

/** Additive causal mask [tq, tk] for queries at positions past..past+tq-1 over keys 0..tk-1. */
export function causalMask(tq: number, tk: number, past: number): tf.Tensor2D {
  const m = new Float32Array(tq * tk);
  for (let i = 0; i < tq; i++) for (let j = past + i + 1; j < tk; j++) m[i * tk + j] = -1e9;
  return tf.tensor2d(m, [tq, tk]);
}

/**
 * a [m,k] @ b [k,n] summed in chunks of the inner dimension. wasm's XNNPACK adds the k products one
 * after another; over 1500 audio frames that drifts ~1e-4 from float64 on Whisper's hidden states,
 * more than PyTorch's blocked BLAS does. Partial products over chunks of the inner dimension, added
 * pairwise, keep the error at PyTorch's level for little cost.
 */
export function matMulChunkedK(a: tf.Tensor2D, b: tf.Tensor2D, chunk: number): tf.Tensor2D {
  const [m, k] = a.shape;
  // Only wasm sums sequentially; the other backends block their sums already.
  if (!accurateSums || k <= 2 * chunk || tf.getBackend() !== 'wasm') return tf.matMul(a, b);
  // wasm's Slice/Unpack copy element by element in JS (~5 ms per [1500, 32] chunk); one transpose to
  // [chunks, m, chunk] and Gather (a native kernel) per chunk are ~50x faster. Zero padding to whole
  // chunks adds nothing to the sums.
  const n = b.shape[1];
  const nc = Math.ceil(k / chunk);
  const extra = nc * chunk - k;
  const ap = extra ? tf.pad(a, [[0, 0], [0, extra]]) : a;
  const bp = extra ? tf.pad(b, [[0, extra], [0, 0]]) : b;
  const aChunks = tf.reshape(tf.transpose(tf.reshape(ap, [m, nc, chunk]), [1, 0, 2]), [nc, m * chunk]);
  const bChunks = tf.reshape(bp, [nc, chunk * n]);
  const take = (t: tf.Tensor, i: number, shape: [number, number]) => tf.reshape(tf.gather(t, [i]), shape) as tf.Tensor2D;
  const parts: tf.Tensor2D[] = [];
  for (let i = 0; i < nc; i++) parts.push(tf.matMul(take(aChunks, i, [m, chunk]), take(bChunks, i, [chunk, n])));
  return pairwiseSum(parts);
}

function pairwiseSum(parts: tf.Tensor2D[]): tf.Tensor2D {
  while (parts.length > 1) {
    const next: tf.Tensor2D[] = [];
    for (let i = 0; i < parts.length; i += 2) next.push(i + 1 < parts.length ? tf.add(parts[i], parts[i + 1]) : parts[i]);
    parts = next;
  }
  return parts[0];
}

/**
 * Row softmax. wasm's Softmax kernel (XNNPACK) is off by up to ~4e-6 on probabilities near 1 (cpu:
 * 6e-8), which shows up as 1e-4 drift in Whisper's hidden states; there we compute exp(x - max) and
 * the row sums through chunked matmuls (wasm's own Sum adds sequentially, another 2e-6).
 */
function softmaxRows(s: tf.Tensor2D): tf.Tensor2D {
  const backend = tf.getBackend();
  if ((backend !== 'wasm' && backend !== 'cpu') || (backend === 'wasm' && !accurateSums)) return tf.softmax(s);
  // cpu: its Softmax kernel, and its broadcasting Sub/Div, are ~10x slower than same-shape ops
  // (measured: softmax was 7 s of a 13 s forward), so columns are spread to full rows first.
  const n = s.shape[1];
  const e = tf.exp(tf.sub(s, spreadColumn(tf.max(s, -1, true), n))) as tf.Tensor2D;
  const z = backend === 'cpu' ? tf.sum(e, -1, true) : matMulChunkedK(e, tf.ones([n, 1]) as tf.Tensor2D, ATTENTION_CHUNK);
  return tf.div(e, spreadColumn(z, n)) as tf.Tensor2D;
}

/** col [m, 1] -> [m, n] with every row filled with its value (exact: one product by 1 per element). */
function spreadColumn(col: tf.Tensor, n: number): tf.Tensor2D {
  return tf.matMul(col as tf.Tensor2D, tf.ones([1, n]) as tf.Tensor2D);
}

function softmaxScores(q: tf.Tensor2D, k: tf.Tensor2D, mask: tf.Tensor2D | null): tf.Tensor2D {
  const s = tf.matMul(q, T2(k));
  return softmaxRows((mask ? tf.add(s, mask) : s) as tf.Tensor2D);
}

/** Dropout on attention probabilities: rate and the seed that makes the mask reproducible. */
export interface AttentionDropout {
  rate: number;
  seed: number;
}

/**
 * softmax(q kᵀ + mask) v for one (batch item, head); q is already scaled. Memory-lean: the backward
 * pass recomputes the probabilities from q, k, v instead of keeping the [tq, tk] matrices alive
 * (and redraws the same dropout mask from its seed).
 */
export function attentionHead(q: tf.Tensor2D, k: tf.Tensor2D, v: tf.Tensor2D, mask: tf.Tensor2D | null, drop?: AttentionDropout): tf.Tensor2D {
  // dropout(x) = x * keep / (1 - rate) is linear in x, so the same call on the gradient applies its mask.
  const dropout = (x: tf.Tensor2D): tf.Tensor2D => (drop && drop.rate > 0 ? (tf.dropout(x, drop.rate, undefined, drop.seed) as tf.Tensor2D) : x);
  const f = customGrad<tf.Tensor2D>((qi: tf.Tensor2D, ki: tf.Tensor2D, vi: tf.Tensor2D, save: tf.GradSaveFunc) => {
    // The mask is saved too: tf.variableGrads disposes every forward tensor the tape did not save.
    save(mask ? [qi, ki, vi, mask] : [qi, ki, vi]);
    return {
      value: tf.tidy(() => matMulChunkedK(dropout(softmaxScores(qi, ki, mask)), vi, ATTENTION_CHUNK)),
      gradFunc: (dO: tf.Tensor2D, saved: tf.Tensor[]) =>
        tf.tidy(() => {
          const [sq, sk, sv, sm] = saved as tf.Tensor2D[];
          const p = softmaxScores(sq, sk, sm ?? null);
          const dV = tf.matMul(T2(dropout(p)), dO);
          const dP = dropout(tf.matMul(dO, T2(sv)));
          // softmax backward: dS = p * (dP - rowsum(dP * p))
          const dS = tf.mul(p, tf.sub(dP, spreadColumn(tf.sum(tf.mul(dP, p), -1, true), p.shape[1]))) as tf.Tensor2D;
          return [tf.matMul(dS, sk), tf.matMul(T2(dS), sq), dV];
        }),
    };
  });
  return f(q, k, v);
}

/** [B, T, H*dh] -> B*H tensors [T, dh] (order: batch-major, then head). */
export function splitHeads(x: tf.Tensor, nHeads: number): tf.Tensor2D[] {
  const [B, T, D] = x.shape;
  const dh = D / nHeads;
  const bh = tf.reshape(tf.transpose(tf.reshape(x, [B, T, nHeads, dh]), [0, 2, 1, 3]), [B * nHeads, T, dh]);
  return tf.unstack(bh) as tf.Tensor2D[];
}

/** Inverse of splitHeads: B*H tensors [T, dh] -> [B, T, H*dh]. */
export function mergeHeads(heads: tf.Tensor[], batch: number, nHeads: number): tf.Tensor3D {
  const [T, dh] = heads[0].shape;
  const st = tf.reshape(tf.stack(heads), [batch, nHeads, T, dh]);
  return tf.reshape(tf.transpose(st, [0, 2, 1, 3]), [batch, T, nHeads * dh]);
}
