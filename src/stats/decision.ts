/**
 * The drift decision, made here and nowhere else.
 *
 * A feature drifts when its primary test's distance reaches its threshold AND,
 * when a significance test is configured, that test's p-value is below its
 * threshold. The distance alone would flag noise on small samples; the p-value
 * alone flags negligible shifts on large ones. Requiring both avoids each.
 * A value that is not a finite number decides nothing: it is an error.
 */
import { getTest, type TestId } from './registry.js';
import type { FeatureType, TestResult } from './types.js';

/** Which tests decide, and their thresholds: the config's resolved form. */
export interface DriftPolicy {
  primary: Record<FeatureType, TestId>;
  /** null: decide on the primary test alone. */
  significance: Record<FeatureType, TestId | null>;
  thresholds: Record<TestId, number>;
}

/** A test and the threshold it was held to. */
export interface TestThreshold {
  test: TestId;
  threshold: number;
}

/** How a feature was decided: its score, its verdict, and the tests and thresholds behind them. */
export interface Decision {
  /** The primary test's distance; null when it could not be computed. */
  score: number | null;
  drift: boolean;
  primary: TestThreshold;
  significance: TestThreshold | null;
  /** Why no verdict could be reached (a test gave a value that is not finite, or did not run). */
  error?: string;
}

/** The value of a result that is compared with its threshold, or undefined when absent. */
function decidingValue(id: TestId, result: TestResult | undefined): number | undefined {
  return result?.[getTest(id).scoreKey];
}

/** One test's verdict on a finite value: a p-value drifts below its threshold, a distance at or above it. */
export function exceeds(id: TestId, value: number, threshold: number): boolean {
  return getTest(id).kind === 'p_value' ? value < threshold : value >= threshold;
}

/** The policy's tests and thresholds for a feature type. */
export function thresholdsFor(type: FeatureType, policy: DriftPolicy): { primary: TestThreshold; significance: TestThreshold | null } {
  const p = policy.primary[type];
  const s = policy.significance[type];
  return { primary: { test: p, threshold: policy.thresholds[p] }, significance: s ? { test: s, threshold: policy.thresholds[s] } : null };
}

/** The feature's score (primary test's distance) and drift flag, from its test results. */
export function decideFeature(type: FeatureType, results: Partial<Record<TestId, TestResult>>, policy: DriftPolicy): Decision {
  const { primary, significance } = thresholdsFor(type, policy);
  const base = { primary, significance };
  const value = decidingValue(primary.test, results[primary.test]);
  if (value === undefined) return { ...base, score: null, drift: false, error: `the primary test ${primary.test} did not run` };
  if (!Number.isFinite(value)) return { ...base, score: null, drift: false, error: `the primary test ${primary.test} gave ${value}, not a finite number` };
  const score = getTest(primary.test).kind === 'distance' ? value : (results[primary.test]?.statistic ?? null);
  let drift = exceeds(primary.test, value, primary.threshold);
  if (significance) {
    const p = decidingValue(significance.test, results[significance.test]);
    if (p === undefined) return { ...base, score, drift: false, error: `the significance test ${significance.test} did not run` };
    if (!Number.isFinite(p)) return { ...base, score, drift: false, error: `the significance test ${significance.test} gave ${p}, not a finite number` };
    drift &&= exceeds(significance.test, p, significance.threshold);
  }
  return { ...base, score, drift };
}

/** A model's outcome: drift, no drift, some features in error, or nothing could be compared. */
export type ModelStatus = 'drift' | 'ok' | 'errors' | 'no_data';

/** A feature as the model decision sees it: compared (it has a score) or not, drifted, in error. */
export interface FeatureOutcome {
  compared: boolean;
  drift: boolean;
  error: boolean;
}

/**
 * The model's drift share over its compared features, whether it reaches the
 * bound, and its status. With no feature compared (an empty window or
 * baseline, or every value missing) the status is `no_data`: never "no drift".
 */
export function decideModel(features: readonly FeatureOutcome[], bound: number): { status: ModelStatus; drift_share: number | null; drift: boolean; feature_errors: number } {
  const compared = features.filter((f) => f.compared);
  const feature_errors = features.filter((f) => f.error).length;
  if (compared.length === 0) return { status: 'no_data', drift_share: null, drift: false, feature_errors };
  const drift_share = compared.filter((f) => f.drift).length / compared.length;
  const drift = drift_share >= bound;
  return { status: drift ? 'drift' : feature_errors > 0 ? 'errors' : 'ok', drift_share, drift, feature_errors };
}
