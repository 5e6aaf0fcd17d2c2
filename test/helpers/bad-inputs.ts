/**
 * Bad inputs shared by the bad-input suites (test/cli and test/exporter): each case builds a baseline and
 * a window (or a config) and says what `report` must do with them. The serve
 * suite runs the data cases through a live daemon.
 */
import { chmodSync, mkdirSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { writeParquet } from '../helpers/fixtures.js';
import { CONFIG_CASES as ALL_CONFIG_CASES } from '../config/cases.js';

export const GOOD_BASELINE = `SELECT i AS id, (i % 97)::DOUBLE AS x, (i % 13)::INTEGER AS n, ['a','b','c'][1 + i % 3] AS c,
  TIMESTAMPTZ '2026-01-01 00:00:00+00' + to_seconds(i * 60) AS ts FROM range(2000) t(i)`;

/** A model's sources and extra config keys for one case. */
export interface Inputs {
  baseline: string;
  window: string;
  model?: Record<string, unknown>;
}

/** What `report --format json` must do: fail with exit 2 and a message, or succeed and satisfy `check`. */
/** Exit 2 with a message, or a report (exit 0, or 3 for no data) that satisfies `check`. */
export type Expect = { code: 2; stderr: RegExp } | { code: 0 | 3; check: (model: any) => void };

export interface DataCase {
  name: string;
  make: (dir: string) => Promise<Inputs>;
  expect: Expect;
}

const base = (dir: string) => writeParquet(path.join(dir, 'baseline.parquet'), GOOD_BASELINE);
const window = (dir: string, select: string) => writeParquet(path.join(dir, 'window', 'part-0.parquet'), select);
const feature = (m: any, name: string) => m.features.find((f: any) => f.feature === name);

/** Cases about the data; the model always has id_columns [id] and timestamp_column ts unless overridden. */
export const DATA_CASES: DataCase[] = [
  {
    name: 'baseline file missing',
    make: async (dir) => ({ baseline: path.join(dir, 'gone.parquet'), window: await window(dir, GOOD_BASELINE) }),
    expect: { code: 2, stderr: /baseline .*gone\.parquet: no file matches/ },
  },
  {
    name: 'baseline file unreadable (no read permission)',
    make: async (dir) => {
      const b = await base(dir);
      chmodSync(b, 0o000);
      return { baseline: b, window: await window(dir, GOOD_BASELINE) };
    },
    expect: { code: 2, stderr: /baseline .*baseline\.parquet: .*(Permission denied|permission)/i },
  },
  {
    name: 'a window glob that matches no file',
    make: async (dir) => ({ baseline: await base(dir), window: path.join(dir, 'window', 'nothing-*.parquet') }),
    expect: { code: 2, stderr: /window .*nothing-\*\.parquet: no file matches/ },
  },
  {
    name: 'a zero-byte Parquet file',
    make: async (dir) => {
      mkdirSync(path.join(dir, 'window'), { recursive: true });
      writeFileSync(path.join(dir, 'window', 'part-0.parquet'), '');
      return { baseline: await base(dir), window: path.join(dir, 'window', 'part-0.parquet') };
    },
    expect: { code: 2, stderr: /window .*part-0\.parquet: not readable as Parquet: .*too small/ },
  },
  {
    name: 'a truncated Parquet file',
    make: async (dir) => {
      const w = await window(dir, GOOD_BASELINE);
      truncateSync(w, 1000);
      return { baseline: await base(dir), window: w };
    },
    expect: { code: 2, stderr: /window .*part-0\.parquet: not readable as Parquet/ },
  },
  {
    name: 'a file that is not Parquet at all',
    make: async (dir) => {
      mkdirSync(path.join(dir, 'window'), { recursive: true });
      writeFileSync(path.join(dir, 'window', 'part-0.parquet'), 'id,x\n1,2\n');
      return { baseline: await base(dir), window: path.join(dir, 'window', 'part-0.parquet') };
    },
    expect: { code: 2, stderr: /window .*part-0\.parquet: not readable as Parquet/ },
  },
  {
    name: 'a column removed from the window',
    make: async (dir) => ({ baseline: await base(dir), window: await window(dir, `SELECT id, n, c, ts FROM (${GOOD_BASELINE})`) }),
    expect: { code: 0, check: (m) => {
      const x = feature(m, 'x');
      if (x.missing_ratio !== 1 || Object.keys(x.tests).length || !/absent/.test(x.error)) throw new Error(`x: ${JSON.stringify(x)}`);
    } },
  },
  {
    name: 'a column renamed in the window',
    make: async (dir) => ({ baseline: await base(dir), window: await window(dir, `SELECT id, x AS x_renamed, n, c, ts FROM (${GOOD_BASELINE})`) }),
    expect: { code: 0, check: (m) => {
      if (feature(m, 'x').missing_ratio !== 1) throw new Error('renamed column must read as absent');
      if (feature(m, 'x_renamed')) throw new Error('a column only in the window is not a feature');
    } },
  },
  {
    name: 'DOUBLE in the baseline, VARCHAR in the window',
    make: async (dir) => ({ baseline: await base(dir), window: await window(dir, `SELECT id, x::VARCHAR AS x, n, c, ts FROM (${GOOD_BASELINE})`) }),
    expect: { code: 0, check: (m) => {
      const x = feature(m, 'x');
      if (!/type changed: numeric in the baseline, VARCHAR in the window/.test(x.error) || x.score !== null) throw new Error(JSON.stringify(x));
      if (feature(m, 'c').score === null) throw new Error('the other features still compare');
    } },
  },
  {
    name: 'VARCHAR in the baseline, DOUBLE in the window',
    make: async (dir) => ({ baseline: await base(dir), window: await window(dir, `SELECT id, x, n, 1.5::DOUBLE AS c, ts FROM (${GOOD_BASELINE})`) }),
    expect: { code: 0, check: (m) => {
      // "1.5" never reads as the same category as a label: the feature is in error, not silently compared.
      const c = feature(m, 'c');
      if (!/^type changed: VARCHAR in the baseline, DOUBLE in the window/.test(c.error) || c.drift || m.feature_errors !== 1) throw new Error(JSON.stringify(c));
    } },
  },
  {
    name: 'INTEGER in the baseline, DOUBLE in the window',
    make: async (dir) => ({ baseline: await base(dir), window: await window(dir, `SELECT id, x, n::DOUBLE AS n, c, ts FROM (${GOOD_BASELINE})`) }),
    expect: { code: 0, check: (m) => {
      const n = feature(m, 'n');
      if (n.error || !n.tests.ks || n.drift) throw new Error(JSON.stringify(n));
    } },
  },
  {
    name: 'all-NULL columns',
    make: async (dir) => ({ baseline: await base(dir), window: await window(dir, `SELECT id, NULL::DOUBLE AS x, n, NULL::VARCHAR AS c, ts FROM (${GOOD_BASELINE})`) }),
    expect: { code: 0, check: (m) => {
      for (const name of ['x', 'c']) {
        const f = feature(m, name);
        if (f.missing_ratio !== 1 || f.score !== null || f.drift) throw new Error(JSON.stringify(f));
      }
    } },
  },
  {
    name: 'NaN and ±Infinity values',
    make: async (dir) => ({
      baseline: await base(dir),
      window: await window(dir, `SELECT id, CASE id % 4 WHEN 0 THEN 'NaN'::DOUBLE WHEN 1 THEN 'inf'::DOUBLE WHEN 2 THEN '-inf'::DOUBLE ELSE x END AS x, n, c, ts FROM (${GOOD_BASELINE})`),
    }),
    expect: { code: 0, check: (m) => {
      const x = feature(m, 'x');
      if (x.missing_ratio !== 0.75 || !Number.isFinite(x.score) || !Number.isFinite(x.tests.wasserstein.statistic)) throw new Error(JSON.stringify(x));
    } },
  },
  {
    name: 'a timestamp column of the wrong type',
    make: async (dir) => ({ baseline: await base(dir), window: await window(dir, `SELECT id, x, n, c, ts::VARCHAR AS ts FROM (${GOOD_BASELINE})`) }),
    expect: { code: 2, stderr: /window .*: timestamp column "ts" has type VARCHAR; expected TIMESTAMP/ },
  },
  {
    name: 'a timestamp column with a time zone',
    make: async (dir) => ({ baseline: await base(dir), window: await window(dir, `SELECT * FROM (${GOOD_BASELINE})`) }),
    expect: { code: 0, check: (m) => {
      // ts runs from 2026-01-01 00:00Z a minute per row; the window is the day before as_of.
      if (m.window.rows !== 1440) throw new Error(`rows ${m.window.rows}`);
    } },
  },
  {
    name: 'a window in the future',
    make: async (dir) => ({ baseline: await base(dir), window: await window(dir, `SELECT * FROM (${GOOD_BASELINE})`), model: { as_of: '2031-01-01T00:00:00Z' } }),
    expect: { code: 3, check: (m) => {
      if (m.status !== 'no_data' || m.window.rows !== 0 || m.drift || m.drift_share !== null || m.features.some((f: any) => f.score !== null)) throw new Error(JSON.stringify(m));
    } },
  },
  {
    name: 'rows stamped in the future are not in the window',
    make: async (dir) => ({
      baseline: await base(dir),
      window: await window(dir, `SELECT id, x, n, c, TIMESTAMPTZ '2027-06-01 00:00:00+00' AS ts FROM (${GOOD_BASELINE})`),
    }),
    expect: { code: 3, check: (m) => {
      if (m.status !== 'no_data' || m.window.rows !== 0) throw new Error(`rows ${m.window.rows}`);
    } },
  },
  {
    name: 'a categorical feature with 100k distinct values',
    make: async (dir) => ({
      baseline: await writeParquet(path.join(dir, 'baseline.parquet'), `SELECT 'u' || i AS user_agent FROM range(100000) t(i)`),
      window: await window(dir, `SELECT 'u' || (i * 7) AS user_agent FROM range(100000) t(i)`),
      model: { timestamp_column: null, id_columns: [] },
    }),
    expect: { code: 0, check: (m) => {
      const f = feature(m, 'user_agent');
      if (f.tests.chi2.dof !== 9999 || f.merged_categories !== 175715) throw new Error(`expected the top 9999 categories plus the overflow bucket, dof ${f.tests.chi2.dof}, merged ${f.merged_categories}`);
    } },
  },
  {
    name: 'feature names with quotes, spaces, dots, non-ASCII letters and SQL',
    make: async (dir) => {
      const select = `SELECT i::DOUBLE AS "x""; DROP TABLE t; --", (i % 5)::VARCHAR AS "a b.c", (i % 3)::DOUBLE AS "größe" FROM range(300) t(i)`;
      return { baseline: await writeParquet(path.join(dir, 'baseline.parquet'), select), window: await window(dir, select), model: { timestamp_column: null, id_columns: [] } };
    },
    expect: { code: 0, check: (m) => {
      const names = m.features.map((f: any) => f.feature);
      if (JSON.stringify(names) !== JSON.stringify(['x"; DROP TABLE t; --', 'a b.c', 'größe'])) throw new Error(JSON.stringify(names));
      if (m.features.some((f: any) => f.drift)) throw new Error('identical data drifted');
    } },
  },
  {
    name: 'a configured feature named like SQL is just a column that does not exist',
    make: async (dir) => ({ baseline: await base(dir), window: await window(dir, GOOD_BASELINE), model: { features: ['x', 'x"; DROP TABLE t; --'] } }),
    expect: { code: 2, stderr: /feature "x"; DROP TABLE t; --" is not a column of the baseline/ },
  },
];

/** The config cases that the serve suite also runs as child processes; every case is in test/config/cases.ts. */
export const CONFIG_CASES = ALL_CONFIG_CASES.filter((c) => c.cli);

/** The config of one case: defaults for the shared fixture, then the case's own keys (null removes a key). */
export function caseConfig(inputs: Inputs, extra: Record<string, unknown> = {}): string {
  const model: Record<string, unknown> = {
    name: 'robust',
    baseline: inputs.baseline,
    window: inputs.window,
    timestamp_column: 'ts',
    as_of: '2026-01-02T00:00:00Z',
    id_columns: ['id'],
    ...extra,
    ...inputs.model,
  };
  for (const [k, v] of Object.entries(model)) if (v === null) delete model[k];
  return stringify({ models: [model] });
}
