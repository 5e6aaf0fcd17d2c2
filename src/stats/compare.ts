/**
 * Compares one feature's two sides with every applicable test. Pure: the
 * engine hands in a numeric summary or category counts.
 */
import { alignCategories, QUANTILE_NAMES } from './bins.js';
import { testsFor, type TestId } from './registry.js';
import { shares } from './shares.js';
import type { NumericSummary, SideStats, TestInput, TestResult } from './types.js';

/** How many top movers, new and vanished categories a comparison lists, by default. */
export const TOP_MOVERS = 10;

/** One side's mean, std and quantiles, as the JSON report carries them. */
export interface SideDescription {
  mean: number | null;
  std: number | null;
  /** p1 … p99 (np.quantile, linear interpolation); null when they could not be computed exactly. */
  quantiles: Record<(typeof QUANTILE_NAMES)[number], number> | null;
  /** Why a null field is null. */
  reason?: string;
}

/** What moved inside a numeric feature: the decile bins' shares and each side's location and spread. */
export interface NumericMovers {
  /** The baseline's decile edges (duplicates removed): bin 0 is below edges[0], bin k is [edges[k−1], edges[k]), the last is at or above the last edge. */
  edges: number[];
  baseline_shares: number[];
  window_shares: number[];
  baseline: SideDescription;
  window: SideDescription;
  /**
   * Where the KS distance D is reached: at `x`, both ECDFs (shares of values <= x); with `below`, just below x
   * (shares of values < x), the gap then being reached on an interval that ends at x.
   */
  ks_at: { x: number; below: boolean; baseline_ecdf: number; window_ecdf: number };
}

/** What moved inside a categorical feature; shares are of each side's non-missing rows. */
export interface CategoryMovers {
  /** The categories whose share changed most (|window − baseline|, then by name), at most `limit`. */
  top_movers: { category: string; baseline_share: number; window_share: number }[];
  /** Window categories the baseline never had, largest share first, at most `limit`; `new_others` counts the rest. */
  new: { category: string; window_share: number }[];
  new_others: number;
  /** Baseline categories absent from the window, largest share first, at most `limit`; `vanished_others` counts the rest. */
  vanished: { category: string; baseline_share: number }[];
  vanished_others: number;
}

/** One bucket of a categorical comparison and its share of each side's non-missing rows; `category` null is the overflow bucket. */
export interface CategoryShare {
  category: string | null;
  baseline: number;
  window: number;
}

/**
 * The share of every bucket a categorical comparison used (its categories in
 * order, then the overflow bucket of the merged ones, if any): the full
 * vectors the tests saw, where `categories` lists only the largest movers.
 */
export function categoryShares(buckets: Comparison['buckets']): CategoryShare[] {
  const names = buckets.categories ?? [];
  const b = shares(buckets.baseline);
  const w = shares(buckets.window);
  return Array.from(b, (share, i) => ({ category: i < names.length ? names[i] : null, baseline: share, window: w[i] }));
}

/** Every applicable test's result, plus the data-quality ratio of the feature type. */
export interface Comparison {
  tests: Partial<Record<TestId, TestResult>>;
  unseen_ratio?: number;
  out_of_range_ratio?: number;
  /** Categorical: how many categories the max_categories cap merged into one overflow bucket (0: none). */
  merged_categories?: number;
  /**
   * The buckets the binned tests used: decile edges, or categories (when
   * categories were merged, the counts have one more slot, the overflow bucket).
   */
  buckets: { edges?: Float64Array; categories?: string[]; baseline: Float64Array; window: Float64Array };
  /** Numeric: bin shares, quantiles, mean and std of both sides. */
  distribution?: NumericMovers;
  /** Categorical: top movers, new and vanished categories. */
  categories?: CategoryMovers;
}

function runTests(input: TestInput): Partial<Record<TestId, TestResult>> {
  const tests: Partial<Record<TestId, TestResult>> = {};
  for (const t of testsFor(input.type)) tests[t.id] = t.compute(input);
  return tests;
}

/** Numeric feature, from its summary (m > 0). */
export function compareNumeric(s: NumericSummary): Comparison {
  return {
    tests: runTests({ type: 'numeric', numeric: s, bins: s.bins }),
    out_of_range_ratio: s.outOfRange / s.m,
    buckets: { edges: s.edges, ...s.bins },
    distribution: {
      edges: [...s.edges],
      baseline_shares: [...shares(s.bins.baseline)],
      window_shares: [...shares(s.bins.window)],
      baseline: describe(s.baselineStats),
      window: describe(s.windowStats),
      ks_at: { x: s.ksAt.x, below: s.ksAt.below, baseline_ecdf: s.ksAt.baseline, window_ecdf: s.ksAt.window },
    },
  };
}

function describe(s: SideStats): SideDescription {
  const quantiles = s.quantiles ? (Object.fromEntries(QUANTILE_NAMES.map((name, i) => [name, s.quantiles![i]])) as SideDescription['quantiles']) : null;
  return { mean: s.mean, std: s.std, quantiles, ...(s.reason ? { reason: s.reason } : {}) };
}

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Top movers, new and vanished categories of two category-count maps (each non-empty), at most `limit` of each. */
export function categoryMovers(baseline: Map<string, number>, window: Map<string, number>, limit: number = TOP_MOVERS): CategoryMovers {
  let nb = 0;
  let nw = 0;
  for (const n of baseline.values()) nb += n;
  for (const n of window.values()) nw += n;
  const all: { category: string; baseline_share: number; window_share: number }[] = [];
  for (const [c, n] of baseline) all.push({ category: c, baseline_share: n / nb, window_share: (window.get(c) ?? 0) / nw });
  for (const [c, n] of window) if (!baseline.has(c)) all.push({ category: c, baseline_share: 0, window_share: n / nw });
  const change = (x: (typeof all)[number]) => Math.abs(x.window_share - x.baseline_share);
  const top = all.sort((a, b) => change(b) - change(a) || byName(a.category, b.category)).slice(0, limit);
  const fresh = all.filter((x) => !baseline.has(x.category)).sort((a, b) => b.window_share - a.window_share || byName(a.category, b.category));
  const gone = all.filter((x) => !window.has(x.category)).sort((a, b) => b.baseline_share - a.baseline_share || byName(a.category, b.category));
  return {
    top_movers: top.map((x) => ({ ...x })),
    new: fresh.slice(0, limit).map((x) => ({ category: x.category, window_share: x.window_share })),
    new_others: Math.max(0, fresh.length - limit),
    vanished: gone.slice(0, limit).map((x) => ({ category: x.category, baseline_share: x.baseline_share })),
    vanished_others: Math.max(0, gone.length - limit),
  };
}

/** Categorical feature: rows per category on both sides, each non-empty; at most `maxCategories` buckets. */
export function compareCategorical(baseline: Map<string, number>, window: Map<string, number>, maxCategories: number, topMovers: number = TOP_MOVERS): Comparison {
  const aligned = alignCategories(baseline, window, maxCategories);
  let windowTotal = 0;
  for (const n of window.values()) windowTotal += n;
  const bins = { baseline: aligned.baseline, window: aligned.window };
  return {
    tests: runTests({ type: 'categorical', bins }),
    unseen_ratio: aligned.unseen / windowTotal,
    merged_categories: aligned.merged,
    buckets: { categories: aligned.categories, ...bins },
    categories: categoryMovers(baseline, window, topMovers),
  };
}
