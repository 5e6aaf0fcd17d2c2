/**
 * Runs every model on its cron schedule, each independently (its own
 * timeout, no overlapping runs), in a bounded pool of engine processes.
 * Results go out through RunEvents; the scheduler knows nothing of metrics or HTTP.
 */
import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from 'pino';
import type { ModelConfig } from '../config/index.js';
import type { ModelReport } from '../report/index.js';
import { EnginePool, RunCancelledError, type PoolEvents, type PoolOptions } from './engine-pool.js';

/** Timing of a finished run. */
export interface RunTiming {
  durationS: number;
  endedAt: Date;
}

/** What the scheduler reports; each call is made synchronously in one tick. */
export interface RunEvents extends PoolEvents {
  /** An engine took the model's run after it waited `waitS` in the queue. */
  started(model: string, waitS: number): void;
  succeeded(report: ModelReport, timing: RunTiming): void;
  failed(model: string, error: Error, timing: RunTiming): void;
  /** A scheduled tick came while the model's previous run was still in progress. */
  skipped(model: string): void;
}

/** Which models a reload added, removed or changed. */
export interface ApplyResult {
  added: string[];
  removed: string[];
  changed: string[];
}

/**
 * One cron task per distinct schedule, shared by the models on it: node-cron
 * works out every task's next match each second, and a fleet on one schedule
 * would otherwise pay that (and a burst of it, on the loop) once per model.
 */
class Ticks {
  private readonly tasks = new Map<string, { task: ScheduledTask; listeners: Set<() => void> }>();

  constructor(private readonly log: Logger) {}

  /** Calls `listener` on each tick of `schedule`, in the order the listeners subscribed; returns the unsubscribe. */
  subscribe(schedule: string, listener: () => void): () => void {
    let entry = this.tasks.get(schedule);
    if (!entry) {
      const listeners = new Set<() => void>();
      const task = cron.createTask(schedule, () => {
        for (const l of listeners) l();
      }, { name: `drift:${schedule}`, logger: cronLogger(this.log.child({ schedule })) });
      entry = { task, listeners };
      this.tasks.set(schedule, entry);
      void task.start();
    }
    const { listeners } = entry;
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0 && this.tasks.get(schedule)?.listeners === listeners) {
        this.tasks.get(schedule)!.task.destroy();
        this.tasks.delete(schedule);
      }
    };
  }
}

/** The cron-driven runs of a set of models. */
export class Scheduler {
  private readonly runners = new Map<string, ModelRunner>();
  private readonly ticks: Ticks;
  /** The engine processes every model's runs share. */
  readonly pool: EnginePool;

  constructor(
    private readonly events: RunEvents,
    private readonly log: Logger,
    pool: PoolOptions = { processes: 1, bounds: null },
  ) {
    this.pool = new EnginePool(pool, events);
    this.ticks = new Ticks(log);
  }

  /**
   * Makes `models` the scheduled set: removed models stop at once (their run
   * is abandoned), new and changed ones run now and then on their schedule.
   */
  apply(models: readonly ModelConfig[]): ApplyResult {
    const result: ApplyResult = { added: [], removed: [], changed: [] };
    const names = new Set(models.map((m) => m.name));
    for (const [name, runner] of this.runners) {
      if (names.has(name)) continue;
      void runner.stop(0);
      this.runners.delete(name);
      result.removed.push(name);
    }
    for (const model of models) {
      const runner = this.runners.get(model.name);
      if (!runner) {
        const r = new ModelRunner(model, this.pool, this.ticks, this.events, this.log.child({ model: model.name }));
        this.runners.set(model.name, r);
        r.start();
        result.added.push(model.name);
      } else if (!sameConfig(runner.model, model)) {
        runner.update(model);
        result.changed.push(model.name);
      }
    }
    return result;
  }

  /** Stops every schedule, drops queued runs, gives runs in progress up to `graceMs` to finish, then kills the engines. */
  async stop(graceMs: number): Promise<void> {
    await Promise.all([...this.runners.values()].map((r) => r.stop(graceMs)));
    this.pool.close(new Error('stopped'));
  }
}

// Configs are plain data built in a fixed key order by the loader, so their JSON compares them.
const sameConfig = (a: ModelConfig, b: ModelConfig) => JSON.stringify(a) === JSON.stringify(b);

/** One model: its schedule's ticks, and at most one run at a time, queued or running in the pool. */
class ModelRunner {
  private unsubscribe: (() => void) | null = null;
  private inFlight: Promise<void> | null = null;
  /** The run in flight has left the queue: a config change now needs another run. */
  private started = false;
  /** Run again as soon as the current run ends (the config changed during it). */
  private rerun = false;
  /** Stopped: results of an abandoned run are dropped. */
  private closed = false;
  private skips = 0;

  constructor(
    public model: ModelConfig,
    private readonly pool: EnginePool,
    private readonly ticks: Ticks,
    private readonly events: RunEvents,
    private readonly log: Logger,
  ) {}

  /** Schedules the model and starts its first run. */
  start(): void {
    this.schedule();
    this.runSoon();
  }

  /** Takes a changed config: reschedules when the cron changed, and runs with the new config. */
  update(model: ModelConfig): void {
    const rescheduled = model.schedule !== this.model.schedule;
    this.model = model;
    if (rescheduled) this.schedule();
    this.runSoon();
  }

  /** Stops ticking and drops a queued run; waits up to `graceMs` for the run in progress, then kills its engine process. */
  async stop(graceMs: number): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.rerun = false;
    if (this.pool.cancel(this.model.name)) this.closed = true;
    if (this.inFlight && graceMs > 0 && !this.closed) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.inFlight, new Promise((r) => (timer = setTimeout(r, graceMs)))]);
      clearTimeout(timer);
    }
    if (this.inFlight && !this.closed) {
      this.log.warn('run abandoned: the model is stopping');
      this.pool.kill(this.model.name, new Error('stopped'));
    }
    this.closed = true;
  }

  private schedule(): void {
    this.unsubscribe?.();
    this.unsubscribe = this.ticks.subscribe(this.model.schedule, () => this.tick());
  }

  private tick(): void {
    if (!this.inFlight) return this.run();
    this.events.skipped(this.model.name);
    // One line per overlapped run, not one per tick: the counter has the rest.
    if (this.skips++ === 0) this.log.warn({ schedule: this.model.schedule }, 'scheduled tick skipped: the previous run is still in progress');
  }

  private runSoon(): void {
    // Still queued: it will run with the config of when it starts.
    if (this.inFlight) this.rerun ||= this.started;
    else this.run();
  }

  private run(): void {
    const name = this.model.name;
    let t0 = performance.now();
    // From the run's start, not its queueing (run_timeout counts from there too).
    const timing = () => ({ durationS: (performance.now() - t0) / 1000, endedAt: new Date() });
    this.skips = 0;
    this.started = false;
    const onStart = (waitS: number) => {
      t0 = performance.now();
      this.started = true;
      this.events.started(name, waitS);
      this.log.info({ queue_wait_ms: Math.round(waitS * 1000) }, 'run started');
    };
    this.inFlight = this.pool
      .submit(name, () => this.model, onStart)
      .then(
        (report) => {
          if (this.closed) return;
          const t = timing();
          this.events.succeeded(report, t);
          const drifted = report.features.filter((f) => f.drift).map((f) => f.feature);
          this.log.info(
            {
              duration_ms: Math.round(t.durationS * 1000),
              status: report.status,
              window_rows: report.window.rows,
              window_end: report.window.end ?? report.as_of,
              newest_event: report.window.newest_event,
              baseline_rows: report.baseline.rows,
              drift: report.drift,
              drift_share: report.drift_share,
              drifted,
              feature_errors: report.feature_errors,
            },
            'run finished',
          );
        },
        (err: Error) => {
          if (this.closed || err instanceof RunCancelledError) return;
          const t = timing();
          this.events.failed(name, err, t);
          this.log.error({ duration_ms: Math.round(t.durationS * 1000), error: err.message, error_type: err.name }, 'run failed');
        },
      )
      .catch((err: unknown) => this.log.error({ error: String(err) }, 'internal error while recording a run'))
      .finally(() => {
        this.inFlight = null;
        this.started = false;
        if (this.rerun && !this.closed) {
          this.rerun = false;
          this.run();
        }
      });
  }
}

/** Routes node-cron's own messages (e.g. missed ticks) into the JSON log. */
function cronLogger(log: Logger) {
  return {
    info: (m: string) => log.debug(m),
    debug: (m: string | Error) => log.debug(String(m)),
    warn: (m: string) => log.warn(m),
    error: (m: string | Error, err?: Error) => log.error({ error: (err ?? m) instanceof Error ? String(err ?? m) : undefined }, String(m)),
  };
}
