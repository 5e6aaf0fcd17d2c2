// `drift-exporter serve` end to end: a real process on a loopback port, real
// Parquet read by real DuckDB, /metrics parsed by a strict exposition parser,
// and every value checked against `report --format json` on the same config.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { get as httpGet, type IncomingHttpHeaders } from 'node:http';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { TEST_METRICS } from '../../src/exporter/metrics.js';
import type { Report } from '../../src/report/index.js';
import { cli } from '../helpers/spawn.js';
import { tempDir } from '../helpers/fixtures.js';
import { samplesByKey, seriesKey, type Family } from '../helpers/prom-text.js';
import { fixtureModel, writeConfig, writeFixture } from '../helpers/fixtures.js';
import { NOT_JSON, scrape, startServe, waitFor, type Served } from '../helpers/spawn.js';

const VERSION = JSON.parse(readFileSync('package.json', 'utf8')).version as string;
// A model name with HTML and label-escaping hazards in it.
const SHOP = 'shop <b>&"x"';
const EMPTY = 'empty';


/** What /metrics should hold for a report, written from the metric contract, independently of the exporter's code. */
function expectedDrift(report: Report): Map<string, number> {
  const out = new Map<string, number>();
  const put = (name: string, labels: Record<string, string>, v: unknown) => {
    if (typeof v === 'number') out.set(seriesKey(name, labels), v);
  };
  for (const m of report.models) {
    const model = { model_name: m.model };
    put('ml_drift_window_rows', model, m.window.rows);
    put('ml_drift_baseline_rows', model, m.baseline.rows);
    put('ml_drift_baseline_info', { ...model, baseline_sha256: m.baseline.sha256 }, 1);
    put('ml_drift_feature_errors', model, m.feature_errors);
    put('ml_drift_window_end_timestamp_seconds', model, Date.parse(m.window.end ?? m.as_of) / 1000);
    if (m.window.newest_event !== null) put('ml_drift_window_newest_event_timestamp_seconds', model, Date.parse(m.window.newest_event) / 1000);
    for (const f of m.features) {
      const { primary, significance } = f.decision;
      for (const t of significance ? [primary, significance] : [primary]) put('ml_drift_threshold', { ...model, feature_name: f.feature, test: t.test }, t.threshold);
      put('ml_drift_feature_info', { ...model, feature_name: f.feature, type: f.type, role: f.role, primary_test: primary.test, significance_test: significance?.test ?? '', critical: String(f.critical) }, 1);
    }
    if (m.window.rows === 0) continue;
    for (const f of m.features) {
      const labels = { ...model, feature_name: f.feature };
      put('ml_feature_missing_ratio', labels, f.missing_ratio);
      put('ml_feature_baseline_missing_ratio', labels, f.baseline_missing_ratio);
      if (f.score === null) continue;
      put('ml_data_drift_score', labels, f.score);
      put('ml_data_drift_detected', labels, f.drift ? 1 : 0);
      for (const t of TEST_METRICS) put(t.def.name, labels, f.tests[t.test]?.[t.field]);
      put(f.type === 'numeric' ? 'ml_feature_out_of_range_ratio' : 'ml_feature_unseen_ratio', labels, f.type === 'numeric' ? f.out_of_range_ratio : f.unseen_ratio);
    }
    const predictions = m.features.filter((f) => f.role === 'prediction' && f.score !== null).map((f) => f.score!);
    if (predictions.length) put('ml_prediction_drift_score', model, Math.max(...predictions));
    if (m.status === 'no_data') continue;
    put('ml_model_drift_share', model, m.drift_share);
    put('ml_model_drift_detected', model, m.drift ? 1 : 0);
  }
  return out;
}

/** The scraped drift series (ml_*), by series key. */
function driftSamples(families: Map<string, Family>): Map<string, number> {
  return new Map([...samplesByKey(families)].filter(([k]) => k.startsWith('ml_')));
}

const value = (families: Map<string, Family>, name: string, labels: Record<string, string>) => samplesByKey(families).get(seriesKey(name, labels));

describe('serve, on a drifted model and a model with an empty window', () => {
  let served: Served;
  let config: string;
  const readyz: number[] = [];
  // Made at suite level so that its removal runs after the suite (node:test's `after` has the t.after shape).
  const dir = tempDir({ after });

  before(async () => {
    const files = await writeFixture(dir);
    config = writeConfig(path.join(dir, 'drift.yaml'), [fixtureModel(SHOP, files.baseline, files.window), fixtureModel(EMPTY, files.baseline, files.emptyWindow)]);
    served = await startServe(config);
    // Polled from the moment the port is open, to see /readyz before the first runs end.
    await waitFor('/readyz 200', async () => {
      const status = (await fetch(`${served.url}/readyz`)).status;
      readyz.push(status);
      return status === 200;
    }, 30_000, 10);
  });
  after(() => served?.kill());

  it('answers /readyz 503 until every model has run once, then 200', () => {
    assert.equal(readyz[0], 503);
    assert.equal(readyz.at(-1), 200);
    assert.deepEqual([...new Set(readyz)], [503, 200], 'never flips back');
  });

  it('publishes exactly the values that `report --format json` computes for the same config', async () => {
    const res = await cli(['report', '--config', config, '--format', 'json']);
    assert.equal(res.code, 3, `exit 3: the empty model has no data; ${res.stderr}`);
    const expected = expectedDrift(JSON.parse(res.stdout) as Report);
    const scraped = driftSamples(await scrape(served.url));
    assert.ok(expected.size > 40, `a fixture with many series (${expected.size})`);
    assert.deepEqual([...scraped.keys()].sort(), [...expected.keys()].sort());
    for (const [key, v] of expected) assert.equal(scraped.get(key), v, key);
  });

  it('publishes only row counts, the baseline identity and the feature-error count for an empty window', async () => {
    const families = await scrape(served.url);
    const ofEmpty = [...samplesByKey(families).keys()].filter((k) => k.startsWith('ml_') && k.includes(`model_name="${EMPTY}"`));
    assert.deepEqual([...new Set(ofEmpty.map((k) => k.slice(0, k.indexOf('{'))))].sort(), [
      'ml_drift_baseline_info',
      'ml_drift_baseline_rows',
      'ml_drift_feature_errors',
      'ml_drift_feature_info',
      'ml_drift_threshold',
      'ml_drift_window_end_timestamp_seconds',
      'ml_drift_window_rows',
    ]);
    assert.equal(value(families, 'ml_drift_window_rows', { model_name: EMPTY }), 0);
    assert.equal(value(families, 'drift_exporter_run_failures_total', { model_name: EMPTY }), 0);
  });

  it('publishes only missing ratios for a feature without a score', async () => {
    const families = await scrape(served.url);
    const ofAllNull = [...samplesByKey(families).keys()].filter((k) => k.includes('feature_name="allnull"'));
    assert.deepEqual([...new Set(ofAllNull.map((k) => k.slice(0, k.indexOf('{'))))].sort(), ['ml_drift_feature_info', 'ml_drift_threshold', 'ml_feature_baseline_missing_ratio', 'ml_feature_missing_ratio']);
    assert.equal(value(families, 'ml_feature_missing_ratio', { model_name: SHOP, feature_name: 'allnull' }), 1);
  });

  it('publishes run health: counters, timestamps, duration and build info', async () => {
    const families = await scrape(served.url);
    for (const model_name of [SHOP, EMPTY]) {
      const l = { model_name };
      assert.equal(value(families, 'drift_exporter_runs_total', l), 1);
      assert.equal(value(families, 'drift_exporter_run_failures_total', l), 0);
      assert.equal(value(families, 'drift_exporter_skipped_runs_total', l), 0);
      const last = value(families, 'drift_exporter_last_run_timestamp_seconds', l)!;
      assert.ok(Math.abs(last - Date.now() / 1000) < 120, `last run ${last}`);
      assert.equal(value(families, 'drift_exporter_last_success_timestamp_seconds', l), last);
      assert.ok(value(families, 'drift_exporter_run_duration_seconds', l)! > 0);
    }
    assert.equal(value(families, 'drift_exporter_build_info', { version: VERSION, nodejs_version: process.version }), 1);
    assert.equal(families.get('drift_exporter_runs_total')?.type, 'counter');
    assert.equal(families.get('ml_data_drift_score')?.type, 'gauge');
    assert.ok(families.get('ml_data_drift_score')?.help?.includes('Drift score'));
    // The exporter's own process metrics, on its own registry; nothing else of prom-client's defaults.
    assert.equal(families.get('process_cpu_seconds_total')?.type, 'counter');
    assert.equal([...families.keys()].some((n) => n.startsWith('nodejs_')), false, 'no nodejs_* defaults');
  });

  it('serves the last results on /api/report in the shape of `report --format json`', async () => {
    const res = await fetch(`${served.url}/api/report`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    const body = (await res.json()) as Report;
    const cliReport = JSON.parse((await cli(['report', '--config', config, '--format', 'json'])).stdout) as Report;
    assert.ok(!Number.isNaN(Date.parse(body.generated_at)));
    assert.deepEqual(body.models, cliReport.models);
  });

  it('serves a landing page naming the exporter, its version and each model, with everything escaped', async () => {
    const res = await fetch(`${served.url}/`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
    const html = await res.text();
    assert.ok(html.includes('drift-exporter') && html.includes(VERSION));
    assert.ok(html.includes('shop &lt;b&gt;&amp;&quot;x&quot;'), 'model name escaped');
    assert.ok(!html.includes('<b>'), 'nothing unescaped');
    assert.ok(html.includes(`<td><a href="report/${EMPTY}">${EMPTY}</a></td>`), 'each model links to its report');
    assert.ok(html.includes(`href="report/${encodeURIComponent(SHOP).replaceAll('&', '&amp;')}"`), 'a model name is percent-encoded in its link');
    assert.match(html, /<td>ok<\/td>/);
    for (const link of ['report', 'metrics', 'api/report', 'healthz', 'readyz']) assert.ok(html.includes(`href="${link}"`), link);
  });

  it('answers /healthz, 404 elsewhere, 405 to other methods, HEAD like GET, never with x-powered-by', async () => {
    const cases: [string, string, number][] = [
      ['GET', '/healthz', 200],
      ['HEAD', '/metrics', 200],
      ['HEAD', '/', 200],
      ['GET', '/nope', 404],
      ['GET', '/metrics/extra', 404],
      ['POST', '/metrics', 405],
      ['PUT', '/', 405],
      ['DELETE', '/api/report', 405],
      ['POST', '/readyz', 405],
    ];
    for (const [method, route, status] of cases) {
      const res = await fetch(`${served.url}${route}`, { method });
      const body = await res.text();
      assert.equal(res.status, status, `${method} ${route}`);
      assert.equal(res.headers.get('x-powered-by'), null, `${method} ${route}`);
      if (method === 'HEAD') assert.equal(body, '');
      if (status === 405) assert.equal(res.headers.get('allow'), 'GET, HEAD');
    }
  });

  it('gzips /metrics exactly when the scraper prefers gzip to identity', async () => {
    const get = (encoding: string | undefined) =>
      new Promise<{ headers: IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
        const req = httpGet(`${served.url}/metrics`, { headers: encoding === undefined ? {} : { 'accept-encoding': encoding } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
        });
        req.on('error', reject);
      });
    const plain = (await get(undefined)).body.toString('utf8');
    assert.ok(plain.includes('ml_data_drift_score{'), 'a full exposition');
    const cases: [string | undefined, boolean][] = [
      [undefined, false],
      ['gzip', true],
      ['deflate, gzip;q=1.0, *;q=0.5', true],
      ['*', true],
      ['gzip;q=0', false],
      ['identity;q=1, gzip;q=0.5', false],
      ['br', false],
    ];
    for (const [encoding, gzipped] of cases) {
      const { headers, body } = await get(encoding);
      assert.equal(headers['content-encoding'], gzipped ? 'gzip' : undefined, `Accept-Encoding: ${encoding}`);
      assert.match(String(headers.vary), /Accept-Encoding/i);
      assert.equal(Number(headers['content-length']), body.length);
      // The process_* values move between two scrapes; the rest is the same text.
      const steady = (text: string) => text.replace(/^process_\S+ .*$/gm, 'process_<masked>');
      assert.equal(steady((gzipped ? gunzipSync(body) : body).toString('utf8')), steady(plain), `Accept-Encoding: ${encoding}`);
    }
  });

  it('runs the engine under SCHED_IDLE and niced, so that runs yield the CPU to scrapes', { skip: process.platform !== 'linux' && 'SCHED_IDLE is Linux only' }, () => {
    if (!existsSync('/usr/bin/chrt') && !existsSync('/bin/chrt')) {
      // CI installs util-linux with the OS; without chrt the engine is only niced, which a developer box may lack.
      assert.ok(!process.env.CI, 'chrt (util-linux) is required in CI');
      return;
    }
    // /proc/<pid>/stat: the fields after the command name; nice is field 19, policy field 41 (SCHED_IDLE = 5).
    const stat = (file: string) => {
      const text = readFileSync(file, 'utf8');
      return text.slice(text.lastIndexOf(')') + 2).split(' ');
    };
    const children = readFileSync(`/proc/${served.child.pid}/task/${served.child.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    assert.equal(children.length, 2, 'one engine process per model');
    for (const pid of children) {
      const threads = readdirSync(`/proc/${pid}/task`).map(Number);
      for (const tid of threads) assert.equal(stat(`/proc/${pid}/task/${tid}/stat`)[41 - 3], '5', `engine ${pid} thread ${tid}: scheduling policy`);
      assert.equal(stat(`/proc/${pid}/stat`)[19 - 3], '10', `engine ${pid}: nice`);
    }
    assert.equal(stat(`/proc/${served.child.pid}/stat`)[41 - 3], '0', 'the exporter itself keeps the normal policy');
  });

  it('logs JSON lines only: start-up with the address, a start and an end line per run, nothing per scrape', () => {
    assert.equal(served.logs.filter((l) => l.msg === NOT_JSON).length, 0);
    const startup = served.logs.find((l) => l.msg === 'drift-exporter listening')!;
    assert.equal(startup.listen, served.url.replace('http://', ''));
    for (const model of [SHOP, EMPTY]) {
      assert.equal(served.logs.filter((l) => l.model === model && l.msg === 'run started').length, 1);
      const end = served.logs.find((l) => l.model === model && l.msg === 'run finished')!;
      assert.ok(typeof end.duration_ms === 'number' && typeof end.window_rows === 'number' && typeof end.baseline_rows === 'number');
      assert.ok(Array.isArray(end.drifted));
    }
    assert.ok((served.logs.find((l) => l.model === SHOP && l.msg === 'run finished')!.drifted as string[]).includes('x'));
    assert.equal(served.logs.length, 5, JSON.stringify(served.logs));
  });
});

describe('serve, on signals', () => {
  it('on SIGHUP refuses an invalid config and applies a valid one; on SIGTERM exits 0', async (t) => {
    const dir = tempDir(t);
    const files = await writeFixture(dir);
    const shop = (features: string[]) => fixtureModel('shop', files.baseline, files.window, { features });
    const config = writeConfig(path.join(dir, 'drift.yaml'), [shop(['x', 'y', 'cat']), fixtureModel(EMPTY, files.baseline, files.emptyWindow)]);
    const served = await startServe(config);
    t.after(() => served.kill());
    await waitFor('/readyz 200', async () => (await fetch(`${served.url}/readyz`)).status === 200, 30_000);
    const before = samplesByKey(await scrape(served.url));
    assert.ok(before.has(seriesKey('ml_data_drift_score', { model_name: 'shop', feature_name: 'y' })));

    writeFileSync(config, 'models: [ { name: broken\n');
    let from = served.logs.length;
    served.child.kill('SIGHUP');
    const refused = await served.waitForLog((l) => l.msg === 'config reload refused; the running config stays', 10_000, from);
    assert.match(String(refused.error), /drift\.yaml/);
    assert.equal((await fetch(`${served.url}/healthz`)).status, 200);
    assert.deepEqual([...samplesByKey(await scrape(served.url)).keys()], [...before.keys()], 'same series after a refused reload');

    writeConfig(config, [shop(['x', 'cat'])]);
    from = served.logs.length;
    served.child.kill('SIGHUP');
    const reloaded = await served.waitForLog((l) => l.msg === 'config reloaded', 10_000, from);
    assert.deepEqual([reloaded.removed, reloaded.changed], [[EMPTY], ['shop']]);
    const keys = () => scrape(served.url).then((f) => [...samplesByKey(f).keys()]);
    assert.deepEqual((await keys()).filter((k) => k.includes(`model_name="${EMPTY}"`)), [], 'a removed model loses every series at once');
    await served.waitForLog((l) => l.model === 'shop' && l.msg === 'run finished', 20_000, from);
    const after = await keys();
    assert.deepEqual(after.filter((k) => k.includes('feature_name="y"')), [], 'a removed feature loses its series at the next run');
    assert.ok(after.includes(seriesKey('ml_data_drift_score', { model_name: 'shop', feature_name: 'x' })));

    served.child.kill('SIGTERM');
    const exit = await served.exitWithin(15_000);
    assert.deepEqual(exit, { code: 0, signal: null });
    assert.ok(served.logs.some((l) => l.msg === 'stopped'));
  });

  it('exits 2 with a clear message when the port is in use', async (t) => {
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    t.after(() => new Promise<void>((r) => blocker.close(() => r())));
    const port = (blocker.address() as { port: number }).port;
    const dir = tempDir(t);
    const files = await writeFixture(dir, { baselineRows: 100, windowRows: 100 });
    const config = writeConfig(path.join(dir, 'drift.yaml'), [fixtureModel('shop', files.baseline, files.window)]);
    const served = await startServe(config, { listen: `127.0.0.1:${port}`, waitListening: false });
    t.after(() => served.kill());
    const exit = await served.exitWithin(15_000);
    assert.deepEqual(exit, { code: 2, signal: null });
    assert.equal(served.stderr(), `drift-exporter: cannot listen on 127.0.0.1:${port}: address already in use (EADDRINUSE)\n`);
  });
});
