/**
 * A segmented column at once: its values grouped by segment as they were
 * read, each segment sorted (and settled or summarized, by the caller), and
 * the whole column's sorted values merged from the sorted segments, so that
 * no value is sorted twice.
 */
import { mergeSortedRuns, sortDoubles } from './kernels.js';

/**
 * Sorts each segment of `values` in place (segment s is
 * `values.subarray(bounds[s], bounds[s + 1])`, NaN and ±Infinity missing)
 * unless `sort` does it (given a segment, it returns the segment's sorted
 * finite values, at its start, or null to have them sorted here); a segment
 * `skip` names is left as it is (unless `merge`). Returns each segment's
 * finite count, and, with `merge`, the whole column's sorted finite values
 * merged from the segments', at the start of `values`.
 */
export function sortSegments(
  values: Float64Array,
  bounds: readonly number[],
  sort: (s: number, part: Float64Array) => Float64Array | null,
  merge: boolean,
  skip: (s: number) => boolean = () => false,
): { finite: number[]; whole: Float64Array | null } {
  const finite: number[] = [];
  // Each segment's sorted finite values are moved next to the previous segment's: the runs the merge takes.
  const runs = [0];
  for (let s = 0; s + 1 < bounds.length; s++) {
    if (!merge && skip(s)) {
      finite.push(0);
      continue;
    }
    const part = values.subarray(bounds[s], bounds[s + 1]);
    const sorted = sort(s, part) ?? sortDoubles(part);
    finite.push(sorted.length);
    if (merge) {
      values.copyWithin(runs[s], bounds[s], bounds[s] + sorted.length);
      runs.push(runs[s] + sorted.length);
    }
  }
  return { finite, whole: merge ? mergeSortedRuns(values, runs) : null };
}
