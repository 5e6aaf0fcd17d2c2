/**
 * /report and /report/<model>: the HTML report of the last published
 * results, rendered on a thread of its own (drawing 200 plots takes
 * seconds, and a scrape must never wait behind it), started at the first
 * request. A page is rendered once per change of what it shows, and
 * renders waiting at once are bounded: beyond that a request is refused as
 * busy instead of queueing.
 */
import { Worker } from 'node:worker_threads';
import type { HtmlInput } from '../report/index.js';
import type { ExporterState, ModelStatus } from './state.js';

/** Distinct pages being rendered at most; more are refused as busy. */
const MAX_RENDERS = 4;

/** A render that takes longer is abandoned (and its thread replaced). */
const RENDER_TIMEOUT_MS = 120_000;

/** The page was not rendered: too many renders waiting, or the renderer failed. */
export class RenderBusyError extends Error {
  override name = 'RenderBusyError';
}

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : 'never');

/** A model's run state in words, as the report's header shows it. */
export function runState(m: ModelStatus): string {
  const last = !m.lastRun
    ? 'no run yet'
    : m.lastRun.ok
      ? `last run ${iso(m.lastRun.endedAt)} ok (${m.lastRun.durationS.toFixed(3)} s)`
      : `last run ${iso(m.lastRun.endedAt)} FAILED: ${m.lastRun.error ?? 'unknown error'}`;
  const shown = m.report ? `; showing the last successful run (${iso(m.lastSuccess)})` : '; no successful run yet';
  return `${last}${m.running ? ' (a run is in progress)' : ''}${shown}`;
}

/** The page's input: every configured model (or one), each with its state and last successful report. */
export function reportInput(state: ExporterState, name: string, model?: string): HtmlInput {
  const listed = state.list().filter((m) => model === undefined || m.name === model);
  return {
    title: model === undefined ? `${name}: drift report` : `${name}: drift report of ${model}`,
    report: { generated_at: new Date().toISOString(), models: listed.flatMap((m) => (m.report ? [m.report] : [])) },
    models: listed.map((m) => ({ model: m.name, state: runState(m) })),
  };
}

/** Renders report pages on one worker thread, caching the last page of each route. */
export class ReportRenderer {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (html: string) => void; reject: (err: Error) => void; timer: NodeJS.Timeout }>();
  /** Per route: what the page was rendered from (its input as JSON, less the time), and the page. */
  private readonly cache = new Map<string, { key: string; page: Promise<string> }>();

  /** The page of `route` for `input`: the cached one when the input is unchanged. */
  render(route: string, input: HtmlInput): Promise<string> {
    const key = JSON.stringify({ ...input, report: { ...input.report, generated_at: '' } });
    const hit = this.cache.get(route);
    if (hit && hit.key === key) return hit.page;
    if (this.pending.size >= MAX_RENDERS) return Promise.reject(new RenderBusyError(`${MAX_RENDERS} report pages are being rendered; try again shortly`));
    const page = this.post(input);
    this.cache.set(route, { key, page });
    // A failed render is not kept: the next request tries again.
    page.catch(() => {
      if (this.cache.get(route)?.page === page) this.cache.delete(route);
    });
    // Routes of models no longer configured are dropped with the next render.
    if (this.cache.size > 1000) this.cache.clear();
    return page;
  }

  /** Ends the thread (at shutdown). */
  close(): void {
    void this.worker?.terminate();
    this.worker = null;
  }

  private post(input: HtmlInput): Promise<string> {
    const worker = this.thread();
    const id = this.nextId++;
    if (this.pending.size === 0) worker.ref();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.fail(worker, new Error(`rendering the report took more than ${RENDER_TIMEOUT_MS / 1000} s`));
        void worker.terminate();
      }, RENDER_TIMEOUT_MS);
      this.pending.set(id, { resolve, reject, timer });
      worker.postMessage({ id, input });
    });
  }

  private settle(id: number, worker: Worker, outcome: { html?: string; error?: string }): void {
    const p = this.pending.get(id);
    this.pending.delete(id);
    if (this.pending.size === 0) worker.unref();
    if (!p) return;
    clearTimeout(p.timer);
    if (outcome.html !== undefined) p.resolve(outcome.html);
    else p.reject(new Error(`the report could not be rendered: ${outcome.error}`));
  }

  private fail(worker: Worker, err: Error): void {
    if (this.worker === worker) this.worker = null;
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(err);
    }
    this.pending.clear();
  }

  private thread(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(new URL('./report-thread.js', import.meta.url));
    worker.on('message', (m: { id: number; html?: string; error?: string }) => this.settle(m.id, worker, m));
    worker.on('error', (err) => this.fail(worker, err));
    worker.on('exit', (code) => this.fail(worker, new Error(`the report thread exited (code ${code})`)));
    worker.unref();
    this.worker = worker;
    return worker;
  }
}
