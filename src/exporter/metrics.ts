/**
 * The metric contract: names, label names and HELP texts. Alert rules and
 * dashboards depend on these names; change them only with a migration note.
 */
import { TESTS, type PublishedField, type TestId } from '../stats/index.js';

export type MetricType = 'gauge' | 'counter';

/** One published metric family. */
export interface MetricDef {
  name: string;
  type: MetricType;
  help: string;
  labels: readonly string[];
  /** A segment's family: its series also carry one label per segment_by column (see segments.ts). */
  segmented?: true;
  /**
   * Published only for what is configured for it (publish_categories): no lines at all, not even HELP and TYPE,
   * while no model publishes it, so a config without it publishes what it did before.
   */
  optIn?: true;
}

const FEATURE = ['model_name', 'feature_name'] as const;
const MODEL = ['model_name'] as const;
const SCHEDULED = 'Refreshed by the drift schedule, not at scrape time.';
const SEGMENT = ['model_name', 'segment'] as const;
const SEGMENT_FEATURE = ['model_name', 'feature_name', 'segment'] as const;
const CATEGORY = ['model_name', 'feature_name', 'category'] as const;
const CATEGORIES = 'Only for features with feature_overrides.<name>.publish_categories: every category the tests used (at most max_categories; "~other" is the overflow bucket of the merged ones, "~empty" the empty string, a real value starting with "~" gets one more).';
const SEGMENTED = 'Per segment of a model with segment_by: labelled with the key (segment) and one label per segment column.';

/** Per-test metrics, from each test's metadata: which result field each publishes. */
export const TEST_METRICS: readonly { test: TestId; field: PublishedField; def: MetricDef }[] = TESTS.flatMap((t) =>
  (Object.entries(t.metrics) as [PublishedField, string][]).map(([field, name]) => ({
    test: t.id,
    field,
    def: {
      name,
      type: 'gauge' as const,
      help: `${field === 'p_value' ? 'p-value of the' : 'Statistic of the'} ${t.description}. ${SCHEDULED}`,
      labels: FEATURE,
    },
  })),
);

/** Every metric family the exporter publishes. */
export const METRICS = {
  score: { name: 'ml_data_drift_score', type: 'gauge', labels: FEATURE, help: `Drift score of the feature: the distance of its primary test (see the README). ${SCHEDULED}` },
  detected: { name: 'ml_data_drift_detected', type: 'gauge', labels: FEATURE, help: `1 when the feature drifted (primary test over its threshold and significant), else 0. ${SCHEDULED}` },
  missing: { name: 'ml_feature_missing_ratio', type: 'gauge', labels: FEATURE, help: `Share of window rows where the feature is NULL or NaN (1 when the column is absent). ${SCHEDULED}` },
  baselineMissing: { name: 'ml_feature_baseline_missing_ratio', type: 'gauge', labels: FEATURE, help: `Share of baseline rows where the feature is NULL or NaN. ${SCHEDULED}` },
  categoryShare: { name: 'ml_feature_category_ratio', type: 'gauge', labels: CATEGORY, optIn: true, help: `Share of the window's non-missing values of a categorical feature in the category. ${CATEGORIES} ${SCHEDULED}` },
  baselineCategoryShare: { name: 'ml_feature_baseline_category_ratio', type: 'gauge', labels: CATEGORY, optIn: true, help: `Share of the baseline's non-missing values of a categorical feature in the category (0 for a category new in the window). ${CATEGORIES} ${SCHEDULED}` },
  unseen: { name: 'ml_feature_unseen_ratio', type: 'gauge', labels: FEATURE, help: `Share of the window's non-missing values of a categorical feature whose category never occurs in the baseline. ${SCHEDULED}` },
  outOfRange: { name: 'ml_feature_out_of_range_ratio', type: 'gauge', labels: FEATURE, help: `Share of the window's non-missing values of a numeric feature outside the baseline's [min, max]. ${SCHEDULED}` },
  predictionScore: { name: 'ml_prediction_drift_score', type: 'gauge', labels: MODEL, help: `Drift score of the model's prediction column (the largest, when it has several): its primary test distance. ${SCHEDULED}` },
  driftShare: { name: 'ml_model_drift_share', type: 'gauge', labels: MODEL, help: `Share of the model's compared features that drifted. ${SCHEDULED}` },
  modelDetected: { name: 'ml_model_drift_detected', type: 'gauge', labels: MODEL, help: `1 when the model's drift share reached its configured bound, else 0; absent when nothing could be compared (no data). ${SCHEDULED}` },
  threshold: { name: 'ml_drift_threshold', type: 'gauge', labels: ['model_name', 'feature_name', 'test'], help: `The threshold the feature is held to by each test that decides it (its primary test and its significance test): a p-value drifts below it, a distance at or above it. ${SCHEDULED}` },
  featureInfo: { name: 'ml_drift_feature_info', type: 'gauge', labels: ['model_name', 'feature_name', 'type', 'role', 'primary_test', 'significance_test', 'critical'], help: `How the feature is compared: its type, role (feature or prediction), primary and significance tests, and whether it is configured critical; always 1. ${SCHEDULED}` },
  windowEnd: { name: 'ml_drift_window_end_timestamp_seconds', type: 'gauge', labels: MODEL, help: `End of the last evaluated window (its as_of), Unix time: it stops advancing when the window is pinned. ${SCHEDULED}` },
  newestEvent: { name: 'ml_drift_window_newest_event_timestamp_seconds', type: 'gauge', labels: MODEL, help: `Time of the newest logged row in the last evaluated window, Unix time; absent without a timestamp column or rows. ${SCHEDULED}` },
  featureErrors: { name: 'ml_drift_feature_errors', type: 'gauge', labels: MODEL, help: `Features of the model that could not be compared in the last successful run (each has an error in /api/report); their drift is unknown, not absent. ${SCHEDULED}` },
  baselineStart: { name: 'ml_drift_baseline_start_timestamp_seconds', type: 'gauge', labels: MODEL, help: `Start of the baseline's reference range (start, end] in the last successful run, Unix time; absent when the whole baseline is the reference. ${SCHEDULED}` },
  baselineEnd: { name: 'ml_drift_baseline_end_timestamp_seconds', type: 'gauge', labels: MODEL, help: `End of the baseline's reference range (start, end] in the last successful run, Unix time; absent when the whole baseline is the reference. ${SCHEDULED}` },
  segmentScore: { name: 'ml_segment_drift_score', type: 'gauge', labels: SEGMENT_FEATURE, segmented: true, help: `Drift score of the feature in one segment of the window: its primary test distance. ${SEGMENTED} ${SCHEDULED}` },
  segmentDetected: { name: 'ml_segment_drift_detected', type: 'gauge', labels: SEGMENT_FEATURE, segmented: true, help: `1 when the feature drifted in the segment, else 0. ${SEGMENTED} ${SCHEDULED}` },
  segmentDriftShare: { name: 'ml_segment_model_drift_share', type: 'gauge', labels: SEGMENT, segmented: true, help: `Share of the compared features that drifted in the segment. ${SEGMENTED} ${SCHEDULED}` },
  segmentModelDetected: { name: 'ml_segment_model_drift_detected', type: 'gauge', labels: SEGMENT, segmented: true, help: `1 when the segment's drift share reached the model's bound, else 0; absent when nothing could be compared. ${SEGMENTED} ${SCHEDULED}` },
  segmentRows: { name: 'ml_segment_window_rows', type: 'gauge', labels: SEGMENT, segmented: true, help: `Rows of the window in the segment. ${SEGMENTED} ${SCHEDULED}` },
  segmentFeatureErrors: { name: 'ml_segment_feature_errors', type: 'gauge', labels: SEGMENT, segmented: true, help: `Features that could not be compared in the segment. ${SEGMENTED} ${SCHEDULED}` },
  windowRows: { name: 'ml_drift_window_rows', type: 'gauge', labels: MODEL, help: `Rows in the last evaluated window. ${SCHEDULED}` },
  baselineRows: { name: 'ml_drift_baseline_rows', type: 'gauge', labels: MODEL, help: `Rows in the model's baseline. ${SCHEDULED}` },
  baselineInfo: { name: 'ml_drift_baseline_info', type: 'gauge', labels: ['model_name', 'baseline_sha256'], help: `Identity of the baseline used by the last successful run; always 1. ${SCHEDULED}` },
  interval: { name: 'drift_exporter_schedule_interval_seconds', type: 'gauge', labels: MODEL, help: 'Longest gap between two scheduled runs of the model (over its next 100 runs), from its cron schedule.' },
  timeout: { name: 'drift_exporter_run_timeout_seconds', type: 'gauge', labels: MODEL, help: "The model's run_timeout: a run taking longer is abandoned and counted as failed." },
  maxLogLag: { name: 'drift_exporter_max_log_lag_seconds', type: 'gauge', labels: MODEL, help: "The model's max_log_lag: how far the window's newest event may lag the window's end before the logs count as stale." },
  loaded: { name: 'drift_exporter_model_loaded_timestamp_seconds', type: 'gauge', labels: MODEL, help: 'Unix time when the model entered the running config (at start or on reload): the reference for a model that has never succeeded.' },
  lastRunSuccess: { name: 'drift_exporter_last_run_success', type: 'gauge', labels: MODEL, help: '1 when the last drift run of the model succeeded, 0 when it failed or timed out.' },
  lastRun: { name: 'drift_exporter_last_run_timestamp_seconds', type: 'gauge', labels: MODEL, help: 'Unix time when the last drift run of the model ended, successful or not.' },
  lastSuccess: { name: 'drift_exporter_last_success_timestamp_seconds', type: 'gauge', labels: MODEL, help: 'Unix time when the last successful drift run of the model ended.' },
  duration: { name: 'drift_exporter_run_duration_seconds', type: 'gauge', labels: MODEL, help: 'Duration of the last drift run of the model, in seconds.' },
  runs: { name: 'drift_exporter_runs_total', type: 'counter', labels: MODEL, help: 'Drift runs started for the model.' },
  failures: { name: 'drift_exporter_run_failures_total', type: 'counter', labels: MODEL, help: 'Drift runs of the model that failed or timed out.' },
  skipped: { name: 'drift_exporter_skipped_runs_total', type: 'counter', labels: MODEL, help: 'Scheduled ticks skipped because the previous run of the model was still in progress.' },
  queueDepth: { name: 'drift_exporter_run_queue_depth', type: 'gauge', labels: [], help: 'Runs waiting for an engine process of the pool (at most one per model).' },
  queueWait: { name: 'drift_exporter_run_queue_wait_seconds', type: 'gauge', labels: MODEL, help: "How long the model's last run waited in the queue for an engine process before it started." },
  engineProcesses: { name: 'drift_exporter_engine_processes', type: 'gauge', labels: [], help: 'Size of the pool of engine processes (config engine.processes): at most this many runs at once.' },
  engineRss: { name: 'drift_exporter_engine_resident_memory_bytes', type: 'gauge', labels: ['engine'], help: "Resident memory of each engine process of the pool, as it reported after its last run; absent while the engine's process is not up." },
  cacheBytes: { name: 'drift_exporter_profile_cache_bytes', type: 'gauge', labels: ['engine'], help: 'Estimated bytes of the baseline profiles cached by each engine process (bounded by engine.profile_cache_bytes), after its last run.' },
  cacheHits: { name: 'drift_exporter_profile_cache_hits_total', type: 'counter', labels: [], help: 'Runs whose baseline profile was found in their engine process\'s cache, summed over the engines.' },
  cacheMisses: { name: 'drift_exporter_profile_cache_misses_total', type: 'counter', labels: [], help: 'Runs that (re)computed their baseline profile: not cached in their engine, evicted, or the baseline changed.' },
  cacheEvictions: { name: 'drift_exporter_profile_cache_evictions_total', type: 'counter', labels: [], help: 'Baseline profiles dropped from an engine\'s cache to keep it within engine.profile_cache_bytes.' },
  reloadOk: { name: 'drift_exporter_config_last_reload_successful', type: 'gauge', labels: [], help: 'Whether the last config load (at start or on SIGHUP) succeeded: 1, or 0 when it was refused and the previous config stays.' },
  reloadTime: { name: 'drift_exporter_config_last_reload_success_timestamp_seconds', type: 'gauge', labels: [], help: 'Unix time of the last successful config load.' },
  shardInfo: { name: 'drift_exporter_shard_info', type: 'gauge', labels: ['index', 'count'], help: 'This replica\'s shard: it runs the models whose name hashes to index of count (serve --shard); always 1.' },
  shardModels: { name: 'drift_exporter_shard_models', type: 'gauge', labels: [], help: "Models of the config this replica runs and publishes (its shard's share)." },
  buildInfo: { name: 'drift_exporter_build_info', type: 'gauge', labels: ['version', 'nodejs_version'], help: 'Build information of drift-exporter; always 1.' },
} as const satisfies Record<string, MetricDef>;

/** Every metric name the exporter can publish (for rule and dashboard checks). */
export const METRIC_NAMES: readonly string[] = [
  ...Object.values(METRICS).map((m) => m.name),
  ...TEST_METRICS.map((m) => m.def.name),
];
