// MLflow's limits and value rules (mlflow-rest.md quirks 3-9, 16), applied on our side so that a
// request never fails or is silently mangled by the server.
import type { KeyValue, MetricPoint } from './types.ts';

export const MAX_METRICS_PER_BATCH = 1000;
export const MAX_PARAMS_PER_BATCH = 100;
export const MAX_TAGS_PER_BATCH = 100;
export const MAX_ITEMS_PER_BATCH = 1000;
export const MAX_KEY_LENGTH = 250;
export const MAX_PARAM_VALUE_LENGTH = 6000;
export const MAX_TAG_VALUE_LENGTH = 8000;
/** Dataset digests longer than this are refused by log-inputs. */
export const MAX_DATASET_DIGEST_LENGTH = 36;

// Letters and digits (any script), underscore, dash, dot, space, colon, slash (quirk 6).
const KEY_CHARS = /^[\p{L}\p{N}_\-. :/]+$/u;
const BAD_KEY_CHAR = /[^\p{L}\p{N}_\-. :/]/gu;

/** Why a metric/param/tag key would be refused, or undefined when it is fine. */
export function keyProblem(key: string): string | undefined {
  if (key.length === 0) return 'the key is empty';
  if (key.length > MAX_KEY_LENGTH) return `the key is longer than ${MAX_KEY_LENGTH} characters`;
  if (!KEY_CHARS.test(key)) return 'the key has characters other than letters, digits, _ - . space : /';
  if (key.split('/').some((segment) => segment === '..' || segment === '.')) return "the key has a '.' or '..' path segment";
  return undefined;
}

/**
 * Makes a key acceptable: disallowed characters become '_', '.'/'..' path segments become '_'.
 * Returns undefined when the key cannot be saved without losing its identity (too long or empty).
 */
export function sanitizeKey(key: string): string | undefined {
  const replaced = key
    .replace(BAD_KEY_CHAR, '_')
    .split('/')
    .map((segment) => (segment === '..' || segment === '.' ? '_' : segment))
    .join('/');
  return keyProblem(replaced) === undefined ? replaced : undefined;
}

/** JSON has no NaN/Infinity (JSON.stringify gives null, which the server refuses): send strings. */
export function encodeMetricValue(value: number): MetricPoint['value'] {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  return value;
}

/** A metric point the server stores as given: integer ms timestamp and integer step (quirk 7). */
export function metricPoint(key: string, value: number, timestampMs: number, step: number): MetricPoint {
  return { key, value: encodeMetricValue(value), timestamp: Math.round(timestampMs), step: Math.round(step) };
}

/** Cuts a value to `max` characters (the server would do so silently; we do it knowingly). */
export function truncateValue(value: string, max: number): { value: string; truncated: boolean } {
  return value.length <= max ? { value, truncated: false } : { value: value.slice(0, max), truncated: true };
}

export interface BatchContent {
  metrics: MetricPoint[];
  params: KeyValue[];
  tags: KeyValue[];
}

/**
 * Splits a batch into requests within the limits (1000 metrics, 100 params, 100 tags, 1000 items).
 * Params are kept apart from each other by key: the server refuses a batch holding the same param
 * key twice, even with equal values (quirk 4), so a repeated key goes into a later batch.
 */
export function chunkBatch(content: BatchContent): BatchContent[] {
  const batches: BatchContent[] = [];
  let current: BatchContent = { metrics: [], params: [], tags: [] };
  let paramKeys = new Set<string>();
  const size = (b: BatchContent) => b.metrics.length + b.params.length + b.tags.length;
  const flush = () => {
    if (size(current) > 0) batches.push(current);
    current = { metrics: [], params: [], tags: [] };
    paramKeys = new Set();
  };
  for (const param of content.params) {
    if (current.params.length >= MAX_PARAMS_PER_BATCH || paramKeys.has(param.key)) flush();
    current.params.push(param);
    paramKeys.add(param.key);
  }
  for (const tag of content.tags) {
    if (current.tags.length >= MAX_TAGS_PER_BATCH || size(current) >= MAX_ITEMS_PER_BATCH) flush();
    current.tags.push(tag);
  }
  for (const metric of content.metrics) {
    if (current.metrics.length >= MAX_METRICS_PER_BATCH || size(current) >= MAX_ITEMS_PER_BATCH) flush();
    current.metrics.push(metric);
  }
  flush();
  return batches;
}

/**
 * Encodes an artifact path for the mlflow-artifacts URL: each segment percent-encoded. '..' and '.'
 * segments are refused here because URL parsing would collapse them (even as %2E%2E) and the file
 * would silently land elsewhere (quirk 16).
 */
export function encodeArtifactPath(path: string): string {
  const segments = path.split('/');
  for (const segment of segments) {
    if (segment === '' || segment === '.' || segment === '..') {
      throw new Error(`Artifact path '${path}' has an empty, '.' or '..' segment; use a plain relative path such as 'model/config.json'.`);
    }
  }
  return segments.map((segment) => encodeURIComponent(segment)).join('/');
}
