// Data stage throughput: clips/s for decode + resample + log-mel features over all 120 clips of
// ../shared/data/darija-synth, with a cold feature cache and then a warm one (what a second run or
// sweep child pays). Printed with the machine's core count, since the work is single-threaded JS/WASM.
import os from 'node:os';
import { mkdtemp, rm } from 'node:fs/promises';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { prepareData, type PrepareDataOptions } from '../src/data/pipeline.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const shared = resolve(repoRoot, '..', 'shared');
const root = join(shared, 'data', 'darija-synth');
const cacheDir = await mkdtemp(join(os.tmpdir(), 'exp-bench-cache-'));

const options: PrepareDataOptions = {
  sources: {
    train: { format: 'dvoice', root, split: 'train' },
    dev: { format: 'dvoice', root, split: 'dev' },
    test: { format: 'dvoice', root, split: 'test' },
  },
  train: ['train', 'dev', 'test'],
  tokenizerDir: join(shared, 'fixtures', 'whisper', 'tiny-random'),
  language: 'arabic',
  cacheDir,
};

async function timed(label: string) {
  const start = performance.now();
  const { splits, report } = await prepareData(options);
  const seconds = (performance.now() - start) / 1000;
  const clips = splits.train.length;
  const audioSeconds = splits.train.reduce((s, e) => s + e.durationSeconds, 0);
  console.log(
    `${label.padEnd(5)} ${clips} clips in ${seconds.toFixed(2)} s = ${(clips / seconds).toFixed(1)} clips/s ` +
      `(${(audioSeconds / seconds).toFixed(0)}x real time; cache: ${report.cache.computed} computed, ${report.cache.hits} hits)`,
  );
  return clips / seconds;
}

console.log(`data: darija-synth, decode + resample + log-mel (80 x 3000), ${os.cpus().length} CPU cores (${os.cpus()[0]?.model ?? 'unknown'}), Node ${process.version}`);
try {
  const cold = await timed('cold');
  const warm = await timed('warm');
  console.log(`warm/cold speed-up: ${(warm / cold).toFixed(1)}x`);
} finally {
  await rm(cacheDir, { recursive: true, force: true });
}
