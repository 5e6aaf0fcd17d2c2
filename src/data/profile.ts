import type { DuckDBConnection } from '@duckdb/node-api';
import { categoryCountsAll, countRows, streamNumeric, type CategoryCounts, type FeatureColumn, type Slice, type TimeFilter } from './scan.js';
import { assertUnchanged, DataSourceError, sha256, type Source } from './source.js';

/**
 * A baseline, read once: its counts, each categorical feature's category
 * counts, and each numeric feature's values reduced by the caller's
 * `reduce` (the engine keeps a summary, not the values).
 */
export interface BaselineProfile<T = Float64Array> {
  source: Source;
  /** The reference range read, (start, end]; null: the whole source. */
  range: TimeFilter | null;
  /** The segment slice read; null: every row of the range. */
  slice: Slice | null;
  sha256: string;
  rows: number;
  missing: Map<string, number>;
  /** null when the feature has no finite value. */
  numeric: Map<string, T | null>;
  categorical: Map<string, CategoryCounts>;
}

/** A cached profile, its estimated size, and how its reduced values are let go. */
interface Entry {
  profile: BaselineProfile<unknown>;
  /** A moving reference's range is not asked for again once the next one is read. */
  moving: boolean;
  /** The range part of the cache key: a source's segment slices of one range are kept together. */
  range: string;
  bytes: number;
  release?: (value: unknown) => void;
}

/** By source and range read (rangeKey). Least recently used first: a Map iterates in insertion order, and a hit re-inserts. */
const cache = new Map<string, Entry>();
let budgetBytes = Infinity;

/** Numeric columns are read in this many scans, so that reducing one scan's columns overlaps reading the next. */
const PROFILE_SCANS = 4;

/** Estimated bytes of a category and its count in a Map (the string, the entry, the number). */
const CATEGORY_BYTES = 64;
/** Estimated bytes of a profile itself (its object, maps and source), whatever its features. */
export const PROFILE_BYTES = 512;

/** How often a profile was reused or (re)computed in this process, and what the cache holds. */
export const profileCacheStats = { hits: 0, misses: 0, evictions: 0, bytes: 0, entries: 0 };

/**
 * Bounds the profile cache to about `bytes` (estimated from the reduced
 * values' own sizes): the least recently used profiles are dropped beyond it.
 * Unbounded by default (a one-shot report).
 */
export function setProfileCacheBudget(bytes: number): void {
  budgetBytes = bytes;
  evict(null);
}

/** The cache key of a source read over a range: one entry per range actually read. */
function rangeKey(spec: string, range: TimeFilter | null): string {
  return range ? `${spec}\n${range.column} (${range.start.toISOString()}, ${range.end.toISOString()}]` : spec;
}

/** A segment slice's part of the cache key: its columns and key (or, for the overflow, every named key it excludes). */
function sliceKey(slice: Slice | null): string {
  if (!slice) return '';
  const { segments, index } = slice;
  const key = index < segments.keys.length ? { key: segments.keys[index] } : { not: segments.keys };
  return `\nsegment ${JSON.stringify({ columns: segments.columns, ...key })}`;
}

/** Drops a baseline's cached profiles (every range of it) and lets their reduced values go: the next run computes them again. */
export function forgetProfile(spec: string): void {
  for (const [key, e] of cache) if (e.profile.source.spec === spec) drop(key);
}

function drop(key: string): void {
  const e = cache.get(key);
  if (!e) return;
  cache.delete(key);
  profileCacheStats.bytes -= e.bytes;
  profileCacheStats.entries = cache.size;
  if (e.release) for (const v of e.profile.numeric.values()) if (v !== null) e.release(v);
}

/** Drops least recently used entries other than `keep` while the cache is over its budget. */
function evict(keep: string | null): void {
  for (const spec of cache.keys()) {
    if (profileCacheStats.bytes <= budgetBytes) return;
    if (spec === keep) continue;
    drop(spec);
    profileCacheStats.evictions++;
  }
}

/**
 * A numeric column reduced: the caller's value (null when no value is
 * finite), how many values were finite, and the bytes the value holds (for
 * the cache's budget; 0 when unknown).
 */
export interface Reduced<T> {
  value: T | null;
  finite: number;
  bytes?: number;
}

/**
 * The profile of an opened baseline source for these features, computed once
 * per process and reused while the source's fingerprint is unchanged (each
 * file's name, size, times, inode and a hash of its footer and edges). `reduce`
 * receives each numeric feature's values in file order, NULL as NaN (the
 * array is handed over: it may reorder or transfer it), and counts the
 * finite ones; NaN and ±Infinity are missing. The columns are reduced
 * concurrently when `reduce` returns promises. A profile dropped from the
 * cache (evicted, replaced, forgotten) has `release` called on each of its
 * reduced values, so that whoever holds them (a summary thread) frees them.
 * With `range`, only the rows whose timestamp lies in (start, end] are read,
 * and the profile is cached for that range: a fixed reference is read once;
 * a `moving` one replaces the source's previous moving range (each run asks
 * for a new one), so it costs one read per run and holds one entry.
 */
export async function baselineProfile<T>(
  conn: DuckDBConnection,
  source: Source,
  features: readonly FeatureColumn[],
  reduce: (values: Float64Array, name: string) => Reduced<T> | Promise<Reduced<T>>,
  release?: (value: T) => void,
  range: { filter: TimeFilter; moving: boolean } | null = null,
  slice: Slice | null = null,
): Promise<BaselineProfile<T>> {
  const filter = range?.filter ?? null;
  const ranged = rangeKey(source.spec, filter);
  const spec = ranged + sliceKey(slice);
  const cached = cache.get(spec);
  let profile = cached?.profile as BaselineProfile<T> | undefined;
  if (profile?.source.fingerprint !== source.fingerprint) profile = undefined;
  const has = (f: FeatureColumn) => (f.type === 'numeric' ? profile?.numeric.has(f.name) : profile?.categorical.has(f.name));
  const todo = features.filter((f) => source.columns.has(f.name) && !has(f));
  if (cached && profile && todo.length === 0) {
    profileCacheStats.hits++;
    // Most recently used now.
    cache.delete(spec);
    cache.set(spec, cached);
    return profile;
  }
  profileCacheStats.misses++;
  // Hashing runs off the main thread while the scans below run; another range of the same files has the same hash.
  const known = profile ?? [...cache.values()].find((e) => e.profile.source.spec === source.spec && e.profile.source.fingerprint === source.fingerprint)?.profile;
  const hashing = known ? Promise.resolve(known.sha256) : sha256(source.files);
  hashing.catch(() => undefined);
  // The row count comes from the files' metadata (a range's, from a count); missing values are counted while the columns stream.
  const { rows } = await countRows(conn, source, [], filter, slice);
  const numeric = todo.filter((f) => f.type === 'numeric').map((f) => f.name);
  // Scans of a few columns each: while one streams, the previous one's columns are being reduced.
  const size = Math.max(1, Math.ceil(numeric.length / PROFILE_SCANS));
  const reductions: Promise<Reduced<T>>[] = [];
  for (let at = 0; at < numeric.length; at += size) {
    const group = numeric.slice(at, at + size);
    const all = group.map(() => new Float64Array(rows));
    let streamed = 0;
    await streamNumeric(
      conn,
      source,
      group,
      filter,
      (values, count) => {
        // Whole chunks, missing values included; rows beyond the metadata's count are only counted (reported below).
        if (streamed + count <= rows) for (let c = 0; c < values.length; c++) all[c].set(values[c].subarray(0, count), streamed);
        streamed += count;
      },
      { slice },
    );
    if (streamed !== rows) throw new DataSourceError(`baseline ${source.spec}: ${streamed} rows read, ${filter || slice ? 'its count of the range' : "the files' metadata"} says ${rows}; did they change during the run?`);
    for (const [c, values] of all.entries()) {
      const reduced = Promise.resolve(rows > 0 ? reduce(values, group[c]) : { value: null, finite: 0 });
      // Awaited below, after the other scans; until then a failure must not count as unhandled.
      reduced.catch(() => undefined);
      reductions.push(reduced);
    }
  }
  const reducing = Promise.all(reductions);
  const categorical = todo.filter((f) => f.type === 'categorical').map((f) => f.name);
  const categories = await categoryCountsAll(conn, source, categorical, filter, { slice });
  const reduced = await reducing;
  const extending = profile !== undefined;
  profile ??= { source, range: filter, slice, sha256: await hashing, rows, missing: new Map(), numeric: new Map(), categorical: new Map() };
  let bytes = extending ? 0 : PROFILE_BYTES;
  numeric.forEach((name, c) => {
    profile!.missing.set(name, rows - reduced[c].finite);
    profile!.numeric.set(name, reduced[c].value);
    bytes += reduced[c].bytes ?? 0;
  });
  for (const [name, col] of categories) {
    profile.categorical.set(name, col.counts);
    profile.missing.set(name, col.missing);
    bytes += col.counts.size * CATEGORY_BYTES;
  }
  // Cached only when it was read from one version of every file.
  await assertUnchanged(source);
  // A profile of an older version of the files is let go; one extended with more features keeps its entry.
  const previous = cache.get(spec);
  if (previous && (!extending || previous.profile !== profile)) drop(spec);
  else if (previous) {
    cache.delete(spec);
    profileCacheStats.bytes -= previous.bytes;
    bytes += previous.bytes;
  }
  const moving = range?.moving ?? false;
  if (moving) for (const [key, e] of cache) if (e.range !== ranged && e.moving && e.profile.source.spec === source.spec) drop(key);
  cache.set(spec, { profile: profile as BaselineProfile<unknown>, moving, range: ranged, bytes, release: release as Entry['release'] });
  profileCacheStats.bytes += bytes;
  profileCacheStats.entries = cache.size;
  evict(spec);
  // Over the budget on its own: this run uses it, and it is not kept (its values go when no longer referenced).
  if (profileCacheStats.bytes > budgetBytes) {
    cache.delete(spec);
    profileCacheStats.bytes -= bytes;
    profileCacheStats.entries = cache.size;
    profileCacheStats.evictions++;
  }
  return profile;
}
