// Generates src/config/spec.generated.ts from schemas/experiment.schema.json, so the spec's TypeScript
// types are never maintained by hand. `npm run gen:types` writes it; test/config/generated-types.test.ts
// fails when the file is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compile, type JSONSchema } from 'json-schema-to-typescript';

export const SCHEMA_PATH = fileURLToPath(new URL('../schemas/experiment.schema.json', import.meta.url));
export const GENERATED_PATH = fileURLToPath(new URL('../src/config/spec.generated.ts', import.meta.url));

/** The text spec.generated.ts must contain for the current schema. */
export async function generateSpecTypes(): Promise<string> {
  const schema = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as JSONSchema;
  return compile(stripConstraintCombinators(schema) as JSONSchema, 'ExperimentSpec', {
    bannerComment:
      '/* Generated from schemas/experiment.schema.json by `npm run gen:types`. Do not edit by hand. */',
    additionalProperties: false,
    unreachableDefinitions: true,
    format: true,
    style: { singleQuote: true, printWidth: 120 },
  });
}

/**
 * `oneOf`/`allOf` beside `properties` only add cross-field constraints (checkpoint XOR init, fields
 * allowed per source format). json-schema-to-typescript turns them into `& { [k: string]: unknown }`,
 * which would erase the property types, so they are dropped from the copy that types are made from.
 */
function stripConstraintCombinators(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(stripConstraintCombinators);
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  const hasProperties = 'properties' in node;
  for (const [key, value] of Object.entries(node)) {
    if (hasProperties && (key === 'oneOf' || key === 'allOf')) continue;
    if (hasProperties && key === 'unevaluatedProperties') {
      out.additionalProperties = value;
      continue;
    }
    out[key] = stripConstraintCombinators(value);
  }
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(GENERATED_PATH, await generateSpecTypes());
  console.log(`wrote ${GENERATED_PATH}`);
}
