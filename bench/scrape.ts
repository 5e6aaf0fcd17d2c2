/**
 * /metrics under load while runs execute: the exporter serves ~1,000 series
 * of a wide model whose runs follow each other back to back, and 50
 * scrapers (scrapers.ts, a process of their own) hit it over loopback.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import { stringify } from 'yaml';
import { spawnServe } from './serve-process.js';

const SCRAPERS = 50;
const PER_SECOND_EACH = 10; // 500 scrapes/s in all: far more than Prometheus servers ever send one target
const SCRAPERS_JS = fileURLToPath(new URL('./scrapers.js', import.meta.url));
const FEATURES = 84; // 12 series per numeric feature, plus the model's own: about 1,000 series

async function ensureData(dir: string): Promise<{ baseline: string; window: string }> {
  const baseline = path.join(dir, 'scrape-baseline.parquet');
  const window = path.join(dir, 'scrape-window.parquet');
  if (existsSync(baseline) && existsSync(window)) return { baseline, window };
  mkdirSync(dir, { recursive: true });
  const conn = await (await DuckDBInstance.create(':memory:')).connect();
  const cols = (shift: number) => Array.from({ length: FEATURES }, (_, f) => `((hash(i * 31 + ${f}) % 1000003) / 1000003.0 + ${f % 7 === 0 ? shift : 0})::DOUBLE AS f${f}`).join(', ');
  await conn.run(`COPY (SELECT ${cols(0)} FROM range(100000) t(i)) TO '${baseline}' (FORMAT parquet)`);
  await conn.run(`COPY (SELECT ${cols(0.05)} FROM range(400000) t(i)) TO '${window}' (FORMAT parquet)`);
  conn.closeSync();
  return { baseline, window };
}

/** Starts the exporter, waits for its first run, loads /metrics for `seconds`, stops it. */
export async function measureScrapes(workDir: string, main: string, seconds = 30): Promise<Record<string, number>> {
  const { baseline, window } = await ensureData(workDir);
  const config = path.join(workDir, 'scrape-config.yaml');
  writeFileSync(config, stringify({ defaults: { schedule: '*/1 * * * * *' }, models: [{ name: 'wide', baseline, window }] }));
  const { child, lines } = spawnServe(main, config);
  const until = async (pred: (l: Record<string, any>) => boolean, ms: number) => {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      const hit = lines.find(pred);
      if (hit) return hit;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('exporter did not get there in time');
  };
  try {
    const listening = await until((l) => l.msg === 'drift-exporter listening', 15_000);
    const url = `http://127.0.0.1:${String(listening.listen).split(':').pop()}/metrics`;
    await until((l) => l.msg === 'run finished', 120_000);
    const series = (await (await fetch(url)).text()).split('\n').filter((l) => l && !l.startsWith('#')).length;
    const runsBefore = lines.filter((l) => l.msg === 'run started').length;
    const { stdout } = await promisify(execFile)(process.execPath, [SCRAPERS_JS, url, String(SCRAPERS), String(PER_SECOND_EACH), String(seconds)]);
    const r = JSON.parse(stdout) as Record<string, number>;
    const runs = lines.filter((l) => l.msg === 'run started').length - runsBefore;
    child.kill('SIGTERM');
    const stop = await until((l) => l.msg === 'shutting down', 15_000);
    return {
      series,
      runs_during_load: runs,
      scrapers: SCRAPERS,
      per_second_each: PER_SECOND_EACH,
      scrapes: r.scrapes,
      errors: r.errors,
      p50_ms: r.p50_ms,
      p99_ms: r.p99_ms,
      max_ms: r.max_ms,
      p99_from_schedule_ms: r.p99_from_schedule_ms,
      event_loop_p99_ms: stop.event_loop_delay_ms.p99,
    };
  } finally {
    child.kill('SIGKILL');
  }
}
