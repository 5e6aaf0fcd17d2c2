import type { DuckDBConnection } from '@duckdb/node-api';
import { categoryCounts, countRows, numericValues, type CategoryCounts, type FeatureColumn, type NumericValues } from './features.js';
import { openSource, sha256, type Source } from './source.js';

/** A baseline, read once: its counts and each feature's sorted values or category counts. */
export interface BaselineProfile {
  source: Source;
  sha256: string;
  rows: number;
  missing: Map<string, number>;
  numeric: Map<string, NumericValues>;
  categorical: Map<string, CategoryCounts>;
}

const cache = new Map<string, BaselineProfile>();

/** How often a profile was reused or (re)computed in this process. */
export const profileCacheStats = { hits: 0, misses: 0 };

/**
 * The baseline's profile for these features, computed once per process and
 * reused while the files' names, sizes and mtimes are unchanged.
 */
export async function baselineProfile(conn: DuckDBConnection, spec: string, features: readonly FeatureColumn[]): Promise<BaselineProfile> {
  const source = await openSource(conn, 'baseline', spec);
  let profile = cache.get(spec);
  if (profile?.source.fingerprint !== source.fingerprint) profile = undefined;
  const has = (f: FeatureColumn) => (f.type === 'numeric' ? profile?.numeric.has(f.name) : profile?.categorical.has(f.name));
  const todo = features.filter((f) => source.columns.has(f.name) && !has(f));
  if (profile && todo.length === 0) {
    profileCacheStats.hits++;
    return profile;
  }
  profileCacheStats.misses++;
  const present = features.filter((f) => source.columns.has(f.name));
  const counts = await countRows(conn, source, present, null);
  profile ??= {
    source,
    sha256: await sha256(source.files),
    rows: counts.rows,
    missing: new Map(),
    numeric: new Map(),
    categorical: new Map(),
  };
  for (const [name, m] of counts.missing) profile.missing.set(name, m);
  for (const f of todo) {
    if (f.type === 'numeric') profile.numeric.set(f.name, await numericValues(conn, source, f.name, null, counts.rows - counts.missing.get(f.name)!));
    else profile.categorical.set(f.name, await categoryCounts(conn, source, f.name, null));
  }
  cache.set(spec, profile);
  return profile;
}
