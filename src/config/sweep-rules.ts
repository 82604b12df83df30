// Checks of the `sweep` block that the schema cannot make: every parameter path names a real spec
// field, and every value (or distribution bound) is valid for that field. A sweep value of "abc" for
// train.learning_rate is reported at the value, before anything runs.
import type { ErrorObject } from 'ajv';
import type { PathSegment, Severity } from './diagnostics.ts';
import { describeSchemaErrors } from './ajv-messages.ts';
import { isPlainObject, type Plain } from './merge.ts';
import { schemaAtPath, validateAgainstPointer } from './schema.ts';
import { suggestionHint } from './suggest.ts';

export interface SweepIssue {
  severity: Severity;
  code: string;
  /** Where in the spec to point (sweep.parameters.<key>, or one of its values). */
  path: PathSegment[];
  atKey: boolean;
  message: string;
  hint?: string;
}

/** Fields a sweep may not vary: they identify the experiment or the sweep itself. */
const NOT_SWEEPABLE = new Set(['name', 'extends', 'sweep', 'description']);

export function checkSweep(raw: Plain): SweepIssue[] {
  const sweep = raw.sweep;
  if (!isPlainObject(sweep)) return [];
  const issues: SweepIssue[] = [];
  const method = sweep.method;
  if (isPlainObject(sweep.parameters)) {
    for (const [key, distribution] of Object.entries(sweep.parameters)) {
      const at: PathSegment[] = ['sweep', 'parameters', key];
      const pointer = checkParameterPath(key, at, issues);
      if (pointer === undefined) continue;
      checkDistribution(key, distribution, method, pointer, at, issues);
    }
  }
  if (Array.isArray(sweep.variants)) {
    sweep.variants.forEach((variant, index) => {
      if (!isPlainObject(variant)) return;
      for (const [key, value] of Object.entries(variant)) {
        const at: PathSegment[] = ['sweep', 'variants', index, key];
        const pointer = checkParameterPath(key, at, issues);
        if (pointer !== undefined) checkValue(key, value, pointer, at, issues);
      }
    });
  }
  if (typeof sweep.name_template === 'string') checkTemplate(sweep.name_template, issues);
  return issues;
}

/** Returns the JSON pointer of the field's schema, or undefined (after reporting) when it does not exist. */
function checkParameterPath(key: string, at: PathSegment[], issues: SweepIssue[]): string | undefined {
  const segments = key.split('.');
  if (NOT_SWEEPABLE.has(segments[0])) {
    issues.push({ severity: 'error', code: 'not-sweepable', path: at, atKey: true, message: `\`${segments[0]}\` cannot be swept`, hint: 'sweep training, data, model or eval settings instead' });
    return undefined;
  }
  const result = schemaAtPath(segments);
  if (!result.ok) {
    const bad = segments[result.failedAt];
    const known = segments.slice(0, result.failedAt).join('.');
    const close = suggestionHint(bad, result.allowed);
    issues.push({
      severity: 'error',
      code: 'unknown-sweep-path',
      path: at,
      atKey: true,
      message: `sweep parameter \`${key}\` is not a spec field: \`${bad}\` does not exist${known ? ` in \`${known}\`` : ' at the top level'}`,
      hint: close.startsWith('did you mean') ? `did you mean \`${[...segments.slice(0, result.failedAt), result.allowed.find((a) => close.includes(`\`${a}\``))].join('.')}\`?` : close,
    });
    return undefined;
  }
  return result.found.pointer;
}

function checkDistribution(key: string, distribution: unknown, method: unknown, pointer: string, at: PathSegment[], issues: SweepIssue[]): void {
  if (Array.isArray(distribution)) {
    distribution.forEach((value, i) => checkValue(key, value, pointer, [...at, i], issues));
    return;
  }
  if (!isPlainObject(distribution)) return; // the schema already reported the shape
  if (Array.isArray(distribution.values)) {
    distribution.values.forEach((value, i) => checkValue(key, value, pointer, [...at, 'values', i], issues));
    return;
  }
  const kind = (['uniform', 'loguniform', 'int'] as const).find((k) => k in distribution);
  if (kind === undefined) return;
  const bounds = distribution[kind];
  if (method !== 'random') {
    issues.push({ severity: 'error', code: 'distribution-needs-random', path: [...at, kind], atKey: true, message: `a \`${kind}\` distribution only works with method: random (this sweep is ${String(method)})`, hint: 'list explicit values ([a, b, c]) for a grid, or set method: random with trials' });
    return;
  }
  if (!Array.isArray(bounds) || bounds.length !== 2 || !bounds.every((b) => typeof b === 'number')) return;
  const [low, high] = bounds as [number, number];
  if (!(low < high) && !(kind === 'int' && low === high)) {
    issues.push({ severity: 'error', code: 'bad-bounds', path: [...at, kind], atKey: false, message: `\`${kind}\` bounds must be [low, high] with low < high, got [${low}, ${high}]`, hint: 'swap or fix the bounds' });
    return;
  }
  const fieldType = (schemaAtPath(key.split('.')) as { ok: true; found: { schema: Plain } }).found.schema.type;
  if (fieldType === 'integer' && kind !== 'int') {
    issues.push({ severity: 'error', code: 'distribution-type', path: [...at, kind], atKey: true, message: `\`${key}\` is an integer field; a \`${kind}\` draw gives fractions`, hint: `use { int: [${Math.ceil(low)}, ${Math.floor(high)}] }` });
    return;
  }
  bounds.forEach((bound, i) => checkValue(key, bound, pointer, [...at, kind, i], issues));
}

function checkValue(key: string, value: unknown, pointer: string, at: PathSegment[], issues: SweepIssue[]): void {
  const errors: ErrorObject[] = validateAgainstPointer(pointer, value);
  for (const issue of describeSchemaErrors(errors, value, key.split('.'))) {
    issues.push({ severity: 'error', code: `sweep-${issue.code}`, path: at, atKey: false, message: `sweep value: ${issue.message}`, hint: issue.hint });
  }
}

/** `{name}`, `{index}`, `{id}` or a dotted spec path. */
function checkTemplate(template: string, issues: SweepIssue[]): void {
  for (const match of template.matchAll(/\{([^}]*)\}/g)) {
    const placeholder = match[1];
    if (['name', 'index', 'id'].includes(placeholder)) continue;
    if (!schemaAtPath(placeholder.split('.')).ok) {
      issues.push({ severity: 'error', code: 'bad-template', path: ['sweep', 'name_template'], atKey: false, message: `name_template placeholder \`{${placeholder}}\` is not a spec field`, hint: 'use {name}, {index}, {id} or a dotted path such as {train.learning_rate}' });
    }
  }
}
