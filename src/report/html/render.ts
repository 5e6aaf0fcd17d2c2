/**
 * The HTML report: one self-contained page (inline CSS and SVG, no script,
 * no request of any kind) of a report, for `report --format html` and the
 * exporter's /report. Every text from data or config goes through `text`.
 */
import { exceeds, TESTS, type TestId, type TestResult } from '../../stats/index.js';
import { printable } from '../format.js';
import type { FeatureReport, ModelReport, Report, SegmentReport } from '../types.js';
import { REPORT_CSP } from './csp.js';
import { categoricalPlot, numericPlot, overTimeSpec, plotSvg, short, toSvg } from './charts.js';

/** What the page shows. */
export interface HtmlInput {
  report: Report;
  title: string;
  /**
   * Every model to list, in order, with its state (the exporter's last run);
   * a model without a report in `report` is shown with its state alone.
   * Default: the report's models, without a state line.
   */
  models?: { model: string; state: string }[];
  /** The report holds the steps of an over-time run (report --from --to --every): one model report per step and model. */
  overTime?: boolean;
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes for HTML text and quoted attributes, after showing control and bidi-override characters as escapes. */
function text(value: unknown): string {
  return printable(String(value)).replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

const pct = (v: number | null | undefined): string => (v === null || v === undefined ? '–' : `${(v * 100).toFixed(1)}%`);
const num = (v: number | null | undefined): string => (v === null || v === undefined ? '–' : (v !== 0 && Math.abs(v) < 1e-3) || Math.abs(v) >= 1e5 ? v.toExponential(2) : v.toFixed(3));

const VERDICT = { drift: 'DRIFT', ok: 'no drift', errors: 'no drift among the compared features; some features in error', no_data: 'NO DATA: nothing could be compared' } as const;

const STYLE = `
body{font-family:system-ui,sans-serif;margin:1.5em;color:#222;max-width:1300px}
h1{font-size:1.4em}h2{font-size:1.2em;margin-top:2em;border-bottom:2px solid #ccc}h3{font-size:1em;margin:1.2em 0 .3em}
table{border-collapse:collapse;font-size:.85em;margin:.5em 0}td,th{border:1px solid #ddd;padding:.2em .5em;text-align:left;vertical-align:top}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}th{background:#f4f4f4}
tr.drift td{background:#fdecea}tr.error td{background:#fff4d6}
.verdict{display:inline-block;padding:.1em .5em;border-radius:3px;font-weight:bold}
.v-drift{background:#d62728;color:#fff}.v-ok{background:#2ca02c;color:#fff}.v-errors{background:#ff9800;color:#000}.v-no_data{background:#555;color:#fff}
.feature{border-top:1px solid #eee;padding:.3em 0}.plot svg{max-width:100%;height:auto}.plot text{font-family:sans-serif}.plot text:not([font-size]){font-size:10px}.plot text:not([fill]){fill:#000}
.feature-error{background:#fff4d6;padding:.4em;border-left:4px solid #ff9800}.note{color:#555;font-size:.85em}
.key{font-size:.85em;color:#333}.sw{display:inline-block;width:.9em;height:.9em;vertical-align:-.1em;margin:0 .2em 0 .8em}
.sw-b{background:#8c8c8c}.sw-w{background:#1f6fb4}.sw-n{background:#d62728}.sw-v{background:#9467bd}.sw-ks{background:#d62728;width:.2em}
code{font-size:.9em}dl{display:grid;grid-template-columns:max-content auto;gap:.1em 1em;font-size:.9em}dt{color:#555}dd{margin:0}
`;

/** What the plots' colours and marks mean (they carry no legend of their own: a page of 200 plots stays small). */
const KEY = `<p class="key">Key:<span class="sw sw-b"></span>baseline<span class="sw sw-w"></span>window<span class="sw sw-n"></span>category new in the window<span class="sw sw-v"></span>category vanished from the window<span class="sw sw-ks"></span>KS distance, where it is reached.
ECDF points: ■ the share of rows below each baseline decile edge (exact, from the bins), ▲ the quantiles p1, p5, p25, p50, p75, p95, p99 (linear interpolation); the curves between them are not in the report, so they are not drawn.</p>`;

/** The report as one HTML page. */
export async function renderHtml(input: HtmlInput): Promise<string> {
  const sections: string[] = [];
  if (input.overTime) {
    for (const [i, [model, steps]] of [...groupByModel(input.report.models)].entries()) sections.push(await overTimeSection(model, steps, `m${i}`));
  } else {
    const byName = new Map(input.report.models.map((m) => [m.model, m]));
    const listed = input.models ?? input.report.models.map((m) => ({ model: m.model, state: '' }));
    for (const [i, { model, state }] of listed.entries()) {
      const m = byName.get(model);
      sections.push(m ? await modelSection(m, `m${i}`, state) : stateOnly(model, state));
    }
  }
  const names = input.overTime ? [...groupByModel(input.report.models).keys()] : (input.models?.map((m) => m.model) ?? input.report.models.map((m) => m.model));
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${text(input.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${text(input.title)}</h1>
<p class="note">Generated ${text(input.report.generated_at)}. ${names.length} model${names.length === 1 ? '' : 's'}: ${names.map(text).join(', ') || 'none'}.
Scores are each feature's primary test distance; a feature drifts when that distance reaches its threshold and the significance test is significant.</p>
${KEY}
${sections.join('\n')}
</body>
</html>
`;
}

function groupByModel(models: readonly ModelReport[]): Map<string, ModelReport[]> {
  const out = new Map<string, ModelReport[]>();
  for (const m of models) out.set(m.model, [...(out.get(m.model) ?? []), m]);
  return out;
}

function verdict(status: ModelReport['status']): string {
  return `<span class="verdict v-${status}">${text(VERDICT[status])}</span>`;
}

function stateOnly(model: string, state: string): string {
  return `<section class="model" data-model="${text(model)}">
<h2>${text(model)}</h2>
<p><span class="verdict v-no_data">NO RESULT</span> ${text(state || 'no successful run yet')}</p>
</section>`;
}

const range = (start: string | null, end: string | null) => (start === null ? 'the whole source' : `(${start}, ${end}]`);

function header(m: ModelReport, state: string): string {
  const compared = m.features.filter((f) => f.score !== null).length;
  const share =
    m.drift_share === null
      ? 'no feature could be compared'
      : `${pct(m.drift_share)} of ${compared} compared feature${compared === 1 ? '' : 's'} drifted (${m.features.filter((f) => f.drift).length})`;
  const threshold = m.drift_share_threshold === undefined ? 'not in this report' : pct(m.drift_share_threshold);
  return `<p>${verdict(m.status)}${state ? ` <span class="note">${text(state)}</span>` : ''}</p>
<dl>
<dt>drift share</dt><dd>${text(share)}; the model drifts at ${text(threshold)}</dd>
<dt>window</dt><dd>${text(range(m.window.start, m.window.end))}: ${m.window.rows} rows; newest event ${text(m.window.newest_event ?? '–')}</dd>
<dt>reference</dt><dd>${text(range(m.baseline.start, m.baseline.end))}: ${m.baseline.rows} rows</dd>
<dt>baseline sha256</dt><dd><code>${text(m.baseline.sha256)}</code></dd>
<dt>as_of</dt><dd>${text(m.as_of)}</dd>
<dt>features in error</dt><dd>${m.feature_errors}</dd>
</dl>`;
}

/** Errors first (they could not be compared), then by score, highest first; features without a score last. */
function sorted(features: readonly FeatureReport[]): FeatureReport[] {
  const rank = (f: FeatureReport) => (f.error ? 0 : f.score === null ? 2 : 1);
  return [...features].sort((a, b) => rank(a) - rank(b) || (b.score ?? 0) - (a.score ?? 0));
}

const testKey = (id: TestId) => TESTS.find((t) => t.id === id)!;

/** The value a test's threshold is compared with ("wasserstein normed 0.65"), and whether it crossed. */
function crossing(id: TestId, threshold: number, r: TestResult | undefined): { value: number | undefined; crossed: boolean; phrase: string } {
  const t = testKey(id);
  const value = r?.[t.scoreKey];
  const field = t.scoreKey === 'statistic' ? '' : ` ${t.scoreKey === 'p_value' ? 'p' : t.scoreKey}`;
  if (value === undefined || !Number.isFinite(value)) return { value, crossed: false, phrase: `${id}${field} not computed` };
  const crossed = exceeds(id, value, threshold);
  const op = t.kind === 'p_value' ? (crossed ? '<' : '≥') : crossed ? '≥' : '<';
  return { value, crossed, phrase: `${id}${field} ${num(value)} ${op} ${short(threshold)}` };
}

/** Which test crossed which threshold, in words. */
function reason(f: FeatureReport): string {
  if (f.error) return `not compared: ${f.error}`;
  if (f.score === null) return 'no values to compare';
  const p = crossing(f.decision.primary.test, f.decision.primary.threshold, f.tests[f.decision.primary.test]);
  const sig = f.decision.significance;
  const s = sig ? crossing(sig.test, sig.threshold, f.tests[sig.test]) : null;
  const parts = [`${p.phrase} (${p.crossed ? 'crossed' : 'not crossed'})`];
  if (s) parts.push(`${s.phrase} (${s.crossed ? 'significant' : 'not significant'})`);
  else parts.push('no significance test');
  return `${parts.join('; ')}: ${f.drift ? 'drift' : 'no drift'}`;
}

function featureTable(m: ModelReport, id: string): string {
  const rows = sorted(m.features).map((f) => {
    const i = m.features.indexOf(f);
    const sig = f.decision.significance;
    const p = sig ? f.tests[sig.test]?.p_value : undefined;
    const ratio = f.type === 'numeric' ? `out of range ${pct(f.out_of_range_ratio)}` : `unseen ${pct(f.unseen_ratio)}${f.merged_categories ? `; ${f.merged_categories} merged` : ''}`;
    const cls = f.error ? 'error' : f.drift ? 'drift' : '';
    return `<tr class="${cls}"><td><a href="#${id}-f${i}">${text(f.feature)}</a></td><td>${f.type}${f.role === 'prediction' ? ', prediction' : ''}${f.critical ? ', critical' : ''}</td><td>${f.error ? 'ERROR' : f.drift ? 'yes' : f.score === null ? '–' : 'no'}</td><td class="n">${num(f.score)}</td><td>${text(f.decision.primary.test)} ${short(f.decision.primary.threshold)}</td><td class="n">${num(p)}</td><td>${sig ? `${text(sig.test)} ${short(sig.threshold)}` : 'none'}</td><td class="n">${pct(f.missing_ratio)} / ${pct(f.baseline_missing_ratio)}</td><td>${text(ratio)}</td><td>${text(reason(f))}</td></tr>`;
  });
  return `<table class="features">
<tr><th>feature</th><th>type</th><th>drift</th><th>score</th><th>primary test, threshold</th><th>p-value</th><th>significance test, threshold</th><th>missing (window / baseline)</th><th>unseen / out of range</th><th>decision</th></tr>
${rows.join('\n')}
</table>
<p class="note">Features in error first, then by score. Missing: share of NULL/NaN rows. Out of range: share of window values outside the baseline's [min, max]; unseen: share of window values in categories the baseline never had.</p>`;
}

/** Categories with their shares, each JSON-quoted and cut at 200 characters (the JSON report has them whole). */
function listed(items: { category: string; share: number }[], others: number): string {
  const quoted = (c: string) => {
    const q = JSON.stringify(c);
    return q.length > 200 ? `${q.slice(0, 199)}…` : q;
  };
  const shown = items.map((c) => `${text(quoted(c.category))} ${pct(c.share)}`).join(', ');
  return `${shown}${others > 0 ? ` (+${others} more)` : ''}`;
}

async function featureSection(m: ModelReport, f: FeatureReport, anchor: string): Promise<string> {
  const head = `<h3>${text(f.feature)} <span class="note">${f.type}${f.drift ? ', drifted' : ''}; score ${num(f.score)}</span></h3>`;
  let body: string;
  if (f.error) body = `<p class="feature-error">Not compared: ${text(f.error)}</p>`;
  else if (f.score === null || (!f.distribution && !f.categories)) body = `<p class="feature-error">Not compared: ${m.status === 'no_data' ? 'the model had no data' : 'no values to compare'}.</p>`;
  else {
    try {
      body = `<div class="plot">${await plotSvg(f.distribution ? numericPlot(f) : categoricalPlot(f, printable))}</div>`;
    } catch (err) {
      body = `<p class="feature-error">The plot could not be rendered: ${text(err instanceof Error ? err.message : String(err))}</p>`;
    }
    const notes: string[] = [];
    if (f.distribution) {
      const d = f.distribution;
      for (const side of ['baseline', 'window'] as const) if (!d[side].quantiles) notes.push(`${side} quantiles not shown: ${text(d[side].reason ?? 'not computed')}`);
      notes.push(`mean ${num(d.baseline.mean)} → ${num(d.window.mean)}, std ${num(d.baseline.std)} → ${num(d.window.std)} (baseline → window)`);
    }
    if (f.categories) {
      const c = f.categories;
      if (c.new.length) notes.push(`new in the window: ${listed(c.new.map((n) => ({ category: n.category, share: n.window_share })), c.new_others)}`);
      if (c.vanished.length) notes.push(`vanished from the window: ${listed(c.vanished.map((v) => ({ category: v.category, share: v.baseline_share })), c.vanished_others)}`);
    }
    body += notes.map((n) => `<p class="note">${n}</p>`).join('');
  }
  return `<div class="feature" id="${anchor}" data-feature="${text(f.feature)}" data-compared="${f.score !== null && !f.error}">${head}${body}</div>`;
}

function segmentKey(s: SegmentReport): string {
  if (s.other) return `other (${s.merged} smallest segments merged)`;
  return Object.entries(s.key).map(([k, v]) => `${k}=${v === null ? 'NULL' : JSON.stringify(v)}`).join(', ');
}

function segmentTable(segments: readonly SegmentReport[]): string {
  const rows = segments.map((s) => {
    const drifted = s.features.filter((f) => f.drift).map((f) => f.feature);
    return `<tr class="${s.drift ? 'drift' : s.feature_errors > 0 ? 'error' : ''}"><td>${text(segmentKey(s))}</td><td>${verdict(s.status)}</td><td class="n">${s.window.rows}</td><td class="n">${s.baseline.rows} (${s.baseline.slice === 'matching' ? 'matching slice' : 'whole baseline'})</td><td class="n">${pct(s.drift_share)}</td><td>${drifted.map(text).join(', ') || '–'}</td><td class="n">${s.feature_errors}</td></tr>`;
  });
  return `<h3>Segments</h3>
<table class="segments"><tr><th>segment</th><th>verdict</th><th>window rows</th><th>baseline rows</th><th>drift share</th><th>drifted features</th><th>features in error</th></tr>
${rows.join('\n')}
</table>`;
}

async function modelBody(m: ModelReport, id: string, state: string): Promise<string> {
  const features: string[] = [];
  for (const f of sorted(m.features)) features.push(await featureSection(m, f, `${id}-f${m.features.indexOf(f)}`));
  return `${header(m, state)}
${featureTable(m, id)}
${m.segments?.length ? segmentTable(m.segments) : ''}
${features.join('\n')}`;
}

async function modelSection(m: ModelReport, id: string, state: string): Promise<string> {
  return `<section class="model" data-model="${text(m.model)}">
<h2>${text(m.model)}</h2>
${await modelBody(m, id, state)}
</section>`;
}

/** One model over time: its steps, a line per feature across them (one plot per primary test and threshold), and the last step in full. */
async function overTimeSection(model: string, steps: readonly ModelReport[], id: string): Promise<string> {
  const groups = new Map<string, { test: TestId; threshold: number; rows: { as_of: string; feature: string; score: number | null }[] }>();
  for (const m of steps) {
    for (const f of m.features) {
      const key = `${f.decision.primary.test}\u0000${f.decision.primary.threshold}`;
      const g = groups.get(key) ?? { test: f.decision.primary.test, threshold: f.decision.primary.threshold, rows: [] };
      g.rows.push({ as_of: m.as_of, feature: printable(f.feature), score: f.score });
      groups.set(key, g);
    }
  }
  const plots: string[] = [];
  for (const g of groups.values()) {
    const title = `Score over time, primary test ${g.test} (threshold ${short(g.threshold)})`;
    try {
      plots.push(`<div class="plot over-time">${await toSvg(overTimeSpec(title, g.rows, g.threshold))}</div>`);
    } catch (err) {
      plots.push(`<p class="feature-error">${text(title)}: the plot could not be rendered: ${text(err instanceof Error ? err.message : String(err))}</p>`);
    }
  }
  const rows = steps.map((m) => `<tr class="${m.drift ? 'drift' : m.status === 'no_data' || m.feature_errors > 0 ? 'error' : ''}"><td>${text(m.as_of)}</td><td>${verdict(m.status)}</td><td class="n">${pct(m.drift_share)}</td><td class="n">${m.window.rows}</td><td class="n">${m.baseline.rows}</td><td>${text(range(m.baseline.start, m.baseline.end))}</td><td>${m.features.filter((f) => f.drift).map((f) => text(f.feature)).join(', ') || '–'}</td><td class="n">${m.feature_errors}</td></tr>`);
  const last = steps[steps.length - 1];
  return `<section class="model" data-model="${text(model)}">
<h2>${text(model)}: ${steps.length} step${steps.length === 1 ? '' : 's'}, ${text(steps[0].as_of)} … ${text(last.as_of)}</h2>
${plots.join('\n')}
<p class="note">A gap in a line: no score at that step (no data, or the feature could not be compared).</p>
<table class="steps"><tr><th>as_of</th><th>verdict</th><th>drift share</th><th>window rows</th><th>baseline rows</th><th>reference</th><th>drifted features</th><th>features in error</th></tr>
${rows.join('\n')}
</table>
<h3>The last step in full (as_of ${text(last.as_of)})</h3>
${await modelBody(last, id, '')}
</section>`;
}
