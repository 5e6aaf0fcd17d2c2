// loadConfig and resolveConfig in process: every refused config names the file and key path; the accepted ones resolve as the README says.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, DEFAULTS, loadConfig, resolveConfig } from '../../src/config/index.js';
import { tempDir } from '../helpers/fixtures.js';
import { CONFIG_CASES } from './cases.js';

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function write(dir: string, yaml: string, name = 'config.yaml'): string {
  const file = path.join(dir, name);
  writeFileSync(file, yaml);
  return file;
}

for (const c of CONFIG_CASES) {
  test(`refused: ${c.name}`, (t) => {
    const file = write(tempDir(t), c.yaml);
    assert.throws(
      () => loadConfig(file, c.env ?? {}),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError, `a ConfigError, got ${String(err)}`);
        assert.match(err.message, new RegExp(`^${escape(file)}: ${c.message.source}`, 'm'));
        return true;
      },
    );
  });
}

test('resolveConfig names the given file in its messages, as the ad-hoc CLI run does', () => {
  assert.throws(() => resolveConfig({ models: [{ name: 'a', baseline: 'b', window: 'w', run_timeout: '30d' }] }, 'command line', '/'), /^ConfigError: command line: models\[0\]\.run_timeout: at most 24d20h31m23s647ms/);
});

test('at most five issues are listed, then a count of the rest', (t) => {
  const models = Array.from({ length: 7 }, (_, i) => `  - { name: m${i}, baseline: b, window: w, max_categories: 1 }`).join('\n');
  const file = write(tempDir(t), `models:\n${models}\n`);
  assert.throws(() => loadConfig(file, {}), (err: Error) => {
    const lines = err.message.split('\n');
    assert.equal(lines.length, 6);
    assert.match(lines[4], /models\[4\]\.max_categories/);
    assert.equal(lines[5], '... and 2 more');
    return true;
  });
});

test('defaults apply where neither the model nor `defaults` sets a key; the model wins over `defaults`', (t) => {
  const file = write(
    tempDir(t),
    `defaults:
  run_timeout: 90s
  thresholds: { js: 0.05 }
models:
  - { name: plain, baseline: b, window: w }
  - { name: own, baseline: b, window: w, timestamp_column: ts, run_timeout: 1h30m, window_duration: 250ms, max_categories: 200, schedule: "0 * * * *", thresholds: { js: 0.3 } }
`,
  );
  const [plain, own] = loadConfig(file, {}).models;
  assert.equal(plain.schedule, DEFAULTS.schedule);
  assert.equal(plain.windowDurationMs, 86_400_000);
  assert.equal(plain.runTimeoutMs, 90_000);
  assert.equal(plain.maxCategories, DEFAULTS.max_categories);
  assert.equal(plain.driftShareThreshold, DEFAULTS.drift_share_threshold);
  assert.equal(plain.timestampColumn, null);
  assert.equal(plain.asOf, null);
  assert.equal(plain.features, null);
  assert.deepEqual(plain.idColumns, []);
  assert.deepEqual(plain.predictionColumns, []);
  assert.deepEqual(plain.policy.primary, DEFAULTS.primary);
  assert.deepEqual(plain.policy.significance, DEFAULTS.significance);
  assert.deepEqual(plain.policy.thresholds, { ...DEFAULTS.thresholds, js: 0.05 });
  assert.equal(own.runTimeoutMs, 5_400_000);
  assert.equal(own.windowDurationMs, 250);
  assert.equal(own.maxCategories, 200);
  assert.equal(own.schedule, '0 * * * *');
  assert.equal(own.policy.thresholds.js, 0.3);
});

test('relative paths are relative to the config file, not to the working directory', (t) => {
  const dir = tempDir(t);
  const file = write(dir, 'models:\n  - { name: a, baseline: ../data/b.parquet, window: "logs/*.parquet" }\n  - { name: b, baseline: /abs/b.parquet, window: w }\n');
  const [a, b] = loadConfig(path.relative(process.cwd(), file), {}).models;
  assert.equal(a.baseline, path.join(path.dirname(dir), 'data', 'b.parquet'));
  assert.equal(a.window, path.join(dir, 'logs', '*.parquet'));
  assert.equal(b.baseline, '/abs/b.parquet');
});

test('${VAR} and ${VAR:-default} are replaced in every string value, lists included', (t) => {
  const file = write(
    tempDir(t),
    'models:\n  - { name: "${NAME}", baseline: "${DATA:-/data}/b.parquet", window: "${DATA}/w", timestamp_column: "${TS:-ts}", id_columns: ["${ID}", other] }\n',
  );
  const [m] = loadConfig(file, { NAME: 'credit', DATA: '/srv', ID: 'request_id' }).models;
  assert.equal(m.name, 'credit');
  assert.equal(m.baseline, '/srv/b.parquet');
  assert.equal(m.window, '/srv/w');
  assert.equal(m.timestampColumn, 'ts');
  assert.deepEqual(m.idColumns, ['request_id', 'other']);
});

const EXPANSIONS: { text: string; env: NodeJS.ProcessEnv; want: string }[] = [
  { text: '${A:-${B:-x}}', env: {}, want: 'x' },
  { text: '${A:-${B:-x}}', env: { B: 'b' }, want: 'b' },
  { text: '${A:-${B:-x}}', env: { A: 'a', B: 'b' }, want: 'a' },
  { text: '${A:-${B}}', env: { A: 'a' }, want: 'a' }, // an unused default's unset variable is no error
  { text: '${A:-pre-${B:-x}-post}', env: {}, want: 'pre-x-post' },
  { text: '${A:-${B:-${C:-deep}}}', env: {}, want: 'deep' },
  { text: '${A:-}', env: {}, want: '' },
  { text: 'v${A:-x}', env: { A: '' }, want: 'vx' }, // ":-" takes the default when the variable is empty, as in the shell
  { text: '${A}', env: { A: '' }, want: '' },
  { text: '$${A}', env: { A: 'a' }, want: '${A}' }, // $$ is a literal $
  { text: '$$$${A}', env: { A: 'a' }, want: '$${A}' },
  { text: '$$${A}', env: { A: 'a' }, want: '$a' },
  { text: 'cost $5 and $x', env: {}, want: 'cost $5 and $x' }, // a $ not followed by { or $ stays
  { text: 'a}b$', env: {}, want: 'a}b$' },
  { text: '${A}', env: { A: '${B}' }, want: '${B}' }, // values are not expanded again
  { text: '${A:-${B:-x}}y${C}', env: { C: 'c' }, want: 'xyc' },
];

for (const e of EXPANSIONS) {
  test(`interpolation: ${JSON.stringify(e.text)} with ${JSON.stringify(e.env)} is ${JSON.stringify(e.want)}`, (t) => {
    const file = write(tempDir(t), `models:\n  - { name: a, baseline: b, window: w, id_columns: [${JSON.stringify(`<${e.text}>`)}] }\n`);
    assert.deepEqual(loadConfig(file, e.env).models[0].idColumns, [`<${e.want}>`]);
  });
}

test('YAML merge keys share settings between models; the model\'s own keys win', (t) => {
  const file = write(
    tempDir(t),
    `x-common: &common
  baseline: shared/b.parquet
  timestamp_column: ts
  window_duration: 2h
  thresholds: { js: 0.07 }
x-fast: &fast { run_timeout: 30s }
models:
  - <<: *common
    name: a
    window: a/
  - <<: [*common, *fast]
    name: b
    window: b/
    window_duration: 15m
`,
  );
  const [a, b] = loadConfig(file, {}).models;
  const dir = path.dirname(file);
  assert.equal(a.baseline, path.join(dir, 'shared', 'b.parquet'));
  assert.equal(a.timestampColumn, 'ts');
  assert.equal(a.windowDurationMs, 7_200_000);
  assert.equal(a.policy.thresholds.js, 0.07);
  assert.equal(b.windowDurationMs, 900_000);
  assert.equal(b.runTimeoutMs, 30_000);
  assert.equal(b.baseline, a.baseline);
});

test('a merge key inside a model (the anchor on the first model) works too', (t) => {
  const file = write(tempDir(t), 'models:\n  - &first { name: a, baseline: b, window: w, max_categories: 7 }\n  - { <<: *first, name: b }\n');
  assert.deepEqual(loadConfig(file, {}).models.map((m) => [m.name, m.maxCategories]), [['a', 7], ['b', 7]]);
});

test('x- keys are not interpolated unless merged: an unset variable there is no error', (t) => {
  const file = write(tempDir(t), 'x-unused: { baseline: "${NOPE}" }\nmodels:\n  - { name: a, baseline: b, window: w }\n');
  assert.equal(loadConfig(file, {}).models.length, 1);
});

test('as_of: UTC without a zone, midnight UTC for a date, the zone honoured when given', (t) => {
  const cases: [string, string][] = [
    ['2026-11-01T00:00:00Z', '2026-11-01T00:00:00.000Z'],
    ['2026-11-01T00:00:00', '2026-11-01T00:00:00.000Z'],
    ['2026-11-01 06:30', '2026-11-01T06:30:00.000Z'],
    ['2026-11-01', '2026-11-01T00:00:00.000Z'],
    ['2026-11-01T02:00:00+02:00', '2026-11-01T00:00:00.000Z'],
    ['2024-02-29T23:59:59.999-0100', '2024-03-01T00:59:59.999Z'],
  ];
  const dir = tempDir(t);
  for (const [asOf, iso] of cases) {
    const file = write(dir, `models:\n  - { name: a, baseline: b, window: w, timestamp_column: ts, as_of: "${asOf}" }\n`);
    assert.equal(loadConfig(file, {}).models[0].asOf?.toISOString(), iso, asOf);
  }
});

test('feature_overrides: a listed feature or prediction column is accepted; without a features list the key is left to the engine', (t) => {
  const file = write(
    tempDir(t),
    `models:
  - { name: listed, baseline: b, window: w, features: [age], prediction_columns: [p], feature_overrides: { age: { thresholds: { js: 0.5 } }, p: { primary: { numeric: psi } } } }
  - { name: inferred, baseline: b, window: w, feature_overrides: { anything: { thresholds: { js: 0.5 } } } }
`,
  );
  const [listed, inferred] = loadConfig(file, {}).models;
  assert.equal(listed.featurePolicies.age.thresholds.js, 0.5);
  assert.equal(listed.featurePolicies.p.primary.numeric, 'psi');
  assert.equal(inferred.featurePolicies.anything.thresholds.js, 0.5);
});

test('durations at the limits are accepted', (t) => {
  const file = write(tempDir(t), 'models:\n  - { name: a, baseline: b, window: w, timestamp_column: ts, run_timeout: 24d20h31m23s647ms, window_duration: 36500d }\n  - { name: b, baseline: b, window: w, timestamp_column: ts, run_timeout: 1ms, window_duration: 1ms }\n');
  const [a, b] = loadConfig(file, {}).models;
  assert.equal(a.runTimeoutMs, 2 ** 31 - 1);
  assert.equal(a.windowDurationMs, 36_500 * 86_400_000);
  assert.ok(!Number.isNaN(new Date(Date.UTC(0, 0, 1) - a.windowDurationMs).getTime()), 'as_of - window_duration stays a valid time');
  assert.equal(b.runTimeoutMs, 1);
  assert.equal(b.windowDurationMs, 1);
});
