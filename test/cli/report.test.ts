// The CLI as a user runs it: exit codes, formats and error messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { cli } from '../helpers/spawn.js';
import { tempDir, writeParquet } from '../helpers/fixtures.js';

const EXAMPLE = 'config/example.yaml';

test('--help explains the commands, the tests and the exit codes', async () => {
  const r = await cli(['--help']);
  assert.equal(r.code, 0);
  for (const word of ['serve', 'report', 'check', 'wasserstein', 'Exit codes']) assert.match(r.stdout, new RegExp(word));
  const sub = await cli(['report', '--help']);
  assert.equal(sub.code, 0);
  assert.match(sub.stdout, /--fail-on-drift/);
  assert.match(sub.stdout, /--format.*\n?.*table.*json.*markdown/s);
});

test('report prints a table that marks drifted features and fits 80 columns', async () => {
  const r = await cli(['report', '--config', EXAMPLE]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^! income/m);
  assert.match(r.stdout, /^ {2}age/m);
  for (const line of r.stdout.split('\n').slice(1)) assert.ok(line.length <= 80, `too wide: ${line}`);
});

test('report --format json has the documented shape and --fail-on-drift exits 1', async () => {
  const r = await cli(['report', '--config', EXAMPLE, '--format', 'json', '--fail-on-drift']);
  assert.equal(r.code, 1, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.deepEqual(Object.keys(report), ['generated_at', 'models']);
  const m = report.models[0];
  assert.equal(m.model, 'credit-risk');
  assert.equal(m.drift, true);
  assert.ok(m.features.some((f: any) => f.feature === 'income' && f.drift));
});

test('report --format markdown renders a table per model', async () => {
  const r = await cli(['report', '--config', EXAMPLE, '--format', 'markdown']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^## credit-risk/m);
  assert.match(r.stdout, /\| income \| numeric \| \*\*yes\*\* \|/);
});

test('an ad hoc run needs no config file and honours --as-of and the window flags', async (t) => {
  const dir = tempDir(t);
  const b = await writeParquet(path.join(dir, 'b.parquet'), `SELECT i::DOUBLE AS x, ['p','q'][1 + i % 2] AS k, TIMESTAMP '2026-01-01' + to_seconds(i) AS ts FROM range(1000) t(i)`);
  const r = await cli(['report', '--baseline', b, '--window', b, '--features', 'x,k', '--categorical', 'k', '--timestamp-column', 'ts', '--window-duration', '100s', '--as-of', '2026-01-01T00:05:00Z', '--format', 'json']);
  assert.equal(r.code, 0, r.stderr);
  const m = JSON.parse(r.stdout).models[0];
  assert.equal(m.window.rows, 100);
  assert.deepEqual(m.features.map((f: any) => [f.feature, f.type]), [['x', 'numeric'], ['k', 'categorical']]);
});

test('a missing baseline file: exit 2, one line naming the file, no stack trace', async () => {
  const r = await cli(['report', '--baseline', '/nonexistent/train.parquet', '--window', '/nonexistent/w.parquet']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /baseline \/nonexistent\/train\.parquet: no file matches/);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
});

test('a corrupt Parquet file: exit 2 naming the file; --verbose adds the stack', async (t) => {
  const dir = tempDir(t);
  const bad = path.join(dir, 'corrupt.parquet');
  writeFileSync(bad, 'PAR1 this is not really parquet');
  const b = await writeParquet(path.join(dir, 'b.parquet'), 'SELECT 1.0 AS x');
  const r = await cli(['report', '--baseline', b, '--window', bad]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /window .*corrupt\.parquet: not readable as Parquet/);
  const verbose = await cli(['report', '--baseline', b, '--window', bad, '--verbose']);
  assert.match(verbose.stderr, /\n\s+at /);
});

test('an unknown feature: exit 2 naming the column', async (t) => {
  const dir = tempDir(t);
  const b = await writeParquet(path.join(dir, 'b.parquet'), 'SELECT 1.0 AS x');
  const r = await cli(['report', '--baseline', b, '--window', b, '--features', 'x,ghost']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /feature "ghost" is not a column of the baseline/);
});

test('an invalid config: exit 2 naming the file, the key path and what was found', async (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'bad.yaml');
  const cases: [string, RegExp][] = [
    ['models:\n  - name: a\n    baseline: b.parquet\n    window: w.parquet\n    thresholds: { ks: 2 }\n', /bad\.yaml: models\[0\]\.thresholds\.ks: a p-value threshold must lie in \(0, 1\) \(found 2\)/],
    ['models:\n  - name: a\n    baseline: b.parquet\n    window: w.parquet\n    colour: red\n', /bad\.yaml: models\[0\]\.colour: unknown or unsupported key/],
    ['models:\n  - name: a\n    baseline: b.parquet\n    window: w.parquet\n    schedule: "every day"\n', /models\[0\]\.schedule: expected a cron expression .*found "every day"/],
    ['models:\n  - name: a\n    baseline: b.parquet\n    window: w.parquet\n    window_duration: 3 days\n', /models\[0\]\.window_duration: expected a duration/],
    ['models:\n  - { name: a, baseline: b, window: w }\n  - { name: a, baseline: b, window: w }\n', /models\[1\]\.name: duplicate model name "a"/],
    ['models:\n  - name: a\n    baseline: 3\n    window: w\n', /models\[0\]\.baseline: Invalid input: expected string, received number; a source is a path, glob, directory or URI, or \{source, format\} \(found 3\)/],
    ['models: [\n', /bad\.yaml: invalid YAML/],
    ['models:\n  - name: a\n    baseline: ${DRIFT_TEST_UNSET_VAR}\n    window: w\n', /models\[0\]\.baseline: environment variable DRIFT_TEST_UNSET_VAR is not set/],
  ];
  for (const [yaml, expected] of cases) {
    writeFileSync(file, yaml);
    const r = await cli(['report', '--config', file]);
    assert.equal(r.code, 2, yaml);
    assert.match(r.stderr, expected);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  }
});

test('${VAR} and ${VAR:-default} are interpolated from the environment', async (t) => {
  const dir = tempDir(t);
  await writeParquet(path.join(dir, 'data.parquet'), 'SELECT i::DOUBLE AS x FROM range(50) t(i)');
  const file = path.join(dir, 'env.yaml');
  writeFileSync(file, 'models:\n  - name: ${MODEL_NAME:-fallback}\n    baseline: ${DATA_FILE}\n    window: ${DATA_FILE}\n');
  const r = await cli(['report', '--config', file, '--format', 'json'], { env: { DATA_FILE: 'data.parquet' } });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).models[0].model, 'fallback');
});

test('usage errors exit 2 with a hint', async () => {
  const r = await cli(['report', '--format', 'xml', '--config', EXAMPLE]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /Invalid values/);
  const none = await cli([]);
  assert.equal(none.code, 2);
  const unknownModel = await cli(['report', '--config', EXAMPLE, '--model', 'nope']);
  assert.equal(unknownModel.code, 2);
  assert.match(unknownModel.stderr, /--model nope: not in config\/example\.yaml; models: credit-risk/);
});

test('check validates the example and reports unreadable sources', async (t) => {
  const ok = await cli(['check', '--config', EXAMPLE]);
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /SUCCESS/);
  const dir = tempDir(t);
  const b = await writeParquet(path.join(dir, 'b.parquet'), 'SELECT 1.0 AS x, 2.0 AS y');
  await writeParquet(path.join(dir, 'w.parquet'), 'SELECT 1.0 AS x');
  const file = path.join(dir, 'c.yaml');
  writeFileSync(file, `models:\n  - name: a\n    baseline: ${b}\n    window: w.parquet\n  - name: b\n    baseline: missing.parquet\n    window: w.parquet\n`);
  const bad = await cli(['check', '--config', file]);
  assert.equal(bad.code, 2);
  assert.match(bad.stdout, /FAILED: model a: window .*w\.parquet: feature "y": column absent from the window/);
  assert.match(bad.stdout, /FAILED: model b: baseline .*missing\.parquet: no file matches/);
});

test('no data is its own exit code (3), with or without --fail-on-drift, and says so in every format', async (t) => {
  const dir = tempDir(t);
  const baseline = await writeParquet(path.join(dir, 'b.parquet'), `SELECT i::DOUBLE AS x FROM range(100) t(i)`);
  const empty = await writeParquet(path.join(dir, 'w.parquet'), `SELECT i::DOUBLE AS x FROM range(100) t(i) LIMIT 0`);
  for (const [b, w] of [[baseline, empty], [empty, baseline]]) {
    for (const flags of [[], ['--fail-on-drift']]) {
      const table = await cli(['report', '--baseline', b, '--window', w, ...flags]);
      assert.equal(table.code, 3, table.stderr);
      assert.match(table.stdout, /adhoc: NO DATA, no feature could be compared/);
      const json = await cli(['report', '--baseline', b, '--window', w, '--format', 'json', ...flags]);
      assert.equal(json.code, 3);
      assert.deepEqual(JSON.parse(json.stdout).models.map((m: any) => [m.status, m.drift_share]), [['no_data', null]]);
    }
  }
});

test('--fail-on-drift fails on features that could not be compared, even without drift', async (t) => {
  const dir = tempDir(t);
  const baseline = await writeParquet(path.join(dir, 'b.parquet'), `SELECT (i % 10)::DOUBLE AS x, (i % 7)::DOUBLE AS y FROM range(1000) t(i)`);
  const window = await writeParquet(path.join(dir, 'w.parquet'), `SELECT (i % 10)::DOUBLE AS x FROM range(1000) t(i)`);
  const plain = await cli(['report', '--baseline', baseline, '--window', window]);
  assert.equal(plain.code, 0, plain.stderr);
  assert.match(plain.stdout, /SOME FEATURES IN ERROR, 0\.0% of compared features drifted, 1 in error/);
  assert.match(plain.stdout, /^ {2}y .*\n {6}ERROR: column absent from the window$/m, 'a long note on its own line');
  const gate = await cli(['report', '--baseline', baseline, '--window', window, '--fail-on-drift']);
  assert.equal(gate.code, 1);
});

test('control characters in names from the data never reach the terminal raw', async (t) => {
  const dir = tempDir(t);
  const sql = `SELECT (i % 10)::DOUBLE AS "a\x1b[31mred", (i % 3)::DOUBLE AS "b\u202Eevil" FROM range(300) t(i)`;
  const baseline = await writeParquet(path.join(dir, 'b.parquet'), sql);
  for (const format of ['table', 'markdown']) {
    const r = await cli(['report', '--baseline', baseline, '--window', baseline, '--format', format]);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /[\x00-\x08\x0b-\x1f\x7f\u202e]/, format);
    assert.match(r.stdout, /a\\x1b\[31mred/);
    assert.match(r.stdout, /b\\u202eevil/);
  }
});

test('huge and tiny scores keep the table within 80 columns', async (t) => {
  const dir = tempDir(t);
  const baseline = await writeParquet(path.join(dir, 'b.parquet'), `SELECT sin(i) AS x FROM range(2000) t(i)`);
  const window = await writeParquet(path.join(dir, 'w.parquet'), `SELECT CASE WHEN i % 5 = 0 THEN 1e308 ELSE sin(i) END AS x FROM range(2000) t(i)`);
  const r = await cli(['report', '--baseline', baseline, '--window', window]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^! x +num +\d\.\de\+\d+ /m);
  for (const line of r.stdout.split('\n').slice(1)) assert.ok(line.length <= 80, `too wide: ${line}`);
});

test('the table shows the p-value of the configured significance test, or none', async (t) => {
  const dir = tempDir(t);
  const baseline = await writeParquet(path.join(dir, 'b.parquet'), `SELECT (i % 100)::DOUBLE AS x FROM range(3000) t(i)`);
  const window = await writeParquet(path.join(dir, 'w.parquet'), `SELECT (i % 100 + 3)::DOUBLE AS x FROM range(3000) t(i)`);
  const json = JSON.parse((await cli(['report', '--baseline', baseline, '--window', window, '--format', 'json'])).stdout);
  const tests = json.models[0].features[0].tests;
  const run = async (significance: unknown) => {
    const file = path.join(dir, 'c.yaml');
    writeFileSync(file, JSON.stringify({ models: [{ name: 'm', baseline, window, significance: { numeric: significance } }] }));
    const r = await cli(['report', '--config', file]);
    return r.stdout.split('\n').find((l) => /^[ !] x /.test(l))!.slice(2).trim().split(/\s+/)[3];
  };
  const fmt = (p: number) => (p !== 0 && p < 1e-3 ? p.toExponential(1) : p.toFixed(3));
  assert.equal(await run('ks'), fmt(tests.ks.p_value));
  assert.equal(await run('chi2'), fmt(tests.chi2.p_value));
  assert.notEqual(fmt(tests.ks.p_value), fmt(tests.chi2.p_value), 'the two p-values differ, so the column shows which');
  assert.equal(await run(null), '-');
});
