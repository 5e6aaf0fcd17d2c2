/**
 * The WebAssembly kernels (wasm/kernels.as.ts): sorting doubles, and merging
 * a window with a baseline's points. In JavaScript these two loops were most
 * of a kept window's CPU time; compiled, they take under half of it (see
 * bench/RESULTS.md).
 *
 * Each thread instantiates the module once, and its linear memory holds the
 * arrays of one call at a time. Linear memory cannot shrink, so an instance
 * that has grown is dropped after a second without calls, and the next call
 * starts a new one.
 */
import { readFileSync } from 'node:fs';

interface Exports {
  memory: WebAssembly.Memory;
  reserve(bytes: number): number;
  resultAt(): number;
  sort(a: number, scratch: number, n: number): void;
  settle(v: number, m: number, points: number, counts: number, P: number, edges: number, E: number, below: number, n: number): void;
  countFirstPass(buf: number, n: number, bnd: number, B: number, leafAt: number, leafShift: number, leaves: number, kMin: number, shift: number, mask: number, cnt: number, eq: number, sum: number): void;
}

// Loaded like code, once per thread, when this module is imported.
const MODULE = new WebAssembly.Module(readFileSync(new URL('./wasm/kernels.wasm', import.meta.url)));

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
  return new WebAssembly.Instance(MODULE, { env: { abort: () => { throw new Error('kernels.wasm aborted'); } } }).exports as unknown as Exports;
}

let instance: Exports | null = null;
let idle: NodeJS.Timeout | null = null;

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

/** Sorts finite doubles ascending, in place, as Float64Array.prototype.sort does (-0 before +0). */
export function sortDoubles<T extends Float64Array>(a: T): T {
  const n = a.length;
  if (n < SMALL || 16 * n > KERNEL_LIMIT.bytes) return a.sort();
  const { k, at, buffer } = reserve(16 * n);
  const view = new Float64Array(buffer, at, n);
  view.set(a);
  k.sort(at, at + 8 * n, n);
  a.set(view);
  release();
  return a;
}

/** What the merge of a whole window with the baseline's points gives (see WindowSummary.settleAll). */
export interface Settled {
  /** ∫|F_b − F_w| · n · m. */
  w1: number;
  d: number;
  outOfRange: number;
  /** Window values strictly below each edge. */
  below: Float64Array;
}

/**
 * Sorts the window's finite values (in a copy; `values` is left as it is)
 * and merges them with the baseline's sorted points (at least one), their
 * counts, and the decile edges (each one of the points). Null when the
 * arrays exceed KERNEL_LIMIT.
 */
export function settleWindow(values: Float64Array, n: number, points: Float64Array, counts: Int32Array, edges: Float64Array): Settled | null {
  const m = values.length;
  const P = points.length;
  const E = edges.length;
  // Layout: window | scratch, the scratch then reused for points, counts, edges, below.
  const bytes = 8 * m + Math.max(8 * m, 12 * P + 16 * E + 8);
  if (bytes > KERNEL_LIMIT.bytes) return null;
  const { k, at, buffer } = reserve(bytes);
  const v = at;
  const pAt = at + 8 * m;
  const cAt = pAt + 8 * P;
  const eAt = (cAt + 4 * P + 7) & ~7;
  const bAt = eAt + 8 * E;
  new Float64Array(buffer, v, m).set(values);
  if (m >= SMALL) k.sort(v, pAt, m);
  else new Float64Array(buffer, v, m).sort();
  new Float64Array(buffer, pAt, P).set(points);
  new Int32Array(buffer, cAt, P).set(counts);
  new Float64Array(buffer, eAt, E).set(edges);
  k.settle(v, m, pAt, cAt, P, eAt, E, bAt, n);
  const r = new Float64Array(buffer, k.resultAt(), 3);
  const out = { w1: r[0], d: r[1], outOfRange: r[2], below: new Float64Array(buffer, bAt, E).slice() };
  release();
  return out;
}

/** The first-pass grid's bounds and index, as WindowSummary's Grid and PointIndex hold them. */
export interface FirstPassGrid {
  bnd: Float64Array;
  index: { keyMin: number; shift: number; leafAt: Int32Array; leafShift: Uint8Array; leaves: Int32Array };
}

/**
 * A window column's first-pass counting in an instance of its own, so its
 * grid and counters stay put in linear memory for the column's life, and
 * are freed with it: fill `buf` (views into that memory, like the
 * counters), then `count`.
 */
export class FirstPassCounter {
  readonly buf: Float64Array;
  readonly cnt: Int32Array;
  readonly eq: Int32Array;
  readonly sum: Float64Array;
  private readonly k: Exports;
  private readonly args: number[];

  constructor(grid: FirstPassGrid, bufferValues: number) {
    const { bnd, index } = grid;
    const B = bnd.length;
    const sizes = [8 * bufferValues, 8 * B, 8 * (B + 1), 4 * (B + 1), 4 * (B + 1), 4 * index.leafAt.length, 4 * index.leaves.length, index.leafShift.length];
    const offsets: number[] = [];
    let bytes = 0;
    for (const size of sizes) {
      offsets.push(bytes);
      bytes += Math.ceil(size / 8) * 8;
    }
    this.k = instantiate();
    const base = this.k.reserve(bytes);
    if (base === 0) throw new RangeError(`the counting kernel could not grow its memory to ${Math.ceil(bytes / 2 ** 20)} MiB`);
    const [buf, bndAt, sum, cnt, eq, leafAt, leaves, leafShift] = offsets.map((o) => base + o);
    const mem = this.k.memory.buffer;
    this.buf = new Float64Array(mem, buf, bufferValues);
    new Float64Array(mem, bndAt, B).set(bnd);
    this.sum = new Float64Array(mem, sum, B + 1);
    this.cnt = new Int32Array(mem, cnt, B + 1);
    this.eq = new Int32Array(mem, eq, B + 1);
    new Int32Array(mem, leafAt, index.leafAt.length).set(index.leafAt);
    new Int32Array(mem, leaves, index.leaves.length).set(index.leaves);
    new Uint8Array(mem, leafShift, index.leafShift.length).set(index.leafShift);
    // Keys in signed 32-bit form keep the arithmetic in 32-bit integers.
    const kMin = (index.keyMin ^ 0x80000000) | 0;
    const mask = index.shift >= 31 ? 0x7fffffff : (1 << index.shift) - 1;
    this.args = [bndAt, B, leafAt, leafShift, leaves, kMin, index.shift, mask, cnt, eq, sum];
  }

  /** Counts the first `n` values of `buf`. */
  count(n: number): void {
    const [bndAt, B, leafAt, leafShift, leaves, kMin, shift, mask, cnt, eq, sum] = this.args;
    this.k.countFirstPass(this.buf.byteOffset, n, bndAt, B, leafAt, leafShift, leaves, kMin, shift, mask, cnt, eq, sum);
  }
}
