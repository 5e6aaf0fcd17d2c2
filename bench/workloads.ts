/** Deterministic benchmark workloads, generated with DuckDB and reused when present. */
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';

export interface Workload {
  name: string;
  description: string;
  baseline: string;
  window: string;
  numeric: string[];
  categorical: string[];
  timestampColumn: string | null;
  /** Columns whose values split the window into segments (segment_by); empty: unsegmented. */
  segmentBy?: string[];
  /**
   * A moving reference (`baseline: {source, offset, duration}`) on the baseline's timestamps: the job's cold run is
   * at asOf[0], its warm run at asOf[1], so the reference moves between them as a schedule moves it.
   */
  moving?: { offset: string; duration: string; asOf: [string, string] };
  /** When the baseline's rows lie in time (default: the window's week from 2026-01-01). */
  baselineTime?: { start: string; days: number };
}

/** The rows' timestamps: evenly over `days` from `start`, in row order (so row groups prune by time). */
const DEFAULT_TIME = { start: '2026-01-01', days: 7 };

// 15 numeric shapes over different scales; `s` is the drift applied to the window.
const NUMERIC_SHAPES = [
  (u: string, s: string) => `${s} + sqrt(-2 * ln(${u}a)) * cos(2 * pi() * ${u}b)`,
  (u: string, s: string) => `exp(3 + ${s} + 0.8 * sqrt(-2 * ln(${u}a)) * cos(2 * pi() * ${u}b))`,
  (u: string, s: string) => `1000 * (${u}a + ${s})`,
  (u: string, s: string) => `-ln(${u}a) * (2 + ${s})`,
  (u: string, s: string) => `floor(-ln(${u}a) * 6 + ${s})`,
  (u: string, s: string) => `CASE WHEN ${u}b < 0.3 THEN -2 ELSE 3 END + ${s} + sqrt(-2 * ln(${u}a)) * cos(2 * pi() * ${u}b)`,
  (u: string, s: string) => `1e-3 * (${s} + sqrt(-2 * ln(${u}a)) * cos(2 * pi() * ${u}b))`,
  (u: string, s: string) => `1e6 * exp(${s} + sqrt(-2 * ln(${u}a)) * sin(2 * pi() * ${u}b))`,
  (u: string, s: string) => `round(50 + 15 * (${s} + sqrt(-2 * ln(${u}a)) * cos(2 * pi() * ${u}b)))`,
  (u: string, s: string) => `tan(pi() * (${u}a - 0.5)) + ${s}`,
  (u: string, s: string) => `${u}a * ${u}b + ${s}`,
  (u: string, s: string) => `pow(${u}a, 3) * 100 + ${s}`,
  (u: string, s: string) => `round(${u}a * 20) + ${s}`,
  (u: string, s: string) => `sqrt(-2 * ln(${u}a)) * 10 + ${s}`,
  (u: string, s: string) => `greatest(0, 300 + 80 * (${s} + sqrt(-2 * ln(${u}a)) * cos(2 * pi() * ${u}b)))`,
];

function rowSelect(rows: number, seed: number, numeric: number, categorical: number, drift: boolean, withTs: boolean, segmented: boolean, time = DEFAULT_TIME): string {
  // Deterministic pseudo-random uniforms in (0, 1) from hash(), independent of thread scheduling.
  const uni = (k: number, sub: string) => `((hash(i * 131 + ${seed * 7919 + k * 2 + (sub === 'a' ? 0 : 1)}) % 1000000007) + 0.5) / 1000000007.0`;
  const cols: string[] = [];
  if (withTs) cols.push(`TIMESTAMP '${time.start}' + to_microseconds(CAST(i::DOUBLE * ${time.days * 86_400_000_000} / ${rows} AS BIGINT)) AS ts`);
  for (let f = 0; f < numeric; f++) {
    const shift = drift && f % 5 === 0 ? '0.05' : '0';
    const shape = NUMERIC_SHAPES[f % NUMERIC_SHAPES.length];
    const expr = shape(`u${f}`, shift);
    cols.push(`CASE WHEN u${f}n < 0.02 THEN NULL ELSE ${expr} END AS num_${String(f).padStart(3, '0')}`);
  }
  for (let f = 0; f < categorical; f++) {
    const k = 20 + f * 20;
    const skew = drift && f === 0 ? 1.3 : 1.5;
    cols.push(`CASE WHEN c${f}n < 0.02 THEN NULL ELSE 'cat_' || CAST(floor(pow(c${f}, ${skew}) * ${k}) AS INTEGER) END AS cat_${f}`);
  }
  // Five segments of 40, 25, 20, 10 and 5% of the rows.
  if (segmented) cols.push(`CASE WHEN sg < 0.4 THEN 'v1' WHEN sg < 0.65 THEN 'v2' WHEN sg < 0.85 THEN 'v3' WHEN sg < 0.95 THEN 'v4' ELSE 'v5' END AS segment`);
  const uniforms: string[] = segmented ? [`${uni(5000, 'a')} AS sg`] : [];
  for (let f = 0; f < numeric; f++) uniforms.push(`${uni(f, 'a')} AS u${f}a`, `${uni(f + 1000, 'b')} AS u${f}b`, `${uni(f + 2000, 'a')} AS u${f}n`);
  for (let f = 0; f < categorical; f++) uniforms.push(`${uni(f + 3000, 'a')} AS c${f}`, `${uni(f + 4000, 'b')} AS c${f}n`);
  return `SELECT ${cols.join(', ')} FROM (SELECT i, ${uniforms.join(', ')} FROM range(${rows}) t(i))`;
}

/** The workloads of the performance issue: W1, W2, and W3 (opt-in). */
export function workloadSpecs(dir: string): (Workload & { rows: { baseline: number; window: number }; features: { numeric: number; categorical: number } })[] {
  const spec = (name: string, description: string, b: number, w: number, numeric: number, categorical: number, windowFrom = name, segmentBy: string[] = []) => ({
    name,
    description,
    baseline: path.join(dir, `${windowFrom}-baseline.parquet`),
    window: path.join(dir, `${name}-window.parquet`),
    segmentBy,
    numeric: Array.from({ length: numeric }, (_, f) => `num_${String(f).padStart(3, '0')}`),
    categorical: Array.from({ length: categorical }, (_, f) => `cat_${f}`),
    timestampColumn: numeric === 15 ? 'ts' : null,
    rows: { baseline: b, window: w },
    features: { numeric, categorical },
  });
  return [
    spec('W1', '1M baseline vs 5M window, 15 numeric + 5 categorical, 2% NULLs, timestamp', 1_000_000, 5_000_000, 15, 5),
    spec('W2', 'wide: 200 numeric, 200k vs 200k', 200_000, 200_000, 200, 0),
    spec('W3', "long: W1's features, 20M window", 1_000_000, 20_000_000, 15, 5, 'W1'),
    // W1's rows with a 5-value segment column on both sides: each segment compared with its matching baseline slice.
    spec('W1-segmented', 'W1 with segment_by a 5-value column (40/25/20/10/5%), in the baseline too', 1_000_000, 5_000_000, 15, 5, 'W1-segmented', ['segment']),
    // W1's window against a moving reference of W1's size: the 1M rows of the 7 days that end 30 days before as_of, out
    // of a 2M-row baseline over 14 days; the warm run is 1 h later, so its reference is a new range, read again.
    {
      ...spec('W1-moving', "W1's window vs a moving reference (offset 30d, duration 7d): 1M rows of a 2M-row, 14-day baseline; warm run 1 h later", 2_000_000, 5_000_000, 15, 5),
      window: path.join(dir, 'W1-window.parquet'),
      baselineTime: { start: '2025-12-18', days: 14 },
      moving: { offset: '30d', duration: '7d', asOf: ['2026-01-30T23:00:00Z', '2026-01-31T00:00:00Z'] as [string, string] },
    },
  ];
}

/** Generates a workload's files unless they already exist (written atomically). */
export async function ensureWorkload(w: ReturnType<typeof workloadSpecs>[number], log: (s: string) => void): Promise<void> {
  mkdirSync(path.dirname(w.window), { recursive: true });
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  try {
    for (const [file, rows, seed, drift] of [
      [w.baseline, w.rows.baseline, 1, false],
      [w.window, w.rows.window, 2, true],
    ] as const) {
      if (existsSync(file)) continue;
      log(`generating ${path.basename(file)} (${rows.toLocaleString()} rows)...`);
      const tmp = `${file}.tmp`;
      rmSync(tmp, { force: true });
      const time = file === w.baseline ? w.baselineTime : undefined;
      const select = rowSelect(rows, seed, w.features.numeric, w.features.categorical, drift, w.timestampColumn !== null, (w.segmentBy?.length ?? 0) > 0, time);
      await conn.run(`COPY (${select}) TO '${tmp}' (FORMAT parquet, ROW_GROUP_SIZE 122880)`);
      renameSync(tmp, file);
    }
  } finally {
    conn.closeSync();
  }
}
