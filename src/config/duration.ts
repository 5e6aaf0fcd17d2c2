/**
 * Durations as Prometheus writes them: whole numbers with a unit, largest
 * unit first, each unit at most once ("1h30m", "7d", "250ms"). No fractions,
 * so every duration is a whole number of milliseconds, at least 1 ms.
 */

const UNITS = [
  ['w', 7 * 86_400_000],
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1_000],
  ['ms', 1],
] as const;

// One optional group per unit, in order: the regex itself enforces "largest first, each once".
const SYNTAX = new RegExp(`^${UNITS.map(([u]) => `(?:(\\d+)${u})?`).join('')}$`);

/** Node's timers fire after 1 ms for any delay above 2^31-1 ms (about 24.8 days). */
export const TIMER_MAX_MS = 2 ** 31 - 1;

/** The longest window: 100 years of 365 days, so that `as_of - window_duration` stays a valid time. */
export const WINDOW_MAX_MS = 36_500 * 86_400_000;

/** What the syntax allows, for messages. */
export const DURATION_SYNTAX = 'a duration in whole units, largest first: ms, s, m, h, d, w (e.g. 250ms, 30s, 15m, 1h30m, 7d)';

/** Parses "90s", "15m", "1h30m", "7d" into milliseconds; null when malformed, below 1 ms or above `maxMs`. */
export function parseDuration(text: string, maxMs: number = Number.MAX_SAFE_INTEGER): number | null {
  return durationProblem(text, maxMs) === null ? totalMs(text) : null;
}

/** Why `text` is not a duration of at most `maxMs` (a phrase for an error message), or null when it is one. */
export function durationProblem(text: string, maxMs: number = Number.MAX_SAFE_INTEGER): string | null {
  const ms = totalMs(text);
  if (ms === null) return `expected ${DURATION_SYNTAX}`;
  if (ms < 1) return 'a duration must be at least 1ms';
  if (ms > maxMs) return `at most ${formatDuration(maxMs)}${maxMs === TIMER_MAX_MS ? " (2^31-1 ms, the limit of Node's timers)" : maxMs === WINDOW_MAX_MS ? ' (100 years)' : ''}`;
  return null;
}

/** Milliseconds in the largest units first: 90061001 -> "1d1h1m1s1ms". */
export function formatDuration(ms: number): string {
  let rest = ms;
  let out = '';
  for (const [unit, size] of UNITS) {
    if (unit === 'w') continue; // days read better than weeks in a limit
    const n = Math.floor(rest / size);
    if (n > 0) out += `${n}${unit}`;
    rest -= n * size;
  }
  return out || '0ms';
}

function totalMs(text: string): number | null {
  const m = text === '' ? null : SYNTAX.exec(text);
  if (!m) return null;
  let ms = 0;
  UNITS.forEach(([, size], i) => {
    if (m[i + 1] !== undefined) ms += Number(m[i + 1]) * size;
  });
  // Digits beyond double precision would round silently: treat as too large, never as a nearby value.
  return Number.isSafeInteger(ms) ? ms : Number.POSITIVE_INFINITY;
}
