// Baseline profiles: cached per process, recomputed when a file's content changes, whatever its size and mtime.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, openSync, readFileSync, statSync, utimesSync, writeSync } from 'node:fs';
import path from 'node:path';
import { baselineProfile, openSource, profileCacheStats, withConnection, type FeatureColumn } from '../../src/data/index.js';
import { tempDir, writeParquet } from '../helpers/fixtures.js';

const FEATURES: FeatureColumn[] = [{ name: 'x', type: 'numeric' }];
const sum = (values: Float64Array) => ({ value: values.reduce((a, b) => a + b, 0), finite: values.length });
const profileSum = (spec: string) =>
  withConnection(async (conn) => (await baselineProfile(conn, await openSource(conn, 'baseline', spec), FEATURES, sum)).numeric.get('x'));

test('a baseline rewritten in place with the same size and mtime is profiled again', async (t) => {
  const dir = tempDir(t);
  const a = await writeParquet(path.join(dir, 'b', 'train.parquet'), 'SELECT i::BIGINT AS id, (i % 10 + 10)::DOUBLE AS x FROM range(1000) t(i)');
  const b = await writeParquet(path.join(dir, 'other.parquet'), 'SELECT i::BIGINT AS id, (i % 10 + 20)::DOUBLE AS x FROM range(1000) t(i)');
  assert.equal(statSync(a).size, statSync(b).size, 'the fixture needs two files of one size');
  utimesSync(a, 1_700_000_000, 1_700_000_000);
  assert.equal(await profileSum(a), 14_500);
  const hits = profileCacheStats.hits;
  assert.equal(await profileSum(a), 14_500);
  assert.equal(profileCacheStats.hits, hits + 1, 'unchanged: reused');

  const fd = openSync(a, 'r+');
  writeSync(fd, readFileSync(b), 0, statSync(b).size, 0);
  closeSync(fd);
  utimesSync(a, 1_700_000_000, 1_700_000_000);
  assert.equal(await profileSum(a), 24_500, 'the new content, not the cached profile');
});
