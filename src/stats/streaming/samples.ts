import type { NumericSummary } from '../types.js';
import { summarizeValues } from './baseline-summary.js';
import { WindowSummary, type PassLimits } from './window-summary.js';

/**
 * Both sides of a numeric feature given as arrays (any order; NaN and
 * ±Infinity are missing) to their summary, down the engine's own code: the
 * window kept whole, or, with `limits`, counted on grids pass by pass as a
 * window too large for memory is. Null when a side has no finite value.
 * The arrays are not changed.
 */
export function summarizeSamples(baseline: Float64Array, window: Float64Array, limits?: Partial<PassLimits>): NumericSummary | null {
  const summary = summarizeValues(baseline.slice(), limits?.buckets);
  if (!summary) return null;
  let s: WindowSummary;
  if (!limits) {
    s = WindowSummary.ofValues(summary, window.slice());
    s.endPass();
  } else {
    s = new WindowSummary(summary, limits);
    do s.add(window, window.length);
    while (s.endPass());
  }
  return s.m > 0 ? s.finish() : null;
}
