/**
 * Two-sample, two-sided Kolmogorov–Smirnov test on the non-missing values.
 * statistic = D = sup |F_baseline − F_window|, from the numeric summary; the
 * p-value follows scipy.stats.ks_2samp(method="auto"): the exact distribution
 * while max(n, m) <= 10000, otherwise kstwo.sf(D, round(n·m / (n + m))).
 */
import type { DriftTest, TestInput, TestResult } from '../types.js';
import { ksTwoSampleExactSf, kstwoSf } from '../kolmogorov.js';

/** Largest sample for which the exact p-value is used, as in SciPy. */
export const KS_EXACT_MAX_N = 10000;

/** The KS p-value for D with sample sizes n and m, choosing the method as SciPy's "auto" does. */
export function ksPValue(d: number, n: number, m: number): number {
  if (Math.max(n, m) <= KS_EXACT_MAX_N) return ksTwoSampleExactSf(n, m, d);
  return kstwoSf(Math.round((n * m) / (n + m)), d);
}

function compute(input: TestInput): TestResult {
  if (input.type !== 'numeric') throw new Error('ks applies to numeric features only');
  const { d, n, m } = input.numeric;
  return { statistic: d, p_value: ksPValue(d, n, m) };
}

export const ks = {
  id: 'ks',
  description: 'two-sample Kolmogorov–Smirnov test (p-value; statistic D = max CDF gap)',
  appliesTo: ['numeric'],
  kind: 'p_value',
  scoreKey: 'p_value',
  defaultThreshold: 0.01,
  metrics: { statistic: 'ml_drift_ks_statistic', p_value: 'ml_drift_ks_p_value' },
  compute,
} as const satisfies DriftTest;
