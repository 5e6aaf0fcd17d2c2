// Each engine's DuckDB runs under the memory limit and thread count it was configured with, keeping scans in file order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DuckDBConnection } from '@duckdb/node-api';
import { configureDuck, duckSetting, sideConnection, withConnection } from '../../src/data/duck.js';

// Before any query: the settings apply when the process's instance is created (this file runs in a process of its own).
configureDuck({ memoryLimitBytes: 300 * 2 ** 20, threads: 1 });

test('the configured memory_limit and threads are in force', async () => {
  assert.equal(Number(await duckSetting('threads')), 1);
  assert.match(String(await duckSetting('memory_limit')), /^(300(\.0)? MiB|314\.5 MB)$/);
  assert.throws(() => configureDuck({ threads: 2 }), /already exists/);
});

test('every connection keeps the rows of a scan in the files\' order (later segmented scans place rows by it)', async () => {
  assert.equal(await duckSetting('preserve_insertion_order'), true);
});

test('a query on the side connection completes while the run\'s connection is mid-stream, and both close with the run', async () => {
  let side: DuckDBConnection | null = null;
  await withConnection(async (conn) => {
    side = await sideConnection(conn);
    // A result far larger than the streaming buffer: DuckDB stops producing until chunks are fetched.
    const result = await conn.stream('SELECT range AS x FROM range(50000000)');
    const first = await result.fetchChunk();
    assert.ok(first && first.rowCount > 0);
    const rows = (await side.runAndReadAll('SELECT 40 + 2 AS v')).getRowObjectsJS();
    assert.deepEqual(rows, [{ v: 42 }]);
    assert.equal(await sideConnection(conn), side, 'one side connection per connection');
  });
  await assert.rejects(() => side!.run('SELECT 1'), 'the side connection is closed with the run');
  assert.throws(() => sideConnection({} as DuckDBConnection), /not a connection of withConnection/);
});
