/**
 * Wasserstein-1 (earth mover's) distance between the two empirical
 * distributions, = ∫ |F_baseline − F_window| dx, as scipy.stats.wasserstein_distance.
 * `normed` divides by the baseline's standard deviation (ddof 0, floored at
 * 1e-3) so one threshold reads as "shift in baseline σ" for every feature.
 */
import { standardDeviation } from 'simple-statistics';
import type { DriftTest, TestInput, TestResult } from './types.js';

const STD_FLOOR = 1e-3;

/** Baseline standard deviation (ddof 0), as `normed` uses it. */
export function baselineStd(sorted: Float64Array): number {
  // simple-statistics reads only length and indices, so a typed array serves.
  return standardDeviation(sorted as unknown as number[]);
}

/** W1 between two ascending samples, by walking the merged order once. */
export function wasserstein1(b: Float64Array, w: Float64Array): number {
  const n = b.length;
  const m = w.length;
  let i = 0;
  let j = 0;
  let prev = Math.min(b[0], w[0]);
  let sum = 0;
  while (i < n || j < m) {
    const v = j >= m || (i < n && b[i] <= w[j]) ? b[i] : w[j];
    sum += Math.abs(i / n - j / m) * (v - prev);
    prev = v;
    while (i < n && b[i] === v) i++;
    while (j < m && w[j] === v) j++;
  }
  return sum;
}

function compute({ baseline, window, summary }: TestInput): TestResult {
  if (summary) return { statistic: summary.w1, normed: summary.w1 / Math.max(summary.std, STD_FLOOR) };
  if (!baseline || !window) throw new Error('wasserstein needs the sorted values of both sides');
  const statistic = wasserstein1(baseline, window);
  const std = baselineStd(baseline);
  return { statistic, normed: statistic / Math.max(std, STD_FLOOR) };
}

export const wasserstein: DriftTest = {
  id: 'wasserstein',
  description: 'Wasserstein-1 distance; normed = distance / baseline std, the drift score',
  appliesTo: ['numeric'],
  kind: 'distance',
  scoreKey: 'normed',
  defaultThreshold: 0.1,
  compute,
};
