// Test helpers for the real CLI: spawn `node bin/exp.mjs`, or run many argv lists through main() in
// one child process (one tsx start instead of one per case).
import { execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = fileURLToPath(new URL('../../bin/exp.mjs', import.meta.url));
const DRIVER = fileURLToPath(new URL('./main-driver.ts', import.meta.url));
/** tsx's loader by absolute URL, so children may run from any cwd (a bare `tsx` resolves from the cwd). */
const TSX = import.meta.resolve('tsx');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: options.cwd ?? REPO_ROOT, env: { ...process.env, NO_COLOR: '1', ...options.env } }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs each argv list through main() in a single child process; results in the same order. */
export function runMainMany(argvs: string[][], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', TSX, DRIVER], { cwd: options.cwd ?? REPO_ROOT, env: { ...process.env, NO_COLOR: '1', ...options.env }, stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('close', () => {
      try {
        resolve(JSON.parse(out) as CliResult[]);
      } catch (error) {
        reject(new Error(`driver output was not JSON: ${out.slice(0, 500)} (${(error as Error).message})`));
      }
    });
    child.stdin.end(JSON.stringify(argvs));
  });
}
