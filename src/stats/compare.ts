/**
 * Compares one feature's two sides with every applicable test. Pure: the
 * data layer hands in sorted values or category counts, and the reference
 * conformance tests call these same functions.
 */
import { alignCategories, binCounts, decileEdges, lowerBound, upperBound } from './bins.js';
import { testsFor } from './registry.js';
import type { NumericStats } from './summary.js';
import type { TestId, TestInput, TestResult } from './types.js';

/** Every applicable test's result, plus the data-quality ratio of the feature type. */
export interface Comparison {
  tests: Partial<Record<TestId, TestResult>>;
  unseen_ratio?: number;
  out_of_range_ratio?: number;
  /** The buckets the binned tests used (decile edges, or categories). */
  buckets: { edges?: Float64Array; categories?: string[]; baseline: Float64Array; window: Float64Array };
}

function runTests(input: TestInput): Partial<Record<TestId, TestResult>> {
  const tests: Partial<Record<TestId, TestResult>> = {};
  for (const t of testsFor(input.type)) tests[t.id] = t.compute(input);
  return tests;
}

/** Numeric feature: both sides' finite values, ascending, each non-empty. */
export function compareNumeric(baseline: Float64Array, window: Float64Array): Comparison {
  const edges = decileEdges(baseline);
  const bins = { baseline: binCounts(baseline, edges), window: binCounts(window, edges) };
  const below = lowerBound(window, baseline[0]);
  const above = window.length - upperBound(window, baseline[baseline.length - 1]);
  return {
    tests: runTests({ type: 'numeric', baseline, window, bins }),
    out_of_range_ratio: (below + above) / window.length,
    buckets: { edges, ...bins },
  };
}

/** Numeric feature from streaming summaries (summary.ts): the same results without either sorted sample. */
export function compareNumericStats(s: NumericStats): Comparison {
  const summary = { n: s.n, m: s.m, d: s.d, w1: s.w1, std: s.std };
  return {
    tests: runTests({ type: 'numeric', summary, bins: s.bins }),
    out_of_range_ratio: s.outOfRange / s.m,
    buckets: { edges: s.edges, ...s.bins },
  };
}

/** Categorical feature: rows per category on both sides, each non-empty. */
export function compareCategorical(baseline: Map<string, number>, window: Map<string, number>, maxCategories: number): Comparison {
  const aligned = alignCategories(baseline, window, maxCategories);
  let windowTotal = 0;
  for (const n of window.values()) windowTotal += n;
  const bins = { baseline: aligned.baseline, window: aligned.window };
  return {
    tests: runTests({ type: 'categorical', bins }),
    unseen_ratio: aligned.unseen / windowTotal,
    buckets: { categories: aligned.categories, ...bins },
  };
}
