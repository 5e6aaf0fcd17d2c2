import type { BaselineSummary } from './baseline-summary.js';
import type { Settled } from './kernels.js';

/**
 * The kernel's merge (kernels.as.ts `settle`), for inputs too large for its
 * memory: the window's values, sorted, against the baseline's points.
 */
export function mergeSorted(v: Float64Array, baseline: BaselineSummary): Settled {
  const { n, points, counts, edges } = baseline;
  const m = v.length;
  const P = points.length;
  const below = new Float64Array(edges.length);
  // F_b − F_w = (I·m − J·n)/(n·m): integers, exact while n·m < 2^53, so the loop needs no division. D is then
  // taken as |I/n − J/m| at the maximising steps, rounded exactly as the sort-based statistic rounds it.
  let I = 0;
  let J = 0;
  let q = 0;
  let k = 0;
  let e = 0;
  let w1 = 0;
  let d = 0;
  let dAt = 0;
  let prev = m > 0 ? Math.min(points[0], v[0]) : points[0];
  while (k < m) {
    const x = v[k];
    // Points below the next window value: F_w is constant across them.
    while (q < P && points[q] < x) {
      const p = points[q];
      const diff = Math.abs(I * m - J * n);
      w1 += diff * (p - prev);
      if (e < edges.length && edges[e] === p) below[e++] = J;
      I += counts[q++];
      const after = Math.abs(I * m - J * n);
      if (after >= d) {
        dAt = after > d ? Math.abs(I / n - J / m) : Math.max(dAt, Math.abs(I / n - J / m));
        d = after;
      }
      prev = p;
    }
    w1 += Math.abs(I * m - J * n) * (x - prev);
    if (e < edges.length && edges[e] === x) below[e++] = J;
    if (q < P && points[q] === x) I += counts[q++];
    let j = k + 1;
    while (j < m && v[j] === x) j++;
    J += j - k;
    k = j;
    const after = Math.abs(I * m - J * n);
    if (after >= d) {
      dAt = after > d ? Math.abs(I / n - J / m) : Math.max(dAt, Math.abs(I / n - J / m));
      d = after;
    }
    prev = x;
  }
  // Past the last window value F_w = 1.
  while (q < P) {
    const p = points[q];
    w1 += Math.abs(I * m - J * n) * (p - prev);
    if (e < edges.length && edges[e] === p) below[e++] = J;
    I += counts[q++];
    // |F_b − F_w| only shrinks here (F_w = 1): D is already known.
    prev = p;
  }
  let out = 0;
  for (let i = 0; i < m && v[i] < points[0]; i++) out++;
  for (let i = m - 1; i >= 0 && v[i] > points[P - 1]; i--) out++;
  return { m, w1, d: dAt, outOfRange: out, below };
}
