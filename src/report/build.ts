/**
 * The engine: reads a model's baseline and window through data/, compares
 * each feature with stats/, and assembles the report object.
 */
import type { Config, FeatureSpec, ModelConfig } from '../config/index.js';
import {
  baselineProfile,
  categoryCountsAll,
  forgetProfile,
  countRows,
  DataSourceError,
  openSource,
  streamNumeric,
  withConnection,
  type BaselineProfile,
  type FeatureColumn,
  type Source,
  type TimeFilter,
} from '../data/index.js';
import {
  compareCategorical,
  compareNumericStats,
  decideFeature,
  decideModel,
  InconsistentPassError,
  type FeatureType,
  type NumericStats,
} from '../stats/index.js';
import { settleOffThread, SummaryThreadError, summarizeOffThread, WindowColumns, type BaselineRef } from './threads.js';
import type { FeatureReport, ModelReport, Report } from './types.js';

/** Progress of a run, for a progress line: what it is doing, and how far through that step. */
export interface Progress {
  model: string;
  step: string;
  done: number;
  total: number;
}

/** Options of one run. */
export interface RunOptions {
  /** Overrides the model's `as_of` and the clock. */
  asOf?: Date;
  onProgress?: (p: Progress) => void;
  /** Called as each phase of a model's run ends, with its wall-clock seconds (for profiling). */
  onPhase?: (phase: Phase, seconds: number) => void;
  /** Window values the engine may hold at once (8 bytes each; default COLLECT_BUDGET_VALUES): memory against speed. */
  collectValues?: number;
}

/** The phases `onPhase` reports, in order. */
export type Phase = 'baseline profile' | 'window numeric scan' | 'window numeric settle' | 'window categorical' | 'compare';

/** Runs every selected model in turn and returns the whole report. */
export async function buildReport(config: Config, opts: RunOptions & { models?: readonly string[] } = {}): Promise<Report> {
  const selected = opts.models?.length ? config.models.filter((m) => opts.models!.includes(m.name)) : config.models;
  const models: ModelReport[] = [];
  for (const model of selected) models.push(await runModel(model, opts));
  return { generated_at: new Date().toISOString(), models };
}

type Profile = BaselineProfile<BaselineRef>;

/** Computes one model's report. Throws DataSourceError when its baseline or window cannot be read. */
export async function runModel(model: ModelConfig, opts: RunOptions = {}): Promise<ModelReport> {
  const asOf = opts.asOf ?? model.asOf ?? new Date();
  const filter: TimeFilter | null = model.timestampColumn
    ? { column: model.timestampColumn, start: new Date(asOf.getTime() - model.windowDurationMs), end: asOf }
    : null;
  let mark = performance.now();
  const phase = (name: Phase) => {
    const now = performance.now();
    opts.onPhase?.(name, (now - mark) / 1000);
    mark = now;
  };
  const progress = (step: string, done: number, total: number) => opts.onProgress?.({ model: model.name, step, done, total });
  progress('reading the baseline', 0, 1);
  return withConnection(async (conn) => {
    // The baseline's schema decides the features; its summaries are cached across runs.
    const baselineSchema = await openSource(conn, 'baseline', model.baseline);
    const window = await openSource(conn, 'window', model.window);
    const specs = resolveFeatures(model, baselineSchema);
    const columns: FeatureColumn[] = specs.map((s) => ({ name: s.name, type: s.type }));
    const baseline = await baselineProfile(conn, model.baseline, columns, summarizeOffThread);
    phase('baseline profile');
    progress('scanning the window', 0, 1);
    const comparable = columns.filter((c) => compatible(c, window) === null);
    const data = await readWindow(conn, window, comparable, baseline, filter, opts.collectValues ?? COLLECT_BUDGET_VALUES, phase, progress);

    const features: FeatureReport[] = [];
    for (const [i, spec] of specs.entries()) {
      progress(`comparing ${spec.name}`, i, specs.length);
      features.push(compareFeature(model, spec, baseline, window, data));
    }
    progress('done', specs.length, specs.length);
    phase('compare');

    const decided = decideModel(
      features.filter((f) => f.score !== null).map((f) => f.drift),
      model.driftShareThreshold,
    );
    return {
      model: model.name,
      as_of: asOf.toISOString(),
      window: { rows: data.rows, start: filter ? filter.start.toISOString() : null, end: filter ? filter.end.toISOString() : null },
      baseline: { rows: baseline.rows, sha256: baseline.sha256 },
      features,
      ...decided,
    };
  });
}

/** What the window contributes to each comparable feature. */
interface WindowData {
  rows: number;
  missing: Map<string, number>;
  /** Null when the baseline has no finite value, so nothing is compared. */
  numeric: Map<string, NumericStats | null>;
  categorical: Map<string, Map<string, number>>;
}

/** Per-run memory for window summaries; numeric features beyond it are read in further scans. */
const SUMMARY_BUDGET_BYTES = 256 * 1024 * 1024;

/** Window values held in memory at once, by default (8 bytes each: 256 MB): a whole scan's, or a pass's collected ones. */
const COLLECT_BUDGET_VALUES = 1 << 25;

/** Keeping every numeric value is worth it when the window needs at most this many scans (each reads the filter column again). */
const MAX_KEPT_SCANS = 8;

/** Counts the window's missing values of a feature whose baseline has no finite value. */
class MissingCounter {
  missing = 0;
  add(values: Float64Array, _words: Int32Array, count: number): void {
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
async function readWindow(
  conn: Parameters<Parameters<typeof withConnection>[0]>[0],
  window: Source,
  comparable: readonly FeatureColumn[],
  baseline: Profile,
  filter: TimeFilter | null,
  budget: number,
  phase: (name: Phase) => void,
  progress: (step: string, done: number, total: number) => void,
): Promise<WindowData> {
  const out: WindowData = { rows: -1, missing: new Map(), numeric: new Map(), categorical: new Map() };
  const numeric = comparable.filter((c) => c.type === 'numeric').map((c) => c.name);
  const rows = numeric.length > 0 ? (await countRows(conn, window, [], filter)).rows : 0;
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
        await gridScan(conn, window, scan.names, baseline, filter, budget, out, phase, (step) => progress(step, b, scans.length));
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
  if (out.rows < 0) out.rows = (await countRows(conn, window, [], filter)).rows;
  return out;
}

/** A window whose rows changed between two reads of one run gets its own error; any other error is returned as it is. */
function changedOr(err: unknown, window: Source): unknown {
  // The chunk handler's error arrives wrapped by the data layer.
  const cause = err instanceof DataSourceError ? err.cause : err;
  if (!(cause instanceof InconsistentPassError)) return err;
  return new DataSourceError(`window ${window.spec}: its rows changed while this run read them (${cause.message}); the next run reads them again`);
}

/**
 * Streams a scan's columns, keeping every value (at most `rows` per column;
 * missing ones too, as NaN), and returns the promise of their statistics and
 * missing counts: each column's finite values sorted and merged with its
 * baseline on the threads.
 */
async function keptScan(
  conn: Parameters<Parameters<typeof withConnection>[0]>[0],
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
    out.rows = await streamNumeric(conn, window, names, filter, (values, _words, count) => {
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
  conn: Parameters<Parameters<typeof withConnection>[0]>[0],
  window: Source,
  batch: readonly string[],
  baseline: Profile,
  filter: TimeFilter | null,
  budget: number,
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
  );
  try {
    const picked: Float64Array[] = new Array(summarized.length);
    out.rows = await streamNumeric(conn, window, batch, filter, (values, words, count) => {
      for (const [c, counter] of counters) counter.add(values[c], words[c], count);
      for (let k = 0; k < summarized.length; k++) picked[k] = values[summarized[k]];
      return cols.add(picked, count);
    });
    phase('window numeric scan');
    // Further passes read only the columns whose open intervals need their values again.
    let open = await cols.endPass();
    for (let pass = 2; open.length > 0; pass++) {
      progress(`pass ${pass} over ${open.length} numeric columns`);
      try {
        await streamNumeric(conn, window, open.map((k) => batch[summarized[k]]), filter, (values, _words, count) => cols.add(values, count));
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

type Resolved = FeatureSpec & { type: FeatureType };

/** The features to compare: listed ones typed from the config or the baseline, or every supported baseline column. */
function resolveFeatures(model: ModelConfig, baseline: Source): Resolved[] {
  const skip = new Set([...(model.timestampColumn ? [model.timestampColumn] : []), ...model.idColumns]);
  const listed: FeatureSpec[] =
    model.features ??
    [...baseline.columns.values()]
      .filter((c) => !skip.has(c.name) && (c.kind === 'numeric' || c.kind === 'categorical'))
      .map((c) => ({ name: c.name, type: null, role: model.predictionColumns.includes(c.name) ? 'prediction' : 'feature' }));
  for (const p of model.predictionColumns) {
    if (!listed.some((f) => f.name === p)) listed.push({ name: p, type: null, role: 'prediction' });
  }
  return listed.map((f) => {
    const col = baseline.columns.get(f.name);
    if (!col) {
      throw new DataSourceError(
        `model ${model.name}: feature "${f.name}" is not a column of the baseline ${model.baseline}; columns: ${[...baseline.columns.keys()].join(', ')}`,
      );
    }
    if (f.type === 'numeric' && col.kind !== 'numeric') {
      throw new DataSourceError(`model ${model.name}: feature "${f.name}" is configured numeric but the baseline column has type ${col.sqlType}`);
    }
    const type = f.type ?? (col.kind === 'numeric' || col.kind === 'categorical' ? col.kind : null);
    if (!type) throw new DataSourceError(`model ${model.name}: feature "${f.name}" has unsupported baseline type ${col.sqlType}; give it a type`);
    return { ...f, type };
  });
}

/** Why a feature cannot be compared in this window, or null when it can. */
function compatible(f: FeatureColumn, window: Source): string | null {
  const col = window.columns.get(f.name);
  if (!col) return 'column absent from the window';
  if (f.type === 'numeric' && col.kind !== 'numeric') return `type changed: numeric in the baseline, ${col.sqlType} in the window`;
  if (f.type === 'categorical' && col.kind !== 'categorical' && col.kind !== 'numeric') return `type changed: categorical in the baseline, ${col.sqlType} in the window`;
  return null;
}

function compareFeature(model: ModelConfig, spec: Resolved, baseline: Profile, window: Source, data: WindowData): FeatureReport {
  const baselineMissing = baseline.missing.get(spec.name) ?? 0;
  const out: FeatureReport = {
    feature: spec.name,
    type: spec.type,
    role: spec.role,
    missing_ratio: data.rows > 0 ? 1 : null,
    baseline_missing_ratio: baseline.rows > 0 ? baselineMissing / baseline.rows : null,
    tests: {},
    score: null,
    drift: false,
  };
  const problem = compatible(spec, window);
  if (problem) return { ...out, error: problem };
  const missing = data.missing.get(spec.name)!;
  out.missing_ratio = data.rows > 0 ? missing / data.rows : null;
  const validWindow = data.rows - missing;
  if (validWindow === 0 || baseline.rows - baselineMissing === 0) return out;

  const comparison =
    spec.type === 'numeric'
      ? compareNumericStats(data.numeric.get(spec.name)!)
      : compareCategorical(baseline.categorical.get(spec.name)!, data.categorical.get(spec.name)!, model.maxCategories);
  const policy = model.featurePolicies[spec.name] ?? model.policy;
  const { score, drift } = decideFeature(spec.type, comparison.tests, policy);
  // Key order follows the documented JSON shape.
  return {
    feature: out.feature,
    type: out.type,
    role: out.role,
    missing_ratio: out.missing_ratio,
    baseline_missing_ratio: out.baseline_missing_ratio,
    tests: comparison.tests,
    ...(comparison.unseen_ratio !== undefined ? { unseen_ratio: comparison.unseen_ratio } : {}),
    ...(comparison.out_of_range_ratio !== undefined ? { out_of_range_ratio: comparison.out_of_range_ratio } : {}),
    score,
    drift,
  };
}

/** Problems that would stop a run of this model: unreadable sources, unknown columns, type changes. Empty when fine. */
export async function checkModel(model: ModelConfig): Promise<string[]> {
  return withConnection(async (conn) => {
    const problems: string[] = [];
    let baseline: Source | undefined;
    let window: Source | undefined;
    try {
      baseline = await openSource(conn, 'baseline', model.baseline);
    } catch (err) {
      problems.push((err as Error).message);
    }
    try {
      window = await openSource(conn, 'window', model.window);
    } catch (err) {
      problems.push((err as Error).message);
    }
    if (!baseline || !window) return problems;
    if (model.timestampColumn) {
      const ts = window.columns.get(model.timestampColumn);
      if (!ts) problems.push(`window ${model.window}: timestamp column "${model.timestampColumn}" not found`);
      else if (ts.kind !== 'timestamp') problems.push(`window ${model.window}: timestamp column "${model.timestampColumn}" has type ${ts.sqlType}`);
    }
    try {
      for (const f of resolveFeatures(model, baseline)) {
        const problem = compatible(f, window);
        if (problem) problems.push(`window ${model.window}: feature "${f.name}": ${problem}`);
      }
    } catch (err) {
      problems.push((err as Error).message);
    }
    return problems;
  });
}
