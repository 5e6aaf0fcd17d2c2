// AssemblyScript, compiled to kernels.wasm by `npm run build`; the caller,
// src/stats/streaming/kernels.ts, lays out linear memory and passes addresses. The
// loops that see every window value: sorting, merging a sorted window with
// the baseline's points, and counting values into a grid (window-summary.ts
// describes the method). The merge gives bit-identical results to
// merge.ts's mergeSorted, the path for inputs too large for linear memory
// (a test compares them): WebAssembly's f64 arithmetic is IEEE 754, as
// JavaScript's is, and the operations are done in the same order.

/**
 * High words are sorted by three 11-bit digits (three passes, not four), a run's low words by four 8-bit ones (their
 * histograms are cleared per run). sortFinite and sortRun count the digits one by one, written out: keep them in step.
 */
const HI_BITS: u32 = 11;
const HI_DIGITS: i32 = 3;
const LO_BITS: u32 = 8;
const LO_DIGITS: i32 = 4;
/** merge.ts's MERGE_BIG and MERGE_SMALL_SCALE: above 2^958 the merge scales by 2^-72. */
const MERGE_BIG: f64 = 2.43632850285e+288;
const MERGE_SMALL_SCALE: f64 = 2.117582368135751e-22;
const HI_RADIX: i32 = 1 << HI_BITS;
const LO_RADIX: i32 = 1 << LO_BITS;
const histHi: usize = memory.data(HI_DIGITS * HI_RADIX * 4);
const histLo: usize = memory.data(LO_DIGITS * LO_RADIX * 4);
/** w1 (unnormalised, scaled), D, values out of the baseline's range, the scale; where D is reached: x, I, J. */
const result: usize = memory.data(56);
/** A grid pass counts BLOCK values at a time, staging each one's leaf, then interval, in `stage`. */
const BLOCK: i32 = 256;
const stage: usize = memory.data(BLOCK * 4);
const MISSING: i32 = -1;
const BELOW: i32 = -2;
const ABOVE: i32 = -3;

export function resultAt(): usize {
  return result;
}

export { reserve } from "../../wasm/memory.as";

@inline function f64At(base: usize, i: i32): f64 {
  return load<f64>(base + (<usize>i << 3));
}

/** moments.ts's HIGH and LOW: 2^400 and 2^-400. */
const MOMENTS_HIGH: f64 = reinterpret<f64>(0x58f0000000000000);
const MOMENTS_LOW: f64 = reinterpret<f64>(0x26f0000000000000);

/** Order-preserving key of the high word (sign, exponent, 20 mantissa bits). */
@inline function hiKey(p: usize): u32 {
  const h = load<i32>(p, 4);
  return <u32>(h ^ ((h >> 31) | 0x80000000));
}

/** Digit d's counter for key k, in histograms `hist` of `bits`-bit digits. */
@inline function digitAt(hist: usize, bits: u32, d: i32, k: u32): usize {
  return hist + ((<usize>(d << bits) + ((k >>> (<u32>d * bits)) & ((1 << bits) - 1))) << 2);
}

/**
 * The LSD passes of a radix sort of n doubles at a, through b, by a 32-bit key (the high word's, or the low word
 * xor `flip`) whose `digits` digits of `bits` bits `hist` counts; returns true when the result is in b.
 */
function scatter(a: usize, b: usize, n: i32, low: bool, flip: u32, hist: usize, bits: u32, digits: i32): bool {
  let src = a;
  let dst = b;
  let inB = false;
  const radix = 1 << bits;
  const mask: u32 = radix - 1;
  for (let d = 0; d < digits; d++) {
    const base = hist + (<usize>(d << bits) << 2);
    // A digit every value shares moves nothing.
    let skip = false;
    let sum = 0;
    for (let j = 0; j < radix; j++) {
      const q = base + (<usize>j << 2);
      const c = load<i32>(q);
      if (c == n) skip = true;
      store<i32>(q, sum);
      sum += c;
    }
    if (skip) continue;
    const shift = <u32>d * bits;
    // One loop per key, so that the one that runs tests nothing per value.
    if (low) {
      for (let i = 0; i < n; i++) {
        const p = src + (<usize>i << 3);
        const q = base + (<usize>(((load<u32>(p) ^ flip) >>> shift) & mask) << 2);
        const o = load<i32>(q);
        store<i32>(q, o + 1);
        store<i64>(dst + (<usize>o << 3), load<i64>(p));
      }
    } else {
      for (let i = 0; i < n; i++) {
        const p = src + (<usize>i << 3);
        const q = base + (<usize>((hiKey(p) >>> shift) & mask) << 2);
        const o = load<i32>(q);
        store<i32>(q, o + 1);
        store<i64>(dst + (<usize>o << 3), load<i64>(p));
      }
    }
    const t = src;
    src = dst;
    dst = t;
    inB = !inB;
  }
  return inB;
}

/** Orders the run [lo, hi) of values at a that share the high word h by their low words, through scratch at s. */
function sortRun(a: usize, s: usize, lo: i32, hi: i32, h: i32): void {
  const p = a + (<usize>lo << 3);
  const n = hi - lo;
  // Runs of equal high words share the sign: the low word orders them, negative values in reverse.
  const flip: u32 = h < 0 ? 0xffffffff : 0;
  memory.fill(histLo, 0, LO_DIGITS * LO_RADIX * 4);
  for (let i = 0; i < n; i++) {
    const k = load<u32>(p + (<usize>i << 3)) ^ flip;
    const c0 = digitAt(histLo, LO_BITS, 0, k);
    const c1 = digitAt(histLo, LO_BITS, 1, k);
    const c2 = digitAt(histLo, LO_BITS, 2, k);
    const c3 = digitAt(histLo, LO_BITS, 3, k);
    store<i32>(c0, load<i32>(c0) + 1);
    store<i32>(c1, load<i32>(c1) + 1);
    store<i32>(c2, load<i32>(c2) + 1);
    store<i32>(c3, load<i32>(c3) + 1);
  }
  if (scatter(p, s, n, true, flip, histLo, LO_BITS, LO_DIGITS)) memory.copy(p, s, <usize>n << 3);
}

/**
 * Moves the finite values among n at a to its front (NaN and ±Infinity are
 * missing values) and sorts them ascending, -0 before +0, through n doubles
 * of scratch at s; returns how many. By the high words (the pass that keeps
 * the finite values also counts their digits), then within each run of
 * equal high words: one branch-free bubble pass orders most short runs, an
 * insertion the rest, and a run longer than 32 is sorted by its low words.
 */
export function sortFinite(a: usize, s: usize, n: i32): i32 {
  memory.fill(histHi, 0, HI_DIGITS * HI_RADIX * 4);
  let m = 0;
  for (let i = 0; i < n; i++) {
    const p = a + (<usize>i << 3);
    const x = load<f64>(p);
    // Branch-free: every value is stored, a missing one is overwritten next and counts 0.
    const f = <i32>(x - x == 0);
    const k = hiKey(p);
    store<f64>(a + (<usize>m << 3), x);
    m += f;
    // The three digits' counters, written out: a loop over them cost half as much again.
    const c0 = digitAt(histHi, HI_BITS, 0, k);
    const c1 = digitAt(histHi, HI_BITS, 1, k);
    const c2 = digitAt(histHi, HI_BITS, 2, k);
    store<i32>(c0, load<i32>(c0) + f);
    store<i32>(c1, load<i32>(c1) + f);
    store<i32>(c2, load<i32>(c2) + f);
  }
  if (m < 2) return m;
  if (scatter(a, s, m, false, 0, histHi, HI_BITS, HI_DIGITS)) memory.copy(a, s, <usize>m << 3);
  // Sorted by the high words, a value is out of order only within its run. Same sign and exponent: comparing as doubles is exact.
  let carry = load<f64>(a);
  for (let i = 1; i < m; i++) {
    const p = a + (<usize>i << 3);
    const x = load<f64>(p);
    const later = carry > x;
    store<f64>(p - 8, select<f64>(x, carry, later));
    carry = select<f64>(carry, x, later);
  }
  store<f64>(a + (<usize>(m - 1) << 3), carry);
  let i = 1;
  while (i < m) {
    const p = a + (<usize>i << 3);
    const h = load<i32>(p, 4);
    if (i >= 32 && h == load<i32>(p - 256, 4)) {
      // A run of more than 32: its whole extent, by the low words.
      let lo = i - 32;
      while (lo > 0 && load<i32>(a + (<usize>(lo - 1) << 3), 4) == h) lo--;
      let hi = i + 1;
      while (hi < m && load<i32>(a + (<usize>hi << 3), 4) == h) hi++;
      sortRun(a, s, lo, hi, h);
      i = hi;
      continue;
    }
    const v = load<f64>(p);
    if (load<f64>(p - 8) > v) {
      let y = i - 1;
      do {
        store<f64>(a + (<usize>(y + 1) << 3), load<f64>(a + (<usize>y << 3)));
        y--;
      } while (y >= 0 && load<f64>(a + (<usize>y << 3)) > v);
      store<f64>(a + (<usize>(y + 1) << 3), v);
    }
    i++;
  }
  return m;
}

/**
 * baseline-summary.ts's points from n ascending finite values at a: each
 * distinct value (-0 stored as +0) with its count, and each of the E decile
 * edges as a point of its own (count 0) unless it is one of the values; each
 * edge's point index goes to edgeAt. Returns the number of points.
 */
export function distinct(a: usize, n: i32, edges: usize, E: i32, pts: usize, cnt: usize, edgeAt: usize): i32 {
  let np = 0;
  let e = 0;
  let edge: f64 = E > 0 ? f64At(edges, 0) : Infinity;
  for (let i = 0; i < n; ) {
    const v = f64At(a, i);
    let j = i + 1;
    while (j < n && f64At(a, j) == v) j++;
    while (edge <= v) {
      if (edge < v) {
        store<f64>(pts + (<usize>np << 3), edge + 0.0);
        store<i32>(cnt + (<usize>np << 2), 0);
        np++;
      }
      store<i32>(edgeAt + (<usize>e << 2), edge < v ? np - 1 : np);
      e++;
      edge = e < E ? f64At(edges, e) : Infinity;
    }
    store<f64>(pts + (<usize>np << 3), v + 0.0);
    store<i32>(cnt + (<usize>np << 2), j - i);
    np++;
    i = j;
  }
  for (; e < E; e++) {
    store<f64>(pts + (<usize>np << 3), f64At(edges, e) + 0.0);
    store<i32>(cnt + (<usize>np << 2), 0);
    store<i32>(edgeAt + (<usize>e << 2), np);
    np++;
  }
  return np;
}

/** Order-preserving key of a double's bits (-0 before +0), compared unsigned. */
@inline function orderKey(h: i64): u64 {
  return <u64>(h ^ ((h >> 63) | 0x8000000000000000));
}

/**
 * Merges R ascending runs of doubles at a (their bounds: R + 1 i32 at
 * `bounds`, rewritten as runs combine) pairwise, through b (as long), as
 * merge.ts's mergeRuns does: in sort's order (-0 before +0), so that the
 * result is the one sorting them all gives; returns true when it is in b.
 */
export function mergeRuns(a: usize, b: usize, bounds: usize, R: i32): bool {
  let src = a;
  let dst = b;
  let inB = false;
  let runs = R;
  const total = load<i32>(bounds + (<usize>R << 2));
  while (runs > 1) {
    let w = 0;
    for (let r = 0; r < runs; r += 2) {
      const lo = load<i32>(bounds + (<usize>r << 2));
      const mid = load<i32>(bounds + (<usize>(r + 1) << 2));
      const hi = r + 2 <= runs ? load<i32>(bounds + (<usize>(r + 2) << 2)) : mid;
      let i = lo;
      let j = mid;
      let k = lo;
      while (i < mid && j < hi) {
        const x = load<i64>(src + (<usize>i << 3));
        const y = load<i64>(src + (<usize>j << 3));
        const later = orderKey(y) < orderKey(x);
        store<i64>(dst + (<usize>k << 3), select<i64>(y, x, later));
        j += <i32>later;
        i += <i32>!later;
        k++;
      }
      if (i < mid) memory.copy(dst + (<usize>k << 3), src + (<usize>i << 3), <usize>(mid - i) << 3);
      else if (j < hi) memory.copy(dst + (<usize>k << 3), src + (<usize>j << 3), <usize>(hi - j) << 3);
      store<i32>(bounds + (<usize>w << 2), lo);
      w++;
    }
    store<i32>(bounds + (<usize>w << 2), total);
    runs = w;
    const t = src;
    src = dst;
    dst = t;
    inB = !inB;
  }
  return inB;
}

/** The largest |I·m − J·n| so far in settle. */
let gap: f64 = 0.0;

/**
 * Where settle may find D: `after` = |I·m − J·n| once past every event of
 * value x. As merge.ts: D = |I/n − J/m| there, the largest such among ties of
 * the gap; where (x, I, J): the first value of the largest gap. Kept in `result`.
 */
@inline function lookAt(after: f64, x: f64, I: f64, J: f64, n: f64, mf: f64): void {
  if (after < gap) return;
  const dAt = abs<f64>(I / n - J / mf);
  store<f64>(result, after > gap ? dAt : max<f64>(load<f64>(result, 8), dAt), 8);
  const xAt = load<f64>(result, 32);
  if (after > gap || xAt != xAt) {
    store<f64>(result, x, 32);
    store<f64>(result, I, 40);
    store<f64>(result, J, 48);
  }
  gap = after;
}

/**
 * WindowSummary.settleAll's merge (window-summary.ts documents it): m sorted window
 * values at v against P points with their counts, E decile edges. Writes
 * window values below each edge to `below` and w1·n·m·scale, D, the values
 * out of range and the scale to `result`. The scale (merge.ts mergeScale) is
 * a power of two, so scaling is exact: 1 unless a value passes 2^958, where
 * the unnormalised sum (up to n·m·range) or a difference could overflow.
 */
export function settle(v: usize, m: i32, points: usize, counts: usize, P: i32, edges: usize, E: i32, below: usize, n: f64): void {
  memory.fill(below, 0, <usize>E << 3);
  const mf = <f64>m;
  const p0 = f64At(points, 0);
  let big = max<f64>(abs<f64>(p0), abs<f64>(f64At(points, P - 1)));
  if (m > 0) big = max<f64>(big, max<f64>(abs<f64>(f64At(v, 0)), abs<f64>(f64At(v, m - 1))));
  const s: f64 = big > MERGE_BIG ? MERGE_SMALL_SCALE : 1.0;
  let I = 0.0;
  let J = 0.0;
  let q = 0;
  let k = 0;
  let e = 0;
  let w1 = 0.0;
  gap = 0.0;
  store<f64>(result, 0.0, 8);
  store<f64>(result, NaN, 32);
  store<f64>(result, 0.0, 40);
  store<f64>(result, 0.0, 48);
  let prev = (m > 0 ? min<f64>(p0, f64At(v, 0)) : p0) * s;
  // The same sums and the same D as merge.ts's step per window value, taken block by block: the window
  // values strictly between two points, then the point (with the window values equal to it). Within a
  // block I is fixed and J grows, so I·m − J·n falls: |I·m − J·n| peaks at the block's first or last
  // value, and D is looked at there only. A value repeated adds zero-width terms to W1: the same bits.
  while (k < m || q < P) {
    const pv = q < P ? f64At(points, q) : Infinity;
    if (k < m && f64At(v, k) < pv) {
      // The block's first value, with its repeats.
      const x = f64At(v, k);
      const xs = x * s;
      w1 += abs<f64>(I * mf - J * n) * (xs - prev);
      prev = xs;
      let j = k + 1;
      while (j < m && f64At(v, j) == x) j++;
      J += <f64>(j - k);
      k = j;
      lookAt(abs<f64>(I * mf - J * n), x, I, J, n, mf);
      // The rest of the block: W1's terms only.
      const Im = I * mf;
      let last = x;
      while (k < m) {
        const y = f64At(v, k);
        if (!(y < pv)) break;
        const ys = y * s;
        w1 += abs<f64>(Im - J * n) * (ys - prev);
        prev = ys;
        J += 1.0;
        last = y;
        k++;
      }
      lookAt(abs<f64>(I * mf - J * n), last, I, J, n, mf);
    }
    if (q >= P) continue;
    // The point, and the window values equal to it; past the window's last value D only shrinks.
    const open = k < m;
    const ps = pv * s;
    w1 += abs<f64>(I * mf - J * n) * (ps - prev);
    prev = ps;
    if (e < E && f64At(edges, e) == pv) {
      store<f64>(below + (<usize>e << 3), J);
      e++;
    }
    I += <f64>load<i32>(counts + (<usize>q << 2));
    q++;
    let j = k;
    while (j < m && f64At(v, j) == pv) j++;
    J += <f64>(j - k);
    k = j;
    if (!open) continue;
    lookAt(abs<f64>(I * mf - J * n), pv, I, J, n, mf);
  }
  let out = 0;
  for (let i = 0; i < m && f64At(v, i) < p0; i++) out++;
  for (let i = m - 1; i >= 0 && f64At(v, i) > f64At(points, P - 1); i--) out++;
  store<f64>(result, w1);
  store<f64>(result, <f64>out, 16);
  store<f64>(result, s, 24);
}

/** The r-th value's high-word key, in signed form relative to kMin (the grid index's keys). */
@inline function relKey(buf: usize, r: i32, kMin: i32): i32 {
  const h = load<i32>(buf + (<usize>r << 3), 4);
  return (h ^ ((h >> 31) & 0x7fffffff)) - kMin;
}

/** The leaf of the index that a key falls in, within top bucket b. */
@inline function leafOf(rel: i32, b: u32, leafAt: usize, leafShift: usize, mask: i32): i32 {
  return load<i32>(leafAt + (<usize>b << 2)) + ((rel & mask) >>> load<u8>(leafShift + <usize>b));
}

/**
 * The first bound >= x within leaf l: leaves hold a bound or two, so count the
 * bounds below x among at most four without a branch (where the scan ended went
 * either way at random), after bisecting the rare dense leaves.
 */
@inline function firstAtLeast(bnd: usize, leaves: usize, l: i32, x: f64): i32 {
  let i = load<i32>(leaves + (<usize>l << 2));
  let hi = load<i32>(leaves + (<usize>(l + 1) << 2));
  while (hi - i > 4) {
    const mid = (i + hi) >>> 1;
    if (f64At(bnd, mid) < x) i = mid + 1;
    else hi = mid;
  }
  // Ascending bounds: those below x are a prefix of [i, hi). A place past hi reads bound hi − 1 (or i) and counts 0.
  const top = max<i32>(hi - 1, i);
  const b0 = <i32>(i < hi) & <i32>(f64At(bnd, i) < x);
  const b1 = <i32>(i + 1 < hi) & <i32>(f64At(bnd, min<i32>(i + 1, top)) < x);
  const b2 = <i32>(i + 2 < hi) & <i32>(f64At(bnd, min<i32>(i + 2, top)) < x);
  const b3 = <i32>(i + 3 < hi) & <i32>(f64At(bnd, min<i32>(i + 3, top)) < x);
  return i + b0 + b1 + b2 + b3;
}

/** Counts x in interval i, whose upper bound is p: equal to it, or inside with Σ (p − x)·s (scaled so that it stays finite). */
@inline function tally(i: i32, p: f64, x: f64, cnt: usize, eq: usize, sum: usize, s: f64): void {
  if (p == x) store<i32>(eq + (<usize>i << 2), load<i32>(eq + (<usize>i << 2)) + 1);
  else {
    store<i32>(cnt + (<usize>i << 2), load<i32>(cnt + (<usize>i << 2)) + 1);
    store<f64>(sum + (<usize>i << 3), load<f64>(sum + (<usize>i << 3)) + (p * s - x * s));
  }
}
/**
 * WindowSummary's first pass (window-summary.ts documents it): counts the finite
 * values among [from, n) at buf into the grid of B bounds at bnd, found through its
 * two-level index; per interval the values inside (cnt), equal to its upper
 * bound (eq), and Σ (bound − x)·s (sum; s is kernels.ts GRID_SCALE, a power of
 * two small enough that no difference or sum of 2^31 of them overflows). Keys
 * are in signed form relative to kMin. Returns how many values were finite.
 * With flags (one byte per interval, 0: none), the values strictly inside a
 * flagged interval are also moved to the front of buf, after the `kept`
 * moved so far; their number is stored as an i32 at resultAt().
 * With st (RunningMoments' state as its save writes it: min, max, n, t,
 * shiftT, big, s1, c1, s2, c2), adds each finite value to the moments too,
 * with RunningMoments.add's operations in its order (so the same bits), but
 * the one at `from` when `skip`. It stops before a value the caller adds
 * itself, the very first one (it sets the shift) or one that needs a new
 * scale, and stores where as an i32 at resultAt() + 4 (n: nowhere).
 */
export function countFirstPass(buf: usize, from: i32, n: i32, bnd: usize, B: i32, leafAt: usize, leafShift: usize, leaves: usize, kMin: i32, shift: u32, mask: i32, cnt: usize, eq: usize, sum: usize, s: f64, flags: usize, kept: i32, st: usize, skip: bool): i32 {
  const first = f64At(bnd, 0);
  const last = f64At(bnd, B - 1);
  let valid = 0;
  let stop = n;
  // The moments, in locals; summed in the tally stage, whose loads leave room for their dependent additions.
  const withMoments = st != 0;
  let least = 0.0;
  let most = 0.0;
  let count = 0.0;
  let t = 0.0;
  let shiftT = 0.0;
  let big = 0.0;
  let s1 = 0.0;
  let c1 = 0.0;
  let s2 = 0.0;
  let c2 = 0.0;
  if (withMoments) {
    least = load<f64>(st);
    most = load<f64>(st, 8);
    count = load<f64>(st, 16);
    t = load<f64>(st, 24);
    shiftT = load<f64>(st, 32);
    big = load<f64>(st, 40);
    s1 = load<f64>(st, 48);
    c1 = load<f64>(st, 56);
    s2 = load<f64>(st, 64);
    c2 = load<f64>(st, 72);
  }
  // A block at a time, in stages: each stage's loads are independent from one value to the next, so the CPU
  // overlaps their cache misses, where one value's chain (bucket, leaf, bound, counter) waited on each in turn.
  for (let r0 = from; r0 < n && stop == n; r0 += BLOCK) {
    const m = min<i32>(BLOCK, n - r0);
    const at = buf + (<usize>r0 << 3);
    // Stage 1: each value's leaf, or MISSING, BELOW (interval 0) or ABOVE (interval B).
    for (let j = 0; j < m; j++) {
      const x = f64At(at, j);
      let l: i32;
      // NaN (NULL) and ±Infinity are missing.
      if (x - x != 0) l = MISSING;
      else if (x <= first) l = BELOW;
      else if (x > last) l = ABOVE;
      else {
        const rel = relKey(at, j, kMin);
        l = leafOf(rel, <u32>rel >>> shift, leafAt, leafShift, mask);
      }
      store<i32>(stage + (<usize>j << 2), l);
    }
    // Stage 2: each leaf's interval.
    for (let j = 0; j < m; j++) {
      const l = load<i32>(stage + (<usize>j << 2));
      if (l >= 0) store<i32>(stage + (<usize>j << 2), firstAtLeast(bnd, leaves, l, f64At(at, j)));
      else if (l == BELOW) store<i32>(stage + (<usize>j << 2), 0);
      else if (l == ABOVE) store<i32>(stage + (<usize>j << 2), B);
    }
    // Stage 3: the moments and the counters. Values are read at r and written at kept <= r: the values still to count are untouched.
    for (let j = 0; j < m; j++) {
      const i = load<i32>(stage + (<usize>j << 2));
      if (i < 0) continue;
      const x = f64At(at, j);
      if (withMoments && !(skip && r0 + j == from)) {
        // RunningMoments.add's step; Neumaier's compensated sums of y and y².
        if (count == 0) {
          stop = r0 + j;
          break;
        }
        const y = x * t - shiftT;
        const a = abs<f64>(y);
        if (!(a <= big)) {
          if (!(a <= MOMENTS_HIGH) || a < MOMENTS_LOW) {
            stop = r0 + j;
            break;
          }
          big = a;
        }
        if (x < least) least = x;
        if (x > most) most = x;
        count += 1;
        let u = s1 + y;
        c1 += abs<f64>(s1) >= abs<f64>(y) ? s1 - u + y : y - u + s1;
        s1 = u;
        const y2 = y * y;
        u = s2 + y2;
        c2 += s2 >= y2 ? s2 - u + y2 : y2 - u + s2;
        s2 = u;
      }
      valid++;
      if (i == B) {
        // Above the last bound: Σ (x − last)·s, kept positive.
        store<i32>(cnt + (<usize>B << 2), load<i32>(cnt + (<usize>B << 2)) + 1);
        store<f64>(sum + (<usize>B << 3), load<f64>(sum + (<usize>B << 3)) + (x * s - last * s));
        if (flags != 0 && load<u8>(flags + <usize>B) != 0) {
          store<f64>(buf + (<usize>kept << 3), x);
          kept++;
        }
        continue;
      }
      const p = f64At(bnd, i);
      tally(i, p, x, cnt, eq, sum, s);
      if (flags != 0 && p != x && load<u8>(flags + <usize>i) != 0) {
        store<f64>(buf + (<usize>kept << 3), x);
        kept++;
      }
    }
  }
  if (withMoments) {
    store<f64>(st, least);
    store<f64>(st, most, 8);
    store<f64>(st, count, 16);
    store<f64>(st, big, 40);
    store<f64>(st, s1, 48);
    store<f64>(st, c1, 56);
    store<f64>(st, s2, 64);
    store<f64>(st, c2, 72);
  }
  store<i32>(result, kept);
  store<i32>(result, stop, 4);
  return valid;
}

/**
 * A later pass: values in intervals of an open region (region[i] >= 0;
 * top[b] flags the index buckets that overlap one) are counted as in the
 * first pass or, when `collect`, moved to the front of buf unless equal to
 * their bound. Returns how many were moved.
 */
export function countLaterPass(buf: usize, n: i32, bnd: usize, B: i32, leafAt: usize, leafShift: usize, leaves: usize, kMin: i32, shift: u32, mask: i32, top: usize, region: usize, cnt: usize, eq: usize, sum: usize, collect: bool, s: f64): i32 {
  const first = f64At(bnd, 0);
  const last = f64At(bnd, B - 1);
  let kept = 0;
  for (let r = 0; r < n; r++) {
    const x = f64At(buf, r);
    // Only values within the grid's bounds can lie in an open region (NaN fails both).
    if (!(x > first && x <= last)) continue;
    const rel = relKey(buf, r, kMin);
    const b = <u32>rel >>> shift;
    if (load<u8>(top + <usize>b) == 0) continue;
    const i = firstAtLeast(bnd, leaves, leafOf(rel, b, leafAt, leafShift, mask), x);
    if (load<i32>(region + (<usize>i << 2)) < 0) continue;
    const p = f64At(bnd, i);
    if (!collect) tally(i, p, x, cnt, eq, sum, s);
    else if (p != x) {
      store<f64>(buf + (<usize>kept << 3), x);
      kept++;
    }
  }
  return kept;
}
