// Crash-safe file writes: a reader (or a run resumed after a crash) sees either the old file or the
// new one, never a torn mix. Write a temp file beside the target, fsync it, rename over the target.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, statSync, writeSync, appendFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

/**
 * Atomically replace `path` with `data`. Synchronous on purpose: callers (run records) update small
 * files and must never interleave two writes of the same file inside one process.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  // Same folder as the target so rename(2) stays on one filesystem and is atomic.
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'w');
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let offset = 0;
    while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw error;
  }
  closeSync(fd);
  try {
    renameSync(tmp, path);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw error;
  }
  fsyncPath(dir);
}

/**
 * Append one line (a newline is added) with a single O_APPEND write, so lines from concurrent
 * writers never interleave inside a line on a local filesystem.
 */
export function appendLine(path: string, line: string): void {
  if (line.includes('\n')) throw new Error('appendLine: the line must not contain a newline');
  mkdirSync(dirname(path), { recursive: true });
  appendFileSync(path, line + '\n', { encoding: 'utf8', flag: 'a' });
}

/**
 * fsync a file or a folder (a folder: to make a rename inside it durable). Not every platform lets
 * you open a folder; that is fine.
 */
export function fsyncPath(path: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    fsyncSync(fd);
  } catch {
    // Windows and some filesystems refuse; the rename is still atomic, just not yet durable.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Atomically create or replace the folder `target`: `fill` writes into a hidden temp folder beside it
 * (`.<name>.tmp-<tag>`), every file is fsynced, then the temp folder is renamed into place (an existing
 * folder is moved aside to `.<name>.old-<tag>` first and removed after). A crash leaves the old folder
 * or the new one, plus at most a hidden temp folder that readers ignore.
 */
export async function writeDirAtomic(target: string, fill: (tmpDir: string) => Promise<void> | void): Promise<void> {
  const parent = dirname(target);
  mkdirSync(parent, { recursive: true });
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const tmp = join(parent, `.${basename(target)}.tmp-${tag}`);
  mkdirSync(tmp);
  try {
    await fill(tmp);
    fsyncTree(tmp);
  } catch (error) {
    rmSync(tmp, { recursive: true, force: true });
    throw error;
  }
  if (existsSync(target)) {
    const old = join(parent, `.${basename(target)}.old-${tag}`);
    renameSync(target, old);
    renameSync(tmp, target);
    rmSync(old, { recursive: true, force: true });
  } else {
    renameSync(tmp, target);
  }
  fsyncPath(parent);
}

function fsyncTree(dir: string): void {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) fsyncTree(path);
    else fsyncPath(path);
  }
  fsyncPath(dir);
}
