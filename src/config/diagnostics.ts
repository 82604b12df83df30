// Diagnostics: what is wrong with a spec, where (file:line:col + YAML path) and how to fix it.
// Every stage of spec loading collects these instead of throwing, so the user sees all problems at once.
import { relative } from 'node:path';
import { UserError } from '../util/errors.ts';

export type Severity = 'error' | 'warning';

/** One segment of a path inside the spec: an object key or an array index. */
export type PathSegment = string | number;

export interface Diagnostic {
  severity: Severity;
  /** Short stable identifier of the kind of problem (unknown-key, type, yaml-syntax, ...), for --json consumers. */
  code: string;
  /** Absolute path of the file the problem is in (for `extends`, the file that declared the value). */
  file: string;
  /** 1-based line and column; 1:1 when the problem concerns the file as a whole. */
  line: number;
  col: number;
  /** YAML path in dotted form (`train.learning_rate`, `data.train[1]`); '' for the whole document. */
  path: string;
  message: string;
  /** How to fix it (a "did you mean", the allowed values, the rule). */
  hint?: string;
}

/** Thrown when a spec has errors; carries every diagnostic. Exit code 2 like any bad input. */
export class SpecError extends UserError {
  constructor(readonly diagnostics: Diagnostic[]) {
    const errors = diagnostics.filter((d) => d.severity === 'error');
    super(`${errors.length} problem${errors.length === 1 ? '' : 's'} in the experiment spec`, 2, diagnostics);
    this.name = 'SpecError';
  }
}

export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? segment : `.${segment}`;
  }
  return out;
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

/** Sort by file and position, and drop exact repeats (the same rule can fire for several sweep runs). */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return [...diagnostics]
    .filter((d) => {
      const key = `${d.severity}|${d.file}|${d.line}|${d.col}|${d.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col);
}

export interface FormatOptions {
  cwd?: string;
  /** Source text per file, to show the offending line with a caret under the column. */
  sourceText?: (file: string) => string | undefined;
}

/**
 * Human form, one block per diagnostic:
 *   experiments/x.yaml:12:3 error train.learnig_rate: unknown key `learnig_rate`
 *      12 |   learnig_rate: 1e-5
 *         |   ^
 *     hint: did you mean `learning_rate`?
 */
export function formatDiagnostic(d: Diagnostic, options: FormatOptions = {}): string {
  const file = relative(options.cwd ?? process.cwd(), d.file) || d.file;
  const label = d.severity === 'error' ? 'error' : 'WARNING';
  const lines = [`${file}:${d.line}:${d.col} ${label}${d.path ? ` ${d.path}` : ''}: ${d.message}`];
  const text = options.sourceText?.(d.file);
  const sourceLine = text?.split(/\r?\n/)[d.line - 1];
  if (sourceLine !== undefined && sourceLine.trim() !== '') {
    const gutter = String(d.line).length;
    lines.push(`  ${String(d.line)} | ${sourceLine}`);
    lines.push(`  ${' '.repeat(gutter)} | ${' '.repeat(Math.max(0, d.col - 1))}^`);
  }
  if (d.hint) lines.push(`  hint: ${d.hint}`);
  return lines.join('\n');
}
