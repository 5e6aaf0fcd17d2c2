/**
 * One measured process: `floor` reads every feature column once (count, min,
 * max), `job` runs the full report of a workload (twice: cold, then warm with
 * the baseline profile reused). Prints one JSON line with times and peak RSS.
 * With a moving reference, the floor reads the warm run's reference range of
 * the baseline (timed alone as `reference_seconds`), and the warm run is at a
 * later as_of, so its reference is a new range.
 */
import { writeFileSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';
import { resolveConfig } from '../src/config/index.js';
import { referenceFilter, runModel } from '../src/engine/index.js';
import type { Workload } from './workloads.js';

const [mode, json] = process.argv.slice(2);
const w = JSON.parse(json) as Workload;
const features = [...w.numeric, ...w.categorical];

const model = resolveConfig(
  {
    models: [
      {
        name: w.name,
        baseline: w.moving ? { source: w.baseline, offset: w.moving.offset, duration: w.moving.duration } : w.baseline,
        window: w.window,
        features: Object.fromEntries([...w.numeric.map((f) => [f, 'numeric']), ...w.categorical.map((f) => [f, 'categorical'])]),
        ...(w.timestampColumn ? { timestamp_column: w.timestampColumn, window_duration: '30d', as_of: '2026-01-31T00:00:00Z' } : {}),
        ...(w.segmentBy?.length ? { segment_by: w.segmentBy } : {}),
      },
    ],
  },
  'bench',
  '/',
).models[0];
/** The as_of of the cold and the warm run: the same, unless the reference moves between them. */
const asOfs = w.moving ? w.moving.asOf.map((t) => new Date(t)) : [undefined, undefined];

async function floor(): Promise<Record<string, number>> {
  const conn = await (await DuckDBInstance.create(':memory:')).connect();
  const aggs = features.map((f) => `count("${f}"), min("${f}"), max("${f}")`).join(', ');
  const range = w.moving ? referenceFilter(model, asOfs[1]!) : null;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  // The rows the warm run compares with: its reference range, (start, end] as the engine reads it.
  // The workload's ts is a TIMESTAMP (UTC, no zone): compared with zone-less literals, as the engine compares it.
  const at = (d: Date) => `TIMESTAMP '${d.toISOString().slice(0, -1)}'`;
  const where = range ? ` WHERE "${range.column}" > ${at(range.start)} AND "${range.column}" <= ${at(range.end)}` : '';
  await conn.runAndReadAll(`SELECT ${aggs} FROM read_parquet('${w.baseline}')${where}`);
  const t1 = performance.now();
  await conn.runAndReadAll(`SELECT ${aggs} FROM read_parquet('${w.window}')`);
  const t2 = performance.now();
  return { seconds: (t2 - t0) / 1000, reference_seconds: (t1 - t0) / 1000, cpu_seconds: cpuSince(c0) };
}

async function job(): Promise<Record<string, number>> {
  // Phase timings come from the engine's optional onPhase hook.
  const phases: Record<string, number> = {};
  // CPU-seconds of every thread (DuckDB's and the summary threads' too) over the cold run, and over its window scan phase.
  let mark = process.cpuUsage();
  let scanCpu = 0;
  const onPhase = (p: string, s: number) => {
    phases[p] = (phases[p] ?? 0) + s;
    if (p === 'window numeric scan') scanCpu += cpuSince(mark);
    mark = process.cpuUsage();
  };
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const first = await runModel(model, { onPhase, asOf: asOfs[0] });
  const cpu = cpuSince(c0);
  const t1 = performance.now();
  const warmPhases: Record<string, number> = {};
  const second = await runModel(model, { onPhase: (p, s) => (warmPhases[p] = (warmPhases[p] ?? 0) + s), asOf: asOfs[1] });
  const t2 = performance.now();
  if (process.env.BENCH_REPORT_OUT) writeFileSync(process.env.BENCH_REPORT_OUT, JSON.stringify(first, null, 1));
  return {
    seconds: (t1 - t0) / 1000,
    cpu_seconds: cpu,
    scan_cpu_per_second: phases['window numeric scan'] ? scanCpu / phases['window numeric scan'] : 0,
    warm_seconds: (t2 - t1) / 1000,
    window_rows: first.window.rows,
    baseline_rows: first.baseline.rows,
    warm_baseline_rows: second.baseline.rows,
    ...Object.fromEntries(Object.entries(phases).map(([p, s]) => [`phase ${p}`, s])),
    ...Object.fromEntries(Object.entries(warmPhases).map(([p, s]) => [`warm ${p}`, s])),
  };
}

function cpuSince(from: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(from);
  return (d.user + d.system) / 1e6;
}

const result = mode === 'floor' ? await floor() : await job();
process.stdout.write(`${JSON.stringify({ ...result, max_rss_mb: process.resourceUsage().maxRSS / 1024 })}\n`);
