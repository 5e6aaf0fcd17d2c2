/** A batch of window columns counted on the summary threads against their baselines' summaries, pass by pass. */
import type { NumericSummary } from '../../stats/index.js';
import { passBuffer } from '../../stats/streaming/index.js';
import { alive, newKey, onWorker, onWorkerFor, type BaselineRef, type Thread } from './pool.js';

/** Values sent to a thread at once, per column (8 bytes each). */
const STAGE_VALUES = 1 << 17;
/**
 * Buffers a thread may have queued before the reader waits: bounds memory whatever the threads' pace (32 MB a
 * thread). Deep enough that the reader and DuckDB run ahead while a thread's stages arrive in bursts: at 8, W3's
 * scan kept 1.61-1.71 of 2 cores busy, at 32 1.81-1.92 (bench/RESULTS.md).
 */
const MAX_QUEUED = 32;

/** What a window column's summary ended with. */
export interface ColumnResult {
  missing: number;
  stats: NumericSummary | null;
}

/**
 * Window columns summarized on the threads, pass by pass: feed a pass's
 * chunks to `add` (awaiting what it returns), then `endPass`, which tells
 * which columns the next pass reads; `close` in a finally.
 */
export class WindowColumns {
  private readonly keys: number[];
  private readonly owner: Thread[];
  private readonly stage: Float64Array[];
  private readonly fill: number[];
  /** Values column c sends at, this time: every column gets each chunk's rows, so their first sends of a pass are spread out (see stagger). */
  private readonly limit: number[];
  private readonly spare: Float64Array[] = [];
  private active: number[];
  private failure: Error | null = null;
  private closed = false;

  private constructor(baselines: readonly BaselineRef[]) {
    this.keys = baselines.map(() => newKey());
    this.owner = baselines.map((b) => b.thread);
    this.stage = this.keys.map(() => new Float64Array(STAGE_VALUES));
    this.fill = this.keys.map(() => 0);
    this.limit = this.keys.map(() => STAGE_VALUES);
    this.active = this.keys.map((_, c) => c);
    this.stagger();
  }

  /**
   * Spreads the active columns' first sends of a pass over a stage's worth
   * of rows: every column gets each chunk's rows, so their stages would fill
   * at the same chunk, a thread's whole share would arrive at once, past
   * MAX_QUEUED, and the reader and the threads would take turns instead of
   * overlapping.
   */
  private stagger(): void {
    const K = this.active.length;
    this.active.forEach((c, k) => (this.limit[c] = Math.max(1, Math.round((STAGE_VALUES * (k + 1)) / K))));
  }

  /**
   * Opens one column per baseline summary, in the summary's thread (a
   * worker's for a window of more than the inline bound's `rows`); `budget`
   * values collected at once is shared out among the threads; `expect`:
   * each column's rows, when they differ from the window's (segments).
   * Throws SummaryThreadError when a summary's thread failed since it was made.
   */
  static async open(baselines: readonly BaselineRef[], budget: number, rows: number, expect?: readonly number[]): Promise<WindowColumns> {
    if (onWorkerFor(rows)) await Promise.all(baselines.map(onWorker));
    baselines.forEach(alive);
    const w = new WindowColumns(baselines);
    const used = w.threads();
    // The batch's columns share one budget of buffered values, whichever thread counts them.
    const buffer = passBuffer(w.active.length);
    await Promise.all(
      used.map((t) => {
        const cols = w.active.filter((c) => w.owner[c] === t);
        return t.call({ op: 'open', keys: cols.map((c) => w.keys[c]), baselines: cols.map((c) => baselines[c].key), budget: Math.floor(budget / used.length), buffer, rows: cols.map((c) => expect?.[c] ?? rows) });
      }),
    );
    return w;
  }

  /**
   * Where the next chunk's `count` rows of each column the current pass reads
   * go (in `reading` order): its stage, at its fill (a full one is sent
   * first). Read them there, then call `added`.
   */
  slots(count: number): { array: Float64Array; at: number }[] {
    if (this.failure) throw this.failure;
    return this.active.map((c) => {
      if (this.fill[c] > 0 && this.fill[c] + count > this.limit[c]) this.send(c);
      return { array: this.stage[c], at: this.fill[c] };
    });
  }

  /** After `count` rows were read to `slots(count)`: a promise to await when a thread is behind. */
  added(count: number): Promise<void> | undefined {
    for (const c of this.active) this.fill[c] += count;
    return this.pushed();
  }

  /** The column ids the current pass reads, in the order `add` takes them. */
  get reading(): readonly number[] {
    return this.active;
  }

  /** Adds `count` values to column `c` (one the current pass reads): for callers whose columns get different rows (segments); then `pushed`. */
  push(c: number, values: Float64Array, count: number): void {
    if (this.failure) throw this.failure;
    for (let at = 0; at < count; ) {
      if (this.fill[c] >= this.limit[c]) this.send(c);
      const take = Math.min(count - at, this.limit[c] - this.fill[c]);
      this.stage[c].set(values.subarray(at, at + take), this.fill[c]);
      this.fill[c] += take;
      at += take;
    }
  }

  /** After a chunk's pushes: a promise to await when a thread is behind. */
  pushed(): Promise<void> | undefined {
    if (this.failure) throw this.failure;
    const behind = this.threads().find((t) => t.queued >= MAX_QUEUED);
    return behind?.drained(MAX_QUEUED / 2);
  }

  /** Ends the pass; returns the columns the next pass must read (none: done). */
  async endPass(): Promise<readonly number[]> {
    for (const c of this.active) if (this.fill[c] > 0) this.send(c);
    const used = this.threads();
    const open = await Promise.all(
      used.map((t) => {
        const keys = this.active.filter((c) => this.owner[c] === t).map((c) => this.keys[c]);
        return t.call<number[]>({ op: 'endPass', keys });
      }),
    );
    if (this.failure) throw this.failure;
    const still = new Set(open.flat());
    this.active = this.active.filter((c) => still.has(this.keys[c]));
    this.stagger();
    return this.active;
  }

  /** Every column's result, once `endPass` returned none. */
  async finish(): Promise<ColumnResult[]> {
    const out: ColumnResult[] = new Array(this.keys.length);
    await Promise.all(
      [...new Set(this.owner)].map(async (t) => {
        const cols = this.keys.map((_, c) => c).filter((c) => this.owner[c] === t);
        const results = await t.call<ColumnResult[]>({ op: 'finish', keys: cols.map((c) => this.keys[c]) });
        cols.forEach((c, i) => (out[c] = results[i]));
      }),
    );
    this.closed = true;
    return out;
  }

  /** Frees the threads' state for these columns (after a failure; finish already did). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const t of new Set(this.owner)) {
      const keys = this.keys.filter((_, c) => this.owner[c] === t);
      t.call({ op: 'drop', keys }).catch(() => undefined);
    }
  }

  private threads(): Thread[] {
    return [...new Set(this.active.map((c) => this.owner[c]))];
  }

  private send(c: number): void {
    const values = this.stage[c];
    const count = this.fill[c];
    this.stage[c] = this.spare.pop() ?? new Float64Array(STAGE_VALUES);
    this.fill[c] = 0;
    this.limit[c] = STAGE_VALUES;
    this.owner[c].call<Float64Array>({ op: 'add', key: this.keys[c], values, count }, [values.buffer as ArrayBuffer]).then(
      (back) => this.spare.push(back),
      (err: Error) => (this.failure ??= err),
    );
  }
}
