// Scans: the time window (as_of − duration, as_of] in every timestamp type, and which errors the scans wrap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { categoryCountsAll, countCategoriesAhead, countRows, DataSourceError, openSource, streamNumeric, withConnection, type TimeFilter } from '../../src/data/index.js';
import { tempDir, writeParquet } from '../helpers/fixtures.js';

const DAY = 86_400_000;
const window = (end: string, ms = DAY): TimeFilter => ({ column: 'ts', start: new Date(new Date(end).getTime() - ms), end: new Date(end) });

/** Rows of `file` in the window, counted by countRows, categoryCountsAll and streamNumeric (which must agree). */
async function inWindow(file: string, filter: TimeFilter): Promise<number> {
  return withConnection(async (conn) => {
    const s = await openSource(conn, 'window', file);
    const { rows } = await countRows(conn, s, [], filter);
    const cats = await categoryCountsAll(conn, s, ['tag'], filter);
    const tagged = [...cats.get('tag')!.counts.values()].reduce((a, b) => a + b, 0);
    const streamed = await streamNumeric(conn, s, ['v'], filter, () => undefined);
    assert.deepEqual([tagged, streamed], [rows, rows], 'every scan applies the same window');
    return rows;
  });
}

const END = '2026-03-02T00:00:00Z';

// Per type: its smallest step after a bound; rows at start, start + step, end, end + step, and ±infinity where the type has them.
const EDGES: { type: string; step: string; infinities: boolean }[] = [
  { type: 'TIMESTAMP', step: '0.000001', infinities: true },
  { type: 'TIMESTAMPTZ', step: '0.000001', infinities: true },
  { type: 'TIMESTAMP_NS', step: '0.000000001', infinities: false },
];

for (const { type, step, infinities } of EDGES) {
  test(`${type}: the window is (start, end], exact to the type's last digit`, async (t) => {
    const dir = tempDir(t);
    const zone = type === 'TIMESTAMPTZ' ? '+00' : '';
    const at = (s: string) => `'${s}${zone}'::${type}`;
    const values = [
      at('2026-03-01 00:00:00'),
      at(`2026-03-01 00:00:0${step}`),
      at('2026-03-01 12:00:00'),
      at('2026-03-02 00:00:00'),
      at(`2026-03-02 00:00:0${step}`),
      ...(infinities ? [`'infinity'::${type}`, `'-infinity'::${type}`] : []),
    ];
    const file = await writeParquet(
      path.join(dir, 'w.parquet'),
      `SELECT ts, 1.0 AS v, 'a' AS tag FROM (VALUES ${values.map((v) => `(${v})`).join(', ')}) t(ts)`,
    );
    assert.equal(await inWindow(file, window(END)), 3, 'start + step, noon and end');
    // Windows far outside the type's range compare without a conversion error.
    assert.equal(await inWindow(file, window('1500-01-01T00:00:00Z')), 0);
    assert.equal(await inWindow(file, window('2300-01-01T00:00:00Z')), 0);
    assert.equal(await inWindow(file, { column: 'ts', start: new Date('-010000-01-01T00:00:00Z'), end: new Date('+200000-01-01T00:00:00Z') }), 5, 'every finite row');
  });
}

test('TIMESTAMP_NS: rows near both ends of its range are found by a window reaching past them', async (t) => {
  const dir = tempDir(t);
  const file = await writeParquet(
    path.join(dir, 'w.parquet'),
    `SELECT ts::TIMESTAMP_NS AS ts, 1.0 AS v, 'a' AS tag FROM (VALUES ('1677-09-22 00:00:00'), ('2000-01-01 00:00:00'), ('2262-04-10 00:00:00')) t(ts)`,
  );
  assert.equal(await inWindow(file, { column: 'ts', start: new Date('1600-01-01T00:00:00Z'), end: new Date('2300-01-01T00:00:00Z') }), 3);
  assert.equal(await inWindow(file, { column: 'ts', start: new Date('1600-01-01T00:00:00Z'), end: new Date('1677-09-23T00:00:00Z') }), 1);
  assert.equal(await inWindow(file, { column: 'ts', start: new Date('2262-04-09T00:00:00Z'), end: new Date('2300-01-01T00:00:00Z') }), 1);
});

test('DATE: a row dated d counts at the end of its day, d + 1 day', async (t) => {
  const dir = tempDir(t);
  const file = await writeParquet(
    path.join(dir, 'w.parquet'),
    `SELECT ts, 1.0 AS v, ts::VARCHAR AS tag FROM (VALUES (DATE '2026-02-28'), (DATE '2026-03-01'), (DATE '2026-03-02'), ('infinity'::DATE), ('-infinity'::DATE)) t(ts)`,
  );
  const days = async (filter: TimeFilter) =>
    withConnection(async (conn) => [...(await categoryCountsAll(conn, await openSource(conn, 'window', file), ['tag'], filter)).get('tag')!.counts.keys()].sort());
  assert.deepEqual(await days(window(END)), ['2026-03-01'], 'as_of at midnight, 1d: the day that ends at as_of');
  assert.deepEqual(await days(window(END, 2 * DAY)), ['2026-02-28', '2026-03-01']);
  assert.deepEqual(await days(window('2026-03-02T12:00:00Z')), ['2026-03-01'], 'its end, 03-02 00:00, is inside (03-01 12:00, 03-02 12:00]');
  assert.deepEqual(await days(window('2026-03-01T23:59:59.999Z')), ['2026-02-28']);
  assert.deepEqual(await days(window('2026-03-02T00:00:00.001Z')), ['2026-03-01']);
  assert.equal(await inWindow(file, { column: 'ts', start: new Date('-010000-01-01T00:00:00Z'), end: new Date('+200000-01-01T00:00:00Z') }), 3, 'every finite date');
});

test('a timestamp column of another type is refused, naming the column and its type', async (t) => {
  const dir = tempDir(t);
  const file = await writeParquet(path.join(dir, 'w.parquet'), `SELECT 'yesterday' AS ts, 1.0 AS v, 'a' AS tag`);
  await assert.rejects(inWindow(file, window(END)), (err: unknown) => err instanceof DataSourceError && /timestamp column "ts" has type VARCHAR/.test(err.message));
});

test("streamNumeric passes its chunk handler's errors through as they are, and wraps DuckDB's", async (t) => {
  const dir = tempDir(t);
  const file = await writeParquet(path.join(dir, 'w.parquet'), `SELECT i::DOUBLE AS v, CASE WHEN i < 5000 THEN '1' ELSE 'x' END AS s FROM range(10000) t(i)`);
  await withConnection(async (conn) => {
    const source = await openSource(conn, 'window', file);
    const mine = new Error('handler failed');
    await assert.rejects(streamNumeric(conn, source, ['v'], null, () => { throw mine; }), (err) => err === mine);
    await assert.rejects(streamNumeric(conn, source, ['v'], null, () => Promise.reject(mine)), (err) => err === mine);
    const late = new TypeError('late');
    let chunks = 0;
    await assert.rejects(streamNumeric(conn, source, ['v'], null, () => { if (++chunks === 3) throw late; }), (err) => err === late);
    await assert.rejects(streamNumeric(conn, source, ['s'], null, () => undefined), (err: unknown) => {
      assert.ok(err instanceof DataSourceError, String(err));
      assert.match(err.message, /^window .*w\.parquet: Conversion Error/);
      return true;
    });
  });
});

test('categorical counts started during a numeric stream never cut it: local files count beside it, a remote source only when asked', async (t) => {
  const dir = tempDir(t);
  const rows = 4_000_000;
  // Far more than DuckDB's streaming buffer holds: the stream is still open at its first chunk.
  const file = await writeParquet(path.join(dir, 'w.parquet'), `SELECT range::DOUBLE AS v, ['a', 'b', 'c'][range % 3 + 1] AS tag FROM range(${rows})`);
  for (const remote of [false, true]) {
    await withConnection(async (conn) => {
      // As if remote: its counts must run on this connection, so not while it streams.
      const s = { ...(await openSource(conn, 'window', file)), remote };
      let counts: ReturnType<typeof countCategoriesAhead> | null = null;
      const streamed = await streamNumeric(conn, s, ['v'], null, () => {
        counts ??= countCategoriesAhead(conn, s, ['tag'], null);
      });
      assert.equal(streamed, rows, `remote ${remote}: the stream read every row`);
      const tag = (await counts!()).get('tag')!;
      const third = Math.floor(rows / 3);
      assert.deepEqual([...tag.counts.entries()].sort(), [['a', rows - 2 * third], ['b', third], ['c', third]], `remote ${remote}`);
    });
  }
});
