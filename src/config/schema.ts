// The experiment JSON Schema (schemas/experiment.schema.json, the single source of truth) compiled
// with ajv, plus a walker that finds the sub-schema at a dotted spec path (for sweep parameters).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { isPlainObject, type Plain } from './merge.ts';

export const SCHEMA_FILE = fileURLToPath(new URL('../../schemas/experiment.schema.json', import.meta.url));

export type JsonSchema = Plain | boolean;

let cache: { schema: Plain; withDefaults: ValidateFunction; plain: Ajv2020 } | undefined;

function compiled(): NonNullable<typeof cache> {
  if (cache) return cache;
  const schema = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as Plain;
  // strict: reject unknown keywords and ambiguous types in the schema itself. strictRequired is off
  // because `not: { required: [...] }` (checkpoint XOR init) names properties declared one level up.
  const options = { allErrors: true, strict: true, strictRequired: false, verbose: true } as const;
  const withDefaults = new Ajv2020({ ...options, useDefaults: true }).compile(schema);
  // A second instance without useDefaults validates fragments (sweep values) without mutating them.
  const plain = new Ajv2020(options);
  plain.addSchema(schema);
  cache = { schema, withDefaults, plain };
  return cache;
}

export function experimentSchema(): Plain {
  return compiled().schema;
}

/**
 * Validate a spec, filling in the schema's defaults (on `value` itself: pass a copy).
 * Returns ajv's errors (all of them), or [] when valid.
 */
export function validateAgainstSchema(value: unknown): ErrorObject[] {
  const validate = compiled().withDefaults;
  return validate(value) ? [] : [...(validate.errors ?? [])];
}

/** Validate `value` against the sub-schema at JSON pointer `pointer` (from `schemaAtPath`). */
export function validateAgainstPointer(pointer: string, value: unknown): ErrorObject[] {
  const { plain, schema } = compiled();
  const validate = plain.getSchema(`${String(schema.$id)}#${pointer}`);
  if (!validate) throw new Error(`no schema at ${pointer}`);
  return validate(value) ? [] : [...(validate.errors ?? [])];
}

export interface SchemaLookup {
  /** The sub-schema, with `$ref`s followed. */
  schema: Plain;
  /** JSON pointer of it inside the experiment schema. */
  pointer: string;
}

export type SchemaPathResult =
  | { ok: true; found: SchemaLookup }
  | { ok: false; failedAt: number; allowed: string[] };

/**
 * Follow `path` (e.g. ['train', 'learning_rate'] or ['data', 'sources', 'dev', 'limit']) through the
 * schema's `properties`, `additionalProperties` and `$ref`s. On failure, says which segment is unknown
 * and what was allowed there (for "did you mean").
 */
export function schemaAtPath(path: readonly string[]): SchemaPathResult {
  const root = experimentSchema();
  let lookup: SchemaLookup = { schema: root, pointer: '' };
  for (let i = 0; i < path.length; i++) {
    lookup = deref(root, lookup);
    const properties = isPlainObject(lookup.schema.properties) ? (lookup.schema.properties as Plain) : {};
    const child = properties[path[i]];
    if (isPlainObject(child)) {
      lookup = { schema: child, pointer: `${lookup.pointer}/properties/${escapePointer(path[i])}` };
    } else if (isPlainObject(lookup.schema.additionalProperties)) {
      lookup = { schema: lookup.schema.additionalProperties, pointer: `${lookup.pointer}/additionalProperties` };
    } else {
      return { ok: false, failedAt: i, allowed: Object.keys(properties) };
    }
  }
  return { ok: true, found: deref(root, lookup) };
}

function deref(root: Plain, lookup: SchemaLookup): SchemaLookup {
  let current = lookup;
  while (typeof current.schema.$ref === 'string' && current.schema.$ref.startsWith('#/')) {
    const pointer = current.schema.$ref.slice(1);
    current = { schema: resolvePointer(root, pointer) as Plain, pointer };
  }
  return current;
}

export function resolvePointer(root: unknown, pointer: string): unknown {
  if (pointer === '' || pointer === '#') return root;
  return pointer
    .replace(/^#/, '')
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<unknown>((node, part) => (isPlainObject(node) || Array.isArray(node) ? (node as Plain)[part] : undefined), root);
}

function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}
