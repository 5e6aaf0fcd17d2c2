/**
 * One run of one model: open its baseline and window once, profile the
 * baseline (or its reference range; cached across runs), read the window,
 * compare each feature, and decide the model.
 */
import type { ModelConfig } from '../config/index.js';
import { assertUnchanged, baselineProfile, DataSourceError, openSource, segmentedProfile, withConnection, type FeatureColumn, type TimeFilter } from '../data/index.js';
import type { ModelReport, SegmentReport } from '../report/index.js';
import { decideModel } from '../stats/index.js';
import { compareFeature } from './compare-feature.js';
import { resolveFeatures } from './features.js';
import { countWindowSegments, segmentReport, segmentSlice } from './segments.js';
import { releaseOffThread, summarizeOffThread, summarizeSegmentsOffThread } from './threads/index.js';
import { COLLECT_BUDGET_VALUES, readWindow, startWindow, type Phase, type Profile, type SegmentPlan, type WindowStart } from './window-scan.js';

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

/** The baseline rows a run at `asOf` compares with, (start, end]; null: the whole baseline. */
export function referenceFilter(model: ModelConfig, asOf: Date): TimeFilter | null {
  const r = model.reference;
  if (!r) return null;
  if (r.kind === 'fixed') return { column: r.column, start: r.start, end: r.end };
  const end = new Date(asOf.getTime() - r.offsetMs);
  return { column: r.column, start: new Date(end.getTime() - r.durationMs), end };
}

/** Computes one model's report. Throws DataSourceError when its baseline or window cannot be read. */
export async function runModel(model: ModelConfig, opts: RunOptions = {}): Promise<ModelReport> {
  const asOf = opts.asOf ?? model.asOf ?? new Date();
  const filter: TimeFilter | null = model.timestampColumn
    ? { column: model.timestampColumn, start: new Date(asOf.getTime() - model.windowDurationMs), end: asOf }
    : null;
  const reference = referenceFilter(model, asOf);
  let mark = performance.now();
  const phase = (name: Phase) => {
    const now = performance.now();
    opts.onPhase?.(name, (now - mark) / 1000);
    mark = now;
  };
  const progress = (step: string, done: number, total: number) => opts.onProgress?.({ model: model.name, step, done, total });
  progress('reading the baseline', 0, 1);
  return withConnection(async (conn) => {
    const referencePrune = reference && model.reference?.datePartition ? { key: model.reference.datePartition, start: reference.start, end: reference.end } : null;
    const baselineSource = await openSource(conn, 'baseline', model.baseline, { format: model.baselineFormat, storage: model.storage, prune: referencePrune });
    const prune = filter && model.datePartition ? { key: model.datePartition, start: filter.start, end: filter.end } : null;
    const window = await openSource(conn, 'window', model.window, { format: model.windowFormat, storage: model.storage, like: baselineSource, prune });
    // The baseline's schema decides the features; its summaries are cached across runs.
    const features = resolveFeatures(model, baselineSource, window);
    const columns: FeatureColumn[] = features.map((f) => ({ name: f.name, type: f.type }));
    const range = reference ? { filter: reference, moving: model.reference!.kind === 'moving' } : null;
    const segmented = model.segmentBy.length > 0 ? segmentSlice(model, baselineSource, window) : null;
    if (segmented?.problem) throw new DataSourceError(segmented.problem);
    // A segmented window's row count is per key: it names the segments. Each matching one's baseline slice is profiled
    // in the same scans as the whole baseline (cached like it), its summaries next to the whole baseline's.
    const windowSegments = segmented ? await countWindowSegments(conn, model, window, filter) : null;
    const keyed = windowSegments ? { columns: model.segmentBy, keys: windowSegments.keys } : null;
    const comparable = features.filter((f) => f.problem === null).map((f) => ({ name: f.name, type: f.type }));
    const budget = opts.collectValues ?? COLLECT_BUDGET_VALUES;
    const split = windowSegments && keyed ? { segments: keyed, rows: windowSegments.rows, total: windowSegments.total, newest: windowSegments.newest } : null;
    let baseline: Profile;
    let plan: SegmentPlan | null = null;
    // What of the window needs no baseline summary is read while the threads still reduce the baseline's columns.
    let started: Promise<WindowStart> | null = null;
    const early = () => {
      started = startWindow(conn, window, comparable, filter, budget, split);
      started.catch(() => undefined);
      return started;
    };
    if (segmented?.slice === 'matching' && split) {
      const ids = split.rows.map((_, id) => id);
      const reduce = (values: Float64Array, _name: string, bounds: readonly number[], whole: boolean, want: readonly boolean[]) => summarizeSegmentsOffThread(values, bounds, whole, want);
      const profiles = await segmentedProfile(conn, baselineSource, columns, reduce, releaseOffThread, range, split.segments, ids, early);
      baseline = profiles.whole;
      plan = { ...split, baselines: profiles.slices };
    } else {
      baseline = await baselineProfile(conn, baselineSource, columns, (v) => summarizeOffThread(v), releaseOffThread, range, early);
      if (split) plan = { ...split, baselines: split.rows.map(() => baseline) };
    }
    phase('baseline profile');
    progress('scanning the window', 0, 1);
    const data = await readWindow(conn, window, comparable, baseline, filter, budget, phase, progress, plan, started ? await started : null);
    // One version of every input file, or no result: a file rewritten during the run fails it, naming the file.
    await assertUnchanged(window);
    await assertUnchanged(baselineSource);

    const reports = features.map((f, i) => {
      progress(`comparing ${f.name}`, i, features.length);
      return compareFeature(model, f, baseline, data, true);
    });
    // Each segment is compared and decided exactly as the whole window.
    const segments: SegmentReport[] | undefined =
      plan && windowSegments
        ? plan.rows.map((_, id) => {
            const reports = features.map((f) => compareFeature(model, f, plan!.baselines[id], data.segments![id]));
            return segmentReport(model, windowSegments, id, segmented!.slice, plan!.baselines[id].rows, reports);
          })
        : undefined;
    progress('done', features.length, features.length);
    phase('compare');

    const { status, drift_share, drift, feature_errors } = decideModel(
      reports.map((f) => ({ compared: f.score !== null, drift: f.drift, error: f.error !== undefined })),
      model.driftShareThreshold,
    );
    return {
      model: model.name,
      status,
      as_of: asOf.toISOString(),
      window: {
        rows: data.rows,
        start: filter ? filter.start.toISOString() : null,
        end: filter ? filter.end.toISOString() : null,
        newest_event: data.newest === null ? null : new Date(data.newest).toISOString(),
      },
      baseline: {
        rows: baseline.rows,
        sha256: baseline.sha256,
        start: reference ? reference.start.toISOString() : null,
        end: reference ? reference.end.toISOString() : null,
      },
      features: reports,
      drift_share,
      drift_share_threshold: model.driftShareThreshold,
      drift,
      feature_errors,
      ...(segments ? { segment_by: [...model.segmentBy], segments } : {}),
    };
  });
}
