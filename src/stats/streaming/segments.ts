/**
 * A segmented window column at once: its finite values grouped by segment,
 * each segment sorted (and settled, by the caller), and the whole column's
 * sorted values merged from the sorted segments, so that no value is sorted
 * twice.
 */
import { sortDoubles } from './kernels.js';
import { mergeRuns } from './merge.js';

/** A column's finite values grouped by segment id: segment s is `values.subarray(bounds[s], bounds[s + 1])`; rows and missing values per segment. */
export interface Grouped {
  values: Float64Array;
  bounds: number[];
  rows: Int32Array;
  missing: Int32Array;
}

/** Groups the finite values of `values` by the segment id of their row (`segs[r]` < `count`); NaN and ±Infinity are missing. */
export function groupBySegment(values: Float64Array, segs: Uint16Array, count: number): Grouped {
  const rows = new Int32Array(count);
  const missing = new Int32Array(count);
  for (let r = 0; r < values.length; r++) {
    const s = segs[r];
    rows[s]++;
    if (values[r] - values[r] !== 0) missing[s]++;
  }
  const bounds = [0];
  for (let s = 0; s < count; s++) bounds.push(bounds[s] + rows[s] - missing[s]);
  const at = bounds.slice(0, count);
  const out = new Float64Array(bounds[count]);
  for (let r = 0; r < values.length; r++) {
    const x = values[r];
    if (x - x === 0) out[at[segs[r]]++] = x;
  }
  return { values: out, bounds, rows, missing };
}

/**
 * Sorts each segment of `g` in place unless `settle` already did (it is
 * given each segment's values and returns true when it left them sorted),
 * then merges the segments into the whole column's sorted finite values
 * (in `g.values` or in `spare`, at least as long).
 */
export function sortSegments(g: Grouped, spare: Float64Array, settle: (s: number, part: Float64Array) => boolean): Float64Array {
  for (let s = 0; s + 1 < g.bounds.length; s++) {
    const part = g.values.subarray(g.bounds[s], g.bounds[s + 1]);
    if (!settle(s, part)) sortDoubles(part);
  }
  return mergeRuns(g.values, g.bounds, spare);
}
