// The same rows as Parquet, JSON lines and CSV give the same report, through the production run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { resolveConfig } from '../../src/config/index.js';
import { runModel } from '../../src/engine/index.js';
import { tempDir } from '../helpers/fixtures.js';
import { writeAs } from '../helpers/fixtures.js';

const model = (over: Record<string, unknown>) => resolveConfig({ models: [{ name: 'm', ...over }] }, 'test', '/').models[0];

// Doubles with a fractional part (JSON and CSV keep them DOUBLE), integers, text categories, NULLs, a timestamp.
const BASELINE = `SELECT i AS id, (i % 97)::DOUBLE + 0.25 AS x, i % 13 AS k, ['a','b','c'][1 + i % 3] AS c,
  CASE WHEN i % 7 = 0 THEN NULL ELSE (i % 11)::DOUBLE / 4 + 0.5 END AS y,
  TIMESTAMP '2026-01-01 00:00:00' + to_seconds(i) AS ts FROM range(4000) t(i)`;
const WINDOW = `SELECT i AS id, (i % 89)::DOUBLE * 1.25 + 0.5 AS x, i % 17 AS k, ['a','b','c','d'][1 + i % 4] AS c,
  CASE WHEN i % 5 = 0 THEN NULL ELSE (i % 11)::DOUBLE / 3 + 0.5 END AS y,
  TIMESTAMP '2026-01-02 00:00:00' + to_seconds(i * 30) AS ts FROM range(3000) t(i)`;

const FORMATS = [
  { format: 'parquet', ext: 'parquet', gzip: false },
  { format: 'json', ext: 'jsonl', gzip: false },
  { format: 'json', ext: 'ndjson.gz', gzip: true },
  { format: 'csv', ext: 'csv', gzip: false },
  { format: 'csv', ext: 'csv.gz', gzip: true },
] as const;

test('the same rows as Parquet, JSON lines and CSV (plain or gzip) give the identical report', async (t) => {
  const dir = tempDir(t);
  const reports = [];
  for (const f of FORMATS) {
    const baseline = await writeAs(path.join(dir, `b.${f.ext}`), f.format, BASELINE, f.gzip);
    const window = await writeAs(path.join(dir, `w.${f.ext}`), f.format, WINDOW, f.gzip);
    const r = await runModel(model({ baseline, window, timestamp_column: 'ts', window_duration: '1d', id_columns: ['id'], as_of: '2026-01-02T20:00:00Z' }));
    reports.push({ ext: f.ext, sha256: r.baseline.sha256, report: { ...r, baseline: { ...r.baseline, sha256: '' } } });
  }
  const [parquet, ...others] = reports;
  assert.deepEqual(parquet.report.features.map((f) => f.feature), ['x', 'k', 'c', 'y']);
  assert.ok(parquet.report.window.rows > 2000 && parquet.report.window.rows < 3000, `rows in the window: ${parquet.report.window.rows}`);
  for (const o of others) assert.deepEqual(o.report, parquet.report, `${o.ext} gives the Parquet report`);
  assert.equal(new Set(reports.map((r) => r.sha256)).size, reports.length, 'each format hashes its own bytes');
});

test('format: reads files whatever their extension, and a hive directory of JSON lines works end to end', async (t) => {
  const dir = tempDir(t);
  const baseline = await writeAs(path.join(dir, 'b.log'), 'json', BASELINE);
  await writeAs(path.join(dir, 'w', 'day=2026-01-02', 'part.jsonl'), 'json', WINDOW);
  const r = await runModel(model({ baseline: { source: baseline, format: 'json' }, window: path.join(dir, 'w'), timestamp_column: 'ts', id_columns: ['id'], as_of: '2026-01-02T20:00:00Z' }));
  assert.deepEqual(r.features.map((f) => f.feature), ['x', 'k', 'c', 'y']);
  assert.ok(r.features.every((f) => f.score !== null), 'every feature compared');
});

test('a JSON window field of another inferred type is read as the baseline type, and a key absent from a line is missing', async (t) => {
  const dir = tempDir(t);
  const baseline = await writeAs(path.join(dir, 'b.jsonl'), 'json', `SELECT i::DOUBLE + 0.5 AS x, ['1','2'][1 + i % 2] AS code FROM range(100) t(i)`);
  // code is a number in the window's lines (DuckDB would infer BIGINT), and x is absent from every third line.
  const window = await writeAs(path.join(dir, 'w.jsonl'), 'json', `SELECT CASE WHEN i % 3 = 0 THEN NULL ELSE i::DOUBLE + 0.5 END AS x, 1 + i % 2 AS code FROM range(90) t(i)`);
  const { writeFileSync, readFileSync } = await import('node:fs');
  writeFileSync(window, readFileSync(window, 'utf8').replaceAll('"x":null,', ''));
  const r = await runModel(model({ baseline, window }));
  const byName = Object.fromEntries(r.features.map((f) => [f.feature, f]));
  assert.equal(byName.code.type, 'categorical');
  assert.equal(byName.code.error, undefined, 'code compares as the baseline text categories');
  assert.ok(byName.code.score !== null);
  assert.equal(byName.x.missing_ratio, 30 / 90, "absent keys count as missing");
});
