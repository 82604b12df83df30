// What a run record notes about where it ran: git commit (+ uncommitted changes), Node, exp and
// TensorFlow.js versions. Collected once per `exp run`.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { hostname } from 'node:os';

export interface GitInfo {
  commit: string;
  /** Uncommitted changes to tracked or untracked files at start: the commit alone does not reproduce the run. */
  dirty: boolean;
}

export interface RunEnvironment {
  git: GitInfo | null;
  versions: { node: string; exp: string; tfjs: string | null };
  host: string;
}

export function gitInfo(cwd: string): GitInfo | null {
  try {
    const options = { cwd, encoding: 'utf8' as const, stdio: ['ignore', 'pipe', 'ignore'] as ['ignore', 'pipe', 'ignore'], timeout: 5000 };
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], options).trim();
    const status = execFileSync('git', ['status', '--porcelain'], options);
    return { commit, dirty: status.trim().length > 0 };
  } catch {
    return null; // not a git checkout, no git installed, or no commit yet
  }
}

function packageVersion(name: string): string | null {
  try {
    const require = createRequire(import.meta.url);
    return (JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as { version: string }).version;
  } catch {
    return null;
  }
}

export function collectEnvironment(cwd: string): RunEnvironment {
  const own = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return {
    git: gitInfo(cwd),
    versions: { node: process.version, exp: own.version, tfjs: packageVersion('@tensorflow/tfjs') },
    host: hostname(),
  };
}
