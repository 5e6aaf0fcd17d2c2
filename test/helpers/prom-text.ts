/**
 * A strict parser of the Prometheus text exposition format (0.0.4), for
 * reading /metrics in tests. It rejects what Prometheus would reject and a
 * few things it tolerates but an exporter should never emit: samples before
 * their family's TYPE, a family split in two, duplicate series.
 */

/** One sample line. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
  timestamp?: number;
}

/** One metric family: its HELP, TYPE and samples. */
export interface Family {
  name: string;
  type: string;
  help: string | undefined;
  samples: Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const SUFFIXES: Record<string, string[]> = { histogram: ['_bucket', '_sum', '_count'], summary: ['_sum', '_count'] };

/** Parses an exposition; throws with the line number on anything malformed. */
export function parseExposition(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const closed = new Set<string>();
  const seen = new Set<string>();
  let current: Family | null = null;
  if (text.length > 0 && !text.endsWith('\n')) throw new Error('exposition does not end with a newline');
  const lines = text.split('\n');
  lines.pop();
  lines.forEach((line, i) => {
    const fail = (why: string): never => {
      throw new Error(`line ${i + 1}: ${why}: ${JSON.stringify(line)}`);
    };
    if (line.trim() === '') return;
    const family = (name: string): Family => {
      if (!METRIC_NAME.test(name)) fail(`bad metric name "${name}"`);
      let f = families.get(name);
      if (f && closed.has(name)) fail(`family ${name} appears twice`);
      if (!f) {
        f = { name, type: 'untyped', help: undefined, samples: [] };
        families.set(name, f);
      }
      if (current && current !== f) closed.add(current.name);
      current = f;
      return f;
    };
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+)(?: (.*))?$/.exec(line);
      if (!m) return; // a plain comment
      const f = family(m[2]);
      if (m[1] === 'HELP') {
        if (f.help !== undefined) fail('second HELP');
        f.help = unescape(m[3] ?? '', false, fail);
      } else {
        if (f.samples.length > 0) fail('TYPE after samples');
        if (f.type !== 'untyped' || !TYPES.has(m[3] ?? '')) fail(`bad or repeated TYPE "${m[3]}"`);
        f.type = m[3]!;
      }
      return;
    }
    const s = parseSample(line, fail);
    const owner = current && (s.name === current.name || (SUFFIXES[current.type] ?? []).some((x) => s.name === current!.name + x)) ? current : family(s.name);
    const key = seriesKey(s.name, s.labels);
    if (seen.has(key)) fail('duplicate series');
    seen.add(key);
    owner.samples.push(s);
  });
  return families;
}

function parseSample(line: string, fail: (why: string) => never): Sample {
  const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{|\s)/.exec(line);
  if (!m) fail('bad sample');
  const name = m![1];
  let pos = name.length;
  const labels: Record<string, string> = {};
  if (line[pos] === '{') {
    pos++;
    while (line[pos] !== '}') {
      const lm = /^([^=\s]+)="/.exec(line.slice(pos));
      if (!lm || !LABEL_NAME.test(lm[1])) fail('bad label name');
      pos += lm![0].length;
      let raw = '';
      for (;;) {
        const c = line[pos];
        if (c === undefined) fail('unterminated label value');
        if (c === '"') break;
        if (c === '\\') {
          raw += c + (line[pos + 1] ?? '');
          pos += 2;
        } else {
          raw += c;
          pos++;
        }
      }
      pos++;
      if (lm![1] in labels) fail(`label ${lm![1]} repeated`);
      labels[lm![1]] = unescape(raw, true, fail);
      if (line[pos] === ',') pos++;
      else if (line[pos] !== '}') fail('expected , or } after a label');
    }
    pos++;
  }
  const rest = line.slice(pos);
  const vm = /^ (\S+)(?: (-?\d+))?$/.exec(rest);
  if (!vm) fail('bad value or timestamp');
  const value = parseValue(vm![1], fail);
  return { name, labels, value, ...(vm![2] !== undefined ? { timestamp: Number(vm![2]) } : {}) };
}

function parseValue(text: string, fail: (why: string) => never): number {
  if (text === 'NaN') return NaN;
  if (text === '+Inf' || text === 'Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) fail(`bad value "${text}"`);
  return Number(text);
}

function unescape(raw: string, quotes: boolean, fail: (why: string) => never): string {
  return raw.replace(/\\(.?)/g, (_, c: string) => {
    if (c === '\\') return '\\';
    if (c === 'n') return '\n';
    if (c === '"' && quotes) return '"';
    return fail(`bad escape \\${c}`);
  });
}

/** A stable key of a series: name plus sorted labels. */
export function seriesKey(name: string, labels: Record<string, string>): string {
  const l = Object.keys(labels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`)
    .join(',');
  return `${name}{${l}}`;
}

/** Every sample of the exposition by series key. */
export function samplesByKey(families: Map<string, Family>): Map<string, number> {
  const out = new Map<string, number>();
  for (const f of families.values()) for (const s of f.samples) out.set(seriesKey(s.name, s.labels), s.value);
  return out;
}

/** The value of one series, or undefined when absent. */
export function sampleValue(families: Map<string, Family>, name: string, labels: Record<string, string>): number | undefined {
  return samplesByKey(families).get(seriesKey(name, labels));
}
