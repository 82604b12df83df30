// Shared CLI output: diagnostics (human or JSON) and plain text tables.
import { readFileSync } from 'node:fs';
import type { Diagnostic } from '../config/diagnostics.ts';
import { formatDiagnostic } from '../config/diagnostics.ts';

export interface OutputFlags {
  json?: boolean;
  quiet?: boolean;
  debug?: boolean;
}

function readSource(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** Diagnostics for a person: errors and warnings to stderr (warnings hidden by --quiet). */
export function printDiagnostics(diagnostics: readonly Diagnostic[], flags: OutputFlags, stream: NodeJS.WritableStream = process.stderr): void {
  const shown = flags.quiet ? diagnostics.filter((d) => d.severity === 'error') : diagnostics;
  for (const d of shown) stream.write(`${formatDiagnostic(d, { sourceText: readSource })}\n`);
}

/** Left-aligned columns, two spaces apart; header underlined with dashes. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function writeJson(value: unknown, stream: NodeJS.WritableStream = process.stdout): void {
  stream.write(`${JSON.stringify(value, null, 2)}\n`);
}
