/**
 * The fleet benchmark (`npm run bench -- --fleet`, optionally `--fleet-models 1,10,50,200 --fleet-rounds 10`):
 * N models, each its own copy of a 50k-row baseline and a 50k-row window (8 numeric and 2 categorical
 * features), all on one schedule, in one `serve` with its default engine pool. It measures time to ready,
 * PSS and RSS of the whole process tree after every round (smaps_rollup summed over the tree), CPU-seconds
 * per round, the longest queue wait, and /metrics latency (bench/scrapers.ts) during rounds.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { spawnServe } from './serve-process.js';
import { ensureWorkload } from './workloads.js';

const SCRAPERS_JS = fileURLToPath(new URL('./scrapers.js', import.meta.url));
const SCRAPERS = 10;
const PER_SECOND_EACH = 2;
const TICKS_PER_S = 100; // USER_HZ on Linux

/** One fleet size's figures. */
export interface FleetResult {
  models: number;
  processes: number;
  ready_s: number;
  rounds: number;
  pss_mb: number[];
  rss_mb: number[];
  cpu_s_per_round: number[];
  round_s: number[];
  max_queue_wait_s: number;
  scrape: { scrapes: number; errors: number; mean_bytes: number; p50_ms: number; p99_ms: number; max_ms: number; p99_from_schedule_ms: number };
  cache_hits: number;
  cache_misses: number;
}

async function ensureFiles(dir: string, n: number): Promise<{ baseline: string; window: string }[]> {
  const spec = {
    name: 'F',
    description: 'fleet model',
    baseline: path.join(dir, 'F-baseline.parquet'),
    window: path.join(dir, 'F-window.parquet'),
    numeric: Array.from({ length: 8 }, (_, f) => `num_${String(f).padStart(3, '0')}`),
    categorical: ['cat_0', 'cat_1'],
    timestampColumn: null,
    rows: { baseline: 50_000, window: 50_000 },
    features: { numeric: 8, categorical: 2 },
  };
  await ensureWorkload(spec, (s) => console.error(s));
  const out: { baseline: string; window: string }[] = [];
  mkdirSync(path.join(dir, 'fleet'), { recursive: true });
  // A copy per model: each model has a baseline of its own to profile and cache, as in a real fleet.
  for (let i = 0; i < n; i++) {
    const b = path.join(dir, 'fleet', `m${i}-baseline.parquet`);
    const w = path.join(dir, 'fleet', `m${i}-window.parquet`);
    if (!existsSync(b)) copyFileSync(spec.baseline, b);
    if (!existsSync(w)) copyFileSync(spec.window, w);
    out.push({ baseline: b, window: w });
  }
  return out;
}

/** The pid and its descendants. */
function tree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(d)]);
    } catch {
      // Gone meanwhile.
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    out.push(p);
    for (const c of children.get(p) ?? []) walk(c);
  };
  walk(root);
  return out;
}

/** PSS and RSS (bytes) summed over the tree. */
function memory(root: number): { pss: number; rss: number } {
  let pss = 0;
  let rss = 0;
  for (const pid of tree(root)) {
    try {
      const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
      pss += Number(/^Pss:\s+(\d+)/m.exec(text)?.[1] ?? 0) * 1024;
      rss += Number(/^Rss:\s+(\d+)/m.exec(text)?.[1] ?? 0) * 1024;
    } catch {
      // Gone meanwhile.
    }
  }
  return { pss, rss };
}

/** CPU-seconds of the tree so far: the live processes' own, plus the root's reaped children's. */
function cpuSeconds(root: number): number {
  let ticks = 0;
  for (const pid of tree(root)) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // utime, stime (fields 14, 15) and, for the root, cutime, cstime (16, 17).
      ticks += Number(f[11]) + Number(f[12]) + (pid === root ? Number(f[13]) + Number(f[14]) : 0);
    } catch {
      // Gone meanwhile.
    }
  }
  return ticks / TICKS_PER_S;
}

/** Runs one fleet size: `rounds` scheduled rounds after the start-up one. */
export async function runFleet(workDir: string, main: string, models: number, rounds: number): Promise<FleetResult> {
  const files = await ensureFiles(workDir, models);
  // Rounds far enough apart that each ends before the next tick (a cold start-up round takes longer).
  const periodS = models >= 100 ? 30 : models >= 50 ? 15 : 10;
  const config = path.join(workDir, `fleet-${models}.yaml`);
  writeFileSync(config, stringify({ defaults: { schedule: `*/${periodS} * * * * *`, run_timeout: '5m' }, models: files.map((f, i) => ({ name: `m${i}`, baseline: f.baseline, window: f.window })) }));
  const t0 = performance.now();
  const { child, lines } = spawnServe(main, config);
  const until = async (what: string, pred: () => boolean, ms: number) => {
    const end = Date.now() + ms;
    while (!pred()) {
      if (Date.now() > end) throw new Error(`fleet ${models}: ${what} did not happen in time`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const finished = () => lines.filter((l) => l.msg === 'run finished' || l.msg === 'run failed').length;
  try {
    await until('listening', () => lines.some((l) => l.msg === 'drift-exporter listening'), 30_000);
    const listening = lines.find((l) => l.msg === 'drift-exporter listening')!;
    const base = `http://127.0.0.1:${String(listening.listen).split(':').pop()}`;
    const processes = listening.engine.processes as number;
    for (;;) {
      const r = await fetch(`${base}/readyz`).catch(() => null);
      if (r?.status === 200) break;
      if (performance.now() - t0 > 600_000) throw new Error('not ready in 10 minutes');
      await new Promise((res) => setTimeout(res, 100));
    }
    const readyS = (performance.now() - t0) / 1000;
    const result: FleetResult = { models, processes, ready_s: readyS, rounds, pss_mb: [], rss_mb: [], cpu_s_per_round: [], round_s: [], max_queue_wait_s: 0, scrape: { scrapes: 0, errors: 0, mean_bytes: NaN, p50_ms: NaN, p99_ms: NaN, max_ms: NaN, p99_from_schedule_ms: NaN }, cache_hits: 0, cache_misses: 0 };
    let scraping: Promise<string> | null = null;
    for (let r = 1; r <= rounds; r++) {
      const startedBefore = lines.filter((l) => l.msg === 'run started').length;
      await until(`round ${r} to start`, () => lines.filter((l) => l.msg === 'run started').length > startedBefore, (periodS + 5) * 1000);
      const roundStart = performance.now();
      const cpu0 = cpuSeconds(child.pid!);
      const target = models * (r + 1);
      // Scrapers run through rounds 2 onward (warm), for about three periods.
      if (r === 2) scraping = promisify(execFile)(process.execPath, [SCRAPERS_JS, `${base}/metrics`, String(SCRAPERS), String(PER_SECOND_EACH), String(Math.min(3, rounds - 1) * periodS)]).then((o) => o.stdout);
      await until(`round ${r} to finish`, () => finished() >= target, 600_000);
      result.round_s.push((performance.now() - roundStart) / 1000);
      result.cpu_s_per_round.push(cpuSeconds(child.pid!) - cpu0);
      const m = memory(child.pid!);
      result.pss_mb.push(m.pss / 2 ** 20);
      result.rss_mb.push(m.rss / 2 ** 20);
      console.error(`fleet ${models}: round ${r}/${rounds} in ${result.round_s.at(-1)!.toFixed(1)} s, ${result.cpu_s_per_round.at(-1)!.toFixed(2)} CPU-s, PSS ${result.pss_mb.at(-1)!.toFixed(0)} MB, RSS ${result.rss_mb.at(-1)!.toFixed(0)} MB`);
    }
    if (scraping) result.scrape = JSON.parse((await scraping).trim());
    result.max_queue_wait_s = Math.max(...lines.filter((l) => l.msg === 'run started').map((l) => Number(l.queue_wait_ms) / 1000));
    const text = await (await fetch(`${base}/metrics`)).text();
    const num = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
    result.cache_hits = num('drift_exporter_profile_cache_hits_total');
    result.cache_misses = num('drift_exporter_profile_cache_misses_total');
    return result;
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

/** The RESULTS.md section of the fleet figures. */
export function fleetSection(results: FleetResult[], note: string): string {
  const f = (x: number, d = 0) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
  const rows = results.map((r) => {
    const steady = r.pss_mb.slice(1);
    return `| ${r.models} | ${r.processes} | ${f(r.ready_s, 1)} | ${f(Math.max(...r.pss_mb))} | ${f(Math.max(...r.rss_mb))} | ${f(Math.min(...steady.length ? steady : r.pss_mb))}–${f(Math.max(...steady.length ? steady : r.pss_mb))} | ${f(median(r.cpu_s_per_round.slice(1)), 2)} | ${f(median(r.round_s.slice(1)), 1)} | ${f(r.max_queue_wait_s, 1)} | ${r.scrape.scrapes} / ${r.scrape.errors} | ${f(r.scrape.mean_bytes / 1024)} | ${f(r.scrape.p50_ms, 1)} | ${f(r.scrape.p99_ms, 1)} | ${f(r.scrape.p99_from_schedule_ms, 1)} | ${r.cache_hits} / ${r.cache_misses} |`;
  });
  const big = results.find((r) => r.models === 200) ?? results.at(-1)!;
  const steady = big.pss_mb.slice(1);
  const flat = steady.length > 1 ? Math.max(...steady) - Math.min(...steady) : NaN;
  return `<!-- fleet: generated by npm run bench -- --fleet -->
## Fleet: many models in one serve

${note}

Each model: its own copy of a 50k-row baseline and a 50k-row window (8 numeric, 2 categorical features), all on one schedule; the default engine pool of this machine. PSS and RSS: summed over the process tree (smaps_rollup) after each round; "steady PSS" over the rounds after the first. CPU-s and round seconds: median over the warm rounds. Queue wait: the longest of any run. /metrics: ${SCRAPERS} scrapers at ${PER_SECOND_EACH}/s each (bench/scrapers.ts, gzip) during the warm rounds; body: the mean gzipped size; p99: a scrape timed from its sending, or from when it fell due if the previous one was still running then; "from due": every scrape timed from when it fell due, which also counts the scraper's own timer waking late.

| models | engines | ready s | peak PSS MB | peak RSS MB | steady PSS MB | CPU-s per round | round s | longest queue wait s | scrapes / errors | body KiB | /metrics p50 ms | /metrics p99 ms | p99 from due ms | cache hits / misses |
|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|
${rows.join('\n')}

Targets (${big.models} models): tree <= 1.5 GB PSS: ${f(Math.max(...big.pss_mb))} MB — ${Math.max(...big.pss_mb) <= 1536 ? 'met' : 'NOT met'}; ready <= 60 s: ${f(big.ready_s, 1)} s — ${big.ready_s <= 60 ? 'met' : 'NOT met'}; /metrics p99 <= 10 ms with zero errors: ${f(big.scrape.p99_ms, 1)} ms, ${big.scrape.errors} errors — ${big.scrape.p99_ms <= 10 && big.scrape.errors === 0 ? 'met' : 'NOT met'} (timed from when each scrape fell due: ${f(big.scrape.p99_from_schedule_ms, 1)} ms); memory flat across ${big.rounds} rounds: PSS range ${f(flat)} MB over rounds 2–${big.rounds} (${steady.map((x) => f(x)).join(', ')}).
<!-- /fleet -->
`;
}

function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}
