// The read -> validate -> plan steps every spec-taking command starts with. Errors throw SpecError
// (printed by main with every diagnostic); warnings are returned for the command to show.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Diagnostic } from '../config/diagnostics.ts';
import { SpecError, hasErrors } from '../config/diagnostics.ts';
import { validateSpecFile, type ValidatedSpec } from '../config/validate.ts';
import { planExperiment, type Plan } from '../plan/plan.ts';
import { UserError } from '../util/errors.ts';

export interface PlannedSpec {
  validated: ValidatedSpec;
  plan: Plan;
  /** Warnings only (errors were thrown). */
  warnings: Diagnostic[];
}

export function planSpecFile(specPath: string, env: Record<string, string | undefined> = process.env): PlannedSpec {
  const file = resolve(specPath);
  if (!existsSync(file)) throw new UserError(`spec file not found: ${specPath}`);
  const validated = validateSpecFile(file, { env });
  const { plan, diagnostics } = planExperiment(validated);
  if (!plan || hasErrors(diagnostics)) throw new SpecError(diagnostics);
  return { validated, plan, warnings: diagnostics.filter((d) => d.severity === 'warning') };
}
