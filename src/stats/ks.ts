/**
 * Two-sample, two-sided Kolmogorov–Smirnov test on the non-missing values.
 * statistic = D = sup |F_baseline − F_window|; the p-value follows
 * scipy.stats.ks_2samp(method="auto"): the exact distribution while
 * max(n, m) <= 10000, otherwise kstwo.sf(D, round(n·m / (n + m))).
 * D comes from the merge walk below on sorted samples, or, for the engine's
 * streamed windows, from summary.ts, which evaluates the same |i/n − j/m|.
 */
import type { DriftTest, TestInput, TestResult } from './types.js';
import { ksTwoSampleExactSf, kstwoSf } from './kolmogorov.js';

/** Largest sample for which the exact p-value is used, as in SciPy. */
export const KS_EXACT_MAX_N = 10000;

/** D = sup |F_b − F_w| for two ascending samples. */
export function ksStatistic(b: Float64Array, w: Float64Array): number {
  const n = b.length;
  const m = w.length;
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < n && j < m) {
    // Step past every copy of the next value on both sides before comparing, so ties count once.
    const v = b[i] <= w[j] ? b[i] : w[j];
    while (i < n && b[i] === v) i++;
    while (j < m && w[j] === v) j++;
    const gap = Math.abs(i / n - j / m);
    if (gap > d) d = gap;
  }
  return d;
}

/** The KS p-value for D with sample sizes n and m, choosing the method as SciPy's "auto" does. */
export function ksPValue(d: number, n: number, m: number): number {
  if (Math.max(n, m) <= KS_EXACT_MAX_N) return ksTwoSampleExactSf(n, m, d);
  return kstwoSf(Math.round((n * m) / (n + m)), d);
}

function compute({ baseline, window, summary }: TestInput): TestResult {
  if (summary) return { statistic: summary.d, p_value: ksPValue(summary.d, summary.n, summary.m) };
  if (!baseline || !window) throw new Error('ks needs the sorted values of both sides');
  const statistic = ksStatistic(baseline, window);
  return { statistic, p_value: ksPValue(statistic, baseline.length, window.length) };
}

export const ks: DriftTest = {
  id: 'ks',
  description: 'two-sample Kolmogorov–Smirnov test (p-value; statistic D = max CDF gap)',
  appliesTo: ['numeric'],
  kind: 'p_value',
  scoreKey: 'p_value',
  defaultThreshold: 0.01,
  compute,
};
