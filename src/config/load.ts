// Reads a spec file and its `extends` chain into one merged value, keeping every file's YAML tree so
// that diagnostics can point into the file that actually declared a value.
import { dirname, resolve } from 'node:path';
import { realpathSync } from 'node:fs';
import type { Diagnostic, PathSegment } from './diagnostics.ts';
import { formatPath } from './diagnostics.ts';
import { interpolateSource, type Env } from './interpolate.ts';
import { deepMerge, isPlainObject, type Plain } from './merge.ts';
import { resolveSpecPaths } from './spec-paths.ts';
import { nodeAt, positionOfNode, readSpecSource, parseSpecSource, type SpecSource } from './yaml-source.ts';

export interface LoadedSpec {
  /** Absolute path of the spec that was asked for. */
  file: string;
  /** That file first, then the file it extends, and so on. */
  sources: SpecSource[];
  /** The merged spec as written: interpolated, paths absolute, `extends` removed, no defaults yet. */
  raw: Plain;
  diagnostics: Diagnostic[];
}

export interface LoadOptions {
  env?: Env;
  /** Spec text to use instead of reading `file` (tests, stdin). */
  text?: string;
}

export function loadSpecFile(file: string, options: LoadOptions = {}): LoadedSpec {
  const absolute = resolve(file);
  const loaded: LoadedSpec = { file: absolute, sources: [], raw: {}, diagnostics: [] };
  const value = loadChain(absolute, [], loaded, options.env ?? process.env, options.text);
  if (value !== undefined) loaded.raw = value;
  return loaded;
}

/** Load `file` and, recursively, what it extends; returns the merged value or undefined on a fatal problem. */
function loadChain(file: string, stack: string[], loaded: LoadedSpec, env: Env, text?: string): Plain | undefined {
  let source: SpecSource | undefined;
  if (text !== undefined && stack.length === 0) {
    const parsed = parseSpecSource(file, text);
    source = parsed.source;
    loaded.diagnostics.push(...parsed.diagnostics);
  } else {
    const read = readSpecSource(file);
    if (read.readError !== undefined) {
      loaded.diagnostics.push({
        severity: 'error',
        code: 'file-unreadable',
        file,
        line: 1,
        col: 1,
        path: '',
        message: `cannot read the spec: ${read.readError}`,
        hint: 'check the path (relative paths are taken from the current directory)',
      });
      return undefined;
    }
    source = read.source!;
    loaded.diagnostics.push(...read.diagnostics);
  }
  loaded.sources.push(source);
  if (source.doc.errors.length > 0 || (source.doc.contents !== null && !isPlainObject(source.doc.toJS()))) return undefined;

  loaded.diagnostics.push(...interpolateSource(source, env));
  const value = (source.doc.toJS() ?? {}) as Plain;
  resolveSpecPaths(value, file);

  const parent = value.extends;
  delete value.extends;
  if (parent === undefined) return value;

  const extendsNode = nodeAt(source, ['extends']);
  const at = { file, ...positionOfNode(source, extendsNode), path: 'extends' };
  if (typeof parent !== 'string' || parent === '') {
    loaded.diagnostics.push({ severity: 'error', code: 'type', ...at, message: '`extends` must be a path to a base spec file', hint: 'e.g. extends: ./base.yaml' });
    return value;
  }
  const baseFile = resolve(dirname(file), parent);
  const chain = [...stack, canonical(file)];
  if (chain.includes(canonical(baseFile))) {
    const cycle = [...chain, canonical(baseFile)].map((f) => f.split('/').pop()).join(' -> ');
    loaded.diagnostics.push({ severity: 'error', code: 'extends-cycle', ...at, message: `\`extends\` forms a cycle: ${cycle}`, hint: 'one of these files must stop extending the others' });
    return value;
  }
  const before = loaded.diagnostics.length;
  const base = loadChain(baseFile, chain, loaded, env);
  // A missing base file is reported where `extends` names it, not at 1:1 of a file that does not exist.
  for (let i = before; i < loaded.diagnostics.length; i++) {
    const d = loaded.diagnostics[i];
    if (d.code === 'file-unreadable' && d.file === baseFile) {
      loaded.diagnostics[i] = { ...d, ...at, message: `\`extends\`: cannot read ${parent}: ${d.message.replace('cannot read the spec: ', '')}`, hint: `the path is relative to ${file.split('/').pop()}'s folder` };
    }
  }
  return base === undefined ? value : (deepMerge(base, value) as Plain);
}

function canonical(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return file;
  }
}

export interface Location {
  file: string;
  line: number;
  col: number;
  path: string;
}

/**
 * Where `path` was declared: the first file of the chain (child first) that has it, since the child
 * wins the merge. A path that exists nowhere (a missing required key) falls back to its nearest
 * existing parent; a path outside every file falls back to 1:1 of the top spec.
 */
export function locate(loaded: LoadedSpec, path: readonly PathSegment[], options: { key?: boolean } = {}): Location {
  for (let length = path.length; length >= 1; length--) {
    const prefix = path.slice(0, length);
    for (const source of loaded.sources) {
      const node = nodeAt(source, prefix, { key: options.key && length === path.length });
      if (node !== undefined) return { file: source.file, ...positionOfNode(source, node), path: formatPath(path) };
    }
  }
  return { file: loaded.file, line: 1, col: 1, path: formatPath(path) };
}
