/**
 * The shared buckets that chi-squared, JS and PSI compare: baseline-decile
 * bins for numeric features, categories for categorical ones.
 */

const DECILES = [1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => i / 10);

/** Quantile with linear interpolation of an ascending sample (numpy's default, DuckDB's quantile_cont). */
export function quantileSorted(a: Float64Array, q: number): number {
  const pos = q * (a.length - 1);
  const lo = Math.floor(pos);
  const t = pos - lo;
  if (lo + 1 >= a.length) return a[a.length - 1];
  const diff = a[lo + 1] - a[lo];
  // Interpolating from the nearer end keeps the result inside [a[lo], a[lo+1]].
  return t >= 0.5 ? a[lo + 1] - diff * (1 - t) : a[lo] + diff * t;
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

/** Name of the bucket that merges the categories beyond the top K. */
export const OTHER_CATEGORY = '__other__';

/** Both sides' counts over one list of categories. */
export interface AlignedCategories {
  categories: string[];
  baseline: Float64Array;
  window: Float64Array;
  /** Window rows whose category never occurs in the baseline. */
  unseen: number;
}

/**
 * Aligns two category-count maps on the union of their categories. Beyond
 * `maxCategories`, the most frequent (baseline first, then window) are kept
 * and the rest merged into one bucket, so that a high-cardinality column
 * keeps the tests meaningful and the output bounded.
 */
export function alignCategories(baseline: Map<string, number>, window: Map<string, number>, maxCategories: number): AlignedCategories {
  let unseen = 0;
  for (const [c, n] of window) if (!baseline.has(c)) unseen += n;
  const all = new Set([...baseline.keys(), ...window.keys()]);
  let categories = [...all].sort();
  let merged: Set<string> = new Set();
  if (categories.length > maxCategories) {
    const ranked = [...categories].sort(
      (a, b) => (baseline.get(b) ?? 0) - (baseline.get(a) ?? 0) || (window.get(b) ?? 0) - (window.get(a) ?? 0) || (a < b ? -1 : 1),
    );
    merged = new Set(ranked.slice(maxCategories - 1));
    categories = ranked.slice(0, maxCategories - 1).sort();
    categories.push(OTHER_CATEGORY);
  }
  const index = new Map(categories.map((c, i) => [c, i]));
  const b = new Float64Array(categories.length);
  const w = new Float64Array(categories.length);
  const slot = (c: string) => (merged.has(c) ? index.get(OTHER_CATEGORY)! : index.get(c)!);
  for (const [c, n] of baseline) b[slot(c)] += n;
  for (const [c, n] of window) w[slot(c)] += n;
  return { categories, baseline: b, window: w, unseen };
}
