// Readable run names: `<name>-lr3e-05-wu200` from the varied parameters (short key + value), or a
// user template such as '{name}-lr{train.learning_rate}'.
import { shortHash } from '../util/hash.ts';

/** Short keys for common parameters (by last path segment); anything else gets a generic abbreviation. */
const SHORT_KEYS: Record<string, string> = {
  learning_rate: 'lr',
  warmup_steps: 'wu',
  warmup_ratio: 'wr',
  batch_size: 'bs',
  gradient_accumulation_steps: 'ga',
  max_steps: 'steps',
  num_train_epochs: 'ep',
  weight_decay: 'wd',
  lr_scheduler_type: 'sched',
  max_grad_norm: 'clip',
  precision: 'prec',
  seed: 'seed',
  dropout: 'do',
  attention_dropout: 'ado',
  activation_dropout: 'acdo',
  d_model: 'dm',
  encoder_layers: 'el',
  decoder_layers: 'dl',
  checkpoint: 'ckpt',
  limit: 'n',
  adam_beta1: 'b1',
  adam_beta2: 'b2',
  adam_epsilon: 'eps',
  generation_max_length: 'genlen',
};

/** `train.learning_rate` -> `lr`; `eval.some_new_field` -> `snf`; `train.foo` -> `foo`. */
export function shortKey(path: string): string {
  const last = path.split('.').pop() ?? path;
  if (SHORT_KEYS[last]) return SHORT_KEYS[last];
  const words = last.split('_').filter(Boolean);
  return words.length > 1 ? words.map((w) => w[0]).join('') : last.slice(0, 8);
}

/**
 * Short keys for a set of paths, made unique: when two paths share one (train.batch_size and
 * eval.batch_size), those use their parent as a prefix (train_bs, eval_bs).
 */
export function shortKeys(paths: readonly string[]): Map<string, string> {
  const keys = new Map(paths.map((p) => [p, shortKey(p)]));
  const counts = new Map<string, number>();
  for (const key of keys.values()) counts.set(key, (counts.get(key) ?? 0) + 1);
  for (const [path, key] of keys) {
    if ((counts.get(key) ?? 0) > 1) {
      const parts = path.split('.');
      keys.set(path, `${parts.slice(0, -1).join('_')}_${key}`);
    }
  }
  return keys;
}

/** Python-`%g`-like number text, at most 4 significant digits: 3e-05, 200, 0.1, 0.0003. */
export function formatNumber(value: number): string {
  if (Number.isInteger(value) && Math.abs(value) < 1e16) return String(value);
  const rounded = Number(value.toPrecision(4));
  const abs = Math.abs(rounded);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e16)) {
    // toExponential gives 3e-5; Python and HF logs write 3e-05.
    return rounded.toExponential().replace('+', '').replace(/e(-?)(\d)$/, 'e$10$2');
  }
  return String(rounded);
}

/** A value as it appears in a run name (safe in a folder name). */
export function formatNameValue(value: unknown): string {
  if (typeof value === 'number') return formatNumber(value);
  if (typeof value === 'string') return sanitize(value.split('/').pop() ?? value);
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value) && value.every((v) => typeof v !== 'object' || v === null)) return value.map(formatNameValue).join('+');
  return shortHash(value, 6);
}

export function sanitize(text: string): string {
  return text.replace(/[^A-Za-z0-9_.+-]+/g, '_');
}

/** `<name>-<key><value>-...` over the parameters whose value differs between runs. */
export function defaultRunName(name: string, overrides: Record<string, unknown>, variedPaths: readonly string[], keys: Map<string, string>): string {
  const parts = variedPaths.filter((p) => p in overrides).map((p) => `${keys.get(p) ?? shortKey(p)}${formatNameValue(overrides[p])}`);
  return parts.length === 0 ? name : `${name}-${parts.join('-')}`;
}

/** Fill `{name}`, `{index}`, `{id}` and `{dotted.path}` (read from the run's spec). */
export function templateRunName(template: string, fields: { name: string; index: number; id: string }, valueAt: (path: string) => unknown): string {
  return sanitize(
    template.replace(/\{([^}]*)\}/g, (_, key: string) => {
      if (key === 'name') return fields.name;
      if (key === 'index') return String(fields.index);
      if (key === 'id') return fields.id;
      return formatNameValue(valueAt(key));
    }),
  );
}
