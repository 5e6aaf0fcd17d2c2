import type { FeatureReport, ModelReport, Report } from './types.js';

/** The output formats of `report --format`. */
export const FORMATS = ['table', 'json', 'markdown'] as const;
export type Format = (typeof FORMATS)[number];

/** Renders a report in one of the formats. */
export function formatReport(report: Report, format: Format): string {
  if (format === 'json') return `${JSON.stringify(report, null, 2)}\n`;
  const render = format === 'markdown' ? markdownModel : tableModel;
  return report.models.map(render).join('\n');
}

const num = (v: number | null | undefined, digits = 3): string => {
  if (v === null || v === undefined) return '-';
  if (v !== 0 && Math.abs(v) < 10 ** -digits) return v.toExponential(1);
  return v.toFixed(digits);
};
const pct = (v: number | null | undefined): string => (v === null || v === undefined ? '-' : `${(v * 100).toFixed(1)}%`);

/** The p-value of the test that decides significance for this feature, as configured. */
function pValue(f: FeatureReport): string {
  const test = f.decision.significance?.test;
  const p = test ? f.tests[test]?.p_value : undefined;
  return p === undefined ? '-' : num(p);
}

function headline(m: ModelReport): string {
  const window = m.window.start ? `${m.window.start} .. ${m.window.end}` : 'whole source';
  const verdict = m.drift ? 'DRIFT' : 'no drift';
  return `${m.model}: ${verdict}, ${pct(m.drift_share)} of features drifted; window ${window}, ${m.window.rows} rows vs baseline ${m.baseline.rows} rows`;
}

function note(f: FeatureReport): string {
  if (f.error) return f.error;
  if (f.score === null) return 'no values to compare';
  const extra = f.type === 'numeric' ? `out-of-range ${pct(f.out_of_range_ratio)}` : `unseen ${pct(f.unseen_ratio)}`;
  return f.role === 'prediction' ? `pred; ${extra}` : extra;
}

// Columns sized so that a row fits 80 terminal columns with a 20-char feature name.
function tableModel(m: ModelReport): string {
  const lines = [headline(m), ''];
  lines.push(`${'  feature'.padEnd(23)} ${'type'.padEnd(4)} ${'score'.padStart(8)} ${'p-value'.padStart(8)} ${'missing'.padStart(7)}  note`);
  for (const f of m.features) {
    const mark = f.drift ? '! ' : '  ';
    const name = f.feature.length > 20 ? `${f.feature.slice(0, 19)}…` : f.feature;
    const type = f.type === 'numeric' ? 'num' : 'cat';
    lines.push(`${mark}${name.padEnd(21)} ${type.padEnd(4)} ${num(f.score).padStart(8)} ${pValue(f).padStart(8)} ${pct(f.missing_ratio).padStart(7)}  ${note(f)}`);
  }
  lines.push('', "  '!' drifted. score: primary test distance. p-value: the significance test's.", "  pred: a prediction column. out-of-range/unseen: share of window values", "  outside the baseline's range / in categories the baseline never had.", '');
  return lines.join('\n');
}

function markdownModel(m: ModelReport): string {
  const esc = (s: string) => s.replaceAll('|', '\\|');
  const lines = [`## ${esc(m.model)}`, '', headline(m), '', '| feature | type | drift | score | p-value | missing | note |', '|---|---|---|---:|---:|---:|---|'];
  for (const f of m.features) {
    lines.push(`| ${esc(f.feature)} | ${f.type} | ${f.drift ? '**yes**' : 'no'} | ${num(f.score)} | ${pValue(f)} | ${pct(f.missing_ratio)} | ${esc(note(f))} |`);
  }
  lines.push('');
  return lines.join('\n');
}
