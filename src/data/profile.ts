import type { DuckDBConnection } from '@duckdb/node-api';
import { categoryCountsAll, countRows, streamNumeric, type CategoryCounts, type FeatureColumn } from './scan.js';
import { assertUnchanged, DataSourceError, sha256, type Source } from './source.js';

/**
 * A baseline, read once: its counts, each categorical feature's category
 * counts, and each numeric feature's values reduced by the caller's
 * `reduce` (the engine keeps a summary, not the values).
 */
export interface BaselineProfile<T = Float64Array> {
  source: Source;
  sha256: string;
  rows: number;
  missing: Map<string, number>;
  /** null when the feature has no finite value. */
  numeric: Map<string, T | null>;
  categorical: Map<string, CategoryCounts>;
}

const cache = new Map<string, BaselineProfile<unknown>>();

/** Numeric columns are read in this many scans, so that reducing one scan's columns overlaps reading the next. */
const PROFILE_SCANS = 4;

/** Drops a baseline's cached profile: the next run computes it again. */
export function forgetProfile(spec: string): void {
  cache.delete(spec);
}

/** How often a profile was reused or (re)computed in this process. */
export const profileCacheStats = { hits: 0, misses: 0 };

/** A numeric column reduced: the caller's value (null when no value is finite) and how many values were finite. */
export interface Reduced<T> {
  value: T | null;
  finite: number;
}

/**
 * The profile of an opened baseline source for these features, computed once
 * per process and reused while the source's fingerprint is unchanged (each
 * file's name, size, times, inode and a hash of its footer and edges). `reduce`
 * receives each numeric feature's values in file order, NULL as NaN (the
 * array is handed over: it may reorder or transfer it), and counts the
 * finite ones; NaN and ±Infinity are missing. The columns are reduced
 * concurrently when `reduce` returns promises.
 */
export async function baselineProfile<T>(
  conn: DuckDBConnection,
  source: Source,
  features: readonly FeatureColumn[],
  reduce: (values: Float64Array) => Reduced<T> | Promise<Reduced<T>>,
): Promise<BaselineProfile<T>> {
  const spec = source.spec;
  let profile = cache.get(spec) as BaselineProfile<T> | undefined;
  if (profile?.source.fingerprint !== source.fingerprint) profile = undefined;
  const has = (f: FeatureColumn) => (f.type === 'numeric' ? profile?.numeric.has(f.name) : profile?.categorical.has(f.name));
  const todo = features.filter((f) => source.columns.has(f.name) && !has(f));
  if (profile && todo.length === 0) {
    profileCacheStats.hits++;
    return profile;
  }
  profileCacheStats.misses++;
  // Hashing runs off the main thread while the scans below run.
  const hashing = profile ? Promise.resolve(profile.sha256) : sha256(source.files);
  hashing.catch(() => undefined);
  // The row count comes from the files' metadata; missing values are counted while the columns stream.
  const { rows } = await countRows(conn, source, [], null);
  const numeric = todo.filter((f) => f.type === 'numeric').map((f) => f.name);
  // Scans of a few columns each: while one streams, the previous one's columns are being reduced.
  const size = Math.max(1, Math.ceil(numeric.length / PROFILE_SCANS));
  const reductions: Promise<Reduced<T>>[] = [];
  for (let at = 0; at < numeric.length; at += size) {
    const group = numeric.slice(at, at + size);
    const all = group.map(() => new Float64Array(rows));
    let streamed = 0;
    await streamNumeric(conn, source, group, null, (values, count) => {
      // Whole chunks, missing values included; rows beyond the metadata's count are only counted (reported below).
      if (streamed + count <= rows) for (let c = 0; c < values.length; c++) all[c].set(values[c].subarray(0, count), streamed);
      streamed += count;
    });
    if (streamed !== rows) throw new DataSourceError(`baseline ${spec}: ${streamed} rows read, the files' metadata says ${rows}; did they change during the run?`);
    for (const values of all) {
      const reduced = Promise.resolve(rows > 0 ? reduce(values) : { value: null, finite: 0 });
      // Awaited below, after the other scans; until then a failure must not count as unhandled.
      reduced.catch(() => undefined);
      reductions.push(reduced);
    }
  }
  const reducing = Promise.all(reductions);
  const categorical = todo.filter((f) => f.type === 'categorical').map((f) => f.name);
  const categories = await categoryCountsAll(conn, source, categorical, null);
  const reduced = await reducing;
  profile ??= { source, sha256: await hashing, rows, missing: new Map(), numeric: new Map(), categorical: new Map() };
  numeric.forEach((name, c) => {
    profile!.missing.set(name, rows - reduced[c].finite);
    profile!.numeric.set(name, reduced[c].value);
  });
  for (const [name, col] of categories) {
    profile.categorical.set(name, col.counts);
    profile.missing.set(name, col.missing);
  }
  // Cached only when it was read from one version of every file.
  await assertUnchanged(source);
  cache.set(spec, profile as BaselineProfile<unknown>);
  return profile;
}
