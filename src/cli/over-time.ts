/**
 * The over-time report (`report --from --to --every`): one row per step and
 * feature in the table and markdown formats; in JSON the usual report, whose
 * `models` holds one model report per step and model, in step order.
 */
import { formatReport, printable, type FeatureReport, type Format, type ModelReport, type Report } from '../report/index.js';

const num = (v: number | null | undefined): string => {
  if (v === null || v === undefined) return '-';
  // Tiny and huge values in exponent form, as the one-window table does.
  return (v !== 0 && Math.abs(v) < 1e-3) || Math.abs(v) >= 1e5 ? v.toExponential(1) : v.toFixed(3);
};

/** The p-value of the test that decides significance for this feature. */
function pValue(f: FeatureReport): string {
  const test = f.decision.significance?.test;
  return num(test ? f.tests[test]?.p_value : undefined);
}

/** Why a row has no verdict, or the model's status when the feature has one. */
function note(m: ModelReport, f: FeatureReport): string {
  if (f.error) return `ERROR: ${printable(f.error)}`;
  if (m.status === 'no_data') return 'no data';
  return f.score === null ? 'no values to compare' : '';
}

const range = (start: string | null, end: string | null) => (start === null ? 'whole' : `(${start}, ${end}]`);

/** Renders an over-time report: `report.models` holds each step's model reports, in step order. */
export function formatOverTime(report: Report, format: Format): string {
  if (format === 'json') return formatReport(report, 'json');
  const rows = report.models.flatMap((m) => m.features.map((f) => ({ m, f })));
  if (format === 'markdown') {
    const esc = (s: string) => printable(s).replaceAll('|', '\\|');
    const lines = ['| as_of | model | feature | drift | score | p-value | window rows | baseline rows | baseline range | note |', '|---|---|---|---|---:|---:|---:|---:|---|---|'];
    for (const { m, f } of rows) {
      lines.push(`| ${m.as_of} | ${esc(m.model)} | ${esc(f.feature)} | ${f.drift ? '**yes**' : 'no'} | ${num(f.score)} | ${pValue(f)} | ${m.window.rows} | ${m.baseline.rows} | ${range(m.baseline.start, m.baseline.end)} | ${esc(note(m, f))} |`);
    }
    return `${lines.join('\n')}\n`;
  }
  const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s).padEnd(n);
  const lines = [`  ${'as_of'.padEnd(24)} ${'model'.padEnd(12)} ${'feature'.padEnd(20)} ${'score'.padStart(8)} ${'p-value'.padStart(8)} ${'rows'.padStart(8)}  note`];
  for (const { m, f } of rows) {
    lines.push(`${f.drift ? '! ' : '  '}${m.as_of.padEnd(24)} ${clip(printable(m.model), 12)} ${clip(printable(f.feature), 20)} ${num(f.score).padStart(8)} ${pValue(f).padStart(8)} ${String(m.window.rows).padStart(8)}  ${note(m, f)}`);
  }
  lines.push('', "  '!' drifted. as_of: the window's end. score: primary test distance. p-value: the significance test's. rows: the window's.", '');
  return lines.join('\n');
}
