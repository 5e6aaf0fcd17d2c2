/** The two kinds of feature the engine compares. */
export type FeatureType = 'numeric' | 'categorical';

/** The statistical tests drift-exporter knows, by id. */
export type TestId = 'ks' | 'chi2' | 'js' | 'psi' | 'wasserstein';

/** Numeric statistics already reduced from streaming summaries (see summary.ts). */
export interface NumericSummaryInput {
  n: number;
  m: number;
  /** KS D. */
  d: number;
  /** Wasserstein-1 distance. */
  w1: number;
  /** Baseline standard deviation, ddof 0. */
  std: number;
}

/**
 * What every test receives: the non-missing values of both sides, already
 * prepared by the data layer. `bins` holds counts over the same buckets for
 * both sides: baseline-decile bins for numeric features, categories for
 * categorical ones.
 */
export interface TestInput {
  type: FeatureType;
  /** Numeric only: ascending, no NaN. */
  baseline?: Float64Array;
  /** Numeric only: ascending, no NaN. */
  window?: Float64Array;
  /** Numeric only, instead of the two samples: D, W1 and sizes from the streaming summaries. */
  summary?: NumericSummaryInput;
  bins: { baseline: Float64Array; window: Float64Array };
}

/** A test's published result; the keys are part of the JSON report contract. */
export interface TestResult {
  statistic: number;
  p_value?: number;
  dof?: number;
  normed?: number;
}

/** One statistical test: metadata plus a pure compute. */
export interface DriftTest {
  id: TestId;
  /** One line for help texts and metric HELP. */
  description: string;
  appliesTo: readonly FeatureType[];
  /** A p-value drifts when below its threshold; a distance when at or above. */
  kind: 'p_value' | 'distance';
  /** Which field of the result is compared with the threshold. */
  scoreKey: 'p_value' | 'statistic' | 'normed';
  defaultThreshold: number;
  compute(input: TestInput): TestResult;
}
