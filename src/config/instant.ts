/**
 * Instants for `as_of` and `--as-of`: ISO-8601 / RFC 3339, read the same way
 * in both places. JavaScript's Date parser is not used: it reads a time
 * without zone in the local zone and rolls 2026-02-30 over to March.
 */

// date, then optionally T (or a space) time, fraction and zone.
const SYNTAX = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?([Zz]|[+-]\d{2}(?::?\d{2})?)?)?$/;

/** What the syntax allows, for messages. */
export const INSTANT_SYNTAX = 'an ISO-8601 time such as 2026-11-01T00:00:00Z, 2026-11-01T02:00:00+02:00 or 2026-11-01 (UTC unless a zone is given)';

/**
 * Parses an ISO-8601 date or date-time. A time without zone is UTC; a date
 * alone is midnight UTC. Throws a RangeError saying what is wrong, for
 * impossible fields (2026-02-30, 24:61) and sub-millisecond digits.
 */
export function parseInstant(text: string): Date {
  const m = SYNTAX.exec(text);
  if (!m) throw new RangeError(`expected ${INSTANT_SYNTAX}`);
  const [, y, mo, d, h = '00', mi = '00', s = '00', fraction = '', zone = 'Z'] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12) throw new RangeError(`month ${mo} does not exist`);
  const days = daysInMonth(year, month);
  if (day < 1 || day > days) throw new RangeError(`day ${d} does not exist in ${y}-${mo} (it has ${days} days)`);
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) throw new RangeError(`time ${h}:${mi}:${s} does not exist (hours 00-23, minutes and seconds 00-59)`);
  if (/[1-9]/.test(fraction.slice(3))) throw new RangeError('sub-millisecond digits are not supported');
  const ms = Number(fraction.slice(0, 3).padEnd(3, '0'));
  const offsetMin = zoneOffsetMinutes(zone);
  const date = new Date(0);
  // setUTCFullYear: Date.UTC would read years 0-99 as 1900-1999.
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(Number(h), Number(mi), Number(s), ms);
  return new Date(date.getTime() - offsetMin * 60_000);
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

function zoneOffsetMinutes(zone: string): number {
  if (zone === 'Z' || zone === 'z') return 0;
  const sign = zone[0] === '-' ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = Number(digits.slice(2) || '0');
  if (hours > 23 || minutes > 59) throw new RangeError(`zone offset ${zone} does not exist (at most ±23:59)`);
  return sign * (hours * 60 + minutes);
}
