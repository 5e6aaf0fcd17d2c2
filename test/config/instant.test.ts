// as_of and --as-of: one ISO-8601 parser; UTC unless a zone is given; impossible dates refused, never rolled over.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseInstant } from '../../src/config/index.js';

const VALID: [string, string][] = [
  ['2026-11-01T00:00:00Z', '2026-11-01T00:00:00.000Z'],
  ['2026-11-01T00:00:00z', '2026-11-01T00:00:00.000Z'],
  ['2026-11-01t00:00:00Z', '2026-11-01T00:00:00.000Z'],
  ['2026-11-01T00:00:00', '2026-11-01T00:00:00.000Z'],
  ['2026-11-01T13:45', '2026-11-01T13:45:00.000Z'],
  ['2026-11-01 13:45:10', '2026-11-01T13:45:10.000Z'],
  ['2026-11-01', '2026-11-01T00:00:00.000Z'],
  ['2026-11-01T00:00:00.5Z', '2026-11-01T00:00:00.500Z'],
  ['2026-11-01T00:00:00,25Z', '2026-11-01T00:00:00.250Z'],
  ['2026-11-01T00:00:00.123000000Z', '2026-11-01T00:00:00.123Z'],
  ['2026-11-01T02:00:00+02:00', '2026-11-01T00:00:00.000Z'],
  ['2026-11-01T02:00:00+0200', '2026-11-01T00:00:00.000Z'],
  ['2026-11-01T02:00:00+02', '2026-11-01T00:00:00.000Z'],
  ['2026-10-31T19:00:00-05:00', '2026-11-01T00:00:00.000Z'],
  ['2026-11-01T05:30:00+05:30', '2026-11-01T00:00:00.000Z'],
  ['2024-02-29', '2024-02-29T00:00:00.000Z'],
  ['2000-02-29', '2000-02-29T00:00:00.000Z'],
  ['2026-04-30', '2026-04-30T00:00:00.000Z'],
  ['2026-12-31T23:59:59.999Z', '2026-12-31T23:59:59.999Z'],
  ['0050-06-01T00:00:00Z', '0050-06-01T00:00:00.000Z'], // not 1950
  ['0000-01-01', '0000-01-01T00:00:00.000Z'],
  ['9999-12-31T23:59:59Z', '9999-12-31T23:59:59.000Z'],
];

const INVALID: [string, RegExp][] = [
  ['2026-02-30', /day 30 does not exist in 2026-02 \(it has 28 days\)/],
  ['2026-02-29T00:00:00Z', /day 29 does not exist in 2026-02/],
  ['1900-02-29', /day 29 does not exist in 1900-02/],
  ['2026-04-31', /day 31 does not exist in 2026-04 \(it has 30 days\)/],
  ['2026-00-10', /month 00 does not exist/],
  ['2026-13-01', /month 13 does not exist/],
  ['2026-01-00', /day 00 does not exist/],
  ['2026-01-01T24:00:00Z', /time 24:00:00 does not exist/],
  ['2026-01-01T24:61:00Z', /time 24:61:00 does not exist/],
  ['2026-01-01T12:60Z', /time 12:60:00 does not exist/],
  ['2026-01-01T12:00:60Z', /time 12:00:60 does not exist/],
  ['2026-01-01T00:00:00+24:00', /zone offset \+24:00 does not exist/],
  ['2026-01-01T00:00:00+05:60', /zone offset \+05:60 does not exist/],
  ['2026-01-01T00:00:00.0001Z', /sub-millisecond digits are not supported/],
  ['2026-01-01T00:00:00.1234567891Z', /expected an ISO-8601 time/],
  ['2026-1-01', /expected an ISO-8601 time/],
  ['20260101', /expected an ISO-8601 time/],
  ['2026-01-01T', /expected an ISO-8601 time/],
  ['2026-01-01T00', /expected an ISO-8601 time/],
  ['2026-01-01Z', /expected an ISO-8601 time/],
  ['2026-01-01T00:00:00 Z', /expected an ISO-8601 time/],
  ['2026-01-01T00:00:00+5:00', /expected an ISO-8601 time/],
  ['+012026-01-01', /expected an ISO-8601 time/],
  ['Sun, 01 Nov 2026 00:00:00 GMT', /expected an ISO-8601 time/],
  ['1767225600', /expected an ISO-8601 time/],
  ['now', /expected an ISO-8601 time/],
  ['', /expected an ISO-8601 time/],
  [' 2026-01-01', /expected an ISO-8601 time/],
];

for (const [text, iso] of VALID) {
  test(`instant "${text}" is ${iso}`, () => assert.equal(parseInstant(text).toISOString(), iso));
}

for (const [text, why] of INVALID) {
  test(`instant "${text}" is refused`, () => assert.throws(() => parseInstant(text), (err: unknown) => err instanceof RangeError && why.test(err.message)));
}

test('a time without zone is UTC whatever the process time zone', () => {
  const before = process.env.TZ;
  process.env.TZ = 'America/New_York';
  try {
    assert.equal(new Date(2026, 0, 2).getTimezoneOffset(), 300, 'the zone change took effect');
    assert.equal(parseInstant('2026-01-02T00:00:00').toISOString(), '2026-01-02T00:00:00.000Z');
    assert.equal(parseInstant('2026-01-02').toISOString(), '2026-01-02T00:00:00.000Z');
  } finally {
    if (before === undefined) delete process.env.TZ;
    else process.env.TZ = before;
  }
});
