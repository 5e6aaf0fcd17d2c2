// Every metric an alert, recording rule or dashboard panel reads must be one
// the exporter publishes: a renamed or misspelled metric otherwise fails
// silently, as an alert that never fires or an empty panel.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { METRIC_NAMES, METRICS } from '../../src/exporter/metrics.js';
import { dashboardExprs, labelNamesIn, metricNamesIn, recordedNames, ruleExprs, variableSelector, type ShippedExpr } from './promql-exprs.js';

/** Series Prometheus itself adds for every scrape target. */
const SCRAPE_SERIES = ['up'];
/** Labels Prometheus attaches at scrape time. */
const TARGET_LABELS = ['job', 'instance', '__name__'];

/** Issue 16's metrics and their labels, read by the dashboard (a no-op once METRICS has them). */
const ISSUE_16_METRICS = ['ml_drift_threshold', 'ml_drift_feature_info', 'ml_drift_window_newest_event_timestamp_seconds', 'ml_drift_window_end_timestamp_seconds', 'drift_exporter_schedule_interval_seconds'];
const ISSUE_16_LABELS = ['test', 'type', 'role', 'primary_test', 'significance_test', 'critical'];
/** A segment column's label (issue 18): the dashboard filters on it, matching series without it too. */
const SEGMENT_LABELS = ['model_version'];

const known = new Set([...METRIC_NAMES, ...SCRAPE_SERIES, ...recordedNames(), ...ISSUE_16_METRICS]);
const knownLabels = new Set([...Object.values(METRICS).flatMap((m) => m.labels), ...TARGET_LABELS, ...ISSUE_16_LABELS]);

function unknownNames(expr: string): string[] {
  return metricNamesIn(expr).filter((n) => !known.has(n));
}

function unknownLabels(expr: string, also: readonly string[] = []): string[] {
  return labelNamesIn(expr).filter((n) => !knownLabels.has(n) && !also.includes(n));
}

function checkAll(exprs: ShippedExpr[], alsoLabels: readonly string[] = []): void {
  const problems = exprs.flatMap(({ file, where, expr }) => [
    ...unknownNames(expr).map((n) => `${file}: ${where}: unknown metric "${n}" in: ${expr}`),
    ...unknownLabels(expr, alsoLabels).map((n) => `${file}: ${where}: unknown label "${n}" in: ${expr}`),
  ]);
  assert.deepEqual(problems, []);
}

describe('metric name extraction', () => {
  const cases: [string, string[]][] = [
    ['ml_data_drift_detected == 1', ['ml_data_drift_detected']],
    ['time() - drift_exporter_last_success_timestamp_seconds > 900', ['drift_exporter_last_success_timestamp_seconds']],
    ['sum by (model_name) (rate(drift_exporter_runs_total{model_name=~"$model_name"}[$__rate_interval]))', ['drift_exporter_runs_total']],
    ['sum(ml_data_drift_detected{feature_name!="a,b"}) without (feature_name, instance)', ['ml_data_drift_detected']],
    ['ml_drift_psi offset 1h / on (model_name) group_left (feature_name) ml_drift_window_rows', ['ml_drift_psi', 'ml_drift_window_rows']],
    ['max_over_time(ml_data_drift_score[1h:5m]) > bool 0.1e1', ['ml_data_drift_score']],
    ['label_replace(up{job="a"}, "dst", "$1", "src", "(.*)")', ['up']],
    ['topk(${k}, ml_drift_js_divergence{feature_name=~"${feature_name:regex}"})', ['ml_drift_js_divergence']],
    ['model_name:ml_data_drift_detected:sum{model_name=~"[[model_name]]"} and 0x1f', ['model_name:ml_data_drift_detected:sum']],
    ['increase(drift_exporter_run_failures_total[1h30m]) # why: "comment" up', ['drift_exporter_run_failures_total']],
    ['histogram_quantile(0.9, sum by (le) (rate(x_bucket[5m]))) or vector(0) unless Inf', ['x_bucket']],
    ['ml_drift_psi @ start() - ml_drift_psi @ 1700000000', ['ml_drift_psi']],
  ];
  for (const [expr, names] of cases) {
    it(`reads ${JSON.stringify(names)} from ${expr}`, () => assert.deepEqual(metricNamesIn(expr), names));
  }

  it('flags a misspelled metric', () => assert.deepEqual(unknownNames('avg(ml_data_drift_scor{model_name="m"})'), ['ml_data_drift_scor']));
  it('flags a misspelled function', () => assert.deepEqual(unknownNames('rat(drift_exporter_runs_total[5m])'), ['rat']));
  it('flags a misspelled label', () => assert.deepEqual(unknownLabels('sum by (model) (ml_drift_psi{feature_nam="x"})'), ['feature_nam', 'model']));

  it('reads the selector inside Grafana variable queries', () => {
    assert.equal(variableSelector('label_values(ml_data_drift_score{model_name=~"$model_name"}, feature_name)'), 'ml_data_drift_score{model_name=~"$model_name"}');
    assert.equal(variableSelector('query_result(topk(3, ml_drift_psi))'), 'topk(3, ml_drift_psi)');
    assert.equal(variableSelector('label_values(model_name)'), null);
  });
});

describe('shipped PromQL uses only published metrics', () => {
  it('the alert and recording rules', () => {
    const exprs = ruleExprs();
    assert.ok(exprs.length >= 10, `expected the shipped rules, found ${exprs.length} expressions`);
    checkAll(exprs);
  });

  it('the dashboard panels and variables', () => {
    const exprs = dashboardExprs();
    assert.ok(exprs.length >= 20, `expected the dashboard's queries, found ${exprs.length}`);
    assert.ok(exprs.some((e) => e.where.startsWith('variable ')), 'expected the template variables');
    checkAll(exprs, SEGMENT_LABELS);
  });
});
