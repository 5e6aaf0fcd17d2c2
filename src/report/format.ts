import type { FeatureReport, ModelReport, Report, SegmentReport } from './types.js';

/** The output formats of `report --format`; `html` is rendered by report/html (renderHtml), loaded only when asked for. */
export const FORMATS = ['table', 'json', 'markdown', 'html'] as const;
export type Format = (typeof FORMATS)[number];

/** Renders a report in one of the text formats. */
export function formatReport(report: Report, format: Format): string {
  if (format === 'html') throw new Error('the html format is rendered by report/html (renderHtml)');
  if (format === 'json') return `${JSON.stringify(report, null, 2)}\n`;
  const render = format === 'markdown' ? markdownModel : tableModel;
  return report.models.map(render).join('\n');
}

const num = (v: number | null | undefined, digits = 3): string => {
  if (v === null || v === undefined) return '-';
  // Tiny and huge values in exponent form, so that a column keeps its width.
  if ((v !== 0 && Math.abs(v) < 10 ** -digits) || Math.abs(v) >= 1e5) return v.toExponential(1);
  return v.toFixed(digits);
};
const pct = (v: number | null | undefined): string => (v === null || v === undefined ? '-' : `${(v * 100).toFixed(1)}%`);

/** The p-value of the test that decides significance for this feature, as configured. */
function pValue(f: FeatureReport): string {
  const test = f.decision.significance?.test;
  const p = test ? f.tests[test]?.p_value : undefined;
  return p === undefined ? '-' : num(p);
}

/** Control and bidirectional-override characters shown as escapes: names and values from the data never reach a terminal raw. */
export function printable(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => (c === '\n' ? '\\n' : c === '\t' ? '\\t' : (c.charCodeAt(0) < 0x100 ? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}` : `\\u${c.charCodeAt(0).toString(16)}`)));
}

const VERDICT = { drift: 'DRIFT', ok: 'no drift', errors: 'no drift among the compared features, SOME FEATURES IN ERROR', no_data: 'NO DATA' } as const;

function headline(m: ModelReport): string {
  const window = m.window.start ? `${m.window.start} .. ${m.window.end}` : 'whole source';
  const share = m.drift_share === null ? 'no feature could be compared' : `${pct(m.drift_share)} of compared features drifted`;
  const errors = m.feature_errors > 0 ? `, ${m.feature_errors} in error` : '';
  return `${printable(m.model)}: ${VERDICT[m.status]}, ${share}${errors}; window ${window}, ${m.window.rows} rows vs baseline ${m.baseline.rows} rows`;
}

function note(f: FeatureReport): string {
  if (f.error) return `ERROR: ${printable(f.error)}`;
  if (f.score === null) return 'no values to compare';
  const extra = f.type === 'numeric' ? `out-of-range ${pct(f.out_of_range_ratio)}` : `unseen ${pct(f.unseen_ratio)}${topNew(f)}`;
  return f.role === 'prediction' ? `pred; ${extra}` : extra;
}

/** The largest category new in the window, quoted (JSON string escapes, then printable), with its share. */
function topNew(f: FeatureReport): string {
  const top = f.categories?.new[0];
  if (!top) return '';
  const shown = printable(JSON.stringify(top.category));
  const more = f.categories!.new.length - 1 + f.categories!.new_others;
  return `, top new ${shown.length > 32 ? `${shown.slice(0, 31)}…` : shown} ${pct(top.window_share)}${more > 0 ? ` (+${more} more)` : ''}`;
}

const WIDTH = 80;
const NOTE_INDENT = '      ';

/** Words of `text` on lines of at most `width` columns, each starting with `indent` (a longer word stands alone). */
function wrap(text: string, indent: string, width: number): string[] {
  const out: string[] = [];
  let line = indent;
  for (const word of text.split(' ')) {
    if (line.length > indent.length && line.length + 1 + word.length > width) {
      out.push(line);
      line = indent;
    }
    line += line.length > indent.length ? ` ${word}` : word;
  }
  out.push(line);
  return out;
}

// Columns sized so that a row fits 80 terminal columns with a 20-char feature name.
function tableModel(m: ModelReport): string {
  const lines = [headline(m), ''];
  lines.push(`${'  feature'.padEnd(23)} ${'type'.padEnd(4)} ${'score'.padStart(8)} ${'p-value'.padStart(8)} ${'missing'.padStart(7)}  note`);
  for (const f of m.features) {
    const mark = f.drift ? '! ' : '  ';
    const shown = printable(f.feature);
    const name = shown.length > 20 ? `${shown.slice(0, 19)}…` : shown;
    const type = f.type === 'numeric' ? 'num' : 'cat';
    const row = `${mark}${name.padEnd(21)} ${type.padEnd(4)} ${num(f.score).padStart(8)} ${pValue(f).padStart(8)} ${pct(f.missing_ratio).padStart(7)}`;
    const text = note(f);
    // A note that would pass 80 columns goes on lines of its own below the row, wrapped at words.
    if (row.length + 2 + text.length <= WIDTH) lines.push(`${row}  ${text}`);
    else lines.push(row, ...wrap(text, NOTE_INDENT, WIDTH));
  }
  lines.push(...segmentLines(m));
  lines.push('', "  '!' drifted. score: primary test distance. p-value: the significance test's.", "  pred: a prediction column. out-of-range/unseen: share of window values", "  outside the baseline's range / in categories the baseline never had.", '');
  return lines.join('\n');
}

const short = (s: string) => (s.length > 32 ? `${s.slice(0, 31)}…` : s);

/** A segment's key as `col="value"` pairs (NULL for SQL NULL), or the overflow bucket with the number of segments it merges. */
function segmentLabel(s: SegmentReport): string {
  if (s.other) return `(other ${s.merged} segments)`;
  return Object.entries(s.key)
    .map(([c, v]) => `${short(printable(c))}=${v === null ? 'NULL' : short(printable(JSON.stringify(v)))}`)
    .join(', ');
}

/** What a listed segment shows: its rows, verdict, and which features drifted or are in error. */
function segmentText(s: SegmentReport): string {
  const share = s.drift_share === null ? '' : `, ${pct(s.drift_share)} drifted`;
  const names = (fs: FeatureReport[]) => fs.map((f) => printable(f.feature)).join(', ');
  const drifted = s.features.filter((f) => f.drift);
  const errors = s.features.filter((f) => f.error !== undefined);
  return [
    `${segmentLabel(s)}: ${s.window.rows} rows vs ${s.baseline.rows} (${s.baseline.slice}), ${VERDICT[s.status]}${share}`,
    ...(drifted.length > 0 ? [`drifted: ${names(drifted)}`] : []),
    ...(errors.length > 0 ? [`in error: ${names(errors)}`] : []),
  ].join('; ');
}

/** The segments to list: drifted ones, those with features in error, and those without data (the others are "no drift"). */
const listed = (m: ModelReport) => (m.segments ?? []).filter((s) => s.status !== 'ok');

/** The table's segment lines, after the feature rows: the segments that drifted, are in error or have no data. */
function segmentLines(m: ModelReport): string[] {
  if (!m.segments) return [];
  const shown = listed(m);
  const rest = m.segments.length - shown.length;
  const head = `  segments: ${m.segments.length}; ${shown.length === 0 ? 'none drifted, in error or without data' : `drifted, in error or without data (${rest} more with no drift):`}`;
  // The first line starts with the drift mark, the next ones further in.
  return ['', head, ...shown.flatMap((s) => wrap(segmentText(s), '    ', WIDTH).map((l, i) => (i === 0 ? `${s.drift ? '! ' : '  '}${l.slice(4)}` : l)))];
}

function markdownModel(m: ModelReport): string {
  const esc = (s: string) => printable(s).replaceAll('|', '\\|');
  const lines = [`## ${esc(m.model)}`, '', headline(m), '', '| feature | type | drift | score | p-value | missing | note |', '|---|---|---|---:|---:|---:|---|'];
  for (const f of m.features) {
    lines.push(`| ${esc(f.feature)} | ${f.type} | ${f.drift ? '**yes**' : 'no'} | ${num(f.score)} | ${pValue(f)} | ${pct(f.missing_ratio)} | ${esc(note(f))} |`);
  }
  if (m.segments) {
    const shown = listed(m);
    lines.push('', `Segments: ${m.segments.length}; ${shown.length} drifted, in error or without data${shown.length > 0 ? ':' : '.'}`);
    if (shown.length > 0) {
      lines.push('', '| segment | rows | baseline | status | drifted | in error |', '|---|---:|---|---|---|---|');
      for (const s of shown) {
        const names = (fs: FeatureReport[]) => esc(fs.map((f) => f.feature).join(', ')) || '-';
        const status = `${VERDICT[s.status]}${s.drift_share === null ? '' : ` (${pct(s.drift_share)})`}`;
        lines.push(`| ${esc(segmentLabel(s))} | ${s.window.rows} | ${s.baseline.rows} (${s.baseline.slice}) | ${status} | ${names(s.features.filter((f) => f.drift))} | ${names(s.features.filter((f) => f.error !== undefined))} |`);
      }
    }
  }
  lines.push('');
  return lines.join('\n');
}
