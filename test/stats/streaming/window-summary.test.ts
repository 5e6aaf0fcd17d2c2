// The streaming summary gives the sort-based results: D and bins exactly, W1 to rounding.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareNumeric, type Comparison } from '../../../src/stats/index.js';
import { QUANTILE_NAMES } from '../../../src/stats/bins.js';
import { baselineMad, baselineMagnitude, baselineStd, describeSorted, summarizeBaseline } from '../../../src/stats/streaming/baseline-summary.js';
import { InconsistentPassError, WindowSummary, type PassLimits } from '../../../src/stats/streaming/window-summary.js';
import { KERNEL_LIMIT, sortDoubles, warmKernels } from '../../../src/stats/streaming/kernels.js';
import { rng } from '../../helpers/random.js';
import { ecdf, madNormal, oracleComparison, oracleSummary } from '../../helpers/sorted-oracle.js';

/** Streams `window` (missing values included, unsorted) through a WindowSummary in chunks, pass after pass. */
function streamed(baselineSorted: Float64Array, window: Float64Array, limits: Partial<PassLimits> = {}, chunk = 97): { cmp: Comparison; passes: number } {
  // "Collect all" means room for the whole window.
  if (limits.collectAll !== undefined) limits = { ...limits, collectAll: Math.min(limits.collectAll, window.length) };
  // "Guess" means a first pass told the window's length, with a prefix small enough for these windows.
  if ((limits as Limits).guess) limits = { buffer: 97, ...limits, expect: window.length, speculate: { prefix: 200, store: 4000 } };
  const s = new WindowSummary(summarizeBaseline(baselineSorted, limits.buckets), limits);
  const buf = new Float64Array(chunk);
  do {
    for (let at = 0; at < window.length; at += chunk) {
      const n = Math.min(chunk, window.length - at);
      buf.set(window.subarray(at, at + n));
      s.add(buf, n);
    }
  } while (s.endPass());
  return { cmp: compareNumeric(s.finish()), passes: s.passes };
}

function sortedFinite(a: Float64Array): Float64Array {
  return Float64Array.from([...a].filter((x) => Number.isFinite(x))).sort();
}

/**
 * Pass limits that force every path: the default (a grid of every point for
 * these sizes), coarse grids settled by one collecting pass (also with values
 * buffered a few at a time), grids so
 * coarse, with so little room to collect, that open intervals are split
 * again, between points and by value inside gaps, over several passes, and
 * no grid at all (every value kept, then sorted and merged): by the
 * WebAssembly kernels, and by the JavaScript path that inputs too large for
 * them take.
 */
type Limits = Partial<PassLimits> & { noKernels?: true; guess?: true };
// A buffer of 61 values, shorter than a chunk (97): values are counted a few at a time, a chunk's across two counts.
// "guess": the first pass guesses its open intervals (speculation.ts) from a prefix of 200 values.
const LIMITS: Limits[] = [
  {},
  { buckets: 64 },
  { buckets: 64, buffer: 61 },
  { buckets: 16, values: 8 },
  { buckets: 12, values: 0 },
  { guess: true },
  { buckets: 64, buffer: 61, guess: true },
  { buckets: 16, values: 8, guess: true },
  { collectAll: Number.MAX_SAFE_INTEGER },
  { collectAll: Number.MAX_SAFE_INTEGER, noKernels: true },
];

/** Runs f with the kernels' memory limit at 0, so every sort and merge takes the JavaScript path. */
function withoutKernels<T>(f: () => T): T {
  const bytes = KERNEL_LIMIT.bytes;
  KERNEL_LIMIT.bytes = 0;
  try {
    return f();
  } finally {
    KERNEL_LIMIT.bytes = bytes;
  }
}

/** Asserts the streamed comparison equals the sort-based one under each of LIMITS; returns the passes each took. */
function assertSame(baseline: Float64Array, window: Float64Array, what: string): number[] {
  return LIMITS.map((limits) => assertSameWith(baseline, window, `${what} ${JSON.stringify(limits)}`, limits));
}

function assertSameWith(baseline: Float64Array, window: Float64Array, what: string, limits: Limits): number {
  const b = sortedFinite(baseline);
  const want = oracleComparison(b, sortedFinite(window));
  const { cmp: got, passes } = limits.noKernels ? withoutKernels(() => streamed(b, window, limits)) : streamed(b, window, limits);
  for (const [id, r] of Object.entries(got.tests)) for (const [k, v] of Object.entries(r!)) assert.ok(Number.isFinite(v), `${what}: ${id} ${k} is ${v}`);
  assert.equal(got.tests.ks!.statistic, want.tests.ks!.statistic, `${what}: KS D is exact`);
  assert.equal(got.tests.ks!.p_value, want.tests.ks!.p_value, `${what}: KS p-value`);
  const w = want.tests.wasserstein!.statistic;
  assert.ok(Math.abs(got.tests.wasserstein!.statistic - w) <= 1e-12 * Math.max(1e-300, Math.abs(w)) || got.tests.wasserstein!.statistic === w, `${what}: W1 ${got.tests.wasserstein!.statistic} vs ${w}`);
  assert.ok(Math.abs(got.tests.wasserstein!.normed! - want.tests.wasserstein!.normed!) <= 1e-12 * Math.abs(want.tests.wasserstein!.normed!) || w === 0, `${what}: normed`);
  assert.deepEqual([...got.buckets.edges!], [...want.buckets.edges!], `${what}: edges`);
  assert.deepEqual([...got.buckets.baseline], [...want.buckets.baseline], `${what}: baseline bins`);
  assert.deepEqual([...got.buckets.window], [...want.buckets.window], `${what}: window bins`);
  assert.equal(got.out_of_range_ratio, want.out_of_range_ratio, `${what}: out_of_range_ratio`);
  for (const id of ['chi2', 'js', 'psi'] as const) assert.deepEqual(got.tests[id], want.tests[id], `${what}: ${id}`);
  assertKsLocation(got, b, sortedFinite(window), what);
  assertQuantiles(got, window, what);
  return passes;
}

/** The window's quantiles are the kept path's (NumPy's linear interpolation of its finite values), to the bit. */
function assertQuantiles(got: Comparison, window: Float64Array, what: string): void {
  const want = describeSorted(sortedFinite(window)).quantiles!;
  const q = got.distribution!.window.quantiles;
  assert.ok(q, `${what}: window quantiles ${got.distribution!.window.reason}`);
  // === : NumPy orders -0 and +0 as equal, so neither path can tell which of them a rank holds.
  QUANTILE_NAMES.forEach((name, i) => assert.ok(q[name] === want[i], `${what}: window ${name} ${q[name]}, want ${want[i]}`));
}

/** The reported KS location holds the ECDFs by definition (at x, or just below it), and their gap is D. */
function assertKsLocation(got: Comparison, b: Float64Array, w: Float64Array, what: string): void {
  const at = got.distribution!.ks_at;
  assert.equal(at.baseline_ecdf, ecdf(b, at.x, at.below), `${what}: baseline ECDF at the KS location ${JSON.stringify(at)}`);
  assert.equal(at.window_ecdf, ecdf(w, at.x, at.below), `${what}: window ECDF at the KS location ${JSON.stringify(at)}`);
  const d = got.tests.ks!.statistic;
  assert.ok(Math.abs(Math.abs(at.baseline_ecdf - at.window_ecdf) - d) <= 1e-15 * d, `${what}: the gap at the KS location ${JSON.stringify(at)} is D = ${d}`);
}

type Gen = (u: () => number, i: number) => number;
const MISSING = [NaN, Infinity, -Infinity];

function sample(n: number, seed: number, gen: Gen, missingShare = 0.05): Float64Array {
  const u = rng(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = u() < missingShare ? MISSING[i % 3] : gen(u, i);
  return out;
}

const normal: (mean: number, sd: number) => Gen = (mean, sd) => (u) => mean + sd * Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());

const CASES: { name: string; b: Gen; w: Gen; nb: number; nw: number }[] = [
  { name: 'continuous, same distribution', b: normal(0, 1), w: normal(0, 1), nb: 3000, nw: 8000 },
  { name: 'continuous, shifted', b: normal(0, 1), w: normal(0.3, 1.2), nb: 2000, nw: 5000 },
  { name: 'heavy ties: small integers both sides', b: (u) => Math.floor(u() * 7), w: (u) => Math.floor(u() * 8) - 1, nb: 4000, nw: 6000 },
  { name: 'integer baseline, continuous window (wide crossing gaps)', b: (u) => Math.round(normal(0, 3)(u, 0)), w: normal(0.2, 3), nb: 3000, nw: 9000 },
  { name: 'window mostly out of range', b: (u) => u(), w: (u) => u() * 5 - 2, nb: 1000, nw: 3000 },
  { name: 'mixed scales and signs, zeros and negative zeros', b: (u) => (u() < 0.2 ? 0 : u() < 0.5 ? -0 : Math.exp(normal(0, 6)(u, 0)) * (u() < 0.5 ? -1 : 1)), w: (u) => (u() < 0.3 ? -0 : Math.exp(normal(0.1, 6)(u, 0)) * (u() < 0.5 ? -1 : 1)), nb: 2500, nw: 4000 },
  { name: 'single baseline value', b: () => 4.25, w: (u) => (u() < 0.5 ? 4.25 : u() * 10), nb: 50, nw: 700 },
  { name: 'tiny window', b: normal(10, 2), w: normal(10, 2), nb: 500, nw: 3 },
  { name: 'heavy tails (Cauchy)', b: (u) => Math.tan(Math.PI * (u() - 0.5)), w: (u) => Math.tan(Math.PI * (u() - 0.5)) + 0.1, nb: 5000, nw: 5000 },
  // Extreme but finite values: differences, sums and squares of these overflow unless scaled.
  { name: '1% sentinels at 1.7e308, window shifted by 5', b: (u) => (u() < 0.01 ? 1.7e308 : normal(0, 1)(u, 0)), w: (u) => (u() < 0.01 ? 1.7e308 : normal(5, 1)(u, 0)), nb: 3000, nw: 4000 },
  { name: '20% of the window at ±1e308', b: normal(0, 1), w: (u) => (u() < 0.1 ? 1e308 : u() < 0.11 ? -1e308 : normal(0, 1)(u, 0)), nb: 2000, nw: 5000 },
  { name: 'both sides at both ends of the double range', b: (u) => (u() < 0.3 ? -1.7e308 : u() < 0.5 ? 1.7e308 : normal(0, 1)(u, 0)), w: (u) => (u() < 0.4 ? 1.7e308 : u() < 0.3 ? -Number.MAX_VALUE : normal(1, 1)(u, 0)), nb: 3000, nw: 3000 },
  { name: 'magnitudes near 1e-200', b: (u) => normal(0, 1)(u, 0) * 1e-200, w: (u) => normal(0.2, 1)(u, 0) * 1e-200, nb: 2000, nw: 3000 },
];

// Cases whose guessing first pass settled them (fewer passes than without a guess): the guess path must be exercised.
const savedByGuess: string[] = [];
for (const c of CASES) {
  test(`streaming summary equals the sort-based comparison: ${c.name}`, () => {
    for (const seed of [1, 2, 3]) {
      const passes = assertSame(sample(c.nb, seed * 17, c.b), sample(c.nw, seed * 31 + 5, c.w), `${c.name} (seed ${seed})`);
      LIMITS.forEach((l, k) => {
        const plain = LIMITS.findIndex((p) => !p.guess && p.buckets === l.buckets && p.values === l.values);
        if (l.guess && passes[k] < passes[plain]) savedByGuess.push(`${c.name} ${JSON.stringify(l)}`);
      });
    }
  });
}

test('the guessing first passes above settled some cases without a second pass', () => {
  assert.ok(savedByGuess.length >= 5, savedByGuess.join('; '));
});

test('identical samples give D = 0 and W1 = 0 in one pass when the grid holds every point', () => {
  const x = sample(4000, 9, normal(0, 1), 0);
  assert.equal(assertSame(x, x, 'identical')[0], 1);
  const { cmp } = streamed(sortedFinite(x), x);
  assert.equal(cmp.tests.ks!.statistic, 0);
  assert.equal(cmp.tests.wasserstein!.statistic, 0);
});

test('a window whose CDF crosses the baseline inside a gap takes one more pass', () => {
  const b = Float64Array.from([0, 10, 20, 30]);
  // The decile edges split the baseline's gaps: (10, 12) and (12, 15) are gaps, F_b = 0.5 in both.
  // Before 10: one window value, so F_w climbs from 1/8 to 5/8 inside (10, 12): it crosses there only.
  const w = Float64Array.from([5, 10.2, 10.4, 10.6, 10.8, 20, 20, 35]);
  assert.equal(summarizeBaseline(b, 1).points.length, 13, '4 values and 9 edges');
  assert.equal(assertSame(b, w, 'crossing')[0], 2);
  // Without room to collect, the gap is split by value: no piece is open once each holds one value, and one
  // more pass isolates the values the window's quantiles need (ranks 1 to 4 lie inside the gap).
  assert.equal(assertSameWith(b, w, 'crossing, split by value', { values: 0 }), 3);
});

test('one value repeated inside a gap, with no room to collect, is isolated by value splits', () => {
  const b = Float64Array.from({ length: 200 }, (_, i) => i);
  const w = new Float64Array(5000).fill(99.5 + 2 ** -40);
  assert.ok(assertSameWith(b, w, 'repeated value', { values: 0, buckets: 8 }) > 3);
});

/** Limits that make the grid path read the quantiles' intervals again: collected at once, collected after splits, never collected. */
const QUANTILE_LIMITS: Limits[] = [{}, { buckets: 8 }, { buckets: 8, values: 4 }, { buckets: 8, values: 0 }, { buckets: 64, values: 100 }];

test('window quantiles on the grid path: every rank on an interval edge needs no further pass', () => {
  const b = Float64Array.from({ length: 100 }, (_, i) => i);
  // Every window value is a baseline point, so every rank lands on a grid bound (the grid holds every point).
  const w = Float64Array.from({ length: 997 }, (_, i) => (i * 7) % 100);
  assert.equal(assertSameWith(b, w, 'ranks on bounds', {}), 1);
  // Ranks on the edge between an interval's inside and its upper bound: 2 and 3 at x = 3 (a bound), 1 and 4 inside.
  for (const limits of QUANTILE_LIMITS) {
    for (const w of [[1, 2, 3, 3, 4], [2.5, 3, 3.5], [3, 3, 3, 2.9, 3.1], [0.5, 1, 1, 1, 1.5, 2]]) {
      assertSameWith(Float64Array.from([0, 1, 2, 3, 4, 5, 6]), Float64Array.from(w), `edge ${JSON.stringify(w)} ${JSON.stringify(limits)}`, limits);
    }
  }
});

test('window quantiles on the grid path: heavy ties, values beyond the baseline on both sides, NaN and ±Infinity missing', () => {
  const u = rng(41);
  const b = Float64Array.from({ length: 500 }, () => Math.floor(u() * 20));
  const windows: [string, Gen][] = [
    ['ties at bounds and inside gaps', (u) => Math.floor(u() * 40) / 2],
    ['sentinels below and above the baseline', (u) => (u() < 0.3 ? -999 : u() < 0.4 ? 1e6 : Math.floor(u() * 20))],
    ['all below the baseline', (u) => -1 - u() * 100],
    ['all above the baseline, continuous', (u) => 20 + u() * 1e-3],
    ['the largest doubles', (u) => (u() < 0.2 ? Number.MAX_VALUE : u() < 0.4 ? -Number.MAX_VALUE : u() * 20)],
    ['zeros of both signs below the baseline', (u) => (u() < 0.5 ? -0 : u() < 0.5 ? 0 : 5)],
  ];
  for (const [name, gen] of windows) {
    for (const limits of QUANTILE_LIMITS) {
      const w = sample(3000, 7, gen, 0.2);
      assertSameWith(name.startsWith('zeros') ? b.map((x) => x + 1) : b, w, `${name} ${JSON.stringify(limits)}`, limits);
    }
  }
});

test('window quantiles on the grid path: one interval holding most values is refined until its ranks fit', () => {
  const b = Float64Array.from({ length: 200 }, (_, i) => i);
  const u = rng(5);
  // 90% of the window inside one gap of the baseline, continuous, or repeated: more values than may be collected.
  for (const [name, w] of [
    ['continuous', Float64Array.from({ length: 5000 }, () => (u() < 0.9 ? 99 + u() : u() * 200))],
    ['one repeated value', Float64Array.from({ length: 5000 }, () => (u() < 0.9 ? 99.25 : u() * 200))],
  ] as const) {
    const passes = assertSameWith(b, w, `${name}, room for 100`, { buckets: 16, values: 100 });
    assert.ok(passes > 2, `${name}: refined before collected (${passes} passes)`);
    assertSameWith(b, w, `${name}, no room`, { buckets: 16, values: 0 });
  }
});

test('columns sharing a collect budget: a column that finds it spent is split finer instead, and stays exact', () => {
  const b = sortedFinite(sample(3000, 21, normal(0, 1), 0));
  const w = sample(6000, 22, normal(0.05, 1), 0);
  const want = oracleComparison(b, sortedFinite(w));
  const pool = { free: 0 };
  const passes: number[] = [];
  for (const free of [1e9, 0]) {
    pool.free = free;
    const s = new WindowSummary(summarizeBaseline(b, 32), { buckets: 32, values: 1e9, pool });
    do s.add(w, w.length);
    while (s.endPass());
    const got = compareNumeric(s.finish());
    assert.equal(got.tests.ks!.statistic, want.tests.ks!.statistic);
    assert.ok(Math.abs(got.tests.wasserstein!.statistic - want.tests.wasserstein!.statistic) <= 1e-12 * want.tests.wasserstein!.statistic);
    assert.equal(pool.free, free, 'the budget is given back');
    passes.push(s.passes);
  }
  assert.equal(passes[0], 2, 'collected at once');
  assert.ok(passes[1] > 2, 'split finer first');
});

test('a window that changes between passes is reported, not compared', () => {
  const b = sortedFinite(sample(3000, 3, normal(0, 1), 0));
  const s = new WindowSummary(summarizeBaseline(b, 16), { buckets: 16 });
  const w = sample(5000, 4, normal(0.1, 1), 0);
  s.add(w, w.length);
  assert.equal(s.endPass(), true);
  const half = w.subarray(0, 2500).slice();
  s.add(half, half.length);
  assert.throws(() => s.endPass(), InconsistentPassError);
});

test('a window with more values than it was counted to hold is reported, not compared', () => {
  const b = sortedFinite(sample(1000, 3, normal(0, 1), 0));
  const s = new WindowSummary(summarizeBaseline(b), { collectAll: 100 });
  const w = sample(101, 4, normal(0, 1), 0);
  assert.throws(() => s.add(w, w.length), InconsistentPassError);
});

test('keeping every value takes one pass', () => {
  const b = sortedFinite(sample(3000, 5, normal(0, 1), 0));
  const w = sample(5000, 6, normal(0.1, 1));
  assert.equal(assertSameWith(b, w, 'collect all', { collectAll: w.length }), 1);
});

test('missing values in the window are counted, never compared', () => {
  const b = sortedFinite(sample(1000, 4, normal(0, 1), 0));
  const s = new WindowSummary(summarizeBaseline(b));
  const buf = Float64Array.from([NaN, Infinity, -Infinity, 0.5, -0]);
  s.add(buf, buf.length);
  s.add(buf, 3);
  while (s.endPass()) s.add(buf, buf.length);
  assert.deepEqual([s.m, s.missing], [2, 6]);
  // Only missing values: the pass ends at once, with nothing to compare.
  const none = new WindowSummary(summarizeBaseline(b));
  none.add(buf, 3);
  assert.equal(none.endPass(), false);
  assert.deepEqual([none.m, none.missing], [0, 3]);
});

test('baselines with more points than the default grid holds: coarse grid, then exact', () => {
  // 20 000 baseline points: the default grid bounds every second point.
  const mixed: Gen = (u) => (u() < 0.05 ? -0 : u() < 0.1 ? 0 : u() < 0.2 ? Math.round(normal(0, 4)(u, 0)) : Math.exp(normal(0, 3)(u, 0)) * (u() < 0.5 ? -1 : 1));
  for (const seed of [1, 2]) {
    assertSame(sample(20000, seed * 7, normal(0, 1)), sample(60000, seed * 11, normal(0.05, 1.1)), `long continuous window (seed ${seed})`);
    assertSame(sample(20000, seed * 13, mixed), sample(60000, seed * 19, mixed), `long mixed window (seed ${seed})`);
  }
});

test('sortDoubles orders the finite doubles exactly as Float64Array.prototype.sort, and drops the missing ones', () => {
  const u = rng(5);
  const gens: (() => number)[] = [
    () => u() * 2 - 1,
    () => Math.round(u() * 10) - 5,
    () => (u() < 0.5 ? -0 : 0),
    () => Math.exp(u() * 200 - 100) * (u() < 0.5 ? -1 : 1),
    () => [Number.MAX_VALUE, -Number.MAX_VALUE, Number.MIN_VALUE, -Number.MIN_VALUE, 0, -0, 1, -1][Math.floor(u() * 8)],
    // Values that share their high 32 bits: in short runs, and in one long run.
    () => (Math.floor(u() * 20000) + u() * 1e-7) * (u() < 0.5 ? -1 : 1),
    // Runs of about 33 at n = 50000, either side of the kernel's long-run bound (32).
    () => (Math.floor(u() * 750) + 1 + u() * 1e-7) * (u() < 0.5 ? -1 : 1),
    () => 1 + u() * 1e-9,
    () => -1 - u() * 1e-9,
    () => [NaN, Infinity, -Infinity, 0, -0, u()][Math.floor(u() * 6)],
  ];
  for (const gen of gens) {
    for (const n of [0, 5, 1500, 50000]) {
      const a = Float64Array.from({ length: n }, gen);
      const want = a.filter((x) => Number.isFinite(x)).sort();
      // Bit patterns, so that -0 and 0 differ.
      const bits = (x: Float64Array) => new Uint32Array(x.buffer, x.byteOffset, 2 * x.length);
      assert.deepEqual(bits(sortDoubles(a.slice())), bits(want), `n = ${n}`);
      assert.deepEqual(bits(withoutKernels(() => sortDoubles(a.slice()))), bits(want), `n = ${n}, without the kernels`);
    }
  }
});

test('warmKernels runs the sort and merge kernels within their memory, in an instance of its own: sorting after it is unchanged', () => {
  const a = Float64Array.from({ length: 5000 }, (_, i) => Math.cos(i) * 1e3);
  const want = a.slice().sort();
  warmKernels();
  warmKernels();
  assert.deepEqual(sortDoubles(a.slice()), want);
});

test('the merge kernel and the JavaScript merge give bit-identical statistics', () => {
  const gens: Gen[] = [normal(0, 1), (v) => Math.round(normal(0, 3)(v, 0)), (v) => (v() < 0.3 ? -0 : Math.exp(normal(0, 2)(v, 0)))];
  for (const [g, gen] of gens.entries()) {
    for (const [n, m] of [[3000, 7000], [40000, 900], [5, 20000]]) {
      const b = sortedFinite(sample(n, g * 31 + n, gen));
      // Missing values included: ofValues counts them.
      const w = sample(m, g * 17 + m, (v, i) => gen(v, i) * 1.05 + 0.01);
      const finite = w.filter((x) => Number.isFinite(x)).length;
      const summary = summarizeBaseline(b);
      const settle = () => {
        const s = WindowSummary.ofValues(summary, w.slice());
        assert.equal(s.endPass(), false);
        assert.deepEqual([s.m, s.missing], [finite, m - finite]);
        return s.finish();
      };
      const kernel = settle();
      const js = withoutKernels(settle);
      assert.deepEqual(kernel, js, `generator ${g}, n = ${n}, m = ${m}`);
      assert.ok(kernel.w1 > 0 && kernel.d > 0, 'the statistics are not trivial');
    }
  }
});

test('the merges stay bit-identical, and finite, on values that reach the largest double', () => {
  const extreme: Gen = (v) => (v() < 0.05 ? (v() < 0.5 ? -Number.MAX_VALUE : 1.7e308) : normal(0, 1)(v, 0));
  for (const [n, m] of [[3000, 7000], [200, 20000]]) {
    const b = sortedFinite(sample(n, n, extreme));
    const w = sample(m, m, (v, i) => extreme(v, i) + 3);
    const summary = summarizeBaseline(b);
    const settle = () => {
      const s = WindowSummary.ofValues(summary, w.slice());
      s.endPass();
      return s.finish();
    };
    const kernel = settle();
    assert.deepEqual(kernel, withoutKernels(settle), `n = ${n}, m = ${m}`);
    assert.ok(Number.isFinite(kernel.w1) && kernel.w1 > 1e300 && Number.isFinite(kernel.std), `W1 ${kernel.w1}, std ${kernel.std}`);
  }
});

test('the baseline std is finite and right on values whose squares overflow or underflow, and 0 on a constant', () => {
  const sd = (a: number[]) => baselineStd(Float64Array.from(a).sort());
  // Half at each of ±c: σ = c.
  for (const c of [1.7e308, Number.MAX_VALUE, 1e-200, 3e-310, 1]) {
    const got = sd([-c, -c, c, c]);
    assert.ok(Math.abs(got - c) <= 1e-15 * c, `±${c}: ${got}`);
  }
  assert.equal(sd(Array(1000).fill(0.1)), 0);
  assert.equal(sd(Array(7).fill(-1.7e308)), 0);
  // 1% at a sentinel s: σ = s·√(0.01·0.99) (the rest is negligible next to s).
  const got = sd([...Array(99).fill(1), 1.7e308]);
  assert.ok(Math.abs(got - 1.7e308 * Math.sqrt(0.0099)) <= 1e-12 * got, `${got}`);
});

test('the mean and std of a million sorted values are within a few ulps of the exact ones (one running sum lost ~1e-12 relative)', () => {
  // Integers times a power of two: the exact mean and variance follow from BigInt sums.
  const u = rng(5);
  for (const [n, span, unit] of [[1_000_003, 10_007, 1], [700_000, 1 << 20, 2 ** -30], [1 << 20, 3, 1]]) {
    const k = Int32Array.from({ length: n }, () => Math.floor(u() * span));
    const x = Float64Array.from(k, (v) => v * unit).sort();
    let s1 = 0n;
    let s2 = 0n;
    for (const v of k) {
      s1 += BigInt(v);
      s2 += BigInt(v) * BigInt(v);
    }
    const N = BigInt(n);
    // mean = s1/n; var = (n·s2 − s1²)/n², each as the nearest double (to ~1e-16) before the unit.
    const ratio = (a: bigint, b: bigint) => Number((a * 10n ** 30n) / b) / 1e30;
    const mean = ratio(s1, N) * unit;
    const std = Math.sqrt(ratio(N * s2 - s1 * s1, N * N)) * unit;
    const got = describeSorted(x);
    assert.ok(Math.abs(got.mean! - mean) <= 4e-16 * mean, `n ${n}: mean ${got.mean} against ${mean}`);
    assert.ok(Math.abs(got.std! - std) <= 4e-16 * std, `n ${n}: std ${got.std} against ${std}`);
  }
});

test('the baseline MAD and median |x| (found by bisection over the two runs of deviations) equal the median of every deviation, sorted', () => {
  // The same scaled deviations |x·s − c|, all computed and sorted: what NumPy's median of them is.
  const scale = (x: Float64Array) => 2 ** -Math.max(-1000, Math.min(1000, Math.ceil(Math.log2(Math.max(Math.abs(x[0]), Math.abs(x[x.length - 1]))))));
  const median = (d: Float64Array) => (d.sort(), d.length % 2 ? d[d.length >> 1] : (d[(d.length >> 1) - 1] + d[d.length >> 1]) / 2);
  const u = rng(11);
  const gens: (() => number)[] = [() => u(), () => u() - 0.3, () => Math.round(u() * 6) - 3, () => Math.exp(u() * 40 - 20), () => (u() < 0.6 ? 0 : u()), () => (u() < 0.9 ? 5 : u() * 10), () => [1, 2, 2, 3][Math.floor(u() * 4)]];
  for (const gen of gens) {
    for (const n of [1, 2, 3, 4, 5, 8, 13, 64, 101, 1000, 4097]) {
      const x = Float64Array.from({ length: n }, gen).sort();
      if (x[0] === x[n - 1]) continue;
      const s = scale(x);
      const h = n >> 1;
      const c = n % 2 ? x[h] * s : (x[h - 1] * s + x[h] * s) / 2;
      assert.equal(baselineMad(x), median(x.map((v) => Math.abs(v * s - c))) / 0.6744897501960817 / s, `MAD, n = ${n}`);
      assert.equal(baselineMagnitude(x), median(x.map((v) => Math.abs(v * s))) / s, `median |x|, n = ${n}`);
    }
  }
});

test('the baseline MAD and median |x| match their definitions, are finite on extreme values, and ignore a minority of sentinels', () => {
  const sorted = (a: number[]) => Float64Array.from(a).sort();
  for (const a of [[1, 2, 3, 4, 100], [-5, -1, 0, 2, 2, 9], [-1.7e308, -1e308, 3, 1e308, 1.7e308], [1e-310, 3e-310, 7e-310, 2e-309]]) {
    const b = sorted(a);
    const close = (got: number, want: number) => Math.abs(got - want) <= 1e-14 * want;
    assert.ok(close(baselineMad(b), madNormal(b)), `MAD of ${a}: ${baselineMad(b)} vs ${madNormal(b)}`);
    assert.ok(close(baselineMagnitude(b), oracleSummary(b, b).magnitude), `median |x| of ${a}`);
  }
  assert.equal(baselineMad(sorted(Array(9).fill(4))), 0);
  // 1% at 1.7e308 moves σ to ~1.7e307, the MAD and median |x| hardly at all.
  const real = Array.from({ length: 990 }, (_, i) => (i - 494.5) / 100);
  const b = sorted([...real, ...Array(10).fill(1.7e308)]);
  assert.ok(baselineStd(b) > 1e307);
  assert.ok(baselineMad(b) < 1.1 * baselineMad(sorted(real)) && baselineMagnitude(b) < 3, `${baselineMad(b)}, ${baselineMagnitude(b)}`);
});

/** A long window through a first pass that guesses its open intervals, as the engine's grid scans do. */
function guessed(b: Float64Array, w: Float64Array, speculate: { prefix: number; store: number }, pool?: { free: number }): { cmp: Comparison; passes: number } {
  return streamed(b, w, { expect: w.length, speculate, pool, values: 1 << 20, buffer: 4096 }, 4096);
}

test('a guessing first pass settles a drifted long window without a second pass, exactly', () => {
  // Continuous values, then half of them on a 0.1 lattice on both sides: window values on the grid's bounds.
  const lattice = (g: Gen): Gen => (u, i) => (u() < 0.5 ? Math.round(g(u, i) * 10) / 10 : g(u, i));
  for (const [what, bg, wg] of [
    ['continuous', normal(0, 1), normal(0.4, 1.1)],
    ['half on a lattice', lattice(normal(0, 1)), lattice(normal(0.4, 1.1))],
  ] as const) {
    const b = sortedFinite(sample(4000, 41, bg, 0));
    const w = sample(600_000, 42, wg, 0.02);
    const want = streamed(b, w, {}, 4096);
    const got = guessed(b, w, { prefix: 65_536, store: 131_072 });
    assert.equal(want.passes, 2, `${what}: without a guess, the open intervals are read again`);
    assert.equal(got.passes, 1, `${what}: with it, their values were collected on the way`);
    assertSameWith(b, w, what, { expect: w.length, speculate: { prefix: 65_536, store: 131_072 }, buffer: 4096 });
    assert.deepEqual(got.cmp, want.cmp, `${what}: the same comparison, to the bit`);
  }
});

test('a first pass whose guess is wrong (a prefix unlike the rest) reads the window again, and stays exact', () => {
  const b = sortedFinite(sample(4000, 43, normal(0, 1), 0));
  // The window's first quarter follows the baseline; the rest has drifted: the prefix misleads the guess.
  const w = sample(400_000, 44, (u, i) => (i < 100_000 ? normal(0, 1)(u, i) : normal(0.4, 1.1)(u, i)), 0.02);
  const got = guessed(b, w, { prefix: 65_536, store: 131_072 });
  assert.equal(got.passes, 2);
  assert.deepEqual(got.cmp, streamed(b, w, {}, 4096).cmp);
  // A window sorted by value: every guess from its prefix is wrong.
  const sorted = sortedFinite(sample(300_000, 45, normal(0.3, 1), 0));
  assert.deepEqual(guessed(b, sorted, { prefix: 65_536, store: 131_072 }).cmp, streamed(b, sorted, {}, 4096).cmp);
});

test('a guess takes its prefix and store from the shared pool and gives them back; without room it is not made', () => {
  const b = sortedFinite(sample(4000, 46, normal(0, 1), 0));
  const w = sample(600_000, 47, normal(0.4, 1.1), 0.02);
  const sizes = { prefix: 65_536, store: 131_072 };
  for (const free of [1e7, sizes.prefix + sizes.store - 1]) {
    const pool = { free };
    const got = guessed(b, w, sizes, pool);
    assert.equal(pool.free, free, 'all given back');
    assert.equal(got.passes, free === 1e7 ? 1 : 2, `pool of ${free}`);
  }
});
