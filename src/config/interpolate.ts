/**
 * `${VAR}` and `${VAR:-default}` in every string value of the config. A
 * default may hold text and further references (`${A:-${B:-x}}`), and is only
 * expanded when used. `$$` is a literal `$`, so `$${A}` is the text `${A}`;
 * a `$` not followed by `{` or `$` is kept as it is. Values taken from the
 * environment are not expanded again.
 */
import { ConfigError, keyPath } from './errors.js';

const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;
const FORMS = '${NAME} or ${NAME:-default} (NAME: letters, digits and _; write $$ for a literal $)';

/** Replaces references in every string value of a parsed YAML tree, naming the key path of any problem. */
export function interpolate(value: unknown, env: NodeJS.ProcessEnv, file: string, at: (string | number)[] = [], used?: Map<string, string>): unknown {
  if (typeof value === 'string') return expandString(value, env, (why) => new ConfigError(`${file}: ${keyPath(at)}: ${why}`), used);
  if (Array.isArray(value)) return value.map((v, i) => interpolate(v, env, file, [...at, i], used));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, env, file, [...at, k], used)]));
  }
  return value;
}

/** Expands one string; `fail` builds the error for a message; `used` collects the variables whose values went in. */
export function expandString(text: string, env: NodeJS.ProcessEnv, fail: (why: string) => Error, used?: Map<string, string>): string {
  const [out] = expand(text, 0, false, true, { ...env }, fail, used);
  return out;
}

/**
 * Expands from `i` to the end of `text`, or (nested) to the `}` closing a
 * default, returning the text and the index where it stopped. With `use`
 * false it only checks the syntax: an unused default's unset variables are
 * no error, as in the shell.
 */
function expand(text: string, i: number, nested: boolean, use: boolean, env: NodeJS.ProcessEnv, fail: (why: string) => Error, used?: Map<string, string>): [string, number] {
  let out = '';
  while (i < text.length) {
    const c = text[i];
    if (nested && c === '}') return [out, i];
    if (c !== '$' || (text[i + 1] !== '$' && text[i + 1] !== '{')) {
      out += c;
      i++;
      continue;
    }
    if (text[i + 1] === '$') {
      out += '$';
      i += 2;
      continue;
    }
    const start = i;
    NAME.lastIndex = i + 2;
    const name = NAME.exec(text)?.[0];
    if (!name) throw fail(`malformed reference "${excerpt(text, start)}": expected ${FORMS}`);
    i = NAME.lastIndex;
    const value = env[name];
    if (text[i] === '}') {
      if (use && value === undefined) throw fail(`environment variable ${name} is not set (use \${${name}:-default} for a default)`);
      if (use && value) used?.set(name, value);
      out += value ?? '';
      i++;
      continue;
    }
    if (!text.startsWith(':-', i)) throw fail(`malformed reference "${excerpt(text, start)}": expected ${FORMS}`);
    // As in the shell, ":-" takes the default when the variable is unset or empty.
    const useDefault = value === undefined || value === '';
    const [fallback, end] = expand(text, i + 2, true, use && useDefault, env, fail, used);
    if (end >= text.length) throw fail(`unterminated reference "${excerpt(text, start)}": a "}" is missing`);
    if (use && !useDefault) used?.set(name, value!);
    out += useDefault ? fallback : value;
    i = end + 1;
  }
  return [out, i];
}

function excerpt(text: string, from: number): string {
  const s = text.slice(from);
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

/** The text with every value taken from the environment replaced by its reference, longest first: what the HTTP endpoints may show. */
export function redact(text: string, used: ReadonlyMap<string, string>): string {
  const values = [...used].filter(([, v]) => v.length > 0).sort((a, b) => b[1].length - a[1].length);
  for (const [name, value] of values) text = text.replaceAll(value, `\${${name}}`);
  return text;
}
