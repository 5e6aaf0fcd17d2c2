// Each engine's DuckDB runs under the memory limit and thread count it was configured with, keeping scans in file order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configureDuck, duckSetting } from '../../src/data/duck.js';

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
