// Conformance with the SciPy reference (test/fixtures/reference): every case, every statistic, within the
// stated tolerances, down every path production reads a numeric window by.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareCategorical, type Comparison, type SideDescription } from '../../src/stats/index.js';
import { DEFAULTS } from '../../src/config/defaults.js';
import { ksPValue } from '../../src/stats/tests/ks.js';
import { kstwoSf } from '../../src/stats/kolmogorov.js';
import { QUANTILE_NAMES } from '../../src/stats/bins.js';
import { baselineMad, baselineMagnitude, baselineStd, describeSorted } from '../../src/stats/streaming/baseline-summary.js';
import { baselineScale } from '../../src/stats/tests/wasserstein.js';
import { compareSamples, NUMERIC_PATHS, type NumericPath } from '../helpers/numeric.js';
import { closeP, closeStat, loadReferenceCases, type ReferenceCase } from '../helpers/reference.js';

const cases = loadReferenceCases();

function assertStat(got: number | undefined, want: number, what: string): void {
  assert.ok(got !== undefined && closeStat(got, want), `${what}: got ${got}, want ${want}`);
}
/**
 * Mean, std and quantiles: within 1e-9 relative to the value, or to the side's std (a mean or quantile near 0
 * of spread-out data). NumPy's std is exact only to the rounding of its mean (a few ulps of |mean|), which is
 * what a std near 0 of values near 1e6 differs by (num_constant_rounding_noise: ours is the exact one).
 */
function assertDescribed(got: SideDescription, want: any, path: NumericPath, what: string): void {
  const close = (g: number | null | undefined, w: number, label: string, floor = want.std) =>
    assert.ok(typeof g === 'number' && (g === w || Math.abs(g - w) <= Math.max(1e-9 * Math.max(Math.abs(w), floor), 0)), `${what} ${label}: got ${g}, want ${w}`);
  close(got.mean, want.mean, 'mean');
  if (got.std === null) assert.ok(path.grid && got.reason, `${what} std: null only on the grid path, with a reason`);
  else close(got.std, want.std, 'std', (4 * Number.EPSILON * Math.abs(want.mean)) / 1e-9);
  // Exact on every path: a streamed window's quantiles come from its order statistics, found by its passes.
  assert.ok(got.quantiles !== null, `${what} quantiles on the ${path.name} path: ${got.reason}`);
  for (const [name, w] of Object.entries(want.quantiles) as [string, number][]) close(got.quantiles[name as keyof typeof got.quantiles], w, name);
}

function assertP(got: number | undefined, want: number, what: string): void {
  assert.ok(got !== undefined && closeP(got, want), `${what}: got ${got}, want ${want}`);
}

/** Splits a case's side into row count, missing count and valid values, as the data layer does in SQL. */
function split(c: ReferenceCase, side: 'baseline' | 'window') {
  const values = c[side];
  if (c.type === 'numeric') {
    const valid = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
    return { rows: values.length, missing: values.length - valid.length, numeric: Float64Array.from(valid).sort(), counts: new Map<string, number>() };
  }
  const counts = new Map<string, number>();
  let missing = 0;
  for (const v of values) {
    if (v === null) missing++;
    else counts.set(String(v), (counts.get(String(v)) ?? 0) + 1);
  }
  return { rows: values.length, missing, numeric: new Float64Array(), counts };
}

test('the reference holds cases of both types, extreme but finite values, and a few hundred categories', () => {
  assert.ok(cases.some((c) => c.type === 'numeric') && cases.some((c) => c.type === 'categorical'));
  const big = (c: ReferenceCase) => c.baseline.concat(c.window).some((v) => typeof v === 'number' && Math.abs(v) >= 1e308);
  assert.ok(cases.filter(big).length >= 3, 'cases with values near the largest double');
  assert.ok(cases.some((c) => c.type === 'categorical' && c.expected.tests.categories.length > 200));
});

for (const c of cases) for (const path of c.type === 'numeric' ? NUMERIC_PATHS : [NUMERIC_PATHS[0]]) {
  test(`reference case ${c.name} matches SciPy${c.type === 'numeric' ? ` (${path.name})` : ''}`, () => {
    const e = c.expected;
    const b = split(c, 'baseline');
    const w = split(c, 'window');
    assertStat(b.missing / b.rows, e.baseline.missing_ratio, 'baseline missing_ratio');
    assertStat(w.missing / w.rows, e.window.missing_ratio, 'window missing_ratio');
    const comparable = b.rows > b.missing && w.rows > w.missing;
    assert.equal(comparable, e.tests !== null, 'whether any test applies');
    if (!comparable) return;

    let result: Comparison;
    if (c.type === 'numeric') {
      result = compareSamples(b.numeric, w.numeric, path)!;
      const t = e.tests;
      assertStat(result.tests.ks?.statistic, t.ks.statistic, 'ks statistic');
      assertP(result.tests.ks?.p_value, t.ks.p_value, `ks p_value (${t.ks.p_value_method})`);
      const n = b.numeric.length;
      const m = w.numeric.length;
      assertP(kstwoSf(Math.round((n * m) / (n + m)), result.tests.ks!.statistic), t.ks.p_value_asymp, 'ks p_value_asymp');
      assert.equal(Math.max(n, m) <= 10000 ? 'exact' : 'asymp', t.ks.p_value_method);
      assert.deepEqual([...result.buckets.edges!].length, t.bins.edges.length, 'number of bin edges');
      t.bins.edges.forEach((edge: number, i: number) => assertStat(result.buckets.edges![i], edge, `bin edge ${i}`));
      assert.deepEqual([...result.buckets.baseline], t.bins.baseline_counts, 'baseline bin counts');
      assert.deepEqual([...result.buckets.window], t.bins.window_counts, 'window bin counts');
      assertStat(result.tests.wasserstein?.statistic, t.wasserstein.statistic, 'wasserstein statistic');
      assertStat(result.tests.wasserstein?.normed, t.wasserstein.normed, 'wasserstein normed');
      const [sd, mad] = [baselineStd(b.numeric), baselineMad(b.numeric)];
      assertStat(sd, t.wasserstein.std, 'baseline std');
      if (t.wasserstein.mad === null) assert.equal(mad, Infinity, 'a MAD above the largest double');
      else assertStat(mad, t.wasserstein.mad, 'baseline MAD');
      assertStat(baselineScale(sd, mad), t.wasserstein.scale, 'normed scale');
      assertStat(baselineMagnitude(b.numeric), t.wasserstein.magnitude, 'baseline median |x|');
      // Not in the reference: checked against its definition on the raw values.
      const lo = b.numeric[0];
      const hi = b.numeric[b.numeric.length - 1];
      const outside = [...w.numeric].filter((x) => x < lo || x > hi).length / m;
      assertStat(result.out_of_range_ratio, outside, 'out_of_range_ratio');
      assert.equal(ksPValue(result.tests.ks!.statistic, n, m), result.tests.ks!.p_value);
      // What moved: the bins as shares, both sides' mean, std and quantiles.
      const dist = result.distribution!;
      assert.deepEqual(dist.edges, [...result.buckets.edges!]);
      dist.baseline_shares.forEach((p, i) => assertStat(p, t.bins.baseline_counts[i] / n, `baseline share ${i}`));
      dist.window_shares.forEach((p, i) => assertStat(p, t.bins.window_counts[i] / m, `window share ${i}`));
      assertDescribed(dist.baseline, t.describe.baseline, path, 'baseline');
      assertDescribed(dist.window, t.describe.window, path, 'window');
      // Every path gives the kept window's quantiles to the bit (=== : -0 and +0 are one value to NumPy's sort).
      const kept = describeSorted(w.numeric).quantiles!;
      QUANTILE_NAMES.forEach((name, i) => assert.ok(dist.window.quantiles![name] === kept[i], `window ${name}: ${dist.window.quantiles![name]} vs the kept window's ${kept[i]}`));
    } else {
      // The production default cap: every category of the reference is tested on its own, as SciPy does.
      result = compareCategorical(b.counts, w.counts, DEFAULTS.max_categories);
      const t = e.tests;
      assert.equal(result.merged_categories, 0, 'no category merged');
      assert.deepEqual(result.buckets.categories, t.categories, 'categories');
      assert.deepEqual([...result.buckets.baseline], t.baseline_counts, 'baseline counts');
      assert.deepEqual([...result.buckets.window], t.window_counts, 'window counts');
      assertStat(result.unseen_ratio, t.unseen_ratio, 'unseen_ratio');
      assert.equal(result.tests.ks, undefined, 'no KS on categories');
      assert.equal(result.tests.wasserstein, undefined, 'no Wasserstein on categories');
      // The SciPy side lists shares of the same counts: equal up to rounding, the order exactly.
      const got = result.categories!;
      const want = t.movers;
      assert.deepEqual(got.top_movers.map((x) => x.category), want.top_movers.map((x: any) => x.category), 'top movers');
      got.top_movers.forEach((x, i) => {
        assertStat(x.baseline_share, want.top_movers[i].baseline_share, `${x.category} baseline share`);
        assertStat(x.window_share, want.top_movers[i].window_share, `${x.category} window share`);
      });
      assert.deepEqual(got.new.map((x) => x.category), want.new.map((x: any) => x.category), 'new categories');
      got.new.forEach((x, i) => assertStat(x.window_share, want.new[i].window_share, `${x.category} window share`));
      assert.deepEqual(got.vanished.map((x) => x.category), want.vanished.map((x: any) => x.category), 'vanished categories');
      got.vanished.forEach((x, i) => assertStat(x.baseline_share, want.vanished[i].baseline_share, `${x.category} baseline share`));
      assert.deepEqual([got.new_others, got.vanished_others], [want.new_others, want.vanished_others], 'how many more');
    }
    const t = e.tests;
    assertStat(result.tests.chi2?.statistic, t.chi2.statistic, 'chi2 statistic');
    assertP(result.tests.chi2?.p_value, t.chi2.p_value, 'chi2 p_value');
    assert.equal(result.tests.chi2?.dof, t.chi2.dof, 'chi2 dof');
    assertStat(result.tests.js?.statistic, t.js.statistic, 'js');
    assertStat(result.tests.psi?.statistic, t.psi.statistic, 'psi');
  });
}
