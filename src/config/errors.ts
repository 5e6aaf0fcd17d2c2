import type * as z from 'zod';

/** A config that cannot be used; the message names the file and key path. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** A key path as the README writes it: models[0].baseline. */
export function keyPath(at: readonly PropertyKey[]): string {
  if (at.length === 0) return '(top level)';
  return at.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('');
}

/** One line per schema issue (at most five), each naming the file, the key path, what was expected and what was found. */
export function formatIssues(file: string, issues: readonly z.core.$ZodIssue[]): string {
  const lines = issues.slice(0, 5).map((issue) => {
    const unknown = issue.code === 'unrecognized_keys';
    const where = unknown ? keyPath([...issue.path, issue.keys[0]]) : keyPath(issue.path);
    const message = unknown ? 'unknown or unsupported key (allowed keys are listed in the README)' : issue.message;
    const found = 'input' in issue && issue.input !== undefined && !unknown ? ` (found ${describe(issue.input)})` : '';
    return `${file}: ${where}: ${message}${found}`;
  });
  if (issues.length > 5) lines.push(`... and ${issues.length - 5} more`);
  return lines.join('\n');
}

function describe(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
