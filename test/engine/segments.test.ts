// Segmented windows through real DuckDB: exactly one segment drifts, and every segment's statistics equal SciPy's on the same slices.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveConfig } from '../../src/config/index.js';
import { profileCacheStats } from '../../src/data/index.js';
import { checkModel, runModel } from '../../src/engine/index.js';
import type { FeatureReport, ModelReport } from '../../src/report/index.js';
import { tempDir, writeParquet } from '../helpers/fixtures.js';
import { closeP, closeStat } from '../helpers/reference.js';

/** Written once by make.py (SciPy, through the reference oracle); see its header. */
const DIR = fileURLToPath(new URL('../../../test/fixtures/segments', import.meta.url));
const CASES: any[] = JSON.parse(readFileSync(path.join(DIR, 'expected.json'), 'utf8'));
const byName = (name: string) => CASES.find((c) => c.name === name)!;
const AS_OF = '2026-01-02T00:00:00Z';

/** The fixture's baseline and two windows as Parquet. */
async function files(t: { after: (fn: () => void) => void }) {
  const dir = tempDir(t);
  const rows = path.join(DIR, 'rows.json').replaceAll("'", "''");
  const part = (key: string, cols: string) => `SELECT ${cols} FROM (SELECT unnest(${key}, max_depth := 2) FROM read_json('${rows}', maximum_object_size := 100000000)) ORDER BY id`;
  const common = 'id::BIGINT AS id, ts::TIMESTAMP AS ts, region::VARCHAR AS region, x::DOUBLE AS x, cat::VARCHAR AS cat';
  return {
    baseline: await writeParquet(path.join(dir, 'b.parquet'), part('baseline', common)),
    region: await writeParquet(path.join(dir, 'wr.parquet'), part('window_region', common)),
    version: await writeParquet(path.join(dir, 'wv.parquet'), part('window_version', `${common}, version::VARCHAR AS version`)),
  };
}

function model(over: Record<string, unknown>) {
  return resolveConfig({ models: [{ name: 'm', timestamp_column: 'ts', id_columns: ['id'], features: ['x', 'cat'], as_of: AS_OF, ...over }] }, 'test', '/').models[0];
}

/** A feature's statistics equal SciPy's (the reference README's tolerances). */
function assertFeature(f: FeatureReport, want: any, what: string): void {
  const stat = (got: number | undefined, exp: number, name: string) => assert.ok(got !== undefined && closeStat(got, exp), `${what} ${name}: ${got} vs SciPy ${exp}`);
  const p = (got: number | undefined, exp: number, name: string) => assert.ok(got !== undefined && closeP(got, exp), `${what} ${name}: ${got} vs SciPy ${exp}`);
  const e = want.tests;
  assert.equal(f.error, undefined, `${what}: ${f.error}`);
  if (f.type === 'numeric') {
    stat(f.tests.ks?.statistic, e.ks.statistic, 'ks D');
    p(f.tests.ks?.p_value, e.ks.p_value, 'ks p');
    stat(f.tests.wasserstein?.statistic, e.wasserstein.statistic, 'W1');
    stat(f.tests.wasserstein?.normed, e.wasserstein.normed, 'W1 normed');
    stat(f.tests.psi?.statistic, e.psi.statistic, 'psi');
    stat(f.tests.js?.statistic, e.js.statistic, 'js');
    stat(f.tests.chi2?.statistic, e.chi2.statistic, 'chi2');
  } else {
    stat(f.tests.chi2?.statistic, e.chi2.statistic, 'chi2');
    p(f.tests.chi2?.p_value, e.chi2.p_value, 'chi2 p');
    stat(f.tests.js?.statistic, e.js.statistic, 'js');
    stat(f.tests.psi?.statistic, e.psi.statistic, 'psi');
    stat(f.unseen_ratio, e.unseen_ratio, 'unseen');
  }
  assert.ok(closeStat(f.missing_ratio!, want.window.missing_ratio), `${what} missing ratio`);
}

/** The whole window and every segment equal SciPy's, largest segment first; returns the segments that drifted. */
function assertCase(r: ModelReport, c: any, slice: 'matching' | 'whole'): string[] {
  assert.equal(r.window.rows, c.window.rows, 'the window is (start, end]');
  r.features.forEach((f) => assertFeature(f, c.features[f.feature], `whole window ${f.feature}`));
  assert.ok(r.segments, 'a segmented model has segments');
  assert.deepEqual(r.segments!.map((s) => s.key), c.segments.map((s: any) => s.key), 'largest first');
  r.segments!.forEach((s, i) => {
    const want = c.segments[i];
    const what = `segment ${JSON.stringify(s.key)}`;
    assert.deepEqual([s.other, s.merged, s.window.rows, s.baseline.rows, s.baseline.slice], [false, 1, want.rows, want.baseline_rows, slice], what);
    s.features.forEach((f) => (want.features[f.feature].tests ? assertFeature(f, want.features[f.feature], `${what} ${f.feature}`) : undefined));
  });
  return r.segments!.filter((s) => s.drift).map((s) => JSON.stringify(s.key));
}

for (const collectValues of [undefined, 0]) {
  const path_ = collectValues === 0 ? 'grid path' : 'kept window';
  test(`segment_by a baseline column: each segment against its matching baseline slice; only "south" drifts, as SciPy says (${path_})`, async (t) => {
    const f = await files(t);
    const r = await runModel(model({ baseline: f.baseline, window: f.region, segment_by: ['region'] }), { collectValues });
    assert.deepEqual(assertCase(r, byName('region_matching'), 'matching'), ['{"region":"south"}']);
    assert.ok(r.segments!.some((s) => s.key.region === null), 'SQL NULL is a segment of its own, null in JSON');
  });

  test(`segment_by a column the baseline lacks: each segment against the whole baseline; only version "2" drifts; "3" has no valid x (${path_})`, async (t) => {
    const f = await files(t);
    const r = await runModel(model({ baseline: f.baseline, window: f.version, segment_by: ['version'] }), { collectValues });
    assert.deepEqual(assertCase(r, byName('version_whole'), 'whole'), ['{"version":"2"}']);
    const three = r.segments!.find((s) => s.key.version === '3')!;
    const x = three.features.find((g) => g.feature === 'x')!;
    assert.equal(x.error, 'no valid value in the window: every row is missing');
    assert.deepEqual([x.score, x.drift, x.tests], [null, false, {}], 'an error, never a score');
    assert.equal(three.feature_errors, 1);
  });
}

test('an unsegmented model has no segments key, and its whole-window results equal the segmented run\'s', async (t) => {
  const f = await files(t);
  const plain = await runModel(model({ baseline: f.baseline, window: f.region }));
  assert.equal('segments' in plain, false);
  assert.equal('segment_by' in plain, false);
  const segmented = await runModel(model({ baseline: f.baseline, window: f.region, segment_by: ['region'] }));
  const { segments, segment_by, ...whole } = segmented;
  assert.ok(segments);
  assert.deepEqual(segment_by, ['region']);
  assert.deepEqual(whole, plain, 'the whole window is compared exactly as without segments');
});

test('beyond max_segments the smallest segments merge into an overflow bucket, which a real value equal to no marker can collide with', async (t) => {
  const dir = tempDir(t);
  // Keys by size: "" 6 rows, "other" 5, "a" 4, NULL 3, "b" 2 and "c" 2 (a tie: by key), "__other__" 1.
  const keys = [['', 6], ['other', 5], ['a', 4], [null, 3], ['b', 2], ['c', 2], ['__other__', 1]] as const;
  const values = keys.flatMap(([k, n], j) => Array.from({ length: n }, (_, i) => `(${k === null ? 'NULL' : `'${k}'`}, ${j * 10 + i}.5)`)).join(', ');
  const window = await writeParquet(path.join(dir, 'w.parquet'), `SELECT * FROM (VALUES ${values}) v(s, x)`);
  const baseline = await writeParquet(path.join(dir, 'b.parquet'), `SELECT i * 1.0 AS x FROM range(100) t(i)`);
  const m = resolveConfig({ models: [{ name: 'm', baseline, window, segment_by: ['s'], max_segments: 4 }] }, 'test', '/').models[0];
  const r = await runModel(m);
  assert.deepEqual(
    r.segments!.map((s) => [s.key, s.other, s.merged, s.window.rows, s.baseline.slice]),
    [
      [{ s: '' }, false, 1, 6, 'whole'],
      [{ s: 'other' }, false, 1, 5, 'whole'],
      [{ s: 'a' }, false, 1, 4, 'whole'],
      [{}, true, 4, 8, 'whole'],
    ],
  );
  // Every row of the overflow, and only those: its x values.
  const bucket = r.segments![3];
  assert.equal(bucket.features[0].missing_ratio, 0);
  assert.equal(r.segments!.reduce((a, s) => a + s.window.rows, 0), r.window.rows);
  const all = resolveConfig({ models: [{ name: 'm', baseline, window, segment_by: ['s'] }] }, 'test', '/').models[0];
  const named = await runModel(all);
  assert.deepEqual(named.segments!.map((s) => s.key.s), ['', 'other', 'a', null, 'b', 'c', '__other__'], 'ties broken by key; no bucket within max_segments');
  assert.ok(named.segments!.every((s) => !s.other));
});

test('the overflow bucket compared with a matching baseline slice: the baseline rows of no named key', async (t) => {
  const dir = tempDir(t);
  const window = await writeParquet(path.join(dir, 'w.parquet'), `SELECT ['a', 'a', 'a', 'b', 'b', 'c', 'd'][i % 7 + 1] AS s, (i % 7) * 1.0 + i / 1000 AS x FROM range(700) t(i)`);
  const baseline = await writeParquet(path.join(dir, 'b.parquet'), `SELECT ['a', 'b', 'c', 'd', 'e'][i % 5 + 1] AS s, i * 1.0 AS x FROM range(500) t(i)`);
  const m = resolveConfig({ models: [{ name: 'm', baseline, window, segment_by: ['s'], max_segments: 3 }] }, 'test', '/').models[0];
  const r = await runModel(m);
  assert.deepEqual(
    r.segments!.map((s) => [s.key, s.window.rows, s.baseline.rows, s.baseline.slice]),
    [
      [{ s: 'a' }, 300, 100, 'matching'],
      [{ s: 'b' }, 200, 100, 'matching'],
      [{}, 200, 300, 'matching'],
    ],
  );
});

test('a segment column absent from the window is a run error naming the column and the file; check says so too', async (t) => {
  const f = await files(t);
  const m = model({ baseline: f.baseline, window: f.region, segment_by: ['version'] });
  await assert.rejects(runModel(m), (err: Error) => err.name === 'DataSourceError' && err.message.includes('segment column "version" is not a column of the window') && err.message.includes(f.region));
  assert.match((await checkModel(m)).join('\n'), /segment column "version" is not a column of the window .*wr\.parquet/);
});

test('segment_baseline matching with a baseline lacking the column is an error naming it; whole is honoured when forced', async (t) => {
  const f = await files(t);
  const forced = model({ baseline: f.baseline, window: f.version, segment_by: ['version'], segment_baseline: 'matching' });
  await assert.rejects(runModel(forced), /segment_baseline is matching, but segment column "version" is not a column of the baseline/);
  const whole = await runModel(model({ baseline: f.baseline, window: f.region, segment_by: ['region'], segment_baseline: 'whole' }));
  assert.ok(whole.segments!.every((s) => s.baseline.slice === 'whole' && s.baseline.rows === 800));
});

test('matching slices are profiled once and cached: a second run reads no baseline', async (t) => {
  const f = await files(t);
  const m = model({ baseline: f.baseline, window: f.region, segment_by: ['region'] });
  await runModel(m);
  const before = { ...profileCacheStats };
  await runModel(m);
  assert.equal(profileCacheStats.misses, before.misses, 'no profile computed again');
  assert.equal(profileCacheStats.hits, before.hits + 5, 'the whole baseline and its four slices');
});

test('config: a segment column that is a feature, the timestamp, an id column, or listed twice is refused, naming it; max_segments >= 1', () => {
  const bad = (over: Record<string, unknown>) => () => resolveConfig({ models: [{ name: 'm', baseline: 'b.parquet', window: 'w.parquet', timestamp_column: 'ts', id_columns: ['id'], features: ['x'], ...over }] }, 'c.yaml', '/');
  assert.throws(bad({ segment_by: ['x'] }), /segment_by\[0\].*segment column "x" is also a feature/s);
  assert.throws(bad({ segment_by: ['ts'] }), /segment column "ts" is the timestamp column/);
  assert.throws(bad({ segment_by: ['id'] }), /segment column "id" is an id column/);
  assert.throws(bad({ segment_by: ['r', 'r'] }), /segment_by\[1\].*segment column "r" is listed twice/s);
  assert.throws(bad({ prediction_columns: ['p'], segment_by: ['p'] }), /segment column "p" is also a prediction column/);
  assert.throws(bad({ segment_by: ['r'], max_segments: 0 }), /max_segments/);
  assert.throws(bad({ max_segments: 3 }), /max_segments.*needs segment_by/s);
  assert.throws(bad({ segment_by: ['r'], segment_baseline: 'some' }), /segment_baseline/);
  const ok = bad({ segment_by: ['r'] })().models[0];
  assert.deepEqual([ok.segmentBy, ok.maxSegments, ok.segmentBaseline], [['r'], 20, 'auto']);
});

test('table and markdown list the drifted segments and those in error after the features, in 80 columns, escaped', async (t) => {
  const { formatReport } = await import('../../src/report/index.js');
  const f = await files(t);
  const r = await runModel(model({ baseline: f.baseline, window: f.version, segment_by: ['version'] }));
  const table = formatReport({ generated_at: '', models: [r] }, 'table');
  const lines = table.split('\n');
  const at = lines.findIndex((l) => l.startsWith('  segments: 3; drifted, in error or without data (1 more with no drift):'));
  assert.ok(at > lines.findIndex((l) => l.includes('feature ')), table);
  assert.ok(lines.slice(at).every((l) => l.length <= 80), `80 columns:\n${table}`);
  assert.match(lines[at + 1], /^! version="2": 156 rows vs 800 \(whole\), DRIFT, 100\.0% drifted; drifted: x, cat$/);
  assert.match(lines[at + 2], /^  version="3": 12 rows vs 800 \(whole\), no drift among the compared features,/);
  assert.match(table, /in error: x/);
  const md = formatReport({ generated_at: '', models: [r] }, 'markdown');
  assert.match(md, /\| version="2" \| 156 \| 800 \(whole\) \| DRIFT \(100\.0%\) \| x, cat \| - \|/);
  // A value from the data never reaches a terminal raw.
  const escaped = formatReport({ generated_at: '', models: [{ ...r, segments: [{ ...r.segments![1], key: { 'vers\u202eion': 'a\x1b[31m|' } }] }] }, 'markdown');
  assert.match(escaped, /vers\\u202eion="a\\u001b\[31m\\\|"/);
  assert.doesNotMatch(escaped, /\x1b|\u202e/);
});

/** Baseline and window rows split by `s` (a, b, c; the baseline also d), with missing values (NULL, NaN, ±Infinity) and ±0 in x. */
function rowsSql(rows: number, seed: number, keys: string[], sType = 'VARCHAR'): string {
  const key = `[${keys.map((k) => `'${k}'`).join(', ')}][((hash(i * 7 + ${seed}) % ${keys.length}) + 1)::BIGINT]`;
  const s = sType === 'VARCHAR' ? key : `(ascii(${key}) - 96)::${sType}`;
  const x = `CASE WHEN i % 41 = 0 THEN NULL WHEN i % 43 = 0 THEN 'NaN'::DOUBLE WHEN i % 47 = 0 THEN 'inf'::DOUBLE WHEN i % 53 = 0 THEN -0.0 WHEN i % 59 = 0 THEN 0.0
    ELSE (hash(i * 13 + ${seed}) % 1000)::DOUBLE / 10.0 + (ascii(${key}) - 96) * ${seed} END`;
  return `SELECT ${s} AS s, ${x} AS x, CASE WHEN i % 37 = 0 THEN NULL ELSE 'c' || (hash(i * 3 + ${seed}) % 6)::VARCHAR END AS cat FROM range(${rows}) t(i)`;
}

const plainModel = (baseline: string, window: string, over: Record<string, unknown> = {}) =>
  resolveConfig({ models: [{ name: 'm', baseline, window, features: { x: 'numeric', cat: 'categorical' }, ...over }] }, 'test', '/').models[0];

for (const collectValues of [undefined, 0]) {
  const path_ = collectValues === 0 ? 'grid path' : 'kept window';
  test(`matching slices, profiled in the baseline's one scan, give each segment exactly what comparing its slice alone gives (${path_})`, async (t) => {
    const dir = tempDir(t);
    const baseline = await writeParquet(path.join(dir, 'b.parquet'), rowsSql(3000, 1, ['a', 'b', 'c', 'd']));
    const window = await writeParquet(path.join(dir, 'w.parquet'), rowsSql(4000, 2, ['a', 'b', 'c']));
    const r = await runModel(plainModel(baseline, window, { segment_by: ['s'] }), { collectValues });
    assert.equal(r.segments!.length, 3);
    for (const seg of r.segments!) {
      const only = async (file: string, name: string) => writeParquet(path.join(dir, `${name}-${seg.key.s}.parquet`), `SELECT x, cat FROM read_parquet('${file}') WHERE s = '${seg.key.s}'`);
      const alone = await runModel(plainModel(await only(baseline, 'b'), await only(window, 'w')), { collectValues });
      assert.equal(seg.baseline.rows, alone.baseline.rows, `segment ${seg.key.s}: its baseline slice's rows`);
      assert.deepEqual(seg.features, alone.features, `segment ${seg.key.s}: every statistic, bit for bit`);
    }
  });
}

test('numeric columns read in several scans (the segment ids read by the first, later scans placing the same rows where it did) give each segment what its slice alone gives', async (t) => {
  const dir = tempDir(t);
  // 3 numeric columns × 350,000 baseline rows: more than the one-scan profile's 2^20 values, so one scan per column.
  const cols = (rows: number, seed: number) => `SELECT s, x, x * x / 100 - x AS y, round(x / 7) AS z, cat FROM (${rowsSql(rows, seed, ['a', 'b', 'c'])})`;
  const baseline = await writeParquet(path.join(dir, 'b.parquet'), cols(350_000, 3));
  const window = await writeParquet(path.join(dir, 'w.parquet'), cols(20_000, 4));
  const features = { x: 'numeric', y: 'numeric', z: 'numeric', cat: 'categorical' };
  const over = { features, segment_by: ['s'] };
  // Room for one window column per kept scan: three scans.
  const r = await runModel(plainModel(baseline, window, over), { collectValues: 2 * 20_000 });
  assert.equal(r.segments!.length, 3);
  for (const seg of r.segments!) {
    const only = async (file: string, name: string) => writeParquet(path.join(dir, `${name}-${seg.key.s}.parquet`), `SELECT x, y, z, cat FROM read_parquet('${file}') WHERE s = '${seg.key.s}'`);
    const alone = await runModel(plainModel(await only(baseline, 'b'), await only(window, 'w'), { features }));
    assert.equal(seg.baseline.rows, alone.baseline.rows, `segment ${seg.key.s}: its baseline slice's rows`);
    assert.deepEqual(seg.features, alone.features, `segment ${seg.key.s}: every statistic, bit for bit`);
  }
  const whole = await runModel(plainModel(baseline, window, { features }));
  assert.deepEqual(r.features, whole.features, 'the whole window, bit for bit');
});

test("segmented grid columns give every segment, and the whole window, the kept window's exact quantiles", async (t) => {
  const dir = tempDir(t);
  const baseline = await writeParquet(path.join(dir, 'b.parquet'), rowsSql(3000, 1, ['a', 'b', 'c', 'd']));
  const window = await writeParquet(path.join(dir, 'w.parquet'), rowsSql(4000, 2, ['a', 'b', 'c']));
  const [kept, grid] = await Promise.all([undefined, 0].map((collectValues) => runModel(plainModel(baseline, window, { segment_by: ['s'] }), { collectValues })));
  const quantiles = (r: typeof kept) => [r.features, ...r.segments!.map((s) => s.features)].map((fs) => fs.find((f) => f.feature === 'x')!.distribution!.window.quantiles);
  const want = quantiles(kept);
  const got = quantiles(grid);
  assert.equal(got.length, 4);
  got.forEach((q, i) => {
    assert.ok(q && want[i], `target ${i}: quantiles on both paths`);
    // === : -0 and +0 are one value to NumPy's sort (x holds both).
    for (const [name, x] of Object.entries(q)) assert.ok(x === want[i]![name as 'p1'], `target ${i} ${name}: grid ${x}, kept ${want[i]![name as 'p1']}`);
  });
});

test('a window with a segment the cached slices lack profiles only that slice, in one more read; the others are reused', async (t) => {
  const dir = tempDir(t);
  const baseline = await writeParquet(path.join(dir, 'b.parquet'), rowsSql(3000, 1, ['a', 'b', 'c', 'd']));
  const two = await writeParquet(path.join(dir, 'w2.parquet'), rowsSql(2000, 2, ['a', 'b']));
  const three = await writeParquet(path.join(dir, 'w3.parquet'), rowsSql(2000, 2, ['a', 'b', 'c']));
  let before = { ...profileCacheStats };
  await runModel(plainModel(baseline, two, { segment_by: ['s'] }));
  assert.deepEqual([profileCacheStats.misses - before.misses, profileCacheStats.hits - before.hits], [3, 0], 'the whole baseline and slices a and b');
  before = { ...profileCacheStats };
  const r = await runModel(plainModel(baseline, three, { segment_by: ['s'] }));
  assert.deepEqual([profileCacheStats.misses - before.misses, profileCacheStats.hits - before.hits], [1, 3], 'only slice c is read');
  const c = r.segments!.find((s) => s.key.s === 'c')!;
  const only = await writeParquet(path.join(dir, 'bc.parquet'), `SELECT x, cat FROM read_parquet('${baseline}') WHERE s = 'c'`);
  const wc = await writeParquet(path.join(dir, 'wc.parquet'), `SELECT x, cat FROM read_parquet('${three}') WHERE s = 'c'`);
  assert.deepEqual(c.features, (await runModel(plainModel(only, wc))).features, 'the slice read alone is the same');
});

test('a segment column whose values read as different text on the two sides (DOUBLE 1.0 vs INTEGER 1) is an error naming it and both types, never empty slices', async (t) => {
  const dir = tempDir(t);
  const baseline = await writeParquet(path.join(dir, 'b.parquet'), rowsSql(600, 1, ['a', 'b', 'c'], 'INTEGER'));
  for (const [type, mode] of [
    ['DOUBLE', 'auto'],
    ['DOUBLE', 'matching'],
    ['VARCHAR', 'auto'],
    ['DECIMAL(6,2)', 'auto'],
  ]) {
    const window = await writeParquet(path.join(dir, `w-${type}.parquet`), rowsSql(600, 2, ['a', 'b', 'c'], type));
    const m = plainModel(baseline, window, { segment_by: ['s'], segment_baseline: mode });
    await assert.rejects(
      runModel(m),
      (err: Error) => err.name === 'DataSourceError' && err.message.includes(`segment column "s" has type ${type} in the window ${window} and INTEGER in the baseline ${baseline}`),
      `${type} window (${mode})`,
    );
    assert.match((await checkModel(m)).join('\n'), new RegExp(`segment column "s" has type ${type.replace(/[()]/g, '\\$&')} in the window`));
    // Against the whole baseline the column's type on the baseline side does not matter.
    const whole = await runModel(plainModel(baseline, window, { segment_by: ['s'], segment_baseline: 'whole' }));
    assert.ok(whole.segments!.every((s) => s.baseline.slice === 'whole' && s.baseline.rows === 600));
  }
  // Integers of another width read as the same text: the slices match.
  const wide = await writeParquet(path.join(dir, 'w-big.parquet'), rowsSql(600, 2, ['a', 'b', 'c'], 'BIGINT'));
  const r = await runModel(plainModel(baseline, wide, { segment_by: ['s'] }));
  assert.ok(r.segments!.every((s) => s.baseline.slice === 'matching' && s.baseline.rows > 100), JSON.stringify(r.segments!.map((s) => s.baseline)));
});
