/**
 * A numeric baseline column reduced to what the streamed comparison needs:
 * its sorted distinct values plus its decile edges (the "points"), their
 * counts, and the first pass's grid. Built once per baseline column.
 */
import { decileEdges, QUANTILES, quantileSorted } from '../bins.js';
import type { SideStats } from '../types.js';
import { distinctPointsKernel, sortDoubles, type Points } from './kernels.js';
import { buildIndex, type Grid } from './point-index.js';

/** Grid intervals per pass (16 bytes of counters each): the first pass's counters and bounds stay within L2. */
export const DEFAULT_BUCKETS = 1 << 14;

/** A numeric baseline reduced to what the streamed comparison needs. */
export interface BaselineSummary {
  /** Valid (finite) baseline values. */
  n: number;
  /** Sorted distinct baseline values ∪ decile edges; -0 is stored as +0. */
  points: Float64Array;
  /** Baseline values equal to each point (0 for an edge that is no baseline value). */
  counts: Int32Array;
  /** Decile edges, as decileEdges(sorted baseline). */
  edges: Float64Array;
  /** Index of each edge in `points`. */
  edgeAt: Int32Array;
  /** Standard deviation (ddof 0) of the baseline, for Wasserstein's `normed`. */
  std: number;
  /** The baseline's median absolute deviation in σ of a normal (as baselineMad), for `normed`'s scale. */
  mad: number;
  /** The baseline's median |value| (as baselineMagnitude), for `normed`'s floor. */
  magnitude: number;
  /** The first pass's grid (its bounds are points), built once per baseline. */
  grid: Grid;
  /** Mean, std and quantiles of the baseline, from its sorted values. */
  stats: SideStats;
}

/** MAD ÷ this = the MAD in σ of a normal: Φ⁻¹(0.75), as SciPy's median_abs_deviation(scale="normal"). */
export const MAD_PER_SIGMA = 0.6744897501960817;

/** A power of two near 1 / max |x| (clamped to 2^±1000, so it stays a normal double): scaling by it is exact. */
function unitScale(sorted: Float64Array): number {
  const big = Math.max(Math.abs(sorted[0]), Math.abs(sorted[sorted.length - 1]));
  return 2 ** -Math.max(-1000, Math.min(1000, Math.ceil(Math.log2(big))));
}

/** Values summed per block by four running sums; the blocks' sums are then added with compensation. */
const BLOCK = 128;

/** Neumaier's compensated addition of x to sum[0] (its running correction in sum[1]). */
function addCompensated(acc: Float64Array, x: number): void {
  const sum = acc[0];
  const t = sum + x;
  acc[1] += Math.abs(sum) >= Math.abs(x) ? sum - t + x : x - t + sum;
  acc[0] = t;
}

const SUMS = new Float64Array(6);

/**
 * Mean and standard deviation (ddof 0) of an ascending, finite, non-empty
 * sample. Two passes over the values scaled by unitScale, so that neither
 * the sum nor the squares overflow or underflow on finite input. Each sum is
 * taken by blocks, as NumPy's pairwise sum is (its rounding grows with the
 * block, not with the sample: a sum over a million values is within a few
 * ulps, where one running sum lost ~1e-13 relative), and four running sums
 * per block keep the loop from waiting on each addition. The variance is
 * corrected by the deviations' own sum; a constant sample gives its value
 * and std 0.
 */
export function sortedMoments(sorted: Float64Array): { mean: number; std: number } {
  const n = sorted.length;
  if (sorted[0] === sorted[n - 1]) return { mean: sorted[0], std: 0 };
  const s = unitScale(sorted);
  const acc = SUMS.fill(0);
  for (let i = 0; i < n; i += BLOCK) {
    const end = Math.min(n, i + BLOCK);
    let a0 = 0;
    let a1 = 0;
    let a2 = 0;
    let a3 = 0;
    let j = i;
    for (; j + 4 <= end; j += 4) {
      a0 += sorted[j] * s;
      a1 += sorted[j + 1] * s;
      a2 += sorted[j + 2] * s;
      a3 += sorted[j + 3] * s;
    }
    for (; j < end; j++) a0 += sorted[j] * s;
    addCompensated(acc, a0 + a1 + (a2 + a3));
  }
  const mean = (acc[0] + acc[1]) / n;
  const dev = acc.subarray(2, 4);
  const sq = acc.subarray(4, 6);
  for (let i = 0; i < n; i += BLOCK) {
    const end = Math.min(n, i + BLOCK);
    let d0 = 0;
    let d1 = 0;
    let q0 = 0;
    let q1 = 0;
    let j = i;
    for (; j + 2 <= end; j += 2) {
      const x = sorted[j] * s - mean;
      const y = sorted[j + 1] * s - mean;
      d0 += x;
      d1 += y;
      q0 += x * x;
      q1 += y * y;
    }
    if (j < end) {
      const x = sorted[j] * s - mean;
      d0 += x;
      q0 += x * x;
    }
    addCompensated(dev, d0 + d1);
    addCompensated(sq, q0 + q1);
  }
  const D = dev[0] + dev[1];
  const Q = sq[0] + sq[1];
  return { mean: mean / s, std: Math.sqrt(Math.max(0, (Q - (D * D) / n) / n)) / s };
}

/** Baseline standard deviation (ddof 0) of an ascending, finite sample, as Wasserstein's `normed` uses it (sortedMoments). */
export function baselineStd(sorted: Float64Array): number {
  return sorted.length === 0 ? 0 : sortedMoments(sorted).std;
}

/** Mean, std and QUANTILES of an ascending, finite sample (all null when it is empty). */
export function describeSorted(sorted: Float64Array): SideStats {
  if (sorted.length === 0) return { mean: null, std: null, quantiles: null, reason: 'no finite value' };
  const { mean, std } = sortedMoments(sorted);
  return { mean, std, quantiles: QUANTILES.map((q) => quantileSorted(sorted, q)) };
}

/**
 * NumPy's median of |x·s − c| over an ascending, finite sample. The
 * deviations form two ascending runs, outwards from c on either side, so
 * the ranks the median needs are found by bisection over the two runs
 * (each deviation computed as a merge of them would compute it): O(log n)
 * of the values are read, not half of them.
 */
function medianDeviation(sorted: Float64Array, s: number, c: number): number {
  const n = sorted.length;
  let j = 0;
  let hi = n;
  while (j < hi) {
    const mid = (j + hi) >>> 1;
    if (sorted[mid] * s < c) j = mid + 1;
    else hi = mid;
  }
  // Left run: c − x·s for x below c, nearest first (j of them); right run: x·s − c from j on.
  const left = (i: number) => c - sorted[j - 1 - i] * s;
  const right = (i: number) => sorted[j + i] * s - c;
  const a = j;
  const b = n - j;
  /** The k-th smallest deviation (0-based): the first k + 1 of the merged runs take i from the left, k + 1 − i from the right. */
  const kth = (k: number): number => {
    let lo = Math.max(0, k + 1 - b);
    let up = Math.min(k + 1, a);
    // The least i whose left deviation is not below the right one it would displace.
    while (lo < up) {
      const i = (lo + up) >>> 1;
      if (left(i) < right(k - i)) lo = i + 1;
      else up = i;
    }
    const r = k + 1 - lo;
    return Math.max(lo > 0 ? left(lo - 1) : -Infinity, r > 0 ? right(r - 1) : -Infinity);
  };
  const h = n >> 1;
  return n % 2 ? kth(h) : (kth(h - 1) + kth(h)) / 2;
}

/**
 * Median absolute deviation of an ascending, finite sample, divided by
 * MAD_PER_SIGMA: σ on normal data, and it moves with extreme values only once
 * they are half the baseline. As SciPy's median_abs_deviation(scale="normal")
 * on the values scaled by unitScale, so no difference overflows; Infinity
 * only when it exceeds the largest double (then σ is the smaller).
 */
export function baselineMad(sorted: Float64Array): number {
  const n = sorted.length;
  if (n === 0 || sorted[0] === sorted[n - 1]) return 0;
  const s = unitScale(sorted);
  const h = n >> 1;
  const med = n % 2 ? sorted[h] * s : (sorted[h - 1] * s + sorted[h] * s) / 2;
  return medianDeviation(sorted, s, med) / MAD_PER_SIGMA / s;
}

/** Median |x| of an ascending, finite, non-empty sample: the magnitude of a typical value, which extreme values cannot move until they are half the sample. */
export function baselineMagnitude(sorted: Float64Array): number {
  if (sorted[0] === 0 && sorted[sorted.length - 1] === 0) return 0;
  const s = unitScale(sorted);
  return medianDeviation(sorted, s, 0) / s;
}

/**
 * The points of an ascending, finite sample: each distinct value (-0 stored
 * as +0) with its count, and each decile edge as a point of its own (count
 * 0) unless it is one of the values, with each edge's index among them. In
 * the kernel when it is large (the same loop; a test compares them).
 */
export function distinctPoints(sorted: Float64Array, edges: Float64Array): Points {
  const kernel = distinctPointsKernel(sorted, edges);
  if (kernel) return kernel;
  const n = sorted.length;
  const pts = new Float64Array(n + edges.length);
  const cnt = new Int32Array(n + edges.length);
  const edgeAt = new Int32Array(edges.length);
  let np = 0;
  let e = 0;
  let edge = edges.length > 0 ? edges[0] : Infinity;
  for (let i = 0; i < n; ) {
    const v = sorted[i];
    let j = i + 1;
    while (j < n && sorted[j] === v) j++;
    while (edge <= v) {
      if (edge < v) {
        pts[np] = edge + 0; // + 0: -0 becomes 0
        cnt[np++] = 0;
      }
      edgeAt[e++] = edge < v ? np - 1 : np;
      edge = e < edges.length ? edges[e] : Infinity;
    }
    pts[np] = v + 0;
    cnt[np++] = j - i;
    i = j;
  }
  for (; e < edges.length; e++) {
    pts[np] = edges[e] + 0;
    cnt[np] = 0;
    edgeAt[e] = np++;
  }
  // Few distinct values: copy out of the row-sized arrays rather than keep them.
  return { points: np < n / 2 ? pts.slice(0, np) : pts.subarray(0, np), counts: np < n / 2 ? cnt.slice(0, np) : cnt.subarray(0, np), edgeAt };
}

/** The summary of an ascending, finite, non-empty baseline sample. */
export function summarizeBaseline(sorted: Float64Array, buckets: number = DEFAULT_BUCKETS): BaselineSummary {
  const edges = decileEdges(sorted);
  const n = sorted.length;
  const { points, counts, edgeAt } = distinctPoints(sorted, edges);
  const np = points.length;
  // Grid bounds: every s-th point, the edges, the first and the last point.
  // Their indices are listed, sorted and deduplicated: no pass over every point.
  const stride = Math.max(1, Math.ceil(np / Math.max(2, buckets - edges.length - 2)));
  const picked = new Int32Array(Math.floor(np / stride) + edgeAt.length + 2);
  let c = 0;
  for (let q = stride - 1; q < np; q += stride) picked[c++] = q;
  for (const at of edgeAt) picked[c++] = at;
  picked[c++] = 0;
  picked[c++] = np - 1;
  const take = picked.subarray(0, c).sort();
  let nb = 0;
  for (let i = 0; i < c; i++) if (i === 0 || take[i] !== take[i - 1]) take[nb++] = take[i];
  const bnd = new Float64Array(nb);
  const up = new Int32Array(nb);
  for (let i = 0; i < nb; i++) {
    bnd[i] = points[take[i]];
    up[i] = take[i] + 1;
  }
  const grid: Grid = { bnd, up, index: buildIndex(bnd), region: null, top: null };
  const stats = describeSorted(sorted);
  return { n, points, counts, edges, edgeAt, std: stats.std!, stats, mad: baselineMad(sorted), magnitude: baselineMagnitude(sorted), grid };
}

/** A baseline column's values in any order (NaN and ±Infinity are missing; the array may be reordered) to its summary; null when none is finite. */
export function summarizeValues(values: Float64Array, buckets: number = DEFAULT_BUCKETS): BaselineSummary | null {
  const sorted = sortDoubles(values);
  return sorted.length === 0 ? null : summarizeBaseline(sorted, buckets);
}
