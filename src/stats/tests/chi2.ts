/**
 * Chi-squared test of homogeneity on the 2×k table [baseline; window] of
 * counts per bin or category, without Yates' correction.
 * Matches scipy.stats.chi2_contingency(table, correction=False).
 * The p-value is the regularized upper incomplete gamma Q(dof/2, x/2), taken
 * directly rather than as 1 − CDF so that tiny p-values keep their precision.
 */
import { createRequire } from 'node:module';
import type { DriftTest, TestInput, TestResult } from '../types.js';

type GammaInc = (x: number, s: number, regularized: boolean, upper: boolean) => number;
// Loaded at the first test, not on import: the package is ~100 small modules (~0.1 s), and the
// summary threads and `--help` import this folder without ever needing it.
let gammaincFn: GammaInc | null = null;
function gammainc(x: number, s: number, regularized: boolean, upper: boolean): number {
  gammaincFn ??= createRequire(import.meta.url)('@stdlib/math-base-special-gammainc') as GammaInc;
  return gammaincFn(x, s, regularized, upper);
}

function compute({ bins }: TestInput): TestResult {
  const b = bins.baseline;
  const w = bins.window;
  let nb = 0;
  let nw = 0;
  let columns = 0;
  for (let i = 0; i < b.length; i++) {
    nb += b[i];
    nw += w[i];
    if (b[i] + w[i] > 0) columns++;
  }
  // Fewer than two non-empty columns: nothing to test (SciPy's convention here).
  if (columns < 2 || nb === 0 || nw === 0) return { statistic: 0, p_value: 1, dof: 0 };
  const total = nb + nw;
  let statistic = 0;
  for (let i = 0; i < b.length; i++) {
    const col = b[i] + w[i];
    if (col === 0) continue;
    const eb = (nb * col) / total;
    const ew = (nw * col) / total;
    statistic += (b[i] - eb) ** 2 / eb + (w[i] - ew) ** 2 / ew;
  }
  const dof = columns - 1;
  return { statistic, p_value: chi2Sf(statistic, dof), dof };
}

/** P(X >= x) for X ~ chi-squared with `dof` degrees of freedom. */
export function chi2Sf(x: number, dof: number): number {
  if (x <= 0) return 1;
  return gammainc(x / 2, dof / 2, true, true);
}

export const chi2 = {
  id: 'chi2',
  description: 'chi-squared homogeneity test on baseline-decile bins or categories (p-value)',
  appliesTo: ['numeric', 'categorical'],
  kind: 'p_value',
  scoreKey: 'p_value',
  defaultThreshold: 0.01,
  metrics: { statistic: 'ml_drift_chi2_statistic', p_value: 'ml_drift_chi2_p_value' },
  compute,
} as const satisfies DriftTest;
