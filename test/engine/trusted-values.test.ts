// Every value the engine reports is right, or visibly absent with a reason: no data is its own status,
// a feature that cannot be compared carries an error, and no "no drift" stands in for "could not compare".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { resolveConfig } from '../../src/config/index.js';
import { runModel } from '../../src/engine/index.js';
import { tempDir, writeParquet } from '../helpers/fixtures.js';

function model(over: Record<string, unknown>) {
  return resolveConfig({ models: [{ name: 'm', ...over }] }, 'test', '/').models[0];
}

const BASE = `SELECT i AS id, (i % 100)::DOUBLE AS x, ['a','b','c'][1 + i % 3] AS c, TIMESTAMPTZ '2026-01-01 00:00:00+00' + to_seconds(i) AS ts FROM range(3000) t(i)`;

test('an empty window is no data: status no_data, drift_share null, never "no drift"', async (t) => {
  const dir = tempDir(t);
  const baseline = await writeParquet(path.join(dir, 'b.parquet'), BASE);
  const window = await writeParquet(path.join(dir, 'w.parquet'), `${BASE} LIMIT 0`);
  const r = await runModel(model({ baseline, window, id_columns: ['id', 'ts'] }));
  assert.deepEqual([r.status, r.drift_share, r.drift, r.window.rows], ['no_data', null, false, 0]);
});

test('an empty baseline is no data too', async (t) => {
  const dir = tempDir(t);
  const baseline = await writeParquet(path.join(dir, 'b.parquet'), `${BASE} LIMIT 0`);
  const window = await writeParquet(path.join(dir, 'w.parquet'), BASE);
  const r = await runModel(model({ baseline, window, id_columns: ['id', 'ts'] }));
  assert.deepEqual([r.status, r.drift_share, r.baseline.rows], ['no_data', null, 0]);
});

test('a window whose every value is missing has no comparable feature: no data, each feature with its error', async (t) => {
  const dir = tempDir(t);
  const baseline = await writeParquet(path.join(dir, 'b.parquet'), BASE);
  const window = await writeParquet(path.join(dir, 'w.parquet'), `SELECT i AS id, NULL::DOUBLE AS x, NULL::VARCHAR AS c FROM range(100) t(i)`);
  const r = await runModel(model({ baseline, window, id_columns: ['id', 'ts'] }));
  assert.equal(r.status, 'no_data');
  assert.equal(r.feature_errors, 2);
  for (const f of r.features) assert.match(f.error ?? '', /no valid value in the window/, f.feature);
});

test('features in error are counted, and a model with errors but no drift has status errors', async (t) => {
  const dir = tempDir(t);
  const baseline = await writeParquet(path.join(dir, 'b.parquet'), BASE);
  const window = await writeParquet(path.join(dir, 'w.parquet'), `SELECT i AS id, (i % 100)::DOUBLE AS x FROM range(3000) t(i)`);
  const r = await runModel(model({ baseline, window, id_columns: ['id', 'ts'] }));
  assert.equal(r.features.find((f) => f.feature === 'c')?.error, 'column absent from the window');
  assert.deepEqual([r.status, r.feature_errors, r.drift], ['errors', 1, false]);
});

test('categories compare only when the same value reads as the same category on both sides', async (t) => {
  const dir = tempDir(t);
  const cases: [string, string, boolean][] = [
    ['i % 2 = 0', '(i % 2)::INTEGER', false], // BOOLEAN true/false against INTEGER 0/1: type changed, not 100% unseen
    ['(i % 2)::INTEGER', '(i % 2)::DOUBLE', false], // "1" against "1.0"
    ['(i % 2)::INTEGER', '(i % 2)::BIGINT', true],
    ["['a','b'][1 + i % 2]", "['a','b'][1 + i % 2]::ENUM('a','b')", true],
  ];
  for (const [b, w, ok] of cases) {
    const baseline = await writeParquet(path.join(dir, 'b.parquet'), `SELECT ${b} AS v FROM range(400) t(i)`);
    const window = await writeParquet(path.join(dir, 'w.parquet'), `SELECT ${w} AS v FROM range(400) t(i)`);
    const r = await runModel(model({ baseline, window, features: { v: 'categorical' } }));
    const v = r.features[0];
    if (ok) {
      assert.equal(v.error, undefined, `${b} vs ${w}`);
      assert.equal(v.drift, false, `${b} vs ${w}: same shares`);
      assert.equal(v.unseen_ratio, 0);
    } else {
      assert.match(v.error ?? '', /^type changed: .* in the baseline, .* in the window/, `${b} vs ${w}`);
      assert.deepEqual([v.score, v.drift, r.status], [null, false, 'no_data']);
    }
  }
});

test('UUID and TIME columns listed as categorical compare when both sides have the same type', async (t) => {
  const dir = tempDir(t);
  const sql = `SELECT ('00000000-0000-0000-0000-00000000000' || (i % 4))::UUID AS u, TIME '10:00:00' + to_hours(i % 3) AS tm FROM range(300) t(i)`;
  const baseline = await writeParquet(path.join(dir, 'b.parquet'), sql);
  const window = await writeParquet(path.join(dir, 'w.parquet'), sql);
  const r = await runModel(model({ baseline, window, features: { u: 'categorical', tm: 'categorical' } }));
  for (const f of r.features) assert.deepEqual([f.feature, f.error, f.drift, f.score], [f.feature, undefined, false, 0]);
});

test('a feature_overrides key naming no feature of the model fails the run naming the key', async (t) => {
  const dir = tempDir(t);
  const baseline = await writeParquet(path.join(dir, 'b.parquet'), BASE);
  await assert.rejects(runModel(model({ baseline, window: baseline, id_columns: ['id', 'ts'], feature_overrides: { xx: { thresholds: { ks: 0.05 } } } })), /feature_overrides\.xx: no such feature in this model; features: x, c/);
});

test('1% of sentinels at 1.7e308 on both sides cannot hide a +5σ shift of the rest: drift, kept or counted on grids', async (t) => {
  const dir = tempDir(t);
  // x: uniform with σ ≈ 1, 1% at the sentinel; y: the same on both sides (no drift).
  const col = (shift: number) => `CASE WHEN i % 100 = 7 THEN 1.7e308 ELSE ((i * 7919) % 3000) / 3000.0 * 3.46 + ${shift} END`;
  const baseline = await writeParquet(path.join(dir, 'b.parquet'), `SELECT ${col(0)} AS x, ${col(0)} AS y FROM range(3000) t(i)`);
  const window = await writeParquet(path.join(dir, 'w.parquet'), `SELECT ${col(5)} AS x, ${col(0)} AS y FROM range(3000) t(i)`);
  for (const collectValues of [undefined, 0, 500]) {
    const r = await runModel(model({ baseline, window }), { collectValues });
    const [x, y] = r.features;
    assert.equal(x.error, undefined);
    assert.ok(x.tests.ks!.p_value! < 1e-12 && x.score! > 3 && x.score! < 5, `collectValues ${collectValues}: score ${x.score}`);
    assert.deepEqual([x.drift, y.drift, y.score, r.status], [true, false, 0, 'drift'], `collectValues ${collectValues}`);
  }
});

test('a window rewritten in place during the run (same size, mtime put back) fails the run naming the file', async (t) => {
  const dir = tempDir(t);
  const baseline = await writeParquet(path.join(dir, 'b.parquet'), `SELECT i::DOUBLE AS x FROM range(5000) t(i)`);
  const window = path.join(dir, 'w.parquet');
  const other = path.join(dir, 'other.parquet');
  // Uncompressed doubles: both files have the same size, as with `dd conv=notrunc`.
  await writeParquet(window, `SELECT i::DOUBLE + 0.5 AS x FROM range(5000) t(i)`, { uncompressed: true });
  await writeParquet(other, `SELECT i::DOUBLE + 1000.25 AS x FROM range(5000) t(i)`, { uncompressed: true });
  const { readFileSync, statSync, utimesSync, writeFileSync } = await import('node:fs');
  const m = model({ baseline, window });
  const ok = await runModel(m);
  assert.equal(ok.status, 'ok', 'untouched, the same run succeeds');
  const rewrite = () => {
    const before = statSync(window);
    const bytes = readFileSync(other);
    assert.equal(bytes.length, before.size);
    writeFileSync(window, bytes, { flag: 'r+' });
    utimesSync(window, before.atime, before.mtime);
  };
  let done = false;
  await assert.rejects(
    runModel(m, { onPhase: (phase) => { if (phase === 'baseline profile' && !done) { done = true; rewrite(); } } }),
    (err: Error) => err.name === 'DataSourceError' && err.message.includes(window) && /changed during the run/.test(err.message),
  );
});
