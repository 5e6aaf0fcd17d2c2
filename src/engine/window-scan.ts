/**
 * Reading a window for one run: every numeric feature streamed through its
 * baseline's summary on the summary threads, kept whole or counted on grids,
 * and every categorical feature grouped in one scan.
 */
import {
  countCategoriesAhead,
  countRows,
  DataSourceError,
  forgetProfile,
  inRows,
  MAX_SCAN_COLUMNS,
  SegmentFill,
  segmentBounds,
  streamNumeric,
  type BaselineProfile,
  type FeatureColumn,
  type Segments,
  type Slot,
  type Source,
  type TimeFilter,
  type withConnection,
} from '../data/index.js';
import type { NumericSummary } from '../stats/index.js';
import { InconsistentPassError, PASS_BUFFERS_VALUES } from '../stats/streaming/index.js';
import { settleOffThread, settleSegmentsOffThread, SummaryThreadError, WindowColumns, type BaselineRef } from './threads/index.js';

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
  /** A segmented window's: per segment id, what its rows contribute (newest null). */
  segments?: WindowData[];
}

/**
 * A segmented window's segments for one run, from its row count: the named
 * keys (segment id = index; the overflow, when there is one, is id
 * keys.length), rows per id, and the baseline profile each id is compared with.
 */
export interface SegmentPlan extends WindowSplit {
  baselines: Profile[];
}

/** A segmented window's segments and rows per id, known before its baseline is profiled. */
export interface WindowSplit {
  segments: Segments;
  rows: number[];
  /** The window's rows, and its newest time (Unix ms; null without a timestamp column or rows). */
  total: number;
  newest: number | null;
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
  plan: SegmentPlan | null = null,
  start: WindowStart | null = null,
): Promise<WindowData> {
  const out: WindowData = { rows: -1, newest: null, missing: new Map(), numeric: new Map(), categorical: new Map() };
  if (plan) out.segments = plan.rows.map((rows) => ({ rows, newest: null, missing: new Map(), numeric: new Map(), categorical: new Map() }));
  const numeric = comparable.filter((c) => c.type === 'numeric').map((c) => c.name);
  // The row count sizes the numeric scans; the newest time in the window shows whether logs still arrive.
  // A segmented window's count (per key) was the plan's.
  const counted = plan ? { rows: plan.total, newest: plan.newest } : start ? start.counted : await countWindow(conn, window, numeric, filter);
  out.newest = counted?.newest ?? null;
  const rows = counted?.rows ?? 0;
  const scans = planScans(numeric, baseline, rows, budget, plan ? plan.rows.length + 1 : 1);
  // A kept scan's columns are sorted and merged on the threads while the next scan streams;
  // their buffers come back to be filled by a later scan.
  let settling: Promise<void> = Promise.resolve();
  const spare: Float64Array[] = [];
  // A segmented window's row places, from its first kept scan.
  let places: Int32Array | null = null;
  const categorical = comparable.filter((c) => c.type === 'categorical').map((c) => c.name);
  // Local files: DuckDB counts the categories beside the numeric scans (if startWindow has not already started);
  // remote ones once the scans have ended.
  const countAhead = start?.categories ?? countCategoriesAhead(conn, window, categorical, filter, { segments: plan?.segments });
  let counting: ReturnType<typeof countAhead> | null = null;
  try {
    for (const [b, scan] of scans.entries()) {
      progress(`scanning the window: ${numeric.length} numeric columns`, b, scans.length);
      if (scan.keep) {
        let settled: Promise<void>;
        // startWindow planned the same first scan (keptScans, same inputs).
        const ahead = b === 0 ? start?.first : undefined;
        if (plan) {
          const read: KeptRead = ahead ?? (await keptSegmentedRead(conn, window, scan.names, filter, rows, spare, plan, places));
          places = read.places ?? null;
          settled = keptSegmentedSettle(read, baseline, spare, out, plan, window);
        } else settled = keptSettle(ahead ?? (await keptRead(conn, window, scan.names, filter, rows, spare)), baseline, spare, out);
        await settling;
        settling = settled;
        phase('window numeric scan');
      } else {
        await settling;
        const step = (s: string) => progress(s, b, scans.length);
        if (plan) await gridSegmentedScan(conn, window, scan.names, baseline, filter, budget, out, phase, step, plan);
        else await gridScan(conn, window, scan.names, baseline, filter, budget, rows, out, phase, step);
      }
    }
    // No scan streams now: a remote window's count starts on the run's connection while the threads settle.
    counting = countAhead();
    counting.catch(() => undefined);
    await settling;
  } catch (err) {
    // The next run computes the baseline's summaries again.
    if (err instanceof SummaryThreadError) forgetProfile(baseline.source.spec);
    throw err;
  }
  phase('window numeric settle');
  progress(`counting ${categorical.length} categorical columns`, 0, 1);
  for (const [name, col] of await counting!) {
    out.categorical.set(name, col.counts);
    out.missing.set(name, col.missing);
    out.segments?.forEach((seg, id) => {
      seg.categorical.set(name, col.segments![id].counts);
      seg.missing.set(name, col.segments![id].missing);
    });
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

/** A kept scan's columns as read: `filled` rows of each (missing values as NaN), `rows` as DuckDB streamed them. */
interface KeptRead {
  names: readonly string[];
  kept: Float64Array[];
  filled: number;
  rows: number;
  /** A segmented scan's row places (SegmentFill), for the later scans. */
  places?: Int32Array;
}

/**
 * What of a window needs no baseline summary, read ahead while the
 * baseline's columns are still being reduced on the threads (see
 * baselineProfile's `meanwhile`): its row count, its categorical counts,
 * and its first kept scan (settled first by readWindow) unless its numeric
 * values are counted on grids (which need the summaries).
 */
export interface WindowStart {
  counted: Awaited<ReturnType<typeof countRows>> | null;
  first: KeptRead | null;
  /** Counting since the start was read (local files; remote ones: from readWindow's call, after its scans). */
  categories: ReturnType<typeof countCategoriesAhead>;
}

/** The start of readWindow (WindowStart), read now; a segmented window's `split` as readWindow's plan will have it. */
export async function startWindow(
  conn: Connection,
  window: Source,
  comparable: readonly FeatureColumn[],
  filter: TimeFilter | null,
  budget: number,
  split: WindowSplit | null,
): Promise<WindowStart> {
  const numeric = comparable.filter((c) => c.type === 'numeric').map((c) => c.name);
  const categorical = comparable.filter((c) => c.type === 'categorical').map((c) => c.name);
  const categories = countCategoriesAhead(conn, window, categorical, filter, { segments: split?.segments });
  const counted = split ? null : await countWindow(conn, window, numeric, filter);
  const rows = split ? split.total : (counted?.rows ?? 0);
  const first = keptScans(numeric, rows, budget)?.[0];
  if (!first) return { counted, first: null, categories };
  const read = split ? await keptSegmentedRead(conn, window, first.names, filter, rows, [], split, null) : await keptRead(conn, window, first.names, filter, rows, []);
  return { counted, first: read, categories };
}

/** The window's row count and newest time, when a numeric feature or the time filter needs them. */
function countWindow(conn: Connection, window: Source, numeric: readonly string[], filter: TimeFilter | null): Promise<Awaited<ReturnType<typeof countRows>>> | null {
  return numeric.length > 0 || filter ? countRows(conn, window, [], filter) : null;
}

/** Streams a scan's columns, keeping every value (at most `rows` per column; missing ones too, as NaN). */
async function keptRead(conn: Connection, window: Source, names: readonly string[], filter: TimeFilter | null, rows: number, spare: Float64Array[]): Promise<KeptRead> {
  const kept = names.map(() => spare.pop() ?? new Float64Array(rows));
  // Whole chunks are kept, missing values (NaN) included: the threads skip them while sorting.
  let filled = 0;
  try {
    const streamed = await streamNumeric(
      conn,
      window,
      names,
      filter,
      (_, count) => {
        if (filled + count > rows) throw new InconsistentPassError(`more than the ${rows} rows counted`);
        filled += count;
      },
      { place: inRows(kept) },
    );
    // A stream that ends early (a scan cut short) is an error, never a smaller window.
    if (filled !== rows) throw new InconsistentPassError(`${filled} rows read, ${rows} counted`);
    return { names, kept, filled, rows: streamed };
  } catch (err) {
    throw changedOr(err, window);
  }
}

/**
 * The promise of a kept scan's statistics and missing counts: each column's
 * finite values sorted and merged with its baseline on the threads. The
 * buffers go to `spare` as they come back.
 */
function keptSettle(read: KeptRead, baseline: Profile, spare: Float64Array[], out: WindowData): Promise<void> {
  const { names, kept, filled } = read;
  out.rows = read.rows;
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
  return settled;
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
    // DuckDB's chunks are read straight into the columns' stages.
    const slots: Slot[] = new Array(batch.length);
    const place = (count: number) => {
      cols.slots(count).forEach((slot, k) => (slots[summarized[k]] = slot));
      return slots;
    };
    out.rows = await streamNumeric(
      conn,
      window,
      batch,
      filter,
      (values, count) => {
        for (const [c, counter] of counters) counter.add(values[c], count);
        return cols.added(count);
      },
      { place },
    );
    if (out.rows !== rows) throw changedOr(new InconsistentPassError(`${out.rows} rows read, ${rows} counted`), window);
    phase('window numeric scan');
    // Further passes read only the columns whose open intervals need their values again.
    let open = await cols.endPass();
    for (let pass = 2; open.length > 0; pass++) {
      progress(`pass ${pass} over ${open.length} numeric columns`);
      try {
        await streamNumeric(conn, window, open.map((k) => batch[summarized[k]]), filter, (_, count) => cols.added(count), { place: (count) => cols.slots(count) });
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

/** The window's numeric scans: the kept ones when they fit (keptScans), otherwise grid batches. */
function planScans(names: readonly string[], baseline: Profile, rows: number, budget: number, copies: number): { names: string[]; keep: boolean }[] {
  if (names.length === 0) return [];
  return keptScans(names, rows, budget) ?? gridBatches(names, baseline, copies).map((batch) => ({ names: batch, keep: false }));
}

/**
 * When at most MAX_KEPT_SCANS scans, each keeping half the budget's values
 * (one scan streams while the one before is settled), hold every numeric
 * value: those scans, evenly sized; otherwise null (grids).
 */
function keptScans(names: readonly string[], rows: number, budget: number): { names: string[]; keep: true }[] | null {
  if (names.length === 0) return [];
  // At most MAX_SCAN_COLUMNS: besides DuckDB's row groups, the threads start on a scan's columns only once it ends (W2: 7 scans of 29 columns, not 3 of 67).
  const perScan = Math.min(MAX_SCAN_COLUMNS, rows > 0 ? Math.floor(budget / 2 / rows) : names.length);
  const count = perScan > 0 ? Math.ceil(names.length / perScan) : Infinity;
  if (count > MAX_KEPT_SCANS) return null;
  // Even scans, so that each gives every thread work.
  const size = Math.ceil(names.length / count);
  return Array.from({ length: count }, (_, i) => ({ names: names.slice(i * size, (i + 1) * size), keep: true as const })).filter((s) => s.names.length > 0);
}

/** Splits numeric features into scans whose window summaries fit SUMMARY_BUDGET_BYTES together; a segmented window has `copies` per feature (its segments and the whole). */
function gridBatches(names: readonly string[], baseline: Profile, copies: number): string[][] {
  const out: string[][] = [];
  let current: string[] = [];
  // A batch's value buffers: at least 256 KiB a column, beyond that 32 MB in all (passBuffer).
  const shared = 8 * PASS_BUFFERS_VALUES;
  let bytes = shared;
  for (const name of names) {
    // A pass's grid lives in a kernel instance of its own: per interval its bound, two counts, a Σ and index
    // entries (~32 bytes; a later pass's grid may hold twice as many intervals), and its value buffer.
    const size = ((baseline.numeric.get(name)?.intervals ?? 0) * 64 + (256 << 10)) * copies;
    if (current.length > 0 && bytes + size > SUMMARY_BUDGET_BYTES) {
      out.push(current);
      current = [];
      bytes = shared;
    }
    current.push(name);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}

/**
 * keptRead for a segmented window: the same scan also gives each row's
 * segment id, and each row is kept at its segment's place (the rows per
 * segment were counted). keptSegmentedSettle then sorts each column per
 * segment on its whole baseline's thread, settles it against each segment's
 * baseline, and merges the whole column from its sorted segments (no second
 * sort).
 */
async function keptSegmentedRead(
  conn: Connection,
  window: Source,
  names: readonly string[],
  filter: TimeFilter | null,
  rows: number,
  spare: Float64Array[],
  split: WindowSplit,
  places: Int32Array | null,
): Promise<KeptRead & { places: Int32Array }> {
  const kept = names.map(() => spare.pop() ?? new Float64Array(rows));
  // Each row goes to its segment's place as it is read: the threads get every column grouped by segment.
  // The first scan reads the segment ids; later ones place the same rows, in the same order, where it did.
  const bounds = segmentBounds(split.rows);
  const fill = new SegmentFill(kept, bounds, places);
  try {
    const streamed = await streamNumeric(
      conn,
      window,
      names,
      filter,
      (values, count) => {
        if (!fill.add(values, count)) throw new InconsistentPassError(`more rows of a segment than the ${rows} rows counted`);
      },
      places ? {} : { segments: split.segments },
    );
    if (fill.rows !== rows) throw new InconsistentPassError(`${fill.rows} rows read, ${rows} counted`);
    const short = fill.short();
    if (short >= 0) throw new InconsistentPassError(`segment ${short}: ${fill.placed(short)} rows read, ${split.rows[short]} counted`);
    return { names, kept, filled: bounds[bounds.length - 1], rows: streamed, places: fill.places };
  } catch (err) {
    throw changedOr(err, window);
  }
}

/** keptSettle for a segmented window's scan (keptSegmentedRead). */
function keptSegmentedSettle(read: KeptRead, baseline: Profile, spare: Float64Array[], out: WindowData, plan: SegmentPlan, window: Source): Promise<void> {
  const { names, kept, filled } = read;
  out.rows = read.rows;
  const bounds = segmentBounds(plan.rows);
  const segments = out.segments!;
  const settled = Promise.all(
    names.map(async (name, c) => {
      const ref = baseline.numeric.get(name);
      const values = kept[c].subarray(0, filled);
      kept[c] = new Float64Array(0);
      if (!ref) {
        // No baseline values to compare with (nor in any slice of it): only the missing ones are counted.
        const missing = new Array<number>(segments.length).fill(0);
        for (let id = 0; id < segments.length; id++) for (let r = bounds[id]; r < bounds[id + 1]; r++) if (values[r] - values[r] !== 0) missing[id]++;
        out.missing.set(name, missing.reduce((a, b) => a + b, 0));
        out.numeric.set(name, null);
        segments.forEach((seg, id) => {
          seg.missing.set(name, missing[id]);
          seg.numeric.set(name, null);
        });
        spare.push(new Float64Array(values.buffer));
        return;
      }
      const refs = plan.baselines.map((p) => p.numeric.get(name) ?? null);
      const length = values.length;
      const r = await settleSegmentsOffThread(ref, refs, values, bounds);
      out.missing.set(name, length - r.whole.finite);
      out.numeric.set(name, r.whole.stats);
      await Promise.all(
        r.parts.map(async (part, id) => {
          segments[id].missing.set(name, plan.rows[id] - part.finite);
          const stats = part.sorted ? (await settleOffThread(refs[id]!, part.sorted, true)).stats : part.stats;
          segments[id].numeric.set(name, refs[id] ? stats : null);
        }),
      );
      spare.push(new Float64Array(r.values.buffer));
    }),
  )
    .then(() => undefined)
    .catch((err: unknown) => {
      throw changedOr(err, window);
    });
  // Awaited by the caller after the next scan; until then a failure must not count as unhandled.
  settled.catch(() => undefined);
  return settled;
}

/**
 * gridScan for a segmented window: each feature has one grid column for the
 * whole window and one per segment, all fed from the same scans (each row
 * to the whole column and to its segment's); further passes read only the
 * features with a column still open.
 */
async function gridSegmentedScan(
  conn: Connection,
  window: Source,
  batch: readonly string[],
  baseline: Profile,
  filter: TimeFilter | null,
  budget: number,
  out: WindowData,
  phase: (name: Phase) => void,
  progress: (step: string) => void,
  plan: SegmentPlan,
): Promise<void> {
  const S = plan.rows.length;
  // Target 0 is the whole window, target t > 0 segment t − 1.
  const profiles = [baseline, ...plan.baselines];
  const targets = [out, ...out.segments!];
  const refs = batch.map((name) => profiles.map((p) => p.numeric.get(name) ?? null));
  // Column id of (feature, target) in WindowColumns, or −1 (no baseline value: only missing values are counted).
  const summarized: BaselineRef[] = [];
  const colOf = refs.map((row) => row.map((ref) => (ref ? summarized.push(ref) - 1 : -1)));
  const owner = colOf.flatMap((row, f) => row.flatMap((c, t) => (c >= 0 ? [{ f, t }] : [])));
  const counters = refs.map((row) => row.map((ref) => (ref ? null : new MissingCounter())));
  const cols = await WindowColumns.open(
    summarized,
    budget,
    plan.total,
    owner.map(({ t }) => (t === 0 ? plan.total : plan.rows[t - 1])),
  );
  const parts = Array.from({ length: S }, () => new Float64Array(0));
  const fill = new Int32Array(S);
  /** Feeds one chunk of `streamed` features (their values, then the segment ids) to the columns this pass reads. */
  const feed = (streamed: readonly number[], reading: ReadonlySet<number>, first: boolean, values: readonly Float64Array[], count: number) => {
    const ids = values[streamed.length];
    for (let q = 0; q < streamed.length; q++) {
      const f = streamed[q];
      const v = values[q];
      if (reading.has(colOf[f][0])) cols.push(colOf[f][0], v, count);
      if (first) counters[f][0]?.add(v, count);
      // Each row to its segment's column.
      fill.fill(0);
      for (let s = 0; s < S; s++) if (parts[s].length < count) parts[s] = new Float64Array(Math.max(count, 2048));
      for (let r = 0; r < count; r++) {
        const s = ids[r];
        parts[s][fill[s]++] = v[r];
      }
      for (let s = 0; s < S; s++) {
        const c = colOf[f][s + 1];
        if (c >= 0 && reading.has(c)) cols.push(c, parts[s], fill[s]);
        if (first) counters[f][s + 1]?.add(parts[s], fill[s]);
      }
    }
    return cols.pushed();
  };
  try {
    const all = batch.map((_, f) => f);
    let reading = new Set(cols.reading);
    out.rows = await streamNumeric(conn, window, batch, filter, (values, count) => feed(all, reading, true, values, count), { segments: plan.segments });
    if (out.rows !== plan.total) throw changedOr(new InconsistentPassError(`${out.rows} rows read, ${plan.total} counted`), window);
    phase('window numeric scan');
    // Further passes read only the features with a column whose open intervals need their values again.
    let open = await cols.endPass();
    for (let pass = 2; open.length > 0; pass++) {
      reading = new Set(open);
      const streamed = [...new Set(open.map((c) => owner[c].f))].sort((a, b) => a - b);
      progress(`pass ${pass} over ${open.length} numeric columns of ${streamed.length} features`);
      try {
        await streamNumeric(conn, window, streamed.map((f) => batch[f]), filter, (values, count) => feed(streamed, reading, false, values, count), { segments: plan.segments });
        open = await cols.endPass();
      } catch (err) {
        throw changedOr(err, window);
      }
    }
    (await cols.finish()).forEach((r, c) => {
      const { f, t } = owner[c];
      if (t > 0 && r.missing + (r.stats?.m ?? 0) !== plan.rows[t - 1]) {
        throw changedOr(new InconsistentPassError(`segment ${t - 1}: ${r.missing + (r.stats?.m ?? 0)} rows read, ${plan.rows[t - 1]} counted`), window);
      }
      targets[t].missing.set(batch[f], r.missing);
      targets[t].numeric.set(batch[f], r.stats);
    });
  } finally {
    cols.close();
  }
  counters.forEach((row, f) =>
    row.forEach((counter, t) => {
      if (!counter) return;
      targets[t].missing.set(batch[f], counter.missing);
      targets[t].numeric.set(batch[f], null);
    }),
  );
}
