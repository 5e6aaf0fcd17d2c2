/**
 * What a summary thread holds and does: its baseline summaries and the
 * window columns counted against them. The same code answers on a worker
 * (summary-thread.ts) and, for small columns, on the main thread (pool.ts).
 * Pure computation: no I/O here.
 */
import type { NumericSummary } from '../../stats/index.js';
import { sortDoubles, sortSegments, summarizeBaseline, WindowSummary, type BaselineSummary } from '../../stats/streaming/index.js';
import type { Request } from './protocol.js';

/** One thread's summaries and the answers to its requests. */
export class SummaryStore {
  /** Baseline summaries made here, by key: they stay here, where their window columns are counted. */
  private readonly baselines = new Map<number, BaselineSummary>();
  private readonly summaries = new Map<number, WindowSummary>();

  /** The answer to one request, and the buffers it hands back. */
  handle(req: Request): { value: unknown; transfer?: ArrayBuffer[] } {
    const { baselines, summaries } = this;
    switch (req.op) {
      case 'summarize':
        // The values go back, unused: the summary holds arrays of its own, and the row-sized buffer would
        // otherwise wait for this thread's next collection (a thread allocates little, so that can be long).
        return { value: this.keep(req.key, sortDoubles(req.values)), transfer: [req.values.buffer as ArrayBuffer] };
      case 'adopt':
        baselines.set(req.key, req.summary as BaselineSummary);
        return { value: null };
      case 'give':
        return { value: baselines.get(req.key) };
      case 'forget':
        baselines.delete(req.key);
        return { value: null };
      case 'open': {
        // The columns opened together share one budget of collected values.
        const pool = { free: req.budget };
        req.keys.forEach((key, i) => summaries.set(key, new WindowSummary(baselines.get(req.baselines[i])!, { values: req.budget, pool, buffer: req.buffer, expect: req.rows[i] })));
        return { value: null };
      }
      case 'settle': {
        // The values go back for the next scan to fill.
        const s = WindowSummary.ofValues(baselines.get(req.baseline)!, req.values, { sorted: req.sorted });
        s.endPass();
        return { value: { stats: s.m > 0 ? s.finish() : null, finite: s.m, values: req.values }, transfer: [req.values.buffer as ArrayBuffer] };
      }
      case 'summarizeSegments': {
        // A baseline column grouped by segment: each wanted slice summarized from its sorted values, and the whole
        // from the slices merged (no second sort). The values are consumed.
        const { values, bounds, keys, whole } = req;
        const info: ({ finite: number; intervals: number; bytes: number } | null)[] = keys.map(() => null);
        const r = sortSegments(
          values,
          bounds,
          (i, part) => {
            if (keys[i] === 0) return null;
            const sorted = sortDoubles(part);
            info[i] = this.keep(keys[i], sorted);
            return sorted;
          },
          whole !== 0,
          (i) => keys[i] === 0,
        );
        return { value: { whole: whole === 0 ? null : this.keep(whole, r.whole!), parts: info } };
      }
      case 'settleSegments': {
        // A window column grouped by segment: each segment sorted once (while it is settled against its baseline),
        // and the whole column merged from the sorted segments. A segment whose baseline lives in another thread
        // goes back sorted.
        const parts: { stats: NumericSummary | null; finite: number; sorted?: Float64Array }[] = [];
        const transfer: ArrayBuffer[] = [req.values.buffer as ArrayBuffer];
        const r = sortSegments(
          req.values,
          req.bounds,
          (i, part) => {
            parts.push({ stats: null, finite: 0 });
            if (req.send[i]) {
              // Copied before the merge moves the values.
              const sorted = sortDoubles(part);
              parts[i].sorted = sorted.slice();
              transfer.push(parts[i].sorted!.buffer as ArrayBuffer);
              return sorted;
            }
            const key = req.segments[i];
            if (key === 0 || part.length === 0) return null;
            // The settle sorts a copy of the values: the sorted ones are put back for the merge.
            const s = WindowSummary.ofValues(baselines.get(key)!, part, { onSorted: (v) => part.set(v) });
            s.endPass();
            parts[i].stats = s.m > 0 ? s.finish() : null;
            return part.subarray(0, s.m);
          },
          true,
        );
        r.finite.forEach((n, i) => (parts[i].finite = n));
        const s = WindowSummary.ofValues(baselines.get(req.whole)!, r.whole!, { sorted: true });
        s.endPass();
        return { value: { whole: { stats: s.m > 0 ? s.finish() : null, finite: s.m }, parts, values: req.values }, transfer };
      }
      case 'add': {
        const s = summaries.get(req.key)!;
        s.add(req.values, req.count);
        // The buffer goes back to be filled again.
        return { value: req.values, transfer: [req.values.buffer as ArrayBuffer] };
      }
      case 'endPass': {
        // Together: the columns share a pool, which each gives back before any takes for its next pass.
        const again = WindowSummary.endPasses(req.keys.map((key) => summaries.get(key)!));
        return { value: req.keys.filter((_, i) => again[i]) };
      }
      case 'finish':
        return {
          value: req.keys.map((key) => {
            const s = summaries.get(key)!;
            summaries.delete(key);
            return { missing: s.missing, stats: s.m > 0 ? s.finish() : null };
          }),
        };
      case 'drop':
        for (const key of req.keys) summaries.delete(key);
        return { value: null };
    }
  }

  /** Keeps the summary of sorted finite baseline values under `key` (none when empty), and says what it holds. */
  private keep(key: number, sorted: Float64Array): { finite: number; intervals: number; bytes: number } {
    if (sorted.length === 0) return { finite: 0, intervals: 0, bytes: 0 };
    const summary = summarizeBaseline(sorted);
    this.baselines.set(key, summary);
    return { finite: summary.n, intervals: summary.grid.bnd.length + 1, bytes: summaryBytes(summary) };
  }
}

/** The bytes a summary keeps alive: its arrays' whole buffers (points and counts may be views of row-sized ones). */
function summaryBytes(s: BaselineSummary): number {
  const { grid } = s;
  const arrays = [s.points, s.counts, s.edges, s.edgeAt, grid.bnd, grid.up, grid.region, grid.top, grid.index.table, grid.index.leafAt, grid.index.leafShift, grid.index.leaves];
  const buffers = new Set(arrays.flatMap((a) => (a ? [a.buffer] : [])));
  let bytes = 0;
  for (const b of buffers) bytes += b.byteLength;
  return bytes;
}
