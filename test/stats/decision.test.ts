import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULTS } from '../../src/config/index.js';
import { compareCategorical, decideFeature, decideModel, type DriftPolicy } from '../../src/stats/index.js';
import { exceeds } from '../../src/stats/decision.js';
import { compareSamples } from '../helpers/numeric.js';
import { normalSorted } from '../helpers/random.js';

const compareNumeric = (b: Float64Array, w: Float64Array) => compareSamples(b, w)!;

const policy: DriftPolicy = { primary: DEFAULTS.primary, significance: DEFAULTS.significance, thresholds: DEFAULTS.thresholds };

function numericVerdict(b: Float64Array, w: Float64Array, p: DriftPolicy = policy) {
  return decideFeature('numeric', compareNumeric(b, w).tests, p);
}

test('a p-value drifts strictly below its threshold, a distance at or above it', () => {
  assert.equal(exceeds('ks', 0.049, 0.05), true);
  assert.equal(exceeds('ks', 0.05, 0.05), false);
  assert.equal(exceeds('js', 0.1, 0.1), true);
  assert.equal(exceeds('js', 0.0999, 0.1), false);
  const w = (normed: number) => decideFeature('numeric', { wasserstein: { statistic: 5, normed }, ks: { statistic: 0.5, p_value: 0 } }, policy);
  assert.equal(w(0.1).drift, true, 'Wasserstein decides on the normed value');
  assert.equal(w(0.05).drift, false);
});

test('a value that is not finite is an error on the feature, never "no drift"', () => {
  for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
    const primary = decideFeature('numeric', { wasserstein: { statistic: bad, normed: bad }, ks: { statistic: 0.9, p_value: 0 } }, policy);
    assert.equal(primary.score, null);
    assert.equal(primary.drift, false);
    assert.match(primary.error ?? '', /primary test wasserstein gave .*not a finite number/);
    const gate = decideFeature('categorical', { js: { statistic: 0.5 }, chi2: { statistic: 1, p_value: bad } }, policy);
    assert.match(gate.error ?? '', /significance test chi2 gave .*not a finite number/);
  }
  assert.equal(decideFeature('numeric', { ks: { statistic: 0.1, p_value: 0.5 } }, policy).error, 'the primary test wasserstein did not run');
});

test('the decision names the tests and thresholds it used', () => {
  const d = decideFeature('categorical', { js: { statistic: 0.5 }, chi2: { statistic: 1, p_value: 0.001 } }, policy);
  assert.deepEqual({ primary: d.primary, significance: d.significance }, { primary: { test: 'js', threshold: 0.02 }, significance: { test: 'chi2', threshold: 0.01 } });
  assert.equal(decideFeature('categorical', {js: { statistic: 0.5 }}, { ...policy, significance: { numeric: 'ks', categorical: null } }).significance, null);
});

test('1M against 1M rows with a 0.01σ shift is not drift (a negligible shift at large n)', () => {
  const b = normalSorted(1_000_000, 1);
  const w = normalSorted(1_000_000, 2, 0.01);
  const tests = compareNumeric(b, w).tests;
  assert.ok(tests.ks!.p_value! < 0.05, 'the KS p-value alone would flag it');
  assert.equal(decideFeature('numeric', tests, policy).drift, false);
});

test('300 against 300 rows with a 0.8σ shift is drift', () => {
  const v = numericVerdict(normalSorted(300, 3), normalSorted(300, 4, 0.8));
  assert.equal(v.drift, true);
  assert.ok(v.score! > 0.5, `score ${v.score}`);
});

test('300 against 300 rows from the same distribution is not drift, over many seeds', () => {
  let flagged = 0;
  for (let seed = 0; seed < 200; seed++) {
    if (numericVerdict(normalSorted(300, 1000 + seed), normalSorted(300, 5000 + seed)).drift) flagged++;
  }
  // The significance gate bounds false alarms by its 1% level; the distance makes them rarer still.
  assert.ok(flagged <= 5, `${flagged} of 200 identical-distribution pairs flagged`);
});

test('a noisy distance on a small sample is not drift without significance', () => {
  const b = normalSorted(20, 7);
  const w = normalSorted(20, 8, 0.3);
  const tests = compareNumeric(b, w).tests;
  const distanceOnly = decideFeature('numeric', tests, { ...policy, significance: { numeric: null, categorical: null } });
  const gated = decideFeature('numeric', tests, policy);
  assert.equal(distanceOnly.drift, tests.wasserstein!.normed! >= policy.thresholds.wasserstein);
  assert.equal(gated.drift, distanceOnly.drift && tests.ks!.p_value! < 0.05);
});

test('the score is the primary test distance, also when the primary test is a p-value test', () => {
  const tests = compareNumeric(normalSorted(500, 9), normalSorted(500, 10, 0.5)).tests;
  assert.equal(decideFeature('numeric', tests, policy).score, tests.wasserstein!.normed);
  const ksPrimary = decideFeature('numeric', tests, { ...policy, primary: { ...policy.primary, numeric: 'ks' } });
  assert.equal(ksPrimary.score, tests.ks!.statistic);
  assert.equal(ksPrimary.drift, true);
});

test('per-feature thresholds change the verdict', () => {
  const tests = compareNumeric(normalSorted(2000, 11), normalSorted(2000, 12, 0.3)).tests;
  assert.equal(decideFeature('numeric', tests, policy).drift, true);
  const lenient = { ...policy, thresholds: { ...policy.thresholds, wasserstein: 0.5 } };
  assert.equal(decideFeature('numeric', tests, lenient).drift, false);
});

test('a categorical shift drifts, the same shares do not', () => {
  const base = new Map([['a', 500], ['b', 300], ['c', 200]]);
  const same = new Map([['a', 250], ['b', 150], ['c', 100]]);
  const shifted = new Map([['a', 150], ['b', 150], ['c', 200]]);
  assert.equal(decideFeature('categorical', compareCategorical(base, same, 50).tests, policy).drift, false);
  assert.equal(decideFeature('categorical', compareCategorical(base, shifted, 50).tests, policy).drift, true);
});

test('a model drifts when its drift share reaches the bound; nothing compared is no data, never "no drift"', () => {
  const f = (drift: boolean, compared = true, error = false) => ({ compared, drift, error });
  assert.deepEqual(decideModel([f(true), f(false)], 0.5), { status: 'drift', drift_share: 0.5, drift: true, feature_errors: 0 });
  assert.deepEqual(decideModel([f(true), f(false), f(false)], 0.5), { status: 'ok', drift_share: 1 / 3, drift: false, feature_errors: 0 });
  assert.deepEqual(decideModel([f(false), f(false, false, true)], 0.5), { status: 'errors', drift_share: 0, drift: false, feature_errors: 1 });
  assert.deepEqual(decideModel([f(true), f(false, false, true)], 0.5), { status: 'drift', drift_share: 1, drift: true, feature_errors: 1 });
  assert.deepEqual(decideModel([], 0.5), { status: 'no_data', drift_share: null, drift: false, feature_errors: 0 });
  assert.deepEqual(decideModel([f(false, false, true)], 0.5), { status: 'no_data', drift_share: null, drift: false, feature_errors: 1 });
});
