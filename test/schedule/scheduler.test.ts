// The schedule of `drift-exporter serve`, end to end: overlapping ticks are
// skipped and counted, a run over its timeout is abandoned, a broken window
// keeps the last good values, SIGTERM mid-run exits 0 within its bound, and a
// slow model never holds back a fast one.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/fixtures.js';
import { samplesByKey, seriesKey, type Family } from '../helpers/prom-text.js';
import { fixtureModel, writeConfig, writeFixture, type FixtureFiles } from '../helpers/fixtures.js';
import { scrape, startServe, waitFor, type Served } from '../helpers/spawn.js';

const EVERY_SECOND = '*/1 * * * * *';

const value = (families: Map<string, Family>, name: string, model_name: string) => samplesByKey(families).get(seriesKey(name, { model_name }));

/** Polls /metrics until `pred` holds. */
function scrapeUntil(s: Served, what: string, pred: (f: Map<string, Family>) => boolean, timeoutMs = 30_000): Promise<Map<string, Family>> {
  return waitFor(what, async () => {
    const f = await scrape(s.url);
    return pred(f) ? f : undefined;
  }, timeoutMs, 100);
}

describe('serve, on a schedule', () => {
  const dir = tempDir({ after });
  let big: FixtureFiles;
  let small: FixtureFiles;

  before(async () => {
    // Big enough that a run takes more than a second on a 2-core machine (warm runs ~1.6 s on the benchmark VM).
    big = await writeFixture(path.join(dir, 'big'), { baselineRows: 200_000, windowRows: 6_000_000 });
    small = await writeFixture(path.join(dir, 'small'));
  });

  it('skips and counts ticks during a run, keeps a fast model going, and exits 0 on SIGTERM mid-run within the bound', async (t) => {
    const config = writeConfig(path.join(dir, 'overlap.yaml'), [fixtureModel('slow', big.baseline, big.window), fixtureModel('fast', small.baseline, small.window)], { schedule: EVERY_SECOND });
    const served = await startServe(config, { args: ['--shutdown-timeout', '1s'] });
    t.after(() => served.kill());

    const families = await scrapeUntil(
      served,
      'skipped ticks of the slow model and runs of the fast one',
      (f) => (value(f, 'drift_exporter_skipped_runs_total', 'slow') ?? 0) >= 2 && (value(f, 'drift_exporter_runs_total', 'fast') ?? 0) >= 3,
    );
    assert.ok(value(families, 'drift_exporter_runs_total', 'fast')! > value(families, 'drift_exporter_runs_total', 'slow')!, 'the fast model ran more often than the busy one');
    assert.equal(value(families, 'drift_exporter_run_failures_total', 'slow'), 0);
    const skipLines = served.logs.filter((l) => l.model === 'slow' && /tick skipped/.test(l.msg)).length;
    assert.ok(skipLines >= 1 && skipLines <= value(families, 'drift_exporter_runs_total', 'slow')!, `one skip line per overlapped run, not per tick (${skipLines})`);

    // The HTTP loop stays free while the engines work.
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      assert.equal((await fetch(`${served.url}/healthz`)).status, 200);
      assert.ok(performance.now() - t0 < 500, `healthz took ${performance.now() - t0} ms`);
    }

    const running = () => {
      const started = served.logs.filter((l) => l.model === 'slow' && l.msg === 'run started').length;
      const ended = served.logs.filter((l) => l.model === 'slow' && (l.msg === 'run finished' || l.msg === 'run failed')).length;
      return started > ended;
    };
    await waitFor('a slow run in progress', running, 10_000, 20);
    const t0 = Date.now();
    served.child.kill('SIGTERM');
    const exit = await served.exitWithin(10_000);
    const tookMs = Date.now() - t0;
    assert.deepEqual(exit, { code: 0, signal: null });
    assert.ok(tookMs < 1000 + 3000, `exit took ${tookMs} ms with a 1 s shutdown timeout`);
    assert.deepEqual(served.logs.slice(-1).map((l) => l.msg), ['stopped']);
  });

  it('abandons a run over its timeout, counts it failed, and runs the next tick normally', async (t) => {
    const config = writeConfig(path.join(dir, 'timeout.yaml'), [
      fixtureModel('slow', big.baseline, big.window, { run_timeout: '400ms', schedule: '*/2 * * * * *' }),
      fixtureModel('fast', small.baseline, small.window),
    ]);
    const served = await startServe(config);
    t.after(() => served.kill());

    const families = await scrapeUntil(
      served,
      'two timed-out runs and a good run of the other model',
      (f) => (value(f, 'drift_exporter_run_failures_total', 'slow') ?? 0) >= 2 && value(f, 'drift_exporter_last_success_timestamp_seconds', 'fast') !== undefined,
    );
    const runs = value(families, 'drift_exporter_runs_total', 'slow')!;
    const failures = value(families, 'drift_exporter_run_failures_total', 'slow')!;
    assert.ok(runs - failures <= 1, `every finished run failed (${failures} of ${runs}, one may be in progress)`);
    // Two failed runs mean a tick after the first abandoned run ran. Only the start-up run, which is
    // not aligned with the ticks, may still be going when the first tick comes; after that none is skipped.
    assert.ok(value(families, 'drift_exporter_skipped_runs_total', 'slow')! <= 1, 'an abandoned run does not block the next tick');
    assert.equal(value(families, 'drift_exporter_last_success_timestamp_seconds', 'slow'), undefined);
    assert.ok(value(families, 'drift_exporter_last_run_timestamp_seconds', 'slow')! > 0);
    assert.equal(value(families, 'ml_drift_window_rows', 'slow'), undefined, 'nothing published without a successful run');
    const failed = served.logs.find((l) => l.model === 'slow' && l.msg === 'run failed')!;
    assert.match(String(failed.error), /run_timeout/);
    assert.ok((failed.duration_ms as number) < 2000, `abandoned after ${failed.duration_ms} ms`);
    // The other model is unaffected; a model that never succeeded keeps the exporter not ready.
    assert.equal(value(families, 'drift_exporter_run_failures_total', 'fast'), 0);
    assert.ok(value(families, 'ml_drift_window_rows', 'fast')! > 0);
    assert.equal((await fetch(`${served.url}/readyz`)).status, 503);
  });

  it('keeps the last good values while the window is corrupt, and recovers when it is readable again', async (t) => {
    mkdirSync(path.join(dir, 'corrupt'));
    const window = path.join(dir, 'corrupt', 'window.parquet');
    copyFileSync(small.window, window);
    const config = writeConfig(path.join(dir, 'corrupt.yaml'), [fixtureModel('shop', small.baseline, window)], { schedule: EVERY_SECOND });
    const served = await startServe(config);
    t.after(() => served.kill());

    const good = await scrapeUntil(served, 'a successful run', (f) => value(f, 'drift_exporter_last_success_timestamp_seconds', 'shop') !== undefined);
    const drift = (f: Map<string, Family>) => [...samplesByKey(f)].filter(([k]) => k.startsWith('ml_'));
    const goodSuccess = value(good, 'drift_exporter_last_success_timestamp_seconds', 'shop')!;

    writeFileSync(window, randomBytes(4096));
    const failures = value(good, 'drift_exporter_run_failures_total', 'shop')!;
    const bad = await scrapeUntil(served, 'two failed runs', (f) => value(f, 'drift_exporter_run_failures_total', 'shop')! >= failures + 2);
    const lastSuccess = value(bad, 'drift_exporter_last_success_timestamp_seconds', 'shop')!;
    assert.deepEqual(drift(bad), drift(good), 'the last good values stay published');
    assert.ok(value(bad, 'drift_exporter_last_run_timestamp_seconds', 'shop')! > lastSuccess, 'runs go on');
    assert.ok(lastSuccess - goodSuccess < 3, 'the last success stopped advancing once the file broke');
    assert.ok(served.logs.some((l) => l.msg === 'run failed' && String(l.error).includes(window)), 'the error names the file');
    await new Promise((r) => setTimeout(r, 1100));
    assert.equal(value(await scrape(served.url), 'drift_exporter_last_success_timestamp_seconds', 'shop'), lastSuccess);

    copyFileSync(small.window, window);
    const recovered = await scrapeUntil(served, 'a new successful run', (f) => value(f, 'drift_exporter_last_success_timestamp_seconds', 'shop')! > lastSuccess);
    assert.deepEqual(drift(recovered), drift(good), 'the same data gives the same values');
  });
});
