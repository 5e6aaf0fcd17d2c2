/**
 * The segments of a segmented model's window (segment_by): which columns
 * split it, what each segment is compared with, the named keys (the largest
 * max_segments, or max_segments − 1 and an overflow bucket of the rest), and
 * each segment's report, decided like the whole window's.
 */
import type { ModelConfig } from '../config/index.js';
import { countSegments, type SegmentCount, type Source, type TimeFilter, type withConnection } from '../data/index.js';
import type { FeatureReport, SegmentReport } from '../report/index.js';
import { decideModel } from '../stats/index.js';
import { categoryDomain } from './features.js';

type Connection = Parameters<Parameters<typeof withConnection>[0]>[0];

/**
 * Why the model's segments cannot be read from these sources (a segment
 * column absent from the window, or, forced `matching`, from the baseline),
 * or null; and the baseline slice each segment is compared with.
 */
export function segmentSlice(model: ModelConfig, baseline: Source, window: Source): { problem: string | null; slice: 'matching' | 'whole' } {
  const missing = (s: Source) => model.segmentBy.find((c) => !s.columns.has(c));
  const inWindow = missing(window);
  if (inWindow !== undefined) {
    return { problem: `model ${model.name}: segment column "${inWindow}" is not a column of the window ${window.spec}; columns: ${[...window.columns.keys()].join(', ')}`, slice: 'whole' };
  }
  const inBaseline = missing(baseline);
  if (model.segmentBaseline === 'matching' && inBaseline !== undefined) {
    return {
      problem: `model ${model.name}: segment_baseline is matching, but segment column "${inBaseline}" is not a column of the baseline ${baseline.spec}; columns: ${[...baseline.columns.keys()].join(', ')}`,
      slice: 'whole',
    };
  }
  const slice = model.segmentBaseline === 'whole' || inBaseline !== undefined ? 'whole' : 'matching';
  // Slices match by each value's text: a type whose text differs for the same value (DOUBLE 1 is "1.0", INTEGER 1 is "1")
  // would leave every slice empty.
  const changed = slice === 'matching' ? model.segmentBy.find((c) => categoryDomain(baseline.columns.get(c)!.sqlType) !== categoryDomain(window.columns.get(c)!.sqlType)) : undefined;
  if (changed !== undefined) {
    return {
      problem: `model ${model.name}: segment column "${changed}" has type ${window.columns.get(changed)!.sqlType} in the window ${window.spec} and ${baseline.columns.get(changed)!.sqlType} in the baseline ${baseline.spec}; matching baseline slices need values that read as the same text on both sides (cast one side, or set segment_baseline: whole)`,
      slice: 'whole',
    };
  }
  return { problem: null, slice };
}

/** A key's order: NULL first, then by text (code units), column by column. */
function compareKeys(a: readonly (string | null)[], b: readonly (string | null)[]): number {
  for (let i = 0; i < a.length; i++) {
    if (a[i] === b[i]) continue;
    if (a[i] === null) return -1;
    if (b[i] === null) return 1;
    return a[i]! < b[i]! ? -1 : 1;
  }
  return 0;
}

/** The window's segments, largest first (ties by key); beyond max_segments, the smallest merge into the overflow. */
export interface WindowSegments {
  /** The named keys, in report order. */
  keys: (string | null)[][];
  /** Rows per named key, then the overflow's when there is one. */
  rows: number[];
  /** Distinct keys the overflow merges (0: no overflow). */
  merged: number;
  total: number;
  newest: number | null;
}

/** Counts the window's rows per key of the segment columns (the run's row count, in one scan) and names the segments. */
export async function countWindowSegments(conn: Connection, model: ModelConfig, window: Source, filter: TimeFilter | null): Promise<WindowSegments> {
  const counted = await countSegments(conn, window, model.segmentBy, filter);
  const sorted: SegmentCount[] = counted.keys.sort((a, b) => b.rows - a.rows || compareKeys(a.key, b.key));
  const named = sorted.length <= model.maxSegments ? sorted : sorted.slice(0, model.maxSegments - 1);
  const rest = sorted.slice(named.length);
  const rows = named.map((k) => k.rows);
  if (rest.length > 0) rows.push(rest.reduce((a, k) => a + k.rows, 0));
  return { keys: named.map((k) => k.key), rows, merged: rest.length, total: counted.rows, newest: counted.newest };
}

/** One segment's report from its features' reports. */
export function segmentReport(
  model: ModelConfig,
  segments: WindowSegments,
  id: number,
  slice: 'matching' | 'whole',
  baselineRows: number,
  features: FeatureReport[],
): SegmentReport {
  const other = id >= segments.keys.length;
  const { status, drift_share, drift, feature_errors } = decideModel(
    features.map((f) => ({ compared: f.score !== null, drift: f.drift, error: f.error !== undefined })),
    model.driftShareThreshold,
  );
  return {
    key: other ? {} : Object.fromEntries(model.segmentBy.map((c, k) => [c, segments.keys[id][k]])),
    other,
    merged: other ? segments.merged : 1,
    status,
    window: { rows: segments.rows[id] },
    baseline: { rows: baselineRows, slice },
    features,
    drift_share,
    drift,
    feature_errors,
  };
}

