// /report renders on a thread of its own: scrapes are answered while a page of many plots is drawn,
// and a page is drawn once per change of the results, not per request.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { tempDir, writeConfig, writeParquet } from '../helpers/fixtures.js';
import { startServe } from '../helpers/spawn.js';

const FEATURES = 120;

test('/metrics answers within a few ms while /report draws 120 plots, and the page is cached until the results change', { timeout: 180_000 }, async (t) => {
  const dir = tempDir(t);
  const cols = Array.from({ length: FEATURES }, (_, f) => `((i * ${f + 7}) % 101)::DOUBLE + ${f % 3} AS f${f}`).join(', ');
  const baseline = await writeParquet(path.join(dir, 'b.parquet'), `SELECT ${cols} FROM range(2000) t(i)`);
  const window = await writeParquet(path.join(dir, 'w.parquet'), `SELECT ${cols.replaceAll('::DOUBLE +', '::DOUBLE + 1 +')} FROM range(1500) t(i)`);
  const config = writeConfig(path.join(dir, 'c.yaml'), [{ name: 'wide', baseline, window }]);
  const served = await startServe(config);
  t.after(() => served.kill());
  await served.waitForLog((l) => l.msg === 'run finished', 60_000);

  const started = performance.now();
  let rendered = 0;
  const page = fetch(`${served.url}/report`).then(async (r) => {
    rendered = performance.now();
    return { status: r.status, body: await r.text() };
  });
  const latencies: number[] = [];
  while (rendered === 0) {
    const t0 = performance.now();
    const r = await fetch(`${served.url}/metrics`);
    await r.arrayBuffer();
    if (rendered === 0) latencies.push(performance.now() - t0);
    await new Promise((r) => setTimeout(r, 20));
  }
  const { status, body } = await page;
  assert.equal(status, 200);
  assert.equal(body.split('<svg').length - 1, FEATURES);
  const took = rendered - started;
  t.diagnostic(`rendered in ${took.toFixed(0)} ms; ${latencies.length} scrapes meanwhile, slowest ${Math.max(...latencies).toFixed(1)} ms: ${latencies.map((l) => l.toFixed(0)).join(" ")}`);
  // A scrape every 20 ms plus its latency: on the event loop, the render lets one through now and then only.
  assert.ok(latencies.length >= Math.max(5, took / 100), `${latencies.length} scrapes during a ${took.toFixed(0)} ms render`);
  // Generous for a shared CI machine; a render on the event loop holds a scrape for the whole render.
  assert.ok(Math.max(...latencies) < Math.max(250, took / 4), `slowest scrape ${Math.max(...latencies).toFixed(1)} ms during a ${took.toFixed(0)} ms render`);

  // Unchanged results: the same page, at once.
  const t1 = performance.now();
  const again = await (await fetch(`${served.url}/report`)).text();
  assert.ok(performance.now() - t1 < took / 2, 'served from the cache');
  assert.equal(again, body);
});
