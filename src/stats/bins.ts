/**
 * The shared buckets that chi-squared, JS and PSI compare: baseline-decile
 * bins for numeric features, categories for categorical ones.
 */

const DECILES = [1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => i / 10);

/** The quantiles a side's summary reports, and their JSON names. */
export const QUANTILES = [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99] as const;
export const QUANTILE_NAMES = ['p1', 'p5', 'p25', 'p50', 'p75', 'p95', 'p99'] as const;

/** Quantile with linear interpolation of an ascending sample (numpy's default, DuckDB's quantile_cont). */
export function quantileSorted(a: Float64Array, q: number): number {
  return quantileOf(a.length, q, (k) => a[k]);
}

/**
 * quantileSorted of a sample of `length` values known only through `at(k)`,
 * its k-th smallest (0-based): the one formula both the kept and the
 * streamed window use, and, with a recording `at`, which ranks it reads.
 */
export function quantileOf(length: number, q: number, at: (k: number) => number): number {
  const pos = q * (length - 1);
  const lo = Math.floor(pos);
  const t = pos - lo;
  if (lo + 1 >= length) return at(length - 1);
  return lerp(at(lo), at(lo + 1), t);
}

/** a + (b − a)·t for a <= b, interpolated from the nearer end so that the result stays inside [a, b]. */
function lerp(a: number, b: number, t: number): number {
  const diff = b - a;
  // Values of opposite signs can be more than the largest double apart: interpolate their halves (exact).
  if (diff === Infinity) return 2 * lerp(a / 2, b / 2, t);
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

/** Baseline deciles 0.1 … 0.9, duplicates removed. */
export function decileEdges(sortedBaseline: Float64Array): Float64Array {
  const edges: number[] = [];
  for (const q of DECILES) {
    const e = quantileSorted(sortedBaseline, q);
    if (edges.length === 0 || e !== edges[edges.length - 1]) edges.push(e);
  }
  return Float64Array.from(edges);
}

/** Both sides' counts over one list of categories, and the overflow bucket when the cap merged any. */
export interface AlignedCategories {
  /** The categories with a bucket of their own, sorted. */
  categories: string[];
  /**
   * Counts per category; when `merged` > 0, one more slot at the end is the
   * overflow bucket. It has no name, so no real category (not even one
   * called "__other__") can land in it by its value.
   */
  baseline: Float64Array;
  window: Float64Array;
  /** Categories merged into the overflow bucket (0: every category has its own). */
  merged: number;
  /** Window rows whose category never occurs in the baseline. */
  unseen: number;
}

/**
 * Aligns two category-count maps on the union of their categories. The cap
 * bounds memory and output, and is meant to lie far above real columns: up
 * to `maxCategories` buckets every category is its own, so the tests are
 * those of the full table. Beyond it the most frequent maxCategories − 1
 * (baseline first, then window) are kept and the rest merged into the
 * overflow bucket.
 */
export function alignCategories(baseline: Map<string, number>, window: Map<string, number>, maxCategories: number): AlignedCategories {
  let unseen = 0;
  for (const [c, n] of window) if (!baseline.has(c)) unseen += n;
  const all = new Set([...baseline.keys(), ...window.keys()]);
  let categories = [...all].sort();
  let merged = 0;
  if (categories.length > maxCategories) {
    const ranked = categories.sort(
      (a, b) => (baseline.get(b) ?? 0) - (baseline.get(a) ?? 0) || (window.get(b) ?? 0) - (window.get(a) ?? 0) || (a < b ? -1 : 1),
    );
    merged = ranked.length - (maxCategories - 1);
    categories = ranked.slice(0, maxCategories - 1).sort();
  }
  const index = new Map(categories.map((c, i) => [c, i]));
  // Categories not in `index` go to the overflow slot, at categories.length.
  const size = categories.length + (merged > 0 ? 1 : 0);
  const b = new Float64Array(size);
  const w = new Float64Array(size);
  for (const [c, n] of baseline) b[index.get(c) ?? categories.length] += n;
  for (const [c, n] of window) w[index.get(c) ?? categories.length] += n;
  return { categories, baseline: b, window: w, merged, unseen };
}
