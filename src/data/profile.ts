import type { DuckDBConnection } from '@duckdb/node-api';
import { countCategoriesAhead, countRows, countSegmentIds, inRows, MAX_SCAN_COLUMNS, SegmentFill, segmentBounds, streamNumeric, type CategoryCounts, type FeatureColumn, type Segments, type Slice, type TimeFilter } from './scan.js';
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
/**
 * A baseline with at most this many numeric values (8 MB) is read in one scan: it is reduced in a few
 * milliseconds, so there is nothing to overlap, and each further scan costs a query (~5-10 ms).
 */
const ONE_SCAN_VALUES = 1 << 20;

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

/** A cache lookup: the entry, its profile when it is of this version of the files, and the features it lacks. */
function lookup<T>(spec: string, source: Source, features: readonly FeatureColumn[]): { cached: Entry | undefined; profile: BaselineProfile<T> | undefined; todo: FeatureColumn[] } {
  const cached = cache.get(spec);
  let profile = cached?.profile as BaselineProfile<T> | undefined;
  if (profile?.source.fingerprint !== source.fingerprint) profile = undefined;
  const has = (f: FeatureColumn) => (f.type === 'numeric' ? profile?.numeric.has(f.name) : profile?.categorical.has(f.name));
  return { cached, profile, todo: features.filter((f) => source.columns.has(f.name) && !has(f)) };
}

/** A hit: the entry is the most recently used now. */
function touch(spec: string, entry: Entry): void {
  profileCacheStats.hits++;
  cache.delete(spec);
  cache.set(spec, entry);
}

/** The sha256 of the source's files: known from a cached profile of them (any range), or hashed off the main thread while the scans run. */
function hashOf(source: Source, known: BaselineProfile<unknown> | undefined): Promise<string> {
  known ??= [...cache.values()].find((e) => e.profile.source.spec === source.spec && e.profile.source.fingerprint === source.fingerprint)?.profile;
  const hashing = known ? Promise.resolve(known.sha256) : sha256(source.files);
  hashing.catch(() => undefined);
  return hashing;
}

/**
 * Streams the numeric columns in PROFILE_SCANS scans of a few columns each
 * (while one streams, the previous one's columns are reduced; a small
 * baseline in one scan), each column
 * whole in a row-sized array; with `segments`, each row at its segment's
 * place (bounds: prefix sums of the rows per segment id). Returns once the
 * scans are done, with the promise of each column's reduction, in order,
 * and `dropAll`, which gives back (`drop`) what the reductions made, once
 * they settle, for a profile that failed after all. A failed scan drops the
 * reductions already started itself.
 */
async function streamColumns<R>(
  conn: DuckDBConnection,
  source: Source,
  numeric: readonly string[],
  filter: TimeFilter | null,
  bounds: readonly number[],
  segments: Segments | null,
  reduce: (values: Float64Array, name: string) => R | Promise<R>,
  drop: (reduced: R) => void,
): Promise<{ reducing: Promise<R[]>; dropAll: () => void }> {
  const rows = bounds[bounds.length - 1];
  const size = rows * numeric.length <= ONE_SCAN_VALUES ? Math.max(1, numeric.length) : Math.max(1, Math.min(MAX_SCAN_COLUMNS, Math.ceil(numeric.length / PROFILE_SCANS)));
  const reductions: Promise<R>[] = [];
  // The first scan reads the segment ids; later ones place the same rows, in the same order, where it did.
  let places: Int32Array | null = null;
  const dropAll = () => void Promise.allSettled(reductions).then((rs) => rs.forEach((r) => r.status === 'fulfilled' && drop(r.value)));
  await orDrop(dropAll, async () => {
    for (let at = 0; at < numeric.length; at += size) {
      const group = numeric.slice(at, at + size);
      const all = group.map(() => new Float64Array(rows));
      const fill: SegmentFill | null = segments ? new SegmentFill(all, bounds, places) : null;
      let streamed = 0;
      let placed = true;
      await streamNumeric(
        conn,
        source,
        group,
        filter,
        (values, count) => {
          // Whole chunks, missing values included; rows beyond the count are only counted (reported below).
          // Unsegmented rows were read straight to their places.
          if (fill) placed &&= fill.add(values, count);
          streamed += count;
        },
        fill ? (places ? {} : { segments }) : { place: inRows(all) },
      );
      places = fill?.places ?? null;
      if (streamed !== rows || !placed || (fill && fill.short() >= 0)) {
        const what = segments ? 'its count per segment' : filter ? 'its count of the range' : "the files' metadata";
        throw new DataSourceError(`baseline ${source.spec}: ${streamed} rows read, not the rows ${what} says (${rows}); did they change during the run?`);
      }
      for (const [c, values] of all.entries()) {
        const reduced = Promise.resolve(reduce(values, group[c]));
        // Awaited below, after the other scans; until then a failure must not count as unhandled.
        reduced.catch(() => undefined);
        reductions.push(reduced);
      }
    }
  });
  const reducing = Promise.all(reductions);
  reducing.catch(() => undefined);
  return { reducing, dropAll };
}

/** What `work` returns; when it throws, `dropAll` first (the summaries already made would otherwise stay in their threads). */
async function orDrop<X>(dropAll: () => void, work: () => Promise<X>): Promise<X> {
  try {
    return await work();
  } catch (err) {
    dropAll();
    throw err;
  }
}

/** Puts a computed (or extended) profile in the cache under `spec`, and evicts beyond the budget. */
function store(spec: string, ranged: string, profile: BaselineProfile<unknown>, bytes: number, extending: boolean, moving: boolean, release: Entry['release']): void {
  // A profile of an older version of the files is let go; one extended with more features keeps its entry.
  const previous = cache.get(spec);
  if (previous && (!extending || previous.profile !== profile)) drop(spec);
  else if (previous) {
    cache.delete(spec);
    profileCacheStats.bytes -= previous.bytes;
    bytes += previous.bytes;
  }
  if (moving) for (const [key, e] of cache) if (e.range !== ranged && e.moving && e.profile.source.spec === profile.source.spec) drop(key);
  cache.set(spec, { profile, moving, range: ranged, bytes, release });
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
 * `meanwhile` is started once the source has been read, while its columns
 * are still being reduced, for more work on the same connection (the
 * window's first scan); the profile is returned once that work has settled
 * too (its outcome is the caller's). Not called when nothing is read.
 */
export async function baselineProfile<T>(
  conn: DuckDBConnection,
  source: Source,
  features: readonly FeatureColumn[],
  reduce: (values: Float64Array, name: string) => Reduced<T> | Promise<Reduced<T>>,
  release?: (value: T) => void,
  range: { filter: TimeFilter; moving: boolean } | null = null,
  meanwhile?: () => Promise<unknown>,
): Promise<BaselineProfile<T>> {
  return oneAtATime(source.spec, () => computeProfile(conn, source, features, reduce, release, range, meanwhile));
}

type ProfileArgs<T> = Parameters<typeof baselineProfile<T>>;

/**
 * The profiles of one source are computed one at a time: a run that needs one
 * while another run computes it waits, then finds it cached. Two computed at
 * once would each store theirs, and the second would release the summaries
 * the first run is still comparing with.
 */
const computing = new Map<string, Promise<unknown>>();
async function oneAtATime<R>(spec: string, compute: () => Promise<R>): Promise<R> {
  for (let busy = computing.get(spec); busy; busy = computing.get(spec)) await busy.catch(() => undefined);
  const mine = compute();
  computing.set(spec, mine);
  try {
    return await mine;
  } finally {
    if (computing.get(spec) === mine) computing.delete(spec);
  }
}

/**
 * The reductions, once they and `meanwhile` (started now) have settled; its
 * outcome is its caller's. The source was read and checked before (cached
 * only when read from one version of every file), so the connection is free.
 */
async function whileReducing<R>(reducing: Promise<R>, meanwhile: (() => Promise<unknown>) | undefined): Promise<R> {
  const sharing = meanwhile?.().then(
    () => undefined,
    () => undefined,
  );
  try {
    return await reducing;
  } finally {
    await sharing;
  }
}

async function computeProfile<T>(...[conn, source, features, reduce, release, range = null, meanwhile]: ProfileArgs<T>): Promise<BaselineProfile<T>> {
  const filter = range?.filter ?? null;
  const spec = rangeKey(source.spec, filter);
  const { cached, todo, ...found } = lookup<T>(spec, source, features);
  let profile = found.profile;
  if (cached && profile && todo.length === 0) {
    touch(spec, cached);
    return profile;
  }
  profileCacheStats.misses++;
  const hashing = hashOf(source, profile);
  // Local files: counted from the start, beside the numeric columns' stream; remote ones once it has ended.
  const categorical = todo.filter((f) => f.type === 'categorical').map((f) => f.name);
  const counting = countCategoriesAhead(conn, source, categorical, filter);
  // The row count comes from the files' metadata (a range's, from a count); missing values are counted while the columns stream.
  const { rows } = await countRows(conn, source, [], filter);
  const numeric = todo.filter((f) => f.type === 'numeric').map((f) => f.name);
  const { reducing, dropAll } = await streamColumns(
    conn,
    source,
    numeric,
    filter,
    [0, rows],
    null,
    (values, name) => (rows > 0 ? reduce(values, name) : { value: null, finite: 0 }),
    (r) => r.value !== null && release?.(r.value),
  );
  const { categories, reduced, sha } = await orDrop(dropAll, async () => {
    const categories = await counting();
    await assertUnchanged(source);
    return { categories, reduced: await whileReducing(reducing, meanwhile), sha: await hashing };
  });
  const extending = profile !== undefined;
  profile ??= { source, range: filter, slice: null, sha256: sha, rows, missing: new Map(), numeric: new Map(), categorical: new Map() };
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
  store(spec, spec, profile as BaselineProfile<unknown>, bytes, extending, range?.moving ?? false, release as Entry['release']);
  return profile;
}

/**
 * Reduces a numeric baseline column grouped by segment (slice s is
 * `values.subarray(bounds[s], bounds[s + 1])`, its rows in file order, NULL
 * as NaN; the array is handed over): the whole column when `whole`, and
 * each slice `want` names; null for the others.
 */
export type ReduceSegments<T> = (
  values: Float64Array,
  name: string,
  bounds: readonly number[],
  whole: boolean,
  want: readonly boolean[],
) => Promise<{ whole: Reduced<T> | null; parts: (Reduced<T> | null)[] }>;

/**
 * baselineProfile of the whole baseline (or range) and of its slices
 * `ids` of `segments` (segment id = index of a named key; keys.length: the
 * rows of no named key), all from the same scans: each row's segment id is
 * read with its values, and each slice's summary is made alongside the
 * whole's. Each is cached as its own entry (the slice's key: its columns
 * and key, or the keys it excludes), with the whole's range, and evicted
 * like any profile; only what is not cached is read, in one read.
 * `meanwhile`: as baselineProfile's.
 */
export async function segmentedProfile<T>(
  conn: DuckDBConnection,
  source: Source,
  features: readonly FeatureColumn[],
  reduce: ReduceSegments<T>,
  release: ((value: T) => void) | undefined,
  range: { filter: TimeFilter; moving: boolean } | null,
  segments: Segments,
  ids: readonly number[],
  meanwhile?: () => Promise<unknown>,
): Promise<{ whole: BaselineProfile<T>; slices: BaselineProfile<T>[] }> {
  return oneAtATime(source.spec, () => computeSegmented(conn, source, features, reduce, release, range, segments, ids, meanwhile));
}

async function computeSegmented<T>(...[conn, source, features, reduce, release, range, segments, ids, meanwhile]: Parameters<typeof segmentedProfile<T>>): Promise<{ whole: BaselineProfile<T>; slices: BaselineProfile<T>[] }> {
  const filter = range?.filter ?? null;
  const ranged = rangeKey(source.spec, filter);
  // Target 0 is the whole, target k > 0 the slice ids[k − 1].
  const slices: (Slice | null)[] = [null, ...ids.map((index) => ({ segments, index }))];
  const specs = slices.map((slice) => ranged + sliceKey(slice));
  const looked = specs.map((spec) => lookup<T>(spec, source, features));
  looked.forEach((l, t) => {
    if (l.cached && l.profile && l.todo.length === 0) touch(specs[t], l.cached);
    else profileCacheStats.misses++;
  });
  const done = () => ({ whole: looked[0].profile!, slices: looked.slice(1).map((l) => l.profile!) });
  if (looked.every((l) => l.todo.length === 0 && l.profile)) return done();
  const hashing = hashOf(source, looked.find((l) => l.profile)?.profile);
  const wanted = (t: number, name: string) => looked[t].todo.some((f) => f.name === name);
  const union = (type: FeatureColumn['type']) => features.filter((f) => f.type === type && looked.some((_, t) => wanted(t, f.name))).map((f) => f.name);
  // Local files: counted from the start, beside the numeric columns' stream; remote ones once it has ended.
  const counting = countCategoriesAhead(conn, source, union('categorical'), filter, { segments });
  // Rows per segment id (the whole's: their sum); missing values are counted while the columns stream.
  const perId = await countSegmentIds(conn, source, segments, filter);
  const bounds = segmentBounds(perId);
  const rows = bounds[bounds.length - 1];
  const numeric = union('numeric');
  const { reducing, dropAll } = await streamColumns(
    conn,
    source,
    numeric,
    filter,
    bounds,
    segments,
    (values, name) => {
      const want = perId.map(() => false);
      ids.forEach((id, k) => (want[id] = wanted(k + 1, name)));
      const none = { value: null, finite: 0 };
      return rows > 0 ? reduce(values, name, bounds, wanted(0, name), want) : { whole: none, parts: want.map(() => none) };
    },
    (r) => {
      for (const x of [r.whole, ...r.parts]) if (x && x.value !== null) release?.(x.value);
    },
  );
  const { categories, reduced, sha } = await orDrop(dropAll, async () => {
    const categories = await counting();
    await assertUnchanged(source);
    return { categories, reduced: await whileReducing(reducing, meanwhile), sha: await hashing };
  });
  const out = looked.map((l, t) => {
    if (l.todo.length === 0 && l.profile) return { profile: l.profile, bytes: 0, extending: false, stored: false };
    const id = t === 0 ? null : ids[t - 1];
    const extending = l.profile !== undefined;
    const profile: BaselineProfile<T> = l.profile ?? { source, range: filter, slice: slices[t], sha256: sha, rows: id === null ? rows : perId[id], missing: new Map(), numeric: new Map(), categorical: new Map() };
    let bytes = extending ? 0 : PROFILE_BYTES;
    numeric.forEach((name, c) => {
      if (!wanted(t, name)) return;
      const r = (id === null ? reduced[c].whole : reduced[c].parts[id])!;
      profile.missing.set(name, profile.rows - r.finite);
      profile.numeric.set(name, r.value);
      bytes += r.bytes ?? 0;
    });
    for (const [name, col] of categories) {
      if (!wanted(t, name)) continue;
      const part = id === null ? col : col.segments![id];
      profile.categorical.set(name, part.counts);
      profile.missing.set(name, part.missing);
      bytes += part.counts.size * CATEGORY_BYTES;
    }
    return { profile, bytes, extending, stored: true };
  });
  out.forEach((o, t) => o.stored && store(specs[t], ranged, o.profile as BaselineProfile<unknown>, o.bytes, o.extending, range?.moving ?? false, release as Entry['release']));
  looked.forEach((l, t) => (l.profile = out[t].profile));
  return done();
}
