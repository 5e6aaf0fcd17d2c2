/** One feature's entry in the report: its missing ratios, its tests, and the decision on them. */
import type { ModelConfig } from '../config/index.js';
import type { FeatureReport } from '../report/index.js';
import { categoryShares, compareCategorical, compareNumeric, decideFeature, thresholdsFor } from '../stats/index.js';
import type { Feature } from './features.js';
import type { Profile, WindowData } from './window-scan.js';

/**
 * Compares one feature of a run from the baseline profile and what the window scans gave. `shares`: carry every
 * category's shares when the feature has publish_categories (the whole window's report; not a segment's).
 */
export function compareFeature(model: ModelConfig, f: Feature, baseline: Profile, data: WindowData, shares = false): FeatureReport {
  const policy = model.featurePolicies[f.name] ?? model.policy;
  const baselineMissing = baseline.missing.get(f.name) ?? 0;
  const out: FeatureReport = {
    feature: f.name,
    type: f.type,
    role: f.role,
    critical: model.criticalFeatures.includes(f.name),
    missing_ratio: data.rows > 0 ? 1 : null,
    baseline_missing_ratio: baseline.rows > 0 ? baselineMissing / baseline.rows : null,
    tests: {},
    score: null,
    drift: false,
    decision: thresholdsFor(f.type, policy),
  };
  if (f.problem) return { ...out, error: f.problem };
  const missing = data.missing.get(f.name)!;
  out.missing_ratio = data.rows > 0 ? missing / data.rows : null;
  // An empty side is the model's no_data; a side whose every value is missing is this feature's error.
  if (data.rows === 0 || baseline.rows === 0) return out;
  if (missing === data.rows) return { ...out, error: 'no valid value in the window: every row is missing' };
  if (baselineMissing === baseline.rows) return { ...out, error: 'no valid value in the baseline: every row is missing' };

  const comparison =
    f.type === 'numeric'
      ? compareNumeric(data.numeric.get(f.name)!)
      : compareCategorical(baseline.categorical.get(f.name)!, data.categorical.get(f.name)!, model.featureMaxCategories[f.name] ?? model.maxCategories);
  const { score, drift, error } = decideFeature(f.type, comparison.tests, policy);
  // Key order follows the documented JSON shape.
  return {
    feature: out.feature,
    type: out.type,
    role: out.role,
    critical: out.critical,
    missing_ratio: out.missing_ratio,
    baseline_missing_ratio: out.baseline_missing_ratio,
    tests: comparison.tests,
    ...(comparison.unseen_ratio !== undefined ? { unseen_ratio: comparison.unseen_ratio } : {}),
    ...(comparison.merged_categories ? { merged_categories: comparison.merged_categories } : {}),
    ...(comparison.out_of_range_ratio !== undefined ? { out_of_range_ratio: comparison.out_of_range_ratio } : {}),
    score,
    drift,
    ...(comparison.distribution ? { distribution: comparison.distribution } : {}),
    ...(comparison.categories ? { categories: comparison.categories } : {}),
    ...(shares && f.type === 'categorical' && model.publishCategories.includes(f.name) ? { category_shares: categoryShares(comparison.buckets) } : {}),
    decision: out.decision,
    ...(error ? { error } : {}),
  };
}
