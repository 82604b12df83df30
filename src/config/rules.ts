// Cross-field rules that JSON Schema cannot express. Each rule is a small named function over the
// spec with defaults filled in (changesets' `rules: Rule[]` shape); it reports paths, and the caller
// maps them to file:line:col.
import type { ExperimentSpec } from './spec.generated.ts';
import type { PathSegment, Severity } from './diagnostics.ts';
import { suggestionHint } from './suggest.ts';

export interface RuleIssue {
  severity: Severity;
  code: string;
  path: PathSegment[];
  message: string;
  hint?: string;
}

export type Rule = (spec: ExperimentSpec) => RuleIssue[];

const error = (code: string, path: PathSegment[], message: string, hint?: string): RuleIssue => ({ severity: 'error', code, path, message, hint });
const warning = (code: string, path: PathSegment[], message: string, hint?: string): RuleIssue => ({ severity: 'warning', code, path, message, hint });

function trainNames(spec: ExperimentSpec): string[] {
  const train = spec.data.train;
  return Array.isArray(train) ? train : [train];
}

/** data.train / eval / test name sources that exist. */
export const sourcesExist: Rule = (spec) => {
  const names = Object.keys(spec.data.sources ?? {});
  if (names.length === 0) return []; // the schema already asks for data.sources
  const issues: RuleIssue[] = [];
  const check = (name: string, path: PathSegment[]) => {
    if (!names.includes(name)) issues.push(error('unknown-source', path, `no source named \`${name}\` in data.sources`, suggestionHint(name, names, 'sources defined')));
  };
  const train = spec.data.train;
  if (Array.isArray(train)) train.forEach((name, i) => check(name, ['data', 'train', i]));
  else check(train, ['data', 'train']);
  if (spec.data.eval !== undefined) check(spec.data.eval, ['data', 'eval']);
  if (spec.data.test !== undefined) check(spec.data.test, ['data', 'test']);
  return issues;
};

/** Evaluating (or testing) on data that is also trained on makes the scores meaningless. Warn, loudly. */
export const heldOutDataNotTrainedOn: Rule = (spec) => {
  const train = trainNames(spec);
  const issues: RuleIssue[] = [];
  for (const role of ['eval', 'test'] as const) {
    const name = spec.data[role];
    if (name !== undefined && train.includes(name)) {
      issues.push(
        warning(
          'data-leak',
          ['data', role],
          `the ${role} source \`${name}\` is also in data.train: ${role === 'eval' ? 'eval loss/WER' : 'test WER/CER'} will be measured on training data and look better than it is`,
          `remove \`${name}\` from data.train to keep it held out (the original script merged train+dev on purpose; keep it only if you accept that)`,
        ),
      );
    }
  }
  return issues;
};

/** Warmup must end before training does. */
export const warmupShorterThanTraining: Rule = (spec) => {
  const { max_steps = -1, warmup_steps = 0 } = spec.train ?? {};
  if (max_steps > 0 && warmup_steps >= max_steps) {
    return [error('warmup-too-long', ['train', 'warmup_steps'], `warmup_steps (${warmup_steps}) must be smaller than max_steps (${max_steps})`, 'lower warmup_steps or raise max_steps')];
  }
  return [];
};

/** Evaluating needs something to evaluate on. */
export const evalNeedsData: Rule = (spec) => {
  const strategy = spec.train?.eval_strategy ?? 'no';
  if (strategy !== 'no' && spec.data.eval === undefined) {
    return [error('eval-without-data', ['train', 'eval_strategy'], `eval_strategy: ${strategy} needs an evaluation source, but data.eval is not set`, 'add `eval: <source name>` under data, or set eval_strategy: no')];
  }
  return [];
};

/**
 * Keeping the best model (or stopping early) ranks checkpoints by evaluations, as HF requires:
 * evaluations must happen, on the same schedule as saves, and every save must have an evaluation.
 */
export const bestModelNeedsAlignedEvalAndSave: Rule = (spec) => {
  const train = spec.train ?? {};
  const issues: RuleIssue[] = [];
  const keepsBest = train.load_best_model_at_end === true;
  const stopsEarly = train.early_stopping !== undefined;
  if (!keepsBest && !stopsEarly) return issues;
  const feature = keepsBest ? 'load_best_model_at_end' : 'early_stopping';
  const evalStrategy = train.eval_strategy ?? 'no';
  const saveStrategy = train.save_strategy ?? 'steps';
  if (evalStrategy === 'no') {
    issues.push(error('best-without-eval', ['train', feature], `${feature} needs evaluations, but eval_strategy is \`no\``, 'set eval_strategy: steps (and data.eval)'));
    return issues;
  }
  if (keepsBest && saveStrategy !== evalStrategy) {
    issues.push(error('best-strategy-mismatch', ['train', 'save_strategy'], `with load_best_model_at_end, save_strategy (${saveStrategy}) must equal eval_strategy (${evalStrategy})`, `set save_strategy: ${evalStrategy}`));
  }
  if (keepsBest && evalStrategy === 'steps') {
    const evalSteps = train.eval_steps ?? train.logging_steps ?? 500;
    const saveSteps = train.save_steps ?? 500;
    if (saveSteps % evalSteps !== 0) {
      issues.push(
        error('save-not-multiple-of-eval', ['train', 'save_steps'], `with load_best_model_at_end, save_steps (${saveSteps}) must be a multiple of eval_steps (${evalSteps})`, `use save_steps: ${Math.max(1, Math.round(saveSteps / evalSteps)) * evalSteps}`),
      );
    }
  }
  const metric = train.metric_for_best_model ?? 'loss';
  if (metric !== 'loss' && spec.eval?.predict_with_generate !== true) {
    issues.push(error('metric-needs-generate', ['train', 'metric_for_best_model'], `metric_for_best_model: ${metric} is only computed with eval.predict_with_generate: true`, 'set eval.predict_with_generate: true, or use metric_for_best_model: loss'));
  }
  return issues;
};

/** Attention heads must split d_model evenly (only checkable when both are overridden). */
export const headsDivideWidth: Rule = (spec) => {
  const overrides = spec.model.init?.overrides;
  const width = overrides?.d_model;
  if (!overrides || width === undefined) return [];
  const issues: RuleIssue[] = [];
  for (const key of ['encoder_attention_heads', 'decoder_attention_heads'] as const) {
    const heads = overrides[key];
    if (heads !== undefined && width % heads !== 0) {
      issues.push(error('heads-do-not-divide', ['model', 'init', 'overrides', key], `${key} (${heads}) must divide d_model (${width})`, 'pick a head count that divides d_model'));
    }
  }
  return issues;
};

export const SPEC_RULES: readonly Rule[] = [
  sourcesExist,
  heldOutDataNotTrainedOn,
  warmupShorterThanTraining,
  evalNeedsData,
  bestModelNeedsAlignedEvalAndSave,
  headsDivideWidth,
];

export function checkRules(spec: ExperimentSpec, rules: readonly Rule[] = SPEC_RULES): RuleIssue[] {
  return rules.flatMap((rule) => rule(spec));
}
