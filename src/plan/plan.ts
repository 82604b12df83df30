// validate -> plan: expands a validated spec into the runs to execute. Pure data out (no side effects):
// each run's resolved spec, a stable id (hash of that spec) and a readable name. `exp plan` prints it;
// `exp run` executes it.
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import type { Diagnostic, PathSegment } from '../config/diagnostics.ts';
import { hasErrors, sortDiagnostics } from '../config/diagnostics.ts';
import { locate } from '../config/load.ts';
import { isPlainObject, type Plain } from '../config/merge.ts';
import { checkRules } from '../config/rules.ts';
import { describeSchemaErrors } from '../config/ajv-messages.ts';
import { validateAgainstSchema } from '../config/schema.ts';
import { PATH_FIELDS, visitField } from '../config/spec-paths.ts';
import type { ExperimentSpec } from '../config/spec.generated.ts';
import { ruleDiagnostic, type ValidatedSpec } from '../config/validate.ts';
import { shortHash } from '../util/hash.ts';
import { expandSweep, type Overrides } from './expand.ts';
import { defaultRunName, shortKeys, templateRunName } from './names.ts';

export interface PlannedRun {
  /** 0-based position in the plan (`exp run --only 2`). */
  index: number;
  /** Stable id: hash of the resolved spec (see `runId`). */
  id: string;
  /** Readable, unique within the experiment; the run's folder name. */
  name: string;
  /** The sweep values of this run (dotted path -> value); {} without a sweep. */
  overrides: Overrides;
  /** The full spec of this run: defaults filled, overrides applied, no `sweep`. */
  spec: ExperimentSpec;
}

export interface PlannedSweep {
  id: string;
  method: 'grid' | 'random' | 'list';
  /** Parameters whose value differs between runs, in sweep order. */
  varied: string[];
}

export interface Plan {
  /** spec.name */
  name: string;
  /** Folder under the runs dir that holds the runs: tracking.experiment, else name. */
  experiment: string;
  /** Absolute path of the spec file. */
  specFile: string;
  sweep?: PlannedSweep;
  runs: PlannedRun[];
}

export interface PlanResult {
  plan?: Plan;
  /** The validation diagnostics plus per-run rule problems (e.g. a swept warmup_steps above max_steps). */
  diagnostics: Diagnostic[];
}

/** Fields that describe where or how a run is tracked or executed, not what it trains: kept out of the id. */
const NOT_IN_ID = ['sweep', 'description', 'tracking', 'engine', 'extends'];

/**
 * Stable id of a run: hash of its resolved spec, with keys in canonical order (so YAML key order does
 * not matter) and file paths relative to the spec's folder (so moving the project, data included,
 * keeps the ids). Tracking/engine settings are left out: the same run on another backend is the same run.
 */
export function runId(spec: ExperimentSpec, specFile: string): string {
  const identity = structuredClone(spec) as unknown as Plain;
  for (const key of NOT_IN_ID) delete identity[key];
  const base = dirname(specFile);
  for (const field of PATH_FIELDS) {
    visitField(identity, field, (holder, key) => {
      const value = holder[key];
      if (typeof value === 'string' && isAbsolute(value)) holder[key] = relative(base, value).split(sep).join('/');
    });
  }
  return shortHash(identity);
}

export function planExperiment(validated: ValidatedSpec): PlanResult {
  const diagnostics = [...validated.diagnostics];
  const spec = validated.spec;
  if (!spec || hasErrors(diagnostics)) return { diagnostics };
  const specFile = validated.loaded.file;
  const experiment = spec.tracking?.experiment ?? spec.name;
  const base = structuredClone(spec);
  delete base.sweep;

  if (!spec.sweep) {
    return { plan: { name: spec.name, experiment, specFile, runs: [{ index: 0, id: runId(base, specFile), name: spec.name, overrides: {}, spec: base }] }, diagnostics };
  }

  const sweep = spec.sweep;
  const expansion = expandSweep(sweep);
  const sweepLocation = locate(validated.loaded, ['sweep']);
  for (const warning of expansion.warnings) {
    diagnostics.push({ severity: 'warning', code: 'sweep-small', ...sweepLocation, message: warning });
  }
  const varied = variedPaths(expansion.runs);
  const keys = shortKeys(varied);
  // Sweep values that are paths are relative to the file that declares the sweep.
  const sweepDir = dirname(sweepLocation.file);

  const runs: PlannedRun[] = expansion.runs.map((overrides, index) => {
    const runSpec = structuredClone(base);
    for (const [path, value] of Object.entries(overrides)) setPath(runSpec as unknown as Plain, path.split('.'), structuredClone(value));
    resolveOverriddenPaths(runSpec as unknown as Plain, overrides, sweepDir);
    const id = runId(runSpec, specFile);
    const name = sweep.name_template
      ? templateRunName(sweep.name_template, { name: spec.name, index, id }, (p) => getPath(runSpec as unknown as Plain, p.split('.')))
      : defaultRunName(spec.name, overrides, varied, keys);
    return { index, id, name, overrides, spec: runSpec };
  });

  diagnostics.push(...checkUniqueNames(validated, runs, Boolean(sweep.name_template)));
  for (const run of runs) diagnostics.push(...runRuleDiagnostics(validated, run, sweep.method));
  const sorted = sortDiagnostics(diagnostics);
  if (hasErrors(sorted)) return { diagnostics: sorted };
  const sweepId = shortHash({ name: spec.name, method: sweep.method, runs: runs.map((r) => r.id) });
  return { plan: { name: spec.name, experiment, specFile, sweep: { id: sweepId, method: sweep.method, varied }, runs }, diagnostics: sorted };
}

/** Parameters whose value is not the same in every run, in first-seen order. */
function variedPaths(runs: readonly Overrides[]): string[] {
  const paths = [...new Set(runs.flatMap((run) => Object.keys(run)))];
  const varied = paths.filter((path) => new Set(runs.map((run) => JSON.stringify(run[path]))).size > 1);
  return varied.length > 0 ? varied : paths;
}

/**
 * Default names repeat only when two runs differ in nothing shown (rare; e.g. 4-digit rounding of
 * random draws): the later ones get `-<index>`. Template names must be unique as written.
 */
function checkUniqueNames(validated: ValidatedSpec, runs: PlannedRun[], templated: boolean): Diagnostic[] {
  const byName = new Map<string, PlannedRun[]>();
  for (const run of runs) byName.set(run.name, [...(byName.get(run.name) ?? []), run]);
  const diagnostics: Diagnostic[] = [];
  for (const [name, same] of byName) {
    if (same.length < 2) continue;
    if (templated) {
      diagnostics.push({
        severity: 'error',
        code: 'duplicate-run-name',
        ...locate(validated.loaded, ['sweep', 'name_template']),
        message: `name_template gives the same name \`${name}\` to runs ${same.map((r) => r.index).join(', ')}`,
        hint: 'add a placeholder for each varied parameter, or {index}',
      });
    } else {
      for (const run of same.slice(1)) run.name = `${run.name}-${run.index}`;
    }
  }
  return diagnostics;
}

/** Cross-field rules on one run; a problem caused by a sweep value is reported at that value. */
function runRuleDiagnostics(validated: ValidatedSpec, run: PlannedRun, method: string): Diagnostic[] {
  const overridden = Object.keys(run.overrides);
  // Each value was checked on its own; the whole run can still break the schema (a list variant that
  // switches a source to csv without giving its path), and only then the cross-field rules.
  const schemaIssues = describeSchemaErrors(validateAgainstSchema(structuredClone(run.spec)), run.spec).map((issue) => ({ ...issue, severity: 'error' as const }));
  const issues = schemaIssues.length > 0 ? schemaIssues : checkRules(run.spec);
  return issues
    .filter((issue) => issue.severity === 'error')
    .map((issue) => {
      const dotted = issue.path.filter((s) => typeof s === 'string').join('.');
      // The override is the cause when the problem is at it, inside it, or in the object it changed.
      const cause = overridden.find((p) => dotted === p || dotted.startsWith(`${p}.`) || p.startsWith(`${dotted}.`));
      const where: PathSegment[] = cause === undefined ? issue.path : method === 'list' ? ['sweep', 'variants', run.index, cause] : ['sweep', 'parameters', cause];
      const values = overridden.map((p) => `${p}=${JSON.stringify(run.overrides[p])}`).join(', ');
      return ruleDiagnostic(validated.loaded, { ...issue, path: where, message: `in sweep run ${run.index} (${values}): ${issue.message}` });
    });
}

function resolveOverriddenPaths(spec: Plain, overrides: Overrides, baseDir: string): void {
  for (const field of PATH_FIELDS) {
    visitField(spec, field, (holder, key) => {
      const value = holder[key];
      if (typeof value !== 'string' || isAbsolute(value)) return;
      if (Object.values(overrides).includes(value)) holder[key] = resolve(baseDir, value);
    });
  }
}

export function setPath(target: Plain, path: readonly string[], value: unknown): void {
  let node = target;
  for (const segment of path.slice(0, -1)) {
    if (!isPlainObject(node[segment])) node[segment] = {};
    node = node[segment] as Plain;
  }
  node[path[path.length - 1]] = value;
}

export function getPath(target: Plain, path: readonly string[]): unknown {
  return path.reduce<unknown>((node, segment) => (isPlainObject(node) ? node[segment] : undefined), target);
}
