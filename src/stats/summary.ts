/**
 * Exact KS D, Wasserstein-1, decile bins and out-of-range from a streaming
 * summary of the window, so that a window of any length is read once in
 * chunks and never sorted or held in memory.
 *
 * The baseline becomes its sorted distinct values plus its decile edges: the
 * "points". Between two consecutive points F_baseline is constant, so:
 * - KS: within a gap the window's CDF only rises, so the sup of |F_b − F_w|
 *   over the gap is reached at the gap's last window value or at the point
 *   before it. Counts per gap and per point give D exactly, as the same
 *   |i/n − j/m| expressions the merge walk in ks.ts evaluates.
 * - W1: in a gap where F_w stays on one side of F_b, ∫|F_b − F_w| follows
 *   from the gap's count and Σ (right point − x). Only in gaps where F_w
 *   crosses F_b are the values themselves needed; a second pass collects
 *   those (typically a few per mille of the window) and walks them in order.
 * - Bins and out-of-range: the edges and min/max are points, so their counts
 *   are sums of per-point and per-gap counts.
 */
import { decileEdges } from './bins.js';

/** A numeric baseline reduced to what the streaming comparison needs. */
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
  index: PointIndex;
}

/**
 * A lookup table over the order-preserving high 32 bits of a double: bucket b
 * holds the points whose key falls in b's key range, so a value's lower bound
 * is a binary search over a few points instead of all of them. The key is
 * logarithmic in magnitude, so heavy tails and mixed scales spread well.
 */
export interface PointIndex {
  keyMin: number;
  shift: number;
  /** table[b] = first point whose bucket is >= b; one extra entry holds points.length. */
  table: Int32Array;
}

const KEY_VIEW = new Float64Array(1);
const KEY_WORDS = new Int32Array(KEY_VIEW.buffer);
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;

/** Order-preserving unsigned key of a double's high word (sign, exponent, 20 mantissa bits). */
function hiKey(h: number): number {
  return (h ^ ((h >> 31) | 0x80000000)) >>> 0;
}

function keyOf(x: number): number {
  KEY_VIEW[0] = x;
  return hiKey(KEY_WORDS[HI]);
}

/** Builds the bucket table over ascending distinct points (about two points per bucket). */
export function buildIndex(points: Float64Array): PointIndex {
  const k = points.length;
  const keyMin = keyOf(points[0]);
  const range = keyOf(points[k - 1]) - keyMin;
  let size = 1;
  while (size < k && size < 1 << 20) size *= 2;
  let shift = 0;
  while (range / 2 ** shift >= size) shift++;
  const buckets = Math.floor(range / 2 ** shift) + 1;
  const table = new Int32Array(buckets + 1);
  let b = 0;
  for (let i = 0; i < k; i++) {
    const bi = (keyOf(points[i]) - keyMin) >>> shift;
    while (b <= bi) table[b++] = i;
  }
  while (b <= buckets) table[b++] = k;
  return { keyMin, shift, table };
}

/** The summary of an ascending, finite, non-empty baseline sample. */
export function summarizeBaseline(sorted: Float64Array, std: number): BaselineSummary {
  const edges = decileEdges(sorted);
  const pts: number[] = [];
  const cnt: number[] = [];
  let e = 0;
  const pushEdgesBelow = (v: number) => {
    while (e < edges.length && edges[e] < v) {
      pts.push(edges[e] + 0);
      cnt.push(0);
      e++;
    }
    while (e < edges.length && edges[e] === v) e++;
  };
  for (let i = 0; i < sorted.length; ) {
    const v = sorted[i];
    let j = i + 1;
    while (j < sorted.length && sorted[j] === v) j++;
    pushEdgesBelow(v);
    pts.push(v + 0);
    cnt.push(j - i);
    i = j;
  }
  pushEdgesBelow(Infinity);
  const points = Float64Array.from(pts);
  const edgeAt = new Int32Array(edges.length);
  let p = 0;
  for (let k = 0; k < edges.length; k++) {
    while (points[p] !== edges[k]) p++;
    edgeAt[k] = p;
  }
  return { n: sorted.length, points, counts: Int32Array.from(cnt), edges, edgeAt, std, index: buildIndex(points) };
}

/** Values kept for crossing gaps before the window is refined instead (8 MB per feature). */
export const CROSSING_BUDGET = 1 << 20;

/**
 * One numeric window column, accumulated chunk by chunk against a baseline
 * summary. Memory is O(baseline points), independent of the window's length.
 */
export class WindowSummary {
  /** Valid values seen. */
  m = 0;
  /** Rows seen whose value is missing (NaN, ±Infinity; NULLs arrive as NaN). */
  missing = 0;
  /** eq[p]: window values equal to point p. */
  readonly eq: Int32Array;
  /** lt[g]: window values in the open gap before point g (g = k: above the last point). */
  readonly lt: Int32Array;
  /** Σ (points[g] − x) over gap g's values; for g = k, Σ (x − last point). */
  readonly below: Float64Array;
  private crossing: Uint8Array | null = null;
  /** Per index bucket: 1 when a crossing gap ends in it, so the second pass skips most values after one lookup. */
  private crossingBuckets: Uint8Array | null = null;
  private kept: Float64Array | null = null;
  private keptCount = 0;

  constructor(readonly baseline: BaselineSummary) {
    const k = baseline.points.length;
    this.eq = new Int32Array(k);
    this.lt = new Int32Array(k + 1);
    this.below = new Float64Array(k + 1);
  }

  /**
   * Adds `count` values. `words` views the same memory as `values` as 32-bit
   * words (for the bucket key); missing values must be NaN or ±Infinity.
   */
  add(values: Float64Array, words: Int32Array, count: number): void {
    const { points } = this.baseline;
    const { eq, lt, below } = this;
    const k = points.length;
    const last = points[k - 1];
    let valid = 0;
    for (let r = 0; r < count; r++) {
      const x = values[r];
      if (x - x !== 0) continue;
      valid++;
      const g = this.locate(x, words[2 * r + HI]);
      if (g < k && points[g] === x) eq[g]++;
      else {
        lt[g]++;
        below[g] += g < k ? points[g] - x : x - last;
      }
    }
    this.m += valid;
    this.missing += count - valid;
    if (this.m > 0x7fffffff) throw new RangeError('a window column holds more than 2^31 − 1 values');
  }

  /** The first point >= x (k when x is above every point); `h` is x's high 32-bit word. */
  private locate(x: number, h: number): number {
    const { points, index } = this.baseline;
    const k = points.length;
    if (x <= points[0]) return 0;
    if (x > points[k - 1]) return k;
    // Past the two checks x > first point, so its key lies inside the table's range.
    const b = (((h ^ ((h >> 31) | 0x80000000)) >>> 0) - index.keyMin) >>> index.shift;
    let lo = index.table[b];
    let hi = index.table[b + 1];
    // Most buckets hold at most a point or two: scan those, bisect the rare dense ones.
    while (hi - lo > 4) {
      const mid = (lo + hi) >>> 1;
      if (points[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    while (lo < hi && points[lo] < x) lo++;
    return lo;
  }

  /**
   * Marks the gaps where F_w crosses F_b, whose values a second pass must
   * collect with `collect`. Returns how many values that is.
   */
  crossings(): number {
    const { counts, n } = this.baseline;
    const k = counts.length;
    const m = this.m;
    const flags = new Uint8Array(k + 1);
    let need = 0;
    let i = 0;
    let j = 0;
    // Gaps 0 and k never cross: F_b is 0 below the first point and 1 above the last.
    for (let g = 0; g < k; g++) {
      const t = this.lt[g];
      if (g > 0 && t > 0 && j * n < i * m && (j + t) * n > i * m) {
        flags[g] = 1;
        need += t;
      }
      i += counts[g];
      j += t + this.eq[g];
    }
    this.crossing = flags;
    const { points, index } = this.baseline;
    const buckets = new Uint8Array(index.table.length);
    for (let g = 1; g < k; g++) {
      if (flags[g] === 0) continue;
      // Values of gap g lie in (points[g − 1], points[g]): mark every bucket between their keys.
      const from = (keyOf(points[g - 1]) - index.keyMin) >>> index.shift;
      const to = (keyOf(points[g]) - index.keyMin) >>> index.shift;
      for (let b = from; b <= to; b++) buckets[b] = 1;
    }
    this.crossingBuckets = buckets;
    this.kept = new Float64Array(need);
    this.keptCount = 0;
    return need;
  }

  /** Second pass over the same values: keeps those strictly inside a crossing gap. */
  collect(values: Float64Array, words: Int32Array, count: number): void {
    const flags = this.crossing!;
    const buckets = this.crossingBuckets!;
    const kept = this.kept!;
    const { points, index } = this.baseline;
    const first = points[0];
    const last = points[points.length - 1];
    for (let r = 0; r < count; r++) {
      const x = values[r];
      // Gaps 0 and k never cross, nor do missing values.
      if (!(x > first && x < last)) continue;
      const h = words[2 * r + HI];
      if (buckets[(((h ^ ((h >> 31) | 0x80000000)) >>> 0) - index.keyMin) >>> index.shift] === 0) continue;
      const g = this.locate(x, h);
      if (flags[g] === 1 && points[g] !== x) kept[this.keptCount++] = x;
    }
  }

  /** The statistics: one walk over points and gaps. */
  finish(): NumericStats {
    const { points, counts, n, edges, edgeAt, std } = this.baseline;
    const k = points.length;
    const m = this.m;
    const { eq, lt, below } = this;
    const kept = this.kept ? this.kept.subarray(0, this.keptCount).sort() : new Float64Array(0);
    let next = 0;
    const windowBins = new Float64Array(edges.length + 1);
    const baselineBins = new Float64Array(edges.length + 1);
    let e = 0;
    let i = 0;
    let j = 0;
    let d = 0;
    let w1 = below[0] / m;
    j = lt[0];
    if (j > 0) d = Math.abs(0 / n - j / m);
    for (let g = 0; g < k; g++) {
      if (g > 0) {
        const t = lt[g];
        const c = i / n;
        const a = j / m;
        const width = points[g] - points[g - 1];
        if (t === 0) w1 += Math.abs(c - a) * width;
        else {
          const jb = j + t;
          const gapD = Math.abs(c - jb / m);
          if (gapD > d) d = gapD;
          if (jb * n <= i * m) w1 += (c - a) * width - below[g] / m;
          else if (j * n >= i * m) w1 += (a - c) * width + below[g] / m;
          else {
            // F_w crosses F_b inside this gap: walk its values in order.
            let prev = points[g - 1];
            let jj = j;
            const end = next + t;
            while (next < end) {
              const v = kept[next];
              w1 += Math.abs(c - jj / m) * (v - prev);
              prev = v;
              while (next < end && kept[next] === v) {
                jj++;
                next++;
              }
            }
            w1 += Math.abs(c - jj / m) * (points[g] - prev);
          }
          j = jb;
        }
      }
      // Edges: bin counts are the counts strictly below each edge.
      while (e < edges.length && edgeAt[e] === g) {
        baselineBins[e] = i - (e > 0 ? sumBins(baselineBins, e) : 0);
        windowBins[e] = j - (e > 0 ? sumBins(windowBins, e) : 0);
        e++;
      }
      i += counts[g];
      j += eq[g];
      const pointD = Math.abs(i / n - j / m);
      if (pointD > d) d = pointD;
    }
    w1 += below[k] / m;
    const gapK = Math.abs(1 - (j + lt[k]) / m);
    if (lt[k] > 0 && gapK > d) d = gapK;
    baselineBins[edges.length] = n - sumBins(baselineBins, edges.length);
    windowBins[edges.length] = m - sumBins(windowBins, edges.length);
    return { n, m, d, w1, std, edges, bins: { baseline: baselineBins, window: windowBins }, outOfRange: lt[0] + lt[k] };
  }
}

function sumBins(bins: Float64Array, upTo: number): number {
  let s = 0;
  for (let b = 0; b < upTo; b++) s += bins[b];
  return s;
}

/** What the numeric tests need, from the summaries instead of sorted samples. */
export interface NumericStats {
  n: number;
  m: number;
  /** KS D, exactly as ksStatistic on the sorted samples. */
  d: number;
  /** Wasserstein-1 distance. */
  w1: number;
  /** Baseline standard deviation (ddof 0). */
  std: number;
  edges: Float64Array;
  bins: { baseline: Float64Array; window: Float64Array };
  /** Window values below the baseline's min or above its max. */
  outOfRange: number;
}
