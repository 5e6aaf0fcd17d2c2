// The shipped Prometheus and Alertmanager configs, checked by the tools that
// load them, plus the rule unit tests in prometheus/tests/. Skipped where
// promtool is not installed, except on CI, where a skip would hide a broken
// rule. amtool is optional everywhere: CI images may ship promtool only.
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { dashboardExprs, grafanaToPromql, ruleFiles } from './promql-exprs.js';

function installed(tool: string): boolean {
  return !spawnSync(tool, ['--version'], { stdio: 'ignore' }).error;
}

/** Whether to go on: false after skipping the test; fails instead when `required` on CI. */
function need(t: TestContext, tool: string, hint: string, required: boolean): boolean {
  if (installed(tool)) return true;
  if (required && process.env.CI) assert.fail(`${tool} not installed, and CI is set: ${hint}`);
  t.skip(`${tool} not installed: ${hint}`);
  return false;
}

function run(tool: string, args: string[]): string {
  const r = spawnSync(tool, args, { encoding: 'utf8' });
  const output = `${r.stdout}${r.stderr}`;
  assert.equal(r.status, 0, `${tool} ${args.join(' ')} failed:\n${output}`);
  return output;
}

const APT_PROMETHEUS = 'apt-get install prometheus';
const APT_ALERTMANAGER = 'apt-get install prometheus-alertmanager';
const ALERTMANAGER_CONFIG = 'prometheus/alertmanager.yml';

describe('promtool', () => {
  it('accepts prometheus/prometheus.yml and the rule files it loads', (t) => {
    if (!need(t, 'promtool', APT_PROMETHEUS, true)) return;
    const out = run('promtool', ['check', 'config', 'prometheus/prometheus.yml']);
    // A rule_files glob that matches nothing passes silently; make sure it matched.
    for (const file of ruleFiles()) assert.ok(out.includes(path.basename(file)), `${file} not loaded:\n${out}`);
  });

  it('accepts the rule files', (t) => {
    if (!need(t, 'promtool', APT_PROMETHEUS, true)) return;
    run('promtool', ['check', 'rules', ...ruleFiles()]);
  });

  it('passes the rule unit tests', (t) => {
    if (!need(t, 'promtool', APT_PROMETHEUS, true)) return;
    const tests = readdirSync('prometheus/tests').filter((f) => f.endsWith('.yml')).map((f) => `prometheus/tests/${f}`);
    assert.ok(tests.length > 0, 'expected unit tests in prometheus/tests/');
    run('promtool', ['test', 'rules', ...tests]);
  });

  // Grafana does not check PromQL until a panel is opened; promtool parses it
  // when the expressions are wrapped as recording rules.
  it('parses every dashboard query', (t) => {
    if (!need(t, 'promtool', APT_PROMETHEUS, true)) return;
    const rules = dashboardExprs().map((e, i) => ({ record: `dashboard_query_${i}`, expr: grafanaToPromql(e.expr) }));
    const dir = mkdtempSync(path.join(tmpdir(), 'dashboard-rules-'));
    try {
      const file = path.join(dir, 'dashboard.yml');
      writeFileSync(file, stringify({ groups: [{ name: 'dashboard', rules }] }));
      run('promtool', ['check', 'rules', file]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});


describe('amtool', () => {
  it('accepts prometheus/alertmanager.yml', (t) => {
    if (!need(t, 'amtool', APT_ALERTMANAGER, false)) return;
    run('amtool', ['check-config', ALERTMANAGER_CONFIG]);
  });

  // Who gets woken up is the point of the config, so the routing is tested too.
  const routes: [string[], string][] = [
    [['alertname=DriftExporterDown', 'severity=page', 'team=ml-platform'], 'ml-platform-page'],
    [['alertname=DriftRunFailuresHigh', 'severity=ticket', 'team=ml-platform'], 'ml-platform-ticket'],
    [['alertname=FeatureDriftSustained', 'severity=ticket', 'team=ml-models'], 'ml-models-ticket'],
    [['alertname=FeatureMissingRatioHigh', 'severity=ticket', 'team=data-platform'], 'data-platform-ticket'],
    [['alertname=DriftWindowEmpty', 'severity=ticket', 'team=data-platform'], 'data-platform-ticket'],
    [['severity=page', 'team=data-platform'], 'data-platform-page'],
    [['alertname=Unowned', 'severity=page'], 'ml-platform-page'],
    [['alertname=Unowned', 'severity=ticket'], 'ml-platform-ticket'],
  ];
  for (const [labels, receiver] of routes) {
    it(`routes {${labels.join(', ')}} to ${receiver}`, (t) => {
      if (!need(t, 'amtool', APT_ALERTMANAGER, false)) return;
      run('amtool', ['config', 'routes', 'test', `--config.file=${ALERTMANAGER_CONFIG}`, `--verify.receivers=${receiver}`, ...labels]);
    });
  }
});
