// Whisper model speed and memory: a whisper-tiny-sized random model (d 384, 4+4 layers, vocab 51865),
// 30 s of audio (3000 mel frames), 32 label tokens. Per backend (wasm, cpu):
//   forward (loss) time, forward+backward+AdamW time and peak tensor memory / RSS, batch 1 and 2;
//   greedy decoding tokens/s with and without the key/value cache.
// Every figure is also given as a ratio to an anchor measured in the same run on the same backend
// (one [1500x384]@[384x1536] matmul), so numbers from a loaded or a faster machine stay comparable.
// wasm runs twice: with XNNPACK's plain sequential sums (the default) and with the chunked,
// PyTorch-accurate sums the parity tests use (setAccurateSums(true)), to show what accuracy costs.
// Each case runs in its own child process: the wasm heap never shrinks, so after a batch-1 run a
// batch-2 run in the same process aborts at the 4 GB limit.
// `npm run bench -- model --quick` (or EXP_BENCH_QUICK=1): default (fast) wasm only, batch 1, 1 step, 8 tokens.
// The cpu backend is ~75 s per forward and ~300 s per training step, so on cpu only the forward is timed.
import * as tf from '@tensorflow/tfjs';
import os from 'node:os';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { selectBackend } from '../src/engine/backend.ts';
import { initWhisper } from '../src/model/whisper/io.ts';
import { generateGreedy } from '../src/model/whisper/generate.ts';
import { setAccurateSums } from '../src/model/whisper/ops.ts';
import { AdamW } from '../src/engine/optim/adamw.ts';
import { clipByGlobalNorm } from '../src/engine/optim/clip.ts';
import { anchorSeconds, describeAnchor } from './anchor.ts';

const quick = process.argv.includes('--quick') || process.env.EXP_BENCH_QUICK === '1';
const TOKENS = 32;
const now = () => performance.now() / 1000;

function batchOf(batch: number) {
  const features = tf.randomNormal([batch, 80, 3000], 0, 1, 'float32', 1) as tf.Tensor3D;
  const prefix = [50258, 50272, 50359, 50363];
  const labels = Array.from({ length: batch }, (_, b) => [...prefix.slice(1), ...Array.from({ length: TOKENS - 4 }, (_, t) => (b * 977 + t * 131) % 50000), 50257]);
  return { features, labels };
}

const rssGB = () => process.memoryUsage().rss / 2 ** 30;
const fmt = (s: number, anchor: number) => `${s.toFixed(2)} s (${(s / anchor).toFixed(0)}x anchor)`;

interface Case {
  backend: 'wasm' | 'cpu';
  accurate: boolean;
  batch: number;
}

async function benchCase({ backend, accurate, batch: B }: Case): Promise<void> {
  await selectBackend(backend);
  setAccurateSums(accurate);
  const name = `${backend === 'wasm' ? `wasm, ${accurate ? 'accurate' : 'fast'} sums` : backend}, batch ${B}`;
  const anchor = anchorSeconds();
  console.log(`[${name}] ${describeAnchor(anchor)}`);
  const model = initWhisper('tiny', {}, 0);
  const { features, labels } = batchOf(B);
  const warm = tf.tidy(() => model.loss(features, labels));
  warm.dataSync();
  warm.dispose();
  const t0 = now();
  const loss = tf.tidy(() => model.loss(features, labels));
  loss.dataSync();
  loss.dispose();
  console.log(`[${name}] forward (loss) ${fmt(now() - t0, anchor)} (after one warm-up forward)`);
  if (backend === 'cpu') {
    console.log(`[${name}] training step not timed on cpu (~300 s per step, see the notes)`);
    return;
  }
  // Batch 2 of 30 s audio only fits the 4 GB wasm heap with per-layer recomputation.
  for (const ckpt of B === 1 && !quick ? [false, true] : [true]) {
    model.gradientCheckpointing = ckpt;
    const opt = new AdamW(model.trainableVariables(), { lr: 1e-4 });
    const steps = quick ? 1 : 2;
    let best = Infinity;
    let peak = 0;
    for (let s = 0; s < steps; s++) {
      const t1 = now();
      const info = await tf.profile(() => {
        const { value, grads } = tf.variableGrads(() => model.loss(features, labels), model.trainableVariables());
        const clipped = clipByGlobalNorm(grads, 1.0);
        opt.applyGradients(clipped.grads);
        tf.dispose([value, ...Object.values(grads), ...Object.values(clipped.grads)]);
      });
      best = Math.min(best, now() - t1);
      peak = Math.max(peak, info.peakBytes);
    }
    opt.dispose();
    console.log(`[${name}]${ckpt ? ' + checkpointing' : ''}: forward+backward+AdamW ${fmt(best, anchor)} (best of ${steps}); peak tensors ${(peak / 2 ** 30).toFixed(2)} GB, RSS ${rssGB().toFixed(2)} GB`);
  }
  model.gradientCheckpointing = false;
  if (B === 1 && !accurate) {
    const one = tf.slice(features, [0, 0, 0], [1, -1, -1]);
    const n = quick ? 8 : 32;
    const enc0 = now();
    tf.tidy(() => model.encode(one)).dispose();
    const encoderS = now() - enc0;
    for (const useCache of [true, false]) {
      const t1 = now();
      // eos -1: never stops early, so exactly n tokens are decoded.
      const ids = await generateGreedy(model, one, { prefix: [50258, 50272, 50359, 50363], maxNewTokens: n, eosTokenId: -1, useCache });
      const total = now() - t1;
      const decodeS = Math.max(total - encoderS, 1e-9);
      const tokens = ids[0].length - 4;
      console.log(`[${name}] greedy ${useCache ? 'with' : 'without'} KV cache: ${tokens} tokens in ${total.toFixed(2)} s incl. encoder ${encoderS.toFixed(2)} s -> ${(tokens / decodeS).toFixed(2)} tokens/s of decoding (${(decodeS / tokens / anchor).toFixed(1)}x anchor per token)`);
    }
    one.dispose();
  }
}

const caseArg = process.argv.find((a) => a.startsWith('--case='));
if (caseArg) {
  // Child process: one case, its own wasm heap (wasm memory never shrinks, so cases cannot share one).
  const [backend, accurate, batch] = caseArg.slice('--case='.length).split(':');
  await benchCase({ backend: backend as Case['backend'], accurate: accurate === 'accurate', batch: Number(batch) });
} else {
  console.log(`model.bench: whisper-tiny-sized random model, 30 s audio, ${TOKENS} label tokens${quick ? ' (quick)' : ''}; tfjs ${tf.version.tfjs}; ${os.cpus().length} cores, load average ${os.loadavg()[0].toFixed(1)}`);
  const cases: Case[] = quick
    ? [{ backend: 'wasm', accurate: false, batch: 1 }]
    : [
        { backend: 'wasm', accurate: false, batch: 1 },
        { backend: 'wasm', accurate: false, batch: 2 },
        { backend: 'wasm', accurate: true, batch: 1 },
        { backend: 'cpu', accurate: true, batch: 1 },
      ];
  for (const c of cases) {
    const args = ['--import', 'tsx', fileURLToPath(import.meta.url), `--case=${c.backend}:${c.accurate ? 'accurate' : 'fast'}:${c.batch}`, ...(quick ? ['--quick'] : [])];
    const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
    process.stdout.write(r.stdout.split('\n').filter((l) => l.startsWith('[')).map((l) => `${l}\n`).join(''));
    if (r.status !== 0) {
      // wasm aborts without a message when its 4 GB heap is exhausted.
      const why = /Aborted\(|tfjs-backend-wasm\.js/.test(r.stderr) ? 'wasm aborted (4 GB heap exhausted)' : (r.stderr.trim().split('\n').pop() ?? `exit ${r.status}`);
      console.log(`[${c.backend}, batch ${c.batch}] did not finish: ${why}`);
    }
  }
}
