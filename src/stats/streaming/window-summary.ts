/**
 * Exact KS D, Wasserstein-1, decile bins and out-of-range from streamed
 * passes over the window: memory depends on the baseline, never on the
 * window's length, and the window is never sorted (except with
 * `collectAll`, below, for windows that fit in memory).
 *
 * The baseline becomes its sorted distinct values plus its decile edges (the
 * "points"). Pass 1 counts the window into a coarse grid of at most
 * `buckets` intervals whose bounds are points (every s-th point and the
 * edges): per interval the values strictly inside, the values equal to its
 * upper bound, and Σ (upper bound − x). The grid is small enough to stay in
 * cache, so counting costs a few table lookups per value.
 *
 * That settles most intervals exactly:
 * - where F_b − F_w keeps one sign over an interval, ∫|F_b − F_w| there is
 *   |∫F_b − ∫F_w|, and ∫F_w follows from the count and Σ;
 * - KS D is reached at a point or at a window value; the value at each grid
 *   bound is known, and an interval whose bound on |F_b − F_w| cannot beat
 *   the best known value cannot hold the sup;
 * - bins and out-of-range: edges, min and max are grid bounds.
 * The rest ("open" intervals: the CDFs may cross, or the sup may lie
 * inside) are read again: their window values are collected and merged with
 * the baseline's points when they fit `values`; otherwise the open intervals
 * are split more finely (at points, or by value between two points) and
 * counted again. Typically one extra pass collects a few per cent of the
 * values; each further pass is bounded by the same limits. When the window's
 * length is known, the first pass also guesses which intervals it will leave
 * open and collects their values on the way (speculation.ts); a column whose
 * open intervals were all guessed needs no extra pass.
 *
 * Quantiles ride on the same passes. The counts say which interval holds
 * each rank a quantile interpolates between (the values equal to a bound
 * are that bound); an interval holding one inside is read again with the
 * open ones, for its values only, and the rank's value is picked from them
 * once collected, or from the finer interval that holds it once split. The
 * values beyond the baseline's range are two more such intervals, bounded
 * by the window's min and max.
 *
 * A window whose values fit in memory skips all that (`collectAll`): the
 * first pass keeps every value, and one sort and one merge with the points
 * settle everything.
 */
import type { KsLocation, NumericSummary, SideStats } from '../types.js';
import { QUANTILES, quantileOf } from '../bins.js';
import { DEFAULT_BUCKETS, describeSorted, type BaselineSummary } from './baseline-summary.js';
import { GRID_SCALE, GridCounter, settleWindow, sortDoubles } from './kernels.js';
import { mergeSorted } from './merge.js';
import { RunningMoments } from './moments.js';
import { buildIndex, topFlags, type Grid } from './point-index.js';
import { guessOpen, intervalOf, Speculation } from './speculation.js';

/** Bounds on one column's passes: grid intervals per pass, and values collected at once. */
export interface PassLimits {
  buckets: number;
  values: number;
  /** A budget of collected values that several columns share: a column collects only what is still free. */
  pool?: { free: number };
  /** Values buffered before each count (passBuffer; default: one column's). */
  buffer?: number;
  /**
   * The window's rows, when known: the first pass then guesses the intervals
   * it will leave open and collects their values (speculation.ts), so that a
   * column can settle without a second pass. Its prefix and store come out
   * of `pool`.
   */
  expect?: number;
  /** Values the guess keeps: its prefix and its store (default SPECULATION); false: no guess. */
  speculate?: { prefix: number; store: number } | false;
  /**
   * When set, the first pass keeps every value (at most this many) instead
   * of counting them, and ends with one sort and merge: no grid, no second
   * pass. For windows whose values fit in memory.
   */
  collectAll?: number;
}

/** How a whole window given at once (WindowSummary.ofValues) is settled. */
export interface WholeOptions {
  /** Its values are finite and ascending already: no sort. */
  sorted?: boolean;
  /** Sees the sorted finite values (a view valid only during the call), e.g. to keep them. */
  onSorted?: (v: Float64Array) => void;
}

/** Values collected per column in a pass (8 bytes each), unless the caller shares a budget out. */
export const DEFAULT_VALUES = 1 << 20;

/**
 * A guessing first pass's prefix (at least its buffer) and the most values its
 * store may grow to (8 bytes each). W3's 20M-row columns whose guess holds
 * keep 95 to 112k values in the store at the end (bench/RESULTS.md).
 */
export const SPECULATION = { prefix: 1 << 18, store: 1 << 19 };

/** Thrown when a later pass does not see the values the first pass counted: the source changed in between. */
export class InconsistentPassError extends Error {
  override name = 'InconsistentPassError';
}

/**
 * An open stretch (lo, hi) between two bounds: what is known before it, and
 * which points lie inside.
 */
interface Region {
  lo: number;
  hi: number;
  /** Baseline and window values <= lo. */
  i0: number;
  j0: number;
  /** Window values strictly inside. */
  t: number;
  /** Points strictly inside: indices [from, to). */
  from: number;
  to: number;
  /** Points <= hi. */
  upHi: number;
  /** Grid intervals of this pass that make up the region. */
  first: number;
  last: number;
  /** Open for KS and W1; false when only quantile ranks inside need its values. */
  open: boolean;
  /** The window ranks (0-based, ascending) a quantile needs whose values lie strictly inside. */
  ranks: number[];
  /** The mean of its values, as the counts' sums give it (NaN when unknown): where to split a gap. */
  mean: number;
}

/** a·b < c·d for non-negative integers, exactly (products may pass 2^53). */
function lessProduct(a: number, b: number, c: number, d: number): boolean {
  const x = a * b;
  const y = c * d;
  if (x < 2 ** 53 && y < 2 ** 53) return x < y;
  return BigInt(a) * BigInt(b) < BigInt(c) * BigInt(d);
}

const BITS_VIEW = new Float64Array(1);
const BITS = new BigUint64Array(BITS_VIEW.buffer);
const SIGN = 1n << 63n;
const ALL = (1n << 64n) - 1n;

/** The order-preserving 64-bit key of a double. */
function key64(x: number): bigint {
  BITS_VIEW[0] = x;
  const b = BITS[0];
  return b & SIGN ? ~b & ALL : b | SIGN;
}

function fromKey64(k: bigint): number {
  BITS[0] = k & SIGN ? k ^ SIGN : ~k & ALL;
  return BITS_VIEW[0];
}

/** The largest double below x (−Infinity below −MAX_VALUE); below ±0, below −0 too. */
function nextDown(x: number): number {
  return x === 0 ? -Number.MIN_VALUE : fromKey64(key64(x) - 1n);
}

/** The smallest double above x (Infinity above MAX_VALUE); above ±0, above +0 too. */
function nextUp(x: number): number {
  return x === 0 ? Number.MIN_VALUE : fromKey64(key64(x) + 1n);
}

/**
 * Bounds that split a gap (lo, hi) holding no point, ascending: the doubles
 * between evenly by their bit patterns (so that a gap around zero or across
 * magnitudes narrows as fast as any other) and, when its values' mean is
 * known, doubles at growing distances from it (values repeated there, or a
 * lone value, are then isolated in the next pass: its mean is within a few
 * ulps of them). A gap read for its ranks only also gets its first and last
 * double, which beyond the baseline's range are the window's min and max.
 */
function gapBounds(r: Region, splits: number): number[] {
  const lo = key64(r.lo);
  const hi = key64(r.hi);
  const keys: bigint[] = [];
  const near = r.mean > r.lo && r.mean < r.hi ? Math.max(1, splits >> 2) : 0;
  const even = Math.max(2, splits - 2 * near);
  for (let s = 1; s < even; s++) keys.push(lo + ((hi - lo) * BigInt(s)) / BigInt(even));
  if (near > 0) {
    const c = key64(r.mean);
    keys.push(c);
    for (let j = 0; j < near; j++) keys.push(c - (1n << BigInt(2 * j)), c + (1n << BigInt(2 * j)));
  }
  if (!r.open) keys.push(lo + 1n, hi - 1n);
  const out = keys.filter((k) => k > lo && k < hi).map((k) => fromKey64(k) + 0);
  return [...new Set(out)].sort((a, b) => a - b);
}

/**
 * Values a column buffers before locating them (8 bytes each): each call to
 * the counting kernel first brings the column's grid (up to ~0.5 MB) into
 * cache, so more values per call amortize it. A first pass over 8 of W1's
 * columns, chunks interleaved as a scan gives them: 38-48 ns/value with
 * 2^15, 28-35 with 2^17, 29-31 with 2^18, 26-29 with 2^19 (4 MB a column;
 * bench/RESULTS.md). The columns of a batch share PASS_BUFFERS_VALUES
 * (32 MB), down to 2^15 each.
 */
const MAX_BUFFER_VALUES = 1 << 18;
const MIN_BUFFER_VALUES = 1 << 15;
export const PASS_BUFFERS_VALUES = 1 << 22;

/** The buffer of each of `columns` columns counted in one batch (WindowColumns.open; PassLimits.buffer). */
export function passBuffer(columns: number): number {
  return Math.max(MIN_BUFFER_VALUES, Math.min(MAX_BUFFER_VALUES, Math.floor(PASS_BUFFERS_VALUES / Math.max(1, columns))));
}

/**
 * A closed-form part of W1 is a difference of integrals at most this many
 * times W1: its rounding error, relative to the integrals, then grows by at
 * most this factor relative to W1. Ordinary data is far from it (an
 * interval's integrals are a small share of the whole range's); an interval
 * spanning a gap of 1e308 next to a sentinel is not, and is read again.
 */
const CANCELLATION_BOUND = 16;

/** Value splits of an open gap with no point inside. */
const GAP_SPLITS = 64;

/**
 * One numeric window column compared with a baseline summary, over one or
 * more passes: feed every chunk of a pass to `add`, then call `endPass`;
 * when it returns true, feed the same rows again. Memory is O(baseline
 * points + limits), independent of the window's length.
 */
export class WindowSummary {
  /** Valid values seen. */
  m = 0;
  /** Rows seen whose value is missing (NaN, ±Infinity; NULLs arrive as NaN). */
  missing = 0;
  /** Passes ended so far. */
  passes = 0;
  private grid: Grid;
  private cnt!: Int32Array;
  private eq!: Int32Array;
  private sum!: Float64Array;
  /** The regions this pass refines (the first pass: one region over the whole baseline range). */
  private regions: Region[] = [];
  private kept: Float64Array | null = null;
  private keptCount = 0;
  private d = 0;
  /** Where `d` is reached. */
  private ksAt: KsLocation | null = null;
  /** W1·scale: every difference is taken of scaled values, so no sum overflows on finite input (kernels.ts GRID_SCALE). */
  private w1 = 0;
  private scale = GRID_SCALE;
  private windowBelowEdge: Float64Array | null = null;
  private outOfRange = 0;
  private readonly limits: PassLimits;
  private buf!: Float64Array;
  private buffered = 0;
  /** Counts the current pass: its buffer is `buf`, its counters cnt, eq and sum. */
  private counter: GridCounter | null = null;
  /** Grid path: the first pass's mean, std, min and max, streamed. */
  private moments: RunningMoments | null = null;
  /** Grid path: the window's values at the ranks the quantiles need, as passes find them. */
  private readonly order = new Map<number, number>();
  private stats: SideStats | null = null;
  private whole: WholeOptions = {};
  /** Grid path, first pass: the guess of the intervals it leaves open, while it may still save a pass. */
  private spec: Speculation | null = null;

  constructor(
    readonly baseline: BaselineSummary,
    limits: Partial<PassLimits> = {},
  ) {
    this.limits = { ...limits, buckets: limits.buckets ?? DEFAULT_BUCKETS, values: limits.values ?? DEFAULT_VALUES, buffer: limits.buffer ?? passBuffer(1) };
    this.grid = baseline.grid;
    if (limits.collectAll !== undefined) {
      this.kept = new Float64Array(limits.collectAll);
      this.cnt = this.eq = new Int32Array(0);
      this.sum = new Float64Array(0);
      this.buf = new Float64Array(0);
      return;
    }
    this.useCounter(new GridCounter(this.grid, this.limits.buffer!));
    this.moments = new RunningMoments();
    const sizes = limits.speculate ?? SPECULATION;
    const pool = limits.pool;
    // The prefix is whole buffers, at least one; a guess is only worth it when the window is much longer, and only
    // within the shared budget.
    const prefix = sizes ? Math.max(sizes.prefix, this.limits.buffer!) : 0;
    if (sizes && limits.expect !== undefined && limits.expect >= 4 * prefix && (!pool || pool.free >= prefix + sizes.store)) {
      if (pool) pool.free -= prefix + sizes.store;
      this.spec = new Speculation(prefix, sizes.store);
    }
  }

  /** Ends the guess: its memory goes back to the pool. */
  private dropGuess(): void {
    const spec = this.spec!;
    if (this.limits.pool) this.limits.pool.free += spec.prefix.length + spec.capacity;
    this.spec = null;
    this.counter!.flag(null);
  }

  /** Guesses the open intervals from the counts so far, or narrows the guess; drops it when the values it would collect until its next guess do not fit. */
  private guess(): void {
    const spec = this.spec!;
    const seen = this.m;
    if (seen === 0) return this.dropGuess();
    const expect = Math.max(seen, Math.round((this.limits.expect! * seen) / (seen + this.missing)));
    const flags = guessOpen(this.grid, this.baseline, this.cnt, this.eq, seen, expect, this.wantedRanks(expect));
    if (spec.flags) spec.narrow(flags, this.grid.bnd);
    else spec.flags = flags;
    // Until the next guess, as many values again at the rate the counts so far give the flagged intervals; a guess that
    // flags a large share (a window that follows its baseline crosses it everywhere) will not narrow in time.
    let flagged = 0;
    for (let i = 0; i < spec.flags.length; i++) if (spec.flags[i]) flagged += this.cnt[i];
    if (flagged > seen / 4 || spec.storeCount + 2 * flagged > spec.capacity) return this.dropGuess();
    this.counter!.flag(spec.flags);
    spec.nextGuess = 2 * seen;
  }

  private useCounter(counter: GridCounter): void {
    this.counter = counter;
    ({ cnt: this.cnt, eq: this.eq, sum: this.sum, buf: this.buf } = counter);
  }

  /**
   * A summary of a whole window given at once: its values in any order,
   * NaN and ±Infinity counting as missing (the array is adopted, and may be
   * reordered). Call endPass, then finish when m > 0.
   */
  static ofValues(baseline: BaselineSummary, values: Float64Array, opts: WholeOptions = {}): WindowSummary {
    const s = new WindowSummary(baseline, { collectAll: 0 });
    s.kept = values;
    s.keptCount = values.length;
    s.whole = opts;
    return s;
  }

  /**
   * Adds `count` values of the current pass. Missing values must be NaN or
   * ±Infinity. Values are buffered and counted a buffer at a time, so that
   * the grid of one column stays in cache while its values are located,
   * however many columns a chunk interleaves.
   */
  add(values: Float64Array, count: number): void {
    const buf = this.buf;
    const size = buf.length;
    let n = this.buffered;
    if (this.passes === 0 && this.kept) {
      const kept = this.kept;
      let k = this.keptCount;
      for (let r = 0; r < count; r++) {
        const x = values[r];
        if (x - x !== 0) continue;
        if (k === kept.length) throw new InconsistentPassError(`more than the ${kept.length} values the window was counted to hold`);
        kept[k++] = x;
      }
      this.m += k - this.keptCount;
      this.missing += count - (k - this.keptCount);
      this.keptCount = k;
    } else {
      // Whole runs of values into the counter's buffer; it skips what the pass does not count.
      for (let at = 0; at < count; ) {
        const take = Math.min(count - at, size - n);
        buf.set(values.subarray(at, at + take), n);
        n += take;
        at += take;
        if (n === size) {
          this.flush(n);
          n = 0;
        }
      }
    }
    this.buffered = n;
  }

  /** Locates and counts (or collects) the first `count` buffered values. */
  private flush(count: number): void {
    this.buffered = 0;
    if (this.passes === 0) {
      // The prefix, until it is full; then the guess, and the values of its intervals.
      if (this.spec && !this.spec.flags && !this.spec.keep(this.buf, count)) this.guess();
      // Counted with the streamed mean and std, in the order the values came.
      const valid = this.counter!.count(count, this.moments!);
      this.m += valid;
      this.missing += count - valid;
      if (this.m > 0x7fffffff) throw new RangeError('a window column holds more than 2^31 − 1 values');
      const spec = this.spec;
      if (spec?.flags) {
        if (!spec.add(this.buf, this.counter!.collected())) this.dropGuess();
        else if (this.m >= spec.nextGuess) this.guess();
      }
      return;
    }
    const collected = this.counter!.count(count);
    if (collected === 0) return;
    const kept = this.kept!;
    if (this.keptCount + collected > kept.length) throw new InconsistentPassError('more values than the first pass counted');
    kept.set(this.buf.subarray(0, collected), this.keptCount);
    this.keptCount += collected;
  }

  /** Ends a pass. Returns true when another pass over the same rows is needed. m and missing are final once it returns false. */
  endPass(): boolean {
    return WindowSummary.endPasses([this])[0];
  }

  /**
   * endPass for several columns that share a pool: each ends its pass (a
   * guess's memory goes back to the pool) before any plans its next one.
   */
  static endPasses(columns: readonly WindowSummary[]): boolean[] {
    const open = columns.map((c) => c.review());
    return columns.map((c, k) => {
      if (!open[k]) return false;
      c.plan(open[k]);
      return true;
    });
  }

  /** Ends a pass: the regions the next pass reads (sorted), or null when the column is settled. */
  private review(): Region[] | null {
    if (this.passes === 0 && this.kept) {
      this.settleAll(this.kept.subarray(0, this.keptCount));
      this.kept = null;
      this.passes++;
      return null;
    }
    this.flush(this.buffered);
    const spec = this.spec;
    if (spec) this.dropGuess();
    // No valid value: nothing to compare (m is 0, and finish has nothing to give).
    if (this.m === 0) {
      this.passes++;
      return null;
    }
    const { n, points, counts } = this.baseline;
    const m = this.m;
    const open: Region[] = [];
    if (this.kept) {
      this.settleCollected();
      this.kept = null;
      this.passes++;
      return null;
    }
    const { bnd, up } = this.grid;
    const { cnt, eq, sum } = this;
    const B = bnd.length;
    if (this.passes === 0) {
      // Below the first point F_b = 0, above the last F_b = 1: never open.
      this.w1 += sum[0] / m + sum[B] / m;
      // Just below the first point (F_b = 0 there), and at it.
      this.gap(0, cnt[0] / m, bnd[0], true);
      this.gap(counts[0] / n, (cnt[0] + eq[0]) / m, bnd[0]);
      this.outOfRange = cnt[0] + cnt[B];
      this.windowBelowEdges();
      // The quantiles' ranks below the first point, at it, within the baseline's range, and above the last point.
      // Beyond the range W1 and KS are settled above: those values are read again for their ranks only,
      // between the window's min and max.
      const ranks = this.wantedRanks();
      const atFirst = cnt[0] + eq[0];
      const above = m - cnt[B];
      const P = points.length;
      const low = ranks.filter((k) => k < cnt[0]);
      const high = ranks.filter((k) => k >= above);
      for (const k of ranks) if (k >= cnt[0] && k < atFirst) this.order.set(k, bnd[0]);
      const s = this.scale;
      if (low.length > 0) {
        open.push({ lo: nextDown(this.moments!.min), hi: bnd[0], i0: 0, j0: 0, t: cnt[0], from: 0, to: 0, upHi: up[0], first: 0, last: 0, open: false, ranks: low, mean: bnd[0] - sum[0] / cnt[0] / s });
      }
      if (high.length > 0) {
        open.push({ lo: bnd[B - 1], hi: nextUp(this.moments!.max), i0: n, j0: above, t: cnt[B], from: P, to: P, upHi: P, first: 0, last: 0, open: false, ranks: high, mean: bnd[B - 1] + sum[B] / cnt[B] / s });
      }
      const inRange = ranks.filter((k) => k >= atFirst && k < above);
      this.regions = [{ lo: bnd[0], hi: bnd[B - 1], i0: counts[0], j0: atFirst, t: above - atFirst, from: 1, to: 0, upHi: up[B - 1], first: 1, last: B - 1, open: true, ranks: inRange, mean: NaN }];
    }
    // Settle each interval of each region; open ones, and those holding a wanted rank, wait for the next pass.
    // Intervals settled in closed form: their part of W1 (a difference of two integrals), the size of
    // those integrals (what rounding is relative to), and the bound on |F_b − F_w| inside.
    const candidates: { region: Region; part: number; size: number; bound: number }[] = [];
    for (const r of this.regions) {
      let I = r.i0;
      let J = r.j0;
      let seen = 0;
      let k = 0;
      const s = this.scale;
      for (let i = r.first; i <= r.last; i++) {
        const a = bnd[i - 1];
        const b = bnd[i];
        const width = b * s - a * s;
        const T = cnt[i];
        const E = eq[i];
        const S = sum[i];
        const pFrom = up[i - 1];
        const pEnd = up[i];
        const bIsPoint = pEnd > 0 && points[pEnd - 1] === b;
        const pTo = bIsPoint ? pEnd - 1 : pEnd;
        let inner = 0;
        let innerInt = 0;
        for (let q = pFrom; q < pTo; q++) {
          inner += counts[q];
          innerInt += counts[q] * (b * s - points[q] * s);
        }
        // A later pass's last interval ends at the region's upper bound, whose equal values an earlier pass settled.
        const counted = i < r.last || this.passes === 0;
        // The ranks inside this interval, then those at its upper bound (their value is the bound).
        const from = k;
        while (k < r.ranks.length && r.ranks[k] < J + T) k++;
        const ranks = r.ranks.slice(from, k);
        if (counted) while (k < r.ranks.length && r.ranks[k] < J + T + E) this.order.set(r.ranks[k++], b);
        const here: Region = { lo: a, hi: b, i0: I, j0: J, t: T, from: pFrom, to: pTo, upHi: pEnd, first: 0, last: 0, open: r.open, ranks, mean: b - S / T / s };
        if (!r.open) {
          if (ranks.length > 0) open.push(here);
        } else if (T === 0) this.settleWithoutValues(here);
        else if (inner === 0) {
          // F_b is constant inside: F_w crosses it or not.
          if (lessProduct(J, n, I, m) && lessProduct(I, m, J + T, n)) open.push(here);
          else {
            const part = Math.abs((I / n - J / m) * width - S / m);
            candidates.push({ region: here, part, size: Math.max(I / n, J / m) * width + S / m, bound: 0 });
            // At a, and just below b: F_w passes its T values inside, where they are is not known.
            this.gap(I / n, J / m, a);
            this.gap(I / n, (J + T) / m, b, true);
          }
        } else {
          const above = !lessProduct(I, m, J + T, n); // F_b >= F_w throughout
          const below = !lessProduct(J, n, I + inner, m); // F_b <= F_w throughout
          if (!above && !below) open.push(here);
          else {
            const part = Math.abs((I * width + innerInt) / n - (J * width + S) / m);
            const bound = above ? (I + inner) / n - J / m : (J + T) / m - I / n;
            candidates.push({ region: here, part, size: (I * width + innerInt) / n + (J * width + S) / m, bound });
          }
        }
        I += inner + (bIsPoint ? counts[pEnd - 1] : 0);
        J += T;
        seen += T;
        if (counted) {
          J += E;
          seen += E;
          if (r.open) this.gap(I / n, J / m, b);
        }
      }
      if (this.passes > 0 && seen !== r.t) throw new InconsistentPassError(`${seen} values in an open region, the first pass counted ${r.t}`);
    }
    // An interval whose bound cannot beat the D known so far is settled; the others are read again. So is
    // one whose integrals are so much larger than W1 (a gap of 1e308 next to a sentinel) that the
    // difference would lose digits to rounding: the next pass merges its values exactly.
    let estimate = this.w1;
    for (const c of candidates) estimate += c.part;
    for (const c of candidates) {
      if (c.bound > this.d || c.size > CANCELLATION_BOUND * estimate) open.push(c.region);
      else {
        this.w1 += c.part;
        if (c.region.ranks.length > 0) open.push({ ...c.region, open: false });
      }
    }
    this.passes++;
    if (open.length === 0) return null;
    open.sort((x, y) => x.lo - y.lo);
    if (spec?.flags && this.settleGuessed(open, spec)) return null;
    return open;
  }

  /**
   * Settles a first pass's open regions (single intervals, and the two beyond
   * the grid) from the guess's values when the guess flagged them all;
   * false when it did not.
   */
  private settleGuessed(open: Region[], spec: Speculation): boolean {
    const { bnd } = this.grid;
    const flags = spec.flags!;
    const B = bnd.length;
    // The region above the grid ends past it, at the window's max; every other one at its interval's bound.
    const at = (r: Region) => (r.hi > bnd[B - 1] ? B : intervalOf(bnd, r.hi));
    if (!open.every((r) => flags[at(r)] === 1)) return false;
    const total = open.reduce((s, r) => s + r.t, 0);
    const kept = new Float64Array(total);
    let k = 0;
    // Each value strictly inside an open region (they are sorted and disjoint), whether from the prefix or the store:
    // the first region ending at or above it.
    const ends = Float64Array.from(open, (r) => r.hi);
    const take = (values: Float64Array, count: number) => {
      for (let v = 0; v < count; v++) {
        const x = values[v];
        const r = intervalOf(ends, x);
        if (r < open.length && open[r].lo < x && x < open[r].hi) {
          if (k === total) throw new Error(`the first pass's guess found more than the ${total} values its open regions hold`);
          kept[k++] = x;
        }
      }
    };
    take(spec.prefix, spec.prefixCount);
    take(spec.store, spec.storeCount);
    if (k !== total) throw new Error(`the first pass's guess found ${k} of the ${total} values its open regions hold`);
    this.regions = open;
    this.kept = kept;
    this.keptCount = total;
    // settleCollected gives back what plan would have taken from the pool.
    if (this.limits.pool) this.limits.pool.free -= total;
    this.settleCollected();
    this.kept = null;
    return true;
  }

  /** The window ranks QUANTILES interpolate between for m values, ascending, as quantileOf reads them. */
  private wantedRanks(m = this.m): number[] {
    const ranks = new Set<number>();
    for (const q of QUANTILES) quantileOf(m, q, (k) => (ranks.add(k), 0));
    return [...ranks].sort((a, b) => a - b);
  }

  /** A gap |F_b − F_w| at x (or just below x): D is the largest, and ksAt where it is first reached. */
  private gap(fb: number, fw: number, x: number, below = false): void {
    const g = Math.abs(fb - fw);
    if (g > this.d || this.ksAt === null) {
      this.d = g;
      this.ksAt = { x, below, baseline: fb, window: fw };
    }
  }

  /** An interval with no window value inside: F_w is constant there, so the baseline's points settle it. */
  private settleWithoutValues(r: Region): void {
    const { n, points, counts } = this.baseline;
    const c = r.j0 / this.m;
    const s = this.scale;
    let I = r.i0;
    let prev = r.lo * s;
    for (let q = r.from; q < r.to; q++) {
      const x = points[q] * s;
      this.w1 += Math.abs(I / n - c) * (x - prev);
      I += counts[q];
      this.gap(I / n, c, points[q]);
      prev = x;
    }
    this.w1 += Math.abs(I / n - c) * (r.hi * s - prev);
  }

  /** Sets up the next pass over the open regions: collect their values when they fit, else split them finer. */
  private plan(open: Region[]): void {
    const total = open.reduce((s, r) => s + r.t, 0);
    const pool = this.limits.pool;
    const collect = total <= this.limits.values && (!pool || total <= pool.free);
    if (collect && pool) pool.free -= total;
    const innerPoints = open.reduce((s, r) => s + (r.to - r.from), 0);
    const stride = Math.max(1, Math.ceil(innerPoints / this.limits.buckets));
    const gapSplits = Math.max(2, Math.min(GAP_SPLITS, Math.floor(this.limits.buckets / open.length)));
    const { points } = this.baseline;
    const bnd: number[] = [];
    const up: number[] = [];
    const region: number[] = [];
    const push = (v: number, u: number, reg: number) => {
      bnd.push(v);
      up.push(u);
      region.push(reg);
    };
    open.forEach((r, k) => {
      if (bnd.length === 0 || bnd[bnd.length - 1] !== r.lo) {
        // The interval ending at lo lies outside every region.
        push(r.lo, r.from, -1);
      }
      r.first = bnd.length;
      if (!collect) {
        const inner = r.to - r.from;
        if (inner > 0) {
          let any = false;
          for (let q = r.from + stride - 1; q < r.to; q += stride) {
            push(points[q], q + 1, k);
            any = true;
          }
          if (!any) {
            const q = r.from + (inner >> 1);
            push(points[q], q + 1, k);
          }
        } else {
          for (const v of gapBounds(r, gapSplits)) if (v > bnd[bnd.length - 1] && v < r.hi) push(v, r.from, k);
        }
      }
      push(r.hi, r.upHi, k);
      r.last = bnd.length - 1;
    });
    // The grid's intervals: region[i] for (bnd[i − 1], bnd[i]]; nothing above the last bound counts.
    region.push(-1);
    const b = Float64Array.from(bnd);
    const index = buildIndex(b);
    const reg = Int32Array.from(region);
    const grid = { bnd: b, up: Int32Array.from(up), index, region: reg, top: null as Uint8Array | null };
    grid.top = topFlags(grid, (i) => reg[i] >= 0);
    this.grid = grid;
    this.regions = open;
    this.useCounter(new GridCounter(grid, this.limits.buffer!, collect));
    if (collect) {
      this.kept = new Float64Array(total);
      this.keptCount = 0;
    }
  }

  /** The collected values of every open region, merged with the region's points in order. */
  private settleCollected(): void {
    const { n, points, counts } = this.baseline;
    const m = this.m;
    const kept = this.kept!;
    const total = this.regions.reduce((s, r) => s + r.t, 0);
    if (this.limits.pool) this.limits.pool.free += total;
    if (this.keptCount !== total) throw new InconsistentPassError(`${this.keptCount} values in the open regions, the first pass counted ${total}`);
    sortDoubles(kept);
    const s = this.scale;
    let v = 0;
    for (const r of this.regions) {
      const end = v + r.t;
      for (const k of r.ranks) this.order.set(k, kept[v + k - r.j0]);
      if (!r.open) {
        v = end;
        continue;
      }
      let I = r.i0;
      let J = r.j0;
      let prev = r.lo;
      let q = r.from;
      while (q < r.to || v < end) {
        const x = Math.min(q < r.to ? points[q] : Infinity, v < end ? kept[v] : Infinity);
        this.w1 += Math.abs(I / n - J / m) * (x * s - prev * s);
        if (q < r.to && points[q] === x) I += counts[q++];
        while (v < end && kept[v] === x) {
          J++;
          v++;
        }
        this.gap(I / n, J / m, x);
        prev = x;
      }
      this.w1 += Math.abs(I / n - J / m) * (r.hi * s - prev * s);
    }
  }

  /** Every statistic from all the window's values (any order; non-finite ones are missing), merged with the baseline's points. */
  private settleAll(values: Float64Array): void {
    const { n, points, counts, edges } = this.baseline;
    // Quantiles, mean and std of the window from its sorted values, while they are at hand.
    const { sorted, onSorted } = this.whole;
    const describe = (v: Float64Array) => {
      this.stats = describeSorted(v);
      onSorted?.(v);
    };
    const r =
      settleWindow(values, n, points, counts, edges, describe, sorted) ??
      (() => {
        const v = sorted ? values : sortDoubles(values);
        describe(v);
        return mergeSorted(v, this.baseline);
      })();
    // Values kept by add are all finite; those given to ofValues are counted here.
    this.missing += values.length - r.m;
    this.m = r.m;
    this.w1 = r.w1 / n / r.m;
    this.scale = r.scale;
    this.d = r.d;
    this.ksAt = { x: r.at.x, below: false, baseline: r.at.baseline / n, window: r.at.window / r.m };
    this.outOfRange = r.outOfRange;
    this.windowBelowEdge = r.below;
  }

  /** Window values strictly below each decile edge, from the first pass (edges are grid bounds). */
  private windowBelowEdges(): void {
    const { edges } = this.baseline;
    const { bnd } = this.grid;
    const below = new Float64Array(edges.length);
    let J = 0;
    let e = 0;
    for (let i = 0; i < bnd.length && e < edges.length; i++) {
      J += this.cnt[i];
      while (e < edges.length && edges[e] === bnd[i]) below[e++] = J;
      J += this.eq[i];
    }
    this.windowBelowEdge = below;
  }

  /** The statistics, once `endPass` has returned false. */
  finish(): NumericSummary {
    const { counts, n, edges, edgeAt, std, mad, magnitude } = this.baseline;
    const m = this.m;
    let windowStats = this.stats;
    if (!windowStats) {
      // Streamed: the order statistics the passes found, interpolated as the kept window's are.
      const at = (k: number) => {
        const x = this.order.get(k);
        if (x === undefined) throw new Error(`the window's value of rank ${k} was not found by the passes`);
        return x;
      };
      windowStats = { ...this.moments!.result(), quantiles: QUANTILES.map((q) => quantileOf(m, q, at)) };
    }
    const baselineBelow = new Float64Array(edges.length);
    let i = 0;
    let p = 0;
    for (let e = 0; e < edges.length; e++) {
      while (p < edgeAt[e]) i += counts[p++];
      baselineBelow[e] = i;
    }
    const bins = (below: Float64Array, total: number) => {
      const out = new Float64Array(edges.length + 1);
      let prev = 0;
      for (let e = 0; e < edges.length; e++) {
        out[e] = below[e] - prev;
        prev = below[e];
      }
      out[edges.length] = total - prev;
      return out;
    };
    return {
      n,
      m,
      d: this.d,
      ksAt: this.ksAt!,
      w1: this.w1 / this.scale,
      std,
      mad,
      magnitude,
      edges,
      bins: { baseline: bins(baselineBelow, n), window: bins(this.windowBelowEdge!, m) },
      outOfRange: this.outOfRange,
      baselineStats: this.baseline.stats,
      windowStats,
    };
  }
}
