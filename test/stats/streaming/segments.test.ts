// A segmented column sorted per segment and merged: the kernel's merge and the JavaScript one give the whole column sorted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KERNEL_LIMIT, mergeSortedRuns, sortDoubles } from '../../../src/stats/streaming/kernels.js';
import { mergeRuns } from '../../../src/stats/streaming/merge.js';
import { sortSegments } from '../../../src/stats/streaming/segments.js';
import { rng } from '../../helpers/random.js';

/** Segments of very different sizes (one empty), values with ties, ±0, ±Infinity and NaN. */
function column(seed: number): { values: Float64Array; bounds: number[] } {
  const next = rng(seed);
  const sizes = [5000, 0, 1, 3000, 1200, 7];
  const special = [0, -0, NaN, Infinity, -Infinity, 1e308, -1e308];
  const values = new Float64Array(sizes.reduce((a, b) => a + b, 0));
  for (let i = 0; i < values.length; i++) values[i] = next() < 0.05 ? special[Math.floor(next() * special.length)] : Math.round(next() * 200) / 4 - 25;
  const bounds = [0];
  for (const n of sizes) bounds.push(bounds[bounds.length - 1] + n);
  return { values, bounds };
}

for (const path of ['kernel', 'JavaScript']) {
  test(`each segment sorted in place and the whole merged from them equal sorting each alone and the whole (${path})`, () => {
    const bytes = KERNEL_LIMIT.bytes;
    if (path === 'JavaScript') KERNEL_LIMIT.bytes = 0;
    try {
      const { values, bounds } = column(7);
      const parts = bounds.slice(1).map((end, s) => sortDoubles(values.slice(bounds[s], end)));
      const whole = sortDoubles(values.slice());
      const r = sortSegments(values.slice(), bounds, () => null, true);
      assert.deepEqual(r.finite, parts.map((p) => p.length));
      assert.deepEqual([...r.whole!], [...whole], 'the whole column, ±0 in order');
    } finally {
      KERNEL_LIMIT.bytes = bytes;
    }
  });
}

test('the kernel merge takes a tie from the earlier run, as the JavaScript merge does (-0 and +0 keep their order)', () => {
  // Runs of -0, +0 and 1 in different orders, past the size below which the JavaScript merge runs anyway.
  const pattern = [[-0, 0, 1], [0, -0], [-0, 1, 2]];
  const values: number[] = [];
  const bounds = [0];
  for (let r = 0; r < 600; r++) {
    const run = pattern[r % 3];
    values.push(...run);
    bounds.push(values.length);
  }
  const kernel = mergeSortedRuns(Float64Array.from(values), bounds);
  const js = mergeRuns(Float64Array.from(values), bounds, new Float64Array(values.length));
  assert.deepEqual([...kernel].map((x) => Object.is(x, -0)), [...js].map((x) => Object.is(x, -0)));
  assert.deepEqual([...kernel], [...js]);
});
