/**
 * Mean and std (ddof 0) of a window streamed once, for the grid path, which
 * never holds the values. Sums of deviations from a shift (the first
 * value), compensated, at a power-of-two scale that follows the largest
 * deviation: nothing overflows, and nothing that matters underflows.
 */
import type { SideStats } from '../types.js';

/** Rescale when the largest scaled deviation leaves [LOW, HIGH]: its square and a sum of 2^31 of them stay normal doubles. The first-pass kernel (wasm/kernels.as.ts countFirstPass) has the same two. */
const HIGH = 2 ** 400;
const LOW = 2 ** -400;
/** Digits var = (Σd² − (Σd)²/n)/n may lose to cancellation before it is not exact to the reference tolerance (2^20: about 1e-10 relative left). */
const MAX_CANCELLATION = 2 ** 20;

/** 2^k for any integer k, exact while representable (2 ** k alone gives 0 or Infinity outside ±1023). */
function pow2(k: number): number {
  if (k > 1000) return 2 ** 1000 * 2 ** (k - 1000);
  if (k < -1000) return 2 ** -1000 * 2 ** (k + 1000);
  return 2 ** k;
}

/** The power-of-two exponent e with 2^(e−1) <= |x| < 2^e, for finite x ≠ 0. */
function exponentOf(x: number): number {
  return Math.floor(Math.log2(Math.abs(x))) + 1;
}

export class RunningMoments {
  /** The smallest and largest finite value seen: where the window's values beyond the baseline's range end. */
  min = Infinity;
  max = -Infinity;
  private n = 0;
  private shift = 0;
  /** Deviations are summed as (x − shift)·2^e. */
  private e = 0;
  private t = 1;
  private shiftT = 0;
  private big = 0;
  private s1 = 0;
  private c1 = 0;
  private s2 = 0;
  private c2 = 0;

  /** Adds the finite ones of the first `count` values (NaN and ±Infinity are missing). */
  add(values: Float64Array, count: number): void {
    for (let r = 0; r < count; r++) {
      const x = values[r];
      if (x - x !== 0) continue;
      if (x < this.min) this.min = x;
      if (x > this.max) this.max = x;
      if (this.n === 0) this.start(x);
      let y = x * this.t - this.shiftT;
      const a = Math.abs(y);
      if (!(a <= this.big)) {
        if (!(a <= HIGH) || a < LOW) {
          this.rescale(x);
          y = x * this.t - this.shiftT;
        }
        this.big = Math.abs(y);
      }
      this.n++;
      // Neumaier's compensated sums of y and y².
      let s = this.s1 + y;
      this.c1 += Math.abs(this.s1) >= Math.abs(y) ? this.s1 - s + y : y - s + this.s1;
      this.s1 = s;
      const y2 = y * y;
      s = this.s2 + y2;
      this.c2 += this.s2 >= y2 ? this.s2 - s + y2 : y2 - s + this.s2;
      this.s2 = s;
    }
  }

  private start(x: number): void {
    this.shift = x;
    this.e = 0;
    this.t = 1;
    this.shiftT = x;
    this.big = 0;
  }

  /** A new largest deviation outside [LOW, HIGH]: a scale that puts it near 1; the sums follow, exactly (powers of two). */
  private rescale(x: number): void {
    // Halves: x − shift may exceed the largest double, x/2 − shift/2 never does.
    const half = x / 2 - this.shift / 2;
    if (half === 0) return;
    const e = 1 - exponentOf(half);
    const k = e - this.e;
    const f = pow2(k);
    this.s1 *= f;
    this.c1 *= f;
    // f² may leave the double range while f·f·s2 does not: scale twice.
    this.s2 = this.s2 * f * f;
    this.c2 = this.c2 * f * f;
    this.e = e;
    this.t = pow2(e);
    this.shiftT = this.shift * this.t;
  }

  /** Writes the state to `to` (10 doubles) as the first-pass kernel reads it (kernels.ts GridCounter.count). */
  save(to: Float64Array): void {
    to[0] = this.min;
    to[1] = this.max;
    to[2] = this.n;
    to[3] = this.t;
    to[4] = this.shiftT;
    to[5] = this.big;
    to[6] = this.s1;
    to[7] = this.c1;
    to[8] = this.s2;
    to[9] = this.c2;
  }

  /** Reads back what the kernel changed: every part of the state but the scale (which only add sets). */
  load(from: Float64Array): void {
    this.min = from[0];
    this.max = from[1];
    this.n = from[2];
    this.big = from[5];
    this.s1 = from[6];
    this.c1 = from[7];
    this.s2 = from[8];
    this.c2 = from[9];
  }

  /** The mean and std seen so far; std null (with the reason) when cancellation would leave it inexact. */
  result(): SideStats {
    const n = this.n;
    if (n === 0) return { mean: null, std: null, quantiles: null, reason: 'no finite value' };
    const s1 = this.s1 + this.c1;
    const s2 = this.s2 + this.c2;
    const avg = s1 / n;
    // shift + avg/t, in halves: the mean is finite, the deviation from the shift may not be.
    const mean = 2 * (this.shift / 2 + avg * pow2(-this.e - 1));
    const second = s2 / n;
    const v = second - avg * avg;
    if (second === 0) return { mean, std: 0, quantiles: null };
    if (!(v > 0) || second / v > MAX_CANCELLATION) {
      return { mean, std: null, quantiles: null, reason: 'the window std cancels in one streamed pass (its values spread far less than they lie from the first one)' };
    }
    return { mean, std: Math.sqrt(v) * pow2(-this.e), quantiles: null };
  }
}
