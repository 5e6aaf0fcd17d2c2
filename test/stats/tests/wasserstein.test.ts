// Wasserstein's normed score is W1 in baseline σ, with a floor relative to the data's own scale:
// a feature in small units drifts as any other, a constant baseline stays finite.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareSamples, NUMERIC_PATHS } from '../../helpers/numeric.js';
import { rng } from '../../helpers/random.js';
import { baselineScale, normedW1, RELATIVE_STD_FLOOR } from '../../../src/stats/tests/wasserstein.js';

function normal(n: number, mean: number, sd: number, seed: number): Float64Array {
  const u = rng(seed);
  return Float64Array.from({ length: n }, () => mean + sd * Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u()));
}

for (const path of NUMERIC_PATHS) {
  test(`a shift of 20σ reads as about 20 in every unit, 1e-6 as 1e6 (${path.name})`, () => {
    for (const [mean, sd] of [[0, 1e-6], [1000, 1e-6], [0, 1], [5e9, 3e3], [0, 1e-250]]) {
      const r = compareSamples(normal(2000, mean, sd, 1), normal(2000, mean + 20 * sd, sd, 2), path)!;
      const normed = r.tests.wasserstein!.normed!;
      assert.ok(normed > 18 && normed < 22, `mean ${mean}, σ ${sd}: normed ${normed}`);
    }
  });

  test(`a constant baseline: a move off it is large and finite, rounding noise is small (${path.name})`, () => {
    const constant = (c: number) => new Float64Array(500).fill(c);
    for (const c of [0, 1, -3e12, 1.7e308, 1e-300]) {
      const moved = compareSamples(constant(c), Float64Array.from(constant(c), (x, i) => (i % 2 ? x : x === 0 ? 1e-9 : x * 0.5)), path)!;
      const normed = moved.tests.wasserstein!.normed!;
      assert.ok(Number.isFinite(normed) && normed >= 0.1, `constant ${c}, moved: normed ${normed}`);
      const same = compareSamples(constant(c), constant(c), path)!;
      assert.equal(same.tests.wasserstein!.normed, 0, `constant ${c}, unchanged`);
    }
    // 1e6 against 1e6 + 2^-33 (the doubles' own spacing there is 2^-33): far below any threshold.
    const noise = compareSamples(constant(1e6), Float64Array.from(constant(1e6), (x, i) => (i % 4 ? x : x + 2 ** -33)), path)!;
    assert.ok(noise.tests.wasserstein!.normed! < 1e-3, `${noise.tests.wasserstein!.normed}`);
  });
}

test('normed is at most 1/ε and 0 only without a distance', () => {
  assert.equal(normedW1(0, 0, 0), 0);
  assert.equal(normedW1(5, 0, 0), 1 / RELATIVE_STD_FLOOR);
  assert.equal(normedW1(1e308, 0, 1.7e308), 1e308 / (RELATIVE_STD_FLOOR * 1.7e308));
  assert.equal(normedW1(2, 4, 100), 0.5);
});

// Issue 15: 1% of the baseline and of the window at a sentinel 1.7e308, the rest of the window moved by +5σ.
// σ (≈1.7e307) is the sentinels'; the scale must be the real data's, or the feature reads "no drift".
function sentinelCase(sentinel: number): [Float64Array, Float64Array] {
  const withSentinels = (a: Float64Array) => a.map((x, i) => (i % 100 === 7 ? sentinel : x));
  return [withSentinels(normal(3000, 0, 1, 3)), withSentinels(normal(3000, 5, 1, 4))];
}

for (const path of NUMERIC_PATHS) {
  test(`a minority of sentinels cannot hide a 5σ shift of the rest (${path.name})`, () => {
    for (const sentinel of [1.7e308, -Number.MAX_VALUE, 1e300, -999999]) {
      const r = compareSamples(...sentinelCase(sentinel), path)!;
      const normed = r.tests.wasserstein!.normed!;
      assert.ok(normed > 4 && normed < 6, `sentinel ${sentinel}: normed ${normed}`);
      assert.ok(r.tests.ks!.p_value! < 1e-12);
    }
    // Heavy tails: a shift of the bulk by 1 of its σ reads as about 1, whatever the tail does to σ.
    const tail = (a: Float64Array) => a.map((x, i) => (i % 20 === 3 ? x * 1e6 : x));
    const r = compareSamples(tail(normal(4000, 0, 1, 5)), tail(normal(4000, 1, 1, 6)), path)!;
    assert.ok(r.tests.wasserstein!.normed! > 0.5, `heavy tail: ${r.tests.wasserstein!.normed}`);
  });
}

test('the scale is σ on ordinary data: normal (MADₙ ≈ σ), binary and uniform (MADₙ ≥ σ), zero-inflated (MADₙ = 0)', () => {
  assert.equal(baselineScale(2, 3), 2);
  assert.equal(baselineScale(2, 0), 2);
  assert.equal(baselineScale(1e307, 1), 1);
  const r = (b: Float64Array, w: Float64Array) => compareSamples(b, w)!.tests.wasserstein!;
  const u = rng(9);
  const binary = (p: number) => Float64Array.from({ length: 2000 }, () => (u() < p ? 1 : 0));
  for (const p of [0.02, 0.3, 0.5, 0.7]) {
    const b = binary(p);
    const w = binary(p + 0.02);
    const mean = b.reduce((s, x) => s + x, 0) / b.length;
    const got = r(b, w);
    assert.ok(Math.abs(got.normed! - got.statistic / Math.sqrt(mean * (1 - mean))) < 1e-9, `binary p ${p}: normed ${got.normed}, W1 ${got.statistic}`);
  }
  const uniform = Float64Array.from({ length: 2000 }, (_, i) => i / 1999);
  const got = r(uniform, uniform.map((x) => x + 0.1));
  assert.ok(Math.abs(got.normed! - 0.1 / Math.sqrt(1 / 12)) < 0.01, `uniform: ${got.normed}`);
});
