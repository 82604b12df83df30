// `exp compare`: the runs of an experiment side by side, from their local records: status, the
// parameters whose values differ between them (same dotted keys as the MLflow params), and each
// metric's final value. Rendered as a terminal table, JSON or CSV.
import { existsSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { UserError } from '../util/errors.ts';
import { closestName } from '../config/suggest.ts';
import { loadSpecFile } from '../config/load.ts';
import { flattenToParams } from './mlflow/run-content.ts';
import { findRunFolders, readRunRecord, type LocalStatus } from './mlflow/run-folder.ts';
import { RunRecord } from './record.ts';

export interface ComparedRun {
  experiment: string;
  name: string;
  id: string;
  dir: string;
  status: LocalStatus;
  /** Only the parameters that differ between the compared runs. */
  params: Record<string, string>;
  /** Each metric's final value: the one at the highest step (the last written on a tie). */
  metrics: Record<string, number>;
}

export interface Comparison {
  runs: ComparedRun[];
  paramKeys: string[];
  metricKeys: string[];
}

/** The last value of each metric by step; on equal steps the later line wins (a resumed run rewrites). */
export function finalMetrics(dir: string): Record<string, number> {
  const last = new Map<string, { step: number; value: number }>();
  for (const m of RunRecord.open(dir).readMetrics()) {
    const cur = last.get(m.key);
    if (!cur || m.step >= cur.step) last.set(m.key, { step: m.step, value: m.value });
  }
  return Object.fromEntries([...last].map(([k, v]) => [k, v.value]));
}

export interface CompareOptions {
  /** Metric (or param) to sort by, ascending; prefix '-' for descending. Runs without it go last. */
  sort?: string;
}

export function compareRuns(runDirs: string[], options: CompareOptions = {}): Comparison {
  const loaded = runDirs.map((dir) => {
    const run = readRunRecord(dir);
    return { run, allParams: flattenToParams(run.spec), metrics: finalMetrics(dir) };
  });
  const allKeys = [...new Set(loaded.flatMap((r) => Object.keys(r.allParams)))].sort();
  const paramKeys = loaded.length < 2 ? [] : allKeys.filter((key) => new Set(loaded.map((r) => r.allParams[key] ?? '')).size > 1);
  const metricKeys = [...new Set(loaded.flatMap((r) => Object.keys(r.metrics)))].sort();
  const runs: ComparedRun[] = loaded.map(({ run, allParams, metrics }) => ({
    experiment: run.experiment,
    name: run.name,
    id: run.id,
    dir: run.dir,
    status: run.status,
    params: Object.fromEntries(paramKeys.map((k) => [k, allParams[k] ?? ''])),
    metrics,
  }));
  if (options.sort) sortRuns(runs, options.sort, metricKeys, allKeys);
  return { runs, paramKeys, metricKeys };
}

function sortRuns(runs: ComparedRun[], sort: string, metricKeys: string[], paramKeys: string[]): void {
  const descending = sort.startsWith('-');
  const key = descending ? sort.slice(1) : sort;
  const isMetric = metricKeys.includes(key);
  if (!isMetric && !paramKeys.includes(key) && !['name', 'status'].includes(key)) {
    const close = closestName(key, [...metricKeys, ...paramKeys]);
    throw new UserError(
      `--sort ${sort}: no run has a metric or parameter '${key}'. ${close ? `Did you mean '${close}'? ` : ''}Metrics: ${metricKeys.join(', ') || '(none yet)'}.`,
    );
  }
  const valueOf = (run: ComparedRun): number | string | undefined => {
    if (isMetric) {
      const v = run.metrics[key];
      return v === undefined || Number.isNaN(v) ? undefined : v;
    }
    if (key === 'name' || key === 'status') return run[key];
    const raw = run.params[key];
    return raw === undefined || raw === '' ? undefined : Number.isFinite(Number(raw)) ? Number(raw) : raw;
  };
  runs.sort((a, b) => {
    const va = valueOf(a);
    const vb = valueOf(b);
    if (va === undefined || vb === undefined) return va === vb ? 0 : va === undefined ? 1 : -1;
    const order = typeof va === 'number' && typeof vb === 'number' ? va - vb : String(va).localeCompare(String(vb));
    return descending ? -order : order;
  });
}

/**
 * The run folders `target` names: a spec file (its tracking.experiment or name), a folder of runs,
 * or an experiment name under `runsDir`; without a target, every run under `runsDir`.
 */
export function compareTargetDirs(target: string | undefined, runsDir: string): string[] {
  if (target === undefined) {
    const all = findRunFolders(runsDir);
    if (all.length === 0) throw new UserError(`No runs under ${runsDir}. Run an experiment first ('exp run <spec>'), or pass --runs-dir.`);
    return all;
  }
  let experiment = target;
  if (existsSync(target) && statSync(target).isFile()) {
    experiment = experimentOfSpec(target);
  } else if (existsSync(target) && statSync(target).isDirectory()) {
    const dirs = findRunFolders(resolve(target));
    if (dirs.length === 0) throw new UserError(`${target} holds no run records (run.json).`);
    return dirs;
  }
  const dirs = findRunFolders(join(runsDir, experiment), 1);
  if (dirs.length > 0) return dirs;
  const known = existsSync(runsDir) ? findRunFolders(runsDir).map((d) => basename(resolve(d, '..'))) : [];
  const choices = [...new Set(known)];
  const close = closestName(experiment, choices);
  throw new UserError(
    `No runs of experiment '${experiment}' under ${runsDir}. ${close ? `Did you mean '${close}'? ` : ''}${choices.length ? `Experiments with runs: ${choices.join(', ')}.` : 'There are no runs yet.'}`,
  );
}

/** The experiment a spec's runs are recorded under: tracking.experiment, else name, after `extends`. */
function experimentOfSpec(file: string): string {
  // Loaded like `exp run` loads it, so an inherited tracking.experiment (darija-lr-sweep.yaml gets
  // whisper-darija from base.yaml) finds the same folder the runs went to.
  const loaded = loadSpecFile(file);
  const spec = loaded.raw as { name?: unknown; tracking?: { experiment?: unknown } };
  const name = typeof spec.tracking?.experiment === 'string' ? spec.tracking.experiment : spec.name;
  if (typeof name !== 'string' || !name) {
    const problem = loaded.diagnostics.find((d) => d.severity === 'error');
    throw new UserError(problem ? `${problem.file}:${problem.line}:${problem.col}: ${problem.message}` : `${file}: the spec has no 'name', so its runs cannot be found.`);
  }
  return name;
}

export function formatMetric(value: number | undefined): string {
  if (value === undefined) return '-';
  if (!Number.isFinite(value)) return String(value);
  return Number(value.toPrecision(4)).toString();
}

/** Header and rows shared by the table and the CSV: run, [experiment], status, differing params, metrics. */
export function comparisonRows(c: Comparison, exact = false): { header: string[]; rows: string[][] } {
  const multiExperiment = new Set(c.runs.map((r) => r.experiment)).size > 1;
  const header = ['run', ...(multiExperiment ? ['experiment'] : []), 'status', ...c.paramKeys, ...c.metricKeys];
  const rows = c.runs.map((r) => [
    r.name,
    ...(multiExperiment ? [r.experiment] : []),
    r.status,
    ...c.paramKeys.map((k) => r.params[k] ?? ''),
    ...c.metricKeys.map((k) => (exact ? (r.metrics[k] === undefined ? '' : String(r.metrics[k])) : formatMetric(r.metrics[k]))),
  ]);
  return { header, rows };
}

/** RFC 4180 CSV: fields with a comma, quote or newline are quoted, quotes doubled. */
export function toCsv(c: Comparison): string {
  const { header, rows } = comparisonRows(c, true);
  const field = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  return [header, ...rows].map((row) => row.map(field).join(',')).join('\n') + '\n';
}

/** JSON-ready form: non-finite metrics as strings (JSON has no NaN). */
export function toJsonValue(c: Comparison): unknown {
  return {
    paramKeys: c.paramKeys,
    metricKeys: c.metricKeys,
    runs: c.runs.map((r) => ({
      ...r,
      metrics: Object.fromEntries(Object.entries(r.metrics).map(([k, v]) => [k, Number.isFinite(v) ? v : String(v)])),
    })),
  };
}
