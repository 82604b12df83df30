// Project-wide settings (cosmiconfig module `exp`: .exprc.yaml, .exprc.json, exp.config.js,
// package.json#exp, ...) and the precedence that combines them: CLI flag > spec > project config >
// environment > default.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { cosmiconfig } from 'cosmiconfig';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { UserError } from '../util/errors.ts';
import { isPlainObject, type Plain } from './merge.ts';
import { closestName } from './suggest.ts';
import { experimentSchema, resolvePointer } from './schema.ts';

export interface ProjectConfig {
  /** Where run folders go (default: <project>/runs). Relative to the config file. */
  runsDir?: string;
  /** Feature cache and other reusable intermediates (default: <project>/.cache). Relative to the config file. */
  cacheDir?: string;
  /** Default tfjs backend when neither the flag nor the spec sets one. */
  backend?: string;
  /** MLflow tracking URI when the spec has none. */
  trackingUri?: string;
  /** The file it came from, if any. */
  filepath?: string;
  /** The project folder: the config file's folder, else the nearest folder with a package.json. */
  root?: string;
}

const PROJECT_KEYS = ['runsDir', 'cacheDir', 'backend', 'trackingUri'] as const;

function backendChoices(): string[] {
  return resolvePointer(experimentSchema(), '/$defs/engine/properties/backend/enum') as string[];
}

/** Find and read the project config from `cwd` up to the project root (the folder with package.json). */
export async function loadProjectConfig(cwd: string = process.cwd()): Promise<ProjectConfig> {
  const explorer = cosmiconfig('exp', { searchStrategy: 'project' });
  let found: Awaited<ReturnType<typeof explorer.search>>;
  try {
    found = await explorer.search(cwd);
  } catch (error) {
    throw new UserError(`cannot read the exp project config: ${(error as Error).message}`);
  }
  if (!found || found.isEmpty) {
    const root = nearestPackageRoot(cwd);
    return root ? { root } : {};
  }
  return parseProjectConfig(found.config, found.filepath);
}

function nearestPackageRoot(start: string): string | undefined {
  for (let dir = resolve(start); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

/** Check the keys and types, and make the paths absolute (relative to the config file). */
export function parseProjectConfig(config: unknown, filepath: string): ProjectConfig {
  const validate = new Ajv2020({ allErrors: true }).compile({
    type: 'object',
    additionalProperties: false,
    properties: {
      runsDir: { type: 'string', minLength: 1 },
      cacheDir: { type: 'string', minLength: 1 },
      backend: { enum: backendChoices() },
      trackingUri: { type: 'string', minLength: 1 },
    },
  });
  if (!validate(config)) {
    const problems = (validate.errors ?? []).map((error) => {
      if (error.keyword === 'additionalProperties') {
        const key = String(error.params.additionalProperty);
        const close = closestName(key, PROJECT_KEYS);
        return `unknown key \`${key}\`${close ? ` (did you mean \`${close}\`?)` : ` (allowed: ${PROJECT_KEYS.join(', ')})`}`;
      }
      if (error.keyword === 'enum') return `${error.instancePath.slice(1)} must be one of: ${backendChoices().join(', ')}`;
      return `${error.instancePath.slice(1) || 'the config'} ${error.message}`;
    });
    throw new UserError(`${filepath}: invalid exp project config:\n  ${problems.join('\n  ')}`);
  }
  const plain = config as Plain;
  const base = dirname(filepath);
  const out: ProjectConfig = { filepath, root: base };
  if (typeof plain.runsDir === 'string') out.runsDir = resolve(base, plain.runsDir);
  if (typeof plain.cacheDir === 'string') out.cacheDir = resolve(base, plain.cacheDir);
  if (typeof plain.backend === 'string') out.backend = plain.backend;
  if (typeof plain.trackingUri === 'string') out.trackingUri = plain.trackingUri;
  return out;
}

export type SettingSource = 'cli' | 'spec' | 'project' | 'env' | 'default';

export interface Settings {
  runsDir: string;
  cacheDir: string;
  backend: string;
  trackingUri?: string;
  /** Where each value came from (shown by `exp run --dry-run`, handy when a value surprises). */
  from: { runsDir: SettingSource; cacheDir: SettingSource; backend: SettingSource; trackingUri: SettingSource };
}

export interface SettingInputs {
  cli?: { runsDir?: string; cacheDir?: string; backend?: string; trackingUri?: string };
  /** The spec as written (no schema defaults), so an unset `engine.backend` does not hide the project's. */
  spec?: Plain;
  project?: ProjectConfig;
  env?: Record<string, string | undefined>;
  cwd?: string;
}

/** CLI flag > spec > project config > environment > default. */
export function resolveSettings(inputs: SettingInputs): Settings {
  const cwd = inputs.cwd ?? process.cwd();
  const cli = inputs.cli ?? {};
  const project = inputs.project ?? {};
  const env = inputs.env ?? process.env;
  const spec = inputs.spec ?? {};
  const specBackend = isPlainObject(spec.engine) && typeof spec.engine.backend === 'string' ? spec.engine.backend : undefined;
  const specUri = isPlainObject(spec.tracking) && typeof spec.tracking.uri === 'string' ? spec.tracking.uri : undefined;
  // Defaults live in the project folder, so runs land in one place whatever the cwd.
  const root = project.root ?? (project.filepath ? dirname(project.filepath) : cwd);

  const pick = <T>(candidates: [SettingSource, T | undefined][], fallback: T): [T, SettingSource] => {
    for (const [source, value] of candidates) if (value !== undefined && value !== '') return [value, source];
    return [fallback, 'default'];
  };
  const [runsDir, runsFrom] = pick<string>([['cli', cli.runsDir && resolve(cwd, cli.runsDir)], ['project', project.runsDir]], resolve(root, 'runs'));
  const [cacheDir, cacheFrom] = pick<string>([['cli', cli.cacheDir && resolve(cwd, cli.cacheDir)], ['project', project.cacheDir]], resolve(root, '.cache'));
  const [backend, backendFrom] = pick<string>([['cli', cli.backend], ['spec', specBackend], ['project', project.backend]], 'auto');
  const [trackingUri, uriFrom] = pick<string | undefined>(
    [['cli', cli.trackingUri], ['spec', specUri], ['project', project.trackingUri], ['env', env.MLFLOW_TRACKING_URI]],
    undefined,
  );
  return {
    runsDir,
    cacheDir,
    backend,
    ...(trackingUri ? { trackingUri } : {}),
    from: { runsDir: runsFrom, cacheDir: cacheFrom, backend: backendFrom, trackingUri: uriFrom },
  };
}
