import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ksTwoSampleExactSf, kstwoSf } from '../../src/stats/kolmogorov.js';
import { rng } from '../helpers/random.js';

function assertRelClose(actual: number, expected: number, tol: number, what: string): void {
  const err = expected === 0 ? Math.abs(actual) : Math.abs(actual - expected) / Math.abs(expected);
  assert.ok(err <= tol, `${what}: got ${actual}, expected ${expected} (rel err ${err.toExponential(2)} > ${tol})`);
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** Exact a/b as a double (to ~1 ulp) for positive BigInts of any size, while the result stays a normal double. */
function bigRatio(a: bigint, b: bigint): number {
  const shift = b.toString(2).length - a.toString(2).length + 64;
  const q = shift >= 0 ? (a << BigInt(shift)) / b : a / (b << BigInt(-shift));
  return Number(q) * 2 ** -shift;
}

/**
 * Exact P(D >= h/lcm) by counting, in BigInt, the lattice paths from (0,0)
 * to (n,m) that stay strictly inside |i·m/g − j·n/g| < h.
 */
function exactTwoSampleSf(n: number, m: number, h: number): number {
  const g = gcd(n, m);
  const ng = n / g;
  const mg = m / g;
  let prev: bigint[] = new Array<bigint>(m + 1).fill(0n);
  for (let i = 0; i <= n; i++) {
    const cur: bigint[] = new Array<bigint>(m + 1).fill(0n);
    for (let j = 0; j <= m; j++) {
      if (Math.abs(i * mg - j * ng) >= h) continue;
      cur[j] = i === 0 && j === 0 ? 1n : prev[j] + (j > 0 ? cur[j - 1] : 0n);
    }
    prev = cur;
  }
  let total = 1n;
  for (let k = 1; k <= n; k++) total = (total * BigInt(m + k)) / BigInt(k);
  return bigRatio(total - prev[m], total);
}

/**
 * P(D_n^+ >= a/b) from the Birnbaum–Tingey sum in exact rational arithmetic:
 * Σ_j C(n,j)·(a·n)·(a·n + j·b)^(j-1)·(b·n − a·n − j·b)^(n-j) / (b·n)^n.
 */
function exactSmirnovSf(n: number, a: number, b: number): number {
  const [N, A, B] = [BigInt(n), BigInt(a), BigInt(b)];
  let sum = 0n;
  let binom = 1n;
  for (let j = 0n; B * N - A * N - j * B >= 0n && j <= N; j++) {
    const low = A * N + j * B;
    const high = B * N - A * N - j * B;
    sum += j === 0n ? high ** N : binom * A * N * low ** (j - 1n) * high ** (N - j);
    binom = (binom * (N - j)) / (j + 1n);
  }
  return bigRatio(sum, (B * N) ** N);
}

/**
 * Exact P(D_n < d) by an independent route (Durbin 1973): view the sample as a
 * rate-n Poisson process conditioned on N(1) = n, and propagate the count
 * distribution between the times where the band n·t ± n·d crosses an integer.
 * Since N is non-decreasing, checking the upper bound at the end and the lower
 * bound at the start of each such interval is enough.
 */
function poissonProcessCdf(n: number, d: number): number {
  const nd = n * d;
  const cuts = [0, 1];
  for (let k = 0; k <= n + Math.ceil(nd); k++) {
    for (const t of [(k - nd) / n, (k + nd) / n]) if (t > 0 && t < 1) cuts.push(t);
  }
  cuts.sort((a, b) => a - b);
  const times = cuts.filter((t, i) => i === 0 || t - cuts[i - 1] >= 1e-13);
  let counts = new Float64Array(n + 1);
  counts[0] = 1;
  let next = new Float64Array(n + 1);
  const pois = new Float64Array(n + 2);
  for (let c = 1; c < times.length; c++) {
    const t0 = times[c - 1];
    const t1 = times[c];
    const hi = Math.min(n, Math.ceil(n * ((t0 + t1) / 2) + nd) - 1);
    const lam = n * (t1 - t0);
    pois[0] = Math.exp(-lam);
    let kMax = 0;
    while (kMax < n && pois[kMax] > 1e-30) {
      pois[kMax + 1] = (pois[kMax] * lam) / (kMax + 1);
      kMax++;
    }
    next.fill(0);
    for (let a = 0; a <= hi; a++) {
      if (counts[a] === 0) continue;
      for (let k = 0; k <= kMax && a + k <= hi; k++) next[a + k] += counts[a] * pois[k];
    }
    const tNext = c + 1 < times.length ? times[c + 1] : 1;
    const lo = Math.floor(n * ((t1 + tNext) / 2) - nd) + 1;
    next.fill(0, 0, Math.max(0, Math.min(lo, n + 1)));
    [counts, next] = [next, counts];
  }
  // Divide by P(N(1) = n) = e^-n n^n / n!.
  let logNorm = 0;
  for (let k = 1; k <= n; k++) logNorm += 1 + Math.log(k / n);
  return counts[n] * Math.exp(logNorm);
}

describe('ksTwoSampleExactSf', () => {
  test('matches enumeration of every lattice path for all n, m <= 7', () => {
    for (let n = 1; n <= 7; n++) {
      for (let m = 1; m <= 7; m++) {
        // Tally paths by their largest |i·m − j·n|, i.e. by n·m·D.
        const byMax = new Map<number, number>();
        const walk = (i: number, j: number, max: number): void => {
          const dev = Math.max(max, Math.abs(i * m - j * n));
          if (i === n && j === m) {
            byMax.set(dev, (byMax.get(dev) ?? 0) + 1);
            return;
          }
          if (i < n) walk(i + 1, j, dev);
          if (j < m) walk(i, j + 1, dev);
        };
        walk(0, 0, 0);
        const total = [...byMax.values()].reduce((s, c) => s + c, 0);
        const g = gcd(n, m);
        for (const v of byMax.keys()) {
          let atLeast = 0;
          for (const [w, c] of byMax) if (w >= v) atLeast += c;
          const expected = atLeast / total;
          const what = `n=${n} m=${m} D=${v}/${n * m}`;
          assertRelClose(ksTwoSampleExactSf(n, m, v / (n * m)), expected, 1e-13, what);
          // Off-lattice statistics are rounded onto the lattice of multiples of g/(n·m).
          if (v > 0) assertRelClose(ksTwoSampleExactSf(n, m, (v - 0.3 * g) / (n * m)), expected, 1e-13, what);
        }
      }
    }
  });

  test('matches brute-force permutation counting of ECDF distances', () => {
    const ecdfDistance = (labels: boolean[], n: number, m: number): number => {
      let i = 0;
      let j = 0;
      let d = 0;
      for (const isFirst of labels) {
        if (isFirst) i++;
        else j++;
        d = Math.max(d, Math.abs(i / n - j / m));
      }
      return d;
    };
    for (const [n, m] of [
      [4, 6],
      [5, 5],
      [3, 8],
      [6, 7],
    ]) {
      // Every way of choosing which of the n + m distinct pooled values belong to the first sample.
      const distances: number[] = [];
      for (let mask = 0; mask < 1 << (n + m); mask++) {
        let bits = 0;
        for (let b = mask; b; b &= b - 1) bits++;
        if (bits !== n) continue;
        const labels = Array.from({ length: n + m }, (_, k) => ((mask >> k) & 1) === 1);
        distances.push(ecdfDistance(labels, n, m));
      }
      for (const observed of new Set(distances)) {
        const p = distances.filter((d) => d >= observed - 1e-12).length / distances.length;
        assertRelClose(ksTwoSampleExactSf(n, m, observed), p, 1e-13, `n=${n} m=${m} D=${observed}`);
      }
    }
  });

  test('keeps relative accuracy down to tiny p-values (exact BigInt path counts)', () => {
    for (const [n, m] of [
      [60, 90],
      [97, 101],
      [120, 120],
      [7, 150],
    ]) {
      const lcm = (n / gcd(n, m)) * m;
      for (const frac of [0.05, 0.2, 0.5, 0.8, 0.95, 1]) {
        const h = Math.max(1, Math.round(frac * lcm));
        const expected = exactTwoSampleSf(n, m, h);
        assertRelClose(ksTwoSampleExactSf(n, m, h / lcm), expected, 1e-12, `n=${n} m=${m} h=${h}`);
      }
    }
    assert.ok(ksTwoSampleExactSf(120, 120, 1) < 1e-70, 'the d = 1 case really is tiny');
  });

  test('is symmetric in n and m', () => {
    for (const [n, m] of [
      [3, 7],
      [10, 25],
      [37, 53],
      [100, 40],
      [1000, 999],
    ]) {
      for (const d of [0.01, 0.1, 0.2, 0.35, 0.6, 0.9]) {
        assert.equal(ksTwoSampleExactSf(n, m, d), ksTwoSampleExactSf(m, n, d), `n=${n} m=${m} d=${d}`);
      }
    }
  });

  test('is non-increasing in d', () => {
    for (const [n, m] of [
      [37, 53],
      [300, 200],
      [64, 64],
    ]) {
      const lcm = (n / gcd(n, m)) * m;
      const step = Math.max(1, Math.floor(lcm / 2000));
      let prev = 1;
      for (let h = 0; h <= lcm; h += step) {
        const p = ksTwoSampleExactSf(n, m, h / lcm);
        assert.ok(p <= prev, `n=${n} m=${m} h=${h}: ${p} > ${prev}`);
        prev = p;
      }
    }
  });

  test('rounds d onto the lattice with ties to even, like numpy.round', () => {
    // n = 2, m = 4: lcm = 4, so d·lcm = 0.5, 1.5, 2.5 are exact ties.
    assert.equal(ksTwoSampleExactSf(2, 4, 0.5 / 4), 1);
    assert.equal(ksTwoSampleExactSf(2, 4, 1.5 / 4), ksTwoSampleExactSf(2, 4, 2 / 4));
    assert.equal(ksTwoSampleExactSf(2, 4, 2.5 / 4), ksTwoSampleExactSf(2, 4, 2 / 4));
    assert.ok(ksTwoSampleExactSf(2, 4, 2 / 4) < ksTwoSampleExactSf(2, 4, 1 / 4));
  });

  test('has the right limits', () => {
    for (const [n, m] of [
      [1, 1],
      [5, 7],
      [20, 30],
    ]) {
      assert.equal(ksTwoSampleExactSf(n, m, 0), 1);
      assert.equal(ksTwoSampleExactSf(n, m, -0.5), 1);
      assert.equal(ksTwoSampleExactSf(n, m, 0.4 / (n * m)), 1);
      assert.equal(ksTwoSampleExactSf(n, m, 1.5), 0);
      // Only the two paths through a far corner reach D = 1.
      let binom = 1;
      for (let k = 1; k <= n; k++) binom = (binom * (m + k)) / k;
      assertRelClose(ksTwoSampleExactSf(n, m, 1), 2 / binom, 1e-13, `n=${n} m=${m} d=1`);
    }
    assert.ok(Number.isNaN(ksTwoSampleExactSf(0, 5, 0.5)));
    assert.ok(Number.isNaN(ksTwoSampleExactSf(2.5, 5, 0.5)));
    assert.ok(Number.isNaN(ksTwoSampleExactSf(5, 5, Number.NaN)));
  });

  test('handles 10000 x 10000 quickly', () => {
    // A large d keeps almost the whole grid inside the band: the worst case.
    const start = performance.now();
    const p = ksTwoSampleExactSf(10000, 10000, 0.9);
    const elapsed = performance.now() - start;
    assert.ok(p >= 0 && p < 1e-300, `p=${p}`);
    assert.ok(elapsed < 2000, `took ${elapsed.toFixed(0)} ms`);
  });
});

describe('kstwoSf', () => {
  test('has the right limits and the n = 1 closed form', () => {
    for (const n of [1, 2, 10, 1000, 1e6, 1e8]) {
      assert.equal(kstwoSf(n, 0), 1);
      assert.equal(kstwoSf(n, -1), 1);
      assert.equal(kstwoSf(n, 1), 0);
      assert.equal(kstwoSf(n, 1.5), 0);
      // D_n >= 1/(2n) always.
      assert.equal(kstwoSf(n, 0.49 / n), 1);
    }
    // One point: D_1 = max(U, 1 − U), so P(D_1 >= d) = 2(1 − d) for d >= 1/2.
    for (const d of [0.5, 0.6, 0.75, 0.9, 0.999]) assertRelClose(kstwoSf(1, d), 2 * (1 - d), 1e-14, `d=${d}`);
    assert.ok(Number.isNaN(kstwoSf(0, 0.5)));
    assert.ok(Number.isNaN(kstwoSf(3.5, 0.5)));
    assert.ok(Number.isNaN(kstwoSf(10, Number.NaN)));
  });

  test('agrees with a seeded Monte Carlo simulation of D_n', () => {
    const reps = 10000;
    for (const [n, seed] of [
      [2, 1],
      [3, 2],
      [7, 3],
      [40, 4],
      [200, 5],
    ]) {
      const rand = rng(seed);
      const u = new Float64Array(n);
      const stats = new Float64Array(reps);
      for (let r = 0; r < reps; r++) {
        for (let i = 0; i < n; i++) u[i] = rand();
        u.sort();
        let d = 0;
        for (let i = 0; i < n; i++) d = Math.max(d, (i + 1) / n - u[i], u[i] - i / n);
        stats[r] = d;
      }
      stats.sort();
      for (const q of [0.05, 0.25, 0.5, 0.75, 0.9, 0.98]) {
        const d = stats[Math.floor(q * reps)];
        const empirical = stats.filter((s) => s >= d).length / reps;
        const p = kstwoSf(n, d);
        const se = Math.sqrt((p * (1 - p)) / reps);
        assert.ok(Math.abs(empirical - p) <= 5 * se + 1 / reps, `n=${n} d=${d}: sf ${p}, simulated ${empirical}`);
      }
    }
  });

  test('doubles the one-sided Smirnov tail exactly, down to tiny values', () => {
    // Dyadic d so that the double is exactly a/b; each case sits in a region
    // where SciPy's map (and this module) uses 2·P(D+ >= d).
    for (const [n, a, b] of [
      [10, 9, 16],
      [30, 3, 4],
      [100, 5, 16],
      [140, 1, 2],
      [200, 5, 32],
      [600, 1, 8],
      [1000, 3, 32],
      [1000, 9, 16],
    ]) {
      const expected = 2 * exactSmirnovSf(n, a, b);
      assertRelClose(kstwoSf(n, a / b), expected, 1e-12, `n=${n} d=${a}/${b} (sf ${expected})`);
    }
  });

  test('agrees with an exact Poisson-process computation at moderate n', () => {
    for (const n of [20, 60, 140, 141, 300, 1000]) {
      for (const z of [0.3, 0.5, 0.7, 0.9, 1.1, 1.3, 1.5, 1.7, 2.0]) {
        const d = z / Math.sqrt(n);
        if (n * d <= 1) continue;
        const ndd = n * d * d;
        let tol: number;
        if (n <= 140 || (ndd < 2.2 && n * d ** 1.5 <= 1.4)) tol = 1e-9; // Durbin: exact
        else if (ndd < 2.2) tol = n >= 1000 ? 5e-7 : n >= 300 ? 5e-6 : 5e-5; // Pelz–Good: asymptotic
        else tol = 3e-6; // 2·P(D+ >= d) drops the two-sided overlap
        assertRelClose(kstwoSf(n, d), 1 - poissonProcessCdf(n, d), tol, `n=${n} d=${d}`);
      }
    }
  });

  test('approaches the limiting Kolmogorov distribution like 1/sqrt(n)', () => {
    const kolmogorovQ = (z: number): number => {
      let s = 0;
      for (let k = 1; k <= 50; k++) s += (k % 2 === 1 ? 2 : -2) * Math.exp(-2 * k * k * z * z);
      return s;
    };
    for (const z of [0.4, 0.6, 0.8, 1.0, 1.36, 1.8, 2.5, 3.0]) {
      const q = kolmogorovQ(z);
      const errAt = (n: number) => Math.abs(kstwoSf(n, z / Math.sqrt(n)) - q) / q;
      assert.ok(errAt(1e8) < 3e-4, `z=${z}: rel err ${errAt(1e8)} at n=1e8`);
      const ratio = errAt(1e6) / errAt(1e8);
      assert.ok(ratio > 7 && ratio < 14, `z=${z}: error ratio ${ratio} between n=1e6 and n=1e8`);
    }
  });

  test('is non-increasing in d across all regimes', () => {
    for (const n of [1, 2, 3, 10, 60, 140, 141, 1000, 20000, 2e6, 1e8]) {
      const ds: number[] = [];
      for (let k = 0; k <= 200; k++) ds.push(k / 200);
      for (let k = 0; k <= 200; k++) ds.push((0.4 / n) * (2.5 * n) ** (k / 200));
      ds.sort((a, b) => a - b);
      let prev = 1;
      for (const d of ds) {
        const p = kstwoSf(n, d);
        // SciPy's region map lets 2·P(D+ >= d), which ignores the tiny two-sided
        // overlap, take over at n·d² = 2.2, a step up of about 2e-6 relative.
        assert.ok(p <= prev * (1 + 1e-5), `n=${n} d=${d}: ${p} > ${prev}`);
        prev = p;
      }
    }
  });

  test('is continuous across the regime boundaries', () => {
    const eps = 1e-12;
    const across = (n: number, d: number, tol: number, what: string) =>
      assertRelClose(kstwoSf(n, d * (1 + eps)), kstwoSf(n, d * (1 - eps)), tol, `${what} n=${n}`);
    for (const n of [2, 3, 5, 10, 50, 140]) {
      across(n, 1 / n, 1e-9, 'n·d = 1');
      if (n > 2) across(n, (n - 1) / n, 1e-6, 'n·d = n − 1');
      across(n, 0.5, 1e-8, 'd = 1/2');
      if (4 / n < 0.25) across(n, Math.sqrt(4 / n), 1e-8, 'n·d² = 4');
    }
    for (const n of [141, 1000, 100001, 5e6]) {
      across(n, 1 / n, 1e-9, 'n·d = 1');
      across(n, 0.5, 1e-8, 'd = 1/2');
    }
    for (const n of [1000, 1e4, 1e5, 1e6, 1e7, 1e8]) {
      // The overlap P(D+ >= d, D- >= d) dropped on the upper side is ~2e-6 relative.
      across(n, Math.sqrt(2.2 / n), 5e-6, 'n·d² = 2.2');
    }
    for (const n of [1000, 1e4, 1e5]) across(n, (1.4 / n) ** (2 / 3), 1e-7, 'n·d^1.5 = 1.4');
  });

  test('stays fast for large n', () => {
    for (const [n, d] of [
      [1e6, Math.sqrt(2.2 / 1e6)],
      [1e5, (1.4 / 1e5) ** (2 / 3)],
      [1e7, 3e-4],
      [1e8, 1e-4],
    ]) {
      const start = performance.now();
      const p = kstwoSf(n, d);
      const elapsed = performance.now() - start;
      assert.ok(p > 0 && p <= 1, `n=${n} d=${d}: ${p}`);
      assert.ok(elapsed < 500, `n=${n} d=${d}: took ${elapsed.toFixed(0)} ms`);
    }
  });
});

function lcmOf(n: number, m: number): number {
  let [a, b] = [n, m];
  while (b !== 0) [a, b] = [b, a % b];
  return (n / a) * m;
}

/** The lattice recursion one row at a time, as it was written before rows were paired: the oracle of the paired version's bits. */
function exactSfRowByRow(n: number, m: number, d: number): number {
  let [a, b] = [n, m];
  while (b !== 0) [a, b] = [b, a % b];
  const g = a;
  const lcm = (n / g) * m;
  const r = Math.round(d * lcm);
  const h = r - d * lcm === 0.5 && r % 2 !== 0 ? r - 1 : r;
  if (h <= 0) return 1;
  if (h > lcm) return 0;
  const [p, q] = [Math.min(n, m), Math.max(n, m)];
  const ng = p / g;
  const mg = q / g;
  const col = new Float64Array(q + 1).fill(1);
  const inv = new Float64Array(p + q + 1);
  for (let k = 1; k <= p + q; k++) inv[k] = 1 / k;
  col.fill(0, 0, Math.min(q, Math.ceil(h / ng) - 1) + 1);
  let prevLo = 0;
  for (let i = 1; i <= p; i++) {
    const lo = Math.max(0, Math.floor((i * mg - h) / ng) + 1);
    const hi = Math.min(q, Math.ceil((i * mg + h) / ng) - 1);
    if (lo > hi) return 1;
    col.fill(1, prevLo, lo);
    prevLo = lo;
    let below = lo === 0 ? col[0] : 1;
    for (let j = lo === 0 ? 1 : lo; j <= hi; j++) {
      below = (i * col[j] + j * below) * inv[i + j];
      col[j] = below;
    }
  }
  return Math.min(1, Math.max(0, col[q]));
}

test('the exact two-sample p-value runs lattice rows four and two at a time without changing a bit', () => {
  let seed = 7;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const cases: [number, number, number][] = [];
  for (let n = 1; n <= 9; n++) for (let m = 1; m <= 9; m++) for (let k = 0; k <= n * m + 1; k++) cases.push([n, m, k / (n * m)]);
  for (let t = 0; t < 400; t++) cases.push([1 + Math.floor(rnd() ** 2 * 2000), 1 + Math.floor(rnd() ** 2 * 2000), rnd() ** 2]);
  cases.push([5000, 2999, 0.2146], [2999, 5000, 0.0974], [1, 10000, 0.5], [10000, 9999, 0.6]);
  // Bands one to a few cells wide (the four rows' steps before and after their common stretch), every n mod 4.
  for (let n = 4; n <= 11; n++) for (const m of [n, n + 1, 3 * n + 2, 97]) for (let h = 1; h <= 6; h++) cases.push([n, m, h / lcmOf(n, m)]);
  for (const [n, m, d] of cases) assert.ok(Object.is(ksTwoSampleExactSf(n, m, d), exactSfRowByRow(n, m, d)), `n=${n} m=${m} d=${d}`);
});
