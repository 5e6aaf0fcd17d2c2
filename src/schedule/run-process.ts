/**
 * A long-lived engine process of the pool, running one model at a time. A forked process rather than a
 * worker thread: DuckDB's native queries cannot be interrupted from outside,
 * and Worker.terminate() during one blocks until the query ends and then
 * aborts the whole process. A child process can be killed at once.
 */
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { setPriority } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { ModelConfig } from '../config/index.js';
import type { EngineBounds, EngineStats } from '../engine/index.js';
import { ENGINE_NODE_FLAGS } from '../engine/node-flags.js';
import { fromWire, type ModelReport } from '../report/index.js';
import type { RunReply, RunRequest } from './run-entry.js';

const ENTRY = fileURLToPath(new URL('./run-entry.js', import.meta.url));

/**
 * Runs are background work, scrapes are not. A niced process still delays a
 * scrape by tens of milliseconds while it keeps both cores busy; under Linux's
 * SCHED_IDLE it gets the CPU only when the exporter does not want it. util-linux's
 * chrt sets that policy (no privilege needed to lower one's own); it is checked
 * once, and without it the engine is only niced.
 */
let idleLauncher: string | null | undefined;
function findIdleLauncher(): string | null {
  if (idleLauncher === undefined) {
    const chrt = ['/usr/bin/chrt', '/bin/chrt'].find((p) => existsSync(p));
    idleLauncher = chrt && spawnSync(chrt, ['--idle', '0', chrt, '--version'], { stdio: 'ignore', timeout: 10_000 }).status === 0 ? chrt : null;
  }
  return idleLauncher;
}

/** A run that exceeded its model's run_timeout and was abandoned. */
export class RunTimeoutError extends Error {
  override name = 'RunTimeoutError';
}

interface Pending {
  id: number;
  resolve: (r: ModelReport) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

/** Runs models in a child process, one run at a time; a killed process is replaced by the next run. */
export class EngineProcess {
  private child: ChildProcess | null = null;
  private pending: Pending | null = null;
  private nextId = 1;
  /** Processes started so far: a cache lives as long as one generation. */
  generation = 0;

  /**
   * @param bounds the engine's DuckDB and cache bounds (none: DuckDB's defaults, an unbounded cache)
   * @param onStats called with the process's stats after each run
   * @param onGone called when a process ended (killed, or it died)
   */
  constructor(
    private readonly bounds: EngineBounds | null = null,
    private readonly onStats: (s: EngineStats) => void = () => {},
    private readonly onGone: () => void = () => {},
  ) {}

  /** True while a run is in progress. */
  get busy(): boolean {
    return this.pending !== null;
  }

  /** True while a process is up (its cache is warm). */
  get alive(): boolean {
    return this.child !== null;
  }

  /** The process id, while one is up. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Runs the model; rejects with RunTimeoutError after `timeoutMs`, killing the process. */
  run(model: ModelConfig, timeoutMs: number): Promise<ModelReport> {
    if (this.pending) return Promise.reject(new Error('a run is already in progress'));
    const child = this.child ?? this.spawn();
    return new Promise<ModelReport>((resolve, reject) => {
      const id = this.nextId++;
      const timer = setTimeout(() => this.kill(new RunTimeoutError(`run exceeded its run_timeout of ${timeoutMs / 1000} s and was abandoned`)), timeoutMs);
      this.pending = { id, resolve, reject, timer };
      const request: RunRequest = { id, model };
      child.send(request, (err) => {
        if (err) this.kill(new Error(`cannot reach the engine process: ${err.message}`, { cause: err }));
      });
    });
  }

  /** Kills the process at once; a run in progress rejects with `reason`. The next run starts a fresh process. */
  kill(reason: Error): void {
    const child = this.child;
    this.child = null;
    child?.kill('SIGKILL');
    if (child) this.onGone();
    this.settle(null, reason);
  }

  private spawn(): ChildProcess {
    // stdout ignored: the parent's stdout carries JSON log lines only.
    const chrt = findIdleLauncher();
    // chrt execs node in place, so the child keeps its pid and IPC channel.
    // The parent's options, then the engine's own (a later one wins).
    const execArgv = [...process.execArgv, ...ENGINE_NODE_FLAGS];
    const launch = chrt ? { execPath: chrt, execArgv: ['--idle', '0', process.execPath, ...execArgv] } : { execArgv };
    const child = fork(ENTRY, this.bounds ? [JSON.stringify(this.bounds)] : [], { serialization: 'advanced', stdio: ['ignore', 'ignore', 'inherit', 'ipc'], ...launch });
    try {
      // Also niced: the threads it starts inherit both, and nice is all there is without chrt.
      if (child.pid) setPriority(child.pid, 10);
    } catch {
      // Not permitted here: runs keep the default priority.
    }
    child.on('message', (reply: RunReply) => {
      if (this.child === child) this.onStats(reply.stats);
      if (this.pending?.id !== reply.id) return;
      this.settle(reply.ok ? (reply.report as ModelReport) : null, reply.ok ? null : fromWire(reply.error));
    });
    child.on('error', (err) => {
      if (this.child === child) this.kill(new Error(`engine process failed: ${err.message}`, { cause: err }));
    });
    child.on('exit', (code, signal) => {
      if (this.child !== child) return; // killed on purpose
      this.child = null;
      this.onGone();
      this.settle(null, new Error(`engine process exited unexpectedly (${signal ?? `code ${code}`})`));
    });
    this.child = child;
    this.generation++;
    return child;
  }

  private settle(report: ModelReport | null, error: Error | null): void {
    const p = this.pending;
    if (!p) return;
    this.pending = null;
    clearTimeout(p.timer);
    if (report) p.resolve(report);
    else p.reject(error ?? new Error('no result'));
  }
}
