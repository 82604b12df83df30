// Reads a local run record folder (runs/<experiment>/<run-name>/, see ../record.ts) as the sender and
// compare need it: run.json, spec.resolved.yaml and metrics.jsonl. Tolerant on purpose: the folder
// may belong to a run that is still being written, or to an older version of exp.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { RunRecord, type RunStatus as RecordStatus } from '../record.ts';

/** A run's status in its record. */
export type LocalStatus = RecordStatus;

export interface RunRecordInfo {
  dir: string;
  id: string;
  name: string;
  experiment: string;
  status: LocalStatus;
  /** Epoch ms. */
  startTime?: number;
  endTime?: number;
  gitCommit?: string;
  gitDirty?: boolean;
  versions: Record<string, string>;
  /** The sweep this run belongs to. */
  parentId?: string;
  parentName?: string;
  specPath?: string;
  /** The resolved spec as text and as data ({} when the file is missing). */
  specText?: string;
  spec: Record<string, unknown>;
}

/** One metrics.jsonl line: `{"step":N,"key":"train_loss","value":1.23,"ts":<ms>}`. */
export interface MetricLine {
  step: number;
  key: string;
  /** NaN/±Infinity arrive as the strings "NaN"/"Infinity"/"-Infinity" or null (JSON has no such numbers). */
  value: number;
  ts: number;
}

export function toEpochMs(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value !== '') {
    const ms = /^\d+(\.\d+)?$/.test(value) ? Number(value) : Date.parse(value);
    return Number.isFinite(ms) ? ms : undefined;
  }
  return undefined;
}

const STATUSES: LocalStatus[] = ['queued', 'running', 'finished', 'failed', 'killed'];

export function isRunFolder(dir: string): boolean {
  return RunRecord.exists(dir);
}

export function readRunRecord(dir: string): RunRecordInfo {
  // RunRecord.open checks the file and says which one is wrong; the fields are then read tolerantly.
  const raw = RunRecord.open(dir).info as Record<string, unknown>;
  const specFile = join(dir, 'spec.resolved.yaml');
  const specText = existsSync(specFile) ? readFileSync(specFile, 'utf8') : undefined;
  let spec: Record<string, unknown> = {};
  if (specText !== undefined) {
    const parsed = parseYaml(specText) as unknown;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) spec = parsed as Record<string, unknown>;
  }
  const git = (raw.git ?? {}) as { commit?: unknown; dirty?: unknown };
  const versions: Record<string, string> = Object.fromEntries(
    Object.entries((raw.versions ?? {}) as Record<string, unknown>)
      .filter(([, v]) => v !== undefined && v !== null)
      .map(([k, v]) => [k, String(v)]),
  );
  // The backend actually used, when the executor noted it beside the versions.
  if (!versions.backend && typeof raw.backend === 'string' && raw.backend) versions.backend = raw.backend;
  const dirName = dir.split(/[\\/]/).filter(Boolean).at(-1) ?? 'run';
  const status = STATUSES.includes(raw.status as LocalStatus) ? (raw.status as LocalStatus) : 'running';
  return {
    dir,
    id: typeof raw.id === 'string' && raw.id ? raw.id : dirName,
    name: typeof raw.name === 'string' && raw.name ? raw.name : dirName,
    experiment: typeof raw.experiment === 'string' && raw.experiment ? raw.experiment : String(spec.name ?? 'default'),
    status,
    startTime: toEpochMs(raw.startTime),
    endTime: toEpochMs(raw.endTime),
    gitCommit: typeof git.commit === 'string' ? git.commit : undefined,
    gitDirty: typeof git.dirty === 'boolean' ? git.dirty : undefined,
    versions,
    parentId: typeof raw.parentId === 'string' && raw.parentId ? raw.parentId : undefined,
    parentName: typeof raw.parentName === 'string' && raw.parentName ? raw.parentName : undefined,
    specPath: typeof raw.specPath === 'string' ? raw.specPath : undefined,
    specText,
    spec,
  };
}

function parseMetricValue(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (value === null || value === 'NaN') return NaN;
  if (value === 'Infinity' || value === '+Infinity') return Infinity;
  if (value === '-Infinity') return -Infinity;
  return undefined;
}

/** Parses one metrics.jsonl line; undefined when it is not a metric point. */
export function parseMetricLine(line: string, fallbackTs: number): MetricLine | undefined {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (!raw || typeof raw !== 'object' || typeof raw.key !== 'string') return undefined;
  const value = parseMetricValue(raw.value);
  if (value === undefined) return undefined;
  const step = typeof raw.step === 'number' && Number.isFinite(raw.step) ? raw.step : 0;
  return { key: raw.key, value, step, ts: toEpochMs(raw.ts) ?? fallbackTs };
}

/** Run folders under `root` (a runs/ folder, an experiment folder, or a run folder itself), sorted. */
export function findRunFolders(root: string, depth = 3): string[] {
  if (!existsSync(root) || !statSync(root).isDirectory()) return [];
  if (isRunFolder(root)) return [root];
  if (depth === 0) return [];
  const found: string[] = [];
  for (const name of readdirSync(root).sort()) {
    const path = join(root, name);
    if (!statSync(path).isDirectory() || name.startsWith('.')) continue;
    if (isRunFolder(path)) found.push(path);
    else found.push(...findRunFolders(path, depth - 1));
  }
  return found;
}
