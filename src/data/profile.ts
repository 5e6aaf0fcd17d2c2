import type { DuckDBConnection } from '@duckdb/node-api';
import { categoryCountsAll, countRows, streamNumeric, type CategoryCounts, type FeatureColumn } from './features.js';
import { openSource, sha256, type Source } from './source.js';

/**
 * A baseline, read once: its counts, each categorical feature's category
 * counts, and each numeric feature's sorted finite values reduced by the
 * caller's `reduce` (the engine keeps a summary, not the values).
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

/** How often a profile was reused or (re)computed in this process. */
export const profileCacheStats = { hits: 0, misses: 0 };

/**
 * The baseline's profile for these features, computed once per process and
 * reused while the files' names, sizes and mtimes are unchanged. `reduce`
 * receives each numeric feature's finite values, ascending (and non-empty).
 */
export async function baselineProfile<T>(
  conn: DuckDBConnection,
  spec: string,
  features: readonly FeatureColumn[],
  reduce: (sorted: Float64Array) => T,
): Promise<BaselineProfile<T>> {
  const source = await openSource(conn, 'baseline', spec);
  let profile = cache.get(spec) as BaselineProfile<T> | undefined;
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

  // One scan for every numeric column; each array is sized exactly from the counts.
  const numeric = todo.filter((f) => f.type === 'numeric').map((f) => f.name);
  const valid = numeric.map((name) => new Float64Array(counts.rows - counts.missing.get(name)!));
  const filled = numeric.map(() => 0);
  if (numeric.length > 0) {
    await streamNumeric(conn, source, numeric, null, (values, _words, count) => {
      for (let c = 0; c < values.length; c++) {
        const v = values[c];
        const out = valid[c];
        let n = filled[c];
        for (let r = 0; r < count; r++) {
          const x = v[r];
          if (x - x === 0) out[n++] = x;
        }
        filled[c] = n;
      }
    });
  }
  // One buffer for every column's sort.
  const scratch = new Float64Array(valid.reduce((n, v) => Math.max(n, v.length), 0));
  numeric.forEach((name, c) => {
    const sorted = sortDoubles(valid[c], scratch);
    // Release each column's values as soon as it is reduced.
    valid[c] = new Float64Array(0);
    profile.numeric.set(name, sorted.length > 0 ? reduce(sorted) : null);
  });
  const categorical = todo.filter((f) => f.type === 'categorical').map((f) => f.name);
  for (const [name, col] of await categoryCountsAll(conn, source, categorical, null)) profile.categorical.set(name, col.counts);
  cache.set(spec, profile as BaselineProfile<unknown>);
  return profile;
}

/**
 * Sorts finite doubles ascending, in place, as Float64Array.prototype.sort
 * does (-0 before +0): an LSD radix sort over the order-preserving 64-bit key,
 * six 11-bit digits, skipping digits all values share. `scratch` (at least
 * as long as `a`) is the buffer it sorts through.
 */
export function sortDoubles<T extends Float64Array>(a: T, scratch: Float64Array = new Float64Array(a.length)): T {
  const n = a.length;
  if (n < 1024) return a.sort();
  const DIGIT = 11;
  const SIZE = 1 << DIGIT;
  const hist = new Int32Array(6 * SIZE);
  const lo = new Uint32Array(a.buffer, a.byteOffset, 2 * n);
  const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;
  const LO = 1 - HI;
  for (let i = 0; i < n; i++) {
    const h = lo[2 * i + HI] | 0;
    const m = h >> 31;
    const kh = (h ^ (m | 0x80000000)) >>> 0;
    const kl = (lo[2 * i + LO] ^ m) >>> 0;
    hist[kl & 0x7ff]++;
    hist[SIZE + ((kl >>> 11) & 0x7ff)]++;
    hist[2 * SIZE + (kl >>> 22)]++;
    hist[3 * SIZE + (kh & 0x7ff)]++;
    hist[4 * SIZE + ((kh >>> 11) & 0x7ff)]++;
    hist[5 * SIZE + (kh >>> 22)]++;
  }
  let src: Float64Array = a;
  let dst: Float64Array = scratch.subarray(0, n);
  for (let d = 0; d < 6; d++) {
    const base = d * SIZE;
    let skip = false;
    let sum = 0;
    for (let b = 0; b < SIZE; b++) {
      const c = hist[base + b];
      if (c === n) skip = true;
      hist[base + b] = sum;
      sum += c;
    }
    if (skip) continue;
    const words = new Uint32Array(src.buffer, src.byteOffset, 2 * n);
    const shift = (d % 3) * 11;
    const useHi = d >= 3;
    for (let i = 0; i < n; i++) {
      const h = words[2 * i + HI] | 0;
      const m = h >> 31;
      const k = useHi ? (h ^ (m | 0x80000000)) >>> 0 : (words[2 * i + LO] ^ m) >>> 0;
      const at = hist[base + ((k >>> shift) & 0x7ff)]++;
      dst[at] = src[i];
    }
    const t = src;
    src = dst;
    dst = t;
  }
  if (src !== a) a.set(src);
  return a;
}
