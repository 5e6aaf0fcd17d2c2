/**
 * The report's plots: Vega-Lite specs compiled by vega to static SVG in
 * Node. The only file that imports vega and vega-lite; nothing here runs in
 * the browser. Every plotted value comes from the report as it is: a curve
 * the report does not hold exactly (an ECDF between its known points) is
 * not drawn, its known points are.
 */
import { Error as ErrorLevel, logger, parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { FeatureReport } from '../types.js';

const BASELINE = '#8c8c8c';
const WINDOW = '#1f6fb4';
const NEW = '#d62728';
const VANISHED = '#9467bd';
const KS = '#d62728';

// No web font, no network: vega measures text with its own estimate when no canvas is installed.
// No ARIA labels: they repeat every datum (the tables hold the numbers) and would triple the page's size.
const CONFIG = {
  aria: false,
  font: 'sans-serif',
  view: { stroke: null },
  // No ticks and no legend (the page's key explains the colours once): a page of 200 features stays within 2 MB.
  axis: { labelFontSize: 10, titleFontSize: 11, grid: false, tickCount: 5, ticks: false, labelPadding: 3 },
  legend: { disable: true },
  title: { fontSize: 12, anchor: 'start' },
} as const;

/** Four significant digits: what a plot label needs, never a number's only appearance (the tables print them). */
export const short = (v: number): string => (Number.isInteger(v) && Math.abs(v) < 1e6 ? String(v) : Math.abs(v) >= 1e6 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(3) : String(Number(v.toPrecision(4))));

/** The labels of the decile bins: bin 0 is below the first edge, bin k is [edges[k−1], edges[k]), the last at or above the last edge. */
export function binLabels(edges: readonly number[]): string[] {
  if (edges.length === 0) return ['all'];
  return [`< ${short(edges[0])}`, ...edges.slice(1).map((e, k) => `[${short(edges[k])}, ${short(e)})`), `≥ ${short(edges[edges.length - 1])}`];
}

const SIDE_COLOR = { field: 'side', type: 'nominal', scale: { domain: ['baseline', 'window'], range: [BASELINE, WINDOW] }, title: null } as const;
const BIN_X = { field: 'bin', type: 'ordinal', sort: { field: 'k', op: 'min' } } as const;

/** Baseline and window over the decile bins (overlaid), beside the ECDFs' exact points with the KS distance marked; data: bins, points, ks. */
const NUMERIC = {
  config: CONFIG,
  hconcat: [
    {
      title: 'Share per baseline-decile bin',
      width: { step: 26 },
      height: 150,
      data: { name: 'bins' },
      layer: [
        {
          transform: [{ filter: { field: 'side', equal: 'baseline' } }],
          mark: { type: 'bar', fill: BASELINE, opacity: 0.45 },
          encoding: { x: { ...BIN_X, title: 'bin', axis: { labelAngle: -40 } }, y: { field: 'share', type: 'quantitative', title: 'share of rows' } },
        },
        {
          transform: [{ filter: { field: 'side', equal: 'window' } }],
          mark: { type: 'bar', fill: WINDOW, opacity: 0.75, width: { band: 0.5 } },
          encoding: { x: BIN_X, y: { field: 'share', type: 'quantitative' } },
        },
      ],
    },
    {
      title: 'ECDF points (exact; not joined: the curve between them is not in the report)',
      width: 280,
      height: 150,
      layer: [
        {
          data: { name: 'points' },
          mark: { type: 'point', filled: true, size: 24, opacity: 1 },
          encoding: {
            x: { field: 'x', type: 'quantitative', title: 'value', scale: { zero: false } },
            y: { field: 'y', type: 'quantitative', title: 'share of rows', scale: { domain: [0, 1] } },
            color: SIDE_COLOR,
            shape: { field: 'kind', type: 'nominal', scale: { domain: ['edge', 'quantile'], range: ['square', 'triangle-up'] }, title: null },
          },
        },
        {
          data: { name: 'ks' },
          layer: [
            { mark: { type: 'rule', color: KS, strokeWidth: 2 }, encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' } } },
            { mark: { type: 'text', color: KS, align: 'left', dx: 4, dy: -4, fontSize: 10 }, encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'hi', type: 'quantitative' }, text: { field: 'label' } } },
          ],
        },
      ],
    },
  ],
  resolve: { scale: { color: 'shared' } },
} as TopLevelSpec;

/** Baseline against window shares per category, new and vanished in colours of their own; data: rows. */
const CATEGORICAL = {
  config: CONFIG,
  title: 'Share per category: top movers, new and vanished',
  width: 300,
  height: { step: 9 },
  data: { name: 'rows' },
  mark: { type: 'bar' },
  encoding: {
    y: { field: 'row', type: 'nominal', sort: { field: 'i', op: 'min' }, title: null, axis: { labelLimit: 320 } },
    yOffset: { field: 'series', type: 'nominal', sort: ['baseline', 'baseline (vanished in window)', 'window', 'window (new category)'] },
    x: { field: 'share', type: 'quantitative', title: 'share of non-missing rows' },
    color: {
      field: 'series',
      type: 'nominal',
      scale: { domain: ['baseline', 'window', 'window (new category)', 'baseline (vanished in window)'], range: [BASELINE, WINDOW, NEW, VANISHED] },
      title: null,
    },
  },
} as TopLevelSpec;

/** A plot: which spec, and its named datasets. */
export interface Plot {
  spec: 'numeric' | 'categorical';
  data: Record<string, object[]>;
}

/** The numeric plot's data: the bins' shares, the ECDFs' exact points, where the KS distance is reached. */
export function numericPlot(f: FeatureReport): Plot {
  const d = f.distribution!;
  const labels = binLabels(d.edges);
  const bins = labels.flatMap((bin, k) => [
    { bin, k, side: 'baseline', share: d.baseline_shares[k] },
    { bin, k, side: 'window', share: d.window_shares[k] },
  ]);
  // Exact ECDF points: the share of each side strictly below each decile edge (sums of the bins below it).
  const points: { x: number; y: number; side: string; kind: string }[] = [];
  let below = { baseline: 0, window: 0 };
  d.edges.forEach((x, k) => {
    below = { baseline: below.baseline + d.baseline_shares[k], window: below.window + d.window_shares[k] };
    points.push({ x, y: below.baseline, side: 'baseline', kind: 'edge' });
    points.push({ x, y: below.window, side: 'window', kind: 'edge' });
  });
  for (const side of ['baseline', 'window'] as const) {
    const q = d[side].quantiles;
    if (q) for (const [name, x] of Object.entries(q)) points.push({ x, y: Number(name.slice(1)) / 100, side, kind: 'quantile' });
  }
  const at = d.ks_at;
  const ks = f.tests.ks?.statistic;
  const lo = Math.min(at.baseline_ecdf, at.window_ecdf);
  const hi = Math.max(at.baseline_ecdf, at.window_ecdf);
  const label = `KS D = ${short(ks ?? hi - lo)} ${at.below ? 'just below' : 'at'} x = ${short(at.x)}`;
  return { spec: 'numeric', data: { bins, points, ks: [{ x: at.x, lo, hi, label }] } };
}

/** A category as a label: JSON-quoted (so that "" and " " differ and a quote is visible), tagged new or vanished. */
function categoryLabel(c: string, tag: string, printable: (s: string) => string): string {
  const q = printable(JSON.stringify(c));
  return `${tag}${q.length > 40 ? `${q.slice(0, 39)}…` : q}`;
}

/** The categorical plot's data: the top movers, new and vanished categories, largest share first. */
export function categoricalPlot(f: FeatureReport, printable: (s: string) => string): Plot {
  const c = f.categories!;
  const rows = new Map<string, { label: string; baseline: number; window: number; kind: 'moved' | 'new' | 'vanished' }>();
  for (const n of c.new) rows.set(n.category, { label: categoryLabel(n.category, 'new: ', printable), baseline: 0, window: n.window_share, kind: 'new' });
  for (const v of c.vanished) rows.set(v.category, { label: categoryLabel(v.category, 'vanished: ', printable), baseline: v.baseline_share, window: 0, kind: 'vanished' });
  for (const m of c.top_movers) {
    if (rows.has(m.category)) continue;
    const kind = m.baseline_share === 0 ? 'new' : m.window_share === 0 ? 'vanished' : 'moved';
    rows.set(m.category, { label: categoryLabel(m.category, kind === 'moved' ? '' : `${kind}: `, printable), baseline: m.baseline_share, window: m.window_share, kind });
  }
  const ordered = [...rows.values()].sort((a, b) => Math.max(b.baseline, b.window) - Math.max(a.baseline, a.window));
  // Two truncated labels can read alike: the rank keeps every row its own.
  const values = ordered.flatMap((r, i) => [
    { row: `${i + 1}. ${r.label}`, i, series: r.kind === 'vanished' ? 'baseline (vanished in window)' : 'baseline', share: r.baseline },
    { row: `${i + 1}. ${r.label}`, i, series: r.kind === 'new' ? 'window (new category)' : 'window', share: r.window },
  ]);
  return { spec: 'categorical', data: { rows: values } };
}

/** One line per feature: its score at each step (a step without a score leaves a gap), and the threshold they share. */
export function overTimeSpec(title: string, rows: { as_of: string; feature: string; score: number | null }[], threshold: number): TopLevelSpec {
  return {
    config: CONFIG,
    title,
    width: 560,
    height: 200,
    layer: [
      {
        data: { values: rows },
        mark: { type: 'line', point: { size: 18 }, invalid: 'break-paths-show-domains' },
        encoding: {
          x: { field: 'as_of', type: 'temporal', title: 'window end (as_of, UTC)', axis: { format: '%Y-%m-%d %H:%M' }, scale: { type: 'utc' } },
          y: { field: 'score', type: 'quantitative', title: 'score' },
          color: { field: 'feature', type: 'nominal', title: null, legend: { disable: false, orient: 'bottom', direction: 'horizontal', columns: 4, labelLimit: 160, labelFontSize: 10 } },
        },
      },
      {
        data: { values: [{ threshold, label: `threshold ${short(threshold)}` }] },
        layer: [
          { mark: { type: 'rule', strokeDash: [4, 3], color: '#555' }, encoding: { y: { field: 'threshold', type: 'quantitative' } } },
          { mark: { type: 'text', align: 'left', dy: -5, fontSize: 10, color: '#555' }, encoding: { y: { field: 'threshold', type: 'quantitative' }, text: { field: 'label' }, x: { value: 2 } } },
        ],
      },
    ],
  } as TopLevelSpec;
}

// Elements vega's SVG renderer writes; anything else in its output is refused, not embedded.
const ELEMENTS = new Set(['svg', 'g', 'path', 'rect', 'line', 'text', 'tspan', 'title', 'defs', 'clipPath', 'circle', 'ellipse', 'polygon', 'polyline', 'desc']);

/**
 * The SVG, checked before it is embedded: vega escapes every text it
 * writes, and this makes sure of it (only drawing elements, no event
 * handler, no link), so that no value from the data can become markup.
 */
export function checkedSvg(svg: string): string {
  for (const m of svg.matchAll(/<\/?([A-Za-z][\w:.-]*)/g)) if (!ELEMENTS.has(m[1])) throw new Error(`the plot's SVG holds a <${m[1]}> element, which the report does not embed`);
  if (/\s(on[a-z]+|[\w:]*href)\s*=/i.test(svg) || /<!|<\?/.test(svg.replace(/^<\?xml[^>]*\?>/, ''))) throw new Error('the plot\'s SVG holds an event handler, a link or a declaration, which the report does not embed');
  return svg;
}

/**
 * Vega's SVG, smaller: screen coordinates to 0.1 px, and without what
 * draws nothing (classes, roles, pointer events, default opacity and stroke
 * width, empty backgrounds, groups without attributes); the font, and the
 * text size and colour vega gives most labels, come from the page's CSS.
 * Only markup is touched; text stays as vega escaped it.
 */
function compact(svg: string): string {
  const flat = svg
    .replace(/ xmlns:xlink="[^"]*" version="1.1"| (?:class|role|aria-[a-z]+|pointer-events)="[^"]*"| (?:opacity|stroke-width)="1"(?=[ />])| font-family="sans-serif"| transform="translate\(0,0\)"/g, '')
    .replace(/(<text[^>]*?) font-size="10px"([^>]*?) fill="#000"/g, '$1$2')
    // A path with nothing but its outline inherits the root's fill="none" and no stroke: the empty backgrounds.
    .replace(/<path d="[^"]*"(?: display="none")?\/>/g, '')
    .replace(/ (transform|d|x|y|x1|x2|y1|y2|width|height)="([^"]*)"/g, (_, name: string, v: string) => ` ${name}="${v.replace(/-?\d*\.\d{2,}/g, (n) => String(Math.round(Number(n) * 10) / 10))}"`);
  // A <g> without attributes groups nothing: drop it and its closing tag.
  const open: boolean[] = [];
  return flat.replace(/<g>|<g |<\/g>/g, (tag) => {
    if (tag === '<g>') return (open.push(false), '');
    if (tag === '<g ') return (open.push(true), tag);
    return open.pop() ? tag : '';
  });
}

// Warnings would go to stderr, next to a report on stdout; errors still throw.
const parsed = (spec: TopLevelSpec) => parse(compile(spec, { logger: logger(ErrorLevel) }).spec);

/** The fixed specs, compiled once per process (compiling costs more than drawing). */
const RUNTIMES: Partial<Record<Plot['spec'], ReturnType<typeof parse>>> = {};

async function draw(runtime: ReturnType<typeof parse>, data: Record<string, object[]> = {}): Promise<string> {
  const view = new View(runtime, { renderer: 'none', logLevel: ErrorLevel });
  try {
    for (const [name, values] of Object.entries(data)) view.data(name, values);
    return checkedSvg(compact(await view.toSVG()));
  } finally {
    view.finalize();
  }
}

/** A feature's plot as SVG, headless. */
export function plotSvg(plot: Plot): Promise<string> {
  const runtime = (RUNTIMES[plot.spec] ??= parsed(plot.spec === 'numeric' ? NUMERIC : CATEGORICAL));
  return draw(runtime, plot.data);
}

/** Compiles a Vega-Lite spec (with its data inline) and renders it to SVG, headless. */
export function toSvg(spec: TopLevelSpec): Promise<string> {
  return draw(parsed(spec));
}
