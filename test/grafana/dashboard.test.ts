// The shipped dashboard works for any job, model and segment: every query is
// filtered by the variables, nothing names a job or a feature, and drift
// panels draw the published thresholds. Its shape is checked against
// @grafana/schema at compile time (dashboard-schema.ts) and its enum values here.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DashboardCursorSync, MappingType, ThresholdsMode, VariableHide, VariableRefresh, VariableSort } from '@grafana/schema';
import { METRIC_NAMES } from '../../src/exporter/metrics.js';
import { metricNamesIn } from '../prometheus/promql-exprs.js';
import { allPanels, panel, readDashboard, type Target } from './dashboard.js';

const dash = readDashboard();
const panels = allPanels(dash);
const targets = panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, ...t })));

/** Metrics of issue 16, published by the exporter alongside these changes. */
const NEW_METRICS = [
  'ml_drift_threshold',
  'ml_drift_feature_info',
  'ml_drift_window_newest_event_timestamp_seconds',
  'ml_drift_window_end_timestamp_seconds',
  'drift_exporter_schedule_interval_seconds',
];
/** Series without model_name: filtered by job only. */
const PER_TARGET = ['up', 'drift_exporter_build_info'];
const known = new Set([...METRIC_NAMES, ...NEW_METRICS, ...PER_TARGET]);

/** Every selector of an expression: metric name and matcher text ('' without braces). */
function selectors(expr: string): { name: string; matchers: string }[] {
  const noStrings = expr.replace(/"(?:[^"\\]|\\.)*"/g, (s) => (s.includes('$') ? s : '""'));
  const names = new Set(metricNamesIn(expr));
  return [...noStrings.matchAll(/([a-zA-Z_:][\w:]*)\s*(\{[^}]*\})?/g)]
    .filter((m) => names.has(m[1]) && noStrings[m.index! - 1] !== '$')
    .map((m) => ({ name: m[1], matchers: m[2] ?? '' }));
}

describe('the dashboard JSON', () => {
  it('has unique panel ids and a Prometheus datasource on every panel and query', () => {
    const ids = panels.map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length, `duplicate ids in ${ids}`);
    for (const p of panels.filter((x) => x.type !== 'row')) {
      assert.deepEqual(p.datasource, { type: 'prometheus', uid: '${datasource}' }, p.title);
      assert.ok(p.targets?.length, `${p.title}: no queries`);
      for (const t of p.targets!) assert.deepEqual(t.datasource, p.datasource, `${p.title} ${t.refId}`);
      const refs = p.targets!.map((t) => t.refId);
      assert.equal(new Set(refs).size, refs.length, `${p.title}: duplicate refIds`);
    }
  });

  it('uses only values the schema enums allow', () => {
    const inEnum = (e: object, v: unknown, what: string) => assert.ok(Object.values(e).includes(v), `${what}: ${String(v)}`);
    inEnum(DashboardCursorSync, (dash as unknown as { graphTooltip: number }).graphTooltip, 'graphTooltip');
    for (const v of dash.templating.list) {
      const x = v as unknown as { refresh?: number; hide?: number; sort?: number };
      if (x.refresh !== undefined) inEnum(VariableRefresh, x.refresh, `$${v.name} refresh`);
      if (x.hide !== undefined) inEnum(VariableHide, x.hide, `$${v.name} hide`);
      if (x.sort !== undefined) inEnum(VariableSort, x.sort, `$${v.name} sort`);
    }
    for (const p of panels) {
      assert.ok(['row', 'stat', 'timeseries', 'table'].includes(p.type), `${p.title}: panel type ${p.type}`);
      const defaults = p.fieldConfig?.defaults as { thresholds?: { mode: string }; mappings?: { type: string }[] } | undefined;
      if (defaults?.thresholds) inEnum(ThresholdsMode, defaults.thresholds.mode, `${p.title} thresholds`);
      const mappings = [...(defaults?.mappings ?? []), ...(p.fieldConfig?.overrides ?? []).flatMap((o) => o.properties.filter((q) => q.id === 'mappings').flatMap((q) => q.value as { type: string }[]))];
      for (const m of mappings) inEnum(MappingType, m.type, `${p.title} mapping`);
    }
  });

  it('reads only published metrics', () => {
    const unknown = targets.flatMap((t) => metricNamesIn(t.expr).filter((n) => !known.has(n)).map((n) => `${t.panel} ${t.refId}: ${n}`));
    assert.deepEqual(unknown, []);
  });
});

describe('variables', () => {
  const vars = new Map(dash.templating.list.map((v) => [v.name, v]));

  it('offers job, model_name, feature_name and a segment variable, each multi-valued with All', () => {
    assert.equal(vars.get('datasource')?.type, 'datasource');
    assert.equal(vars.get('job')?.query, 'label_values(drift_exporter_build_info, job)');
    assert.match(vars.get('model_name')!.query!, /^label_values\(\w+\{job=~"\$job"\}, model_name\)$/);
    assert.match(vars.get('feature_name')!.query!, /\{job=~"\$job", model_name=~"\$model_name"\}, feature_name\)$/);
    assert.match(vars.get('model_version')!.query!, /\{job=~"\$job", model_name=~"\$model_name"\}, model_version\)$/);
    for (const name of ['job', 'model_name', 'feature_name', 'model_version']) {
      const v = vars.get(name)!;
      assert.ok(v.multi && v.includeAll, `$${name}`);
      assert.deepEqual(v.datasource, { type: 'prometheus', uid: '${datasource}' });
    }
  });

  it('All matches series without the label (unsegmented models), except for job', () => {
    // =~".*" also matches an absent label; a list of the values found would not.
    for (const name of ['model_name', 'feature_name', 'model_version']) assert.equal(vars.get(name)!.allValue, '.*', `$${name}`);
    // up{job=~".*"} would be every target Prometheus scrapes.
    assert.equal(vars.get('job')!.allValue, undefined);
  });
});

describe('every query', () => {
  it('filters every selector by $job, and by $model_name where the series has one', () => {
    const problems: string[] = [];
    for (const t of targets) {
      for (const s of selectors(t.expr)) {
        const need = PER_TARGET.includes(s.name) ? ['job=~"$job"'] : ['job=~"$job"', 'model_name=~"$model_name"'];
        for (const m of need) if (!s.matchers.includes(m)) problems.push(`${t.panel} ${t.refId}: ${s.name}${s.matchers} lacks ${m}`);
      }
    }
    assert.deepEqual(problems, []);
  });

  it('filters per-feature drift selectors by $feature_name and the segment variable', () => {
    const perFeature = ['ml_data_drift_score', 'ml_data_drift_detected', 'ml_feature_missing_ratio', 'ml_drift_ks_p_value', 'ml_drift_psi', 'ml_segment_drift_score'];
    const problems: string[] = [];
    for (const t of targets) {
      for (const s of selectors(t.expr).filter((x) => perFeature.includes(x.name))) {
        for (const m of ['feature_name=~"$feature_name"', 'model_version=~"$model_version"']) if (!s.matchers.includes(m)) problems.push(`${t.panel} ${t.refId}: ${s.name} lacks ${m}`);
      }
    }
    assert.deepEqual(problems, []);
    assert.ok(targets.filter((t) => t.expr.includes('model_version=~"$model_version"')).length >= 15);
  });

  it('names no job, model or feature, and aggregates without dropping segment labels', () => {
    for (const t of targets) {
      assert.doesNotMatch(t.expr, /\b(job|model_name|feature_name|model_version|instance)\s*(=|!=|=~|!~)\s*"(?!\$)/, `${t.panel} ${t.refId}: ${t.expr}`);
      // `by (...)` would drop segment labels the dashboard cannot name; `without` keeps them.
      assert.doesNotMatch(t.expr.replace(/max by \(job, instance, model_name, feature_name\)/g, ''), /\bby\s*\(/, `${t.panel} ${t.refId}: ${t.expr}`);
    }
  });

  it('reads no recording rule: they aggregate the job and segment labels away', () => {
    assert.deepEqual(targets.filter((t) => metricNamesIn(t.expr).some((n) => n.includes(':'))).map((t) => `${t.panel} ${t.refId}`), []);
  });
});

describe('threshold lines', () => {
  const isPrimaryThreshold = (t: Target) =>
    /^ml_drift_threshold\{[^}]*\}\s*and on \(job, instance, model_name, feature_name, test\) label_replace\(ml_drift_feature_info\{[^}]*\}, "test", "\$1", "primary_test", "\(\.\*\)"\)$/.test(t.expr);

  for (const title of ['Drift score by feature', 'Prediction drift score']) {
    it(`"${title}" draws each feature's published primary-test threshold, dashed, and no fixed threshold`, () => {
      const p = panel(dash, title);
      const thr = p.targets!.filter(isPrimaryThreshold);
      assert.equal(thr.length, 1, p.targets!.map((t) => t.expr).join('\n'));
      assert.match(thr[0].legendFormat!, /\{\{feature_name\}\} threshold$/);
      const dashed = p.fieldConfig!.overrides.find((o) => o.matcher.id === 'byFrameRefID' && o.matcher.options === thr[0].refId);
      assert.ok(dashed?.properties.some((q) => q.id === 'custom.lineStyle'), 'threshold series is dashed');
      assert.equal(p.fieldConfig!.defaults.thresholds, undefined, 'no hard-coded threshold steps');
    });
  }

  it('"Drift score over threshold" divides each score by its own threshold; its only line is 1', () => {
    const p = panel(dash, 'Drift score over threshold');
    assert.match(p.targets![0].expr, /^ml_data_drift_score\{[^}]*\}\s*\/ on \(job, instance, model_name, feature_name\) group_left \(\)\s*max by \(job, instance, model_name, feature_name\) \(\s*ml_drift_threshold\{/);
    assert.deepEqual(p.fieldConfig!.defaults.thresholds!.steps.map((s) => s.value), [null, 1]);
  });

  it('no drift panel hard-codes a score threshold', () => {
    for (const p of panels) {
      const reads = (p.targets ?? []).flatMap((t) => metricNamesIn(t.expr));
      if (!reads.includes('ml_data_drift_score') && !reads.includes('ml_prediction_drift_score')) continue;
      const steps = p.fieldConfig?.defaults.thresholds?.steps.map((s) => s.value) ?? [];
      assert.ok(steps.every((v) => v === null || (v === 1 && p.title === 'Drift score over threshold')), `${p.title}: ${steps}`);
    }
  });
});
