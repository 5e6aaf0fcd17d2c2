import { TESTS, type FeatureType, type TestId } from '../stats/index.js';

/** Every default in one place; the README's defaults table mirrors it. */
export const DEFAULTS = {
  schedule: '*/5 * * * *',
  run_timeout: '5m',
  max_log_lag: '1h',
  window_duration: '1d',
  drift_share_threshold: 0.5,
  max_categories: 10000,
  /** Segments of a segmented model, the overflow bucket of the smallest ones included. */
  max_segments: 20,
  /** Bound on each HTTP request to object storage; with http_retries, how long an unreachable store can hold a run. */
  http_timeout: '30s',
  http_retries: 1,
  primary: { numeric: 'wasserstein', categorical: 'js' } as Record<FeatureType, TestId>,
  significance: { numeric: 'ks', categorical: 'chi2' } as Record<FeatureType, TestId | null>,
  thresholds: Object.fromEntries(TESTS.map((t) => [t.id, t.defaultThreshold])) as Record<TestId, number>,
};

const MiB = 2 ** 20;
const GiB = 2 ** 30;

/** The machine an engine pool is sized for: cores and memory (the cgroup's limit when lower than the RAM). */
export interface Machine {
  cores: number;
  memoryBytes: number;
}

/**
 * The `engine` defaults for a machine: one engine per core while each has
 * 1 GiB of the memory; a quarter of the memory shared among the engines'
 * DuckDB limits; the cores shared among their threads; and a profile cache of
 * 256 MiB each (less on a small machine). Given `processes`, the rest divide among that many. README "Running a fleet" sizes from these.
 */
export function engineDefaults(m: Machine, processes = Math.max(1, Math.min(m.cores, Math.floor(m.memoryBytes / GiB)))) {
  return {
    processes,
    duckdb_memory_limit: Math.max(128 * MiB, Math.floor((m.memoryBytes * 0.25) / processes / MiB) * MiB),
    duckdb_threads: Math.max(1, Math.floor(m.cores / processes)),
    profile_cache_bytes: Math.min(256 * MiB, Math.floor((m.memoryBytes * 0.05) / processes / MiB) * MiB),
  };
}
