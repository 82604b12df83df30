// Deep merge used by `extends`: mappings merge key by key and the child wins; arrays and scalars are
// replaced whole (a list of sources is not spliced). A child `null` removes the base value.

export type Plain = Record<string, unknown>;

export function isPlainObject(value: unknown): value is Plain {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function deepMerge(base: unknown, child: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(child)) return child === undefined ? base : child;
  const out: Plain = { ...base };
  for (const [key, value] of Object.entries(child)) {
    if (value === null) delete out[key];
    else out[key] = deepMerge(base[key], value);
  }
  return out;
}
