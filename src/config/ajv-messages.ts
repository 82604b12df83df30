// Turns ajv's raw errors into messages a person can act on: unknown keys with "did you mean",
// enums with their allowed values, and `oneOf` noise (one error per failed branch) collapsed into
// the one branch the user was evidently writing, or a single plain sentence.
import type { ErrorObject } from 'ajv';
import type { PathSegment } from './diagnostics.ts';
import { formatPath } from './diagnostics.ts';
import { isPlainObject, type Plain } from './merge.ts';
import { closestName, suggestionHint } from './suggest.ts';

export interface SchemaIssue {
  code: string;
  /** Path of the offending value (for an unknown key: the key itself). */
  path: PathSegment[];
  /** Point at the key rather than the value (unknown or forbidden keys). */
  atKey: boolean;
  message: string;
  hint?: string;
}

/** Errors that are only ajv's bookkeeping, never the user's problem by themselves. */
const BOOKKEEPING = new Set(['if', 'not']);

export function describeSchemaErrors(errors: readonly ErrorObject[], root: unknown, prefix: readonly PathSegment[] = []): SchemaIssue[] {
  const kept = collapseOneOf(errors);
  const issues: SchemaIssue[] = [];
  for (const error of kept) {
    const issue = describeOne(error, root, prefix);
    if (issue) issues.push(issue);
  }
  return issues;
}

/** Replace each failed `oneOf` and its per-branch errors by the errors of the likeliest branch, or by itself. */
function collapseOneOf(errors: readonly ErrorObject[]): ErrorObject[] {
  const oneOfs = errors.filter((e) => e.keyword === 'oneOf');
  let remaining = [...errors];
  for (const oneOf of oneOfs) {
    const branchPrefix = `${oneOf.schemaPath}/`;
    const inside = remaining.filter((e) => e.schemaPath.startsWith(branchPrefix));
    remaining = remaining.filter((e) => !e.schemaPath.startsWith(branchPrefix));
    const branches = new Map<string, ErrorObject[]>();
    for (const error of inside) {
      const index = error.schemaPath.slice(branchPrefix.length).split('/')[0];
      branches.set(index, [...(branches.get(index) ?? []), error]);
    }
    // A branch whose very shape is wrong (wrong type, missing its key, foreign keys) is not the one
    // the user meant; if exactly one branch is left, its errors are the useful ones.
    const plausible = [...branches.values()].filter(
      (branchErrors) =>
        !branchErrors.some(
          (e) => e.instancePath === oneOf.instancePath && ['type', 'required', 'additionalProperties', 'not', 'unevaluatedProperties'].includes(e.keyword),
        ),
    );
    if (plausible.length === 1) {
      remaining = remaining.filter((e) => e !== oneOf);
      remaining.push(...collapseOneOf(plausible[0]));
    }
  }
  return remaining;
}

/** `prefix` is where `root` sits in the spec (for a sweep value: its parameter path). */
function describeOne(error: ErrorObject, root: unknown, prefix: readonly PathSegment[]): SchemaIssue | undefined {
  if (BOOKKEEPING.has(error.keyword)) return undefined;
  const localPath = parseInstancePath(error.instancePath, root);
  const path = [...prefix, ...localPath];
  const where = formatPath(path) || 'the spec';
  const value = error.data;
  const parent = error.parentSchema as Plain | undefined;
  const description = typeof parent?.description === 'string' ? parent.description : undefined;
  switch (error.keyword) {
    case 'additionalProperties':
    case 'unevaluatedProperties': {
      const key = String(error.params.additionalProperty ?? error.params.unevaluatedProperty);
      const allowed = allowedKeys(parent);
      return {
        code: 'unknown-key',
        path: [...path, key],
        atKey: true,
        message: `unknown key \`${key}\` in ${where === 'the spec' ? 'the top level' : `\`${where}\``}`,
        hint: suggestionHint(key, allowed),
      };
    }
    case 'false schema': {
      const key = path[path.length - 1];
      const owner = parentValue(root, localPath);
      const context = isPlainObject(owner)
        ? typeof owner.format === 'string'
          ? ` with format: ${owner.format}`
          : typeof owner.method === 'string'
            ? ` with method: ${owner.method}`
            : ''
        : '';
      return { code: 'key-not-allowed', path, atKey: true, message: `\`${String(key)}\` cannot be used${context}`, hint: 'remove it (it only applies to other formats/methods; see `exp schema`)' };
    }
    case 'required': {
      const missing = String(error.params.missingProperty);
      const properties = isPlainObject(parent?.properties) ? (parent!.properties as Plain) : {};
      const about = properties[missing] as Plain | undefined;
      const what = typeof about?.description === 'string' ? ` (${about.description})` : '';
      return { code: 'missing-key', path, atKey: path.length > 0, message: `${where === 'the spec' ? 'the spec' : `\`${where}\``} is missing the required key \`${missing}\``, hint: `add \`${missing}:\`${what}` };
    }
    case 'enum': {
      const allowed = (error.params.allowedValues as unknown[]).map((v) => String(v));
      const close = typeof value === 'string' ? closestName(value, allowed) : undefined;
      return {
        code: 'not-allowed-value',
        path,
        atKey: false,
        message: `${show(value)} is not an allowed value for \`${where}\``,
        hint: `${close ? `did you mean \`${close}\`? ` : ''}allowed: ${allowed.join(', ')}`,
      };
    }
    case 'type': {
      const expected = String(error.params.type);
      return { code: 'type', path, atKey: false, message: `\`${where}\` must be ${article(expected)}, got ${describeValue(value)}`, hint: description };
    }
    case 'oneOf':
      return { code: 'shape', path, atKey: false, ...oneOfMessage(error, where, value) };
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum': {
      const comparison = { minimum: '>=', maximum: '<=', exclusiveMinimum: '>', exclusiveMaximum: '<' }[error.keyword];
      return { code: 'out-of-range', path, atKey: false, message: `\`${where}\` must be ${comparison} ${String(error.params.limit)}, got ${show(value)}`, hint: description };
    }
    case 'pattern': {
      const isKey = typeof error.propertyName === 'string';
      const subject = isKey ? `the name \`${error.propertyName}\`` : `${show(value)}`;
      return {
        code: 'pattern',
        path: isKey ? [...path, error.propertyName as string] : path,
        atKey: isKey,
        message: `${subject} is not a valid ${isKey ? 'key' : 'value'} for \`${where}\``,
        hint: patternHint(String(error.params.pattern)),
      };
    }
    case 'propertyNames':
      return undefined; // reported through the `pattern` error that comes with it
    case 'minItems':
    case 'maxItems':
    case 'minLength':
    case 'maxLength':
    case 'minProperties':
      return { code: 'size', path, atKey: false, message: `\`${where}\` ${error.message ?? 'has the wrong size'}`, hint: description };
    case 'uniqueItems':
      return { code: 'duplicate-item', path, atKey: false, message: `\`${where}\` lists the same item twice (items ${String(error.params.j)} and ${String(error.params.i)})`, hint: 'remove the repeated item' };
    case 'const':
      return { code: 'not-allowed-value', path, atKey: false, message: `\`${where}\` must be ${show(error.params.allowedValue)}`, hint: description };
    default:
      return { code: error.keyword, path, atKey: false, message: `\`${where}\` ${error.message ?? 'is invalid'}`, hint: description };
  }
}

/** Plain sentences for the `oneOf`s of the schema, when no single branch explains the problem. */
function oneOfMessage(error: ErrorObject, where: string, value: unknown): { message: string; hint?: string } {
  if (error.schemaPath.includes('/model/')) {
    const both = isPlainObject(value) && 'checkpoint' in value && 'init' in value;
    return both
      ? { message: '`model` sets both `checkpoint` and `init`', hint: 'keep one: `checkpoint` fine-tunes a Hugging Face folder, `init` starts from random weights' }
      : { message: '`model` needs `checkpoint` or `init`', hint: 'add `checkpoint: ./path/to/hf-whisper-folder`, or `init: { config: tiny }` for a random init' };
  }
  if (error.schemaPath.includes('sweepDistribution')) {
    return { message: `\`${where}\` must be a list of values or one distribution, got ${describeValue(value)}`, hint: 'write [v1, v2], { values: [v1, v2] }, { uniform: [low, high] }, { loguniform: [low, high] } or { int: [low, high] }' };
  }
  if (where === 'data.train') {
    return { message: `\`data.train\` must be a source name or a list of source names, got ${describeValue(value)}`, hint: 'e.g. train: train, or train: [train, dev]' };
  }
  return { message: `\`${where}\` does not match any of the allowed forms, got ${describeValue(value)}` };
}

function allowedKeys(parentSchema: Plain | undefined): string[] {
  return isPlainObject(parentSchema?.properties) ? Object.keys(parentSchema!.properties as Plain) : [];
}

function patternHint(pattern: string): string {
  if (pattern.startsWith('^[A-Za-z0-9][A-Za-z0-9_.-]*$')) return "use letters, digits, '_', '.' and '-', starting with a letter or digit";
  if (pattern.startsWith('^[A-Za-z0-9_-]+$')) return "use letters, digits, '_' and '-'";
  if (pattern.includes('(\\.')) return 'write a dotted spec path such as train.learning_rate';
  return `it must match ${pattern}`;
}

/** `/data/train/1` -> ['data', 'train', 1] (numbers where the value is an array). */
export function parseInstancePath(instancePath: string, root: unknown): PathSegment[] {
  if (instancePath === '') return [];
  const out: PathSegment[] = [];
  let node: unknown = root;
  for (const raw of instancePath.split('/').slice(1)) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const segment: PathSegment = Array.isArray(node) && /^\d+$/.test(part) ? Number(part) : part;
    out.push(segment);
    node = node !== null && typeof node === 'object' ? (node as Plain)[String(segment)] : undefined;
  }
  return out;
}

function parentValue(root: unknown, path: readonly PathSegment[]): unknown {
  return path.slice(0, -1).reduce<unknown>((node, segment) => (node !== null && typeof node === 'object' ? (node as Plain)[String(segment)] : undefined), root);
}

function show(value: unknown): string {
  return typeof value === 'string' ? `\`${value}\`` : `\`${JSON.stringify(value)}\``;
}

function describeValue(value: unknown): string {
  if (value === null) return 'an empty value';
  if (Array.isArray(value)) return `a list (${show(value)})`;
  if (typeof value === 'object') return 'a mapping';
  return `${article(typeof value)} (${show(value)})`;
}

function article(type: string): string {
  const noun = type === 'object' ? 'mapping' : type === 'array' ? 'list' : type;
  return /^[aeiou]/.test(noun) ? `an ${noun}` : `a ${noun}`;
}
