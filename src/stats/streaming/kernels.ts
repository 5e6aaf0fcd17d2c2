/**
 * The WebAssembly kernels (wasm/kernels.as.ts) behind WindowSummary: sorting
 * doubles, merging a kept window with a baseline's points, and counting a
 * window into a grid pass by pass. These loops see every value; in
 * JavaScript they were most of the engine's CPU time (bench/RESULTS.md).
 *
 * Sorting and merging share one instance per thread, whose linear memory
 * holds one call's arrays at a time. Linear memory cannot shrink, so once it
 * has grown the instance is dropped after a second without calls (the next
 * call starts a new one). Each grid pass has an instance of its own
 * (GridCounter), freed with the pass.
 */
import { readFileSync } from 'node:fs';
import { mergeRuns } from './merge.js';
import type { RunningMoments } from './moments.js';

interface Exports {
  memory: WebAssembly.Memory;
  reserve(bytes: number): number;
  resultAt(): number;
  sortFinite(a: number, scratch: number, n: number): number;
  mergeRuns(a: number, b: number, bounds: number, runs: number): number;
  settle(v: number, m: number, points: number, counts: number, P: number, edges: number, E: number, below: number, n: number): void;
  distinct(a: number, n: number, edges: number, E: number, pts: number, cnt: number, edgeAt: number): number;
  countFirstPass(buf: number, from: number, n: number, bnd: number, B: number, leafAt: number, leafShift: number, leaves: number, kMin: number, shift: number, mask: number, cnt: number, eq: number, sum: number, scale: number, flags: number, kept: number, st: number, skip: number): number;
  countLaterPass(buf: number, n: number, bnd: number, B: number, leafAt: number, leafShift: number, leaves: number, kMin: number, shift: number, mask: number, top: number, region: number, cnt: number, eq: number, sum: number, collect: number, scale: number): number;
}

// Compiled once per thread, at the first kernel call: importing this module costs nothing.
let compiled: WebAssembly.Module | null = null;

/** Below this many values the engine's own sort is as fast. */
const SMALL = 1024;
/**
 * Linear memory one call may use: 32-bit memory ends at 4 GiB. Larger inputs
 * (a baseline column of hundreds of millions of distinct values) take the
 * JavaScript path instead. Tests lower it to exercise that path.
 */
export const KERNEL_LIMIT = { bytes: 3 * 2 ** 30 };
/** Linear memory kept between calls, at most, until idle. */
const KEEP_BYTES = 16 << 20;
const IDLE_MS = 1000;

function instantiate(): Exports {
  // The module imports nothing (compiled without assertions, on AssemblyScript's stub runtime).
  compiled ??= new WebAssembly.Module(readFileSync(new URL('./wasm/kernels.wasm', import.meta.url)));
  return new WebAssembly.Instance(compiled).exports as unknown as Exports;
}

let instance: Exports | null = null;
let idle: NodeJS.Timeout | null = null;

/**
 * Runs the sort and merge kernels once on a small input, in an instance of
 * their own. V8 first runs a WebAssembly function in its baseline compiler
 * and optimizes it only after some use, and a call that started unoptimized
 * ends so: a summary thread's first sort of a 5M-value column ran at twice
 * the cost per value. A thread calls this when it starts, before work comes.
 */
export function warmKernels(): void {
  const k = instantiate();
  const n = 1 << 15;
  const at = k.reserve(16 * n + 16 * n + 8);
  const v = new Float64Array(k.memory.buffer, at, n);
  // Short and long runs of equal high words, and values sorted to merge with.
  for (let i = 0; i < n; i++) v[i] = i % 4 === 0 ? (i % 64) + 0.5 : Math.sin(i) * 1000;
  const m = k.sortFinite(at, at + 8 * n, n);
  const points = at + 8 * n;
  const counts = points + 8 * n;
  new Float64Array(k.memory.buffer, points, n).set(new Float64Array(k.memory.buffer, at, n));
  new Int32Array(k.memory.buffer, counts, n).fill(1);
  const edges = counts + 4 * n;
  new Float64Array(k.memory.buffer, edges, 1)[0] = v[n >> 1];
  k.settle(at, m, points, counts, n, edges, 1, edges + 8, n);
  k.distinct(at, m, edges, 1, points, counts, edges + 8);
}

/** Room for `bytes` in linear memory: its address, and the memory's buffer as it is after growing. */
function reserve(bytes: number): { k: Exports; at: number; buffer: ArrayBuffer } {
  const k = (instance ??= instantiate());
  const at = k.reserve(bytes);
  if (at === 0) throw new RangeError(`the sort kernel could not grow its memory to ${Math.ceil(bytes / 2 ** 20)} MiB`);
  return { k, at, buffer: k.memory.buffer };
}

function release(): void {
  if (instance && instance.memory.buffer.byteLength > KEEP_BYTES) {
    if (idle) idle.refresh();
    else idle = setTimeout(() => {
      instance = null;
      idle = null;
    }, IDLE_MS).unref();
  }
}

/**
 * Moves the finite values of `a` to its front, sorted ascending in the order
 * Float64Array.prototype.sort gives (-0 before +0), and returns that prefix.
 * NaN and ±Infinity, the missing values, are dropped.
 */
export function sortDoubles(a: Float64Array): Float64Array {
  const n = a.length;
  if (n < SMALL || 16 * n > KERNEL_LIMIT.bytes) {
    let k = 0;
    for (let i = 0; i < n; i++) if (a[i] - a[i] === 0) a[k++] = a[i];
    return a.subarray(0, k).sort();
  }
  const { k, at, buffer } = reserve(16 * n);
  const finite = sortFinite(k, buffer, a, at, at + 8 * n);
  a.set(new Float64Array(buffer, at, finite));
  release();
  return a.subarray(0, finite);
}

/** The points of a baseline: its distinct values with their counts, and its decile edges (baseline-summary.ts's `distinctPoints`). */
export interface Points {
  points: Float64Array;
  counts: Int32Array;
  edgeAt: Int32Array;
}

/**
 * baseline-summary.ts's distinctPoints in the kernel, for `sorted` ascending
 * and finite; null when it is small (JavaScript is as fast) or exceeds
 * KERNEL_LIMIT. The arrays are copies, exactly as long as they need to be.
 */
export function distinctPointsKernel(sorted: Float64Array, edges: Float64Array): Points | null {
  const n = sorted.length;
  const E = edges.length;
  const bytes = 8 * n + 8 * E + 12 * (n + E) + 4 * E + 8;
  if (n < SMALL || bytes > KERNEL_LIMIT.bytes) return null;
  const { k, at, buffer } = reserve(bytes);
  const eAt = at + 8 * n;
  const pAt = eAt + 8 * E;
  const cAt = pAt + 8 * (n + E);
  const aAt = cAt + 4 * (n + E);
  new Float64Array(buffer, at, n).set(sorted);
  new Float64Array(buffer, eAt, E).set(edges);
  const np = k.distinct(at, n, eAt, E, pAt, cAt, aAt);
  const out = { points: new Float64Array(buffer, pAt, np).slice(), counts: new Int32Array(buffer, cAt, np).slice(), edgeAt: new Int32Array(buffer, aAt, E).slice() };
  release();
  return out;
}

/**
 * merge.ts's mergeRuns in the kernel: the ascending runs [bounds[i],
 * bounds[i + 1]) of `a` merged into one, in `a`'s first bounds[R] places
 * (the JavaScript merge, for inputs too large for the kernel, needs a
 * second buffer as long).
 */
export function mergeSortedRuns(a: Float64Array, bounds: readonly number[]): Float64Array {
  const n = bounds[bounds.length - 1];
  const R = bounds.length - 1;
  const bytes = 16 * n + 4 * (R + 1);
  if (R < 2) return a.subarray(0, n);
  if (n < SMALL || bytes > KERNEL_LIMIT.bytes) {
    const merged = mergeRuns(a, bounds, new Float64Array(n));
    if (merged.buffer !== a.buffer) a.set(merged);
    return a.subarray(0, n);
  }
  const { k, at, buffer } = reserve(bytes);
  const other = at + 8 * n;
  new Float64Array(buffer, at, n).set(a.subarray(0, n));
  new Int32Array(buffer, other + 8 * n, R + 1).set(bounds);
  const inB = k.mergeRuns(at, other, other + 8 * n, R);
  a.set(new Float64Array(buffer, inB ? other : at, n));
  release();
  return a.subarray(0, n);
}

/** Copies `values` to `at` in linear memory and sorts their finite ones there (scratch at `scratch`); returns how many. */
function sortFinite(k: Exports, buffer: ArrayBuffer, values: Float64Array, at: number, scratch: number): number {
  new Float64Array(buffer, at, values.length).set(values);
  return k.sortFinite(at, scratch, values.length);
}

function copyIn(buffer: ArrayBuffer, values: Float64Array, at: number): number {
  new Float64Array(buffer, at, values.length).set(values);
  return values.length;
}

/** What the merge of a whole window with the baseline's points gives (see WindowSummary.settleAll). */
export interface Settled {
  /** The window's finite values. */
  m: number;
  /** ∫|F_b − F_w| · n · m · scale. */
  w1: number;
  /** The power of two W1 was summed at (merge.ts mergeScale), so that no sum overflows. */
  scale: number;
  d: number;
  /** Where D is reached (the first value with the largest gap): the value, and baseline and window values <= it. */
  at: { x: number; baseline: number; window: number };
  outOfRange: number;
  /** Window values strictly below each edge. */
  below: Float64Array;
}

/**
 * Sorts the window's finite values (in a copy: `values` is left as it is;
 * NaN and ±Infinity are missing) and merges them with the baseline's sorted
 * points (at least one), their counts, and the decile edges (each one of the
 * points). `sorted` sees the sorted finite values (a view valid only during
 * the call). `presorted`: the values are finite and ascending already, and
 * are not sorted again. Null when the arrays exceed KERNEL_LIMIT.
 */
export function settleWindow(
  values: Float64Array,
  n: number,
  points: Float64Array,
  counts: Int32Array,
  edges: Float64Array,
  sorted?: (v: Float64Array) => void,
  presorted = false,
): Settled | null {
  const length = values.length;
  const P = points.length;
  const E = edges.length;
  // Layout: window | scratch, the scratch then reused for points, counts, edges, below.
  const bytes = 8 * length + Math.max(8 * length, 12 * P + 16 * E + 8);
  if (bytes > KERNEL_LIMIT.bytes) return null;
  const { k, at, buffer } = reserve(bytes);
  const v = at;
  const pAt = at + 8 * length;
  const cAt = pAt + 8 * P;
  const eAt = (cAt + 4 * P + 7) & ~7;
  const bAt = eAt + 8 * E;
  // Values already sorted and finite (a segmented window's merged segments) are only copied.
  const m = presorted ? copyIn(buffer, values, v) : sortFinite(k, buffer, values, v, pAt);
  sorted?.(new Float64Array(buffer, v, m));
  new Float64Array(buffer, pAt, P).set(points);
  new Int32Array(buffer, cAt, P).set(counts);
  new Float64Array(buffer, eAt, E).set(edges);
  k.settle(v, m, pAt, cAt, P, eAt, E, bAt, n);
  const r = new Float64Array(buffer, k.resultAt(), 7);
  const out = { m, w1: r[0], d: r[1], at: { x: r[4], baseline: r[5], window: r[6] }, outOfRange: r[2], below: new Float64Array(buffer, bAt, E).slice(), scale: r[3] };
  release();
  return out;
}

/**
 * The grid passes sum (bound − x)·GRID_SCALE: 2^-40 is exact (a power of two), and
 * small enough that no difference of two doubles, nor a sum of 2^31 of them,
 * nor WindowSummary's products of those sums with counts, can overflow.
 * Only differences below 2^-982 (as subnormals) lose precision.
 */
export const GRID_SCALE = 2 ** -40;

/** A pass's grid, as WindowSummary's Grid and PointIndex hold it; a later pass's also flags what it counts. */
export interface PassGrid {
  bnd: Float64Array;
  index: { keyMin: number; shift: number; table: Int32Array; leafAt: Int32Array; leafShift: Uint8Array; leaves: Int32Array };
  region: Int32Array | null;
  top: Uint8Array | null;
}

/**
 * One pass of a window column over its grid, in an instance of its own, so
 * the grid and counters stay put in linear memory for the pass and are
 * freed with it: fill `buf` (a view into that memory, like the counters),
 * then `count`.
 */
export class GridCounter {
  readonly buf: Float64Array;
  readonly cnt: Int32Array;
  readonly eq: Int32Array;
  readonly sum: Float64Array;
  private readonly k: Exports;
  private readonly at: Record<'buf' | 'bnd' | 'sum' | 'cnt' | 'eq' | 'leafAt' | 'leaves' | 'leafShift' | 'top' | 'region' | 'st' | 'flags', number>;
  /** The first pass's flagged intervals (see flag); null: none. */
  private flags: Uint8Array | null = null;
  /** RunningMoments' state, as the first pass's kernel reads and writes it. */
  private readonly st: Float64Array;
  private readonly B: number;
  private readonly later: boolean;
  private readonly kMin: number;
  private readonly mask: number;
  private readonly shift: number;

  /** @param collect a later pass moves the values it would count to the front of `buf` instead */
  constructor(grid: PassGrid, bufferValues: number, private readonly collect = false) {
    const { bnd, index, region, top } = grid;
    const B = bnd.length;
    const arrays = {
      buf: 8 * bufferValues,
      bnd: 8 * B,
      sum: 8 * (B + 1),
      cnt: 4 * (B + 1),
      eq: 4 * (B + 1),
      leafAt: 4 * index.leafAt.length,
      leaves: 4 * index.leaves.length,
      leafShift: index.leafShift.length,
      top: top ? top.length : 0,
      region: region ? 4 * region.length : 0,
      st: 8 * 10,
      flags: region ? 0 : B + 1,
    };
    let bytes = 0;
    const offset: Record<string, number> = {};
    for (const [name, size] of Object.entries(arrays)) {
      offset[name] = bytes;
      bytes += Math.ceil(size / 8) * 8;
    }
    this.k = instantiate();
    const base = this.k.reserve(bytes);
    if (base === 0) throw new RangeError(`the counting kernel could not grow its memory to ${Math.ceil(bytes / 2 ** 20)} MiB`);
    for (const name of Object.keys(offset)) offset[name] += base;
    this.at = offset as GridCounter['at'];
    const mem = this.k.memory.buffer;
    this.buf = new Float64Array(mem, offset.buf, bufferValues);
    new Float64Array(mem, offset.bnd, B).set(bnd);
    this.sum = new Float64Array(mem, offset.sum, B + 1);
    this.cnt = new Int32Array(mem, offset.cnt, B + 1);
    this.eq = new Int32Array(mem, offset.eq, B + 1);
    new Int32Array(mem, offset.leafAt, index.leafAt.length).set(index.leafAt);
    new Int32Array(mem, offset.leaves, index.leaves.length).set(index.leaves);
    new Uint8Array(mem, offset.leafShift, index.leafShift.length).set(index.leafShift);
    if (top) new Uint8Array(mem, offset.top, top.length).set(top);
    if (region) new Int32Array(mem, offset.region, region.length).set(region);
    this.st = new Float64Array(mem, offset.st, 10);
    this.B = B;
    this.later = region !== null && top !== null;
    // Keys in signed 32-bit form keep the arithmetic in 32-bit integers.
    this.kMin = (index.keyMin ^ 0x80000000) | 0;
    this.shift = index.shift;
    this.mask = index.shift >= 31 ? 0x7fffffff : (1 << index.shift) - 1;
  }

  /**
   * Flags first-pass intervals (one byte each, 0 to B; null: none): `count`
   * then also moves the values strictly inside a flagged interval to the
   * front of `buf`, and `collected` says how many.
   */
  flag(flags: Uint8Array | null): void {
    if (flags) new Uint8Array(this.k.memory.buffer, this.at.flags, this.B + 1).set(flags);
    this.flags = flags;
  }

  /** How many values the last first-pass `count` with flags moved to the front of `buf`. */
  collected(): number {
    return this.flags ? new Int32Array(this.k.memory.buffer, this.k.resultAt(), 1)[0] : 0;
  }

  /**
   * Counts (or collects) the first `n` values of `buf`. Returns, in the
   * first pass, how many were finite (the others are missing), and adds them
   * to `m` in the same pass over them (m.add's bits: a value that sets a
   * scale is added by m itself); in a later one, how many were collected.
   */
  count(n: number, m?: RunningMoments): number {
    const a = this.at;
    if (this.later) return this.k.countLaterPass(a.buf, n, a.bnd, this.B, a.leafAt, a.leafShift, a.leaves, this.kMin, this.shift, this.mask, a.top, a.region, a.cnt, a.eq, a.sum, this.collect ? 1 : 0, GRID_SCALE);
    const result = new Int32Array(this.k.memory.buffer, this.k.resultAt(), 2);
    let valid = 0;
    let kept = 0;
    for (let from = 0, skip = 0; ; skip = 1) {
      if (m) m.save(this.st);
      valid += this.k.countFirstPass(a.buf, from, n, a.bnd, this.B, a.leafAt, a.leafShift, a.leaves, this.kMin, this.shift, this.mask, a.cnt, a.eq, a.sum, GRID_SCALE, this.flags ? a.flags : 0, kept, m ? a.st : 0, skip);
      if (m) m.load(this.st);
      kept = result[0];
      from = result[1];
      if (from >= n) return valid;
      m!.add(this.buf.subarray(from, from + 1), 1);
    }
  }

}
