import type { BaselineSummary } from './baseline-summary.js';
import type { Settled } from './kernels.js';

/** Above this magnitude (2^958) the merge scales values by MERGE_SMALL_SCALE. */
export const MERGE_BIG = 2 ** 958;
/**
 * 2^-72: exact (a power of two), and small enough that, with n·m < 2^63, no
 * difference of two doubles nor the unnormalised sum (at most n·m·range) can overflow.
 */
export const MERGE_SMALL_SCALE = 2 ** -72;

/** The merge's scale for sorted window values v and points: 1 unless a value passes MERGE_BIG. */
export function mergeScale(v: Float64Array, points: Float64Array): number {
  let big = Math.max(Math.abs(points[0]), Math.abs(points[points.length - 1]));
  if (v.length > 0) big = Math.max(big, Math.abs(v[0]), Math.abs(v[v.length - 1]));
  return big > MERGE_BIG ? MERGE_SMALL_SCALE : 1;
}

/**
 * The kernel's merge (kernels.as.ts `settle`), for inputs too large for its
 * memory: the window's values, sorted, against the baseline's points.
 */
export function mergeSorted(v: Float64Array, baseline: BaselineSummary): Settled {
  const { n, points, counts, edges } = baseline;
  const m = v.length;
  const P = points.length;
  const below = new Float64Array(edges.length);
  // F_b − F_w = (I·m − J·n)/(n·m): integers, exact while n·m < 2^53, so the loop needs no division. D is then
  // taken as |I/n − J/m| at the maximising steps, rounded exactly as the sort-based statistic rounds it.
  let I = 0;
  let J = 0;
  let q = 0;
  let k = 0;
  let e = 0;
  let w1 = 0;
  let d = 0;
  let dAt = 0;
  // Where D is reached: the first value with the largest |I·m − J·n|, and I, J there.
  let xAt = NaN;
  let iAt = 0;
  let jAt = 0;
  // W1 is summed as Σ |I·m − J·n|·(x − prev)·s; prev is kept scaled.
  const s = mergeScale(v, points);
  let prev = (m > 0 ? Math.min(points[0], v[0]) : points[0]) * s;
  while (k < m) {
    const x = v[k];
    // Points below the next window value: F_w is constant across them.
    while (q < P && points[q] < x) {
      const p = points[q];
      const ps = p * s;
      w1 += Math.abs(I * m - J * n) * (ps - prev);
      if (e < edges.length && edges[e] === p) below[e++] = J;
      I += counts[q++];
      const after = Math.abs(I * m - J * n);
      if (after >= d) {
        dAt = after > d ? Math.abs(I / n - J / m) : Math.max(dAt, Math.abs(I / n - J / m));
        if (after > d || xAt !== xAt) [xAt, iAt, jAt] = [p, I, J];
        d = after;
      }
      prev = ps;
    }
    const xs = x * s;
    w1 += Math.abs(I * m - J * n) * (xs - prev);
    if (e < edges.length && edges[e] === x) below[e++] = J;
    if (q < P && points[q] === x) I += counts[q++];
    let j = k + 1;
    while (j < m && v[j] === x) j++;
    J += j - k;
    k = j;
    const after = Math.abs(I * m - J * n);
    if (after >= d) {
      dAt = after > d ? Math.abs(I / n - J / m) : Math.max(dAt, Math.abs(I / n - J / m));
      if (after > d || xAt !== xAt) [xAt, iAt, jAt] = [x, I, J];
      d = after;
    }
    prev = xs;
  }
  // Past the last window value F_w = 1.
  while (q < P) {
    const ps = points[q] * s;
    w1 += Math.abs(I * m - J * n) * (ps - prev);
    if (e < edges.length && edges[e] === points[q]) below[e++] = J;
    I += counts[q++];
    // |F_b − F_w| only shrinks here (F_w = 1): D is already known.
    prev = ps;
  }
  let out = 0;
  for (let i = 0; i < m && v[i] < points[0]; i++) out++;
  for (let i = m - 1; i >= 0 && v[i] > points[P - 1]; i--) out++;
  return { m, w1, d: dAt, at: { x: xAt, baseline: iAt, window: jAt }, outOfRange: out, below, scale: s };
}

/**
 * Merges the ascending runs [bounds[i], bounds[i + 1]) of `a` (ordered as
 * sortDoubles orders them) into one such run, pairwise (log2 of the runs'
 * count passes, each a plain two-way merge), using `b` (at least as long)
 * as the other buffer. Returns the merged values: a view of `a` or of `b`.
 */
export function mergeRuns(a: Float64Array, bounds: readonly number[], b: Float64Array): Float64Array {
  const total = bounds[bounds.length - 1];
  let src = a;
  let dst = b;
  let runs = bounds.slice();
  while (runs.length > 2) {
    const next = [0];
    for (let r = 0; r + 1 < runs.length; r += 2) {
      const lo = runs[r];
      const mid = runs[r + 1];
      const hi = r + 2 < runs.length ? runs[r + 2] : mid;
      let i = lo;
      let j = mid;
      let k = lo;
      while (i < mid && j < hi) {
        const x = src[i];
        const y = src[j];
        // -0 before +0, as sortDoubles orders them: the result is the one sorting them all gives.
        if (y < x || (y === x && y === 0 && 1 / y < 1 / x)) {
          dst[k++] = y;
          j++;
        } else {
          dst[k++] = x;
          i++;
        }
      }
      while (i < mid) dst[k++] = src[i++];
      while (j < hi) dst[k++] = src[j++];
      next.push(hi);
    }
    runs = next;
    [src, dst] = [dst, src];
  }
  return src.subarray(0, total);
}
