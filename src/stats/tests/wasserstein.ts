/**
 * Wasserstein-1 (earth mover's) distance between the two empirical
 * distributions, = ∫ |F_baseline − F_window| dx, as scipy.stats.wasserstein_distance.
 * `normed` divides it by the baseline's standard deviation (ddof 0), so one
 * threshold reads as "shift in baseline σ" for every feature, whatever its
 * unit. The σ is floored relative to the data's own scale, never at an
 * absolute value (a feature in small units drifts as any other):
 *   normed = W1 / max(σ, ε·max(M, W1)),  ε = 1e-12, M = max |baseline value|,
 * and 0 when W1 = 0. The floor only acts when σ is at rounding level for the
 * values (a constant baseline: then normed = W1 / (ε·max(M, W1)), at most
 * 1/ε = 1e12, so any move off a constant drifts and a move at rounding
 * level does not).
 */
import type { DriftTest, TestInput, TestResult } from '../types.js';

/** The floor on σ, relative to the larger of the baseline's magnitude and W1. */
export const RELATIVE_STD_FLOOR = 1e-12;

/** W1 in units of the baseline's σ, floored as the header says. */
export function normedW1(w1: number, std: number, magnitude: number): number {
  if (w1 === 0) return 0;
  return w1 / Math.max(std, RELATIVE_STD_FLOOR * Math.max(magnitude, w1));
}

function compute(input: TestInput): TestResult {
  if (input.type !== 'numeric') throw new Error('wasserstein applies to numeric features only');
  const { w1, std, magnitude } = input.numeric;
  return { statistic: w1, normed: normedW1(w1, std, magnitude) };
}

export const wasserstein = {
  id: 'wasserstein',
  description: 'Wasserstein-1 distance; normed = distance / baseline std (floored relative to the data scale), the drift score',
  appliesTo: ['numeric'],
  kind: 'distance',
  scoreKey: 'normed',
  defaultThreshold: 0.1,
  metrics: { statistic: 'ml_drift_wasserstein_distance' },
  compute,
} as const satisfies DriftTest;
