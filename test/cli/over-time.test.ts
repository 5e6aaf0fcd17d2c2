// `report` with a reference window, --id-columns, and drift over time (--from --to --every), as a user runs it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir, writeParquet } from '../helpers/fixtures.js';
import { cli } from '../helpers/spawn.js';

const ROWS = fileURLToPath(new URL('../../../test/fixtures/reference-window/rows.json', import.meta.url));

/** 2025-12-31 .. 2026-01-04 every 6 minutes; x and cat shift after 2026-01-03 00:00 (test/fixtures/reference-window/make.py). */
async function logs(t: { after: (fn: () => void) => void }): Promise<string> {
  return writeParquet(path.join(tempDir(t), 'logs.parquet'), `SELECT id::BIGINT AS id, ts::TIMESTAMP AS ts, x::DOUBLE AS x, cat::VARCHAR AS cat FROM read_json('${ROWS.replaceAll("'", "''")}')`);
}

const adHoc = (file: string) => ['report', '--baseline', file, '--window', file, '--timestamp-column', 'ts'];

test('over time: one model report per step in JSON, as_of = from + k·every up to and including to', async (t) => {
  const file = await logs(t);
  const r = await cli([...adHoc(file), '--baseline-offset', '1d', '--id-columns', 'id', '--from', '2026-01-02', '--to', '2026-01-04', '--every', '1d', '--format', 'json']);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.deepEqual(Object.keys(report), ['generated_at', 'models']);
  assert.deepEqual(report.models.map((m: any) => m.as_of), ['2026-01-02T00:00:00.000Z', '2026-01-03T00:00:00.000Z', '2026-01-04T00:00:00.000Z']);
  assert.deepEqual(report.models.map((m: any) => [m.baseline.start, m.baseline.end]), [
    ['2025-12-31T00:00:00.000Z', '2026-01-01T00:00:00.000Z'],
    ['2026-01-01T00:00:00.000Z', '2026-01-02T00:00:00.000Z'],
    ['2026-01-02T00:00:00.000Z', '2026-01-03T00:00:00.000Z'],
  ]);
  assert.deepEqual(report.models.map((m: any) => m.drift), [false, false, true], 'since when: the step after the shift');
  assert.deepEqual(report.models[0].features.map((f: any) => f.feature), ['x', 'cat']);
});

test('over time: a --to between steps is not a step', async (t) => {
  const file = await logs(t);
  const r = await cli([...adHoc(file), '--from', '2026-01-02', '--to', '2026-01-03T12:00:00Z', '--every', '1d', '--format', 'json', '--id-columns', 'id']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout).models.map((m: any) => m.as_of), ['2026-01-02T00:00:00.000Z', '2026-01-03T00:00:00.000Z']);
});

test('over time: the table has one row per step and feature, drifted ones marked, and progress goes to stderr', async (t) => {
  const file = await logs(t);
  const r = await cli([...adHoc(file), '--baseline-offset', '1d', '--id-columns', 'id', '--from', '2026-01-03', '--to', '2026-01-04', '--every', '1d', '--progress']);
  assert.equal(r.code, 0, r.stderr);
  const rows = r.stdout.split('\n').filter((l) => /^[! ] 2026-/.test(l));
  assert.equal(rows.length, 4, r.stdout);
  assert.match(rows[0], /^  2026-01-03T00:00:00\.000Z\s+adhoc\s+x /);
  assert.match(rows[2], /^! 2026-01-04T00:00:00\.000Z\s+adhoc\s+x /);
  assert.match(rows[3], /^! 2026-01-04T00:00:00\.000Z\s+adhoc\s+cat /);
  assert.match(r.stderr, /step 1\/2 2026-01-03T00:00:00\.000Z: adhoc: /);
  assert.match(r.stderr, /step 2\/2 2026-01-04T00:00:00\.000Z: adhoc: done/);
  const md = await cli([...adHoc(file), '--baseline-offset', '1d', '--id-columns', 'id', '--from', '2026-01-04', '--to', '2026-01-04', '--every', '1d', '--format', 'markdown']);
  assert.match(md.stdout, /\| 2026-01-04T00:00:00\.000Z \| adhoc \| x \| \*\*yes\*\* \| .* \| 240 \| 240 \| \(2026-01-02T00:00:00\.000Z, 2026-01-03T00:00:00\.000Z\] \|/);
});

test('--id-columns keeps an id column out of the features; without it the id is compared (and drifts)', async (t) => {
  const file = await logs(t);
  const run = async (extra: string[]) => JSON.parse((await cli([...adHoc(file), '--baseline-offset', '1d', '--as-of', '2026-01-03', '--format', 'json', ...extra])).stdout).models[0];
  const without = await run([]);
  assert.deepEqual(without.features.map((f: any) => f.feature), ['id', 'x', 'cat']);
  assert.equal(without.features[0].drift, true, 'ids grow with time: a moving reference never overlaps them');
  const with_ = await run(['--id-columns', 'id']);
  assert.deepEqual(with_.features.map((f: any) => f.feature), ['x', 'cat']);
  assert.equal(with_.drift, false);
});

test('ad hoc fixed reference: --baseline-from/--baseline-to', async (t) => {
  const file = await logs(t);
  const r = await cli([...adHoc(file), '--baseline-from', '2025-12-31', '--baseline-to', '2026-01-01', '--id-columns', 'id', '--as-of', '2026-01-04', '--format', 'json']);
  assert.equal(r.code, 0, r.stderr);
  const m = JSON.parse(r.stdout).models[0];
  assert.deepEqual([m.baseline.start, m.baseline.end, m.baseline.rows, m.drift], ['2025-12-31T00:00:00.000Z', '2026-01-01T00:00:00.000Z', 240, true]);
});

const usage: [string, string[], RegExp][] = [
  ['--baseline-offset without --timestamp-column', ['report', '--baseline', 'b', '--window', 'w', '--baseline-offset', '1d'], /--baseline-offset needs --timestamp-column/],
  ['--baseline-from without --baseline-to', ['--baseline-from', '2026-01-01'], /--baseline-from and --baseline-to go together/],
  ['--baseline-from with --baseline-offset', ['--baseline-from', '2026-01-01', '--baseline-to', '2026-01-02', '--baseline-offset', '1d'], /mutually exclusive|baseline-offset/],
  ['--baseline-from after --baseline-to', ['--baseline-from', '2026-01-03', '--baseline-to', '2026-01-02'], /models\[0\]\.baseline\.from: must be before to/],
  ['--baseline-duration without --baseline-offset', ['--baseline-duration', '1d'], /--baseline-duration needs --baseline-offset/],
  ['--from without --every', ['--from', '2026-01-01', '--to', '2026-01-02'], /--from, --to and --every go together/],
  ['--from after --to', ['--from', '2026-01-03', '--to', '2026-01-02', '--every', '1d'], /--from 2026-01-03T00:00:00\.000Z is after --to/],
  ['a bad --every', ['--from', '2026-01-01', '--to', '2026-01-02', '--every', 'daily'], /--every: expected a duration/],
  ['too many steps', ['--from', '2026-01-01', '--to', '2027-01-02', '--every', '1m'], /steps, at most 10000/],
  ['--as-of with --from', ['--as-of', '2026-01-01', '--from', '2026-01-01', '--to', '2026-01-02', '--every', '1d'], /mutually exclusive|as-of/],
  ['over time with --textfile', ['--from', '2026-01-01', '--to', '2026-01-02', '--every', '1d', '--textfile', '/tmp/x.prom'], /print a history; they do not publish/],
];
for (const [name, args, message] of usage) {
  test(`refused: ${name}`, async () => {
    const r = await cli(args[0] === 'report' ? args : ['report', '--baseline', 'b.parquet', '--window', 'w.parquet', '--timestamp-column', 'ts', ...args]);
    assert.equal(r.code, 2, r.stdout);
    assert.match(r.stderr, message);
  });
}
