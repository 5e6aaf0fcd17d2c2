import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scheduleIntervalSeconds } from '../../src/schedule/interval.js';

test('a schedule\'s interval is the longest gap between its runs', () => {
  const cases: [string, number | null][] = [
    ['*/5 * * * *', 300],
    ['* * * * *', 60],
    ['*/10 * * * * *', 10],
    ['0 * * * *', 3600],
    ['0 9 * * *', 86400],
    ['0 9 * * 1-5', 3 * 86400], // Friday to Monday
    ['0,10 * * * *', 3000],
  ];
  for (const [expr, want] of cases) assert.equal(scheduleIntervalSeconds(expr), want, expr);
});
