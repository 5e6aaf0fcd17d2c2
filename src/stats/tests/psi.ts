/**
 * Population Stability Index: Σ (q − p)·ln(q / p) over the shares of the same
 * bins or categories. An empty share is floored at 1e-4 so that a bucket seen
 * on one side only adds a large but finite amount.
 */
import type { DriftTest, TestInput, TestResult } from '../types.js';
import { shares } from '../shares.js';

const EMPTY_SHARE = 1e-4;

function compute({ bins }: TestInput): TestResult {
  const p = shares(bins.baseline);
  const q = shares(bins.window);
  let statistic = 0;
  for (let i = 0; i < p.length; i++) {
    const pi = p[i] === 0 ? EMPTY_SHARE : p[i];
    const qi = q[i] === 0 ? EMPTY_SHARE : q[i];
    statistic += (qi - pi) * Math.log(qi / pi);
  }
  return { statistic };
}

export const psi = {
  id: 'psi',
  description: 'population stability index over baseline-decile bins or categories',
  appliesTo: ['numeric', 'categorical'],
  kind: 'distance',
  scoreKey: 'statistic',
  defaultThreshold: 0.2,
  metrics: { statistic: 'ml_drift_psi' },
  compute,
} as const satisfies DriftTest;
