/**
 * The engine: reads a model's baseline and window through data/, compares
 * each feature with stats/, and assembles the report object.
 */
import type { Config, FeatureSpec, ModelConfig } from '../config/index.js';
import {
  baselineProfile,
  categoryCounts,
  countRows,
  DataSourceError,
  numericValues,
  openSource,
  withConnection,
  type BaselineProfile,
  type FeatureColumn,
  type Source,
  type TimeFilter,
} from '../data/index.js';
import { compareCategorical, compareNumeric, decideFeature, decideModel, type FeatureType } from '../stats/index.js';
import type { FeatureReport, ModelReport, Report } from './types.js';

/** Progress of a run, for a progress line or a log. */
export interface Progress {
  model: string;
  done: number;
  total: number;
  feature?: string;
}

/** Options of one run. */
export interface RunOptions {
  /** Overrides the model's `as_of` and the clock. */
  asOf?: Date;
  onProgress?: (p: Progress) => void;
}

/** Runs every selected model in turn and returns the whole report. */
export async function buildReport(config: Config, opts: RunOptions & { models?: readonly string[] } = {}): Promise<Report> {
  const selected = opts.models?.length ? config.models.filter((m) => opts.models!.includes(m.name)) : config.models;
  const models: ModelReport[] = [];
  for (const model of selected) models.push(await runModel(model, opts));
  return { generated_at: new Date().toISOString(), models };
}

/** Computes one model's report. Throws DataSourceError when its baseline or window cannot be read. */
export async function runModel(model: ModelConfig, opts: RunOptions = {}): Promise<ModelReport> {
  const asOf = opts.asOf ?? model.asOf ?? new Date();
  const filter: TimeFilter | null = model.timestampColumn
    ? { column: model.timestampColumn, start: new Date(asOf.getTime() - model.windowDurationMs), end: asOf }
    : null;
  return withConnection(async (conn) => {
    // The baseline's schema decides the features; its values are cached across runs.
    const baselineSchema = await openSource(conn, 'baseline', model.baseline);
    const window = await openSource(conn, 'window', model.window);
    const specs = resolveFeatures(model, baselineSchema);
    const columns: FeatureColumn[] = specs.map((s) => ({ name: s.name, type: s.type }));
    const baseline = await baselineProfile(conn, model.baseline, columns);
    const comparable = columns.filter((c) => compatible(c, window) === null);
    const counts = await countRows(conn, window, comparable, filter);

    const features: FeatureReport[] = [];
    for (const [i, spec] of specs.entries()) {
      opts.onProgress?.({ model: model.name, done: i, total: specs.length, feature: spec.name });
      features.push(await compareFeature(conn, model, spec, baseline, window, counts, filter));
    }
    opts.onProgress?.({ model: model.name, done: specs.length, total: specs.length });

    const decided = decideModel(
      features.filter((f) => f.score !== null).map((f) => f.drift),
      model.driftShareThreshold,
    );
    return {
      model: model.name,
      as_of: asOf.toISOString(),
      window: { rows: counts.rows, start: filter ? filter.start.toISOString() : null, end: filter ? filter.end.toISOString() : null },
      baseline: { rows: baseline.rows, sha256: baseline.sha256 },
      features,
      ...decided,
    };
  });
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

async function compareFeature(
  conn: Parameters<Parameters<typeof withConnection>[0]>[0],
  model: ModelConfig,
  spec: Resolved,
  baseline: BaselineProfile,
  window: Source,
  counts: { rows: number; missing: Map<string, number> },
  filter: TimeFilter | null,
): Promise<FeatureReport> {
  const baselineMissing = baseline.missing.get(spec.name) ?? 0;
  const out: FeatureReport = {
    feature: spec.name,
    type: spec.type,
    role: spec.role,
    missing_ratio: counts.rows > 0 ? 1 : null,
    baseline_missing_ratio: baseline.rows > 0 ? baselineMissing / baseline.rows : null,
    tests: {},
    score: null,
    drift: false,
  };
  const problem = compatible(spec, window);
  if (problem) return { ...out, error: problem };
  const missing = counts.missing.get(spec.name)!;
  out.missing_ratio = counts.rows > 0 ? missing / counts.rows : null;
  const validWindow = counts.rows - missing;
  if (validWindow === 0 || baseline.rows - baselineMissing === 0) return out;

  const comparison =
    spec.type === 'numeric'
      ? compareNumeric(baseline.numeric.get(spec.name)!, await numericValues(conn, window, spec.name, filter, validWindow))
      : compareCategorical(baseline.categorical.get(spec.name)!, await categoryCounts(conn, window, spec.name, filter), model.maxCategories);
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
