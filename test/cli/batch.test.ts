// Batch mode: `report --push-gateway` against a real Pushgateway (Debian's
// prometheus-pushgateway on a loopback port; skipped with a reason where it
// is missing, except on CI) and `report --textfile`. What either publishes for
// a model is compared with what the daemon's own metric set renders for the
// same report. Every process started here is stopped, every wait bounded.
import { after, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import path from 'node:path';
import bcrypt from 'bcryptjs';
import { DriftMetrics } from '../../src/exporter/index.js';
import type { ModelReport } from '../../src/report/index.js';
import { fixtureModel, tempDir, writeConfig, writeFixture } from '../helpers/fixtures.js';
import { parseExposition, seriesKey, type Family } from '../helpers/prom-text.js';
import { cli, waitFor, WITHOUT_ROOT_READ_OVERRIDE } from '../helpers/spawn.js';
import { freePort } from '../helpers/spawn.js';

/** Schedule facts of every config below: */
const SCHEDULE = { schedule: '*/10 * * * *', run_timeout: '60s' };
const INTERVAL_S = 600;
const TIMEOUT_S = 60;
const MAX_LOG_LAG_S = 3600;

/** What only a long-lived daemon publishes: counters across runs, when the model was loaded, its build. */
const DAEMON_ONLY = new Set(['drift_exporter_runs_total', 'drift_exporter_run_failures_total', 'drift_exporter_skipped_runs_total', 'drift_exporter_model_loaded_timestamp_seconds', 'drift_exporter_build_info']);
/** Added by the Pushgateway to every group. */
const GATEWAY_OWN = new Set(['push_time_seconds', 'push_failure_time_seconds']);
const TIMING = ['drift_exporter_last_run_timestamp_seconds', 'drift_exporter_last_success_timestamp_seconds', 'drift_exporter_run_duration_seconds'];

const PUSHGATEWAY = ['/usr/bin/prometheus-pushgateway', ...(process.env.PATH ?? '').split(':').map((d) => path.join(d, 'prometheus-pushgateway'))].find((f) => existsSync(f));


const children: ChildProcess[] = [];
after(() => {
  for (const c of children) c.kill('SIGKILL');
});

/** Whether the Pushgateway is installed; skips the test otherwise (fails on CI). */
function needPushgateway(t: TestContext): boolean {
  if (PUSHGATEWAY) return true;
  const why = 'prometheus-pushgateway not installed: apt-get install prometheus-pushgateway';
  if (process.env.CI === 'true') assert.fail(`${why} (CI=true: .ci/run installs it)`);
  console.log(`# skipped: ${why}`);
  t.skip(why);
  return false;
}

/** Starts a Pushgateway on a free loopback port and resolves with its URL once it is ready. */
async function startPushgateway(args: string[] = []): Promise<string> {
  const port = await freePort();
  // No --persistence.file: the groups live in memory only and go with the process.
  const child = spawn(PUSHGATEWAY!, [`--web.listen-address=127.0.0.1:${port}`, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`the pushgateway on ${url}`, async () => {
    if (child.exitCode !== null) throw new Error(`prometheus-pushgateway exited ${child.exitCode}: ${stderr}`);
    try {
      return (await fetch(`${url}/-/ready`)).status !== 0;
    } catch {
      return false;
    }
  }, 15_000);
  return url;
}

let shared: Promise<string> | null = null;

/** The URL of one Pushgateway shared by this file's tests (each uses a job of its own); null after skipping. */
async function pushgateway(t: TestContext): Promise<string | null> {
  if (!needPushgateway(t)) return null;
  shared ??= startPushgateway();
  return shared;
}

/** Series by key, without the labels `drop`, from the samples `keep` selects. */
function series(families: Map<string, Family>, keep: (name: string, labels: Record<string, string>) => boolean, drop: string[] = []): Map<string, number> {
  const out = new Map<string, number>();
  for (const f of families.values()) {
    for (const s of f.samples) {
      if (!keep(s.name, s.labels)) continue;
      const labels = Object.fromEntries(Object.entries(s.labels).filter(([k]) => !drop.includes(k)));
      out.set(seriesKey(s.name, labels), s.value);
    }
  }
  return out;
}

/** The Pushgateway's series of one group (job and model), without its own push times. */
async function group(url: string, job: string, model: string): Promise<Map<string, number>> {
  const res = await fetch(`${url}/metrics`);
  assert.equal(res.status, 200);
  const families = parseExposition(await res.text());
  const g = series(families, (name, l) => l.job === job && l.model_name === model && !GATEWAY_OWN.has(name), ['job', 'instance']);
  return g;
}

/** One value of a series map. */
function value(m: Map<string, number>, name: string, labels: Record<string, string>): number | undefined {
  return m.get(seriesKey(name, labels));
}

/**
 * What `serve` publishes for this report, through the daemon's DriftMetrics:
 * its schedule, the report, and the run's outcome (timings taken from what
 * was published, checked for plausibility apart).
 */
async function daemonSeries(report: ModelReport | null, model: string, published: Map<string, number>, ok = true): Promise<Map<string, number>> {
  const metrics = new DriftMetrics({ version: 'test', nodejsVersion: process.version });
  metrics.setSchedule(model, { intervalS: INTERVAL_S, timeoutS: TIMEOUT_S, maxLogLagS: MAX_LOG_LAG_S });
  if (report) metrics.publish(report);
  const labels = { model_name: model };
  const endedS = value(published, TIMING[0], labels)!;
  metrics.runEnded(model, { ok, durationS: value(published, TIMING[2], labels)!, endedAt: new Date(endedS * 1000) });
  const families = parseExposition(Buffer.concat((await metrics.render()).parts).toString('utf8'));
  return series(families, (name, l) => l.model_name === model && !DAEMON_ONLY.has(name));
}

/** The run's timings are those of this run: ended between `t0` and `t1`, lasting no longer. */
function assertTimings(m: Map<string, number>, model: string, t0: number, t1: number, ok = true): void {
  const labels = { model_name: model };
  const ended = value(m, TIMING[0], labels)!;
  assert.ok(ended * 1000 >= t0 - 1 && ended * 1000 <= t1 + 1, `last run ${ended} not within the run ${t0 / 1000}..${t1 / 1000}`);
  const duration = value(m, TIMING[2], labels)!;
  assert.ok(duration > 0 && duration * 1000 <= t1 - t0, `duration ${duration}`);
  if (ok) assert.equal(value(m, TIMING[1], labels), ended);
  assert.equal(value(m, 'drift_exporter_last_run_success', labels), ok ? 1 : 0);
}

/** Runs `report --format json` with `args`, returning the exit, the printed models and the run's wall-clock bounds. */
async function report(args: string[], opts: { prefix?: readonly string[] } = {}) {
  const t0 = Date.now();
  const r = await cli(['report', '--format', 'json', ...args], { prefix: opts.prefix, timeoutMs: 120_000 });
  const t1 = Date.now();
  let models: ModelReport[] = [];
  try {
    models = (JSON.parse(r.stdout) as { models: ModelReport[] }).models;
  } catch {
    // asserted by the caller through the exit code and stderr
  }
  return { ...r, models, t0, t1 };
}

// Names that need each of the Pushgateway's path rules: a '/', non-ASCII, a space and a literal '%41', and a dot segment.
const MODELS = ['credit/risk é✓', 'with space %41', '..'];

test('--push-gateway pushes each model, grouped by job and model, with the series serve publishes', { timeout: 180_000 }, async (t) => {
  const url = await pushgateway(t);
  if (!url) return;
  const dir = tempDir(t);
  const files = await writeFixture(dir, { baselineRows: 3000, windowRows: 1000 });
  const config = writeConfig(path.join(dir, 'drift.yaml'), MODELS.map((m) => fixtureModel(m, files.baseline, files.window)), SCHEDULE);
  const job = 'nightly/drift ✓';
  const r = await report(['--config', config, '--push-gateway', url, '--push-job', job]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.models.map((m) => m.model), MODELS);
  for (const m of r.models) {
    const pushed = await group(url, job, m.model);
    assert.ok(value(pushed, 'ml_data_drift_score', { model_name: m.model, feature_name: 'x' }) !== undefined, `no drift series pushed for ${m.model}: ${[...pushed.keys()].join('\n')}`);
    assert.deepEqual(pushed, await daemonSeries(m, m.model, pushed));
    assertTimings(pushed, m.model, r.t0, r.t1);
  }
});

test('a second push replaces the group: the series of a removed feature vanish', { timeout: 180_000 }, async (t) => {
  const url = await pushgateway(t);
  if (!url) return;
  const dir = tempDir(t);
  const files = await writeFixture(dir, { baselineRows: 3000, windowRows: 1000 });
  const file = path.join(dir, 'drift.yaml');
  const job = 'replace';
  writeConfig(file, [fixtureModel('m', files.baseline, files.window, { features: ['x', 'y', 'cat'] })], SCHEDULE);
  const first = await report(['--config', file, '--push-gateway', url, '--push-job', job]);
  assert.equal(first.code, 0, first.stderr);
  assert.ok(value(await group(url, job, 'm'), 'ml_feature_missing_ratio', { model_name: 'm', feature_name: 'y' }) !== undefined);

  writeConfig(file, [fixtureModel('m', files.baseline, files.window, { features: ['x', 'cat'] })], SCHEDULE);
  const second = await report(['--config', file, '--push-gateway', url, '--push-job', job]);
  assert.equal(second.code, 0, second.stderr);
  const pushed = await group(url, job, 'm');
  assert.deepEqual([...pushed.keys()].filter((k) => k.includes('feature_name="y"')), []);
  assert.deepEqual(pushed, await daemonSeries(second.models[0], 'm', pushed));
});

test('a failed run pushes its failure and keeps the last good drift values; the other models still push', { timeout: 180_000 }, async (t) => {
  const url = await pushgateway(t);
  if (!url) return;
  const dir = tempDir(t);
  const files = await writeFixture(dir, { baselineRows: 3000, windowRows: 1000 });
  const file = path.join(dir, 'drift.yaml');
  const job = 'failing';
  const models = (window: string) => [fixtureModel('flaky', files.baseline, window), fixtureModel('steady', files.baseline, files.window)];
  writeConfig(file, models(files.window), SCHEDULE);
  const good = await report(['--config', file, '--push-gateway', url, '--push-job', job]);
  assert.equal(good.code, 0, good.stderr);
  const before = await group(url, job, 'flaky');

  const missing = path.join(dir, 'gone', 'window.parquet');
  writeConfig(file, models(missing), SCHEDULE);
  const bad = await report(['--config', file, '--push-gateway', url, '--push-job', job]);
  assert.equal(bad.code, 2, bad.stderr);
  assert.match(bad.stderr, /model flaky: run failed: .*gone/);
  assert.deepEqual(bad.models.map((m) => m.model), ['steady'], 'the report prints the models that ran');

  const after = await group(url, job, 'flaky');
  const labels = { model_name: 'flaky' };
  assert.equal(value(after, 'drift_exporter_last_run_success', labels), 0);
  assert.ok(value(after, TIMING[0], labels)! > value(before, TIMING[0], labels)!, 'the failed run is recorded as the last run');
  assert.equal(value(after, TIMING[1], labels), value(before, TIMING[1], labels), 'the last success stays that of the good run');
  const health = new Set(['drift_exporter_last_run_success', TIMING[0], TIMING[2]]);
  const drift = (m: Map<string, number>) => new Map([...m].filter(([k]) => !health.has(k.slice(0, k.indexOf('{')))));
  assert.ok(drift(before).size > 10);
  assert.deepEqual(drift(after), drift(before), 'the last good drift values stay');
  assertTimings(after, 'flaky', bad.t0, bad.t1, false);

  const steady = await group(url, job, 'steady');
  assertTimings(steady, 'steady', bad.t0, bad.t1);
});

test('a push refused by the gateway exits 2 after the report, naming the URL and status but not the credentials', { timeout: 180_000 }, async (t) => {
  const url = await pushgateway(t);
  if (!url) return;
  const dir = tempDir(t);
  const files = await writeFixture(dir, { baselineRows: 2000, windowRows: 500 });
  const config = writeConfig(path.join(dir, 'drift.yaml'), [fixtureModel('m', files.baseline, files.window)], SCHEDULE);
  const withAuth = url.replace('http://', 'http://ops:s3cr%20t@');
  const r = await report(['--config', config, '--push-gateway', `${withAuth}/nowhere`]);
  assert.equal(r.code, 2, r.stderr);
  assert.deepEqual(r.models.map((m) => m.model), ['m'], 'the report is printed first');
  assert.match(r.stderr, new RegExp(`push of model m failed: PUT ${url}/nowhere/metrics/job/drift-exporter/model_name/m: HTTP 404`));
  assert.doesNotMatch(r.stderr, /s3cr|ops/);
});

test('basic auth from the URL reaches a Pushgateway that requires it; a wrong password is refused with 401, never shown', { timeout: 180_000 }, async (t) => {
  if (!needPushgateway(t)) return;
  const dir = tempDir(t);
  const web = path.join(dir, 'web.yml');
  writeFileSync(web, `basic_auth_users:\n  pusher: ${bcrypt.hashSync('p@ss:wörd', 4)}\n`);
  const url = await startPushgateway([`--web.config.file=${web}`]);
  assert.equal((await fetch(`${url}/metrics`)).status, 401, 'the gateway requires auth');
  const files = await writeFixture(dir, { baselineRows: 2000, windowRows: 500 });
  const config = writeConfig(path.join(dir, 'drift.yaml'), [fixtureModel('m', files.baseline, files.window)], SCHEDULE);
  const userinfo = `pusher:${encodeURIComponent('p@ss:wörd')}@`;
  const ok = await report(['--config', config, '--push-gateway', url.replace('http://', `http://${userinfo}`)]);
  assert.equal(ok.code, 0, ok.stderr);
  const res = await fetch(`${url}/metrics`, { headers: { authorization: `Basic ${Buffer.from('pusher:p@ss:wörd').toString('base64')}` } });
  assert.match(await res.text(), /ml_data_drift_score\{.*job="drift-exporter".*model_name="m"/);

  const wrong = await report(['--config', config, '--push-gateway', url.replace('http://', 'http://pusher:guess@')]);
  assert.equal(wrong.code, 2);
  assert.match(wrong.stderr, /PUT http:\/\/127\.0\.0\.1:\d+\/metrics\/job\/drift-exporter\/model_name\/m: HTTP 401/);
  assert.doesNotMatch(wrong.stderr, /guess|pusher/);
});

test('a gateway that never answers is given up after --push-timeout, with exit 2', { timeout: 120_000 }, async (t) => {
  const sockets: Socket[] = [];
  const silent = createServer((s) => sockets.push(s));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    for (const s of sockets) s.destroy();
    silent.close();
  });
  const port = (silent.address() as { port: number }).port;
  const dir = tempDir(t);
  const files = await writeFixture(dir, { baselineRows: 2000, windowRows: 500 });
  const config = writeConfig(path.join(dir, 'drift.yaml'), [fixtureModel('m', files.baseline, files.window)], SCHEDULE);
  const start = Date.now();
  const r = await report(['--config', config, '--push-gateway', `http://127.0.0.1:${port}`, '--push-timeout', '1s']);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, new RegExp(`PUT http://127\\.0\\.0\\.1:${port}/metrics/job/drift-exporter/model_name/m: no answer within 1000 ms`));
  assert.ok(Date.now() - start < 60_000);
});

test('bad batch flags are refused before any model runs, without echoing credentials', async () => {
  const cases: [string[], RegExp][] = [
    [['--push-gateway', 'ftp://pgw:9091'], /--push-gateway: ftp: is not supported/],
    [['--push-gateway', 'not a url'], /--push-gateway: not a URL/],
    [['--push-gateway', 'http://u:hunter2@pgw:9091/metrics/job/x'], /--push-gateway: give the Pushgateway's root, not a push path \(found http:\/\/pgw:9091\/metrics\/job\/x\)/],
    [['--push-gateway', 'http://pgw:9091', '--push-job', ''], /--push-job: the job name must not be empty/],
    [['--push-gateway', 'http://pgw:9091', '--push-timeout', '1.5s'], /--push-timeout: /],
    [['--textfile', '/tmp/drift.txt'], /--textfile: node_exporter's textfile collector reads only files named \*\.prom \(found "\/tmp\/drift.txt"\)/],
  ];
  for (const [args, message] of cases) {
    // A model that cannot run: refusing the flags first is what gives exit 2 with this message.
    const r = await cli(['report', '--baseline', '/nonexistent/b.parquet', '--window', '/nonexistent/w.parquet', ...args]);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.stderr, message);
    assert.doesNotMatch(r.stderr, /hunter2|nonexistent/);
  }
});

test('--textfile writes the same series, atomically, without timestamps, and a failed run keeps the last good values', { timeout: 180_000 }, async (t) => {
  const dir = tempDir(t);
  const files = await writeFixture(dir, { baselineRows: 3000, windowRows: 1000 });
  const file = path.join(dir, 'drift.yaml');
  const out = path.join(dir, 'collector', 'drift.prom');
  const models = (window: string) => [fixtureModel('a/b é', files.baseline, window), fixtureModel('steady', files.baseline, files.window)];
  writeConfig(file, models(files.window), SCHEDULE);
  mkdirSync(path.dirname(out));
  writeFileSync(out, '# an older file, replaced whole\n');
  const inode = statSync(out).ino;

  const good = await report(['--config', file, '--textfile', out]);
  assert.equal(good.code, 0, good.stderr);
  assert.notEqual(statSync(out).ino, inode, 'replaced by a rename, never rewritten in place');
  assert.deepEqual(readdirSync(path.dirname(out)), ['drift.prom'], 'no temporary file left');
  const text = readFileSync(out, 'utf8');
  const families = parseExposition(text);
  for (const f of families.values()) for (const s of f.samples) assert.equal(s.timestamp, undefined, 'the textfile collector refuses timestamps');
  const before = series(families, () => true);
  for (const m of good.models) {
    const mine = new Map([...before].filter(([k]) => k.includes(`model_name=${JSON.stringify(m.model)}`)));
    assert.deepEqual(mine, await daemonSeries(m, m.model, mine));
    assertTimings(mine, m.model, good.t0, good.t1);
  }
  assert.equal(before.size, [...before.keys()].filter((k) => /model_name="(a\/b é|steady)"/.test(k)).length, 'only the two models');

  writeConfig(file, models(path.join(dir, 'gone.parquet')), SCHEDULE);
  const bad = await report(['--config', file, '--textfile', out]);
  assert.equal(bad.code, 2, bad.stderr);
  const afterFail = series(parseExposition(readFileSync(out, 'utf8')), () => true);
  const labels = { model_name: 'a/b é' };
  assert.equal(value(afterFail, 'drift_exporter_last_run_success', labels), 0);
  assert.equal(value(afterFail, TIMING[1], labels), value(before, TIMING[1], labels), 'the last success stays');
  const health = new Set(['drift_exporter_last_run_success', TIMING[0], TIMING[2]]);
  const kept = (m: Map<string, number>) => new Map([...m].filter(([k]) => k.includes('model_name="a/b é"') && !health.has(k.slice(0, k.indexOf('{')))));
  assert.ok(kept(before).size > 10);
  assert.deepEqual(kept(afterFail), kept(before), 'the last good drift values stay');
  assertTimings(new Map([...afterFail].filter(([k]) => k.includes('model_name="steady"'))), 'steady', bad.t0, bad.t1);
});

test('--textfile into a directory it cannot write fails naming the file, after printing the report', { timeout: 120_000 }, async (t) => {
  const dir = tempDir(t);
  const files = await writeFixture(dir, { baselineRows: 2000, windowRows: 500 });
  const config = writeConfig(path.join(dir, 'drift.yaml'), [fixtureModel('m', files.baseline, files.window)], SCHEDULE);
  const locked = path.join(dir, 'locked');
  mkdirSync(locked);
  chmodSync(locked, 0o555);
  // An empty directory goes with tempDir's cleanup whatever its mode.
  const out = path.join(locked, 'drift.prom');
  const r = await report(['--config', config, '--textfile', out], { prefix: WITHOUT_ROOT_READ_OVERRIDE });
  assert.equal(r.code, 2, r.stderr);
  assert.deepEqual(r.models.map((m) => m.model), ['m']);
  assert.ok(r.stderr.includes(`--textfile: cannot write ${out} (through ${out}.tmp-`), r.stderr);
  assert.match(r.stderr, /permission denied/);
  assert.deepEqual(readdirSync(locked), []);
});
