/**
 * A bounded pool of engine processes and the queue of runs waiting for one.
 * Each process serves any model, one run at a time; at most `size` run at
 * once, whatever the number of models. The scheduler queues at most one run
 * per model, so the queue is fair across models: first in, first out, except
 * that a freed engine may take, from the first few queued, a run of a model it
 * ran last (its baseline profile is cached there); a run passed over that way
 * waits only until its own engine is free.
 */
import type { ModelConfig } from '../config/index.js';
import type { EngineBounds, EngineStats } from '../engine/index.js';
import type { ModelReport } from '../report/index.js';
import { EngineProcess } from './run-process.js';

/** What the pool reports, for the self-metrics. */
export interface PoolEvents {
  /** Runs waiting for an engine. */
  queueDepth(depth: number): void;
  /** An engine's stats after a run; `engine` numbers the pool's slots from 0. */
  engineStats(engine: number, stats: EngineStats): void;
  /** An engine's process ended (killed or died); the next run there starts a fresh one. */
  engineGone(engine: number): void;
}

/** The pool's size and the bounds of each engine. */
export interface PoolOptions {
  processes: number;
  bounds: EngineBounds | null;
}

/** A run waiting in the queue. */
interface Job {
  model: string;
  /** Read when the run starts, so a config change while queued is run as is. */
  config: () => ModelConfig;
  enqueuedAt: number;
  onStart: (waitS: number) => void;
  resolve: (r: ModelReport) => void;
  reject: (e: Error) => void;
}

/** A cancelled queued run. */
export class RunCancelledError extends Error {
  override name = 'RunCancelledError';
}

export class EnginePool {
  private readonly engines: EngineProcess[];
  /** Which model each engine is running. */
  private readonly running: (string | null)[];
  private readonly queue: Job[] = [];
  /** The engine (and its process generation) that last ran each model. */
  private readonly last = new Map<string, { engine: number; generation: number }>();
  private closed = false;

  constructor(
    readonly options: PoolOptions,
    private readonly events: PoolEvents,
  ) {
    this.engines = Array.from(
      { length: options.processes },
      (_, i) =>
        new EngineProcess(
          options.bounds,
          (s) => events.engineStats(i, s),
          () => events.engineGone(i),
        ),
    );
    this.running = this.engines.map(() => null);
    events.queueDepth(0);
  }

  /** Runs waiting for an engine. */
  get depth(): number {
    return this.queue.length;
  }

  /** Engines running a run now. */
  get busy(): number {
    return this.running.filter((m) => m !== null).length;
  }

  /** The pids of the engine processes that are up. */
  pids(): number[] {
    return this.engines.flatMap((e) => (e.pid ? [e.pid] : []));
  }

  /**
   * Queues a run of `model`; `onStart` is called with its wait when an engine
   * takes it. Resolves with its report; rejects with its error, a
   * RunTimeoutError (its engine was killed), or RunCancelledError.
   */
  submit(model: string, config: () => ModelConfig, onStart: (waitS: number) => void): Promise<ModelReport> {
    if (this.closed) return Promise.reject(new RunCancelledError('the pool is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ model, config, enqueuedAt: performance.now(), onStart, resolve, reject });
      this.events.queueDepth(this.queue.length);
      this.dispatch();
    });
  }

  /** Removes the model's queued run, if any (it rejects with RunCancelledError); true when there was one. */
  cancel(model: string): boolean {
    const at = this.queue.findIndex((j) => j.model === model);
    if (at < 0) return false;
    const [job] = this.queue.splice(at, 1);
    this.events.queueDepth(this.queue.length);
    job.reject(new RunCancelledError('the model is stopping'));
    return true;
  }

  /** Kills the engine running `model` (only it: other engines and their caches are untouched). */
  kill(model: string, reason: Error): void {
    const i = this.running.indexOf(model);
    if (i >= 0) this.engines[i].kill(reason);
  }

  /** Cancels every queued run and kills every engine. */
  close(reason: Error): void {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new RunCancelledError(reason.message));
    this.events.queueDepth(0);
    for (const e of this.engines) e.kill(reason);
  }

  private dispatch(): void {
    for (;;) {
      const free = this.running.flatMap((m, i) => (m === null ? [i] : []));
      if (free.length === 0 || this.queue.length === 0) return;
      const { job, engine } = this.pick(free);
      this.queue.splice(this.queue.indexOf(job), 1);
      this.events.queueDepth(this.queue.length);
      this.start(job, engine);
    }
  }

  /** The next run and its engine: a free engine's own model among the first queued, else the head on a free engine. */
  private pick(free: number[]): { job: Job; engine: number } {
    const window = this.queue.slice(0, 2 * this.engines.length);
    for (const job of window) {
      const home = this.home(job.model);
      if (home !== null && free.includes(home)) return { job, engine: home };
    }
    const job = this.queue[0];
    // The head's own engine is busy, or it has none: a free engine whose process is up, since starting one costs a second.
    const warm = free.filter((i) => this.engines[i].alive);
    return { job, engine: (warm.length > 0 ? warm : free)[0] };
  }

  /** The engine whose cache holds the model's profile, while that process is up. */
  private home(model: string): number | null {
    const h = this.last.get(model);
    if (!h) return null;
    const e = this.engines[h.engine];
    return e.alive && e.generation === h.generation ? h.engine : null;
  }

  private start(job: Job, engine: number): void {
    this.running[engine] = job.model;
    const e = this.engines[engine];
    let config: ModelConfig;
    try {
      config = job.config();
      job.onStart((performance.now() - job.enqueuedAt) / 1000);
    } catch (err) {
      this.running[engine] = null;
      job.reject(err as Error);
      return;
    }
    const run = e.run(config, config.runTimeoutMs);
    // The run request spawned the process when none was up: its generation is known now.
    this.last.set(job.model, { engine, generation: e.generation });
    run.then(job.resolve, job.reject).finally(() => {
      this.running[engine] = null;
      if (!this.closed) this.dispatch();
    });
  }
}
