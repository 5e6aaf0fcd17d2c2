/**
 * The drift decision, made here and nowhere else.
 *
 * A feature drifts when its primary test's distance reaches its threshold AND,
 * when a significance test is configured, that test's p-value is below its
 * threshold. The distance alone would flag noise on small samples; the p-value
 * alone flags negligible shifts on large ones. Requiring both avoids each.
 */
import { getTest } from './registry.js';
import type { FeatureType, TestId, TestResult } from './types.js';

/** Which tests decide, and their thresholds: the config's resolved form. */
export interface DriftPolicy {
  primary: Record<FeatureType, TestId>;
  /** null: decide on the primary test alone. */
  significance: Record<FeatureType, TestId | null>;
  thresholds: Record<TestId, number>;
}

/** One test's verdict: a p-value drifts below its threshold, a distance at or above it. */
export function exceeds(id: TestId, result: TestResult, threshold: number): boolean {
  const test = getTest(id);
  const value = result[test.scoreKey];
  if (value === undefined || !Number.isFinite(value)) return false;
  return test.kind === 'p_value' ? value < threshold : value >= threshold;
}

/** The feature's score (primary test's distance) and drift flag. */
export function decideFeature(
  type: FeatureType,
  results: Partial<Record<TestId, TestResult>>,
  policy: DriftPolicy,
): { score: number | null; drift: boolean } {
  const primaryId = policy.primary[type];
  const primary = results[primaryId];
  if (!primary) return { score: null, drift: false };
  const test = getTest(primaryId);
  const score = test.kind === 'distance' ? (primary[test.scoreKey] ?? null) : primary.statistic;
  let drift = exceeds(primaryId, primary, policy.thresholds[primaryId]);
  const gateId = policy.significance[type];
  if (drift && gateId) {
    const gate = results[gateId];
    drift = gate !== undefined && exceeds(gateId, gate, policy.thresholds[gateId]);
  }
  return { score, drift };
}

/** A model's drift share over its comparable features, and whether it reaches the bound. */
export function decideModel(drifts: readonly boolean[], bound: number): { drift_share: number; drift: boolean } {
  if (drifts.length === 0) return { drift_share: 0, drift: false };
  const drift_share = drifts.filter(Boolean).length / drifts.length;
  return { drift_share, drift: drift_share >= bound };
}
