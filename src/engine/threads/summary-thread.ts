/**
 * Entry of a summary thread (see pool.ts): answers the engine's requests
 * from its SummaryStore, so that this work uses every core while the main
 * thread reads DuckDB's chunks.
 */
import { parentPort } from 'node:worker_threads';
import { toWire } from '../../report/index.js';
import { warmKernels } from '../../stats/streaming/kernels.js';
import type { Reply, Request } from './protocol.js';
import { SummaryStore } from './store.js';

const port = parentPort!;
const store = new SummaryStore();
// Before the first request: a thread starts while the engine still reads the baseline.
setImmediate(warmKernels);

port.on('message', (req: Request) => {
  try {
    const { value, transfer } = store.handle(req);
    port.postMessage({ id: req.id, ok: true, value } satisfies Reply, transfer);
  } catch (err) {
    port.postMessage({ id: req.id, ok: false, error: toWire(err) } satisfies Reply);
  }
});
