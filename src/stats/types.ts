import type { TestId } from './registry.js';

export type { TestId };

/** The two kinds of feature the engine compares. */
export type FeatureType = 'numeric' | 'categorical';

/** Counts over the same buckets for both sides: baseline-decile bins, or categories. */
export interface Bins {
  baseline: Float64Array;
  window: Float64Array;
}

/**
 * A numeric feature's two sides, reduced to what the numeric tests need:
 * the only numeric input of every test. The streaming summaries build it
 * (stats/streaming), whether the window was kept whole, counted on grids,
 * or given as sorted arrays.
 */
export interface NumericSummary {
  /** Finite baseline values. */
  n: number;
  /** Finite window values. */
  m: number;
  /** KS D = sup |F_b − F_w|. */
  d: number;
  /** Where D is reached. */
  ksAt: KsLocation;
  /** Wasserstein-1 distance. */
  w1: number;
  /** Baseline standard deviation, ddof 0. */
  std: number;
  /** Baseline median absolute deviation in σ of a normal (MAD / Φ⁻¹(0.75)); with `std`, the scale of `normed`. */
  mad: number;
  /** The baseline's median |value|: the magnitude `normed`'s floor is relative to. */
  magnitude: number;
  /** Baseline decile edges, duplicates removed. */
  edges: Float64Array;
  bins: Bins;
  /** Window values below the baseline's min or above its max. */
  outOfRange: number;
  /** Each side's mean, std and quantiles, as NumPy computes them. */
  baselineStats: SideStats;
  windowStats: SideStats;
}

/**
 * A value x where the KS distance is reached, and both ECDFs there: at x
 * (the shares of values <= x), or, with `below`, just below x (the shares
 * of values < x: the gap is reached over an interval ending at x, between
 * two values of which only the bound is known).
 */
export interface KsLocation {
  x: number;
  below: boolean;
  baseline: number;
  window: number;
}

/**
 * One side's location and spread: NumPy's mean, std (ddof 0), and quantiles
 * at QUANTILES with linear interpolation (np.quantile's default). A field is
 * null only when it could not be computed exactly, and `reason` says why.
 */
export interface SideStats {
  mean: number | null;
  std: number | null;
  /** At QUANTILES (bins.ts), in order. */
  quantiles: number[] | null;
  reason?: string;
}

/** What every test receives: the bins of both sides, and for numeric features their summary. */
export type TestInput = { type: 'numeric'; numeric: NumericSummary; bins: Bins } | { type: 'categorical'; bins: Bins };

/** A test's published result; the keys are part of the JSON report contract. */
export interface TestResult {
  statistic: number;
  p_value?: number;
  dof?: number;
  normed?: number;
}

/** The result fields a test may publish as a metric of its own. */
export type PublishedField = 'statistic' | 'p_value';

/** One statistical test: metadata plus a pure compute. */
export interface DriftTest<Id extends string = string> {
  id: Id;
  /** One line for help texts and metric HELP. */
  description: string;
  appliesTo: readonly FeatureType[];
  /** A p-value drifts when below its threshold; a distance when at or above. */
  kind: 'p_value' | 'distance';
  /** Which field of the result is compared with the threshold. */
  scoreKey: 'p_value' | 'statistic' | 'normed';
  defaultThreshold: number;
  /** The metric each published result field goes to (the metric contract). */
  metrics: Partial<Record<PublishedField, string>>;
  compute(input: TestInput): TestResult;
}
