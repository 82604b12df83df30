// Builds local run record folders (runs/<experiment>/<run>/) the way the run loop writes them, for
// the sender and compare tests.
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunRecord } from '../../src/tracking/record.ts';

export interface FixtureRun {
  experiment?: string;
  name: string;
  id?: string;
  status?: 'queued' | 'running' | 'finished' | 'failed' | 'killed';
  parentId?: string;
  spec?: Record<string, unknown>;
  startTime?: number;
  endTime?: number;
}

export function tempRunsRoot(): string {
  return mkdtempSync(join(tmpdir(), 'exp-tracking-'));
}

export function baseSpec(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'darija',
    seed: 42,
    model: { checkpoint: 'models/whisper-tiny', language: 'arabic', task: 'transcribe' },
    data: { sources: { dv: { format: 'dvoice', root: 'data/dvoice', split: 'train' } }, train: 'dv', eval: 'dv' },
    train: { learning_rate: 1e-5, batch_size: 8, max_steps: 100, freeze: ['encoder'] },
    tracking: { log_model: false },
    ...overrides,
  };
}

/** Writes the record with the real writer (RunRecord), then sets status and times as the test wants. */
export function writeRun(root: string, run: FixtureRun): string {
  const experiment = run.experiment ?? 'darija';
  const dir = join(root, experiment, run.name);
  mkdirSync(dir, { recursive: true });
  RunRecord.create(dir, {
    id: run.id ?? `id-${run.name}`,
    name: run.name,
    experiment,
    index: 0,
    specPath: join(root, `${experiment}.yaml`),
    overrides: {},
    git: { commit: 'abc1234', dirty: false },
    versions: { node: 'v20.0.0', exp: '0.1.0', tfjs: '4.22.0', backend: 'cpu' },
    ...(run.parentId ? { parentId: run.parentId, parentName: experiment } : {}),
    spec: run.spec ?? baseSpec({ name: experiment }),
  });
  setRunJson(dir, run);
  return dir;
}

/** Sets status, startTime and endTime in run.json (ISO strings, as the record writes them). */
export function setRunJson(dir: string, run: Pick<FixtureRun, 'status' | 'startTime' | 'endTime'>): void {
  const startTime = run.startTime ?? 1_795_000_000_000;
  const status = run.status ?? 'finished';
  const over = status !== 'running' && status !== 'queued';
  RunRecord.open(dir).update({
    status,
    startTime: new Date(startTime).toISOString(),
    endTime: over ? new Date(run.endTime ?? startTime + 60_000).toISOString() : undefined,
  });
}

export interface Point {
  step: number;
  key: string;
  value: number | string | null;
  ts: number;
}

/** Appends points as metrics.jsonl lines: NaN as null (as RunRecord.logMetric writes it), ±Infinity as strings. */
export function appendMetrics(dir: string, points: Point[]): void {
  const encode = (v: Point['value']) => (typeof v === 'number' && Number.isNaN(v) ? null : typeof v === 'number' && !Number.isFinite(v) ? String(v) : v);
  appendFileSync(join(dir, 'metrics.jsonl'), points.map((p) => `${JSON.stringify({ ...p, value: encode(p.value) })}\n`).join(''));
}

/** `count` training points over keys train_loss / learning_rate, starting at `fromStep`. */
export function trainingPoints(count: number, fromStep = 0): Point[] {
  return Array.from({ length: count }, (_, i) => {
    const step = fromStep + Math.floor(i / 2);
    return i % 2 === 0
      ? { step, key: 'train_loss', value: 3 / (step + 1), ts: 1_795_000_000_000 + step * 10 }
      : { step, key: 'learning_rate', value: 1e-5 * (1 - step / 10_000), ts: 1_795_000_000_000 + step * 10 };
  });
}

/** The metrics.jsonl lines as `key -> [[step, value, ts]...]`, in file order (values as MLflow returns them). */
export function localHistory(dir: string): Map<string, [number, number | string, number][]> {
  const out = new Map<string, [number, number | string, number][]>();
  for (const line of readFileSync(join(dir, 'metrics.jsonl'), 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const p = JSON.parse(line) as Point;
    const value = p.value === null || p.value === 'NaN' ? 'NaN' : p.value === 'Infinity' ? 1.7976931348623157e308 : p.value === '-Infinity' ? -1.7976931348623157e308 : (p.value as number);
    if (!out.has(p.key)) out.set(p.key, []);
    out.get(p.key)!.push([p.step, value, p.ts]);
  }
  return out;
}
