/**
 * Sorts finite doubles ascending, in place, as Float64Array.prototype.sort
 * does (-0 before +0): an LSD radix sort over the order-preserving 64-bit key,
 * six 11-bit digits, skipping digits all values share. `scratch` (at least
 * as long as `a`) is the buffer it sorts through.
 */
export function sortDoubles<T extends Float64Array>(a: T, scratch: Float64Array = new Float64Array(a.length)): T {
  const n = a.length;
  if (n < 1024) return a.sort();
  const DIGIT = 11;
  const SIZE = 1 << DIGIT;
  const hist = new Int32Array(6 * SIZE);
  const lo = new Uint32Array(a.buffer, a.byteOffset, 2 * n);
  const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;
  const LO = 1 - HI;
  for (let i = 0; i < n; i++) {
    const h = lo[2 * i + HI] | 0;
    const m = h >> 31;
    const kh = (h ^ (m | 0x80000000)) >>> 0;
    const kl = (lo[2 * i + LO] ^ m) >>> 0;
    hist[kl & 0x7ff]++;
    hist[SIZE + ((kl >>> 11) & 0x7ff)]++;
    hist[2 * SIZE + (kl >>> 22)]++;
    hist[3 * SIZE + (kh & 0x7ff)]++;
    hist[4 * SIZE + ((kh >>> 11) & 0x7ff)]++;
    hist[5 * SIZE + (kh >>> 22)]++;
  }
  let src: Float64Array = a;
  let dst: Float64Array = scratch.subarray(0, n);
  for (let d = 0; d < 6; d++) {
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
    const words = new Uint32Array(src.buffer, src.byteOffset, 2 * n);
    const shift = (d % 3) * 11;
    const useHi = d >= 3;
    for (let i = 0; i < n; i++) {
      const h = words[2 * i + HI] | 0;
      const m = h >> 31;
      const k = useHi ? (h ^ (m | 0x80000000)) >>> 0 : (words[2 * i + LO] ^ m) >>> 0;
      const at = hist[base + ((k >>> shift) & 0x7ff)]++;
      dst[at] = src[i];
    }
    const t = src;
    src = dst;
    dst = t;
  }
  if (src !== a) a.set(src);
  return a;
}
