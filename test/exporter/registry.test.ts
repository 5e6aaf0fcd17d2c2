// The publishing rules, in process: reports in, the registry's text
// exposition out, read back with the strict parser.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { blocksPending, DriftMetrics, ExporterState, parseListen, formatListen } from '../../src/exporter/index.js';
import type { FeatureReport, ModelReport } from '../../src/report/index.js';
import { parseExposition, samplesByKey, seriesKey } from '../helpers/prom-text.js';
import { METRICS, TEST_METRICS } from '../../src/exporter/metrics.js';

function feature(name: string, over: Partial<FeatureReport> = {}): FeatureReport {
  return {
    feature: name,
    type: 'numeric',
    role: 'feature',
    critical: false,
    missing_ratio: 0.1,
    baseline_missing_ratio: 0,
    tests: { ks: { statistic: 0.2, p_value: 0.01 }, wasserstein: { statistic: 0.5, normed: 0.3 }, psi: { statistic: 0.25 }, chi2: { statistic: 9, p_value: 0.02, dof: 9 } },
    out_of_range_ratio: 0.05,
    score: 0.3,
    drift: true,
    decision: { primary: { test: 'wasserstein', threshold: 0.1 }, significance: { test: 'ks', threshold: 0.01 } },
    ...over,
  };
}

function report(model: string, features: FeatureReport[], over: Partial<ModelReport> = {}): ModelReport {
  return {
    model,
    status: 'drift',
    feature_errors: 0,
    as_of: '2026-03-02T00:00:00.000Z',
    window: { rows: 1000, start: '2026-03-01T00:00:00.000Z', end: '2026-03-02T00:00:00.000Z', newest_event: '2026-03-01T23:59:00.000Z' },
    baseline: { rows: 5000, sha256: 'abc123', start: null, end: null },
    features,
    drift_share: 0.5,
    drift: true,
    ...over,
  };
}

function setup() {
  // Reference mode: prom-client keeps every family too, and its own rendering is what the chunks must equal.
  const metrics = new DriftMetrics({ version: '9.9.9', nodejsVersion: 'v20.0.0' }, { reference: true });
  const state = new ExporterState(metrics);
  const scrape = async () => samplesByKey(parseExposition(Buffer.concat((await metrics.render()).parts).toString("utf8")));
  return { metrics, state, scrape };
}

const at = (s: number) => ({ durationS: 1.5, endedAt: new Date(s * 1000) });
const key = (name: string, model: string, feature?: string) => seriesKey(name, feature ? { model_name: model, feature_name: feature } : { model_name: model });
const namesOf = (samples: Map<string, number>, model: string, feature?: string) =>
  [...samples.keys()].filter((k) => k.includes(`model_name="${model}"`) && (!feature || k.includes(`feature_name="${feature}"`))).map((k) => k.slice(0, k.indexOf('{'))).sort();

describe('DriftMetrics and ExporterState', () => {
  it('publish build info and zeroed run counters before any run, and nothing from the global registry', async () => {
    const { state, scrape } = setup();
    state.setModels([{ name: 'm', schedule: '* * * * *', intervalS: 60, timeoutS: 300, maxLogLagS: 3600 }]);
    const s = await scrape();
    assert.equal(s.get(seriesKey('drift_exporter_build_info', { version: '9.9.9', nodejs_version: 'v20.0.0' })), 1);
    assert.deepEqual(namesOf(s, 'm'), [
      'drift_exporter_max_log_lag_seconds',
      'drift_exporter_model_loaded_timestamp_seconds',
      'drift_exporter_run_failures_total',
      'drift_exporter_run_timeout_seconds',
      'drift_exporter_runs_total',
      'drift_exporter_schedule_interval_seconds',
      'drift_exporter_skipped_runs_total',
    ]);
    for (const n of ['drift_exporter_run_failures_total', 'drift_exporter_runs_total', 'drift_exporter_skipped_runs_total']) assert.equal(s.get(key(n, 'm')), 0);
    assert.deepEqual(['schedule_interval', 'run_timeout', 'max_log_lag'].map((n) => s.get(key(`drift_exporter_${n}_seconds`, 'm'))), [60, 300, 3600]);
    assert.ok(Math.abs(s.get(key('drift_exporter_model_loaded_timestamp_seconds', 'm'))! - Date.now() / 1000) < 60);
    assert.equal(state.ready, false);
  });

  it('are ready only once every model has succeeded; /api/report lists failing models with their error', () => {
    const { state } = setup();
    const entry = (name: string) => ({ name, schedule: '* * * * *', intervalS: 60, timeoutS: 300, maxLogLagS: 3600 });
    state.setModels([entry('a'), entry('b')]);
    state.runSucceeded(report('a', [feature('x')]), at(1));
    state.runFailed('b', 'baseline /x.parquet: no file matches', at(2));
    assert.equal(state.ready, false, 'a model that only failed is not ready');
    const r = state.report(new Date(3000));
    assert.deepEqual(r.models.map((m) => m.model), ['a']);
    assert.deepEqual(r.runs.find((x) => x.model === 'b'), {
      model: 'b',
      running: false,
      last_run: { ended_at: new Date(2000).toISOString(), ok: false, duration_seconds: 1.5, error: 'baseline /x.parquet: no file matches' },
      last_success: null,
    });
    state.runSucceeded(report('b', [feature('x')]), at(4));
    assert.equal(state.ready, true);
  });

  it('publish each feature\'s thresholds and how it is compared, the window end, its newest event and the last run outcome', async () => {
    const { state, scrape } = setup();
    state.setModels([{ name: 'm', schedule: '* * * * *', intervalS: 60, timeoutS: 300, maxLogLagS: 3600 }]);
    state.runSucceeded(report('m', [feature('x', { critical: true }), feature('c', { type: 'categorical', role: 'prediction', decision: { primary: { test: 'js', threshold: 0.05 }, significance: null } })]), at(1));
    const s = await scrape();
    const f = (feature: string, extra: Record<string, string>) => seriesKey('ml_drift_threshold', { model_name: 'm', feature_name: feature, ...extra });
    assert.equal(s.get(f('x', { test: 'wasserstein' })), 0.1);
    assert.equal(s.get(f('x', { test: 'ks' })), 0.01);
    assert.equal(s.get(f('c', { test: 'js' })), 0.05);
    assert.equal([...s.keys()].filter((k) => k.startsWith('ml_drift_threshold{') && k.includes('feature_name="c"')).length, 1, 'no significance test: one threshold');
    const info = (feature: string, l: Record<string, string>) => s.get(seriesKey('ml_drift_feature_info', { model_name: 'm', feature_name: feature, ...l }));
    assert.equal(info('x', { type: 'numeric', role: 'feature', primary_test: 'wasserstein', significance_test: 'ks', critical: 'true' }), 1);
    assert.equal(info('c', { type: 'categorical', role: 'prediction', primary_test: 'js', significance_test: '', critical: 'false' }), 1);
    assert.equal(s.get(key('ml_drift_window_end_timestamp_seconds', 'm')), Date.parse('2026-03-02T00:00:00Z') / 1000);
    assert.equal(s.get(key('ml_drift_window_newest_event_timestamp_seconds', 'm')), Date.parse('2026-03-01T23:59:00Z') / 1000);
    assert.equal(s.get(key('drift_exporter_last_run_success', 'm')), 1);
    state.runFailed('m', 'boom', at(2));
    assert.equal((await scrape()).get(key('drift_exporter_last_run_success', 'm')), 0);
  });

  it('publish per feature only the tests that were computed, and the ratio of its type', async () => {
    const { state, scrape } = setup();
    state.setModels([{ name: 'm', schedule: '* * * * *', intervalS: 60, timeoutS: 300, maxLogLagS: 3600 }]);
    state.runStarted('m');
    const cat = feature('c', { type: 'categorical', tests: { chi2: { statistic: 3, p_value: 0.2 }, js: { statistic: 0.01 } }, out_of_range_ratio: undefined, unseen_ratio: 0.02, score: 0.01, drift: false });
    state.runSucceeded(report('m', [feature('x'), cat, feature('p', { role: 'prediction', score: 0.7 }), feature('q', { role: 'prediction', score: 0.2 })]), at(100));
    const s = await scrape();
    const decision = new Set(['ml_drift_threshold', 'ml_drift_feature_info']);
    assert.deepEqual(namesOf(s, 'm', 'c').filter((n) => !decision.has(n)), [
      'ml_data_drift_detected',
      'ml_data_drift_score',
      'ml_drift_chi2_p_value',
      'ml_drift_chi2_statistic',
      'ml_drift_js_divergence',
      'ml_feature_baseline_missing_ratio',
      'ml_feature_missing_ratio',
      'ml_feature_unseen_ratio',
    ]);
    assert.ok(namesOf(s, 'm', 'x').includes('ml_feature_out_of_range_ratio'));
    assert.equal(s.get(key('ml_data_drift_detected', 'm', 'c')), 0);
    assert.equal(s.get(key('ml_prediction_drift_score', 'm')), 0.7, 'the largest prediction score');
    assert.equal(s.get(key('drift_exporter_last_success_timestamp_seconds', 'm')), 100);
    assert.equal(s.get(key('drift_exporter_runs_total', 'm')), 1);
    assert.equal(state.ready, true);
  });

  it('never publish null or NaN values', async () => {
    const { state, scrape } = setup();
    state.setModels([{ name: 'm', schedule: '* * * * *', intervalS: 60, timeoutS: 300, maxLogLagS: 3600 }]);
    state.runSucceeded(report('m', [feature('x', { tests: { ks: { statistic: NaN, p_value: NaN }, wasserstein: { statistic: 1, normed: 0.3 } }, out_of_range_ratio: NaN })], { drift_share: NaN }), at(1));
    const s = await scrape();
    for (const [k, v] of s) assert.ok(Number.isFinite(v), k);
    assert.ok(!s.has(key('ml_drift_ks_statistic', 'm', 'x')));
    assert.ok(!s.has(key('ml_model_drift_share', 'm')));
    assert.ok(s.has(key('ml_drift_wasserstein_distance', 'm', 'x')));
  });

  it('drop the series of a feature or a test that a new report no longer has, and keep those of other models', async () => {
    const { state, scrape } = setup();
    state.setModels([{ name: 'm', schedule: '* * * * *', intervalS: 60, timeoutS: 300, maxLogLagS: 3600 }, { name: 'o', schedule: '* * * * *', intervalS: 60, timeoutS: 300, maxLogLagS: 3600 }]);
    state.runSucceeded(report('m', [feature('x'), feature('y')]), at(1));
    state.runSucceeded(report('o', [feature('x')]), at(1));
    state.runSucceeded(report('m', [feature('x', { tests: { wasserstein: { statistic: 0.5, normed: 0.3 } } })], { baseline: { rows: 10, sha256: 'def', start: null, end: null } }), at(2));
    const s = await scrape();
    assert.deepEqual(namesOf(s, 'm', 'y'), []);
    assert.ok(!s.has(key('ml_drift_ks_statistic', 'm', 'x')), 'a test that no longer applies');
    assert.ok(s.has(key('ml_drift_ks_statistic', 'o', 'x')), 'the other model keeps its series');
    assert.ok(!s.has(seriesKey('ml_drift_baseline_info', { model_name: 'm', baseline_sha256: 'abc123' })), 'an old baseline identity');
    assert.equal(s.get(seriesKey('ml_drift_baseline_info', { model_name: 'm', baseline_sha256: 'def' })), 1);
  });

  it('publish the reference range of a ranged baseline, and drop it when the baseline is whole again', async () => {
    const { state, scrape } = setup();
    state.setModels([{ name: 'm', schedule: '* * * * *', intervalS: 60, timeoutS: 300, maxLogLagS: 3600 }]);
    const range = { rows: 10, sha256: 'abc', start: '2026-01-01T00:00:00.000Z', end: '2026-01-02T00:00:00.000Z' };
    state.runSucceeded(report('m', [feature('x')], { baseline: range }), at(1));
    let s = await scrape();
    assert.equal(s.get(key('ml_drift_baseline_start_timestamp_seconds', 'm')), Date.parse(range.start) / 1000);
    assert.equal(s.get(key('ml_drift_baseline_end_timestamp_seconds', 'm')), Date.parse(range.end) / 1000);
    state.runSucceeded(report('m', [feature('x')]), at(2));
    s = await scrape();
    assert.ok(!s.has(key('ml_drift_baseline_start_timestamp_seconds', 'm')), 'a whole baseline has no range');
    assert.ok(!s.has(key('ml_drift_baseline_end_timestamp_seconds', 'm')));
  });

  it('keep the last good values after a failed run, which shows in the counters and timestamps only', async () => {
    const { state, scrape } = setup();
    state.setModels([{ name: 'm', schedule: '* * * * *', intervalS: 60, timeoutS: 300, maxLogLagS: 3600 }]);
    state.runSucceeded(report('m', [feature('x')]), at(10));
    const before = await scrape();
    state.runStarted('m');
    state.runFailed('m', 'window unreadable', at(20));
    state.runSkipped('m');
    const s = await scrape();
    const drift = (m: Map<string, number>) => [...m].filter(([k]) => k.startsWith('ml_'));
    assert.deepEqual(drift(s), drift(before));
    assert.equal(s.get(key('drift_exporter_run_failures_total', 'm')), 1);
    assert.equal(s.get(key('drift_exporter_skipped_runs_total', 'm')), 1);
    assert.equal(s.get(key('drift_exporter_last_success_timestamp_seconds', 'm')), 10);
    assert.equal(s.get(key('drift_exporter_last_run_timestamp_seconds', 'm')), 20);
    assert.equal(state.list()[0].lastRun?.error, 'window unreadable');
  });

  it('publish only row counts, the baseline identity and the feature-error count for an empty window: no verdict', async () => {
    const { state, scrape } = setup();
    state.setModels([{ name: 'm', schedule: '* * * * *', intervalS: 60, timeoutS: 300, maxLogLagS: 3600 }]);
    state.runSucceeded(report('m', [feature('x'), feature('p', { role: 'prediction' })], { status: 'no_data', window: { rows: 0, start: null, end: null, newest_event: null }, drift_share: null, drift: false }), at(1));
    const s = await scrape();
    assert.deepEqual([...new Set(namesOf(s, 'm').filter((n) => n.startsWith('ml_')))], [
      'ml_drift_baseline_info',
      'ml_drift_baseline_rows',
      'ml_drift_feature_errors',
      'ml_drift_feature_info',
      'ml_drift_threshold',
      'ml_drift_window_end_timestamp_seconds',
      'ml_drift_window_rows',
    ]);
    assert.equal(s.get(key('ml_drift_window_rows', 'm')), 0);
  });

  it('publish no model verdict when no feature could be compared, and count the features in error', async () => {
    const { state, scrape } = setup();
    state.setModels([{ name: 'm', schedule: '* * * * *', intervalS: 60, timeoutS: 300, maxLogLagS: 3600 }]);
    const broken = feature('x', { tests: {}, score: null, drift: false, error: 'column absent from the window' });
    state.runSucceeded(report('m', [broken], { status: 'no_data', drift_share: null, drift: false, feature_errors: 1 }), at(1));
    const s = await scrape();
    assert.equal(s.get(key('ml_drift_feature_errors', 'm')), 1);
    assert.ok(!s.has(key('ml_model_drift_detected', 'm')), 'no data is not "no drift"');
    assert.ok(!s.has(key('ml_model_drift_share', 'm')));
  });

  it('drop every series of a model removed from the config, and ignore its late results', async () => {
    const { state, scrape } = setup();
    state.setModels([{ name: 'm', schedule: '* * * * *', intervalS: 60, timeoutS: 300, maxLogLagS: 3600 }, { name: 'o', schedule: '* * * * *', intervalS: 60, timeoutS: 300, maxLogLagS: 3600 }]);
    state.runSucceeded(report('m', [feature('x')]), at(1));
    state.runSucceeded(report('o', [feature('x')]), at(1));
    state.setModels([{ name: 'o', schedule: '* * * * *', intervalS: 60, timeoutS: 300, maxLogLagS: 3600 }]);
    state.runSucceeded(report('m', [feature('x')]), at(2));
    const s = await scrape();
    assert.deepEqual(namesOf(s, 'm'), []);
    assert.ok(namesOf(s, 'o').length > 10);
    assert.deepEqual(state.report().models.map((r) => r.model), ['o']);
  });

  it("sum the engines' cumulative cache counters as increments, across a replaced process, and drop a gone engine's memory series", async () => {
    const { metrics, scrape } = setup();
    const stats = (rssBytes: number, hits: number, misses: number, evictions: number, bytes: number) => ({ rssBytes, cache: { hits, misses, evictions, bytes } });
    metrics.engineStats(0, stats(100e6, 1, 1, 0, 5000));
    metrics.engineStats(1, stats(120e6, 0, 2, 1, 7000));
    metrics.engineStats(0, stats(110e6, 3, 1, 0, 5000));
    let s = await scrape();
    assert.equal(s.get(seriesKey('drift_exporter_profile_cache_hits_total', {})), 3);
    assert.equal(s.get(seriesKey('drift_exporter_profile_cache_misses_total', {})), 3);
    assert.equal(s.get(seriesKey('drift_exporter_profile_cache_evictions_total', {})), 1);
    assert.equal(s.get(seriesKey('drift_exporter_engine_resident_memory_bytes', { engine: '0' })), 110e6);
    assert.equal(s.get(seriesKey('drift_exporter_profile_cache_bytes', { engine: '1' })), 7000);
    // Engine 0 is killed (a timeout): its memory series go; its new process counts from 0 again.
    metrics.engineGone(0);
    s = await scrape();
    assert.equal(s.get(seriesKey('drift_exporter_engine_resident_memory_bytes', { engine: '0' })), undefined);
    assert.equal(s.get(seriesKey('drift_exporter_engine_resident_memory_bytes', { engine: '1' })), 120e6);
    metrics.engineStats(0, stats(90e6, 0, 1, 0, 2000));
    s = await scrape();
    assert.equal(s.get(seriesKey('drift_exporter_profile_cache_hits_total', {})), 3, 'counters never go down');
    assert.equal(s.get(seriesKey('drift_exporter_profile_cache_misses_total', {})), 4);
  });

  it('publish the queue, the reload outcome and the shard', async () => {
    const { metrics, state, scrape } = setup();
    state.setModels([{ name: 'a', schedule: '* * * * *', intervalS: 60, timeoutS: 300, maxLogLagS: 3600 }]);
    metrics.setQueueDepth(4);
    state.runStarted('a', 2.5);
    metrics.configLoaded(true, new Date(1_000_000));
    metrics.configLoaded(false);
    metrics.setShard({ index: 2, count: 5 }, 40);
    metrics.setShard({ index: 1, count: 5 }, 41);
    const s = await scrape();
    assert.equal(s.get(seriesKey('drift_exporter_run_queue_depth', {})), 4);
    assert.equal(s.get(seriesKey('drift_exporter_run_queue_wait_seconds', { model_name: 'a' })), 2.5);
    assert.equal(s.get(seriesKey('drift_exporter_config_last_reload_successful', {})), 0);
    assert.equal(s.get(seriesKey('drift_exporter_config_last_reload_success_timestamp_seconds', {})), 1000, 'the last success stays');
    assert.equal(s.get(seriesKey('drift_exporter_shard_info', { index: '2', count: '5' })), undefined, 'one shard identity');
    assert.equal(s.get(seriesKey('drift_exporter_shard_info', { index: '1', count: '5' })), 1);
    assert.equal(s.get(seriesKey('drift_exporter_shard_models', {})), 41);
    state.setModels([]);
    assert.equal((await scrape()).get(seriesKey('drift_exporter_run_queue_wait_seconds', { model_name: 'a' })), undefined, "a removed model's wait goes");
  });

  it('render only changed families, yet always the same text as the whole registry, plain and gzipped', async () => {
    const { metrics, state } = setup();
    // Each step changes different families; after each, the cached rendering must equal a full one.
    const steps: (() => void)[] = [
      () => state.setModels([{ name: 'a', schedule: '* * * * *', intervalS: 60, timeoutS: 300, maxLogLagS: 3600 }, { name: 'b', schedule: '* * * * *', intervalS: 60, timeoutS: 300, maxLogLagS: 3600 }]),
      () => state.runStarted('a'),
      () => state.runSucceeded(report('a', [feature('x'), feature('y', { type: 'categorical', tests: { chi2: { statistic: 3, p_value: 0.2, dof: 2 }, js: { statistic: 0.01 } }, unseen_ratio: 0.1 })]), at(10)),
      () => state.runSkipped('a'),
      () => state.runStarted('b'),
      () => state.runFailed('b', 'boom', at(11)),
      () => state.runStarted('a'),
      () => state.runSucceeded(report('a', [feature('x', { score: null, tests: {} })]), at(12)),
      () => state.setModels([{ name: 'b', schedule: '* * * * *', intervalS: 60, timeoutS: 300, maxLogLagS: 3600 }]),
    ];
    // The process_* values move from one collection to the next; the rest must be the same text.
    const steady = (text: string) => text.replace(/^process_\S+ .*$/gm, 'process_<masked>');
    for (const [i, step] of steps.entries()) {
      step();
      const full = steady(await metrics.registry.metrics());
      assert.equal(steady(Buffer.concat((await metrics.render()).parts).toString('utf8')), full, `plain text after step ${i}`);
      assert.equal(steady(gunzipSync(Buffer.concat((await metrics.render(true)).parts)).toString('utf8')), full, `gzipped text after step ${i}`);
    }
    // Scrapes that arrive together share one rendering, and each gets all of it.
    state.runSkipped('b');
    const together = await Promise.all([metrics.render(true), metrics.render(), metrics.render(true)]);
    const full = steady(await metrics.registry.metrics());
    assert.deepEqual(together.map((r, i) => steady((i === 1 ? Buffer.concat(r.parts) : gunzipSync(Buffer.concat(r.parts))).toString('utf8'))), [full, full, full]);
  });
});

describe('DriftMetrics rendering from per-model chunks', () => {
  const steady = (text: string) => text.replace(/^process_\S+ .*$/gm, 'process_<masked>');
  const same = async (metrics: DriftMetrics, what: string) => {
    const full = steady(await metrics.registry.metrics());
    assert.equal(steady(Buffer.concat((await metrics.render()).parts).toString('utf8')), full, `plain: ${what}`);
    assert.equal(steady(gunzipSync(Buffer.concat((await metrics.render(true)).parts)).toString('utf8')), full, `gzipped: ${what}`);
  };

  it('write the bytes prom-client writes: escaped labels, odd values, a label set given twice, models republished in turn', async () => {
    const { metrics, state } = setup();
    const models = ['a', 'b\\"c\nd', 'é ü'].map((name) => ({ name, schedule: '* * * * *', intervalS: 60, timeoutS: 300, maxLogLagS: 3600 }));
    state.setModels(models);
    const odd = (model: string) =>
      report(model, [
        feature('x "q"\\n\nz', { tests: { ks: { statistic: 1e-300, p_value: 5e-324 }, wasserstein: { statistic: 123456789012345680000, normed: -0 }, psi: { statistic: 1 / 3 } } }),
        // The same test as primary and significance: one threshold series, its first place and last value.
        feature('y', { decision: { primary: { test: 'ks', threshold: 0.1 }, significance: { test: 'ks', threshold: Infinity } } }),
        feature('w', { score: null, tests: {}, error: 'column "w" is absent' }),
      ], { baseline: { rows: 5000, sha256: 'sha\nwith"quote', start: null, end: null } });
    for (const [i, m] of models.entries()) {
      state.runStarted(m.name);
      state.runSucceeded(odd(m.name), at(10 + i));
      await same(metrics, `after ${JSON.stringify(m.name)}`);
    }
    // Republished in another order: each model's series move to the end of every family, as prom-client orders them.
    for (const m of [models[1], models[0], models[1]]) {
      state.runStarted(m.name);
      state.runSucceeded(report(m.name, [feature('x')], { window: { rows: 0, start: null, end: null, newest_event: null } }), at(20));
      await same(metrics, `republished ${JSON.stringify(m.name)}`);
    }
    state.setModels([models[2]]);
    await same(metrics, 'after removing two models');
  });

  it('write a fleet-sized body (over 64 KiB) family by family, never joined, with the same bytes', async () => {
    const { metrics, state } = setup();
    const models = Array.from({ length: 300 }, (_, i) => ({ name: `model-${i}`, schedule: '* * * * *', intervalS: 60, timeoutS: 300, maxLogLagS: 3600 }));
    state.setModels(models);
    for (const m of models) state.runSucceeded(report(m.name, Array.from({ length: 8 }, (_, f) => feature(`feature_${f}`))), at(1));
    const plain = await metrics.render();
    assert.ok(plain.length > 64 * 1024 && plain.parts.length > 10, `${plain.length} bytes in ${plain.parts.length} parts`);
    assert.equal(plain.length, Buffer.concat(plain.parts).length);
    await same(metrics, 'fleet-sized');
    const small = setup();
    small.state.setModels(models.slice(0, 1));
    assert.equal((await small.metrics.render(true)).parts.length, 2, 'a small body: the cached text and the process families');
  });

  it("gzip settled models' chunks in blocks: a body about a fifth the size, never a value a block has stopped standing for", async () => {
    const metrics = new DriftMetrics({ version: '9.9.9', nodejsVersion: 'v20.0.0' }, { reference: true, settleMs: 0 });
    const state = new ExporterState(metrics);
    const gzipped = async () => Buffer.concat((await metrics.render(true)).parts);
    // Blocks are made in the background, a slice of the loop at a time: scrape until a scrape finds nothing left to gzip.
    const settled = async () => {
      for (let i = 0; i < 2000; i++) {
        const size = (await gzipped()).length;
        if (!blocksPending()) return size;
        await new Promise((r) => setTimeout(r, 2));
      }
      throw new Error('the blocks never settled');
    };
    const models = Array.from({ length: 60 }, (_, i) => ({ name: `model-${i}`, schedule: '* * * * *', intervalS: 60, timeoutS: 300, maxLogLagS: 3600 }));
    state.setModels(models);
    const features = (score: number) => Array.from({ length: 6 }, (_, f) => feature(`feature_${f}`, { score: score + f / 100 }));
    for (const [i, m] of models.entries()) state.runSucceeded(report(m.name, features(i / 100)), at(1));
    const members = (await gzipped()).length;
    await same(metrics, 'before any block');
    const blocked = await settled();
    assert.ok(blocked < members / 3, `blocks: ${blocked} bytes, against ${members} bytes of one member per chunk`);
    await same(metrics, 'in blocks');
    // Each change is seen by the very next scrape, whatever blocks are ready or on their way.
    const order = [17, 3, 59, 0, 31, 32, 33, 8];
    for (const [k, i] of order.entries()) {
      state.runStarted(models[i].name);
      state.runSucceeded(report(models[i].name, features(0.5 + k / 10)), at(2 + k));
      await same(metrics, `${models[i].name} republished`);
      if (k % 3 === 0) {
        await settled();
        await same(metrics, `${models[i].name} republished, settled`);
      }
    }
    state.setModels(models.filter((_, i) => i % 7 !== 0));
    await same(metrics, 'after removing models');
    assert.ok((await settled()) < members / 3);
    await same(metrics, 'after removing models, settled');
  });

  it("a model's run and new report re-render none of the families that hold every model's series", async () => {
    const { metrics, state } = setup();
    const models = Array.from({ length: 20 }, (_, i) => ({ name: `m${i}`, schedule: '* * * * *', intervalS: 60, timeoutS: 300, maxLogLagS: 3600 }));
    state.setModels(models);
    for (const m of models) state.runSucceeded(report(m.name, [feature('x'), feature('y')]), at(1));
    await metrics.render(true);
    // Counted on the real registry: what /metrics asks prom-client to render after one model's run.
    const rendered: string[] = [];
    const original = metrics.registry.getSingleMetricAsString.bind(metrics.registry);
    metrics.registry.getSingleMetricAsString = (name: string) => {
      rendered.push(name);
      return original(name);
    };
    state.runStarted('m3');
    state.runSucceeded(report('m3', [feature('x', { score: 0.9 }), feature('y')]), at(2));
    state.runSkipped('m4');
    state.runStarted('m5');
    state.runFailed('m5', 'boom', at(3));
    await metrics.render(true);
    const perModel = new Set([...Object.values(METRICS), ...TEST_METRICS.map((m) => m.def)].filter((d) => d.labels[0] === 'model_name').map((d) => d.name));
    assert.ok(perModel.has('drift_exporter_runs_total') && perModel.has('ml_data_drift_score'));
    assert.deepEqual(rendered.filter((n) => perModel.has(n)), [], 'per-model families (drift and run health) come from per-model chunks');
    metrics.registry.getSingleMetricAsString = original;
    await same(metrics, 'after the run');
  });

  it('collect the process families at most once per liveMaxAgeMs, again after it, and not keep a failed collection', async () => {
    const metrics = new DriftMetrics({ version: '9.9.9', nodejsVersion: 'v20.0.0' }, { liveMaxAgeMs: 150 });
    const collected: string[] = [];
    const original = metrics.registry.getSingleMetricAsString.bind(metrics.registry);
    let fail = false;
    metrics.registry.getSingleMetricAsString = (name: string) => {
      if (name.startsWith('process_')) {
        collected.push(name);
        if (fail) return Promise.reject(new Error('cannot read /proc'));
      }
      return original(name);
    };
    const text = async (gzip: boolean) => {
      const parts = Buffer.concat((await metrics.render(gzip)).parts);
      return (gzip ? gunzipSync(parts) : parts).toString('utf8');
    };
    const first = await text(true);
    const once = collected.length;
    assert.ok(once > 0 && first.includes('process_cpu_seconds_total'), 'collected at the first scrape');
    // Within the age: the same bytes, plain or gzipped, with no collection.
    assert.equal(await text(false), first);
    assert.equal(await text(true), first);
    assert.equal(collected.length, once);
    await new Promise((r) => setTimeout(r, 200));
    await text(false);
    assert.equal(collected.length, 2 * once, 'collected again once the last collection is older than the age');
    await new Promise((r) => setTimeout(r, 200));
    fail = true;
    await assert.rejects(metrics.render(true), /cannot read \/proc/);
    fail = false;
    assert.ok((await text(true)).includes('process_cpu_seconds_total'), 'the scrape after a failed collection collects again');
    assert.equal(collected.length, 4 * once);
  });
});

describe('parseListen', () => {
  const cases: [string, { host: string; port: number } | null][] = [
    ['0.0.0.0:9109', { host: '0.0.0.0', port: 9109 }],
    ['127.0.0.1:0', { host: '127.0.0.1', port: 0 }],
    ['[::1]:9109', { host: '::1', port: 9109 }],
    ['[::]:80', { host: '::', port: 80 }],
    ['localhost:9109', { host: 'localhost', port: 9109 }],
    [':9109', { host: '0.0.0.0', port: 9109 }],
    ['::1:9109', null],
    ['9109', null],
    ['host:65536', null],
    ['[::1]', null],
    ['host:', null],
    ['host:80x', null],
  ];
  for (const [text, expected] of cases) {
    it(`reads ${JSON.stringify(text)} as ${expected ? formatListen(expected) : 'invalid'}`, () => assert.deepEqual(parseListen(text), expected));
  }
});
