// End to end: the exporter on loopback, scraped by a real Prometheus that
// evaluates the shipped rules. Skipped where prometheus is not installed,
// except on CI. Every process started here is stopped, every wait bounded.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { cli } from '../helpers/spawn.js';
import { freePort } from '../helpers/spawn.js';
import { tempDir } from '../helpers/fixtures.js';
import { startServe, waitFor } from '../helpers/spawn.js';
import { fixtureModel, writeConfig, writeFixture } from '../helpers/fixtures.js';
import { dashboardExprs, grafanaToPromql, ruleFiles } from './promql-exprs.js';


/** The shipped rule files with every `for:` cut to 2s, so alerts fire within a test. */
function fastRules(dir: string): string[] {
  return ruleFiles().map((file) => {
    const doc = parse(readFileSync(file, 'utf8'));
    for (const group of doc.groups) for (const rule of group.rules) if (rule.for) rule.for = '2s';
    const out = path.join(dir, path.basename(file));
    writeFileSync(out, stringify(doc));
    return out;
  });
}

async function api(base: string, query: string): Promise<any[]> {
  const res = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(query)}`);
  const body = (await res.json()) as { status: string; data: { result: any[] }; error?: string };
  assert.equal(body.status, 'success', `${query}: ${body.error}`);
  return body.data.result;
}

async function firing(base: string, alertname: string): Promise<boolean> {
  const res = await fetch(`${base}/api/v1/alerts`);
  const body = (await res.json()) as { data: { alerts: { labels: Record<string, string>; state: string }[] } };
  return body.data.alerts.some((a) => a.labels.alertname === alertname && a.state === 'firing');
}

function needPrometheus(t: TestContext): boolean {
  if (!spawnSync('prometheus', ['--version'], { stdio: 'ignore' }).error) return true;
  if (process.env.CI) assert.fail('prometheus not installed, and CI is set: apt-get install prometheus');
  t.skip('prometheus not installed: apt-get install prometheus');
  return false;
}

test('a real Prometheus scrapes the exporter, records its values and fires the shipped alerts', { timeout: 120_000 }, async (t) => {
  if (!needPrometheus(t)) return;
  const dir = tempDir(t);
  const files = await writeFixture(dir);
  const config = writeConfig(path.join(dir, 'config.yaml'), [fixtureModel('e2e', files.baseline, files.window)], { schedule: '*/2 * * * * *' });
  const expected = JSON.parse((await cli(['report', '--config', config, '--format', 'json'])).stdout).models[0];

  const exporter = await startServe(config);
  t.after(() => exporter.kill());
  const exporterTarget = exporter.url.replace('http://', '');

  const promPort = await freePort();
  mkdirSync(path.join(dir, 'rules'));
  const rules = fastRules(path.join(dir, 'rules'));
  writeFileSync(
    path.join(dir, 'prometheus.yml'),
    stringify({
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      rule_files: rules,
      scrape_configs: [{ job_name: 'drift-exporter', static_configs: [{ targets: [exporterTarget] }] }],
    }),
  );
  mkdirSync(path.join(dir, 'data'));
  const prometheus: ChildProcess = spawn(
    'prometheus',
    [`--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${promPort}`],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let promLog = '';
  prometheus.stderr!.on('data', (d) => (promLog = (promLog + d).slice(-4000)));
  const promExited = new Promise((r) => prometheus.on('exit', r));
  t.after(async () => {
    prometheus.kill('SIGTERM');
    await Promise.race([promExited, new Promise((r) => setTimeout(r, 5000))]);
    prometheus.kill('SIGKILL');
  });
  const base = `http://127.0.0.1:${promPort}`;
  await waitFor('Prometheus ready', () => fetch(`${base}/-/ready`).then((r) => r.ok, () => false), 30_000, 200).catch((err) => {
    throw new Error(`${err.message}\n${promLog}`);
  });

  // The exporter target is up.
  await waitFor('target up', async () => (await api(base, 'up{job="drift-exporter"}'))[0]?.value[1] === '1', 30_000, 250);

  // The drift series carry the values of `report --format json`.
  for (const f of expected.features.filter((x: any) => x.score !== null)) {
    const sel = `{model_name="e2e",feature_name="${f.feature}"}`;
    const score = await waitFor(`score of ${f.feature}`, async () => (await api(base, `ml_data_drift_score${sel}`))[0]?.value[1], 15_000, 250);
    assert.ok(Math.abs(Number(score) - f.score) <= 1e-9 * Math.max(1, Math.abs(f.score)), `${f.feature}: ${score} vs ${f.score}`);
    const detected = (await api(base, `ml_data_drift_detected${sel}`))[0].value[1];
    assert.equal(detected, f.drift ? '1' : '0', f.feature);
    if (f.tests.ks) {
      const ks = (await api(base, `ml_drift_ks_statistic${sel}`))[0].value[1];
      assert.ok(Math.abs(Number(ks) - f.tests.ks.statistic) <= 1e-9, `${f.feature} ks`);
    }
  }
  assert.equal((await api(base, 'ml_drift_window_rows{model_name="e2e"}'))[0].value[1], String(expected.window.rows));

  // Every dashboard expression runs through the query API without error.
  for (const e of dashboardExprs()) await api(base, grafanaToPromql(e.expr));

  // The drift alert fires.
  assert.ok(expected.features.some((f: any) => f.drift), 'the fixture must drift');
  await waitFor('FeatureDriftSustained firing', () => firing(base, 'FeatureDriftSustained'), 30_000, 500);

  // With the exporter stopped, the exporter-down alert fires.
  await exporter.kill();
  await waitFor('DriftExporterDown firing', () => firing(base, 'DriftExporterDown'), 30_000, 500);
});
