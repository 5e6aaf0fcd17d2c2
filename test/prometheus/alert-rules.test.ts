// What on-call relies on beyond valid syntax: every alert routes (severity,
// team), explains itself, links a runbook that exists, and has a unit test
// that sees it both not firing and firing.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { readRules, type Rule } from './promql-exprs.js';

const ALERTS_FILE = 'prometheus/rules/drift-alerts.yml';
const SEVERITIES = ['page', 'ticket'];
const RUNBOOKS = 'docs/runbooks';

const alerts = readRules(ALERTS_FILE).filter((r): r is Rule & { alert: string } => Boolean(r.alert));

/** FeatureDriftSustained -> feature-drift-sustained */
const kebab = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();

interface AlertTest {
  alertname: string;
  exp_alerts?: unknown[];
}

/** Every alert_rule_test entry of prometheus/tests/. */
function alertTests(): AlertTest[] {
  return readdirSync('prometheus/tests')
    .filter((f) => f.endsWith('.yml'))
    .flatMap((f) => {
      const doc = parse(readFileSync(path.join('prometheus/tests', f), 'utf8')) as { tests?: { alert_rule_test?: AlertTest[] }[] };
      return (doc.tests ?? []).flatMap((t) => t.alert_rule_test ?? []);
    });
}

describe('alert rules', () => {
  it('are all found', () => assert.ok(alerts.length >= 8, `found ${alerts.length} alerts in ${ALERTS_FILE}`));

  for (const a of alerts) {
    describe(a.alert, () => {
      it('has a severity and a team to route on', () => {
        assert.ok(SEVERITIES.includes(a.labels?.severity ?? ''), `severity "${a.labels?.severity}" not in ${SEVERITIES.join(', ')}`);
        assert.match(a.labels?.team ?? '', /^[a-z][a-z-]+$/);
      });

      it('has a summary, a description and a runbook in docs/runbooks/', () => {
        assert.ok(a.annotations?.summary, 'summary');
        assert.ok(a.annotations?.description, 'description');
        const file = `${RUNBOOKS}/${kebab(a.alert)}.md`;
        assert.equal(a.annotations?.runbook_url, file, "runbook_url is the runbook's path, relative to the repository");
        assert.ok(existsSync(file), `${file} is missing`);
      });

      it('is unit tested not firing and firing', () => {
        const evals = alertTests().filter((t) => t.alertname === a.alert);
        assert.ok(evals.some((t) => (t.exp_alerts ?? []).length === 0), 'no eval expects it silent');
        assert.ok(evals.some((t) => (t.exp_alerts ?? []).length > 0), 'no eval expects it firing');
      });
    });
  }

  it('leave no runbook without an alert', () => {
    const expected = new Set(alerts.map((a) => `${kebab(a.alert)}.md`));
    assert.deepEqual(readdirSync(RUNBOOKS).filter((f) => f.endsWith('.md') && f !== 'README.md' && !expected.has(f)), []);
  });
});
