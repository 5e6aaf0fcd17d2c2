/**
 * A load generator shaped like Prometheus: each scraper keeps one keep-alive
 * connection and scrapes at a fixed period, the scrapers' phases spread
 * evenly over the period (Prometheus offsets each target's scrapes the same
 * way). A scrape that fell due while this scraper's previous one was still
 * running is timed from when it was due, so the exporter's slowness that
 * delayed it counts against the exporter (no coordinated omission); any other
 * is timed from when it was sent, as Prometheus times a scrape, so that this
 * process's own timer waking late does not. Both figures are printed
 * (`p99_ms`, and `p99_from_schedule_ms` timing every scrape from when it was
 * due). Run as its own process so the bench's own work does not skew it.
 *
 * Why not autocannon's rate mode: it fires each connection's quota back to
 * back at the start of every second, a synchronized burst of every request,
 * and on a 2-core machine its client saturates before the server does.
 *
 *   node scrapers.js URL SCRAPERS PER_SECOND_EACH SECONDS  →  one JSON line
 */
import http from 'node:http';

const [url, scrapersArg, rateArg, secondsArg] = process.argv.slice(2);
const scrapers = Number(scrapersArg);
const periodMs = 1000 / Number(rateArg);
const endAt = performance.now() + Number(secondsArg) * 1000;
const TIMEOUT_MS = 5000;

const latencies: number[] = [];
const fromSchedule: number[] = [];
let errors = 0;
let bytes = 0;

function scrapeOnce(agent: http.Agent, scheduled: number, from: number): Promise<void> {
  return new Promise((resolve) => {
    const fail = () => {
      errors++;
      resolve();
    };
    const req = http.get(url, { agent, headers: { 'accept-encoding': 'gzip' }, timeout: TIMEOUT_MS }, (res) => {
      let size = 0;
      res.on('data', (chunk: Buffer) => (size += chunk.length));
      res.on('end', () => {
        if (res.statusCode !== 200 || size === 0) return fail();
        bytes += size;
        latencies.push(performance.now() - from);
        fromSchedule.push(performance.now() - scheduled);
        resolve();
      });
      res.on('error', fail);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', fail);
  });
}

async function scraper(index: number, start: number): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  let previousEnd = -Infinity;
  for (let k = 0; ; k++) {
    const scheduled = start + (index / scrapers) * periodMs + k * periodMs;
    if (scheduled >= endAt) break;
    // Timers run off the loop's cached clock and may fire early: wait until the scheduled time has come.
    for (let wait = scheduled - performance.now(); wait > 0; wait = scheduled - performance.now()) await new Promise((r) => setTimeout(r, wait));
    // A scrape still running when the next is due delays it, as in Prometheus; the delay is counted.
    await scrapeOnce(agent, scheduled, previousEnd > scheduled ? scheduled : performance.now());
    previousEnd = performance.now();
  }
  agent.destroy();
}

const start = performance.now();
await Promise.all(Array.from({ length: scrapers }, (_, i) => scraper(i, start)));
latencies.sort((a, b) => a - b);
fromSchedule.sort((a, b) => a - b);
const pct = (xs: number[], q: number) => (xs.length ? xs[Math.min(xs.length - 1, Math.ceil(q * xs.length) - 1)] : NaN);
const round = (x: number) => Math.round(x * 100) / 100;
console.log(
  JSON.stringify({
    scrapes: latencies.length,
    errors,
    mean_bytes: Math.round(bytes / Math.max(1, latencies.length)),
    p50_ms: round(pct(latencies, 0.5)),
    p99_ms: round(pct(latencies, 0.99)),
    max_ms: round(latencies.at(-1) ?? NaN),
    p99_from_schedule_ms: round(pct(fromSchedule, 0.99)),
  }),
);
