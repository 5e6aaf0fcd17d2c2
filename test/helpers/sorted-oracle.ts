/**
 * The numeric statistics by their textbook definitions on two sorted
 * samples: the oracle that the streaming summaries are checked against on
 * inputs too many or too large for the SciPy reference.
 */
import { compareNumeric, type Comparison, type NumericSummary, type SideStats } from '../../src/stats/index.js';
import type { KsLocation } from '../../src/stats/types.js';
import { decileEdges, QUANTILES } from '../../src/stats/bins.js';

/** Index of the first element >= x (or > x with `strict`) in an ascending array. */
function bound(a: Float64Array, x: number, strict = false): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < x || (strict && a[mid] === x)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** D = sup |F_b − F_w|, stepping past every copy of a value on both sides before comparing. */
export function ksStatistic(b: Float64Array, w: Float64Array): number {
  return ksWalk(b, w).d;
}

/** D and the first value where it is reached, with both ECDFs there. */
function ksWalk(b: Float64Array, w: Float64Array): { d: number; at: KsLocation } {
  let i = 0;
  let j = 0;
  let d = 0;
  let at: KsLocation | null = null;
  while (i < b.length && j < w.length) {
    const v = b[i] <= w[j] ? b[i] : w[j];
    while (i < b.length && b[i] === v) i++;
    while (j < w.length && w[j] === v) j++;
    const g = Math.abs(i / b.length - j / w.length);
    if (g > d || at === null) [d, at] = [g, { x: v, below: false, baseline: i / b.length, window: j / w.length }];
  }
  return { d, at: at! };
}

/** The ECDF of an ascending sample at x (share of values <= x), or just below x (share < x). */
export function ecdf(a: Float64Array, x: number, below = false): number {
  return bound(a, x, !below) / a.length;
}

/** W1 = ∫ |F_b − F_w| dx, walking the merged order once; in halves, so that a step from −1e308 to 1e308 stays finite. */
export function wasserstein1(b: Float64Array, w: Float64Array): number {
  const n = b.length;
  const m = w.length;
  let i = 0;
  let j = 0;
  let prev = Math.min(b[0], w[0]);
  let sum = 0;
  while (i < n || j < m) {
    const v = j >= m || (i < n && b[i] <= w[j]) ? b[i] : w[j];
    sum += Math.abs(i / n - j / m) * (v / 2 - prev / 2);
    prev = v;
    while (i < n && b[i] === v) i++;
    while (j < m && w[j] === v) j++;
  }
  return sum * 2;
}

/** Standard deviation (ddof 0) by its definition, of the values divided by their largest magnitude so that no square overflows. */
export function stdDev(a: Float64Array): number {
  const big = Math.max(...[a[0], a[a.length - 1]].map(Math.abs));
  if (big === 0) return 0;
  let mean = 0;
  for (const x of a) mean += x / big;
  mean /= a.length;
  let sq = 0;
  for (const x of a) sq += (x / big - mean) ** 2;
  return Math.sqrt(sq / a.length) * big;
}

/** Mean of an ascending, finite, non-empty array (on the values divided by max |x|, so the sum cannot overflow). */
export function mean(a: Float64Array): number {
  const big = Math.max(Math.abs(a[0]), Math.abs(a[a.length - 1]));
  if (big === 0) return 0;
  let sum = 0;
  for (const x of a) sum += x / big;
  return (sum / a.length) * big;
}

/** np.quantile(a, q) with linear interpolation: a[i] + (a[i+1] − a[i])·t at position q·(n − 1) = i + t (in halves when the step overflows). */
export function quantile(a: Float64Array, q: number): number {
  const pos = q * (a.length - 1);
  const i = Math.floor(pos);
  const t = pos - i;
  if (i + 1 >= a.length) return a[a.length - 1];
  const step = a[i + 1] - a[i];
  return Number.isFinite(step) ? a[i] + step * t : 2 * (a[i] / 2 + (a[i + 1] / 2 - a[i] / 2) * t);
}

/** One side's mean, std and quantiles, by definition. */
export function describe(a: Float64Array): SideStats {
  return { mean: mean(a), std: stdDev(a), quantiles: QUANTILES.map((q) => quantile(a, q)) };
}

/** NumPy's median of an ascending array. */
function median(a: Float64Array): number {
  const h = a.length >> 1;
  return a.length % 2 ? a[h] : (a[h - 1] + a[h]) / 2;
}

/** Median of |x / big − c| by sorting the deviations, times big (big = max |x|, so no difference overflows). */
function medianAbs(a: Float64Array, center: (scaled: Float64Array) => number): number {
  const big = Math.max(Math.abs(a[0]), Math.abs(a[a.length - 1]));
  if (big === 0) return 0;
  const scaled = a.map((x) => x / big);
  const c = center(scaled);
  return median(scaled.map((x) => Math.abs(x - c)).sort()) * big;
}

/** MAD / Φ⁻¹(0.75) (SciPy's median_abs_deviation(scale="normal")) by its definition. */
export function madNormal(a: Float64Array): number {
  return medianAbs(a, median) / 0.6744897501960817;
}

/** Counts per bin, where bin k holds x with exactly k edges <= x. */
export function binCounts(sorted: Float64Array, edges: Float64Array): Float64Array {
  const counts = new Float64Array(edges.length + 1);
  let prev = 0;
  for (let k = 0; k < edges.length; k++) {
    const below = bound(sorted, edges[k]);
    counts[k] = below - prev;
    prev = below;
  }
  counts[edges.length] = sorted.length - prev;
  return counts;
}

/** The summary of two ascending, finite, non-empty samples, by definition. */
export function oracleSummary(b: Float64Array, w: Float64Array): NumericSummary {
  const edges = decileEdges(b);
  const outOfRange = bound(w, b[0]) + (w.length - bound(w, b[b.length - 1], true));
  return {
    n: b.length,
    m: w.length,
    d: ksStatistic(b, w),
    ksAt: ksWalk(b, w).at,
    w1: wasserstein1(b, w),
    std: stdDev(b),
    mad: madNormal(b),
    magnitude: medianAbs(b, () => 0),
    edges,
    bins: { baseline: binCounts(b, edges), window: binCounts(w, edges) },
    outOfRange,
    baselineStats: describe(b),
    windowStats: describe(w),
  };
}

/** Every test's result on two ascending samples, from the oracle's summary. */
export function oracleComparison(b: Float64Array, w: Float64Array): Comparison {
  return compareNumeric(oracleSummary(b, w));
}
