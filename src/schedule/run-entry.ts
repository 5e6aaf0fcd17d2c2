/**
 * Entry of an engine process: runs one model at a time for the scheduler,
 * which forks one such process per model and keeps it between runs so that
 * the engine's baseline-profile cache (per process) is reused.
 */
import type { ModelConfig } from '../config/index.js';
import { runModel } from '../engine/index.js';
import { toWire, type WireError } from '../report/index.js';

/** A request from the scheduler. */
export interface RunRequest {
  id: number;
  model: ModelConfig;
}

/** The answer to a RunRequest; `report` is a ModelReport. */
export type RunReply = { id: number; ok: true; report: unknown } | { id: number; ok: false; error: WireError };

// The parent decides when this process ends: a Ctrl-C reaches the whole
// process group, and the parent wants the run in progress to finish first.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => {});
// Parent gone: nobody wants the result. A hard exit, because DuckDB may be mid-query.
process.on('disconnect', () => process.kill(process.pid, 'SIGKILL'));

process.on('message', (msg: RunRequest) => {
  void handle(msg).then((reply) => process.send?.(reply));
});

async function handle(msg: RunRequest): Promise<RunReply> {
  try {
    return { id: msg.id, ok: true, report: await runModel(msg.model) };
  } catch (err) {
    return { id: msg.id, ok: false, error: toWire(err) };
  }
}
