/**
 * Wasserstein-1 (earth mover's) distance between the two empirical
 * distributions, = ∫ |F_baseline − F_window| dx, as scipy.stats.wasserstein_distance.
 * `normed` divides by the baseline's standard deviation (ddof 0, floored at
 * 1e-3) so one threshold reads as "shift in baseline σ" for every feature.
 */
import type { DriftTest, TestInput, TestResult } from '../types.js';

const STD_FLOOR = 1e-3;

function compute(input: TestInput): TestResult {
  if (input.type !== 'numeric') throw new Error('wasserstein applies to numeric features only');
  const { w1, std } = input.numeric;
  return { statistic: w1, normed: w1 / Math.max(std, STD_FLOOR) };
}

export const wasserstein = {
  id: 'wasserstein',
  description: 'Wasserstein-1 distance; normed = distance / baseline std, the drift score',
  appliesTo: ['numeric'],
  kind: 'distance',
  scoreKey: 'normed',
  defaultThreshold: 0.1,
  metrics: { statistic: 'ml_drift_wasserstein_distance' },
  compute,
} as const satisfies DriftTest;
