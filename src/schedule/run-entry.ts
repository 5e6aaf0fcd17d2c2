/**
 * Entry of an engine process of the pool: runs one model at a time for the
 * scheduler, any model it is sent, and is kept between runs so that its
 * baseline-profile cache is reused. Its bounds (DuckDB's memory and threads,
 * the cache's budget) come as JSON in argv[2], before anything runs.
 */
import type { ModelConfig } from '../config/index.js';
import { configureEngine, engineStats, runModel, type EngineBounds, type EngineStats } from '../engine/index.js';
import { toWire, type WireError } from '../report/index.js';

/** A request from the scheduler. */
export interface RunRequest {
  id: number;
  model: ModelConfig;
}

/** The answer to a RunRequest, with the process's stats after it; `report` is a ModelReport. */
export type RunReply = ({ id: number; ok: true; report: unknown } | { id: number; ok: false; error: WireError }) & { stats: EngineStats };

// The parent decides when this process ends: a Ctrl-C reaches the whole
// process group, and the parent wants the run in progress to finish first.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => {});
// Parent gone: nobody wants the result. A hard exit, because DuckDB may be mid-query.
process.on('disconnect', () => process.kill(process.pid, 'SIGKILL'));

if (process.argv[2]) configureEngine(JSON.parse(process.argv[2]) as EngineBounds);

process.on('message', (msg: RunRequest) => {
  void handle(msg).then((reply) => process.send?.({ ...reply, stats: engineStats() }));
});

async function handle(msg: RunRequest) {
  try {
    return { id: msg.id, ok: true as const, report: await runModel(msg.model) };
  } catch (err) {
    return { id: msg.id, ok: false as const, error: toWire(err) };
  }
}
