// Parquet fixtures through real DuckDB to the report object.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { resolveConfig } from '../../src/config/index.js';
import { profileCacheStats } from '../../src/data/index.js';
import { runModel } from '../../src/engine/index.js';
import type { FeatureReport } from '../../src/report/index.js';
import { tempDir, writeParquet } from '../helpers/fixtures.js';

function model(over: Record<string, unknown>) {
  return resolveConfig({ models: [{ name: 'm', ...over }] }, 'test', '/').models[0];
}

const BASE = `SELECT i AS id, (i % 100)::DOUBLE AS x, ['a','b','c'][1 + i % 3] AS c,
  TIMESTAMPTZ '2026-01-01 00:00:00+00' + to_seconds(i) AS ts FROM range(3000) t(i)`;

test('the window is (as_of - duration, as_of]: a row at the start is out, a row at the end is in', async (t) => {
  const dir = tempDir(t);
  const baseline = await writeParquet(path.join(dir, 'b.parquet'), BASE);
  const window = await writeParquet(
    path.join(dir, 'w.parquet'),
    `SELECT * FROM (VALUES (1, 1.0, 'a', TIMESTAMPTZ '2026-01-02 00:00:00+00'), (2, 2.0, 'b', TIMESTAMPTZ '2026-01-02 00:30:00+00'),
      (3, 3.0, 'a', TIMESTAMPTZ '2026-01-02 01:00:00+00'), (4, 4.0, 'c', TIMESTAMPTZ '2026-01-02 01:00:00.001+00')) v(id, x, c, ts)`,
  );
  const r = await runModel(model({ baseline, window, timestamp_column: 'ts', window_duration: '1h', id_columns: ['id'] }), {
    asOf: new Date('2026-01-02T01:00:00Z'),
  });
  assert.equal(r.window.rows, 2, 'rows at 00:30 and 01:00');
  assert.equal(r.window.start, '2026-01-02T00:00:00.000Z');
  assert.equal(r.window.end, '2026-01-02T01:00:00.000Z');
  assert.deepEqual(r.features.map((f) => f.feature), ['x', 'c'], 'id and timestamp columns are not features');
});

test('zone-less TIMESTAMP columns are read as UTC', async (t) => {
  const dir = tempDir(t);
  const baseline = await writeParquet(path.join(dir, 'b.parquet'), BASE);
  const window = await writeParquet(path.join(dir, 'w.parquet'), `SELECT i AS id, i::DOUBLE AS x, 'a' AS c, TIMESTAMP '2026-01-02 00:00:00' + to_seconds(i * 60) AS ts FROM range(120) t(i)`);
  const r = await runModel(model({ baseline, window, timestamp_column: 'ts', window_duration: '30m' }), { asOf: new Date('2026-01-02T01:00:00Z') });
  assert.equal(r.window.rows, 30);
});

test('a hive-partitioned directory and a glob read the same rows', async (t) => {
  const dir = tempDir(t);
  const baseline = await writeParquet(path.join(dir, 'b.parquet'), BASE);
  for (const day of [1, 2, 3]) {
    await writeParquet(path.join(dir, 'logs', `day=${day}`, 'part-0.parquet'), `SELECT i AS id, (i % 50 + ${day})::DOUBLE AS x, 'a' AS c FROM range(100) t(i)`);
  }
  const hive = await runModel(model({ baseline, window: path.join(dir, 'logs'), id_columns: ['id'] }));
  const glob = await runModel(model({ baseline, window: path.join(dir, 'logs', '*', '*.parquet'), id_columns: ['id'] }));
  assert.equal(hive.window.rows, 300);
  assert.equal(glob.window.rows, 300);
  assert.deepEqual(hive.features.find((f) => f.feature === 'x')?.tests, glob.features.find((f) => f.feature === 'x')?.tests);
});

test('a feature absent from the window has missing_ratio 1 and no tests; the rest still compare', async (t) => {
  const dir = tempDir(t);
  const baseline = await writeParquet(path.join(dir, 'b.parquet'), BASE);
  const window = await writeParquet(path.join(dir, 'w.parquet'), `SELECT i AS id, ['a','b','c'][1 + i % 3] AS c FROM range(500) t(i)`);
  const r = await runModel(model({ baseline, window, id_columns: ['id', 'ts'] }));
  const x = r.features.find((f) => f.feature === 'x')!;
  assert.equal(x.missing_ratio, 1);
  assert.deepEqual(x.tests, {});
  assert.equal(x.score, null);
  assert.equal(x.drift, false);
  assert.match(x.error!, /absent/);
  const c = r.features.find((f) => f.feature === 'c')!;
  assert.ok(c.tests.chi2 && c.tests.js && c.unseen_ratio === 0);
});

test('a type change between baseline and window is reported on that feature only', async (t) => {
  const dir = tempDir(t);
  const baseline = await writeParquet(path.join(dir, 'b.parquet'), BASE);
  const window = await writeParquet(path.join(dir, 'w.parquet'), `SELECT i AS id, 'v' || i AS x, ['a','b'][1 + i % 2] AS c FROM range(500) t(i)`);
  const r = await runModel(model({ baseline, window, id_columns: ['id', 'ts'] }));
  const x = r.features.find((f) => f.feature === 'x')!;
  assert.match(x.error!, /type changed: numeric in the baseline, VARCHAR in the window/);
  assert.equal(x.score, null);
  assert.ok(r.features.find((f) => f.feature === 'c')!.tests.chi2);
});

test('INTEGER in the window against DOUBLE in the baseline compares as numbers', async (t) => {
  const dir = tempDir(t);
  const baseline = await writeParquet(path.join(dir, 'b.parquet'), BASE);
  const window = await writeParquet(path.join(dir, 'w.parquet'), `SELECT i AS id, (i % 100)::INTEGER AS x, 'a' AS c FROM range(3000) t(i)`);
  const r = await runModel(model({ baseline, window, id_columns: ['id', 'ts'] }));
  const x = r.features.find((f) => f.feature === 'x')!;
  assert.equal(x.tests.ks!.statistic, 0);
  assert.equal(x.drift, false);
});

test('all-NULL columns, NaN and ±Infinity count as missing and never produce a test', async (t) => {
  const dir = tempDir(t);
  const baseline = await writeParquet(path.join(dir, 'b.parquet'), BASE);
  const window = await writeParquet(
    path.join(dir, 'w.parquet'),
    `SELECT i AS id, CASE i % 3 WHEN 0 THEN 'NaN'::DOUBLE WHEN 1 THEN 'inf'::DOUBLE ELSE '-inf'::DOUBLE END AS x, NULL::VARCHAR AS c FROM range(300) t(i)`,
  );
  const r = await runModel(model({ baseline, window, id_columns: ['id', 'ts'] }));
  for (const f of r.features) {
    assert.equal(f.missing_ratio, 1, f.feature);
    assert.deepEqual(f.tests, {}, f.feature);
    assert.equal(f.score, null);
    assert.match(f.error ?? '', /no valid value in the window/);
  }
  assert.deepEqual([r.status, r.drift_share, r.drift, r.feature_errors], ['no_data', null, false, 2]);
});

test('an empty window is not drift and has no scores', async (t) => {
  const dir = tempDir(t);
  const baseline = await writeParquet(path.join(dir, 'b.parquet'), BASE);
  const r = await runModel(model({ baseline, window: baseline, timestamp_column: 'ts', window_duration: '1h' }), { asOf: new Date('2030-01-01T00:00:00Z') });
  assert.equal(r.window.rows, 0);
  assert.ok(r.features.every((f) => f.missing_ratio === null && f.score === null && !f.drift));
  assert.equal(r.drift, false);
});

test('a shifted window drifts, with the documented JSON keys in order', async (t) => {
  const dir = tempDir(t);
  const baseline = await writeParquet(path.join(dir, 'b.parquet'), BASE);
  const window = await writeParquet(path.join(dir, 'w.parquet'), `SELECT i AS id, (i % 100 + 40)::DOUBLE AS x, ['a','d'][1 + i % 2] AS c FROM range(2000) t(i)`);
  const r = await runModel(model({ baseline, window, id_columns: ['id', 'ts'], prediction_columns: ['x'] }));
  assert.deepEqual(Object.keys(r), ['model', 'status', 'as_of', 'window', 'baseline', 'features', 'drift_share', 'drift_share_threshold', 'drift', 'feature_errors']);
  const x = r.features.find((f) => f.feature === 'x')!;
  assert.deepEqual(Object.keys(x), ['feature', 'type', 'role', 'critical', 'missing_ratio', 'baseline_missing_ratio', 'tests', 'out_of_range_ratio', 'score', 'drift', 'distribution', 'decision']);
  assert.equal(x.role, 'prediction');
  assert.equal(x.drift, true);
  assert.equal(x.out_of_range_ratio, 0.4);
  const c = r.features.find((f) => f.feature === 'c')!;
  assert.equal(c.unseen_ratio, 0.5);
  assert.equal(c.drift, true);
  assert.deepEqual([r.drift_share, r.drift], [1, true]);
  assert.match(r.baseline.sha256, /^[0-9a-f]{64}$/);
});

test('a high-cardinality categorical keeps the top categories and merges the rest', async (t) => {
  const dir = tempDir(t);
  const baseline = await writeParquet(path.join(dir, 'b.parquet'), `SELECT 'k' || (i % 100000) AS c FROM range(200000) t(i)`);
  const window = await writeParquet(path.join(dir, 'w.parquet'), `SELECT 'k' || (i % 100000) AS c FROM range(100000) t(i)`);
  const r = await runModel(model({ baseline, window, max_categories: 20 }));
  const c = r.features[0];
  assert.equal(c.tests.chi2!.dof, 19, '20 buckets: 19 kept categories and "__other__"');
  assert.equal(c.drift, false);
});

test('a second run on an unchanged baseline reuses its profile; a rewritten baseline is read again', async (t) => {
  const dir = tempDir(t);
  const baseline = await writeParquet(path.join(dir, 'b.parquet'), BASE);
  const m = model({ baseline, window: baseline, id_columns: ['id', 'ts'] });
  await runModel(m);
  const before = { ...profileCacheStats };
  const first = await runModel(m);
  assert.equal(profileCacheStats.hits, before.hits + 1);
  assert.equal(profileCacheStats.misses, before.misses);
  await new Promise((r) => setTimeout(r, 20));
  await writeParquet(baseline, `SELECT i AS id, (i % 10)::DOUBLE AS x, 'a' AS c, TIMESTAMPTZ '2026-01-01 00:00:00+00' AS ts FROM range(10) t(i)`);
  const second = await runModel(m);
  assert.equal(profileCacheStats.misses, before.misses + 1);
  assert.notEqual(second.baseline.sha256, first.baseline.sha256);
  assert.equal(second.baseline.rows, 10);
});

test('quotes, spaces, dots and non-ASCII letters in column names are just names', async (t) => {
  const dir = tempDir(t);
  const names = ['x"; DROP TABLE t; --', 'with space', 'a.b', 'größe'];
  const select = `SELECT ${names.map((n, i) => `(i % ${7 + i})::DOUBLE AS "${n.replaceAll('"', '""')}"`).join(', ')} FROM range(500) t(i)`;
  const baseline = await writeParquet(path.join(dir, "it's.parquet"), select);
  const r = await runModel(model({ baseline, window: baseline }));
  assert.deepEqual(r.features.map((f) => f.feature), names);
  assert.ok(r.features.every((f) => f.tests.ks?.statistic === 0));
  writeFileSync(path.join(dir, 'ignored.txt'), 'not parquet');
});

test('an unknown configured feature names the column and the baseline', async (t) => {
  const dir = tempDir(t);
  const baseline = await writeParquet(path.join(dir, 'b.parquet'), BASE);
  await assert.rejects(runModel(model({ baseline, window: baseline, features: ['x', 'nope'] })), /feature "nope" is not a column of the baseline .*b\.parquet; columns: id, x, c, ts/);
});

test('keeping every window value and counting on grids give the same report', async (t) => {
  const dir = tempDir(t);
  const cols = `(i % 97)::DOUBLE AS k, CASE WHEN i % 50 = 0 THEN NULL WHEN i % 51 = 0 THEN 'NaN'::DOUBLE ELSE sin(i * 0.7) * exp(cos(i)) END AS s,
    NULL::DOUBLE AS gone, TIMESTAMPTZ '2026-01-01 00:00:00+00' + to_seconds(i) AS ts`;
  const baseline = await writeParquet(path.join(dir, 'b.parquet'), `SELECT i AS id, ${cols} FROM range(4000) t(i)`);
  const window = await writeParquet(path.join(dir, 'w.parquet'), `SELECT i AS id, ${cols.replace('(i % 97)', '(i % 89 + 3)').replace('sin(i * 0.7)', 'sin(i * 0.3) + 0.05')} FROM range(9000) t(i)`);
  const m = model({ baseline, window, id_columns: ['id'], timestamp_column: 'ts', window_duration: '2h' });
  const asOf = new Date('2026-01-01T02:20:00Z');
  const kept = await runModel(m, { asOf });
  // No room to keep values: grids, then passes that split the open intervals instead of collecting them.
  for (const collectValues of [0, 500]) {
    const counted = await runModel(m, { asOf, collectValues });
    assert.equal(counted.window.rows, kept.window.rows);
    for (const [i, f] of kept.features.entries()) {
      const g = counted.features[i];
      assert.equal(g.missing_ratio, f.missing_ratio, f.feature);
      for (const [id, r] of Object.entries(f.tests)) {
        const other = g.tests[id as keyof typeof g.tests]!;
        if (id === 'wasserstein') assert.ok(Math.abs(other.statistic - r.statistic) <= 1e-12 * r.statistic, `${f.feature} ${id}`);
        else assert.deepEqual(other, r, `${f.feature} ${id} (collectValues ${collectValues})`);
      }
    }
  }
  assert.deepEqual(
    kept.features.map((f) => [f.feature, Object.keys(f.tests).length > 0]),
    [['k', true], ['s', true], ['gone', false]],
  );
});

test('runs in one process that need one baseline at once share its profile: both complete, as each alone', async (t) => {
  const dir = tempDir(t);
  const baseline = await writeParquet(path.join(dir, 'b.parquet'), `SELECT (i % 997) * 1.0 AS x, (i * 7 % 13) * 1.0 AS y FROM range(200000) t(i)`);
  const windows = await Promise.all([0, 300].map((shift) => writeParquet(path.join(dir, `w${shift}.parquet`), `SELECT (i % 997) * 1.0 + ${shift} AS x, (i * 7 % 13) * 1.0 AS y FROM range(100000) t(i)`)));
  // At once: one computes the profile, the other waits for it (two computed at once released each other's summaries).
  const together = await Promise.all(windows.map((window, i) => runModel(model({ name: `m${i}`, baseline, window }))));
  const alone = [];
  for (const [i, window] of windows.entries()) alone.push(await runModel(model({ name: `m${i}`, baseline, window })));
  assert.deepEqual(together.map((r) => r.features), alone.map((r) => r.features));
  assert.ok(together[1].features.some((f) => f.drift), 'the shifted window drifts');
});

test("the window's first scan, read while the baseline's columns are reduced, gives the report a run with a cached profile gives; when it fails, the run fails naming the window, and the profile is kept", async (t) => {
  const dir = tempDir(t);
  const baseline = await writeParquet(path.join(dir, 'b.parquet'), `SELECT (i % 97)::DOUBLE / 7 AS x1, (i % 89)::DOUBLE * 3 AS x2, sqrt(i::DOUBLE) AS x3, ['a','b'][1 + i % 2] AS c FROM range(6000) t(i)`);
  const window = await writeParquet(path.join(dir, 'w.parquet'), `SELECT (i % 91)::DOUBLE / 7 AS x1, CASE WHEN i % 9 = 0 THEN NULL ELSE (i % 83)::DOUBLE * 3 END AS x2, sqrt(i::DOUBLE + 5) AS x3, ['a','b','c'][1 + i % 3] AS c FROM range(5000) t(i)`);
  // Two values per row kept at once: the three numeric columns in two kept scans, the first one read early.
  const opts = { collectValues: 4 * 5000 };
  const misses = profileCacheStats.misses;
  const cold = await runModel(model({ baseline, window }), opts);
  assert.equal(profileCacheStats.misses, misses + 1, 'the cold run computed the profile');
  const warm = await runModel(model({ baseline, window }), opts);
  assert.equal(profileCacheStats.misses, misses + 1, 'the warm run reused it');
  assert.deepEqual(warm.features, cold.features);
  assert.ok(cold.features.every((f) => f.score !== null));

  // A CSV window whose last line is no number: counting its rows works, its numeric scan does not.
  const lines = ['x1,x2,x3,c', ...Array.from({ length: 30_000 }, (_, i) => `${(i % 91) / 7},${(i % 83) * 3},${Math.sqrt(i)},a`), 'oops,1,1,b'];
  const bad = path.join(dir, 'w.csv');
  writeFileSync(bad, `${lines.join('\n')}\n`);
  const baseline2 = await writeParquet(path.join(dir, 'b2.parquet'), `SELECT (i % 97)::DOUBLE / 7 AS x1, (i % 89)::DOUBLE * 3 AS x2, sqrt(i::DOUBLE) AS x3, ['a','b'][1 + i % 2] AS c FROM range(6001) t(i)`);
  const before = profileCacheStats.misses;
  await assert.rejects(runModel(model({ baseline: baseline2, window: bad }), opts), (err: Error) => err.name === 'DataSourceError' && err.message.includes(bad) && /oops/.test(err.message));
  assert.equal(profileCacheStats.misses, before + 1);
  const ok = await runModel(model({ baseline: baseline2, window }), opts);
  assert.equal(profileCacheStats.misses, before + 1, 'the profile computed alongside the failed scan was kept');
  assert.ok(ok.features.every((f) => f.score !== null));

  // Counted on grids (too few values kept at once): the categorical counts are what is read ahead.
  const baseline3 = await writeParquet(path.join(dir, 'b3.parquet'), `SELECT (i % 97)::DOUBLE / 7 AS x1, (i % 89)::DOUBLE * 3 AS x2, sqrt(i::DOUBLE) AS x3, ['a','b'][1 + i % 2] AS c FROM range(6002) t(i)`);
  const grid = { collectValues: 1000 };
  const gridCold = await runModel(model({ baseline: baseline3, window }), grid);
  const gridWarm = await runModel(model({ baseline: baseline3, window }), grid);
  assert.deepEqual(gridWarm.features, gridCold.features);
  assert.deepEqual(
    gridCold.features.map((f) => [f.feature, f.score !== null]),
    [['x1', true], ['x2', true], ['x3', true], ['c', true]],
  );
});

test('a long window counted on grids, whole and by segment, guesses its open intervals and gives the report of keeping every value', async (t) => {
  const dir = tempDir(t);
  // Pseudo-random normals from hash(): x drifts in segment "a" only, y follows its baseline.
  const u = (k: number) => `((hash(i * 7 + ${k}) % 1000003) + 0.5) / 1000003.0`;
  const z = (k: number) => `sqrt(-2 * ln(${u(k)})) * cos(2 * pi() * ${u(k + 1)})`;
  const cols = (drift: string) => `CASE WHEN i % 2 = 0 THEN 'a' ELSE 'b' END AS seg, ${z(1)} + ${drift} AS x, CASE WHEN i % 61 = 0 THEN NULL ELSE ${z(3)} END AS y`;
  const baseline = await writeParquet(path.join(dir, 'b.parquet'), `SELECT ${cols('0')} FROM range(4000) t(i)`);
  // Longer than four guessing prefixes (2^18 values), so that the whole window's columns guess.
  const window = await writeParquet(path.join(dir, 'w.parquet'), `SELECT ${cols("CASE WHEN i % 2 = 0 THEN 0.3 ELSE 0 END")} FROM range(1200000) t(i)`);
  const m = model({ baseline, window, features: ['x', 'y'], segment_by: ['seg'] });
  const kept = await runModel(m);
  // 2M values at once: too few to keep the window, room for a guess per thread.
  const steps: string[] = [];
  const counted = await runModel(m, { collectValues: 2_000_000, onProgress: (p) => steps.push(p.step) });
  // Six columns (x and y, whole and per segment); the first a thread opens gets a guess: the whole window's x, which
  // drifted, settles in the first pass.
  assert.ok(steps.includes('pass 2 over 5 numeric columns of 2 features'), steps.filter((s) => s.startsWith('pass')).join('; '));
  const same = (a: { features: FeatureReport[] }, b: { features: FeatureReport[] }, what: string) => {
    for (const [i, f] of a.features.entries()) {
      const g = b.features[i];
      assert.equal(g.missing_ratio, f.missing_ratio, `${what} ${f.feature}`);
      for (const [id, r] of Object.entries(f.tests)) {
        const other = g.tests[id as keyof typeof g.tests]!;
        if (id === 'wasserstein') assert.ok(Math.abs(other.statistic - r.statistic) <= 1e-12 * r.statistic, `${what} ${f.feature} ${id}`);
        else assert.deepEqual(other, r, `${what} ${f.feature} ${id}`);
      }
      assert.deepEqual(g.distribution?.window.quantiles, f.distribution?.window.quantiles, `${what} ${f.feature} quantiles`);
    }
  };
  same(kept, counted, 'whole');
  kept.segments!.forEach((s, k) => same(s, counted.segments![k], `segment ${k}`));
  assert.equal(kept.segments!.length, 2);
});
