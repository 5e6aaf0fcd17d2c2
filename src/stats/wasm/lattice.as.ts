// AssemblyScript, compiled to lattice.wasm by `npm run build`; the caller,
// src/stats/kolmogorov.ts (probLeaveBand), lays out linear memory (the column,
// then the reciprocals 1/k) and passes the band of each row. The same
// operations on the same operands as the JavaScript recursion, so the same
// bits: WebAssembly's f64 arithmetic is IEEE 754, as JavaScript's is. One call
// per four (or two) rows, so that the rows after the first calls run the optimized
// code (a running WebAssembly call keeps the code it started with).

export { reserve } from "./memory.as";

@inline function at(base: usize, j: i32): usize {
  return base + (<usize>j << 3);
}

/**
 * Rows i (band la..ha) and i + 1 (band lb..hb) of the column at `col`, with
 * 1/k at `inv` + 8k: row i + 1 runs one cell behind row i, two independent
 * chains. Returns false when a band is empty (the path must leave it).
 */
export function pair(col: usize, inv: usize, i: i32, la: i32, ha: i32, lb: i32, hb: i32): bool {
  if (la > ha || lb > hb) return false;
  const fa = <f64>i;
  const b = i + 1;
  const fb = <f64>b;
  // Along the bottom edge the only way in is from the left, so col[0] carries over.
  const ja = la == 0 ? 1 : la;
  const jb = lb == 0 ? 1 : lb;
  let belowA: f64 = la == 0 ? load<f64>(col) : 1;
  let belowB: f64 = lb == 0 ? load<f64>(col) : 1;
  // Row i alone until row i + 1 starts, one cell behind it...
  let j = ja;
  const both = max(ja, jb + 1);
  const end = min(ha, both - 1);
  for (; j <= end; j++) {
    belowA = (fa * load<f64>(at(col, j)) + <f64>j * belowA) * load<f64>(at(inv, i + j));
    store<f64>(at(col, j), belowA);
  }
  // ...then both, row i + 1 at cell k = j − 1, which row i has just left...
  for (; j <= ha; j++) {
    const k = j - 1;
    const nextA = (fa * load<f64>(at(col, j)) + <f64>j * belowA) * load<f64>(at(inv, i + j));
    belowB = (fb * load<f64>(at(col, k)) + <f64>k * belowB) * load<f64>(at(inv, b + k));
    store<f64>(at(col, k), belowB);
    store<f64>(at(col, j), nextA);
    belowA = nextA;
  }
  // ...and the rest of row i + 1 (above row i's band its cells still hold 1).
  for (let k = max(jb, j - 1); k <= hb; k++) {
    belowB = (fb * load<f64>(at(col, k)) + <f64>k * belowB) * load<f64>(at(inv, b + k));
    store<f64>(at(col, k), belowB);
  }
  return true;
}

@inline function cell(col: usize, inv: usize, fi: f64, i: i32, j: i32, below: f64): f64 {
  const next = (fi * load<f64>(at(col, j)) + <f64>j * below) * load<f64>(at(inv, i + j));
  store<f64>(at(col, j), next);
  return next;
}

/**
 * Rows i to i + 3 (bands l0..h0 to l3..h3) as four independent chains, row
 * i + r at cell J − r at step J: a cell is read by the next row one step after
 * its own row wrote it, and every row keeps its cells' order. Bands only move
 * up with i, so all four rows are in their bands for J in [s3 + 3, h0]; the
 * steps before and after test each row. Returns false when a band is empty.
 */
export function quad(col: usize, inv: usize, i: i32, l0: i32, h0: i32, l1: i32, h1: i32, l2: i32, h2: i32, l3: i32, h3: i32): bool {
  if (l0 > h0 || l1 > h1 || l2 > h2 || l3 > h3) return false;
  const i1 = i + 1;
  const i2 = i + 2;
  const i3 = i + 3;
  const f0 = <f64>i;
  const f1 = <f64>i1;
  const f2 = <f64>i2;
  const f3 = <f64>i3;
  // Along the bottom edge the only way in is from the left, so col[0] carries over.
  const s0 = l0 == 0 ? 1 : l0;
  const s1 = l1 == 0 ? 1 : l1;
  const s2 = l2 == 0 ? 1 : l2;
  const s3 = l3 == 0 ? 1 : l3;
  const c0 = load<f64>(col);
  let b0: f64 = l0 == 0 ? c0 : 1;
  let b1: f64 = l1 == 0 ? c0 : 1;
  let b2: f64 = l2 == 0 ? c0 : 1;
  let b3: f64 = l3 == 0 ? c0 : 1;
  const last = h3 + 3;
  const fastLo = s3 + 3;
  const fastHi = h0;
  let J = s0;
  for (;;) {
    if (J >= fastLo && J <= fastHi) {
      for (; J <= fastHi; J++) {
        b0 = cell(col, inv, f0, i, J, b0);
        b1 = cell(col, inv, f1, i1, J - 1, b1);
        b2 = cell(col, inv, f2, i2, J - 2, b2);
        b3 = cell(col, inv, f3, i3, J - 3, b3);
      }
      continue;
    }
    if (J > last) break;
    if (J <= h0) b0 = cell(col, inv, f0, i, J, b0);
    if (J - 1 >= s1 && J - 1 <= h1) b1 = cell(col, inv, f1, i1, J - 1, b1);
    if (J - 2 >= s2 && J - 2 <= h2) b2 = cell(col, inv, f2, i2, J - 2, b2);
    if (J - 3 >= s3) b3 = cell(col, inv, f3, i3, J - 3, b3);
    J++;
  }
  return true;
}

/** Row i alone (band lo..hi); false when the band is empty. */
export function row(col: usize, inv: usize, i: i32, lo: i32, hi: i32): bool {
  if (lo > hi) return false;
  const fi = <f64>i;
  let below: f64 = lo == 0 ? load<f64>(col) : 1;
  for (let j = lo == 0 ? 1 : lo; j <= hi; j++) {
    below = (fi * load<f64>(at(col, j)) + <f64>j * below) * load<f64>(at(inv, i + j));
    store<f64>(at(col, j), below);
  }
  return true;
}
