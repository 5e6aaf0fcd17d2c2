/**
 * A grid path's guess, during its first pass, of the intervals the pass will
 * leave open (window-summary.ts), so that their values can be collected on
 * the way and a second read of the window saved.
 *
 * The first pass keeps its first values (the prefix) verbatim. From the
 * counts so far it then flags every interval whose end-of-pass test could
 * come out open: F_b and F_w within a margin of crossing inside it, a bound
 * on |F_b − F_w| inside it within a margin of the largest gap seen, or a
 * quantile's rank within a margin of its window values. The rest of the pass
 * collects the values strictly inside the flagged intervals, and each time
 * the values seen double the guess is made again and only intervals flagged
 * both times stay flagged (the values of the others are dropped). So an
 * interval still flagged at the end has had its values collected since the
 * prefix ended, and its values are the prefix's and the collected ones that
 * lie inside it. A guess is never trusted: a column whose open intervals
 * are not all flagged at the end is read again, as without a guess.
 */
import type { Grid } from './point-index.js';

/** Standard errors of the counts' fractions an interval's test may move by before the pass ends. */
const Z = 4;

/** What the guess needs of the baseline summary. */
interface Baseline {
  n: number;
  points: Float64Array;
  counts: Int32Array;
}

/**
 * The flags (one byte per interval, 0 to B) of the intervals the first pass
 * may leave open, from its counts so far (cnt, eq over `seen` values).
 * `ranks`: the window ranks the quantiles need, for `expect` values.
 */
export function guessOpen(grid: Grid, baseline: Baseline, cnt: Int32Array, eq: Int32Array, seen: number, expect: number, ranks: readonly number[]): Uint8Array {
  const { bnd, up } = grid;
  const { n, points, counts } = baseline;
  const B = bnd.length;
  const flags = new Uint8Array(B + 1);
  const margin = (f: number) => Z * Math.sqrt(Math.max(f * (1 - f), 1 / seen) / seen) + 2 / seen;
  // Baseline values <= bnd[i], for each bound.
  const atBound = new Float64Array(B);
  let I = 0;
  let q = 0;
  for (let i = 0; i < B; i++) {
    while (q < up[i]) I += counts[q++];
    atBound[i] = I;
  }
  // The largest gap at a bound, and F_w there. An interval whose bound on |F_b − F_w| cannot come near it cannot hold
  // D; "near" by the error of the two estimates' difference, which is small close by (they share most values).
  let J = cnt[0] + eq[0];
  let gap = 0;
  let gapAt = 0;
  for (let i = 0; i < B; i++) {
    if (i > 0) J += cnt[i] + eq[i];
    const g = Math.abs(atBound[i] / n - J / seen);
    if (g > gap) [gap, gapAt] = [g, J / seen];
  }
  const apart = (f: number) => Z * Math.sqrt((Math.abs(f - gapAt) + 1 / seen) / seen) + 2 / seen;
  const fractions = ranks.map((k) => (k + 0.5) / expect);
  const holdsRank = (lo: number, hi: number, mg: number) => fractions.some((f) => f >= lo - mg && f <= hi + mg);
  // Below the first bound and above the last, only ranks can need the values.
  flags[0] = holdsRank(0, cnt[0] / seen, margin(cnt[0] / seen)) ? 1 : 0;
  const above = (seen - cnt[B]) / seen;
  flags[B] = holdsRank(above, 1, margin(above)) ? 1 : 0;
  J = cnt[0] + eq[0];
  for (let i = 1; i < B; i++) {
    const bIsPoint = up[i] > 0 && points[up[i] - 1] === bnd[i];
    const lowB = atBound[i - 1] / n;
    const highB = (atBound[i] - (bIsPoint ? counts[up[i] - 1] : 0)) / n;
    const lowW = J / seen;
    const highW = (J + cnt[i]) / seen;
    const mg = margin((lowW + highW) / 2);
    const crosses = lowB < highW + mg && lowW < highB + mg;
    const bound = Math.max(highB - lowW, highW - lowB);
    if (crosses || bound + apart(lowW < gapAt ? lowW : highW) >= gap || holdsRank(lowW, (J + cnt[i] + eq[i]) / seen, mg)) flags[i] = 1;
    J += cnt[i] + eq[i];
  }
  return flags;
}

/** The interval (0 to B) that holds x strictly inside: 0 below bnd[0], B above bnd[B − 1]. */
export function intervalOf(bnd: Float64Array, x: number): number {
  let lo = 0;
  let hi = bnd.length;
  // The first bound >= x.
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (bnd[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A first pass's prefix, its guess and the values collected for it. */
export class Speculation {
  readonly prefix: Float64Array;
  prefixCount = 0;
  /** Grows up to `capacity` values, as the guess collects them: most guesses are dropped at once. */
  store = new Float64Array(0);
  storeCount = 0;
  /** Null until the prefix is full. */
  flags: Uint8Array | null = null;
  /** Values seen at which the guess is made again. */
  nextGuess = 0;

  constructor(
    prefix: number,
    readonly capacity: number,
  ) {
    this.prefix = new Float64Array(prefix);
  }

  /** Keeps the finite values among buf's first `count` when they fit the prefix; false (nothing kept) otherwise. */
  keep(buf: Float64Array, count: number): boolean {
    let finite = 0;
    for (let r = 0; r < count; r++) if (buf[r] - buf[r] === 0) finite++;
    if (this.prefixCount + finite > this.prefix.length) return false;
    let k = this.prefixCount;
    for (let r = 0; r < count; r++) if (buf[r] - buf[r] === 0) this.prefix[k++] = buf[r];
    this.prefixCount = k;
    return true;
  }

  /** Adds the first `count` values of buf to the store; false when they do not fit. */
  add(buf: Float64Array, count: number): boolean {
    const need = this.storeCount + count;
    if (need > this.capacity) return false;
    if (need > this.store.length) {
      const grown = new Float64Array(Math.min(this.capacity, Math.max(need, 2 * this.store.length, 1 << 12)));
      grown.set(this.store.subarray(0, this.storeCount));
      this.store = grown;
    }
    this.store.set(buf.subarray(0, count), this.storeCount);
    this.storeCount += count;
    return true;
  }

  /** Keeps flagged only the intervals flagged in `flags` too, and drops the stored values of the others. */
  narrow(flags: Uint8Array, bnd: Float64Array): void {
    const mine = this.flags!;
    for (let i = 0; i < mine.length; i++) mine[i] &= flags[i];
    let k = 0;
    for (let v = 0; v < this.storeCount; v++) {
      const x = this.store[v];
      if (mine[intervalOf(bnd, x)]) this.store[k++] = x;
    }
    this.storeCount = k;
  }
}
