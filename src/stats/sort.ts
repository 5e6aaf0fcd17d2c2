/**
 * Sorts finite doubles ascending, in place, as Float64Array.prototype.sort
 * does (-0 before +0). An LSD radix sort over the order-preserving key of
 * each value's high 32 bits (sign, exponent, 20 mantissa bits: three digits,
 * skipping digits all values share), then values that share those bits are
 * ordered among themselves: by insertion when few, natively when many. Half
 * the passes of a radix sort over all 64 bits, and real data rarely share
 * their high 32 bits for long. `scratch` (at least as long as `a`) is the
 * buffer it sorts through.
 */
export function sortDoubles<T extends Float64Array>(a: T, scratch: Float64Array = new Float64Array(a.length)): T {
  const n = a.length;
  if (n < 1024) return a.sort();
  const SIZE = 1 << 11;
  const hist = new Int32Array(3 * SIZE);
  const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;
  let words = new Int32Array(a.buffer, a.byteOffset, 2 * n);
  for (let i = 0; i < n; i++) {
    const h = words[2 * i + HI];
    const k = (h ^ ((h >> 31) | 0x80000000)) >>> 0;
    hist[k & 0x7ff]++;
    hist[SIZE + ((k >>> 11) & 0x7ff)]++;
    hist[2 * SIZE + (k >>> 22)]++;
  }
  let src: Float64Array = a;
  let dst: Float64Array = scratch.subarray(0, n);
  for (let d = 0; d < 3; d++) {
    const base = d * SIZE;
    let skip = false;
    let sum = 0;
    for (let b = 0; b < SIZE; b++) {
      const c = hist[base + b];
      if (c === n) skip = true;
      hist[base + b] = sum;
      sum += c;
    }
    if (skip) continue;
    words = new Int32Array(src.buffer, src.byteOffset, 2 * n);
    const shift = d * 11;
    for (let i = 0; i < n; i++) {
      const h = words[2 * i + HI];
      const k = (h ^ ((h >> 31) | 0x80000000)) >>> 0;
      dst[hist[base + ((k >>> shift) & 0x7ff)]++] = src[i];
    }
    const t = src;
    src = dst;
    dst = t;
  }
  if (src !== a) a.set(src);
  // Runs that share their high 32 bits also share sign and exponent, so comparing them as doubles is exact.
  words = new Int32Array(a.buffer, a.byteOffset, 2 * n);
  for (let i = 0; i < n; ) {
    const h = words[2 * i + HI];
    let j = i + 1;
    while (j < n && words[2 * j + HI] === h) j++;
    if (j - i > 32) a.subarray(i, j).sort();
    else {
      for (let p = i + 1; p < j; p++) {
        const x = a[p];
        let q = p - 1;
        while (q >= i && a[q] > x) {
          a[q + 1] = a[q];
          q--;
        }
        a[q + 1] = x;
      }
    }
    i = j;
  }
  return a;
}
