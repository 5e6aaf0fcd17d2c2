/**
 * Which features a model compares, as what type and in which role, and
 * whether each can be compared in this window: decided once per feature
 * per run, here.
 */
import type { ModelConfig } from '../config/index.js';
import { DataSourceError, type Source } from '../data/index.js';
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
  const skip = new Set([...(model.timestampColumn ? [model.timestampColumn] : []), ...model.idColumns]);
  const listed =
    model.features ??
    [...baseline.columns.values()].filter((c) => !skip.has(c.name) && (c.kind === 'numeric' || c.kind === 'categorical')).map((c) => ({ name: c.name, type: null }));
  for (const p of model.predictionColumns) if (!listed.some((f) => f.name === p)) listed.push({ name: p, type: null });
  return listed.map((f) => {
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
    return { name: f.name, type, role, problem: compatibility(type, f.name, window) };
  });
}

/** Why a feature of this type cannot be compared in this window, or null when it can. */
function compatibility(type: FeatureType, name: string, window: Source): string | null {
  const col = window.columns.get(name);
  if (!col) return 'column absent from the window';
  if (type === 'numeric' && col.kind !== 'numeric') return `type changed: numeric in the baseline, ${col.sqlType} in the window`;
  if (type === 'categorical' && col.kind !== 'categorical' && col.kind !== 'numeric') return `type changed: categorical in the baseline, ${col.sqlType} in the window`;
  return null;
}
