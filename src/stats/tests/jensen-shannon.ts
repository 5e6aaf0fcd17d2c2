/**
 * Jensen–Shannon divergence, in bits, between the baseline and window shares
 * over the same bins or categories: 0 for identical, 1 for disjoint.
 * Matches scipy.spatial.distance.jensenshannon(p, q, base=2) ** 2.
 */
import type { DriftTest, TestInput, TestResult } from '../types.js';
import { shares } from '../shares.js';

function compute({ bins }: TestInput): TestResult {
  const p = shares(bins.baseline);
  const q = shares(bins.window);
  let sum = 0;
  for (let i = 0; i < p.length; i++) {
    const m = (p[i] + q[i]) / 2;
    if (p[i] > 0) sum += p[i] * Math.log2(p[i] / m);
    if (q[i] > 0) sum += q[i] * Math.log2(q[i] / m);
  }
  // Rounding can leave a hair outside [0, 1].
  return { statistic: Math.min(1, Math.max(0, sum / 2)) };
}

export const jensenShannon = {
  id: 'js',
  description: 'Jensen–Shannon divergence in bits, 0 (identical) to 1 (disjoint)',
  appliesTo: ['numeric', 'categorical'],
  kind: 'distance',
  scoreKey: 'statistic',
  defaultThreshold: 0.02,
  metrics: { statistic: 'ml_drift_js_divergence' },
  compute,
} as const satisfies DriftTest;
