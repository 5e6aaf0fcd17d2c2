/*
 * Null distributions of the Kolmogorov–Smirnov statistic.
 *
 * Two samples: the exact lattice-path probability (Hodges 1958, "The
 * significance probability of the Smirnov two-sample test", Ark. Mat. 3),
 * carried as "probability of having already left the band" so that tiny
 * p-values keep their relative precision and nothing overflows.
 *
 * One sample, two-sided D_n: the method map of Simard & L'Ecuyer (2011),
 * "Computing the Two-Sided Kolmogorov-Smirnov Distribution", J. Stat. Softw.
 * 39(11), with the thresholds SciPy's scipy.stats.kstwo uses:
 *   - Ruben & Gambino (1982) closed forms for n·d <= 1 and n·d >= n - 1;
 *   - Durbin's (1968) matrix, evaluated as in Marsaglia, Tsang & Wang (2003),
 *     "Evaluating Kolmogorov's Distribution", J. Stat. Softw. 8(18);
 *   - the exact one-sided Smirnov / Birnbaum & Tingey (1951) sum, doubled,
 *     for the upper tail; each term is a binomial probability evaluated in
 *     Loader's (2000) saddle-point form, "Fast and Accurate Computation of
 *     Binomial Probabilities";
 *   - the Pelz & Good (1976) asymptotic series, JRSS B 38(2), for large n.
 */

import { readFileSync } from 'node:fs';

const PI2 = Math.PI * Math.PI;
const PI4 = PI2 * PI2;
const PI6 = PI4 * PI2;
const SQRT_2PI = Math.sqrt(2 * Math.PI);
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
const HUGE = 2 ** 500;
const TINY = 2 ** -500;

/** Exact P(D >= d) for the two-sided two-sample KS statistic with sample sizes n and m (SciPy ks_2samp method="exact"). */
export function ksTwoSampleExactSf(n: number, m: number, d: number): number {
  if (!isCount(n) || !isCount(m) || Number.isNaN(d)) return NaN;
  const g = gcd(n, m);
  const lcm = (n / g) * m;
  const h = roundHalfEven(d * lcm);
  if (h <= 0) return 1;
  if (h > lcm) return 0;
  // The probability is symmetric in (n, m); putting the smaller size on the
  // outer loop makes the inner loops long, which is what the JIT likes.
  return clip01(probLeaveBand(Math.min(n, m), Math.max(n, m), g, h));
}

/** Survival function of the one-sample two-sided Kolmogorov statistic D_n: P(D_n >= d) (= scipy.stats.kstwo.sf(d, n)). */
export function kstwoSf(n: number, d: number): number {
  if (!isCount(n) || Number.isNaN(d)) return NaN;
  if (d >= 1) return 0;
  if (d <= 0) return 1;
  const t = n * d;
  if (t <= 1) {
    // D_n >= 1/(2n) for every sample.
    if (t <= 0.5) return 1;
    return clip01(1 - Math.exp(logFactorialOverPower(n) + n * Math.log(2 * t - 1)));
  }
  if (t >= n - 1) return clip01(2 * Math.pow(1 - d, n));
  // From d = 1/2 on, D+ >= d and D- >= d cannot both happen, so doubling is exact.
  if (d >= 0.5) return clip01(2 * smirnovSf(n, d));
  const ndd = t * d;
  if (n <= 140) {
    // Durbin's matrix is at most 47 x 47 here, so it also covers the band
    // where Simard & L'Ecuyer use Pomeranz; both are exact.
    if (ndd <= 4) return clip01(1 - durbinCdf(n, d));
    return clip01(2 * smirnovSf(n, d));
  }
  // Beyond n·d² = 2.2 the neglected two-sided overlap is below ~2e-6 relative.
  if (ndd >= 2.2) return clip01(2 * smirnovSf(n, d));
  if (n <= 100000 && n * Math.pow(d, 1.5) <= 1.4) return clip01(1 - durbinCdf(n, d));
  return clip01(1 - pelzGoodCdf(n, d));
}

/** The lattice recursion's kernel (wasm/lattice.as.ts), compiled at the first exact p-value. */
interface Lattice {
  memory: WebAssembly.Memory;
  reserve(bytes: number): number;
  quad(col: number, inv: number, i: number, l0: number, h0: number, l1: number, h1: number, l2: number, h2: number, l3: number, h3: number): number;
  pair(col: number, inv: number, i: number, la: number, ha: number, lb: number, hb: number): number;
  row(col: number, inv: number, i: number, lo: number, hi: number): number;
}
let lattice: Lattice | null = null;

/**
 * Probability that a uniform monotone lattice path from (0,0) to (n,m)
 * touches |i·m/g − j·n/g| >= h. Entry j of the column array holds, for a
 * uniform path to (i, j), the probability that it has already left the band;
 * a path to (i, j) arrives from the left with probability i/(i+j). A cell
 * above the band still holds its initial 1; one below it is never read again.
 * The rows run in WebAssembly four at a time, each one cell behind the one
 * before: the same operations on the same operands as row by row in
 * JavaScript (so the same bits), as four independent chains. WebAssembly
 * because it starts as compiled code: a fresh process spent about as long
 * interpreting and optimizing the JavaScript loop as running it.
 */
function probLeaveBand(n: number, m: number, g: number, h: number): number {
  const ng = n / g;
  const mg = m / g;
  const k = (lattice ??= new WebAssembly.Instance(new WebAssembly.Module(readFileSync(new URL('./wasm/lattice.wasm', import.meta.url)))).exports as unknown as Lattice);
  // n + m <= 2^53 in principle, but the exact method runs only up to 10,000 per side (ks.ts), ~0.2 MB here.
  const at = k.reserve(8 * (m + 1) + 8 * (n + m + 1));
  if (at === 0) throw new RangeError(`the KS lattice kernel could not grow its memory for n=${n}, m=${m}`);
  const invAt = at + 8 * (m + 1);
  const col = new Float64Array(k.memory.buffer, at, m + 1).fill(1);
  const inv = new Float64Array(k.memory.buffer, invAt, n + m + 1);
  for (let q = 1; q <= n + m; q++) inv[q] = 1 / q;
  // Exact: the numerators are integers below 2^53 and a non-integral
  // quotient is never within rounding distance of an integer.
  const lowOf = (i: number) => Math.max(0, Math.floor((i * mg - h) / ng) + 1);
  const highOf = (i: number) => Math.min(m, Math.ceil((i * mg + h) / ng) - 1);

  col.fill(0, 0, Math.min(m, Math.ceil(h / ng) - 1) + 1);
  let i = 1;
  // One call per pair of rows: a running WebAssembly call keeps the code it started with, so the
  // calls after the first ones run the optimized code.
  for (; i + 3 <= n; i += 4) {
    if (!k.quad(at, invAt, i, lowOf(i), highOf(i), lowOf(i + 1), highOf(i + 1), lowOf(i + 2), highOf(i + 2), lowOf(i + 3), highOf(i + 3))) return 1;
  }
  for (; i + 1 <= n; i += 2) if (!k.pair(at, invAt, i, lowOf(i), highOf(i), lowOf(i + 1), highOf(i + 1))) return 1;
  if (i === n && !k.row(at, invAt, i, lowOf(i), highOf(i))) return 1;
  return col[m];
}

/**
 * P(D_n^+ >= x) for 1/n < x < 1 - 1/n. Up to n = 1e6 this is the exact
 * Birnbaum–Tingey sum x·Σ_j C(n,j) (x + j/n)^(j-1) (1 - x - j/n)^(n-j);
 * beyond that (as in SciPy) the sum would cost too much and the asymptotic
 * exp(-(6nx + 1)² / (18n)) is used.
 */
function smirnovSf(n: number, x: number): number {
  // Massart's bound P(D_n^+ >= x) <= exp(-2nx²): nothing representable is lost.
  const c = 2 * n * x * x;
  if (c > 746) return 0;
  if (n > 1000000) return Math.exp(-((6 * n * x + 1) ** 2) / 18 / n);

  // With p = x + j/n the summand is (x/p)·Binom(j; n, p), and n·p = n·x + j,
  // so Loader's deviance terms collapse to two log1p calls. Terms are scaled
  // by exp(2nx²) so that p-values near the underflow limit keep their digits.
  const nx = n * x;
  const sn = stirlerr(n);
  const sqrtNOver2Pi = Math.sqrt(n / (2 * Math.PI));
  let sum = Math.exp(n * Math.log1p(-x) + c);
  for (let j = 1; ; j++) {
    const rest = n - j;
    const room = rest - nx;
    if (room <= 0) break;
    // One division serves 1/j, 1/rest and the normalising square root.
    const inv = 1 / (j * rest);
    const rj = rest * inv;
    const rr = j * inv;
    const logTerm =
      sn - stirlerrRecip(j, rj) - stirlerrRecip(rest, rr) + j * Math.log1p(nx * rj) + rest * Math.log1p(-nx * rr) + c;
    const term = Math.exp(logTerm) * sqrtNOver2Pi * Math.sqrt(inv) * (nx / (nx + j));
    sum += term;
    // At most `room` terms remain; once past the peak they only shrink.
    if (term * room < 1e-17 * sum) break;
  }
  return sum * Math.exp(-c);
}

/** P(D_n < d) from Durbin's matrix H: n!/n^n · (H^n)_{kk}, with k = ceil(n·d). */
function durbinCdf(n: number, d: number): number {
  const nd = n * d;
  const k = Math.ceil(nd);
  const h = k - nd;
  const m = 2 * k - 1;

  const invFact = new Float64Array(m + 1);
  invFact[0] = 1;
  for (let j = 1; j <= m; j++) invFact[j] = invFact[j - 1] / j;
  const H = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j <= Math.min(i + 1, m - 1); j++) H[i * m + j] = invFact[i - j + 1];
  }
  let hPow = 1;
  for (let i = 0; i < m; i++) {
    hPow *= h;
    H[i * m] -= hPow * invFact[i + 1];
    H[(m - 1) * m + (m - 1 - i)] -= hPow * invFact[i + 1];
  }
  // Inclusion–exclusion: the corner had h^m/m! removed twice, so the doubly
  // excluded part (2h − 1)^m/m! goes back in.
  if (2 * h - 1 > 0) H[(m - 1) * m] += Math.pow(2 * h - 1, m) * invFact[m];

  // Only row k of H^n is needed, so the accumulated power is a row vector on
  // the left (powers of H commute). Entries grow like λ^n, hence the separate
  // binary exponents.
  let row = new Float64Array(m);
  row[k - 1] = 1;
  let rowExp = 0;
  let sq = H;
  let sqExp = 0;
  let spareRow = new Float64Array(m);
  let spareSq = new Float64Array(m * m);
  for (let e = n; ; ) {
    if (e % 2 === 1) {
      vecMat(row, sq, spareRow, m);
      [row, spareRow] = [spareRow, row];
      rowExp += sqExp + normalise(row);
    }
    e = Math.floor(e / 2);
    if (e === 0) break;
    squarePersymmetric(sq, spareSq, m);
    [sq, spareSq] = [spareSq, sq];
    sqExp = 2 * sqExp + normalise(sq);
  }
  // Multiply in n!/n^n = Π i/n factor by factor: exp() of the summed logs
  // would cost ~n ulps, which shows once 1 − cdf is small.
  let p = row[k - 1];
  let pExp = rowExp;
  for (let i = 1; i <= n; i++) {
    p *= i / n;
    if (p < TINY) {
      p *= HUGE;
      pExp -= 500;
    }
  }
  return p * 2 ** pExp;
}

/** out = v·A for an m x m row-major A. */
function vecMat(v: Float64Array, a: Float64Array, out: Float64Array, m: number): void {
  out.fill(0);
  for (let i = 0; i < m; i++) {
    const vi = v[i];
    if (vi === 0) continue;
    const r = i * m;
    for (let j = 0; j < m; j++) out[j] += vi * a[r + j];
  }
}

/**
 * out = A² for a persymmetric m x m row-major A (A[i][j] = A[m-1-j][m-1-i]).
 * H is persymmetric and so is every power of it, so only the entries on or
 * above the anti-diagonal are computed; out must not alias A.
 */
function squarePersymmetric(a: Float64Array, out: Float64Array, m: number): void {
  out.fill(0);
  for (let i = 0; i < m; i++) {
    const ri = i * m;
    const jEnd = m - i;
    for (let l = 0; l < m; l++) {
      const ail = a[ri + l];
      if (ail === 0) continue;
      const rl = l * m;
      for (let j = 0; j < jEnd; j++) out[ri + j] += ail * a[rl + j];
    }
  }
  for (let i = 1; i < m; i++) {
    for (let j = m - i; j < m; j++) out[i * m + j] = out[(m - 1 - j) * m + (m - 1 - i)];
  }
}

/** Scales x by a power of two (exact) so its largest entry lies in [1, 2); returns that power. */
function normalise(x: Float64Array): number {
  let max = 0;
  for (let i = 0; i < x.length; i++) if (x[i] > max) max = x[i];
  if (max === 0 || (max >= 1 && max < 2)) return 0;
  const e = Math.floor(Math.log2(max));
  const s = 2 ** -e;
  for (let i = 0; i < x.length; i++) x[i] *= s;
  return e;
}

/** Pelz–Good expansion P(D_n <= d) ≈ K0(z) + K1(z)/√n + K2(z)/n + K3(z)/n^1.5, z = d·√n. */
function pelzGoodCdf(n: number, d: number): number {
  const z = Math.sqrt(n) * d;
  const z2 = z * z;
  const z4 = z2 * z2;
  const z6 = z4 * z2;
  const a = -PI2 / (8 * z2);
  if (a < -745) return 0;

  // Theta-type sums over odd i of i^(2p)·exp(a·i²), p = 0..3.
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  for (let i = 1; ; i += 2) {
    const i2 = i * i;
    const t = Math.exp(a * i2);
    s0 += t;
    s1 += i2 * t;
    s2 += i2 * i2 * t;
    s3 += i2 * i2 * i2 * t;
    if (i2 * i2 * i2 * t <= 1e-17 * s3) break;
  }
  // Sums over all k >= 1 with exp(-π²k²/(2z²)) = exp(4a·k²).
  let r2 = 0;
  let r3 = 0;
  for (let k = 1; ; k++) {
    const k2 = k * k;
    const u = k2 * Math.exp(4 * a * k2);
    r2 += u;
    r3 += (3 * z2 - PI2 * k2) * u;
    if (k2 * u <= 1e-17 * r2) break;
  }

  const k0 = (SQRT_2PI / z) * s0;
  const k1 = (SQRT_2PI / (6 * z4)) * ((PI2 / 4) * s1 - z2 * s0);
  const k2 =
    (SQRT_2PI / (72 * z6 * z)) *
      ((6 * z6 + 2 * z4) * s0 + (2 * z4 - 5 * z2) * (PI2 / 4) * s1 + (1 - 2 * z2) * (PI4 / 16) * s2) -
    ((SQRT_2PI * PI2) / (36 * z2 * z)) * r2;
  const k3 =
    (SQRT_2PI / (6480 * z6 * z4)) *
      (-(30 * z6 + 90 * z6 * z2) * s0 +
        (135 * z4 - 96 * z6) * (PI2 / 4) * s1 +
        (212 * z4 - 60 * z2) * (PI4 / 16) * s2 +
        (5 - 30 * z2) * (PI6 / 64) * s3) +
    ((SQRT_2PI * PI2) / (216 * z6)) * r3;
  const rn = Math.sqrt(n);
  return k0 + k1 / rn + k2 / n + k3 / (n * rn);
}

/**
 * Stirling-series remainder log(k!) − log(√(2πk)·(k/e)^k) for integers k >= 1
 * (Loader 2000). Small k come from exact factorials, where the series is poor.
 */
const STIRLERR_SMALL = (() => {
  const table = new Float64Array(16);
  let fact = 1;
  for (let k = 1; k < 16; k++) {
    fact *= k;
    table[k] = Math.log(fact) - LOG_SQRT_2PI - (k + 0.5) * Math.log(k) + k;
  }
  return table;
})();

function stirlerr(k: number): number {
  return stirlerrRecip(k, 1 / k);
}

/** stirlerr(k) given r ≈ 1/k, for callers that already have the reciprocal. */
function stirlerrRecip(k: number, r: number): number {
  if (k < 16) return STIRLERR_SMALL[k];
  const r2 = r * r;
  return r * (1 / 12 - r2 * (1 / 360 - r2 * (1 / 1260 - r2 * (1 / 1680 - r2 / 1188))));
}

/** log(n!/n^n). */
function logFactorialOverPower(n: number): number {
  return stirlerr(n) + LOG_SQRT_2PI + 0.5 * Math.log(n) - n;
}

function isCount(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 1;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** numpy.round semantics (ties to even), so h lands where SciPy puts it. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function clip01(p: number): number {
  return p < 0 ? 0 : p > 1 ? 1 : p;
}
