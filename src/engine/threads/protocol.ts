/** The messages between the engine and its summary threads. */
import type { WireError } from '../../report/index.js';

/** A message to a summary thread; `key` names a baseline summary or a window column within the thread. */
export type Request = { id: number } & (
  | { op: 'summarize'; key: number; values: Float64Array }
  | { op: 'forget'; key: number }
  // A baseline summary moving between threads: 'give' answers with it, 'adopt' keeps it under the key.
  | { op: 'give'; key: number }
  | { op: 'adopt'; key: number; summary: unknown }
  // `buffer`: values each column buffers before counting them (passBuffer); `rows`: the window's (PassLimits.expect).
  | { op: 'open'; keys: number[]; baselines: number[]; budget: number; buffer: number; rows: number[] }
  | { op: 'settle'; baseline: number; values: Float64Array; sorted?: boolean }
  | { op: 'summarizeSegments'; whole: number; keys: number[]; values: Float64Array; bounds: number[] }
  | { op: 'settleSegments'; whole: number; segments: number[]; send: boolean[]; values: Float64Array; bounds: number[] }
  | { op: 'add'; key: number; values: Float64Array; count: number }
  | { op: 'endPass'; keys: number[] }
  | { op: 'finish'; keys: number[] }
  | { op: 'drop'; keys: number[] }
);

/** A summary thread's answer to the request with the same id. */
export type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: WireError };

/** A request without its id, as the engine writes it. */
export type Body = Request extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;
