/**
 * The PromQL shipped with the exporter (rule files, Grafana dashboard) and the
 * metric and label names each expression reads. Paths resolve from the repo
 * root (process.cwd()), where the tests run.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

/** The shipped rule files, relative to the repo root. */
export function ruleFiles(): string[] {
  return readdirSync(path.resolve('prometheus/rules'))
    .filter((f) => f.endsWith('.yml'))
    .sort()
    .map((f) => `prometheus/rules/${f}`);
}

/** The shipped dashboard, relative to the repo root. */
export const DASHBOARD_FILE = 'grafana/dashboards/drift-exporter.json';

/** One expression and where it came from, for failure messages. */
export interface ShippedExpr {
  file: string;
  /** Alert or record name, panel title and refId, or template variable. */
  where: string;
  expr: string;
}

/** One rule of a Prometheus rule file, as written. */
export interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** Every rule of a rule file, across its groups. */
export function readRules(file: string): Rule[] {
  const doc = parse(readFileSync(path.resolve(file), 'utf8')) as { groups: { rules: Rule[] }[] };
  return doc.groups.flatMap((g) => g.rules);
}

/** The expressions of every rule in the given files. */
export function ruleExprs(files: readonly string[] = ruleFiles()): ShippedExpr[] {
  return files.flatMap((file) => readRules(file).map((r) => ({ file, where: r.alert ?? r.record ?? '?', expr: r.expr })));
}

/** The series names the recording rules in the given files define. */
export function recordedNames(files: readonly string[] = ruleFiles()): string[] {
  return files.flatMap((file) => readRules(file).flatMap((r) => (r.record ? [r.record] : [])));
}

interface Panel {
  title?: string;
  targets?: { refId?: string; expr?: string }[];
  panels?: Panel[];
}

interface Variable {
  name: string;
  type: string;
  query?: string | { query?: string };
}

/**
 * Every PromQL expression of a dashboard: panel targets (rows' nested panels
 * too) and the series selectors inside query variables' label_values() and
 * query_result(). Grafana variables ($model_name, $__rate_interval) stay in.
 */
export function dashboardExprs(file: string = DASHBOARD_FILE): ShippedExpr[] {
  const dash = JSON.parse(readFileSync(path.resolve(file), 'utf8')) as { panels?: Panel[]; templating?: { list?: Variable[] } };
  const out: ShippedExpr[] = [];
  const walk = (panels: Panel[] = []) => {
    for (const p of panels) {
      for (const t of p.targets ?? []) {
        if (t.expr) out.push({ file, where: `panel "${p.title}" ${t.refId ?? ''}`.trim(), expr: t.expr });
      }
      walk(p.panels);
    }
  };
  walk(dash.panels);
  for (const v of dash.templating?.list ?? []) {
    if (v.type !== 'query') continue;
    const query = typeof v.query === 'string' ? v.query : (v.query?.query ?? '');
    const expr = variableSelector(query);
    if (expr) out.push({ file, where: `variable $${v.name}`, expr });
  }
  return out;
}

/** The PromQL inside a Grafana variable query, or null when it has none (label_names(), label_values(label)). */
export function variableSelector(query: string): string | null {
  const lv = /^\s*label_values\((.*),\s*[a-zA-Z_]\w*\s*\)\s*$/s.exec(query);
  if (lv) return lv[1].trim();
  const qr = /^\s*query_result\((.*)\)\s*$/s.exec(query);
  if (qr) return qr[1].trim();
  return /^\s*(label_values|label_names|metrics)\(/.test(query) ? null : query.trim() || null;
}

/** Aggregations, functions and keywords of PromQL: never metric names. */
export const PROMQL_BUILTINS: ReadonlySet<string> = new Set([
  // aggregation operators
  'sum', 'min', 'max', 'avg', 'group', 'stddev', 'stdvar', 'count', 'count_values', 'bottomk', 'topk', 'quantile', 'limitk', 'limit_ratio',
  // keywords and binary operators spelled as words
  'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'bool', 'offset', 'atan2', 'inf', 'nan',
  // functions
  'abs', 'absent', 'absent_over_time', 'ceil', 'changes', 'clamp', 'clamp_max', 'clamp_min', 'day_of_month', 'day_of_week',
  'day_of_year', 'days_in_month', 'delta', 'deriv', 'exp', 'floor', 'histogram_avg', 'histogram_count', 'histogram_fraction',
  'histogram_quantile', 'histogram_stddev', 'histogram_stdvar', 'histogram_sum', 'holt_winters', 'double_exponential_smoothing',
  'hour', 'idelta', 'increase', 'irate', 'label_join', 'label_replace', 'ln', 'log2', 'log10', 'minute', 'month',
  'predict_linear', 'rate', 'resets', 'round', 'scalar', 'sgn', 'sort', 'sort_desc', 'sort_by_label', 'sort_by_label_desc',
  'sqrt', 'time', 'timestamp', 'vector', 'year', 'avg_over_time', 'min_over_time', 'max_over_time', 'sum_over_time',
  'count_over_time', 'quantile_over_time', 'stddev_over_time', 'stdvar_over_time', 'last_over_time', 'present_over_time',
  'mad_over_time', 'acos', 'acosh', 'asin', 'asinh', 'atan', 'atanh', 'cos', 'cosh', 'sin', 'sinh', 'tan', 'tanh', 'deg', 'rad',
  'pi', 'start', 'end',
]);

const GROUPING = /\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g;

/** Strips what can never hold a metric name: Grafana variables, strings, comments. */
function clean(expr: string): string {
  return expr
    .replace(/\$\{[^}]*\}|\$\w+|\[\[\w+\]\]/g, '0')
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/#[^\n]*/g, '');
}

/**
 * The metric (and recorded series) names an expression reads: every identifier
 * outside label matchers, ranges, strings and grouping lists that is not a
 * PromQL builtin. A misspelled function comes back as a name too, so it fails
 * the same check.
 */
export function metricNamesIn(expr: string): string[] {
  const bare = clean(expr)
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(GROUPING, '$1 ');
  const names = new Set<string>();
  // Numbers and durations (1e3, 0x1f, 5m, 1h30m) are matched first so their
  // letters are not read as identifiers.
  for (const m of bare.matchAll(/0x[0-9a-fA-F]+|\d*\.?\d+(?:[eE][+-]?\d+)?[a-zA-Z]*|([a-zA-Z_:][a-zA-Z0-9_:]*)/g)) {
    const id = m[1];
    if (id && !PROMQL_BUILTINS.has(id.toLowerCase())) names.add(id);
  }
  return [...names];
}

/** The label names an expression matches on or groups by. */
export function labelNamesIn(expr: string): string[] {
  const text = clean(expr);
  const labels = new Set<string>();
  for (const [, body] of text.matchAll(/\{([^}]*)\}/g)) {
    for (const [, name] of body.matchAll(/([a-zA-Z_]\w*)\s*(?:=~|!~|!=|=)/g)) labels.add(name);
  }
  for (const [, , list] of text.matchAll(GROUPING)) {
    for (const name of list.split(',').map((s) => s.trim()).filter(Boolean)) labels.add(name);
  }
  return [...labels];
}

/** Substitutes Grafana variables as Grafana would: intervals by a duration, the rest by "all". */
export function grafanaToPromql(expr: string): string {
  // Only Grafana's variables ($name, ${name}): label_replace's "$1" is PromQL's own and stays.
  return expr.replace(/\$(?:__rate_interval|__interval|__range)\b/g, '5m').replace(/\$\{[A-Za-z_]\w*[^}]*\}|\$[A-Za-z_]\w*/g, '.*');
}
