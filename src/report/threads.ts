/**
 * Summary threads: the engine's numeric work (sorting baseline columns,
 * locating window values in their summaries) runs on worker threads, one
 * per core, while the main thread only turns DuckDB's chunks into arrays.
 * A baseline summary stays in the thread that made it (the main thread holds
 * a BaselineRef), and its window column is counted there: nothing large is
 * ever copied between threads, and values are handed over, not cloned.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { InconsistentPassError, type NumericStats } from '../stats/index.js';

/** A message to a summary thread; `key` names a window column within the thread. */
export type Request = { id: number } & (
  | { op: 'summarize'; key: number; values: Float64Array }
  | { op: 'forget'; key: number }
  | { op: 'open'; keys: number[]; baselines: number[]; budget: number }
  | { op: 'settle'; baseline: number; values: Float64Array }
  | { op: 'add'; key: number; values: Float64Array; count: number }
  | { op: 'endPass'; keys: number[] }
  | { op: 'finish'; keys: number[] }
  | { op: 'drop'; keys: number[] }
);

/** A summary thread's answer to the request with the same id. */
export type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: { name: string; message: string } };

type Body = Request extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/** One worker thread and its unanswered requests. */
class Thread {
  failure: Error | null = null;
  private readonly worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly waiters: { below: number; resolve: () => void }[] = [];

  constructor() {
    this.worker = new Worker(new URL('./summary-thread.js', import.meta.url));
    this.worker.on('message', (r: Reply) => this.settle(r));
    this.worker.on('error', (err) => this.fail(err));
    this.worker.on('exit', (code) => this.fail(new Error(`a summary thread exited (code ${code})`)));
    // An idle thread must not keep the process alive; a busy one must (the main thread may only be awaiting it).
    // After the listeners: attaching them refs the thread again.
    this.worker.unref();
  }

  /** Requests sent and not yet answered. */
  get queued(): number {
    return this.pending.size;
  }

  call<T>(body: Body, transfer: ArrayBuffer[] = []): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    if (this.pending.size === 0) this.worker.ref();
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ ...body, id }, transfer);
    });
  }

  /** Resolves once fewer than `below` requests are unanswered. */
  drained(below: number): Promise<void> {
    if (this.pending.size < below || this.failure) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ below, resolve }));
  }

  private settle(r: Reply): void {
    const p = this.pending.get(r.id);
    if (!p) return;
    this.pending.delete(r.id);
    if (this.pending.size === 0) this.worker.unref();
    if (r.ok) p.resolve(r.value);
    else p.reject(r.error.name === 'InconsistentPassError' ? new InconsistentPassError(r.error.message) : new Error(r.error.message));
    this.wake();
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const p of this.pending.values()) p.reject(this.failure);
    this.pending.clear();
    this.wake();
  }

  private wake(): void {
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      const w = this.waiters[i];
      if (this.pending.size < w.below || this.failure) {
        this.waiters.splice(i, 1);
        w.resolve();
      }
    }
  }
}

let threads: Thread[] = [];

/** The process's summary threads, started on first use (one per core, at most four); a failed one is replaced. */
function pool(): Thread[] {
  const size = Math.max(1, Math.min(4, availableParallelism()));
  threads = threads.filter((t) => !t.failure);
  while (threads.length < size) threads.push(new Thread());
  return threads;
}

let nextKey = 1;
let nextThread = 0;

/** A summary thread failed, and the baseline summaries it held are gone. */
export class SummaryThreadError extends Error {}

/** A baseline column's summary, held by a summary thread. */
export class BaselineRef {
  /** @param intervals the size of the summary's first-pass grid (memory per window column ∝ it) */
  constructor(
    readonly thread: Thread,
    readonly key: number,
    readonly intervals: number,
  ) {}
}

// A summary the engine no longer references is dropped from its thread too.
const unreferenced = new FinalizationRegistry<{ thread: Thread; key: number }>(({ thread, key }) => {
  if (!thread.failure) thread.call({ op: 'forget', key }).catch(() => undefined);
});

/**
 * Sorts one baseline column's finite values on a summary thread and
 * summarizes them there (the array is handed over; NaN and ±Infinity are
 * missing values). The summary is null when no value is finite.
 */
export async function summarizeOffThread(values: Float64Array): Promise<{ value: BaselineRef | null; finite: number }> {
  const all = pool();
  const thread = all[nextThread++ % all.length];
  const key = nextKey++;
  const { finite, intervals } = await thread.call<{ finite: number; intervals: number }>({ op: 'summarize', key, values }, [values.buffer as ArrayBuffer]);
  if (finite === 0) return { value: null, finite };
  const ref = new BaselineRef(thread, key, intervals);
  unreferenced.register(ref, { thread, key });
  return { value: ref, finite };
}

function alive(b: BaselineRef): void {
  if (b.thread.failure) throw new SummaryThreadError(`the baseline summaries are gone: ${b.thread.failure.message}`);
}

/**
 * The statistics of a whole window column, given at once as its values
 * (handed over, sorted and merged in the baseline summary's thread, and
 * handed back with the statistics, to be filled again). NaN and ±Infinity
 * are missing values; `finite` counts the others, and the statistics are
 * null when there are none. Throws SummaryThreadError when that thread
 * failed since it was made.
 */
export async function settleOffThread(baseline: BaselineRef, values: Float64Array): Promise<{ stats: NumericStats | null; finite: number; values: Float64Array }> {
  alive(baseline);
  return baseline.thread.call({ op: 'settle', baseline: baseline.key, values }, [values.buffer as ArrayBuffer]);
}

/** Values sent to a thread at once, per column (8 bytes each). */
const STAGE_VALUES = 1 << 17;
/** Buffers a thread may have queued before the reader waits: bounds memory whatever the threads' pace. */
const MAX_QUEUED = 8;

/** What a window column's summary ended with. */
export interface ColumnResult {
  missing: number;
  stats: NumericStats | null;
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
  private readonly spare: Float64Array[] = [];
  private active: number[];
  private failure: Error | null = null;
  private closed = false;

  private constructor(baselines: readonly BaselineRef[]) {
    this.keys = baselines.map(() => nextKey++);
    this.owner = baselines.map((b) => b.thread);
    this.stage = this.keys.map(() => new Float64Array(STAGE_VALUES));
    this.fill = this.keys.map(() => 0);
    this.active = this.keys.map((_, c) => c);
  }

  /**
   * Opens one column per baseline summary, in the summary's thread; `budget`
   * values collected at once is shared out among the threads. Throws
   * SummaryThreadError when a summary's thread failed since it was made.
   */
  static async open(baselines: readonly BaselineRef[], budget: number): Promise<WindowColumns> {
    baselines.forEach(alive);
    const w = new WindowColumns(baselines);
    const used = w.threads();
    await Promise.all(
      used.map((t) => {
        const cols = w.active.filter((c) => w.owner[c] === t);
        return t.call({ op: 'open', keys: cols.map((c) => w.keys[c]), baselines: cols.map((c) => baselines[c].key), budget: Math.floor(budget / used.length) });
      }),
    );
    return w;
  }

  /** Adds a chunk of the current pass: `values[k]` holds `count` rows of the k-th column the pass reads (as endPass last returned). Await the result when there is one. */
  add(values: readonly Float64Array[], count: number): Promise<void> | undefined {
    if (this.failure) throw this.failure;
    for (let k = 0; k < this.active.length; k++) {
      const c = this.active[k];
      if (this.fill[c] + count > STAGE_VALUES) this.send(c);
      this.stage[c].set(values[k].subarray(0, count), this.fill[c]);
      this.fill[c] += count;
    }
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
    this.owner[c].call<Float64Array>({ op: 'add', key: this.keys[c], values, count }, [values.buffer as ArrayBuffer]).then(
      (back) => this.spare.push(back),
      (err: Error) => (this.failure ??= err),
    );
  }
}
