/** Entry of the report thread (see report-render.ts): renders HTML reports, one at a time. */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import { renderHtml } from '../report/html/index.js';
import type { HtmlInput } from '../report/index.js';

// The lowest CPU priority for this thread alone (Linux priorities are per thread): rendering runs on
// idle CPU, after scrapes. Elsewhere it keeps its priority.
try {
  setPriority(Number(readlinkSync('/proc/thread-self').split('/').pop()), 19);
} catch {
  // no /proc (not Linux), or not permitted
}

parentPort!.on('message', (m: { id: number; input: HtmlInput }) => {
  renderHtml(m.input).then(
    (html) => parentPort!.postMessage({ id: m.id, html }),
    (err: unknown) => parentPort!.postMessage({ id: m.id, error: err instanceof Error ? err.message : String(err) }),
  );
});
