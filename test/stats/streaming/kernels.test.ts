// The WebAssembly kernels give their JavaScript twins' results to the bit, on inputs chosen to reach their every branch:
// the merge (`settle`, merge.ts) and the baseline's points (`distinct`, baseline-summary.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { distinctPoints, summarizeBaseline } from '../../../src/stats/streaming/baseline-summary.js';
import { decileEdges } from '../../../src/stats/bins.js';
import { distinctPointsKernel, GridCounter, KERNEL_LIMIT, settleWindow, sortDoubles } from '../../../src/stats/streaming/kernels.js';
import { RunningMoments } from '../../../src/stats/streaming/moments.js';
import { mergeSorted } from '../../../src/stats/streaming/merge.js';
import { rng } from '../../helpers/random.js';

type Gen = (u: () => number) => number;
const normal = (mean: number, sd: number): Gen => (u) => mean + sd * Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());

/** Baseline and window generators: ties within and across sides, zeros of both signs, values beyond either end, huge values (the scaled sum), a window with one value. */
const CASES: { name: string; b: Gen; w: Gen; nb: number; nw: number }[] = [
  { name: 'same continuous distribution', b: normal(0, 1), w: normal(0, 1), nb: 3000, nw: 9000 },
  { name: 'shifted: D rises for a long stretch', b: normal(0, 1), w: normal(1.5, 1), nb: 2000, nw: 6000 },
  { name: 'window below, then above, every point', b: normal(0, 1), w: (u) => (u() < 0.5 ? -10 - u() : 10 + u()), nb: 1500, nw: 4000 },
  { name: 'small integers both sides: every window value equals a point', b: (u) => Math.floor(u() * 7), w: (u) => Math.floor(u() * 9) - 1, nb: 4000, nw: 6000 },
  { name: 'integer baseline, continuous window', b: (u) => Math.round(normal(0, 3)(u)), w: normal(0.2, 3), nb: 3000, nw: 9000 },
  { name: 'zeros of both signs', b: (u) => (u() < 0.3 ? 0 : u() < 0.5 ? -0 : normal(0, 1)(u)), w: (u) => (u() < 0.4 ? -0 : u() < 0.5 ? 0 : normal(0, 1)(u)), nb: 2500, nw: 5000 },
  { name: 'window values on the decile edges only', b: (u) => Math.floor(u() * 1000), w: (u) => 100 * Math.floor(u() * 10), nb: 2000, nw: 3000 },
  { name: 'one baseline value', b: () => 4.25, w: (u) => (u() < 0.5 ? 4.25 : u() * 10), nb: 50, nw: 2000 },
  { name: 'past 2^958: the scaled sum', b: (u) => (u() - 0.5) * 1e300, w: (u) => (u() - 0.4) * 1.5e300, nb: 2000, nw: 3000 },
  { name: 'a window of one value', b: normal(0, 1), w: () => 0.125, nb: 2000, nw: 1500 },
];

const finiteSorted = (a: Float64Array) => sortDoubles(a.filter((x) => Number.isFinite(x)));

test('settle in WebAssembly equals merge.ts to the bit: W1 sum, D and where it is reached, values below each edge, out of range', () => {
  for (const [c, { name, b, w, nb, nw }] of CASES.entries()) {
    for (let seed = 1; seed <= 3; seed++) {
      const ub = rng(1000 * c + seed);
      const uw = rng(7000 * c + seed);
      const baseline = summarizeBaseline(finiteSorted(Float64Array.from({ length: nb }, () => b(ub))));
      const window = finiteSorted(Float64Array.from({ length: nw }, () => w(uw)));
      const want = mergeSorted(window, baseline);
      const got = settleWindow(window, baseline.n, baseline.points, baseline.counts, baseline.edges, undefined, true);
      assert.ok(got, `${name}: the kernel ran`);
      const what = `${name}, seed ${seed}`;
      assert.ok(Object.is(got.w1, want.w1), `${what}: W1 sum ${got.w1} vs ${want.w1}`);
      assert.ok(Object.is(got.d, want.d), `${what}: D ${got.d} vs ${want.d}`);
      assert.deepEqual(got.at, want.at, `${what}: where D is reached`);
      assert.deepEqual([...got.below], [...want.below], `${what}: window values below each edge`);
      assert.equal(got.outOfRange, want.outOfRange, `${what}: out of range`);
      assert.equal(got.scale, want.scale, `${what}: scale`);
      assert.equal(got.m, want.m, `${what}: finite values`);
    }
  }
});

test('settle of an empty window: no D, no W1, nothing below any edge, as merge.ts', () => {
  const baseline = summarizeBaseline(finiteSorted(Float64Array.from({ length: 3000 }, (_, i) => i % 17)));
  const empty = new Float64Array(0);
  const got = settleWindow(empty, baseline.n, baseline.points, baseline.counts, baseline.edges, undefined, true)!;
  const want = mergeSorted(empty, baseline);
  assert.deepEqual({ ...got, below: [...got.below] }, { ...want, below: [...want.below] });
});

test("a baseline's points in WebAssembly equal the JavaScript loop's: values with counts, edges between values or on them, signed zeros", () => {
  const jsPoints = (sorted: Float64Array, edges: Float64Array) => {
    const bytes = KERNEL_LIMIT.bytes;
    KERNEL_LIMIT.bytes = 0;
    try {
      return distinctPoints(sorted, edges);
    } finally {
      KERNEL_LIMIT.bytes = bytes;
    }
  };
  const same = (sorted: Float64Array, edges: Float64Array, what: string) => {
    const got = distinctPointsKernel(sorted, edges);
    assert.ok(got, `${what}: the kernel ran`);
    const want = jsPoints(sorted, edges);
    // Object.is on each point: -0 must come out as +0 on both.
    assert.equal(got.points.length, want.points.length, `${what}: points`);
    got.points.forEach((p, i) => assert.ok(Object.is(p, want.points[i]), `${what}: point ${i} ${p} vs ${want.points[i]}`));
    assert.deepEqual([...got.counts], [...want.counts], `${what}: counts`);
    assert.deepEqual([...got.edgeAt], [...want.edgeAt], `${what}: edge indices`);
    assert.equal(got.counts.reduce((a, b) => a + b, 0), sorted.length, `${what}: every value counted`);
  };
  for (const [c, { name, b, nb }] of CASES.entries()) {
    const u = rng(500 + c);
    const sorted = finiteSorted(Float64Array.from({ length: Math.max(nb, 2000) }, () => b(u)));
    same(sorted, decileEdges(sorted), `${name}: decile edges`);
  }
  // Edges the deciles cannot give: below every value, between two, on one, and beyond the last.
  const sorted = finiteSorted(Float64Array.from({ length: 4000 }, (_, i) => (i % 3 === 0 ? -0 : i % 3 === 1 ? 0 : Math.floor(i / 100) - 10)));
  same(sorted, Float64Array.from([-100, -10, -9.5, -0, 3, 3.25, 29, 1e9]), 'arbitrary edges');
  same(sorted, new Float64Array(0), 'no edges');
});

test("the streamed mean and std in WebAssembly equal moments.ts's loop to the bit: missing values, signed zeros, rescales up and down", () => {
  const u = rng(11);
  const normal = () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
  const cases: [string, number[]][] = [
    ['normal with NaN and ±Infinity', Array.from({ length: 5000 }, (_, i) => (i % 17 === 0 ? [NaN, Infinity, -Infinity][i % 3] : 3 + normal()))],
    ['missing first, then signed zeros', [NaN, -0, 0, -0, 5, 0, -0, -Infinity, 0]],
    // Deviations from the first value grow past 2^400 and fall below 2^-400: the caller sets each new scale.
    ['rescales', [1, 1 + 2 ** -450, 1e130, -1e200, 1e300, 1.7e308, -1.7e308, 2, 1e-310, 5e-324, 1e250]],
    ['tiny deviations first', [1e-300, 1.0000000001e-300, 2e-300, 1e-290, 7, 1e-300]],
    ['one value repeated', Array.from({ length: 3000 }, () => 42.5)],
    ['all missing', [NaN, Infinity, NaN]],
  ];
  for (const [what, xs] of cases) {
    const values = Float64Array.from(xs);
    const js = new RunningMoments();
    js.add(values, values.length);
    for (const buffer of [1, 3, 64, 4096]) {
      const counter = new GridCounter(summarizeBaseline(Float64Array.of(-1, 0, 1)).grid, buffer);
      const wasm = new RunningMoments();
      for (let at = 0; at < values.length; at += buffer) {
        const n = Math.min(buffer, values.length - at);
        counter.buf.set(values.subarray(at, at + n));
        counter.count(n, wasm);
      }
      const a = new Float64Array(10);
      const b = new Float64Array(10);
      js.save(a);
      wasm.save(b);
      assert.deepEqual([...b].map(Object.is.bind(null, 0)), [...a].map(Object.is.bind(null, 0)), `${what}, buffer ${buffer}: signed zeros`);
      assert.deepEqual([...b], [...a], `${what}, buffer ${buffer}: state`);
      assert.deepEqual(wasm.result(), js.result(), `${what}, buffer ${buffer}: mean and std`);
    }
  }
});

test('a first pass with flagged intervals counts as without them, and moves exactly the values strictly inside a flagged interval to the front', () => {
  const u = rng(12);
  const base = summarizeBaseline(Float64Array.from({ length: 200 }, (_, i) => Math.floor(i / 2) - 50).sort());
  const { bnd } = base.grid;
  const B = bnd.length;
  // Values inside intervals, on their bounds, beyond both ends, and missing.
  const values = Float64Array.from({ length: 3000 }, (_, i) => (i % 11 === 0 ? NaN : i % 7 === 0 ? bnd[i % B] : i % 13 === 0 ? 1e9 * (u() - 0.5) : 120 * (u() - 0.5)));
  const flags = Uint8Array.from({ length: B + 1 }, (_, i) => (i === 0 || i === B || i % 3 === 0 ? 1 : 0));
  const plain = new GridCounter(base.grid, values.length);
  const flagged = new GridCounter(base.grid, values.length);
  flagged.flag(flags);
  plain.buf.set(values);
  flagged.buf.set(values);
  assert.equal(flagged.count(values.length), plain.count(values.length));
  assert.deepEqual([...flagged.cnt], [...plain.cnt]);
  assert.deepEqual([...flagged.eq], [...plain.eq]);
  assert.deepEqual([...flagged.sum], [...plain.sum]);
  // The interval of x: 0 up to bnd[0], i for (bnd[i − 1], bnd[i]], B above bnd[B − 1]; "strictly inside" leaves out bnd[i].
  const inside = [...values].filter((x) => {
    if (!Number.isFinite(x)) return false;
    const i = bnd.findIndex((b) => x <= b);
    return i < 0 ? flags[B] === 1 : flags[i] === 1 && x !== bnd[i];
  });
  assert.ok(inside.length > 100 && inside.length < values.length / 2);
  assert.deepEqual([...flagged.buf.subarray(0, flagged.collected())], inside);
  assert.equal(plain.collected(), 0);
});

test('a first pass that stops for a value the moments rescale at counts, moves and adds every value as one that never stops', () => {
  const u = rng(13);
  const base = summarizeBaseline(Float64Array.from({ length: 200 }, (_, i) => Math.floor(i / 2) - 50).sort());
  const { bnd } = base.grid;
  const B = bnd.length;
  // Missing first; deviations that need new scales (past 2^400, below 2^-400) in the middle of the buffer, between
  // values that are kept (strictly inside a flagged interval) and values on bounds.
  const values = Float64Array.from({ length: 2000 }, (_, i) =>
    i < 3 ? NaN : i === 700 ? 1e300 : i === 701 ? -1.7e308 : i === 1500 ? 1e-310 : i % 7 === 0 ? bnd[i % B] : 120 * (u() - 0.5),
  );
  const flags = Uint8Array.from({ length: B + 1 }, (_, i) => (i === 0 || i === B || i % 3 === 0 ? 1 : 0));
  const plain = new GridCounter(base.grid, values.length);
  const fused = new GridCounter(base.grid, values.length);
  plain.flag(flags);
  fused.flag(flags);
  plain.buf.set(values);
  fused.buf.set(values);
  const m = new RunningMoments();
  assert.equal(fused.count(values.length, m), plain.count(values.length));
  assert.deepEqual([...fused.cnt], [...plain.cnt]);
  assert.deepEqual([...fused.eq], [...plain.eq]);
  assert.deepEqual([...fused.sum], [...plain.sum]);
  assert.ok(plain.collected() > 100);
  assert.equal(fused.collected(), plain.collected());
  assert.deepEqual([...fused.buf.subarray(0, fused.collected())], [...plain.buf.subarray(0, plain.collected())]);
  const js = new RunningMoments();
  js.add(values, values.length);
  const a = new Float64Array(10);
  const b = new Float64Array(10);
  js.save(a);
  m.save(b);
  assert.deepEqual([...b], [...a]);
  assert.deepEqual(m.result(), js.result());
});
