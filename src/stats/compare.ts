/**
 * Compares one feature's two sides with every applicable test. Pure: the
 * engine hands in a numeric summary or category counts.
 */
import { alignCategories } from './bins.js';
import { testsFor, type TestId } from './registry.js';
import type { NumericSummary, TestInput, TestResult } from './types.js';

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
  };
}

/** Categorical feature: rows per category on both sides, each non-empty; at most `maxCategories` buckets. */
export function compareCategorical(baseline: Map<string, number>, window: Map<string, number>, maxCategories: number): Comparison {
  const aligned = alignCategories(baseline, window, maxCategories);
  let windowTotal = 0;
  for (const n of window.values()) windowTotal += n;
  const bins = { baseline: aligned.baseline, window: aligned.window };
  return {
    tests: runTests({ type: 'categorical', bins }),
    unseen_ratio: aligned.unseen / windowTotal,
    merged_categories: aligned.merged,
    buckets: { categories: aligned.categories, ...bins },
  };
}
