// The schema itself: strict for ajv, every object closed, every field documented.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { experimentSchema } from '../../src/config/schema.ts';
import { isPlainObject, type Plain } from '../../src/config/merge.ts';

/** Every sub-schema with its JSON pointer. */
function* walk(node: unknown, pointer = ''): Generator<[string, Plain]> {
  if (!isPlainObject(node)) return;
  yield [pointer, node];
  for (const [key, value] of Object.entries(node)) {
    if (key === 'default' || key === 'enum' || key === 'const') continue;
    if (Array.isArray(value)) for (const [i, item] of value.entries()) yield* walk(item, `${pointer}/${key}/${i}`);
    else if (isPlainObject(value)) {
      if (key === 'properties' || key === '$defs') for (const [name, sub] of Object.entries(value)) yield* walk(sub, `${pointer}/${key}/${name}`);
      else yield* walk(value, `${pointer}/${key}`);
    }
  }
}

test('every object in the schema is closed (additionalProperties or unevaluatedProperties)', () => {
  const open = [...walk(experimentSchema())]
    .filter(([, s]) => s.type === 'object' && isPlainObject(s.properties))
    .filter(([, s]) => s.additionalProperties !== false && s.unevaluatedProperties !== false)
    .map(([p]) => p);
  assert.deepEqual(open, []);
});

test('every property is documented with a description', () => {
  const undocumented: string[] = [];
  for (const [pointer, schema] of walk(experimentSchema())) {
    if (!isPlainObject(schema.properties)) continue;
    for (const [name, property] of Object.entries(schema.properties)) {
      if (isPlainObject(property) && typeof property.description !== 'string' && typeof property.$ref !== 'string') undocumented.push(`${pointer}/properties/${name}`);
    }
  }
  // Inside if/then branches, `properties: { path: false }` are switches, not fields.
  assert.deepEqual(undocumented.filter((p) => !p.includes('/then/') && !p.includes('/if/')), []);
});
