// The grid path's streamed mean and std: exact to the reference tolerance, or null with a reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RunningMoments } from '../../../src/stats/streaming/moments.js';
import { describe } from '../../helpers/sorted-oracle.js';

function streamed(values: number[], chunk = 7) {
  const m = new RunningMoments();
  const a = Float64Array.from(values);
  for (let at = 0; at < a.length; at += chunk) m.add(a.subarray(at), Math.min(chunk, a.length - at));
  return m.result();
}

const rel = (got: number | null, want: number) => typeof got === 'number' && Math.abs(got - want) <= 1e-9 * Math.abs(want);

test('mean and std across magnitudes, in any order, match the definition', () => {
  for (const [scale, offset] of [[1, 0], [1e-200, 0], [1e300, 0], [1, 1e6], [1e-3, -5], [1e307, 1e307]]) {
    const values = Array.from({ length: 1000 }, (_, i) => offset + scale * Math.sin(i * 1.3));
    const want = describe(Float64Array.from(values).sort());
    const got = streamed(values);
    assert.ok(rel(got.mean, want.mean!), `mean at scale ${scale}: ${got.mean} vs ${want.mean}`);
    assert.ok(rel(got.std, want.std!), `std at scale ${scale}: ${got.std} vs ${want.std}`);
  }
  // Opposite extremes: deviations beyond the largest double, tiny values first then huge ones.
  const extremes = [1e-300, 2e-300, -1.7e308, 1.7e308, 0, 1e308];
  const want = describe(Float64Array.from(extremes).sort());
  const got = streamed(extremes, 2);
  assert.ok(rel(got.mean, want.mean!) && rel(got.std, want.std!), `${got.mean} ${got.std} vs ${want.mean} ${want.std}`);
  assert.deepEqual(streamed([3, 3, 3]), { mean: 3, std: 0, quantiles: null });
});

test('a std that one streamed pass cannot give exactly is null, with the reason', () => {
  // The shift (the first value) lies far from the mean of millions of others: Σd² − (Σd)²/n loses over 20 bits.
  const values = [1e9, ...Array.from({ length: 4_000_000 }, (_, i) => Math.sin(i) * 1e-3)];
  const got = streamed(values, 1 << 16);
  assert.equal(got.std, null);
  assert.match(got.reason!, /cancels/);
  assert.ok(rel(got.mean, describe(Float64Array.from(values).sort()).mean!));
  assert.deepEqual(streamed([NaN, Infinity]), { mean: null, std: null, quantiles: null, reason: 'no finite value' });
});
