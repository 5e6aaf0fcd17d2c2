import { compareNumeric, type Comparison } from '../../src/stats/index.js';
import { summarizeSamples } from '../../src/stats/streaming/index.js';
import { KERNEL_LIMIT } from '../../src/stats/streaming/kernels.js';

/** The ways production reads a numeric window: kept whole, or counted on grids over several passes; WebAssembly sort and merge on or off. */
export const NUMERIC_PATHS = [
  { name: 'kept, kernels', grid: false, kernels: true },
  { name: 'kept, JavaScript', grid: false, kernels: false },
  { name: 'grid, kernels', grid: true, kernels: true },
  { name: 'grid, JavaScript', grid: true, kernels: false },
] as const;

export type NumericPath = (typeof NUMERIC_PATHS)[number];

// Small grids and budgets, so that the grid path needs several passes even on small samples.
const GRID_LIMITS = { buckets: 8, values: 4 };

/** Both samples (any order, NaN missing) compared down the engine's own code path; null when a side has no finite value. */
export function compareSamples(baseline: Float64Array, window: Float64Array, path: NumericPath = NUMERIC_PATHS[0]): Comparison | null {
  const saved = KERNEL_LIMIT.bytes;
  if (!path.kernels) KERNEL_LIMIT.bytes = 0;
  try {
    const s = summarizeSamples(baseline, window, path.grid ? GRID_LIMITS : undefined);
    return s ? compareNumeric(s) : null;
  } finally {
    KERNEL_LIMIT.bytes = saved;
  }
}
