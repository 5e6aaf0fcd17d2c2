// Baseline profiles: cached per process, recomputed when a file's content changes, whatever its size and mtime.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, openSync, readFileSync, statSync, utimesSync, writeSync } from 'node:fs';
import path from 'node:path';
import { PROFILE_BYTES } from '../../src/data/profile.js';
import { baselineProfile, openSource, profileCacheStats, segmentedProfile, setProfileCacheBudget, withConnection, type FeatureColumn } from '../../src/data/index.js';
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

test('the profile cache keeps the most recently used within its byte budget, counts hits, misses and evictions, and releases what it evicts', async (t) => {
  const dir = tempDir(t);
  const files = await Promise.all([0, 1, 2, 3].map((k) => writeParquet(path.join(dir, `b${k}.parquet`), `SELECT (i % 10 + ${k})::DOUBLE AS x FROM range(100) t(i)`)));
  const released: number[] = [];
  // Each profile's one numeric value says it holds 1000 bytes, plus the profile's own: a budget of 3500 keeps two.
  const sized = (values: Float64Array) => ({ value: values.reduce((a, b) => a + b, 0), finite: values.length, bytes: 1000 });
  const profile = (spec: string) =>
    withConnection(async (conn) => (await baselineProfile(conn, await openSource(conn, 'baseline', spec), FEATURES, sized, (v) => released.push(v))).numeric.get('x'));
  setProfileCacheBudget(0); // empties the cache of earlier tests' profiles
  setProfileCacheBudget(3500);
  t.after(() => setProfileCacheBudget(Infinity));
  const start = { ...profileCacheStats };
  const delta = () => ({ hits: profileCacheStats.hits - start.hits, misses: profileCacheStats.misses - start.misses, evictions: profileCacheStats.evictions - start.evictions });

  await profile(files[0]);
  await profile(files[1]);
  await profile(files[0]); // hit: b0 is now the most recently used
  assert.deepEqual(delta(), { hits: 1, misses: 2, evictions: 0 });
  await profile(files[2]); // over the budget: b1, the least recently used, goes
  assert.deepEqual(delta(), { hits: 1, misses: 3, evictions: 1 });
  assert.deepEqual(released, [(0 + 4.5) * 100 + 100 * 1], 'b1 released (sum 550)');
  await profile(files[0]); // still cached
  await profile(files[1]); // computed again, evicting b2
  assert.deepEqual(delta(), { hits: 2, misses: 4, evictions: 2 });
  assert.ok(profileCacheStats.bytes <= 3500 && profileCacheStats.bytes === 2 * (1000 + PROFILE_BYTES), `within budget: ${profileCacheStats.bytes} bytes`);

  // A profile bigger than the whole budget serves its run and is not kept.
  setProfileCacheBudget(500);
  assert.equal(profileCacheStats.entries, 0, 'a lower budget evicts at once');
  assert.equal(await profile(files[3]), (4.5 + 3) * 100);
  assert.equal(profileCacheStats.bytes, 0);
  await profile(files[3]);
  assert.equal(delta().hits, 2, 'never a hit');
});

test('meanwhile runs on the connection once the baseline is read, while its columns are reduced; the profile waits for it, and its failure is its own', { timeout: 20_000 }, async (t) => {
  const dir = tempDir(t);
  const file = await writeParquet(path.join(dir, 'm.parquet'), 'SELECT (i % 7)::DOUBLE AS x FROM range(500) t(i)');
  const events: string[] = [];
  let finishReduce: () => void = () => undefined;
  // The reduction ends only when meanwhile says so: meanwhile must start before it ends.
  const slow = (values: Float64Array) =>
    new Promise<{ value: number; finite: number }>((resolve) => {
      events.push('reduce started');
      finishReduce = () => resolve({ value: values.length, finite: values.length });
    });
  setProfileCacheBudget(0);
  setProfileCacheBudget(Infinity);
  await withConnection(async (conn) => {
    const source = await openSource(conn, 'baseline', file);
    let meanwhileDone = false;
    const profile = await baselineProfile(conn, source, FEATURES, slow, undefined, null, async () => {
      events.push('meanwhile started');
      // The connection is free: a query of its own runs now.
      const [{ n }] = (await conn.runAndReadAll('SELECT 41 + 1 AS n')).getRowObjectsJS() as { n: number }[];
      events.push(`meanwhile queried ${n}`);
      finishReduce();
      await new Promise((r) => setTimeout(r, 50));
      meanwhileDone = true;
      throw new Error('the caller sees this, not the profile');
    });
    assert.deepEqual(events, ['reduce started', 'meanwhile started', 'meanwhile queried 42']);
    assert.ok(meanwhileDone, 'the profile is returned only once meanwhile has settled');
    assert.equal(profile.numeric.get('x'), 500);
    // Cached: nothing is read, and meanwhile is not called.
    let called = false;
    await baselineProfile(conn, source, FEATURES, slow, undefined, null, async () => {
      called = true;
    });
    assert.equal(called, false);
  });
});

test('a profile that fails after some columns were reduced gives back what they made: the baseline changed, a failed reduction, a segmented profile', async (t) => {
  const dir = tempDir(t);
  const file = await writeParquet(path.join(dir, 'f.parquet'), "SELECT (i % 7)::DOUBLE AS x, (i % 5)::DOUBLE AS y, CASE WHEN i % 2 = 0 THEN 'a' ELSE 'b' END AS s FROM range(400) t(i)");
  setProfileCacheBudget(0);
  setProfileCacheBudget(Infinity);
  const released: string[] = [];
  let touch = false;
  let mtime = 1_700_000_000;
  // The file changes (a new mtime) while its columns are reduced: the profile then fails, after the reductions.
  const changed = () => touch && utimesSync(file, ++mtime, mtime);
  const tagged = (values: Float64Array, name: string) => {
    changed();
    return Promise.resolve({ value: `${name}:${values.length}`, finite: values.length });
  };
  const settled = () => new Promise((r) => setTimeout(r, 50));
  const numeric: FeatureColumn[] = [{ name: 'x', type: 'numeric' }, { name: 'y', type: 'numeric' }];
  await withConnection(async (conn) => {
    touch = true;
    await assert.rejects(baselineProfile(conn, await openSource(conn, 'baseline', file), numeric, tagged, (v) => released.push(v)), /changed/);
    await settled();
    assert.deepEqual(released.sort(), ['x:400', 'y:400']);

    // One reduction fails: the other's summary is given back, and the failure is the profile's.
    touch = false;
    released.length = 0;
    const yFails = (values: Float64Array, name: string) => (name === 'y' ? Promise.reject(new Error('thread died')) : tagged(values, name));
    await assert.rejects(baselineProfile(conn, await openSource(conn, 'baseline', file), numeric, yFails, (v) => released.push(v)), /thread died/);
    await settled();
    assert.deepEqual(released, ['x:400']);

    // Segmented: the whole's summary and each slice's.
    touch = true;
    released.length = 0;
    const segments = { columns: ['s'], keys: [['a'], ['b']] };
    const reduce = async (values: Float64Array, name: string, bounds: readonly number[], whole: boolean, want: readonly boolean[]) => {
      changed();
      return {
        whole: whole ? { value: `${name}:whole`, finite: values.length } : null,
        parts: want.map((w, id) => (w ? { value: `${name}:${id}:${bounds[id + 1] - bounds[id]}`, finite: bounds[id + 1] - bounds[id] } : null)),
      };
    };
    await assert.rejects(segmentedProfile(conn, await openSource(conn, 'baseline', file), [numeric[0]], reduce, (v) => released.push(v), null, segments, [0, 1]), /changed/);
    await settled();
    assert.deepEqual(released.sort(), ['x:0:200', 'x:1:200', 'x:whole']);
  });
  assert.equal(profileCacheStats.entries, 0, 'nothing that failed was cached');
});
