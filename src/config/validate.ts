// read -> validate: load a spec (and its `extends` chain), check it against the JSON Schema, the
// cross-field rules and the sweep checks, and return the spec with defaults filled in plus every
// diagnostic, each mapped to the file:line:col that declared the value.
import type { Diagnostic, PathSegment, Severity } from './diagnostics.ts';
import { hasErrors, sortDiagnostics } from './diagnostics.ts';
import { describeSchemaErrors } from './ajv-messages.ts';
import type { Env } from './interpolate.ts';
import { isPlainObject, type Plain } from './merge.ts';
import { loadSpecFile, locate, type LoadedSpec } from './load.ts';
import { checkRules, heldOutDataNotTrainedOn, sourcesExist, type RuleIssue } from './rules.ts';
import { validateAgainstSchema } from './schema.ts';
import type { ExperimentSpec } from './spec.generated.ts';
import { checkSweep } from './sweep-rules.ts';

export interface ValidatedSpec {
  loaded: LoadedSpec;
  /** The spec with schema defaults applied; present only when there are no errors. */
  spec?: ExperimentSpec;
  /** Errors and warnings, sorted by file and position. */
  diagnostics: Diagnostic[];
}

export interface ValidateOptions {
  env?: Env;
  /** Spec text to use instead of reading the file. */
  text?: string;
}

const FATAL_LOAD_CODES = new Set(['yaml-syntax', 'file-unreadable', 'not-a-mapping', 'extends-cycle']);

export function validateSpecFile(file: string, options: ValidateOptions = {}): ValidatedSpec {
  const loaded = loadSpecFile(file, options);
  const diagnostics = [...loaded.diagnostics];
  const result = (): ValidatedSpec => ({ loaded, diagnostics: sortDiagnostics(diagnostics) });
  if (diagnostics.some((d) => FATAL_LOAD_CODES.has(d.code))) return result();

  // Defaults are filled into a copy, so `loaded.raw` stays the spec as written (for precedence).
  const resolved = structuredClone(loaded.raw);
  addOptionalSections(resolved);
  const schemaIssues = describeSchemaErrors(validateAgainstSchema(resolved), resolved);
  // An unset ${VAR} is already reported at the same place; its literal text failing the type is noise.
  const envErrorPaths = new Set(diagnostics.filter((d) => d.code === 'env-unset').map((d) => d.path));
  for (const issue of schemaIssues) {
    const diagnostic = toDiagnostic(loaded, 'error', issue.code, issue.path, issue.message, issue.hint, issue.atKey);
    if (!envErrorPaths.has(diagnostic.path)) diagnostics.push(diagnostic);
  }
  for (const issue of checkSweep(loaded.raw)) {
    diagnostics.push(toDiagnostic(loaded, issue.severity, issue.code, issue.path, issue.message, issue.hint, issue.atKey));
  }
  if (hasErrors(diagnostics)) {
    // Still report the source-name rules: they only read names, so they are safe on a spec with
    // other errors, and "no source named tset" is worth seeing in the same pass.
    for (const rule of [sourcesExist, heldOutDataNotTrainedOn]) {
      try {
        for (const issue of rule(resolved as unknown as ExperimentSpec)) diagnostics.push(ruleDiagnostic(loaded, issue));
      } catch {
        // the data block itself is malformed; the schema errors already say how
      }
    }
    return result();
  }

  const spec = resolved as unknown as ExperimentSpec;
  for (const issue of checkRules(spec)) diagnostics.push(ruleDiagnostic(loaded, issue));
  const validated = result();
  if (!hasErrors(validated.diagnostics)) validated.spec = spec;
  return validated;
}

/**
 * ajv fills defaults only inside objects that exist; give the optional sections an empty object so
 * the resolved spec carries every default (the trainer then never guesses).
 */
function addOptionalSections(spec: Plain): void {
  for (const key of ['train', 'eval', 'engine', 'tracking']) if (spec[key] === undefined) spec[key] = {};
  if (isPlainObject(spec.data) && spec.data.text === undefined) spec.data.text = {};
}

export function ruleDiagnostic(loaded: LoadedSpec, issue: RuleIssue): Diagnostic {
  return toDiagnostic(loaded, issue.severity, issue.code, issue.path, issue.message, issue.hint, false);
}

export function toDiagnostic(
  loaded: LoadedSpec,
  severity: Severity,
  code: string,
  path: PathSegment[],
  message: string,
  hint: string | undefined,
  atKey: boolean,
): Diagnostic {
  const where = locate(loaded, path, { key: atKey });
  return { severity, code, file: where.file, line: where.line, col: where.col, path: where.path, message, ...(hint ? { hint } : {}) };
}
