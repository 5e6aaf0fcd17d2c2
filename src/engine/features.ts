/**
 * Which features a model compares, as what type and in which role, and
 * whether each can be compared in this window: decided once per feature
 * per run, here.
 */
import type { ModelConfig } from '../config/index.js';
import { columnKind, DataSourceError, type Source } from '../data/index.js';
import type { FeatureType } from '../stats/index.js';

/** A feature of this run. */
export interface Feature {
  name: string;
  type: FeatureType;
  role: 'feature' | 'prediction';
  /** Why it cannot be compared in this window; null when it can. */
  problem: string | null;
}

/**
 * The features to compare: the listed ones, typed from the config or the
 * baseline, or every supported baseline column; prediction columns always.
 * Throws DataSourceError when a listed feature cannot be read from the baseline.
 */
export function resolveFeatures(model: ModelConfig, baseline: Source, window: Source): Feature[] {
  // Hive partition keys label files (split=train/), they are not features; nor are segment columns, which split the window.
  const skip = new Set([...(model.timestampColumn ? [model.timestampColumn] : []), ...model.idColumns, ...model.segmentBy, ...baseline.partitionKeys]);
  const listed =
    model.features ??
    [...baseline.columns.values()].filter((c) => !skip.has(c.name) && (c.kind === 'numeric' || c.kind === 'categorical')).map((c) => ({ name: c.name, type: null }));
  for (const p of model.predictionColumns) if (!listed.some((f) => f.name === p)) listed.push({ name: p, type: null });
  const unknown = Object.keys(model.featurePolicies).filter((name) => !listed.some((f) => f.name === name));
  if (unknown.length > 0) {
    throw new DataSourceError(`model ${model.name}: feature_overrides.${unknown[0]}: no such feature in this model; features: ${listed.map((f) => f.name).join(', ')}`);
  }
  const features = listed.map((f) => {
    const col = baseline.columns.get(f.name);
    if (!col) {
      throw new DataSourceError(`model ${model.name}: feature "${f.name}" is not a column of the baseline ${model.baseline}; columns: ${[...baseline.columns.keys()].join(', ')}`);
    }
    if (f.type === 'numeric' && col.kind !== 'numeric') {
      throw new DataSourceError(`model ${model.name}: feature "${f.name}" is configured numeric but the baseline column has type ${col.sqlType}`);
    }
    const type = f.type ?? (col.kind === 'numeric' || col.kind === 'categorical' ? col.kind : null);
    if (!type) throw new DataSourceError(`model ${model.name}: feature "${f.name}" has unsupported baseline type ${col.sqlType}; give it a type`);
    const role = model.predictionColumns.includes(f.name) ? ('prediction' as const) : ('feature' as const);
    return { name: f.name, type, role, problem: compatibility(type, col.sqlType, window.columns.get(f.name)?.sqlType) };
  });
  // A category setting on a numeric feature would silently do nothing: refuse the run, naming the key.
  const numeric = features.find((f) => f.type === 'numeric' && model.categoricalKeys[f.name]);
  if (numeric) {
    throw new DataSourceError(
      `model ${model.name}: feature_overrides.${numeric.name}.${model.categoricalKeys[numeric.name][0]}: feature "${numeric.name}" is numeric (baseline type ${baseline.columns.get(numeric.name)!.sqlType}); it applies only to categorical features: drop the key, or declare the feature categorical under features`,
    );
  }
  return features;
}

/**
 * How a column's values read as categories: two columns compare as
 * categories only when the same value gives the same text on both sides
 * (BOOLEAN true is "true", INTEGER 1 is "1", DOUBLE 1 is "1.0").
 */
export function categoryDomain(sqlType: string): string {
  if (/^(VARCHAR|ENUM)/.test(sqlType)) return 'text';
  if (/^U?(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT)$/.test(sqlType)) return 'integer';
  if (/^(FLOAT|DOUBLE)$/.test(sqlType)) return 'float';
  return sqlType;
}

/** Why a feature of this type cannot be compared in this window, or null when it can. */
function compatibility(type: FeatureType, baselineType: string, windowType: string | undefined): string | null {
  if (windowType === undefined) return 'column absent from the window';
  if (type === 'numeric' && columnKind(windowType) !== 'numeric') return `type changed: numeric in the baseline, ${windowType} in the window`;
  if (type === 'categorical' && categoryDomain(baselineType) !== categoryDomain(windowType)) {
    return `type changed: ${baselineType} in the baseline, ${windowType} in the window; their values do not compare as the same categories`;
  }
  return null;
}
