// The baseline's reference range: {source, timestamp_column, from, to} or {offset, duration}, and what is refused at load.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, resolveConfig } from '../../src/config/index.js';

const resolve = (baseline: unknown, over: Record<string, unknown> = { timestamp_column: 'ts' }) =>
  resolveConfig({ models: [{ name: 'a', baseline, window: 'w', ...over }] }, '/etc/drift/config.yaml').models[0];

test('a baseline path or a map without a range is the whole baseline', () => {
  assert.equal(resolve('b.parquet').reference, null);
  assert.equal(resolve({ source: 'b.parquet', format: 'parquet' }).reference, null);
});

test('from and to make a fixed reference (from, to] on the model timestamp column, unless the baseline names its own', () => {
  const m = resolve({ source: 'b.parquet', from: '2026-01-01T00:00:00+02:00', to: '2026-01-08' });
  assert.deepEqual(m.reference, { kind: 'fixed', column: 'ts', datePartition: null, start: new Date('2025-12-31T22:00:00Z'), end: new Date('2026-01-08T00:00:00Z') });
  assert.equal(m.baseline, '/etc/drift/b.parquet');
  const own = resolve({ source: 'b', timestamp_column: 'event_time', from: '2026-01-01', to: '2026-01-02' }, {});
  assert.equal(own.reference?.column, 'event_time');
});

test('offset makes a moving reference; its duration defaults to the window duration', () => {
  assert.deepEqual(resolve({ source: 'b', offset: '7d' }, { timestamp_column: 'ts', window_duration: '1h' }).reference, {
    kind: 'moving', column: 'ts', datePartition: null, offsetMs: 7 * 86_400_000, durationMs: 3_600_000,
  });
  const m = resolve({ source: 'b', offset: '1d', duration: '2h', date_partition: 'date' });
  assert.deepEqual(m.reference, { kind: 'moving', column: 'ts', datePartition: 'date', offsetMs: 86_400_000, durationMs: 7_200_000 });
  assert.equal(m.datePartition, null, 'the window has no date partition');
});

const refused: [string, unknown, Record<string, unknown>, RegExp][] = [
  ['offset without a timestamp column', { source: 'b', offset: '7d' }, {}, /models\[0\]\.baseline\.offset: needs timestamp_column/],
  ['from without a timestamp column', { source: 'b', from: '2026-01-01', to: '2026-01-02' }, {}, /models\[0\]\.baseline\.from: needs timestamp_column/],
  ['from with offset', { source: 'b', from: '2026-01-01', to: '2026-01-02', offset: '1d' }, { timestamp_column: 'ts' }, /models\[0\]\.baseline\.from: a reference is either a fixed range/],
  ['to with duration', { source: 'b', to: '2026-01-02', duration: '1d' }, { timestamp_column: 'ts' }, /models\[0\]\.baseline\.to: a reference is either/],
  ['from after to', { source: 'b', from: '2026-01-03', to: '2026-01-02' }, { timestamp_column: 'ts' }, /models\[0\]\.baseline\.from: must be before to \(2026-01-02T00:00:00.000Z\)/],
  ['from equal to to', { source: 'b', from: '2026-01-02', to: '2026-01-02T00:00:00Z' }, { timestamp_column: 'ts' }, /models\[0\]\.baseline\.from: must be before to/],
  ['from alone', { source: 'b', from: '2026-01-01' }, { timestamp_column: 'ts' }, /models\[0\]\.baseline\.from: needs to as well/],
  ['to alone', { source: 'b', to: '2026-01-01' }, { timestamp_column: 'ts' }, /models\[0\]\.baseline\.to: needs from as well/],
  ['duration without offset', { source: 'b', duration: '1d' }, { timestamp_column: 'ts' }, /models\[0\]\.baseline\.duration: needs offset/],
  ['a bad offset', { source: 'b', offset: '7 days' }, { timestamp_column: 'ts' }, /models\[0\]\.baseline\.offset: expected a duration/],
  ['a bad from', { source: 'b', from: '2026-02-30', to: '2026-03-01' }, { timestamp_column: 'ts' }, /models\[0\]\.baseline\.from: day 30 does not exist/],
  ['a timestamp column without a range', { source: 'b', timestamp_column: 'ts' }, {}, /models\[0\]\.baseline\.timestamp_column: only read with a reference range/],
  ['a date partition without a range', { source: 'b', date_partition: 'date' }, { timestamp_column: 'ts' }, /models\[0\]\.baseline\.date_partition: only a baseline with a reference range/],
  ['an unknown key', { source: 'b', start: '2026-01-01' }, { timestamp_column: 'ts' }, /models\[0\]\.baseline\.start: unknown or unsupported key/],
];
for (const [name, baseline, over, message] of refused) {
  test(`refused at load: ${name}`, () => {
    assert.throws(() => resolve(baseline, over), (err: unknown) => err instanceof ConfigError && message.test(err.message));
  });
}
