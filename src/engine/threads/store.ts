/**
 * What a summary thread holds and does: its baseline summaries and the
 * window columns counted against them. The same code answers on a worker
 * (summary-thread.ts) and, for small columns, on the main thread (pool.ts).
 * Pure computation: no I/O here.
 */
import type { NumericSummary } from '../../stats/index.js';
import { groupBySegment, sortDoubles, sortSegments, summarizeValues, WindowSummary, type BaselineSummary } from '../../stats/streaming/index.js';
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
      case 'summarize': {
        const summary = summarizeValues(req.values);
        if (!summary) return { value: { finite: 0, intervals: 0 } };
        baselines.set(req.key, summary);
        return { value: { finite: summary.n, intervals: summary.grid.bnd.length + 1, bytes: summaryBytes(summary) } };
      }
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
        req.keys.forEach((key, i) => summaries.set(key, new WindowSummary(baselines.get(req.baselines[i])!, { values: req.budget, pool })));
        return { value: null };
      }
      case 'settle': {
        // The values go back for the next scan to fill.
        const s = WindowSummary.ofValues(baselines.get(req.baseline)!, req.values, { sorted: req.sorted });
        s.endPass();
        return { value: { stats: s.m > 0 ? s.finish() : null, finite: s.m, values: req.values }, transfer: [req.values.buffer as ArrayBuffer] };
      }
      case 'settleSegments': {
        // Each segment is sorted once (while it is settled against its baseline), and the whole column is
        // merged from the sorted segments. A segment whose baseline lives in another thread goes back sorted.
        const g = groupBySegment(req.values, req.segs, req.segments.length);
        const parts: { stats: NumericSummary | null; finite: number; sorted?: Float64Array }[] = [];
        const transfer: ArrayBuffer[] = [req.values.buffer as ArrayBuffer];
        const whole = sortSegments(g, req.values, (i, part) => {
          parts.push({ stats: null, finite: part.length });
          if (req.send[i]) {
            // Copied before the merge reuses the buffer.
            const sorted = sortDoubles(part).slice();
            parts[i].sorted = sorted;
            transfer.push(sorted.buffer);
            return true;
          }
          const key = req.segments[i];
          if (key === 0 || part.length === 0) return false;
          const s = WindowSummary.ofValues(baselines.get(key)!, part, { onSorted: (v) => part.set(v) });
          s.endPass();
          parts[i].stats = s.finish();
          return true;
        });
        const s = WindowSummary.ofValues(baselines.get(req.whole)!, whole, { sorted: true });
        s.endPass();
        return { value: { whole: { stats: s.m > 0 ? s.finish() : null, finite: s.m }, parts, rows: g.rows, values: req.values }, transfer };
      }
      case 'add': {
        const s = summaries.get(req.key)!;
        s.add(req.values, req.count);
        // The buffer goes back to be filled again.
        return { value: req.values, transfer: [req.values.buffer as ArrayBuffer] };
      }
      case 'endPass':
        return { value: req.keys.filter((key) => summaries.get(key)!.endPass()) };
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
