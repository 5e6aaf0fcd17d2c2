/**
 * The result contract: what one run of a model produces. The engine builds
 * it, the formats print it, the exporter publishes it; its keys are the JSON
 * report's.
 */
import type { CategoryMovers, CategoryShare, FeatureType, ModelStatus, NumericMovers, TestId, TestResult } from '../stats/index.js';

/** A test and the threshold a feature was held to. */
export interface TestThreshold {
  test: TestId;
  threshold: number;
}

/** One feature's results. */
export interface FeatureReport {
  feature: string;
  type: FeatureType;
  /** `prediction` for the model's output column(s), checked like features. */
  role: 'feature' | 'prediction';
  /** Configured as critical (feature_overrides.<name>.critical): its drift alerts as CriticalFeatureDrift. */
  critical: boolean;
  /** Null when the window has no rows. */
  missing_ratio: number | null;
  baseline_missing_ratio: number | null;
  /** Only the tests that apply; empty when a side has no valid value. */
  tests: Partial<Record<TestId, TestResult>>;
  unseen_ratio?: number;
  /** Categories merged into the overflow bucket beyond max_categories; present when any were. */
  merged_categories?: number;
  out_of_range_ratio?: number;
  /** The primary test's distance; null when it could not be computed. */
  score: number | null;
  drift: boolean;
  /** Numeric, when compared: what moved inside the feature (decile bins' shares, quantiles, mean and std of both sides). */
  distribution?: NumericMovers;
  /** Categorical, when compared: the top movers, new and vanished categories. */
  categories?: CategoryMovers;
  /**
   * Categorical, when compared and configured with publish_categories: every bucket the tests used (at most
   * max_categories: the categories in order, then `category: null`, the overflow bucket of the merged ones), with its
   * share of each side's non-missing rows. Absent otherwise (and for segments), so other reports are unchanged.
   */
  category_shares?: CategoryShare[];
  /** The tests and thresholds that decide this feature. */
  decision: { primary: TestThreshold; significance: TestThreshold | null };
  /** Why the feature could not be compared (absent column, type mismatch, a value that is not finite). */
  error?: string;
}

/** One model's results. */
export interface ModelReport {
  model: string;
  /** `drift`, `ok` (no drift), `errors` (no drift among the compared features, some in error), or `no_data` (nothing could be compared). */
  status: ModelStatus;
  as_of: string;
  /** The window's time range `(start, end]`, and the newest event time in it (null without a timestamp column or rows). */
  window: { rows: number; start: string | null; end: string | null; newest_event: string | null };
  /** The baseline's reference range `(start, end]` (null for both: the whole baseline), its rows and its files' hash. */
  baseline: { rows: number; sha256: string; start: string | null; end: string | null };
  features: FeatureReport[];
  /** Share of the compared features that drifted; null when none was compared. */
  drift_share: number | null;
  /** The share at which the model drifts (drift_share_threshold); every run sets it (optional only for reports made elsewhere). */
  drift_share_threshold?: number;
  drift: boolean;
  /** Features that carry an `error`. */
  feature_errors: number;
  /** The segment_by columns of a segmented model; absent for an unsegmented one. */
  segment_by?: string[];
  /** Per segment of the window (segment_by), largest first; absent for an unsegmented model. */
  segments?: SegmentReport[];
}

/** One segment of a segmented model's window, compared like the whole window. */
export interface SegmentReport {
  /** The segment's value of each segment_by column, as text (null: SQL NULL). Empty for the overflow bucket. */
  key: Record<string, string | null>;
  /** True for the bucket that merges the smallest segments beyond max_segments. */
  other: boolean;
  /** How many distinct segments the overflow bucket merges; 1 for a real segment. */
  merged: number;
  status: ModelStatus;
  window: { rows: number };
  /** `matching`: compared with the baseline rows of the same key; `whole`: with the whole baseline. */
  baseline: { rows: number; slice: 'matching' | 'whole' };
  features: FeatureReport[];
  drift_share: number | null;
  drift: boolean;
  feature_errors: number;
}

/** The whole report: what `report --format json` prints and `/api/report` serves. */
export interface Report {
  generated_at: string;
  models: ModelReport[];
}
