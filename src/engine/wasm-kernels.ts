/**
 * JS fallback kernels for ops the tfjs wasm backend (4.22) does not implement but training needs.
 * - UnsortedSegmentSum: the gradient of tf.gather (the token-embedding lookup).
 * Conv2DBackpropFilter (conv weight gradient) is also missing on wasm; the model avoids it by
 * computing conv1d as im2col + matmul (src/model/whisper/ops.ts), so no kernel is registered for it.
 */
import * as tf from '@tensorflow/tfjs';

interface WasmBackendLike {
  readSync(dataId: unknown): ArrayLike<number>;
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
}

let registered = false;

export function registerWasmFallbackKernels(): void {
  if (registered) return;
  registered = true;
  if (!tf.getKernel('UnsortedSegmentSum', 'wasm')) {
    tf.registerKernel({
      kernelName: 'UnsortedSegmentSum',
      backendName: 'wasm',
      kernelFunc: ({ inputs, backend, attrs }) => {
        const { x, segmentIds } = inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
        const numSegments = (attrs as { numSegments: number }).numSegments;
        const be = backend as unknown as WasmBackendLike;
        const xs = be.readSync(x.dataId);
        const ids = be.readSync(segmentIds.dataId);
        // out[ids[i], ...] += x[i, ...] for the leading dims x shares with segmentIds.
        const inner = x.shape.slice(segmentIds.shape.length).reduce((a, b) => a * b, 1);
        const outShape = [numSegments, ...x.shape.slice(segmentIds.shape.length)];
        const out = be.makeOutput(outShape, 'float32');
        const vals = be.typedArrayFromHeap(out);
        vals.fill(0);
        for (let i = 0; i < ids.length; i++) {
          const seg = ids[i];
          if (seg < 0 || seg >= numSegments) continue;
          const src = i * inner;
          const dst = seg * inner;
          for (let j = 0; j < inner; j++) vals[dst + j] += xs[src + j];
        }
        return out;
      },
    });
  }
}
