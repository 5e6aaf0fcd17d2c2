// Bounded load: 50 concurrent scrapers for 30 s against loopback while runs execute.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import autocannon from 'autocannon';
import { tempDir } from '../helpers/fixtures.js';
import { startServe } from '../helpers/spawn.js';
import { fixtureModel, writeConfig, writeFixture } from '../helpers/fixtures.js';

test('50 scrapers for 30 s during runs: no failed scrape, event-loop delay p99 under 20 ms', { timeout: 120_000 }, async (t) => {
  const dir = tempDir(t);
  const files = await writeFixture(dir, { baselineRows: 200_000, windowRows: 1_000_000 });
  const config = writeConfig(path.join(dir, 'config.yaml'), [fixtureModel('busy', files.baseline, files.window)], { schedule: '*/1 * * * * *' });
  const served = await startServe(config);
  t.after(() => served.kill());
  await served.waitForLog((l) => l.msg === 'run finished', 60_000);

  const runsBefore = served.logs.filter((l) => l.msg === 'run started').length;
  // Each scraper at 20 scrapes/s: 1,000 scrapes/s in all, hundreds of times a real Prometheus pair,
  // yet below saturation, where latency would only measure the load generator's own queue.
  const result = await autocannon({ url: `${served.url}/metrics`, connections: 50, connectionRate: 20, duration: 30, timeout: 5 });
  const runsDuring = served.logs.filter((l) => l.msg === 'run started').length - runsBefore;

  assert.ok(runsDuring >= 3, `runs executed during the load: ${runsDuring}`);
  assert.ok(result.requests.total > 20_000, `scrapes: ${result.requests.total}`);
  assert.equal(result.errors, 0, 'connection errors');
  assert.equal(result.timeouts, 0, 'timeouts');
  assert.equal(result.non2xx, 0, 'non-2xx answers');

  served.child.kill('SIGTERM');
  const line = await served.waitForLog((l) => l.msg === 'shutting down', 10_000);
  const delay = line.event_loop_delay_ms as { p99: number; max: number };
  t.diagnostic(`scrapes ${result.requests.total}, latency p50 ${result.latency.p50} ms p99 ${result.latency.p99} ms; event-loop delay p99 ${delay.p99} ms max ${delay.max} ms`);
  assert.ok(delay.p99 < 20, `event-loop delay p99 ${delay.p99} ms`);
  assert.equal((await served.exited).code, 0);
});
