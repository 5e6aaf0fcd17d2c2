/**
 * A two-level lookup table over the baseline's points, and the grids built
 * on it: where each window value falls, in a table lookup or two.
 */

/**
 * A partition of the line by strictly increasing bounds: interval i is
 * (bnd[i − 1], bnd[i]], interval 0 is (−∞, bnd[0]] and interval B is
 * (bnd[B − 1], ∞).
 */
export interface Grid {
  bnd: Float64Array;
  /** up[i]: points <= bnd[i]. */
  up: Int32Array;
  index: PointIndex;
  /** Per interval: the open region it belongs to, or -1 when its values are skipped; null in the first pass (all count). */
  region: Int32Array | null;
  /** Per top-level index bucket: 1 when it overlaps a counted interval; null when all do. */
  top: Uint8Array | null;
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
  /** table[b] = first bound whose top bucket is >= b; one extra entry holds points.length. */
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



/** Top-level index buckets that intervals of `grid` flagged in `counted` overlap. */
export function topFlags(grid: { bnd: Float64Array; index: PointIndex }, counted: (i: number) => boolean): Uint8Array {
  const { bnd, index } = grid;
  const top = new Uint8Array(index.table.length);
  for (let i = 1; i < bnd.length; i++) {
    if (!counted(i)) continue;
    const from = (keyOf(bnd[i - 1]) - index.keyMin) >>> index.shift;
    const to = (keyOf(bnd[i]) - index.keyMin) >>> index.shift;
    for (let b = from; b <= to; b++) top[b] = 1;
  }
  return top;
}
