// What moved inside a feature, through runModel on Parquet: the numbers NumPy gives on the same data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { resolveConfig } from '../../src/config/index.js';
import { runModel } from '../../src/engine/index.js';
import { formatReport } from '../../src/report/index.js';
import { tempDir, writeParquet } from '../helpers/fixtures.js';

function model(over: Record<string, unknown>) {
  return resolveConfig({ models: [{ name: 'm', ...over }] }, 'test', '/').models[0];
}

// Computed once with NumPy 1.x/2.x on the same formulas (np.mean, np.std, np.quantile(method="linear")):
//   b = [(i*37 % 1000)/10 for i in range(3000)]; w = [(i*53 % 700)/7 + 20 for i in range(2000) if i % 10 != 0]
const WANT = {
  baseline: { mean: 49.95, std: 28.86749902572095, quantiles: [0.9990000000000002, 4.995000000000002, 24.975, 49.95, 74.92500000000001, 94.90499999999997, 98.90099999999998] },
  window: { mean: 69.98412698412699, std: 28.87936787114525, quantiles: [21.0, 25.135714285714286, 44.964285714285715, 69.78571428571429, 95.0, 115.00714285714285, 119.00142857142858] },
  edges: [9.990000000000004, 19.980000000000008, 29.96999999999999, 39.960000000000015, 49.95, 59.93999999999998, 69.92999999999998, 79.92000000000003, 89.91],
  windowShares: [0.0, 0.0, 0.09944444444444445, 0.1, 0.10166666666666667, 0.09944444444444445, 0.10111111111111111, 0.09888888888888889, 0.09944444444444445, 0.3],
};
const NAMES = ['p1', 'p5', 'p25', 'p50', 'p75', 'p95', 'p99'];

const close = (got: number | null | undefined, want: number, what: string) =>
  assert.ok(typeof got === 'number' && Math.abs(got - want) <= 1e-12 * Math.max(1, Math.abs(want)), `${what}: got ${got}, want ${want}`);

for (const collectValues of [undefined, 0]) {
  const grid = collectValues === 0;
  test(`a numeric feature reports its decile shares, both sides' quantiles, mean and std (${grid ? 'grid path' : 'kept window'})`, async (t) => {
    const dir = tempDir(t);
    const baseline = await writeParquet(path.join(dir, 'b.parquet'), `SELECT (i * 37 % 1000) / 10.0 AS x FROM range(3000) t(i)`);
    const window = await writeParquet(path.join(dir, 'w.parquet'), `SELECT CASE WHEN i % 10 = 0 THEN NULL ELSE (i * 53 % 700) / 7.0 + 20 END AS x FROM range(2000) t(i)`);
    const r = await runModel(model({ baseline, window }), { collectValues });
    const x = r.features.find((f) => f.feature === 'x')!;
    const d = x.distribution!;
    assert.ok(d, 'a distribution');
    d.edges.forEach((e, i) => close(e, WANT.edges[i], `edge ${i}`));
    d.baseline_shares.forEach((p) => close(p, 0.1, 'baseline decile share'));
    d.window_shares.forEach((p, i) => close(p, WANT.windowShares[i], `window share ${i}`));
    close(d.baseline.mean, WANT.baseline.mean, 'baseline mean');
    close(d.baseline.std, WANT.baseline.std, 'baseline std');
    NAMES.forEach((name, i) => close(d.baseline.quantiles![name as 'p1'], WANT.baseline.quantiles[i], `baseline ${name}`));
    close(d.window.mean, WANT.window.mean, 'window mean');
    close(d.window.std, WANT.window.std, 'window std');
    // A streamed window too: its passes find the order statistics the quantiles interpolate between.
    assert.deepEqual(Object.keys(d.window.quantiles!), NAMES);
    NAMES.forEach((name, i) => close(d.window.quantiles![name as 'p1'], WANT.window.quantiles[i], `window ${name}`));
    assert.equal(d.window.reason, undefined);
    assert.deepEqual(Object.keys(d), ['edges', 'baseline_shares', 'window_shares', 'baseline', 'window', 'ks_at']);
    // scipy.stats.ks_2samp(b, w): statistic 0.203, statistic_location 31.7, where F_b = 0.318 and F_w = 0.115.
    const at = d.ks_at;
    close(Math.abs(at.baseline_ecdf - at.window_ecdf), x.tests.ks!.statistic, 'the ECDF gap at the KS location is D');
    close(x.tests.ks!.statistic, 0.203, 'D');
    if (!grid) assert.deepEqual(at, { x: 31.7, below: false, baseline_ecdf: 0.318, window_ecdf: 0.115 });
  });
}

test('a categorical feature reports its top movers, new and vanished categories; the table names the top new one', async (t) => {
  const dir = tempDir(t);
  const baseline = await writeParquet(path.join(dir, 'b.parquet'), `SELECT ['a','b','c','d'][1 + i % 4] AS c FROM range(3000) t(i)`);
  const window = await writeParquet(path.join(dir, 'w.parquet'), `SELECT ['a','a','b','e','e','f','g'][1 + i % 7] AS c FROM range(2100) t(i)`);
  const r = await runModel(model({ baseline, window }));
  const c = r.features.find((f) => f.feature === 'c')!;
  // Baseline a, b, c, d: 1/4 each. Window a 2/7, b 1/7, e 2/7, f 1/7, g 1/7 (2100 rows).
  assert.deepEqual(c.categories, {
    top_movers: [
      { category: 'e', baseline_share: 0, window_share: 600 / 2100 },
      { category: 'c', baseline_share: 0.25, window_share: 0 },
      { category: 'd', baseline_share: 0.25, window_share: 0 },
      { category: 'f', baseline_share: 0, window_share: 300 / 2100 },
      { category: 'g', baseline_share: 0, window_share: 300 / 2100 },
      { category: 'b', baseline_share: 0.25, window_share: 300 / 2100 },
      { category: 'a', baseline_share: 0.25, window_share: 600 / 2100 },
    ],
    new: [
      { category: 'e', window_share: 600 / 2100 },
      { category: 'f', window_share: 300 / 2100 },
      { category: 'g', window_share: 300 / 2100 },
    ],
    new_others: 0,
    vanished: [
      { category: 'c', baseline_share: 0.25 },
      { category: 'd', baseline_share: 0.25 },
    ],
    vanished_others: 0,
  });
  assert.deepEqual(Object.keys(c), ['feature', 'type', 'role', 'critical', 'missing_ratio', 'baseline_missing_ratio', 'tests', 'unseen_ratio', 'score', 'drift', 'categories', 'decision']);
  const table = formatReport({ generated_at: '', models: [r] }, 'table');
  assert.match(table, /unseen 57\.1%, top new "e" 28\.6% \(\+2 more\)/);
});
