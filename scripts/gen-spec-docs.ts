// Generates docs/spec-reference.md from schemas/experiment.schema.json: one section per object of the
// spec, one table row per field with its type, default, constraints and description. The schema is the
// single source of truth; test/demo/spec-reference.test.ts fails when the committed page is stale.
//
//   node --import tsx scripts/gen-spec-docs.ts           # rewrite docs/spec-reference.md
//   node --import tsx scripts/gen-spec-docs.ts --check   # exit 1 if it is out of date
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

type Schema = {
  $ref?: string;
  $defs?: Record<string, Schema>;
  description?: string;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  properties?: Record<string, Schema | boolean>;
  additionalProperties?: Schema | boolean;
  required?: string[];
  items?: Schema;
  oneOf?: Schema[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
  uniqueItems?: boolean;
  [key: string]: unknown;
};

export const SCHEMA_PATH = fileURLToPath(new URL('../schemas/experiment.schema.json', import.meta.url));
export const REFERENCE_PATH = fileURLToPath(new URL('../docs/spec-reference.md', import.meta.url));

function deref(root: Schema, schema: Schema): Schema {
  if (!schema.$ref) return schema;
  const name = schema.$ref.replace('#/$defs/', '');
  const target = root.$defs?.[name];
  if (!target) throw new Error(`unresolved $ref ${schema.$ref}`);
  return { ...deref(root, target), ...(schema.description ? { description: schema.description } : {}) };
}

const code = (value: unknown) => `\`${typeof value === 'string' ? value : JSON.stringify(value)}\``;
/** Table cells may not contain raw pipes or newlines. */
const cell = (text: string) =>
  text
    .replace(/\|/g, '\\|')
    .replace(/\n/g, ' ')
    // outside `code`, a <name> would be read as an HTML tag and vanish
    .split('`')
    .map((part, i) => (i % 2 === 0 ? part.replace(/</g, '&lt;').replace(/>/g, '&gt;') : part))
    .join('`');

function typeOf(root: Schema, raw: Schema): string {
  const schema = deref(root, raw);
  if (schema.enum) return schema.enum.map(code).join(' | ');
  if (schema.oneOf) return schema.oneOf.map((alt) => typeOf(root, alt)).join(' or ');
  const type = Array.isArray(schema.type) ? schema.type.join(' | ') : schema.type;
  if (type === 'array') {
    const items = schema.items ? typeOf(root, schema.items) : 'any';
    return `list of ${items}`;
  }
  if (type === 'object' && schema.additionalProperties && typeof schema.additionalProperties === 'object' && !schema.properties) {
    return `map of name → ${typeOf(root, schema.additionalProperties)}`;
  }
  // a one-key object among alternatives (sweep distributions): show its shape, `{ uniform: [...] }`
  if (type === 'object' && schema.required?.length === 1 && schema.properties) return `{ ${schema.required[0]}: ${typeOf(root, schema.properties[schema.required[0]] as Schema)} }`;
  if (type) return type;
  if (schema.properties) return 'object';
  return 'any';
}

function constraints(schema: Schema): string {
  const out: string[] = [];
  if (schema.minimum !== undefined) out.push(`≥ ${schema.minimum}`);
  if (schema.exclusiveMinimum !== undefined) out.push(`> ${schema.exclusiveMinimum}`);
  if (schema.maximum !== undefined) out.push(`≤ ${schema.maximum}`);
  if (schema.exclusiveMaximum !== undefined) out.push(`< ${schema.exclusiveMaximum}`);
  if (schema.minLength !== undefined && schema.minLength > 1) out.push(`length ≥ ${schema.minLength}`);
  if (schema.maxLength !== undefined) out.push(`length ≤ ${schema.maxLength}`);
  if (schema.minItems !== undefined && schema.minItems > 1) out.push(`≥ ${schema.minItems} items`);
  if (schema.maxItems !== undefined) out.push(`≤ ${schema.maxItems} items`);
  if (schema.uniqueItems) out.push('unique');
  if (schema.pattern) out.push(`matches ${code(schema.pattern)}`);
  return out.join(', ');
}

interface Section {
  path: string;
  schema: Schema;
}

/** Objects with named properties, depth first, in schema order: the spec, then model, model.init, ... */
function sections(root: Schema, path: string, raw: Schema, out: Section[] = []): Section[] {
  const schema = deref(root, raw);
  if (schema.properties) out.push({ path, schema });
  for (const [key, child] of Object.entries(schema.properties ?? {})) {
    if (typeof child === 'boolean') continue;
    sections(root, path ? `${path}.${key}` : key, child, out);
  }
  const extra = schema.additionalProperties;
  if (extra && typeof extra === 'object' && deref(root, extra).properties) sections(root, `${path}.<name>`, extra, out);
  return out;
}

function table(root: Schema, section: Section): string[] {
  const required = new Set(section.schema.required ?? []);
  const lines = ['| field | type | default | constraints | description |', '| --- | --- | --- | --- | --- |'];
  for (const [key, raw] of Object.entries(section.schema.properties ?? {})) {
    if (typeof raw === 'boolean') continue;
    const schema = deref(root, raw);
    const name = `${code(key)}${required.has(key) ? ' **(required)**' : ''}`;
    const nested = schema.properties || (schema.additionalProperties && typeof schema.additionalProperties === 'object' && deref(root, schema.additionalProperties).properties);
    const anchorPath = section.path ? `${section.path}.${key}` : key;
    const type = nested ? `[${schema.properties ? 'object' : typeOf(root, schema)}](#${anchor(anchorPath, schema)})` : typeOf(root, schema);
    const def = schema.default === undefined ? '' : code(schema.default);
    lines.push(`| ${cell(name)} | ${cell(type)} | ${cell(def)} | ${cell(constraints(schema))} | ${cell(schema.description ?? '')} |`);
  }
  return lines;
}

/** GitHub's heading anchor of the section that documents `path` (a map's section is `<path>.<name>`). */
function anchor(path: string, schema: Schema): string {
  const heading = schema.properties ? path : `${path}.<name>`;
  return heading.toLowerCase().replace(/[^a-z0-9 _-]/g, '');
}

export function renderSpecReference(schema: Schema): string {
  const lines = [
    '<!-- Generated by scripts/gen-spec-docs.ts from schemas/experiment.schema.json: do not edit by hand. -->',
    '<!-- Regenerate: node --import tsx scripts/gen-spec-docs.ts -->',
    '',
    '# Spec reference',
    '',
    schema.description ?? '',
    '',
    'Every field of an experiment spec (YAML), generated from',
    '[`schemas/experiment.schema.json`](../schemas/experiment.schema.json). Paths (`model.checkpoint`,',
    '`model.init.tokenizer`, `data.sources.<name>.root|path|audio_dir`) are relative to the file that',
    'declares them. Rules that span several fields (`warmup_steps < max_steps`, sources named in',
    '`data.train/eval/test` must exist, ...) are checked by `exp validate` and listed in the README.',
    '',
  ];
  for (const section of sections(schema, '', schema)) {
    lines.push(`## ${section.path ? code(section.path) : 'Top level'}`, '');
    if (section.path && section.schema.description) lines.push(section.schema.description, '');
    lines.push(...table(schema, section), '');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

export function readSchema(): Schema {
  return JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as Schema;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const text = renderSpecReference(readSchema());
  if (process.argv.includes('--check')) {
    let current = '';
    try {
      current = readFileSync(REFERENCE_PATH, 'utf8');
    } catch {
      // missing counts as stale
    }
    if (current !== text) {
      console.error('docs/spec-reference.md is out of date: run node --import tsx scripts/gen-spec-docs.ts');
      process.exit(1);
    }
  } else {
    writeFileSync(REFERENCE_PATH, text);
    console.log(`wrote ${REFERENCE_PATH}`);
  }
}
