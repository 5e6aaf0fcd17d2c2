/**
 * Wasserstein-1 (earth mover's) distance between the two empirical
 * distributions, = ∫ |F_baseline − F_window| dx, as scipy.stats.wasserstein_distance.
 * `normed` divides it by the baseline's scale, so one threshold reads as
 * "shift in baseline σ" for every feature, whatever its unit:
 *   scale  = min(σ, MADₙ) when MADₙ > 0, else σ,
 *   normed = W1 / max(scale, ε·max(M, W1)),  ε = 1e-12,
 * and 0 when W1 = 0. σ is the std (ddof 0), MADₙ = median |x − median| / Φ⁻¹(0.75)
 * (σ on normal data), M = median |x| (a typical value's magnitude).
 * The min keeps σ on ordinary data (normal: both agree; binary, uniform:
 * MADₙ ≥ σ), while extreme values that inflate σ (sentinels such as 1.7e308,
 * heavy tails) cannot hide a shift of the rest until they are half the
 * baseline. MADₙ = 0 (half the baseline or more at one value: zero-inflated,
 * rare binary) falls back to σ. The floor is relative to the data's own
 * magnitude, never absolute (a feature in small units drifts as any other),
 * and acts only when the scale is at rounding level for the values: a
 * constant baseline gives W1 / (ε·max(M, W1)), at most 1/ε = 1e12, so any
 * move off a constant drifts and a move at rounding level does not.
 */
import type { DriftTest, TestInput, TestResult } from '../types.js';

/** The floor on the scale, relative to the larger of the baseline's magnitude and W1. */
export const RELATIVE_STD_FLOOR = 1e-12;

/** The baseline scale `normed` divides by, before the floor: the header's min(σ, MADₙ). */
export function baselineScale(std: number, mad: number): number {
  return mad > 0 ? Math.min(std, mad) : std;
}

/** W1 in units of the baseline's scale, floored as the header says. */
export function normedW1(w1: number, scale: number, magnitude: number): number {
  if (w1 === 0) return 0;
  return w1 / Math.max(scale, RELATIVE_STD_FLOOR * Math.max(magnitude, w1));
}

function compute(input: TestInput): TestResult {
  if (input.type !== 'numeric') throw new Error('wasserstein applies to numeric features only');
  const { w1, std, mad, magnitude } = input.numeric;
  return { statistic: w1, normed: normedW1(w1, baselineScale(std, mad), magnitude) };
}

export const wasserstein = {
  id: 'wasserstein',
  description: 'Wasserstein-1 distance; normed = distance / baseline scale (the std, or the normal-scaled MAD when smaller), the drift score',
  appliesTo: ['numeric'],
  kind: 'distance',
  scoreKey: 'normed',
  defaultThreshold: 0.1,
  metrics: { statistic: 'ml_drift_wasserstein_distance' },
  compute,
} as const satisfies DriftTest;
