// Spec fields that name files or folders. They are resolved relative to the file that declared them
// (not the file that extends it, nor the current directory), before `extends` merging.
import { isAbsolute, resolve, dirname } from 'node:path';
import { isPlainObject, type Plain } from './merge.ts';

/** `*` stands for any source name. */
export const PATH_FIELDS: readonly (readonly string[])[] = [
  ['model', 'checkpoint'],
  ['model', 'init', 'tokenizer'],
  ['data', 'sources', '*', 'root'],
  ['data', 'sources', '*', 'path'],
  ['data', 'sources', '*', 'audio_dir'],
];

/** Resolve, in place, every relative path field of one file's parsed value against that file's folder. */
export function resolveSpecPaths(value: unknown, specFile: string): void {
  const base = dirname(specFile);
  for (const field of PATH_FIELDS) visitField(value, field, (holder, key) => {
    const current = holder[key];
    if (typeof current === 'string' && current !== '' && !isAbsolute(current) && !/^[a-z][a-z0-9+.-]*:\/\//i.test(current)) {
      holder[key] = resolve(base, current);
    }
  });
}

/** Call `fn(holder, key)` for every place `field` matches in `value`. */
export function visitField(value: unknown, field: readonly string[], fn: (holder: Plain, key: string) => void): void {
  if (!isPlainObject(value)) return;
  const [head, ...rest] = field;
  const keys = head === '*' ? Object.keys(value) : [head];
  for (const key of keys) {
    if (!(key in value)) continue;
    if (rest.length === 0) fn(value, key);
    else visitField(value[key], rest, fn);
  }
}
