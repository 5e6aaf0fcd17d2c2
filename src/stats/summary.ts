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
 * A two-level lookup table over the order-preserving high 32 bits of a
 * double: top bucket b holds the points whose key falls in b's key range, and
 * splits that range again into about as many leaves as it holds points, so a
 * value's lower bound is a scan over a point or two. The key is logarithmic in
 * magnitude, so heavy tails and mixed scales spread well; the second level
 * spreads the dense binades where most of the points lie.
 */
export interface PointIndex {
  keyMin: number;
  shift: number;
  /** table[b] = first point whose top bucket is >= b; one extra entry holds points.length. */
  table: Int32Array;
  /** Top bucket b's leaves are leaves[leafAt[b] + s], s < 2^(shift − leafShift[b]). */
  leafAt: Int32Array;
  /** Bits of the key within a top bucket that a leaf ignores. */
  leafShift: Uint8Array;
  /** leaves[l] = first point whose leaf is >= l (top bucket b's last leaf is followed by its end, table[b + 1]). */
  leaves: Int32Array;
}

/** Top-level buckets at most: small enough for the table to stay in cache. */
const TOP_BUCKETS = 1 << 14;

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

/** Builds the two-level bucket table over ascending distinct points. */
export function buildIndex(points: Float64Array): PointIndex {
  const k = points.length;
  const keyMin = keyOf(points[0]);
  const range = keyOf(points[k - 1]) - keyMin;
  let size = 1;
  while (size < k && size < TOP_BUCKETS) size *= 2;
  let shift = 0;
  while (range / 2 ** shift >= size) shift++;
  const buckets = Math.floor(range / 2 ** shift) + 1;
  const table = new Int32Array(buckets + 1);
  const rel = new Uint32Array(k);
  let b = 0;
  for (let i = 0; i < k; i++) {
    rel[i] = keyOf(points[i]) - keyMin;
    const bi = rel[i] >>> shift;
    while (b <= bi) table[b++] = i;
  }
  while (b <= buckets) table[b++] = k;
  const leafAt = new Int32Array(buckets);
  const leafShift = new Uint8Array(buckets);
  let total = 0;
  for (b = 0; b < buckets; b++) {
    const c = table[b + 1] - table[b];
    let bits = 0;
    while (2 ** bits < c && bits < shift) bits++;
    leafShift[b] = shift - bits;
    leafAt[b] = total;
    total += 2 ** bits + 1;
  }
  const leaves = new Int32Array(total);
  const mask = shift >= 31 ? 0x7fffffff : 2 ** shift - 1;
  for (b = 0; b < buckets; b++) {
    const at = leafAt[b];
    const end = table[b + 1];
    const count = 2 ** (shift - leafShift[b]);
    let l = 0;
    for (let i = table[b]; i < end; i++) {
      const li = (rel[i] & mask) >>> leafShift[b];
      while (l <= li) leaves[at + l++] = i;
    }
    while (l <= count) leaves[at + l++] = end;
  }
  return { keyMin, shift, table, leafAt, leafShift, leaves };
}

/** The leaf of a key relative to keyMin (within the index's range). */
function leafOf(index: PointIndex, rel: number): number {
  const b = rel >>> index.shift;
  const mask = index.shift >= 31 ? 0x7fffffff : 2 ** index.shift - 1;
  return index.leafAt[b] + ((rel & mask) >>> index.leafShift[b]);
}

/** The summary of an ascending, finite, non-empty baseline sample. */
export function summarizeBaseline(sorted: Float64Array, std: number): BaselineSummary {
  const edges = decileEdges(sorted);
  const pts = new Float64Array(sorted.length + edges.length);
  const cnt = new Int32Array(sorted.length + edges.length);
  let np = 0;
  let e = 0;
  const pushEdgesBelow = (v: number) => {
    while (e < edges.length && edges[e] < v) {
      pts[np] = edges[e] + 0;
      cnt[np++] = 0;
      e++;
    }
    while (e < edges.length && edges[e] === v) e++;
  };
  for (let i = 0; i < sorted.length; ) {
    const v = sorted[i];
    let j = i + 1;
    while (j < sorted.length && sorted[j] === v) j++;
    if (e < edges.length && edges[e] <= v) pushEdgesBelow(v);
    pts[np] = v + 0;
    cnt[np++] = j - i;
    i = j;
  }
  pushEdgesBelow(Infinity);
  const points = pts.slice(0, np);
  const edgeAt = new Int32Array(edges.length);
  let p = 0;
  for (let k = 0; k < edges.length; k++) {
    while (points[p] !== edges[k]) p++;
    edgeAt[k] = p;
  }
  return { n: sorted.length, points, counts: cnt.slice(0, np), edges, edgeAt, std, index: buildIndex(points) };
}

/** Values kept for crossing gaps before the window is refined instead (8 MB per feature). */
export const CROSSING_BUDGET = 1 << 20;

/**
 * Valid values a WindowSummary buffers before counting them (8 bytes each),
 * at most: about a quarter of the baseline's points, so that one sweep over
 * the sorted buffer touches a good share of each cache line it loads.
 */
const BUFFER_VALUES = 1 << 18;
const BUFFER_MIN = 1 << 12;
/** Bits of each digit of the radix sort by leaf. */
const DIGIT_BITS = 11;
const DIGIT_MASK = (1 << DIGIT_BITS) - 1;
// Scratch space of flush (6 MB), shared: flushes run one at a time.
const scratchLo = new Int32Array(DIGIT_MASK + 2);
let scratchHi = new Int32Array(1 << DIGIT_BITS);
const scratchValues = new Float64Array(BUFFER_VALUES);
const scratchLeaf = new Int32Array(BUFFER_VALUES);
const scratchValues2 = new Float64Array(BUFFER_VALUES);
const scratchLeaf2 = new Int32Array(BUFFER_VALUES);

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
  /**
   * Per gap g, interleaved so that one update touches one cache line:
   * gaps[2g] = values in the open gap before point g (g = k: above the last
   * point), gaps[2g + 1] = Σ (points[g] − x) over them; for g = k, Σ (x − last point).
   */
  readonly gaps: Float64Array;
  /** Valid values not yet counted: counted in leaf order once the buffer is full. */
  private buf: Float64Array | null = null;
  private buffered = 0;
  private crossing: Uint8Array | null = null;
  /** Per index leaf: 1 when a crossing gap ends in it, so the second pass skips most values after one lookup. */
  private crossingLeaves: Uint8Array | null = null;
  /** Per top-level bucket: 1 when one of its leaves is marked. */
  private crossingTop: Uint8Array | null = null;
  private kept: Float64Array | null = null;
  private keptCount = 0;

  constructor(readonly baseline: BaselineSummary) {
    const k = baseline.points.length;
    this.eq = new Int32Array(k);
    this.gaps = new Float64Array(2 * (k + 1));
  }

  /**
   * Adds `count` values. `words` views the same memory as `values` as 32-bit
   * words; missing values must be NaN or ±Infinity.
   */
  add(values: Float64Array, _words: Int32Array, count: number): void {
    if (!this.buf) {
      let size = BUFFER_MIN;
      while (size < BUFFER_VALUES && size * 4 < this.baseline.points.length) size *= 2;
      this.buf = new Float64Array(size);
    }
    const buf = this.buf;
    const size = buf.length;
    let n = this.buffered;
    let valid = 0;
    for (let r = 0; r < count; r++) {
      const x = values[r];
      if (x - x !== 0) continue;
      valid++;
      buf[n++] = x;
      if (n === size) {
        this.buffered = n;
        this.flush();
        n = 0;
      }
    }
    this.buffered = n;
    this.m += valid;
    this.missing += count - valid;
    if (this.m > 0x7fffffff) throw new RangeError('a window column holds more than 2^31 − 1 values');
  }

  /**
   * Counts the buffered values. Located one by one in row order, each value
   * costs several cache and TLB misses in multi-MB arrays (leaves, points,
   * counts); sorted by leaf first (a stable radix sort), the lookups sweep
   * those arrays in address order instead. Counts are exact either way; a
   * gap's Σ adds its values in row order within each leaf, so only a gap that
   * spans several leaves can round differently (W1 agrees to rounding).
   */
  private flush(): void {
    const n = this.buffered;
    this.buffered = 0;
    if (n === 0) return;
    const buf = this.buf!;
    const words = new Int32Array(buf.buffer, buf.byteOffset, 2 * n);
    const { points, index } = this.baseline;
    const { keyMin, shift, leafAt, leafShift, leaves } = index;
    const mask = shift >= 31 ? 0x7fffffff : 2 ** shift - 1;
    const { eq, gaps } = this;
    const k = points.length;
    const first = points[0];
    const last = points[k - 1];
    // The values are sorted by leaf with a two-digit LSD radix sort (stable).
    const nLeaves = leaves.length;
    const hiParts = (nLeaves >>> DIGIT_BITS) + 1;
    if (scratchHi.length < hiParts + 1) scratchHi = new Int32Array(hiParts + 1);
    const cLo = scratchLo;
    const cHi = scratchHi;
    cLo.fill(0);
    cHi.fill(0, 0, hiParts + 1);
    const av = scratchValues;
    const al = scratchLeaf;
    // 1: each value's leaf (values at or below the first point or above the last are counted here, in row order).
    let t = 0;
    for (let i = 0; i < n; i++) {
      const x = buf[i];
      if (x <= first) {
        if (x === first) eq[0]++;
        else {
          gaps[0] += 1;
          gaps[1] += first - x;
        }
      } else if (x > last) {
        gaps[2 * k] += 1;
        gaps[2 * k + 1] += x - last;
      } else {
        // Past the two checks x > first point, so its key lies inside the table's range.
        const h = words[2 * i + HI];
        const rel = ((h ^ ((h >> 31) | 0x80000000)) >>> 0) - keyMin;
        const b = rel >>> shift;
        const l = leafAt[b] + ((rel & mask) >>> leafShift[b]);
        av[t] = x;
        al[t] = l;
        t++;
        cLo[(l & DIGIT_MASK) + 1]++;
        cHi[(l >>> DIGIT_BITS) + 1]++;
      }
    }
    for (let d = 1; d <= DIGIT_MASK + 1; d++) cLo[d] += cLo[d - 1];
    for (let d = 1; d <= hiParts; d++) cHi[d] += cHi[d - 1];
    // 2: stable scatter by the low digit, then by the high one.
    const bv = scratchValues2;
    const bl = scratchLeaf2;
    for (let i = 0; i < t; i++) {
      const l = al[i];
      const at = cLo[l & DIGIT_MASK]++;
      bv[at] = av[i];
      bl[at] = l;
    }
    for (let i = 0; i < t; i++) {
      const l = bl[i];
      const at = cHi[l >>> DIGIT_BITS]++;
      av[at] = bv[i];
      al[at] = l;
    }
    const total = t;
    const sv = av;
    const sk = al;
    // 3: locate and count, in leaf order.
    for (let j = 0; j < total; j++) {
      const x = sv[j];
      const l = sk[j];
      const lo = firstAtLeast(points, leaves[l], leaves[l + 1], x);
      // first < x <= last, so lo < k.
      const p = points[lo];
      if (p === x) eq[lo]++;
      else {
        gaps[2 * lo] += 1;
        gaps[2 * lo + 1] += p - x;
      }
    }
  }

  /**
   * Marks the gaps where F_w crosses F_b, whose values a second pass must
   * collect with `collect`. Returns how many values that is.
   */
  crossings(): number {
    this.flush();
    const { counts, n } = this.baseline;
    const k = counts.length;
    const m = this.m;
    const flags = new Uint8Array(k + 1);
    let need = 0;
    let i = 0;
    let j = 0;
    // Gaps 0 and k never cross: F_b is 0 below the first point and 1 above the last.
    for (let g = 0; g < k; g++) {
      const t = this.gaps[2 * g];
      if (g > 0 && t > 0 && j * n < i * m && (j + t) * n > i * m) {
        flags[g] = 1;
        need += t;
      }
      i += counts[g];
      j += t + this.eq[g];
    }
    this.crossing = flags;
    const { points, index } = this.baseline;
    const leaves = new Uint8Array(index.leaves.length);
    const top = new Uint8Array(index.table.length);
    for (let g = 1; g < k; g++) {
      if (flags[g] === 0) continue;
      // Values of gap g lie in (points[g − 1], points[g]): mark every leaf and top bucket between their keys.
      const from = keyOf(points[g - 1]) - index.keyMin;
      const to = keyOf(points[g]) - index.keyMin;
      const toLeaf = leafOf(index, to);
      for (let l = leafOf(index, from); l <= toLeaf; l++) leaves[l] = 1;
      for (let b = from >>> index.shift; b <= to >>> index.shift; b++) top[b] = 1;
    }
    this.crossingLeaves = leaves;
    this.crossingTop = top;
    this.kept = new Float64Array(need);
    this.keptCount = 0;
    return need;
  }

  /** Second pass over the same values: keeps those strictly inside a crossing gap. */
  collect(values: Float64Array, words: Int32Array, count: number): void {
    const flags = this.crossing!;
    const crossingLeaves = this.crossingLeaves!;
    const crossingTop = this.crossingTop!;
    const kept = this.kept!;
    const { points, index } = this.baseline;
    const { keyMin, shift, leafAt, leafShift, leaves } = index;
    const mask = shift >= 31 ? 0x7fffffff : 2 ** shift - 1;
    const first = points[0];
    const last = points[points.length - 1];
    let keptCount = this.keptCount;
    for (let r = 0; r < count; r++) {
      const x = values[r];
      // Gaps 0 and k never cross, nor do missing values.
      if (!(x > first && x < last)) continue;
      const h = words[2 * r + HI];
      const rel = ((h ^ ((h >> 31) | 0x80000000)) >>> 0) - keyMin;
      // Most values are dropped by the small top-level flags, the rest by their leaf's.
      const b = rel >>> shift;
      if (crossingTop[b] === 0) continue;
      const l = leafAt[b] + ((rel & mask) >>> leafShift[b]);
      if (crossingLeaves[l] === 0) continue;
      const lo = firstAtLeast(points, leaves[l], leaves[l + 1], x);
      if (flags[lo] === 1 && points[lo] !== x) kept[keptCount++] = x;
    }
    this.keptCount = keptCount;
  }

  /** The statistics: one walk over points and gaps. */
  finish(): NumericStats {
    this.flush();
    const { points, counts, n, edges, edgeAt, std } = this.baseline;
    const k = points.length;
    const m = this.m;
    const { eq, gaps } = this;
    const kept = this.kept ? this.kept.subarray(0, this.keptCount).sort() : new Float64Array(0);
    let next = 0;
    const windowBins = new Float64Array(edges.length + 1);
    const baselineBins = new Float64Array(edges.length + 1);
    let e = 0;
    let i = 0;
    let j = 0;
    let d = 0;
    let w1 = gaps[1] / m;
    j = gaps[0];
    if (j > 0) d = Math.abs(0 / n - j / m);
    for (let g = 0; g < k; g++) {
      if (g > 0) {
        const t = gaps[2 * g];
        const c = i / n;
        const a = j / m;
        const width = points[g] - points[g - 1];
        if (t === 0) w1 += Math.abs(c - a) * width;
        else {
          const jb = j + t;
          const gapD = Math.abs(c - jb / m);
          if (gapD > d) d = gapD;
          if (jb * n <= i * m) w1 += (c - a) * width - gaps[2 * g + 1] / m;
          else if (j * n >= i * m) w1 += (a - c) * width + gaps[2 * g + 1] / m;
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
    w1 += gaps[2 * k + 1] / m;
    const ltK = gaps[2 * k];
    const gapK = Math.abs(1 - (j + ltK) / m);
    if (ltK > 0 && gapK > d) d = gapK;
    baselineBins[edges.length] = n - sumBins(baselineBins, edges.length);
    windowBins[edges.length] = m - sumBins(windowBins, edges.length);
    return { n, m, d, w1, std, edges, bins: { baseline: baselineBins, window: windowBins }, outOfRange: gaps[0] + ltK };
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

/** The first index in [lo, hi) whose point is >= x (hi when none): leaves hold a point or two, so scan, and bisect the rare dense ones. */
function firstAtLeast(points: Float64Array, lo: number, hi: number, x: number): number {
  while (hi - lo > 4) {
    const mid = (lo + hi) >>> 1;
    if (points[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  while (lo < hi && points[lo] < x) lo++;
  return lo;
}
