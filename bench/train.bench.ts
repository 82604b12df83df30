// Training throughput: samples/s and s/step of the real training loop (trainer.ts: forward,
// backward, clipping, AdamW) on whisper-tiny-sized models with synthetic batches (random log-mel
// features, 32 label tokens), on the backend `auto` picks (EXP_BENCH_BACKEND=wasm|cpu|webgpu to
// force one). Sizes: EXP_BENCH_TRAIN=tiny30 (whisper-tiny, 30 s window, batch 1), tiny15 (15 s,
// batch 2), ci (the d=64 test model, 6 s, batch 8); default: all three.
import os from 'node:os';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend, describeBackend, type BackendChoice } from '../src/engine/backend.ts';
import { initWhisper } from '../src/model/whisper/io.ts';
import { train } from '../src/engine/trainer/trainer.ts';
import { whisperTrainerModel, type WhisperBatch } from '../src/engine/trainer/whisper-adapter.ts';
import type { TrainerData, TrainerOptions } from '../src/engine/trainer/types.ts';
import { anchorSeconds, describeAnchor } from './anchor.ts';

interface Case {
  name: string;
  /** Recompute layer activations in the backward pass: whisper-tiny at 30 s does not fit the 4 GB wasm heap without it. */
  checkpointing: boolean;
  overrides: Record<string, unknown>;
  chunk: number;
  batch: number;
  steps: number;
}

const CASES: Case[] = [
  { name: 'tiny30', checkpointing: true, overrides: {}, chunk: 30, batch: 1, steps: 2 },
  { name: 'tiny15', checkpointing: true, overrides: {}, chunk: 15, batch: 2, steps: 2 },
  {
    name: 'ci',
    checkpointing: false,
    overrides: { d_model: 64, encoder_layers: 2, decoder_layers: 2, encoder_attention_heads: 4, decoder_attention_heads: 4, encoder_ffn_dim: 256, decoder_ffn_dim: 256, max_target_positions: 64 },
    chunk: 6,
    batch: 8,
    steps: 10,
  },
];

const TOKENS = 32;

function syntheticData(batch: number, frames: number, nMels: number): TrainerData<WhisperBatch> {
  return {
    batchesPerEpoch: 1000,
    batch(_epoch, index) {
      const features = tf.randomNormal([batch, nMels, frames], 0, 1, 'float32', index) as tf.Tensor3D;
      const labels = Array.from({ length: batch }, (_, b) => Array.from({ length: TOKENS }, (_, t) => (index * 7919 + b * 104729 + t * 31) % 50000));
      return { ids: labels.map((_, b) => `synthetic-${index}-${b}`), size: batch, tokenCount: batch * TOKENS, features, labels, dispose: () => features.dispose() };
    },
  };
}

const chosen = (process.env.EXP_BENCH_TRAIN ?? '').split(',').filter(Boolean);
const backend = await selectBackend((process.env.EXP_BENCH_BACKEND ?? 'auto') as BackendChoice);
console.log(`train: ${describeBackend(backend)}; ${os.cpus().length} CPU cores (${os.cpus()[0]?.model ?? 'unknown'}), Node ${process.version}`);
const anchor = anchorSeconds();
console.log(`train: ${describeAnchor(anchor)}`);
for (const c of CASES.filter((x) => chosen.length === 0 || chosen.includes(x.name))) {
  const model = initWhisper('tiny', { ...c.overrides, chunk_length: c.chunk }, 0);
  model.gradientCheckpointing = c.checkpointing;
  const out = mkdtempSync(join(os.tmpdir(), 'exp-bench-train-'));
  const options: TrainerOptions = {
    outputDir: out, seed: 0, batchSize: c.batch, learningRate: 1e-4, weightDecay: 0, adamBeta1: 0.9, adamBeta2: 0.999, adamEpsilon: 1e-8,
    maxGradNorm: 1, gradientAccumulationSteps: 1, maxSteps: c.steps + 1, numTrainEpochs: 1, lrSchedulerType: 'constant', warmupSteps: 0, warmupRatio: 0,
    loggingSteps: 1, evalStrategy: 'no', evalSteps: 1, saveStrategy: 'no', saveSteps: 1000, metricForBestModel: 'loss', greaterIsBetter: false,
    loadBestModelAtEnd: false, maxNanSteps: 100,
  };
  const perStep: number[] = [];
  const params = [...model.params.values()].reduce((n, v) => n + v.size, 0);
  await train(whisperTrainerModel(model), syntheticData(c.batch, 2 * model.config.max_source_positions, model.config.num_mel_bins), options, undefined, {
    onMetrics: (step, m) => {
      if (step > 1) perStep.push(m.seconds_per_step); // step 1 includes kernel warm-up
    },
  });
  const sPerStep = perStep.reduce((a, b) => a + b, 0) / perStep.length;
  console.log(
    `${c.name.padEnd(7)} d=${model.config.d_model} ${model.config.encoder_layers}+${model.config.decoder_layers} layers, ${(params / 1e6).toFixed(1)}M params, ` +
      `${c.chunk} s window (${2 * model.config.max_source_positions} frames), batch ${c.batch} x ${TOKENS} tokens${c.checkpointing ? ', gradient checkpointing' : ''}: ` +
      `${sPerStep.toFixed(3)} s/step (${(sPerStep / anchor).toFixed(0)}x anchor), ${(c.batch / sPerStep).toFixed(2)} samples/s (mean of ${perStep.length} steps after 1 warm-up)`,
  );
  model.dispose();
  rmSync(out, { recursive: true, force: true });
}
