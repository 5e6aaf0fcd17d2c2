/**
 * One measured process: `floor` reads every feature column once (count, min,
 * max), `job` runs the full report of a workload (twice: cold, then warm with
 * the baseline profile reused). Prints one JSON line with times and peak RSS.
 */
import { writeFileSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';
import { resolveConfig } from '../src/config/index.js';
import { runModel } from '../src/engine/index.js';
import type { Workload } from './workloads.js';

const [mode, json] = process.argv.slice(2);
const w = JSON.parse(json) as Workload;
const features = [...w.numeric, ...w.categorical];

async function floor(): Promise<Record<string, number>> {
  const conn = await (await DuckDBInstance.create(':memory:')).connect();
  const t0 = performance.now();
  for (const file of [w.baseline, w.window]) {
    const aggs = features.map((f) => `count("${f}"), min("${f}"), max("${f}")`).join(', ');
    await conn.runAndReadAll(`SELECT ${aggs} FROM read_parquet('${file}')`);
  }
  return { seconds: (performance.now() - t0) / 1000 };
}

async function job(): Promise<Record<string, number>> {
  // Phase timings come from the engine's optional onPhase hook.
  const model = resolveConfig(
    {
      models: [
        {
          name: w.name,
          baseline: w.baseline,
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
  const phases: Record<string, number> = {};
  const onPhase = (p: string, s: number) => (phases[p] = (phases[p] ?? 0) + s);
  const t0 = performance.now();
  const first = await runModel(model, { onPhase });
  const t1 = performance.now();
  const warmPhases: Record<string, number> = {};
  await runModel(model, { onPhase: (p, s) => (warmPhases[p] = (warmPhases[p] ?? 0) + s) });
  const t2 = performance.now();
  if (process.env.BENCH_REPORT_OUT) writeFileSync(process.env.BENCH_REPORT_OUT, JSON.stringify(first, null, 1));
  return {
    seconds: (t1 - t0) / 1000,
    warm_seconds: (t2 - t1) / 1000,
    window_rows: first.window.rows,
    baseline_rows: first.baseline.rows,
    ...Object.fromEntries(Object.entries(phases).map(([p, s]) => [`phase ${p}`, s])),
    ...Object.fromEntries(Object.entries(warmPhases).map(([p, s]) => [`warm ${p}`, s])),
  };
}

const result = mode === 'floor' ? await floor() : await job();
process.stdout.write(`${JSON.stringify({ ...result, max_rss_mb: process.resourceUsage().maxRSS / 1024 })}\n`);
