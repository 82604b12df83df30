// src/config/spec.generated.ts must be what `npm run gen:types` makes from the current schema.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { GENERATED_PATH, generateSpecTypes } from '../../scripts/gen-types.ts';

test('spec.generated.ts is up to date with schemas/experiment.schema.json (else run `npm run gen:types`)', async () => {
  const expected = await generateSpecTypes();
  const actual = readFileSync(GENERATED_PATH, 'utf8');
  assert.ok(actual === expected, 'src/config/spec.generated.ts is stale: run `npm run gen:types` and commit the result');
});
