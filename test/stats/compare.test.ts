// The category cap bounds the buckets; below it every category is tested on its own, beyond it the
// smallest are merged into an unnamed overflow bucket that no real category can collide with.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareCategorical } from '../../src/stats/index.js';
import { DEFAULTS } from '../../src/config/defaults.js';

const counts = (entries: [string, number][]) => new Map(entries);

test('a few hundred categories under the default cap are all tested, none merged', () => {
  const cats = Array.from({ length: 228 }, (_, i) => `A${String(i).padStart(3, '0')}`);
  const b = counts(cats.map((c, i) => [c, 1000 - i * 4]));
  const w = counts(cats.map((c, i) => [c, i < 150 ? 400 - i * 2 : 300]));
  const r = compareCategorical(b, w, DEFAULTS.max_categories);
  assert.equal(r.merged_categories, 0);
  assert.equal(r.buckets.categories!.length, 228);
  assert.equal(r.tests.chi2!.dof, 227);
});

test('beyond the cap the smallest categories are merged, and the Comparison says how many', () => {
  const b = counts([['a', 50], ['b', 40], ['c', 30], ['d', 2], ['e', 1]]);
  const w = counts([['a', 50], ['b', 40], ['c', 30], ['f', 9]]);
  const r = compareCategorical(b, w, 4);
  // 3 kept, and one bucket for d, e and f.
  assert.deepEqual(r.buckets.categories, ['a', 'b', 'c']);
  assert.deepEqual([...r.buckets.baseline], [50, 40, 30, 3]);
  assert.deepEqual([...r.buckets.window], [50, 40, 30, 9]);
  assert.equal(r.merged_categories, 3);
  assert.equal(r.tests.chi2!.dof, 3);
  assert.equal(r.unseen_ratio, 9 / 129, 'unseen counts the real categories, merged or not');
});

test('a real category named "__other__" stays its own category, merged or not', () => {
  const b = counts([['__other__', 100], ['x', 80], ['y', 3], ['z', 2]]);
  const w = counts([['__other__', 10], ['x', 80], ['y', 30], ['z', 20]]);
  const none = compareCategorical(b, w, 10);
  assert.deepEqual(none.buckets.categories, ['__other__', 'x', 'y', 'z']);
  assert.deepEqual([...none.buckets.baseline], [100, 80, 3, 2]);
  const capped = compareCategorical(b, w, 3);
  assert.deepEqual(capped.buckets.categories, ['__other__', 'x']);
  assert.deepEqual([...capped.buckets.baseline], [100, 80, 5], 'y and z in the overflow bucket, "__other__" apart');
  assert.deepEqual([...capped.buckets.window], [10, 80, 50]);
  assert.equal(capped.merged_categories, 2);
});

test('the default cap is in the thousands', () => {
  assert.ok(DEFAULTS.max_categories >= 10000);
});
