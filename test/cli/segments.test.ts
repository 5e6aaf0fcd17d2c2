// `report --segment-by` and `check` of a segmented model, as a user runs them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { tempDir, writeConfig, writeParquet } from '../helpers/fixtures.js';
import { cli } from '../helpers/spawn.js';

async function data(t: { after: (fn: () => void) => void }) {
  const dir = tempDir(t);
  const baseline = await writeParquet(path.join(dir, 'b.parquet'), `SELECT ['a', 'b'][i % 2 + 1] AS s, (i % 50) * 1.0 AS x FROM range(1000) t(i)`);
  // Segment "b" moves up by 30; "a" stays.
  const window = await writeParquet(path.join(dir, 'w.parquet'), `SELECT ['a', 'b'][i % 2 + 1] AS s, (i % 50) * 1.0 + (i % 2) * 30 AS x FROM range(1000) t(i)`);
  return { dir, baseline, window };
}

test('report --segment-by: the JSON report carries each segment, the table lists the drifted one', async (t) => {
  const { baseline, window } = await data(t);
  const r = await cli(['report', '--baseline', baseline, '--window', window, '--segment-by', 's', '--format', 'json']);
  assert.equal(r.code, 0, r.stderr);
  const m = JSON.parse(r.stdout).models[0];
  assert.deepEqual(m.features.map((f: any) => f.feature), ['x'], 'the segment column is not a feature');
  assert.deepEqual(m.segments.map((s: any) => [s.key, s.drift, s.baseline.slice, s.baseline.rows]), [
    [{ s: 'a' }, false, 'matching', 500],
    [{ s: 'b' }, true, 'matching', 500],
  ]);
  const table = await cli(['report', '--baseline', baseline, '--window', window, '--segment-by', 's']);
  assert.match(table.stdout, /\n! s="b": 500 rows vs 500 \(matching\), DRIFT, 100\.0% drifted; drifted: x\n/);
  const plain = JSON.parse((await cli(['report', '--baseline', baseline, '--window', window, '--format', 'json'])).stdout).models[0];
  assert.equal('segments' in plain, false, 'no segments key without --segment-by');
});

test('a segment column absent from the window: report exits 2 naming the column and the file; check reports it', async (t) => {
  const { dir, baseline, window } = await data(t);
  const r = await cli(['report', '--baseline', baseline, '--window', window, '--segment-by', 'region']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /segment column "region" is not a column of the window .*w\.parquet/);
  const config = writeConfig(path.join(dir, 'c.yaml'), [{ name: 'm', baseline, window, segment_by: ['region'] }]);
  const check = await cli(['check', '--config', config]);
  assert.notEqual(check.code, 0);
  assert.match(check.stdout + check.stderr, /segment column "region" is not a column of the window/);
});
