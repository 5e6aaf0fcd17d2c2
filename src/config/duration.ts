const UNIT_MS: Record<string, number> = { ms: 1, s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 7 * 86400e3 };
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g;

/** Parses "90s", "15m", "1h30m", "7d" into milliseconds; null when malformed or zero. */
export function parseDuration(text: string): number | null {
  if (!/^(\d+(?:\.\d+)?(ms|s|m|h|d|w))+$/.test(text)) return null;
  let ms = 0;
  for (const [, n, unit] of text.matchAll(PART)) ms += Number(n) * UNIT_MS[unit];
  return ms > 0 ? ms : null;
}
