// Reference windows through real DuckDB: a baseline slice shifted in time, compared with SciPy's numbers on the same slices.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveConfig } from '../../src/config/index.js';
import { profileCacheStats } from '../../src/data/index.js';
import { checkModel, runModel } from '../../src/engine/index.js';
import type { ModelReport } from '../../src/report/index.js';
import { tempDir, writeParquet } from '../helpers/fixtures.js';
import { closeP, closeStat } from '../helpers/reference.js';

/** Written once by make.py (SciPy, through the reference oracle); see its header. */
const DIR = fileURLToPath(new URL('../../../test/fixtures/reference-window', import.meta.url));
const CASES: any[] = JSON.parse(readFileSync(path.join(DIR, 'expected.json'), 'utf8'));
const byName = (name: string) => CASES.find((c) => c.name === name)!;

async function logs(t: { after: (fn: () => void) => void }): Promise<string> {
  const file = path.join(tempDir(t), 'logs.parquet');
  const rows = path.join(DIR, 'rows.json').replaceAll("'", "''");
  return writeParquet(file, `SELECT id::BIGINT AS id, ts::TIMESTAMP AS ts, x::DOUBLE AS x, cat::VARCHAR AS cat FROM read_json('${rows}') ORDER BY id`);
}

function model(file: string, baseline: Record<string, unknown>) {
  return resolveConfig({ models: [{ name: 'm', baseline: { source: file, ...baseline }, window: file, timestamp_column: 'ts', window_duration: '1d', id_columns: ['id'] }] }, 'test', '/').models[0];
}

/** Every statistic of the report equals SciPy's on the same slices (the reference README's tolerances). */
function assertMatches(r: ModelReport, c: any): void {
  assert.equal(r.window.start, c.window.start);
  assert.equal(r.window.end, c.window.end);
  assert.equal(r.window.rows, c.window.rows);
  assert.deepEqual([r.baseline.start, r.baseline.end, r.baseline.rows], [c.baseline.start, c.baseline.end, c.baseline.rows]);
  assert.deepEqual(r.features.map((f) => f.feature), ['x', 'cat'], 'neither the id nor the timestamp is a feature');
  const stat = (got: number | undefined, want: number, what: string) => assert.ok(got !== undefined && closeStat(got, want), `${c.name} ${what}: ${got} vs SciPy ${want}`);
  const p = (got: number | undefined, want: number, what: string) => assert.ok(got !== undefined && closeP(got, want), `${c.name} ${what}: ${got} vs SciPy ${want}`);
  const x = r.features[0].tests;
  const ex = c.features.x.tests;
  stat(x.ks?.statistic, ex.ks.statistic, 'x ks D');
  p(x.ks?.p_value, ex.ks.p_value, 'x ks p');
  stat(x.wasserstein?.statistic, ex.wasserstein.statistic, 'x W1');
  stat(x.wasserstein?.normed, ex.wasserstein.normed, 'x W1 normed');
  stat(x.js?.statistic, ex.js.statistic, 'x js');
  stat(x.psi?.statistic, ex.psi.statistic, 'x psi');
  stat(x.chi2?.statistic, ex.chi2.statistic, 'x chi2');
  const cat = r.features[1].tests;
  const ec = c.features.cat.tests;
  stat(cat.chi2?.statistic, ec.chi2.statistic, 'cat chi2');
  p(cat.chi2?.p_value, ec.chi2.p_value, 'cat chi2 p');
  stat(cat.js?.statistic, ec.js.statistic, 'cat js');
  stat(cat.psi?.statistic, ec.psi.statistic, 'cat psi');
  stat(r.features[1].unseen_ratio, ec.unseen_ratio, 'cat unseen');
}

test('offset = window_duration compares with the day before: the day after the shift drifts, the day before it does not, as SciPy says', async (t) => {
  const file = await logs(t);
  const m = model(file, { offset: '1d' });
  const shifted = await runModel(m, { asOf: new Date('2026-01-04T00:00:00Z') });
  assertMatches(shifted, byName('moving_1d_shifted'));
  assert.equal(shifted.drift, true);
  const steady = await runModel(m, { asOf: new Date('2026-01-03T00:00:00Z') });
  assertMatches(steady, byName('moving_1d_steady'));
  assert.equal(steady.drift, false);
});

test('a fixed reference (from, to] matches SciPy at every as_of, and is profiled once for all of them', async (t) => {
  const file = await logs(t);
  const m = model(file, { from: '2025-12-31T00:00:00Z', to: '2026-01-01T00:00:00Z' });
  const before = { ...profileCacheStats };
  const reports = [];
  for (const day of ['02', '03', '04']) reports.push(await runModel(m, { asOf: new Date(`2026-01-${day}T00:00:00Z`) }));
  assert.equal(profileCacheStats.misses, before.misses + 1, 'profiled once');
  assert.equal(profileCacheStats.hits, before.hits + 2, 'reused by the later steps');
  reports.forEach((r, i) => assertMatches(r, byName(`fixed_jan1_at_jan${i + 2}`)));
  assert.deepEqual(reports.map((r) => r.drift), [false, false, true]);
});

test('a moving reference reads its own range at each as_of, once, and holds one cache entry', async (t) => {
  const file = await logs(t);
  const m = model(file, { offset: '1d' });
  const before = { ...profileCacheStats };
  for (const day of ['02', '03', '04']) await runModel(m, { asOf: new Date(`2026-01-${day}T00:00:00Z`) });
  assert.equal(profileCacheStats.misses, before.misses + 3, 'one read per run');
  assert.equal(profileCacheStats.entries, before.entries + 1, 'the previous range is let go');
  await runModel(m, { asOf: new Date('2026-01-04T00:00:00Z') });
  assert.equal(profileCacheStats.hits, before.hits + 1, 'the same as_of again reads nothing');
});

test('the reference is half-open (start, end]: a row at its start is out, a row at its end is in', async (t) => {
  const dir = tempDir(t);
  const file = await writeParquet(
    path.join(dir, 'b.parquet'),
    `SELECT * FROM (VALUES (1, 100.0, TIMESTAMPTZ '2026-01-01 00:00:00+00'), (2, 2.0, TIMESTAMPTZ '2026-01-01 00:00:00.001+00'),
      (3, 3.0, TIMESTAMPTZ '2026-01-02 00:00:00+00'), (4, 400.0, TIMESTAMPTZ '2026-01-02 00:00:00.001+00')) v(id, x, ts)`,
  );
  for (const baseline of [{ from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z' }, { offset: '1d', duration: '1d' }]) {
    const m = resolveConfig({ models: [{ name: 'm', baseline: { source: file, ...baseline }, window: file, timestamp_column: 'ts', id_columns: ['id'], as_of: '2026-01-03T00:00:00Z' }] }, 'test', '/').models[0];
    const r = await runModel(m);
    assert.equal(r.baseline.rows, 2, `${JSON.stringify(baseline)}: rows at 00:00:00.001 and at the end`);
    assert.equal(r.baseline.start, '2026-01-01T00:00:00.000Z');
    assert.equal(r.baseline.end, '2026-01-02T00:00:00.000Z');
    assert.equal(r.features[0].out_of_range_ratio, 1, 'the window (Jan 2, Jan 3] holds only 400, outside [2, 3]');
  }
});

test('a whole-source baseline reports null start and end', async (t) => {
  const file = await logs(t);
  const m = resolveConfig({ models: [{ name: 'm', baseline: file, window: file, timestamp_column: 'ts', id_columns: ['id'] }] }, 'test', '/').models[0];
  const r = await runModel(m, { asOf: new Date('2026-01-04T00:00:00Z') });
  assert.deepEqual([r.baseline.start, r.baseline.end, r.baseline.rows], [null, null, 961]);
});

test('check: a reference range without rows is a problem naming the range; one with rows is fine', async (t) => {
  const file = await logs(t);
  assert.deepEqual(await checkModel(model(file, { from: '2025-12-31T00:00:00Z', to: '2026-01-01T00:00:00Z' })), []);
  const empty = await checkModel(model(file, { from: '2024-01-01T00:00:00Z', to: '2024-02-01T00:00:00Z' }));
  assert.deepEqual(empty, [`baseline ${file}: no rows whose "ts" lies in the reference range (2024-01-01T00:00:00.000Z, 2024-02-01T00:00:00.000Z]`]);
  const moving = await checkModel(model(file, { offset: '30d' }), new Date('2026-01-04T00:00:00Z'));
  assert.match(moving[0] ?? '', /no rows whose "ts" lies in the reference range \(2025-12-04T00:00:00.000Z, 2025-12-05T00:00:00.000Z\]/);
  const noColumn = await checkModel(resolveConfig({ models: [{ name: 'm', baseline: { source: file, timestamp_column: 'when', offset: '1d' }, window: file, timestamp_column: 'ts' }] }, 'test', '/').models[0]);
  assert.match(noColumn.join('\n'), /timestamp column "when" not found/);
});
