/**
 * The HTML report's size and rendering time on a workload's report (W2: 200
 * numeric features, the heaviest plots), in a process of its own. Prints
 * one JSON line: bytes, features, plots and seconds.
 */
import { writeFileSync } from 'node:fs';
import { resolveConfig } from '../src/config/index.js';
import { runModel } from '../src/engine/index.js';
import { renderHtml } from '../src/report/html/index.js';
import { ensureWorkload, type Workload } from './workloads.js';

const w = JSON.parse(process.argv[2]) as Workload & Parameters<typeof ensureWorkload>[0];
await ensureWorkload(w, (s) => console.error(s));
const model = resolveConfig(
  {
    models: [
      {
        name: w.name,
        baseline: w.baseline,
        window: w.window,
        features: Object.fromEntries([...w.numeric.map((f) => [f, 'numeric']), ...w.categorical.map((f) => [f, 'categorical'])]),
        ...(w.timestampColumn ? { timestamp_column: w.timestampColumn, window_duration: '30d', as_of: '2026-01-31T00:00:00Z' } : {}),
      },
    ],
  },
  'bench',
  '/',
).models[0];
const report = await runModel(model);
const t0 = performance.now();
const html = await renderHtml({ report: { generated_at: new Date().toISOString(), models: [report] }, title: 'bench' });
const seconds = (performance.now() - t0) / 1000;
if (process.env.BENCH_HTML_OUT) writeFileSync(process.env.BENCH_HTML_OUT, html);
process.stdout.write(`${JSON.stringify({ bytes: Buffer.byteLength(html), features: report.features.length, plots: html.split('<svg').length - 1, seconds })}\n`);
