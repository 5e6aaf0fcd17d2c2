/**
 * /metrics under load while runs execute: the exporter serves ~1,000 series
 * of a wide model whose runs follow each other back to back, and 50
 * concurrent scrapers (autocannon, each at a fixed rate) hit it over loopback.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import autocannon from 'autocannon';
import { DuckDBInstance } from '@duckdb/node-api';
import { stringify } from 'yaml';

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
  const child = spawn(process.execPath, [main, 'serve', '--config', config, '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: Record<string, any>[] = [];
  let buffered = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    buffered += d;
    const parts = buffered.split('\n');
    buffered = parts.pop()!;
    for (const p of parts) if (p.trim()) lines.push(JSON.parse(p));
  });
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
    // Scrapers ask for gzip, as Prometheus does.
    const r = await autocannon({ url, connections: 50, connectionRate: 10, duration: seconds, timeout: 5, headers: { 'accept-encoding': 'gzip' } });
    const runs = lines.filter((l) => l.msg === 'run started').length - runsBefore;
    child.kill('SIGTERM');
    const stop = await until((l) => l.msg === 'shutting down', 15_000);
    return {
      series,
      runs_during_load: runs,
      scrapes: r.requests.total,
      errors: r.errors + r.timeouts + r.non2xx,
      p50_ms: r.latency.p50,
      p99_ms: r.latency.p99,
      max_ms: r.latency.max,
      event_loop_p99_ms: stop.event_loop_delay_ms.p99,
    };
  } finally {
    child.kill('SIGKILL');
  }
}
