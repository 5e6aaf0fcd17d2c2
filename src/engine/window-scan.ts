/**
 * Reading a window for one run: every numeric feature streamed through its
 * baseline's summary on the summary threads, kept whole or counted on grids,
 * and every categorical feature grouped in one scan.
 */
import { categoryCountsAll, countRows, DataSourceError, forgetProfile, streamNumeric, type BaselineProfile, type FeatureColumn, type Source, type TimeFilter, type withConnection } from '../data/index.js';
import type { NumericSummary } from '../stats/index.js';
import { InconsistentPassError } from '../stats/streaming/index.js';
import { settleOffThread, SummaryThreadError, WindowColumns, type BaselineRef } from './threads/index.js';

type Connection = Parameters<Parameters<typeof withConnection>[0]>[0];

/** A baseline profile whose numeric summaries live on the summary threads. */
export type Profile = BaselineProfile<BaselineRef>;

/** The phases a run reports, in order. */
export type Phase = 'baseline profile' | 'window numeric scan' | 'window numeric settle' | 'window categorical' | 'compare';

/** What the window contributes to each comparable feature. */
export interface WindowData {
  rows: number;
  /** The newest timestamp in the window (Unix ms); null without a timestamp column or rows. */
  newest: number | null;
  missing: Map<string, number>;
  /** Null when the baseline has no finite value, so nothing is compared. */
  numeric: Map<string, NumericSummary | null>;
  categorical: Map<string, Map<string, number>>;
}

/** Per-run memory for window summaries; numeric features beyond it are read in further scans. */
const SUMMARY_BUDGET_BYTES = 256 * 1024 * 1024;

/** Window values held in memory at once, by default (8 bytes each: 256 MB): a whole scan's, or a pass's collected ones. */
export const COLLECT_BUDGET_VALUES = 1 << 25;

/** Keeping every numeric value is worth it when the window needs at most this many scans (each reads the filter column again). */
const MAX_KEPT_SCANS = 8;

/** Counts the window's missing values of a feature whose baseline has no finite value. */
class MissingCounter {
  missing = 0;
  add(values: Float64Array, count: number): void {
    for (let r = 0; r < count; r++) if (values[r] - values[r] !== 0) this.missing++;
  }
}

/**
 * Reads the window: every numeric feature streamed through a summary of its
 * baseline, and every categorical feature grouped in one scan. When the
 * numeric values fit in `budget` within a few scans, each scan keeps its
 * columns' values and each column ends with a sort and one merge with its
 * baseline; otherwise they are counted on grids (one scan per batch of
 * features, then passes over the columns whose open intervals need another
 * look), in memory that does not grow with the window.
 */
export async function readWindow(
  conn: Connection,
  window: Source,
  comparable: readonly FeatureColumn[],
  baseline: Profile,
  filter: TimeFilter | null,
  budget: number,
  phase: (name: Phase) => void,
  progress: (step: string, done: number, total: number) => void,
): Promise<WindowData> {
  const out: WindowData = { rows: -1, newest: null, missing: new Map(), numeric: new Map(), categorical: new Map() };
  const numeric = comparable.filter((c) => c.type === 'numeric').map((c) => c.name);
  // The row count sizes the numeric scans; the newest time in the window shows whether logs still arrive.
  const counted = numeric.length > 0 || filter ? await countRows(conn, window, [], filter) : null;
  out.newest = counted?.newest ?? null;
  const rows = counted?.rows ?? 0;
  const scans = planScans(numeric, baseline, rows, budget);
  // A kept scan's columns are sorted and merged on the threads while the next scan streams;
  // their buffers come back to be filled by a later scan.
  let settling: Promise<void> = Promise.resolve();
  const spare: Float64Array[] = [];
  try {
    for (const [b, scan] of scans.entries()) {
      progress(`scanning the window: ${numeric.length} numeric columns`, b, scans.length);
      if (scan.keep) {
        const { settled } = await keptScan(conn, window, scan.names, baseline, filter, rows, spare, out);
        await settling;
        settling = settled;
        phase('window numeric scan');
      } else {
        await settling;
        await gridScan(conn, window, scan.names, baseline, filter, budget, rows, out, phase, (step) => progress(step, b, scans.length));
      }
    }
    await settling;
  } catch (err) {
    // The next run computes the baseline's summaries again.
    if (err instanceof SummaryThreadError) forgetProfile(baseline.source.spec);
    throw err;
  }
  phase('window numeric settle');
  const categorical = comparable.filter((c) => c.type === 'categorical').map((c) => c.name);
  progress(`counting ${categorical.length} categorical columns`, 0, 1);
  for (const [name, col] of await categoryCountsAll(conn, window, categorical, filter)) {
    out.categorical.set(name, col.counts);
    out.missing.set(name, col.missing);
    if (out.rows < 0) {
      out.rows = col.missing;
      for (const n of col.counts.values()) out.rows += n;
    }
  }
  phase('window categorical');
  if (out.rows < 0) out.rows = counted ? counted.rows : (await countRows(conn, window, [], filter)).rows;
  return out;
}

/** A window whose rows changed between two reads of one run gets its own error; any other error is returned as it is. */
function changedOr(err: unknown, window: Source): unknown {
  // By name: the error may come from a summary thread.
  if (!(err instanceof Error) || err.name !== 'InconsistentPassError') return err;
  return new DataSourceError(`window ${window.spec}: its rows changed while this run read them (${err.message}); the next run reads them again`);
}

/**
 * Streams a scan's columns, keeping every value (at most `rows` per column;
 * missing ones too, as NaN), and returns the promise of their statistics and
 * missing counts: each column's finite values sorted and merged with its
 * baseline on the threads.
 */
async function keptScan(
  conn: Connection,
  window: Source,
  names: readonly string[],
  baseline: Profile,
  filter: TimeFilter | null,
  rows: number,
  spare: Float64Array[],
  out: WindowData,
): Promise<{ settled: Promise<void> }> {
  const kept = names.map(() => spare.pop() ?? new Float64Array(rows));
  // Whole chunks are kept, missing values (NaN) included: the threads skip them while sorting.
  let filled = 0;
  try {
    out.rows = await streamNumeric(conn, window, names, filter, (values, count) => {
      if (filled + count > rows) throw new InconsistentPassError(`more than the ${rows} rows counted`);
      for (let c = 0; c < names.length; c++) kept[c].set(values[c].subarray(0, count), filled);
      filled += count;
    });
  } catch (err) {
    throw changedOr(err, window);
  }
  const settled = Promise.all(
    names.map(async (name, c) => {
      const ref = baseline.numeric.get(name);
      const values = kept[c].subarray(0, filled);
      kept[c] = new Float64Array(0);
      if (!ref) {
        // No baseline values to compare with: only the missing ones are counted.
        let missing = 0;
        for (let r = 0; r < values.length; r++) if (values[r] - values[r] !== 0) missing++;
        out.missing.set(name, missing);
        out.numeric.set(name, null);
        spare.push(new Float64Array(values.buffer));
        return;
      }
      const length = values.length; // the buffer is handed over, and comes back with the result
      const settled = await settleOffThread(ref, values);
      out.missing.set(name, length - settled.finite);
      out.numeric.set(name, settled.stats);
      spare.push(new Float64Array(settled.values.buffer));
    }),
  ).then(() => undefined);
  // Awaited by the caller after the next scan; until then a failure must not count as unhandled.
  settled.catch(() => undefined);
  return { settled };
}

/**
 * Counts a batch's columns on their baselines' grids, then reads again the
 * columns whose open intervals need their values, until all are settled.
 */
async function gridScan(
  conn: Connection,
  window: Source,
  batch: readonly string[],
  baseline: Profile,
  filter: TimeFilter | null,
  budget: number,
  rows: number,
  out: WindowData,
  phase: (name: Phase) => void,
  progress: (step: string) => void,
): Promise<void> {
  // Columns whose baseline has no finite value only count missing values, here; the others go to the threads.
  const summarized = batch.flatMap((name, c) => (baseline.numeric.get(name) ? [c] : []));
  const counters = new Map(batch.flatMap((name, c) => (baseline.numeric.get(name) ? [] : [[c, new MissingCounter()] as const])));
  const cols = await WindowColumns.open(
    summarized.map((c) => baseline.numeric.get(batch[c])!),
    budget,
    rows,
  );
  try {
    const picked: Float64Array[] = new Array(summarized.length);
    out.rows = await streamNumeric(conn, window, batch, filter, (values, count) => {
      for (const [c, counter] of counters) counter.add(values[c], count);
      for (let k = 0; k < summarized.length; k++) picked[k] = values[summarized[k]];
      return cols.add(picked, count);
    });
    phase('window numeric scan');
    // Further passes read only the columns whose open intervals need their values again.
    let open = await cols.endPass();
    for (let pass = 2; open.length > 0; pass++) {
      progress(`pass ${pass} over ${open.length} numeric columns`);
      try {
        await streamNumeric(conn, window, open.map((k) => batch[summarized[k]]), filter, (values, count) => cols.add(values, count));
        open = await cols.endPass();
      } catch (err) {
        throw changedOr(err, window);
      }
    }
    (await cols.finish()).forEach((r, k) => {
      out.missing.set(batch[summarized[k]], r.missing);
      out.numeric.set(batch[summarized[k]], r.stats);
    });
  } finally {
    cols.close();
  }
  for (const [c, counter] of counters) {
    out.missing.set(batch[c], counter.missing);
    out.numeric.set(batch[c], null);
  }
}

/**
 * The window's numeric scans. When at most MAX_KEPT_SCANS scans, each
 * keeping half the budget's values (one scan streams while the one before
 * is settled), hold them all, every value is kept; otherwise grids.
 */
function planScans(names: readonly string[], baseline: Profile, rows: number, budget: number): { names: string[]; keep: boolean }[] {
  if (names.length === 0) return [];
  const perScan = rows > 0 ? Math.floor(budget / 2 / rows) : names.length;
  const count = perScan > 0 ? Math.ceil(names.length / perScan) : Infinity;
  if (count <= MAX_KEPT_SCANS) {
    // Even scans, so that each gives every thread work.
    const size = Math.ceil(names.length / count);
    return Array.from({ length: count }, (_, i) => ({ names: names.slice(i * size, (i + 1) * size), keep: true })).filter((s) => s.names.length > 0);
  }
  return gridBatches(names, baseline).map((batch) => ({ names: batch, keep: false }));
}

/** Splits numeric features into scans whose window summaries fit SUMMARY_BUDGET_BYTES together. */
function gridBatches(names: readonly string[], baseline: Profile): string[][] {
  const out: string[][] = [];
  let current: string[] = [];
  let bytes = 0;
  for (const name of names) {
    // A pass's grid lives in a kernel instance of its own: per interval its bound, two counts, a Σ and index
    // entries (~32 bytes; a later pass's grid may hold twice as many intervals), and a 256 KiB value buffer.
    const size = (baseline.numeric.get(name)?.intervals ?? 0) * 64 + (256 << 10);
    if (current.length > 0 && bytes + size > SUMMARY_BUDGET_BYTES) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(name);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}
