// "Current drift by feature" joins its queries into one row per feature: its
// transformations, run through @grafana/data, on frames shaped as Grafana's
// Prometheus datasource returns table-format instant queries. The Prometheus
// test evaluates the panel's own queries on series scraped from a real target.
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/fixtures.js';
import { waitFor } from '../helpers/spawn.js';
import { applyTransformations, columns, rows, tableFrames, type VectorSample } from './grafana-data.js';
import { panel, readDashboard } from './dashboard.js';

const table = panel(readDashboard(), 'Current drift by feature');
const T = 1_700_000_000;
const TARGET = { job: 'drift', instance: '127.0.0.1:9101' };

interface Feature { model: string; name: string; type: 'numeric' | 'categorical'; role: 'feature' | 'prediction'; critical: boolean }
/** 9 features over two models; "age" is in both, so the join must key on the model too. */
const FEATURES: Feature[] = [
  ...['age', 'income', 'balance', 'tenure'].map((name) => ({ model: 'fraud', name, type: 'numeric' as const, role: 'feature' as const, critical: name === 'income' })),
  { model: 'fraud', name: 'country', type: 'categorical', role: 'feature', critical: false },
  { model: 'fraud', name: 'score', type: 'numeric', role: 'prediction', critical: false },
  { model: 'churn', name: 'age', type: 'numeric', role: 'feature', critical: false },
  { model: 'churn', name: 'plan', type: 'categorical', role: 'feature', critical: true },
  { model: 'churn', name: 'churned', type: 'categorical', role: 'prediction', critical: false },
];
const tests = (f: Feature) => (f.type === 'numeric' ? { primary: 'wasserstein', significance: 'ks' } : { primary: 'js', significance: 'chi2' });
/** A distinct value per feature and metric, so a wrong join shows as a wrong number. */
const val = (i: number, k: number) => i + k / 100;

/** The series the exporter publishes, by metric name: [labels, value]. */
function published(segments: string[] = []): Map<string, [Record<string, string>, number][]> {
  const out = new Map<string, [Record<string, string>, number][]>();
  const add = (name: string, labels: Record<string, string>, v: number) => out.set(name, [...(out.get(name) ?? []), [labels, v]]);
  FEATURES.forEach((f, i) => {
    const base = { model_name: f.model, feature_name: f.name };
    const { primary, significance } = tests(f);
    add('ml_drift_threshold', { ...base, test: primary }, val(i, 1));
    add('ml_drift_threshold', { ...base, test: significance }, 0.05);
    add('ml_drift_feature_info', { ...base, type: f.type, role: f.role, primary_test: primary, significance_test: significance, critical: String(f.critical) }, 1);
    // The whole window, then each segment's slice (issue 18), with the segment label.
    for (const [s, seg] of [undefined, ...segments].entries()) {
      const labels = seg ? { ...base, model_version: seg } : base;
      const v = (k: number) => val(i, k) + s * 1000;
      add('ml_data_drift_score', labels, v(2));
      add('ml_data_drift_detected', labels, i % 2);
      add('ml_feature_missing_ratio', labels, v(3));
      add('ml_feature_baseline_missing_ratio', labels, v(4));
      add('ml_drift_psi', labels, v(5));
      if (f.type === 'numeric') {
        add('ml_drift_ks_statistic', labels, v(6));
        add('ml_drift_ks_p_value', labels, v(7));
        add('ml_drift_wasserstein_distance', labels, v(8));
        add('ml_feature_out_of_range_ratio', labels, v(9));
      } else {
        add('ml_drift_chi2_statistic', labels, v(10));
        add('ml_drift_chi2_p_value', labels, v(11));
        add('ml_drift_js_divergence', labels, v(12));
        add('ml_feature_unseen_ratio', labels, v(13));
      }
    }
  });
  return out;
}

/** What each of the panel's queries returns, computed from the published series (the Prometheus test runs them for real). */
function vectorResults(series: Map<string, [Record<string, string>, number][]>): { refId: string; result: VectorSample[] }[] {
  return table.targets!.map((t) => {
    const name = /^\w+/.exec(t.expr)![0];
    let matched = series.get(name) ?? [];
    // The threshold query keeps the primary test's series only.
    if (name === 'ml_drift_threshold') matched = matched.filter(([l]) => FEATURES.some((f) => f.model === l.model_name && f.name === l.feature_name && tests(f).primary === l.test));
    return { refId: t.refId, result: matched.map(([l, v]) => ({ metric: { __name__: name, ...l, ...TARGET }, value: [T, String(v)] as [number, string] })) };
  });
}

const COLUMNS = ['model_name', 'feature_name', 'type', 'role', 'critical', 'primary_test', 'score', 'threshold', 'drifted', 'significance_test', 'missing', 'baseline missing', 'PSI'];
const NUMERIC = ['KS', 'KS p', 'Wasserstein', 'out of range'];
const CATEGORICAL = ['chi²', 'chi² p', 'JS', 'unseen'];

/** One row per (model, feature[, segment]) with every column its type has, each from its own query. */
function assertJoined(out: Record<string, unknown>[], segments: string[]): void {
  assert.equal(out.length, FEATURES.length * (1 + segments.length));
  for (const [i, f] of FEATURES.entries()) {
    for (const [s, seg] of [undefined, ...segments].entries()) {
      const match = out.filter((r) => r.model_name === f.model && r.feature_name === f.name && (segments.length === 0 || r.model_version === (seg ?? '')));
      assert.equal(match.length, 1, `${f.model}/${f.name} ${seg ?? ''}: ${match.length} rows`);
      const r = match[0];
      const v = (k: number) => val(i, k) + s * 1000;
      for (const c of [...COLUMNS, ...(f.type === 'numeric' ? NUMERIC : CATEGORICAL)]) assert.notEqual(r[c] ?? null, null, `${f.model}/${f.name} ${seg ?? ''}: no ${c}`);
      for (const c of f.type === 'numeric' ? CATEGORICAL : NUMERIC) assert.equal(r[c] ?? null, null, `${f.model}/${f.name}: ${c} does not apply`);
      assert.deepEqual(
        [r.type, r.role, r.critical, r.primary_test, r.significance_test, r.score, r.threshold, r.drifted, r.missing, r.PSI],
        [f.type, f.role, String(f.critical), tests(f).primary, tests(f).significance, v(2), val(i, 1), i % 2, v(3), v(5)],
        `${f.model}/${f.name} ${seg ?? ''}`,
      );
    }
  }
}

describe('"Current drift by feature" through @grafana/data', () => {
  it('uses instant table queries, one column name per query', () => {
    for (const t of table.targets!) assert.deepEqual([t.instant, t.range, t.format], [true, false, 'table'], t.refId);
  });

  it('joins 9 features from 15 queries into 9 rows with every column', async () => {
    const frames = tableFrames(vectorResults(published()));
    assert.deepEqual(frames[0].fields.map((f) => f.name), ['Time', '__name__', 'feature_name', 'instance', 'job', 'model_name', 'Value #A']);
    const out = await applyTransformations(table.transformations!, frames);
    assert.equal(out.length, 1);
    const names = columns(out[0]);
    assert.deepEqual(names, [
      ...['model_name', 'feature_name', 'type', 'role', 'critical', 'primary_test', 'score', 'threshold', 'drifted', 'significance_test'],
      ...['KS', 'KS p', 'chi²', 'chi² p', 'JS', 'PSI', 'Wasserstein', 'missing', 'baseline missing', 'unseen', 'out of range', 'job'],
    ]);
    for (const hidden of ['Time', '__name__', 'instance', 'test', 'Value #D']) assert.ok(!names.includes(hidden), hidden);
    assert.ok(!names.some((n) => n.startsWith('Value')), names.join());
    assertJoined(rows(out[0]), []);
  });

  it('keeps one row per segment, each with its feature threshold and info', async () => {
    const out = await applyTransformations(table.transformations!, tableFrames(vectorResults(published(['v1', 'v2']))));
    assertJoined(rows(out[0]), ['v1', 'v2']);
  });

  it('Grafana merge alone cannot join the frames (the bug this panel had)', async () => {
    const out = await applyTransformations([{ id: 'merge', options: {} }], tableFrames(vectorResults(published())));
    assert.ok(out[0].length > 50, `${out[0].length} rows`);
  });
});

// Prometheus text exposition of the published series.
function exposition(series: Map<string, [Record<string, string>, number][]>): string {
  return [...series].flatMap(([name, s]) => [`# TYPE ${name} gauge`, ...s.map(([l, v]) => `${name}{${Object.entries(l).map(([k, x]) => `${k}="${x}"`).join(',')}} ${v}`)]).join('\n') + '\n';
}

/** The expression with every variable at "All" (".*"); label_replace's "$1" stays. */
function allSelected(expr: string): string {
  return expr.replace(/\$(job|model_name|feature_name|model_version)\b/g, '.*');
}

function needPrometheus(t: TestContext): boolean {
  if (!spawnSync('prometheus', ['--version'], { stdio: 'ignore' }).error) return true;
  if (process.env.CI) assert.fail('prometheus not installed, and CI is set: apt-get install prometheus');
  t.skip('prometheus not installed: apt-get install prometheus');
  return false;
}

it("the panel's own queries, evaluated by Prometheus on scraped series, join into one row per feature and segment", { timeout: 60_000 }, async (t) => {
  if (!needPrometheus(t)) return;
  const dir = tempDir(t);
  const body = exposition(published(['v1']));
  const target: Server = createServer((_, res) => res.end(body));
  await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
  t.after(() => target.close());
  const targetPort = (target.address() as { port: number }).port;
  const config = path.join(dir, 'prometheus.yml');
  writeFileSync(config, `global: { scrape_interval: 1s }\nscrape_configs:\n  - job_name: drift\n    static_configs: [{ targets: ['127.0.0.1:${targetPort}'] }]\n`);
  const port = await new Promise<number>((r) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => r(port));
    });
  });
  const base = `http://127.0.0.1:${port}`;
  const prom = spawn('prometheus', [`--config.file=${config}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`], { stdio: 'ignore' });
  t.after(() => prom.kill());
  const query = async (expr: string): Promise<VectorSample[]> => {
    const res = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(expr)}`);
    const json = (await res.json()) as { status: string; error?: string; data: { result: VectorSample[] } };
    assert.equal(json.status, 'success', `${expr}: ${json.error}`);
    return json.data.result;
  };
  const scraped = async () => (await query('ml_drift_feature_info').catch(() => [])).length === FEATURES.length;
  await waitFor('Prometheus to scrape the target', scraped, 30_000, 200);
  const results = [];
  for (const tg of table.targets!) results.push({ refId: tg.refId, result: await query(allSelected(tg.expr)) });
  const out = await applyTransformations(table.transformations!, tableFrames(results));
  const got = rows(out[0]).map((r) => ({ ...r, job: undefined }));
  assert.ok(rows(out[0]).every((r) => r.job === 'drift'));
  assertJoined(got, ['v1']);
});
