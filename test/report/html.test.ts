// The HTML report's content, in Node: what each part shows for reports the engine makes (and, for
// segments, which another part of the engine fills, a report of the contract's shape).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { resolveConfig } from '../../src/config/index.js';
import { runModel } from '../../src/engine/index.js';
import { checkedSvg, numericPlot, short } from '../../src/report/html/charts.js';
import { renderHtml } from '../../src/report/html/index.js';
import type { ModelReport, SegmentReport } from '../../src/report/index.js';
import { tempDir, writeParquet } from '../helpers/fixtures.js';

function model(over: Record<string, unknown>) {
  return resolveConfig({ models: [{ name: 'm', ...over }] }, 'test', '/').models[0];
}

const page = (models: ModelReport[], overTime = false) => renderHtml({ report: { generated_at: '2026-01-01T00:00:00.000Z', models }, title: 't', overTime });
const svgCount = (html: string) => html.split('<svg').length - 1;

test('the ECDF plot shows only exact points: the shares below each decile edge, the reported quantiles, and the KS gap where it is reached', async (t) => {
  const dir = tempDir(t);
  const baseline = await writeParquet(path.join(dir, 'b.parquet'), `SELECT (i * 37 % 1000) / 10.0 AS x FROM range(3000) t(i)`);
  const window = await writeParquet(path.join(dir, 'w.parquet'), `SELECT (i * 53 % 700) / 7.0 + 20 AS x FROM range(2000) t(i)`);
  for (const collectValues of [undefined, 0]) {
    const r = await runModel(model({ baseline, window }), { collectValues });
    const f = r.features[0];
    const d = f.distribution!;
    const plot = numericPlot(f);
    const points = plot.data.points as { x: number; y: number; side: string; kind: string }[];
    const edges = points.filter((p) => p.kind === 'edge');
    assert.deepEqual(edges.filter((p) => p.side === 'baseline').map((p) => p.x), d.edges);
    let below = 0;
    edges.filter((p) => p.side === 'window').forEach((p, k) => {
      below += d.window_shares[k];
      assert.equal(p.y, below, `window share below edge ${k}`);
    });
    const quantiles = points.filter((p) => p.kind === 'quantile');
    // Both sides' quantiles, a streamed window's too (exact: its passes find them).
    assert.equal(quantiles.length, 14);
    assert.deepEqual(quantiles.filter((p) => p.side === 'window').map((p) => p.x), Object.values(d.window.quantiles!));
    const [ks] = plot.data.ks as { x: number; lo: number; hi: number }[];
    assert.deepEqual([ks.x, ks.lo, ks.hi], [d.ks_at.x, Math.min(d.ks_at.baseline_ecdf, d.ks_at.window_ecdf), Math.max(d.ks_at.baseline_ecdf, d.ks_at.window_ecdf)]);
    const html = await page([r]);
    assert.match(html, new RegExp(`KS D = ${short(f.tests.ks!.statistic)} (at|just below) x = ${short(d.ks_at.x)}`));
    assert.doesNotMatch(html, /quantiles not shown/);
    assert.equal(svgCount(html), 1);
  }
});

test('a model with no data says so, and draws no plot', async (t) => {
  const dir = tempDir(t);
  const baseline = await writeParquet(path.join(dir, 'b.parquet'), `SELECT i::DOUBLE AS x, TIMESTAMP '2026-01-01' + to_minutes(i) AS ts FROM range(100) t(i)`);
  const r = await runModel(model({ baseline, window: baseline, timestamp_column: 'ts', window_duration: '1h' }), { asOf: new Date('2030-01-01T00:00:00Z') });
  assert.equal(r.status, 'no_data');
  const html = await page([r]);
  assert.match(html, /NO DATA: nothing could be compared/);
  assert.match(html, /no feature could be compared/);
  assert.match(html, /Not compared: the model had no data/);
  assert.equal(svgCount(html), 0);
});

function segment(key: Record<string, string | null>, drift: boolean, over: Partial<SegmentReport> = {}): SegmentReport {
  return { key, other: false, merged: 1, status: drift ? 'drift' : 'ok', window: { rows: 100 }, baseline: { rows: 1000, slice: 'matching' }, features: [], drift_share: drift ? 1 : 0, drift, feature_errors: 0, ...over };
}

test('segments are a table of their verdicts, drifted ones highlighted, keys escaped; an unsegmented model has none', async () => {
  const base: ModelReport = {
    model: 'seg',
    status: 'ok',
    as_of: '2026-01-01T00:00:00.000Z',
    window: { rows: 300, start: null, end: null, newest_event: null },
    baseline: { rows: 3000, sha256: 'ab'.repeat(32), start: null, end: null },
    features: [],
    drift_share: 0,
    drift_share_threshold: 0.5,
    drift: false,
    feature_errors: 0,
  };
  assert.doesNotMatch(await page([base]), /class="segments"/);
  const html = await page([
    {
      ...base,
      segments: [segment({ model_version: 'v2<i>' }, true), segment({ model_version: null }, false), segment({}, false, { other: true, merged: 7, baseline: { rows: 3000, slice: 'whole' } })],
    },
  ]);
  const table = html.slice(html.indexOf('<table class="segments">'), html.indexOf('</table>', html.indexOf('<table class="segments">')));
  const rows = table.split('<tr').slice(2);
  assert.equal(rows.length, 3);
  assert.match(rows[0], /^ class="drift"><td>model_version=&quot;v2&lt;i&gt;&quot;<\/td>/);
  assert.match(rows[1], /^ class=""><td>model_version=NULL<\/td>/);
  assert.match(rows[2], /other \(7 smallest segments merged\)[\s\S]*whole baseline/);
  assert.ok(!html.includes('<i>'), 'nothing unescaped');
});

test('over time: one line plot per primary test and threshold, a row per step, and the last step in full', async (t) => {
  const dir = tempDir(t);
  const baseline = await writeParquet(path.join(dir, 'b.parquet'), `SELECT TIMESTAMP '2026-03-01' + to_minutes(i) AS ts, (i % 50)::DOUBLE AS x, ['a','b'][1 + i % 2] AS c FROM range(3000) t(i)`);
  const m = model({ baseline, window: baseline, timestamp_column: 'ts', window_duration: '12h' });
  const steps = [];
  for (const asOf of ['2026-03-02T00:00:00Z', '2026-03-05T00:00:00Z', '2026-03-03T00:00:00Z']) steps.push(await runModel(m, { asOf: new Date(asOf) }));
  assert.equal(steps[1].status, 'no_data', 'a step past the data');
  const html = await page(steps, true);
  assert.match(html, /3 steps/);
  assert.equal((html.match(/class="plot over-time"/g) ?? []).length, 2, 'wasserstein and js');
  assert.equal((html.match(/<table class="steps">/g) ?? []).length, 1);
  assert.match(html, /The last step in full \(as_of 2026-03-03T00:00:00.000Z\)/);
  // Two over-time plots plus the last step's two features.
  assert.equal(svgCount(html), 4);
});

test('control and bidi-override characters in names are shown as escapes', async (t) => {
  const dir = tempDir(t);
  const baseline = await writeParquet(path.join(dir, 'b.parquet'), `SELECT ['a', 'evil' || chr(8238) || 'txt'][1 + i % 2] AS "f${'\u202e'}x" FROM range(200) t(i)`);
  const r = await runModel(model({ baseline, window: baseline }));
  const html = await page([r]);
  assert.ok(!html.includes('\u202e'), 'no raw bidi override');
  assert.ok(html.includes('f\\u202ex'), 'the feature name, escaped');
});

test('an SVG with anything but drawing elements is refused, not embedded', () => {
  const ok = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><g transform="translate(1,1)"><text>&lt;script&gt;</text></g></svg>';
  assert.equal(checkedSvg(ok), ok);
  for (const bad of ['<svg><script>alert(1)</script></svg>', '<svg><foreignObject></foreignObject></svg>', '<svg><g onload="alert(1)"></g></svg>', '<svg><a href="http://x"></a></svg>', '<svg><use xlink:href="#x"/></svg>', '<svg><!ENTITY x "y"></svg>', '<svg><image href="http://x/y.png"/></svg>']) {
    assert.throws(() => checkedSvg(bad), /does not embed/, bad);
  }
});
