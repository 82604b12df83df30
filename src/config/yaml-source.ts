// One spec file parsed with the `yaml` package, keeping source positions so that any value (or key)
// can be mapped back to file:line:col.
import { readFileSync } from 'node:fs';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { Diagnostic, PathSegment } from './diagnostics.ts';

export interface SpecSource {
  /** Absolute path. */
  file: string;
  text: string;
  doc: Document;
  lineCounter: LineCounter;
}

export interface Position {
  line: number;
  col: number;
}

export function readSpecSource(file: string): { source?: SpecSource; diagnostics: Diagnostic[]; readError?: string } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { diagnostics: [], readError: code === 'ENOENT' ? 'file not found' : (error as Error).message };
  }
  const { source, diagnostics } = parseSpecSource(file, text);
  return { source, diagnostics };
}

/** Parse YAML text; syntax errors become diagnostics (all of them, with positions). */
export function parseSpecSource(file: string, text: string): { source: SpecSource; diagnostics: Diagnostic[] } {
  const lineCounter = new LineCounter();
  // uniqueKeys: a repeated key is an error (YAML says so; silently keeping the last one hides typos).
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const source: SpecSource = { file, text, doc, lineCounter };
  const diagnostics: Diagnostic[] = doc.errors.map((error) => {
    const { line, col } = lineCounter.linePos(error.pos[0]);
    return {
      severity: 'error',
      code: 'yaml-syntax',
      file,
      line,
      col,
      path: '',
      message: `YAML syntax error: ${firstLine(error.message)}`,
      hint: yamlHint(error.code),
    };
  });
  if (diagnostics.length === 0 && doc.contents !== null && !isMap(doc.contents)) {
    diagnostics.push({
      severity: 'error',
      code: 'not-a-mapping',
      file,
      ...positionOfNode(source, doc.contents),
      path: '',
      message: 'an experiment spec must be a YAML mapping (key: value lines) at the top level',
      hint: 'start with `name: my-experiment`, then model:, data:, train: ...',
    });
  }
  return { source, diagnostics };
}

function firstLine(message: string): string {
  return message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
}

function yamlHint(code: string): string {
  switch (code) {
    case 'DUPLICATE_KEY':
      return 'each key may appear once per mapping; remove or merge the repeated one';
    case 'BAD_INDENT':
    case 'MISSING_CHAR':
      return 'check the indentation and that every [ or { is closed';
    case 'TAB_AS_INDENT':
      return 'indent with spaces, not tabs';
    case 'BLOCK_AS_IMPLICIT_KEY':
      return 'a value containing ": " must be quoted, or put the nested mapping on its own indented lines';
    default:
      return 'fix the YAML syntax at this position';
  }
}

export function positionOfNode(source: SpecSource, node: Node | null | undefined): Position {
  const offset = node?.range?.[0] ?? 0;
  return source.lineCounter.linePos(offset);
}

/**
 * The YAML node at `path`, or undefined when some segment does not exist in this file.
 * With `key: true` the node of the last mapping key itself (to point at a misspelt key).
 */
export function nodeAt(source: SpecSource, path: readonly PathSegment[], options: { key?: boolean } = {}): Node | undefined {
  let node: unknown = source.doc.contents;
  for (let i = 0; i < path.length; i++) {
    const segment = path[i];
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(segment));
      if (!pair) return undefined;
      if (last && options.key) return pair.key as Node;
      // A key written with no value (`train:`) has a null value node; point at the key then.
      node = pair.value ?? pair.key;
    } else if (isSeq(node)) {
      const item = node.items[Number(segment)];
      if (item === undefined) return undefined;
      node = item;
    } else {
      return undefined;
    }
  }
  return (node as Node | null) ?? undefined;
}

export function hasPath(source: SpecSource, path: readonly PathSegment[]): boolean {
  return nodeAt(source, path) !== undefined;
}
