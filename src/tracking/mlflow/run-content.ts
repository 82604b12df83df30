// What a run logs to MLflow, computed from its local record: params (the resolved spec flattened to
// dotted keys, plus backend and versions), tags (system tags the UI reads, and ours), datasets (from
// data-report.json) and the artifact files. Pure functions of the folder's content.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { userInfo } from 'node:os';
import { stringify as toYaml } from 'yaml';
import { MAX_DATASET_DIGEST_LENGTH, MAX_PARAM_VALUE_LENGTH, MAX_TAG_VALUE_LENGTH, sanitizeKey, truncateValue } from './limits.ts';
import type { DatasetInput, KeyValue } from './types.ts';
import type { RunRecordInfo } from './run-folder.ts';

/** Spec sections that are not a run's parameters (the sweep definition belongs to the parent run). */
const NOT_PARAMS = new Set(['sweep', 'extends', 'description']);

/** Flattens nested objects to dotted keys; arrays and scalars become strings (arrays as JSON). */
export function flattenToParams(value: unknown, prefix = '', out: Record<string, string> = {}): Record<string, string> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0 && prefix) out[prefix] = '{}';
    for (const [key, child] of entries) {
      if (!prefix && NOT_PARAMS.has(key)) continue;
      flattenToParams(child, prefix ? `${prefix}.${key}` : key, out);
    }
  } else if (prefix && value !== undefined) {
    out[prefix] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  return out;
}

export interface ParamsResult {
  params: KeyValue[];
  warnings: string[];
  /** Keys whose value was cut to 6000 characters. */
  truncated: string[];
}

/** The run's params, with keys made acceptable to MLflow and values cut to its limit (said in warnings). */
export function runParams(run: RunRecordInfo): ParamsResult {
  const flat = flattenToParams(run.spec);
  if (run.versions.backend) flat.backend = run.versions.backend;
  for (const [key, value] of Object.entries(run.versions)) if (key !== 'backend') flat[`versions.${key}`] = value;
  const params: KeyValue[] = [];
  const warnings: string[] = [];
  const truncated: string[] = [];
  const seen = new Set<string>();
  for (const [rawKey, rawValue] of Object.entries(flat)) {
    const key = sanitizeKey(rawKey);
    if (key === undefined) {
      warnings.push(`param '${rawKey.slice(0, 80)}' not logged: MLflow keys are at most 250 characters of letters, digits, _ - . space : /`);
      continue;
    }
    if (seen.has(key)) {
      warnings.push(`param '${rawKey}' not logged: it becomes '${key}' in MLflow, which another param already uses`);
      continue;
    }
    if (key !== rawKey) warnings.push(`param '${rawKey}' logged as '${key}' (MLflow refuses some characters in keys)`);
    seen.add(key);
    const { value, truncated: cut } = truncateValue(rawValue, MAX_PARAM_VALUE_LENGTH);
    if (cut) {
      truncated.push(key);
      warnings.push(`param '${key}' cut to ${MAX_PARAM_VALUE_LENGTH} characters (MLflow's limit); the full value is in spec.resolved.yaml`);
    }
    params.push({ key, value });
  }
  return { params, warnings, truncated };
}

export function specHash(run: RunRecordInfo): string {
  return createHash('sha256').update(run.specText ?? '').digest('hex').slice(0, 16);
}

/** The note shown on the run page: the description, then the resolved spec as YAML. */
function noteContent(run: RunRecordInfo): string {
  const description = typeof run.spec.description === 'string' ? `${run.spec.description}\n\n` : '';
  const yaml = run.specText ?? (Object.keys(run.spec).length ? toYaml(run.spec) : '');
  const note = `${description}\`\`\`yaml\n${yaml.trimEnd()}\n\`\`\`\n`;
  return truncateValue(note, MAX_TAG_VALUE_LENGTH).value;
}

export const RUN_ID_TAG = 'exp.run_id';
export const PARENT_RUN_TAG = 'mlflow.parentRunId';

/** The tags of a run (the parent's MLflow run id is added by the sender for sweep children). */
export function runTags(run: RunRecordInfo, truncatedParams: string[] = []): KeyValue[] {
  const tags: Record<string, string> = {
    'mlflow.runName': run.name,
    'mlflow.user': safeUser(),
    'mlflow.source.name': run.specPath ?? 'exp',
    'mlflow.source.type': 'LOCAL',
    'mlflow.note.content': noteContent(run),
    [RUN_ID_TAG]: run.id,
    'exp.spec_hash': specHash(run),
    'exp.run_dir': run.dir,
  };
  if (run.gitCommit) tags['mlflow.source.git.commit'] = run.gitCommit;
  if (run.gitDirty !== undefined) tags['exp.git_dirty'] = String(run.gitDirty);
  if (run.parentId) tags['exp.sweep_id'] = run.parentId;
  if (truncatedParams.length) tags['exp.truncated_params'] = truncateValue(truncatedParams.join(','), MAX_TAG_VALUE_LENGTH).value;
  return Object.entries(tags).map(([key, value]) => ({ key, value: truncateValue(value, MAX_TAG_VALUE_LENGTH).value }));
}

export function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}

interface LooseSplit {
  sources?: string[];
  rows?: number;
  kept?: number;
  skipped?: number;
  keptSeconds?: number;
}

/**
 * One dataset input per split in data-report.json (train/eval/test): named after the split and its
 * sources, a digest of the sources' definitions and row counts (<= 36 chars), and the counts as the
 * profile the UI shows.
 */
export function runDatasets(run: RunRecordInfo): DatasetInput[] {
  const file = join(run.dir, 'data-report.json');
  if (!existsSync(file)) return [];
  let report: { splits?: Record<string, LooseSplit> };
  try {
    report = JSON.parse(readFileSync(file, 'utf8')) as typeof report;
  } catch {
    return [];
  }
  const sourceDefs = ((run.spec.data as { sources?: Record<string, Record<string, unknown>> } | undefined)?.sources ?? {}) as Record<string, Record<string, unknown>>;
  return Object.entries(report.splits ?? {}).map(([split, s]) => {
    const sources = s.sources ?? [];
    const where = sources.map((name) => String(sourceDefs[name]?.root ?? sourceDefs[name]?.path ?? name));
    const counts = { rows: s.rows ?? 0, kept: s.kept ?? 0, skipped: s.skipped ?? 0 };
    const digest = createHash('sha256')
      .update(JSON.stringify({ sources: sources.map((n) => [n, sourceDefs[n] ?? null]), counts }))
      .digest('hex')
      .slice(0, Math.min(32, MAX_DATASET_DIGEST_LENGTH));
    return {
      dataset: {
        name: `${split}${sources.length ? ` (${sources.join('+')})` : ''}`,
        digest,
        source_type: 'local',
        source: JSON.stringify({ uri: where.join(', ') }),
        profile: JSON.stringify({ num_rows: counts.kept, rows_read: counts.rows, rows_skipped: counts.skipped, audio_seconds: s.keptSeconds ?? 0 }),
      },
      tags: [{ key: 'mlflow.data.context', value: split }],
    };
  });
}

export interface ArtifactFileRef {
  /** Path under the run's artifact root, '/'-separated. */
  artifactPath: string;
  file: string;
}

const RECORD_ARTIFACTS = ['spec.resolved.yaml', 'data-report.json', 'predictions.tsv'];

/** The files to upload: the record's files, and the model folder when asked (and the run is over). */
export function runArtifacts(run: RunRecordInfo, includeModel: boolean): ArtifactFileRef[] {
  const refs: ArtifactFileRef[] = RECORD_ARTIFACTS.filter((name) => existsSync(join(run.dir, name))).map((name) => ({ artifactPath: name, file: join(run.dir, name) }));
  const modelDir = join(run.dir, 'model');
  if (includeModel && existsSync(modelDir) && statSync(modelDir).isDirectory()) {
    for (const file of listFiles(modelDir)) refs.push({ artifactPath: `model/${relative(modelDir, file).split(sep).join('/')}`, file });
  }
  return refs;
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return listFiles(path);
      return entry.isFile() && !entry.name.endsWith('.tmp') ? [path] : [];
    });
}

export function logModelRequested(run: RunRecordInfo): boolean {
  return (run.spec.tracking as { log_model?: unknown } | undefined)?.log_model === true;
}

export function experimentName(run: RunRecordInfo): string {
  const tracking = run.spec.tracking as { experiment?: unknown } | undefined;
  return typeof tracking?.experiment === 'string' && tracking.experiment ? tracking.experiment : run.experiment;
}

export function specTrackingUri(run: RunRecordInfo): string | undefined {
  const uri = (run.spec.tracking as { uri?: unknown } | undefined)?.uri;
  return typeof uri === 'string' && uri ? uri : undefined;
}
