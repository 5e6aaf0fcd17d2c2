/**
 * Summary threads: the engine's numeric work (sorting baseline columns,
 * locating window values in their summaries) runs on worker threads, one
 * per core, while the main thread only turns DuckDB's chunks into arrays.
 * A baseline summary stays in the thread that made it (the main thread holds
 * a BaselineRef), and its window column is counted there: nothing large is
 * ever copied between threads, and values are handed over, not cloned.
 * Small columns are summarized on the main thread itself, by the same code:
 * starting the workers costs more than their work.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { fromWire, toWire } from '../../report/index.js';
import type { NumericSummary } from '../../stats/index.js';
import type { Body, Reply, Request } from './protocol.js';
import { SummaryStore } from './store.js';

/** Where summaries live and requests are answered: a worker thread, or the main thread. */
export interface Thread {
  readonly failure: Error | null;
  /** Requests sent and not yet answered. */
  readonly queued: number;
  call<T>(body: Body, transfer?: ArrayBuffer[]): Promise<T>;
  /** Resolves once fewer than `below` requests are unanswered. */
  drained(below: number): Promise<void>;
}

/** One worker thread and its unanswered requests. */
class WorkerThread implements Thread {
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
    else p.reject(fromWire(r.error));
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

/**
 * The main thread as a summary thread: the same store, answering in order.
 * Requests and answers are cloned and their buffers transferred as between
 * threads, so a caller's arrays are handed over and back the same way.
 */
class LocalThread implements Thread {
  readonly failure = null;
  readonly queued = 0;
  private readonly store = new SummaryStore();

  call<T>(body: Body, transfer: ArrayBuffer[] = []): Promise<T> {
    // Handed over now, answered in a later task: the caller first sends its next query, which DuckDB runs meanwhile.
    const request = structuredClone({ ...body, id: 0 } as Request, { transfer });
    return new Promise<T>((resolve, reject) =>
      setImmediate(() => {
        try {
          const { value, transfer: back } = this.store.handle(request);
          resolve(structuredClone(value, { transfer: back }) as T);
        } catch (err) {
          // As a worker's error arrives.
          reject(fromWire(toWire(err)));
        }
      }),
    );
  }

  drained(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * Columns of at most this many values are summarized on the main thread, and
 * a window column is counted there when its baseline's is too and it is this
 * small as well: below it, a worker's start (~0.2 s to its first answer on
 * two cores) costs more than the work (~60 ns per value). bench/RESULTS.md.
 */
export const INLINE_MAX_VALUES = 1 << 16;
let inlineMax = INLINE_MAX_VALUES;

/** Sets the inline bound (tests: 0 puts every column on the workers, Infinity every one on the main thread). */
export function setInlineLimit(values: number): void {
  inlineMax = values;
}

let local: LocalThread | null = null;
let threads: WorkerThread[] = [];
let threadCount: number | null = null;

/** Sets how many summary threads the process starts (an engine of a pool: its share of the cores). */
export function setSummaryThreads(n: number): void {
  threadCount = Math.max(1, Math.floor(n));
}

/** The process's summary threads, started on first use (one per core, at most four, unless set); a failed one is replaced. */
function pool(): WorkerThread[] {
  const size = threadCount ?? Math.max(1, Math.min(4, availableParallelism()));
  threads = threads.filter((t) => !t.failure);
  while (threads.length < size) threads.push(new WorkerThread());
  return threads;
}

/** Worker threads started so far (tests). */
export function summaryThreadsStarted(): number {
  return threads.length;
}

function nextWorker(): WorkerThread {
  const all = pool();
  return all[nextThread++ % all.length];
}

let nextKey = 1;
let nextThread = 0;

/** A key no other summary or column of this process has. */
export function newKey(): number {
  return nextKey++;
}

/** A summary thread failed, and the baseline summaries it held are gone. */
export class SummaryThreadError extends Error {
  override name = 'SummaryThreadError';
}

/** The thread that holds a summary; it changes once at most, from the main thread to a worker. */
interface Place {
  thread: Thread;
  moving?: Promise<void>;
}

/** A baseline column's summary, held by a summary thread. */
export class BaselineRef {
  /** @param intervals the size of the summary's first-pass grid (memory per window column ∝ it) */
  constructor(
    readonly place: Place,
    readonly key: number,
    readonly intervals: number,
  ) {}

  get thread(): Thread {
    return this.place.thread;
  }
}

function forget(place: Place, key: number): void {
  void (place.moving ?? Promise.resolve()).then(() => {
    if (!place.thread.failure) place.thread.call({ op: 'forget', key }).catch(() => undefined);
  });
}

// A summary the engine no longer references is dropped from its thread too.
const unreferenced = new FinalizationRegistry<{ place: Place; key: number }>(({ place, key }) => forget(place, key));

/** Moves a summary made on the main thread to a worker, before a window column too large for the main thread is counted against it. */
export async function onWorker(ref: BaselineRef): Promise<void> {
  const place = ref.place;
  if (!(place.thread instanceof LocalThread)) return;
  place.moving ??= (async () => {
    const from = place.thread;
    const summary = await from.call({ op: 'give', key: ref.key });
    const to = nextWorker();
    await to.call({ op: 'adopt', key: ref.key, summary });
    place.thread = to;
    await from.call({ op: 'forget', key: ref.key });
  })();
  await place.moving;
}

/**
 * Sorts one baseline column's finite values on a summary thread and
 * summarizes them there (the array is handed over; NaN and ±Infinity are
 * missing values). The summary is null when no value is finite. With
 * `near`, in the thread of that summary.
 */
export async function summarizeOffThread(values: Float64Array, near: BaselineRef | null = null): Promise<{ value: BaselineRef | null; finite: number; bytes: number }> {
  // Next to another summary (a segment's slice next to its whole baseline): their window columns are settled together.
  const thread = near && !near.thread.failure ? near.thread : values.length <= inlineMax ? (local ??= new LocalThread()) : nextWorker();
  const key = newKey();
  const { finite, intervals, bytes } = await thread.call<{ finite: number; intervals: number; bytes: number }>({ op: 'summarize', key, values }, [values.buffer as ArrayBuffer]);
  if (finite === 0) return { value: null, finite, bytes: 0 };
  const place: Place = { thread };
  const ref = new BaselineRef(place, key, intervals);
  unreferenced.register(ref, { place, key }, ref);
  return { value: ref, finite, bytes };
}

/** Drops a baseline summary from its thread now (the profile cache let it go), rather than when it is collected. */
export function releaseOffThread(ref: BaselineRef): void {
  unreferenced.unregister(ref);
  forget(ref.place, ref.key);
}

/** Whether a window column of this many values is counted on a worker (its baseline's summary moves there first). */
export function onWorkerFor(values: number): boolean {
  return values > inlineMax;
}

export function alive(b: BaselineRef): void {
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
export async function settleOffThread(baseline: BaselineRef, values: Float64Array, sorted = false): Promise<{ stats: NumericSummary | null; finite: number; values: Float64Array }> {
  if (values.length > inlineMax) await onWorker(baseline);
  alive(baseline);
  return baseline.thread.call({ op: 'settle', baseline: baseline.key, values, sorted }, [values.buffer as ArrayBuffer]);
}

/** What a segmented column's settle gives: the whole column's statistics, and each segment's (sorted values instead, for a segment whose baseline lives elsewhere). */
export interface SegmentsSettled {
  whole: { stats: NumericSummary | null; finite: number };
  parts: { stats: NumericSummary | null; finite: number; sorted?: Float64Array }[];
  values: Float64Array;
}

/**
 * A whole segmented window column at once, in its whole baseline's thread:
 * its values grouped by segment (segment s is values[bounds[s],
 * bounds[s + 1]), NaN and ±Infinity missing), `segments[s]` the baseline
 * summary segment s is compared with (null: none has a finite value). Each
 * segment is sorted once, and the whole column merged from them. A segment
 * whose summary lives in another thread gets its sorted values, to be
 * settled there (settleOffThread, sorted). The values are handed over and
 * come back.
 */
export async function settleSegmentsOffThread(whole: BaselineRef, segments: readonly (BaselineRef | null)[], values: Float64Array, bounds: readonly number[]): Promise<SegmentsSettled> {
  if (values.length > inlineMax) await onWorker(whole);
  alive(whole);
  const here = segments.map((r) => (r && r.thread === whole.thread ? r.key : 0));
  const send = segments.map((r) => r !== null && r.thread !== whole.thread);
  return whole.thread.call({ op: 'settleSegments', whole: whole.key, segments: here, send, values, bounds: [...bounds] }, [values.buffer as ArrayBuffer]);
}

/** A baseline column reduced: its summary (null: no finite value), how many values were finite, and the bytes the summary holds. */
export interface Summarized {
  value: BaselineRef | null;
  finite: number;
  bytes: number;
}

/**
 * A baseline column grouped by segment (slice s is values[bounds[s],
 * bounds[s + 1]), NaN and ±Infinity missing), summarized in one thread: the
 * slices `want` names, and the whole column when `whole`, merged from the
 * sorted slices. The values are handed over. Null for what was not wanted.
 */
export async function summarizeSegmentsOffThread(values: Float64Array, bounds: readonly number[], whole: boolean, want: readonly boolean[]): Promise<{ whole: Summarized | null; parts: (Summarized | null)[] }> {
  const thread = values.length <= inlineMax ? (local ??= new LocalThread()) : nextWorker();
  const wholeKey = whole ? newKey() : 0;
  const keys = want.map((w) => (w ? newKey() : 0));
  type Info = { finite: number; intervals: number; bytes: number };
  const r = await thread.call<{ whole: Info | null; parts: (Info | null)[] }>({ op: 'summarizeSegments', whole: wholeKey, keys, values, bounds: [...bounds] }, [values.buffer as ArrayBuffer]);
  const ref = (key: number, info: Info | null): Summarized | null => {
    if (!info) return null;
    if (info.finite === 0) return { value: null, finite: 0, bytes: 0 };
    const place: Place = { thread };
    const value = new BaselineRef(place, key, info.intervals);
    unreferenced.register(value, { place, key }, value);
    return { value, finite: info.finite, bytes: info.bytes };
  };
  return { whole: ref(wholeKey, r.whole), parts: r.parts.map((info, i) => ref(keys[i], info)) };
}
