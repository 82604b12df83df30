// docs/spec-reference.md is generated from the schema; this fails when someone changes the schema and
// forgets to regenerate the page (or edits the page by hand).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { REFERENCE_PATH, readSchema, renderSpecReference } from '../../scripts/gen-spec-docs.ts';

test('docs/spec-reference.md is up to date with schemas/experiment.schema.json', () => {
  const expected = renderSpecReference(readSchema());
  const actual = readFileSync(REFERENCE_PATH, 'utf8');
  assert.ok(actual === expected, 'docs/spec-reference.md is stale: run `node --import tsx scripts/gen-spec-docs.ts` and commit the result');
});

test('the spec reference documents every field of the schema, with its default', () => {
  const schema = readSchema() as { $defs: { train: { properties: { learning_rate: { default: number } } } } };
  const text = renderSpecReference(schema);
  // a field from each level, and defaults taken from the schema
  assert.match(text, /^## `train`$/m);
  assert.ok(text.includes(`| \`learning_rate\` | number | \`${JSON.stringify(schema.$defs.train.properties.learning_rate.default)}\` |`), 'train.learning_rate row with its schema default');
  assert.match(text, /^## `data\.sources\.<name>`$/m);
  assert.match(text, /\]\(#datasourcesname\)/);
  assert.match(text, /\| `patience` \*\*\(required\)\*\* \| integer \|/);
  assert.match(text, /\| `backend` \| `auto` \\\| `tensorflow` \\\| `webgpu` \\\| `wasm` \\\| `cpu` \| `auto` \|/);
});
