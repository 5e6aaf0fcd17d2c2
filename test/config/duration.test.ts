// Durations: whole units, largest first, at least 1 ms; limits for timers (run_timeout, --shutdown-timeout) and windows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { durationProblem, parseDuration, TIMER_MAX_MS, WINDOW_MAX_MS } from '../../src/config/index.js';

const VALID: [string, number][] = [
  ['1ms', 1],
  ['250ms', 250],
  ['30s', 30_000],
  ['15m', 900_000],
  ['1h30m', 5_400_000],
  ['7d', 604_800_000],
  ['2w', 1_209_600_000],
  ['1w2d3h4m5s6ms', 788_645_006],
  ['0h1m', 60_000],
  ['007s', 7_000],
  ['36500d', WINDOW_MAX_MS],
  ['24d20h31m23s647ms', TIMER_MAX_MS],
];

const INVALID = ['', '0', '0s', '0ms', '0.5s', '1.5h', '0.0000001ms', '1e3ms', '-1s', '+1s', '1 h', ' 1h', '1H', '30m1h', '1m1m', '1s1m', '1y', 'soon', '1h30', 'ms', `${'9'.repeat(400)}ms`];

for (const [text, ms] of VALID) {
  test(`duration "${text}" is ${ms} ms`, () => {
    assert.equal(parseDuration(text), ms);
    assert.equal(durationProblem(text), null);
  });
}

for (const text of INVALID) {
  test(`duration "${text}" is refused with a reason`, () => {
    assert.equal(parseDuration(text), null);
    assert.match(durationProblem(text) ?? '', /^(expected a duration in whole units|a duration must be at least 1ms|at most )/);
  });
}

test('a timer duration (run_timeout, --shutdown-timeout) is refused above 2^31-1 ms, saying the limit', () => {
  assert.equal(parseDuration('24d20h31m23s647ms', TIMER_MAX_MS), TIMER_MAX_MS);
  assert.equal(parseDuration('24d20h31m23s648ms', TIMER_MAX_MS), null);
  assert.equal(parseDuration('30d', TIMER_MAX_MS), null);
  assert.equal(durationProblem('30d', TIMER_MAX_MS), "at most 24d20h31m23s647ms (2^31-1 ms, the limit of Node's timers)");
  assert.equal(parseDuration('10s', TIMER_MAX_MS), 10_000);
});

test('a window is refused beyond 100 years, so that as_of - window_duration stays a valid time', () => {
  assert.equal(parseDuration('36501d', WINDOW_MAX_MS), null);
  assert.equal(parseDuration('99999999999d', WINDOW_MAX_MS), null);
  assert.equal(durationProblem('99999999999d', WINDOW_MAX_MS), 'at most 36500d (100 years)');
  // The earliest as_of the parser accepts (year 0000) minus the longest window is still a Date.
  const earliest = new Date(0);
  earliest.setUTCFullYear(0, 0, 1);
  assert.ok(Number.isFinite(new Date(earliest.getTime() - WINDOW_MAX_MS).getTime()));
});
