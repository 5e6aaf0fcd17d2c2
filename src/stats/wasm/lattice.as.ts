// AssemblyScript, compiled to lattice.wasm by `npm run build`; the caller,
// src/stats/kolmogorov.ts (probLeaveBand), lays out linear memory (the column,
// then the reciprocals 1/k) and passes the band of each row. The same
// operations on the same operands as the JavaScript recursion, so the same
// bits: WebAssembly's f64 arithmetic is IEEE 754, as JavaScript's is. One call
// per pair of rows, so that the rows after the first calls run the optimized
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
