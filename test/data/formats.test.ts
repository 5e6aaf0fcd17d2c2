// JSON lines and CSV sources: strict CSV errors naming file and line, fingerprints, and date-partition pruning.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { countRows, DataSourceError, openSource, withConnection, type OpenOptions } from '../../src/data/index.js';
import { tempDir } from '../helpers/fixtures.js';
import { writeAs } from '../helpers/fixtures.js';

const open = (spec: string, opts: OpenOptions = {}) => withConnection((conn) => openSource(conn, 'window', spec, opts));
const rowsOf = (spec: string, opts: OpenOptions = {}) => withConnection(async (conn) => (await countRows(conn, await openSource(conn, 'window', spec, opts), [], null)).rows);

const csv = (rows: number, bad: number) => ['a,b,c', ...Array.from({ length: rows }, (_, i) => (i + 2 === bad ? `${i},x${i}` : `${i},x${i},1.5`))].join('\n') + '\n';

test('a CSV row with too few fields fails naming the file and the line, inside or beyond the sniffed sample', async (t) => {
  const dir = tempDir(t);
  for (const [rows, bad] of [[30, 12], [30_000, 25_000]]) {
    const file = path.join(dir, `bad-${bad}.csv`);
    writeFileSync(file, csv(rows, bad));
    await assert.rejects(rowsOf(file), (err: Error) => {
      assert.ok(err instanceof DataSourceError);
      assert.match(err.message, new RegExp(`${file.replaceAll('.', '\\.')} line ${bad}: expected 3 columns, found 2`));
      return true;
    });
  }
});

test('JSON and CSV directories are read as hive partitions, and a mixed directory needs format:', async (t) => {
  const dir = tempDir(t);
  await writeAs(path.join(dir, 'j', 'split=a', 'p.jsonl'), 'json', 'SELECT i AS x FROM range(5) t(i)');
  await writeAs(path.join(dir, 'j', 'split=b', 'p.json'), 'json', 'SELECT i AS x FROM range(7) t(i)');
  const s = await open(path.join(dir, 'j'));
  assert.equal(s.format, 'json');
  assert.deepEqual(s.partitionKeys, ['split']);
  assert.equal(await rowsOf(path.join(dir, 'j')), 12);
  await writeAs(path.join(dir, 'j', 'split=c', 'p.csv'), 'csv', 'SELECT 1 AS x');
  await assert.rejects(open(path.join(dir, 'j')), /files of different formats/);
  assert.equal(await rowsOf(path.join(dir, 'j'), { format: 'csv' }), 1);
  assert.equal(await rowsOf(path.join(dir, 'j', '*', '*.json*')), 12, 'globs work for JSON');
  writeFileSync(path.join(dir, 'x.txt'), 'a\n');
  await assert.rejects(open(path.join(dir, 'x.txt')), /cannot tell the format of .*x\.txt from its extension.*set format: parquet \| json \| csv/);
});

test('the fingerprint of a JSON or CSV file changes when it is appended to', async (t) => {
  const dir = tempDir(t);
  for (const [format, ext, line] of [['json', 'jsonl', '{"x": 9}\n'], ['csv', 'csv', '9\n']] as const) {
    const file = await writeAs(path.join(dir, `f.${ext}`), format, 'SELECT i AS x FROM range(3) t(i)');
    const before = (await open(file)).fingerprint;
    appendFileSync(file, line);
    assert.notEqual((await open(file)).fingerprint, before, ext);
  }
});

test('with date_partition, day partitions outside the window are not read: unreadable and corrupt ones do not fail the run', async (t) => {
  const dir = tempDir(t);
  for (const day of ['2026-01-01', '2026-01-02', '2026-01-03', '2026-01-04']) {
    await writeAs(path.join(dir, `date=${day}`, 'p.jsonl'), 'json', `SELECT TIMESTAMP '${day}' + to_seconds(i * 600) AS ts, i AS x FROM range(144) t(i)`);
  }
  writeFileSync(path.join(dir, 'date=2026-01-01', 'p.jsonl'), '{not json');
  chmodSync(path.join(dir, 'date=2026-01-04', 'p.jsonl'), 0o000);
  // (2026-01-02 12:00, 2026-01-03 12:00]: the days 02 and 03.
  const prune = { key: 'date', start: new Date('2026-01-02T12:00:00Z'), end: new Date('2026-01-03T12:00:00Z') };
  const s = await open(dir, { prune });
  assert.deepEqual(s.files.map((f) => path.basename(path.dirname(f))), ['date=2026-01-02', 'date=2026-01-03']);
  assert.equal(
    await withConnection(async (conn) => (await countRows(conn, await openSource(conn, 'window', dir, { prune }), [], { column: 'ts', ...prune })).rows),
    144,
  );
  await assert.rejects(open(dir), /date=2026-01-0[14]/, 'without pruning the bad partitions are read');
});

test('with date_partition, a partition value that is no date is kept', async (t) => {
  const dir = tempDir(t);
  mkdirSync(path.join(dir, 'date=latest'), { recursive: true });
  await writeAs(path.join(dir, 'date=latest', 'p.csv'), 'csv', `SELECT TIMESTAMP '2026-01-02 13:00' AS ts, 1 AS x`);
  await writeAs(path.join(dir, 'date=2025-12-31', 'p.csv'), 'csv', `SELECT TIMESTAMP '2025-12-31 13:00' AS ts, 1 AS x`);
  const s = await open(dir, { prune: { key: 'date', start: new Date('2026-01-02T12:00:00Z'), end: new Date('2026-01-03T12:00:00Z') } });
  assert.deepEqual(s.files.map((f) => path.basename(path.dirname(f))), ['date=latest']);
});
