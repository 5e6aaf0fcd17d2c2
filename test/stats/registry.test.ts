// Contract suite: every registered test, down every path production reads numeric windows by.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareCategorical, TEST_IDS, TESTS } from '../../src/stats/index.js';
import { exceeds } from '../../src/stats/decision.js';
import { compareSamples, NUMERIC_PATHS } from '../helpers/numeric.js';
import { normalSorted } from '../helpers/random.js';

test('the registry lists each test once, with the metadata the surface derives from', () => {
  assert.equal(new Set(TEST_IDS).size, TESTS.length);
  const metricNames = TESTS.flatMap((t) => Object.values(t.metrics));
  assert.equal(new Set(metricNames).size, metricNames.length, 'metric names are unique');
  for (const t of TESTS) {
    assert.ok(t.appliesTo.length > 0 && t.description.length > 0, t.id);
    assert.ok(Object.keys(t.metrics).length > 0, `${t.id} publishes a metric`);
    for (const name of Object.values(t.metrics)) assert.match(name, /^ml_drift_[a-z0-9_]+$/);
  }
});

for (const t of TESTS) {
  for (const type of t.appliesTo) {
    for (const path of type === 'numeric' ? NUMERIC_PATHS : [{ name: 'categories' }]) {
      test(`contract: ${t.id} on ${type} (${path.name}): identical inputs never drift, disjoint ones do, values stay in range`, () => {
        const x = normalSorted(400, 21);
        const counts = new Map([['a', 40], ['b', 30], ['c', 30]]);
        const compare = (b: Float64Array, w: Float64Array) => compareSamples(b, w, path as (typeof NUMERIC_PATHS)[number])!;
        const same = type === 'numeric' ? compare(x, x) : compareCategorical(counts, counts, 50);
        const apart = type === 'numeric' ? compare(x, x.map((v) => v + 100)) : compareCategorical(counts, new Map([['z', 100]]), 50);
        const r = same.tests[t.id]!;
        const d = apart.tests[t.id]!;
        for (const v of [r, d]) for (const value of Object.values(v)) assert.ok(Number.isFinite(value), `${t.id}: ${JSON.stringify(v)} finite`);
        assert.equal(exceeds(t.id, r[t.scoreKey]!, t.defaultThreshold), false, `${t.id} on identical ${type} input`);
        assert.equal(exceeds(t.id, d[t.scoreKey]!, t.defaultThreshold), true, `${t.id} on disjoint ${type} input`);
        if (r.p_value !== undefined) assert.ok(r.p_value >= 0 && r.p_value <= 1 && d.p_value! >= 0 && d.p_value! <= 1);
        if (t.id === 'js') assert.ok(d.statistic <= 1 && r.statistic >= 0);
      });
    }
  }
}
