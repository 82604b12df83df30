// Environment interpolation in spec values: ${VAR}, ${VAR:-default} (default when unset or empty),
// and $${ for a literal "${". Applied to each file's YAML tree before `extends` merging, so an error
// points at the exact scalar. Keys are never interpolated.
import { isScalar, parse as parseYaml, visit, Scalar } from 'yaml';
import type { Diagnostic } from './diagnostics.ts';
import { formatPath } from './diagnostics.ts';
import type { SpecSource } from './yaml-source.ts';

const REFERENCE = /\$\$\{|\$\{([^}]*)\}/g;
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export type Env = Record<string, string | undefined>;

/** Replace references in a string. Returns the new text and the problems, with their offsets in `text`. */
export function interpolateString(text: string, env: Env): { value: string; problems: { offset: number; message: string; hint: string }[] } {
  const problems: { offset: number; message: string; hint: string }[] = [];
  const value = text.replace(REFERENCE, (match, body: string | undefined, offset: number) => {
    if (match === '$${') return '${';
    const expression = body ?? '';
    const separator = expression.indexOf(':-');
    const name = separator === -1 ? expression : expression.slice(0, separator);
    const fallback = separator === -1 ? undefined : expression.slice(separator + 2);
    if (!VARIABLE_NAME.test(name)) {
      problems.push({ offset, message: `\`${match}\` is not a valid variable reference`, hint: 'write ${NAME} or ${NAME:-default}; write $${ for a literal ${' });
      return match;
    }
    const set = env[name];
    if (set !== undefined && set !== '') return set;
    if (fallback !== undefined) return fallback;
    problems.push({
      offset,
      message: `environment variable \`${name}\` is not set`,
      hint: `set it (export ${name}=...) or give a default: \${${name}:-value}`,
    });
    return match;
  });
  return { value, problems };
}

/**
 * Interpolate every string scalar of `source` in place. An unquoted scalar that is exactly one reference
 * (`learning_rate: ${LR:-1e-5}`) is re-read as YAML after substitution, so it becomes a number or boolean;
 * a quoted one stays a string.
 */
export function interpolateSource(source: SpecSource, env: Env): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  visit(source.doc, {
    Scalar(key, node, path) {
      if (key === 'key' || typeof node.value !== 'string' || !node.value.includes('${')) return;
      const { value, problems } = interpolateString(node.value, env);
      const quoted = node.type === Scalar.QUOTE_DOUBLE || node.type === Scalar.QUOTE_SINGLE;
      const start = (node.range?.[0] ?? 0) + (quoted ? 1 : 0);
      for (const problem of problems) {
        const { line, col } = source.lineCounter.linePos(start + problem.offset);
        diagnostics.push({
          severity: 'error',
          code: 'env-unset',
          file: source.file,
          line,
          col,
          path: formatPath(yamlPathOf(path, node)),
          message: problem.message,
          hint: problem.hint,
        });
      }
      if (problems.length > 0) return;
      const wholeReference = /^\$\{[^}]*\}$/.test(node.value);
      if (!quoted && wholeReference) {
        const typed: unknown = safeParseScalar(value);
        node.value = typed;
      } else {
        node.value = value;
      }
    },
  });
  return diagnostics;
}

function safeParseScalar(text: string): unknown {
  try {
    const parsed: unknown = parseYaml(text);
    // Only scalars: a variable holding "{a: 1}" must not inject structure into the spec.
    return parsed === null || typeof parsed === 'object' ? text : parsed;
  } catch {
    return text;
  }
}

/** Turn yaml's visitor ancestry into key/index segments. */
function yamlPathOf(ancestors: readonly unknown[], node: unknown): (string | number)[] {
  const out: (string | number)[] = [];
  const chain = [...ancestors, node];
  for (let i = 0; i < chain.length - 1; i++) {
    const parent = chain[i] as { items?: unknown[]; key?: unknown };
    const child = chain[i + 1];
    if (Array.isArray(parent.items)) {
      const index = parent.items.indexOf(child);
      // Pairs are walked through: the key segment is added when we reach the Pair.
      const item = parent.items[index] as { key?: unknown } | undefined;
      if (item && typeof item === 'object' && 'key' in item && item.key !== undefined) continue;
      out.push(index);
    } else if ('key' in parent && isScalar(parent.key)) {
      out.push(String(parent.key.value));
    }
  }
  return out;
}
