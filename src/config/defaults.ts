import { TESTS, type FeatureType, type TestId } from '../stats/index.js';

/** Every default in one place; the README's defaults table mirrors it. */
export const DEFAULTS = {
  schedule: '*/5 * * * *',
  run_timeout: '5m',
  max_log_lag: '1h',
  window_duration: '1d',
  drift_share_threshold: 0.5,
  max_categories: 10000,
  /** Bound on each HTTP request to object storage; with http_retries, how long an unreachable store can hold a run. */
  http_timeout: '30s',
  http_retries: 1,
  primary: { numeric: 'wasserstein', categorical: 'js' } as Record<FeatureType, TestId>,
  significance: { numeric: 'ks', categorical: 'chi2' } as Record<FeatureType, TestId | null>,
  thresholds: Object.fromEntries(TESTS.map((t) => [t.id, t.defaultThreshold])) as Record<TestId, number>,
};
