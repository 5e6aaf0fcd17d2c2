// The bounded pool of engine processes, end to end: more models than engines never run more than
// `engine.processes` at once, one model's runs never overlap, a run over its timeout costs only its own
// engine, the queue and engine series are published, and `--shard` runs and publishes only its share.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { machine, resolveConfig } from '../../src/config/index.js';
import { engineDefaults } from '../../src/config/defaults.js';
import { shardOf } from '../../src/schedule/index.js';
import { AS_OF, fixtureModel, tempDir, writeFixture, type FixtureFiles } from '../helpers/fixtures.js';
import { samplesByKey, seriesKey, type Family } from '../helpers/prom-text.js';
import { scrape, startServe, waitFor, type LogLine, type Served } from '../helpers/spawn.js';

const EVERY_SECOND = '*/1 * * * * *';
const GiB = 2 ** 30;

function writePoolConfig(file: string, models: Record<string, unknown>[], top: Record<string, unknown> = {}): string {
  writeFileSync(file, stringify({ defaults: { schedule: EVERY_SECOND, run_timeout: '60s' }, ...top, models }));
  return file;
}

const value = (f: Map<string, Family>, name: string, labels: Record<string, string> = {}) => samplesByKey(f).get(seriesKey(name, labels));

function scrapeUntil(s: Served, what: string, pred: (f: Map<string, Family>) => boolean, timeoutMs = 60_000): Promise<Map<string, Family>> {
  return waitFor(what, async () => {
    const f = await scrape(s.url);
    return pred(f) ? f : undefined;
  }, timeoutMs, 100);
}

/** The most runs in progress at once, over all models and per model, from the ordered log. */
function concurrency(logs: LogLine[]): { all: number; perModel: number } {
  let now = 0;
  let all = 0;
  let perModel = 0;
  const running = new Map<string, number>();
  for (const l of logs) {
    const model = String(l.model);
    const d = l.msg === 'run started' ? 1 : l.msg === 'run finished' || l.msg === 'run failed' ? -1 : 0;
    if (d === 0) continue;
    now += d;
    running.set(model, (running.get(model) ?? 0) + d);
    all = Math.max(all, now);
    perModel = Math.max(perModel, running.get(model)!);
  }
  return { all, perModel };
}

describe('the engine pool', () => {
  const dir = tempDir({ after });
  let small: FixtureFiles;
  let medium: FixtureFiles;
  let big: FixtureFiles;

  before(async () => {
    small = await writeFixture(path.join(dir, 'small'));
    // A run long enough (~0.3 s or more) that six of them on two engines outlast a second, whatever the machine's speed up to ~3x this one's.
    medium = await writeFixture(path.join(dir, 'medium'), { baselineRows: 50_000, windowRows: 600_000 });
    // A run takes more than a second on a 2-core machine.
    big = await writeFixture(path.join(dir, 'big'), { baselineRows: 200_000, windowRows: 6_000_000 });
  });

  it('runs 6 models every second on 2 engines: never more than 2 runs at once, never 2 of one model, queue and engine series published', async (t) => {
    const models = Array.from({ length: 6 }, (_, i) => fixtureModel(`m${i}`, medium.baseline, medium.window));
    const config = writePoolConfig(path.join(dir, 'pool.yaml'), models, { engine: { processes: 2, duckdb_memory_limit: '256MB', duckdb_threads: 1, profile_cache_bytes: '64MB' } });
    const served = await startServe(config);
    t.after(() => served.kill());
    const f = await scrapeUntil(served, 'three runs of every model', (f) => models.every((m) => (value(f, 'drift_exporter_runs_total', { model_name: String(m.name) }) ?? 0) >= 3));
    const c = concurrency(served.logs);
    assert.ok(c.all <= 2, `${c.all} runs at once with 2 engines`);
    assert.equal(c.all, 2, 'both engines used');
    assert.equal(c.perModel, 1, "one model's runs never overlap");
    // More models than engines, each ticking every second: some ticks find the model queued or running.
    const skipped = models.reduce((sum, m) => sum + (value(f, 'drift_exporter_skipped_runs_total', { model_name: String(m.name) }) ?? 0), 0);
    assert.ok(skipped > 0, 'ticks while queued or running are skipped and counted');
    for (const m of models) {
      assert.equal(value(f, 'drift_exporter_run_failures_total', { model_name: String(m.name) }), 0);
      assert.ok(value(f, 'drift_exporter_run_queue_wait_seconds', { model_name: String(m.name) })! >= 0);
    }
    assert.ok(value(f, 'drift_exporter_run_queue_depth')! >= 0);
    assert.equal(value(f, 'drift_exporter_engine_processes'), 2);
    const engines = [...samplesByKey(f).keys()].filter((k) => k.startsWith('drift_exporter_engine_resident_memory_bytes'));
    assert.ok(engines.length >= 1 && engines.length <= 2, `RSS of at most 2 engines: ${engines.join(', ')}`);
    for (const e of ['0', '1']) {
      const rss = value(f, 'drift_exporter_engine_resident_memory_bytes', { engine: e });
      if (rss !== undefined) assert.ok(rss > 20e6 && rss < 4e9, `engine ${e} RSS ${rss}`);
    }
    // Six baselines of one file: the engines reuse the profile they cached.
    assert.ok(value(f, 'drift_exporter_profile_cache_hits_total')! > 0);
    assert.ok(value(f, 'drift_exporter_profile_cache_misses_total')! >= 1);
    assert.equal(value(f, 'drift_exporter_config_last_reload_successful'), 1);
    assert.ok(Math.abs(value(f, 'drift_exporter_config_last_reload_success_timestamp_seconds')! - Date.now() / 1000) < 120);
    assert.equal(f.get('process_cpu_seconds_total')?.type, 'counter');
    // A refused reload shows in the reload series; the models keep running.
    writeFileSync(config, 'models: [ { name: broken\n');
    served.child.kill('SIGHUP');
    await scrapeUntil(served, 'the refused reload', (f) => value(f, 'drift_exporter_config_last_reload_successful') === 0, 10_000);
  });

  it('models on one schedule share its ticks: a reload that removes one and moves another keeps every remaining model ticking', async (t) => {
    const models = ['a', 'b', 'c'].map((n) => fixtureModel(n, small.baseline, small.window));
    const config = writePoolConfig(path.join(dir, 'shared.yaml'), models, { engine: { processes: 2 } });
    const served = await startServe(config);
    t.after(() => served.kill());
    const runs = (f: Map<string, Family>, m: string) => value(f, 'drift_exporter_runs_total', { model_name: m }) ?? 0;
    await scrapeUntil(served, 'two runs of every model', (f) => ['a', 'b', 'c'].every((m) => runs(f, m) >= 2));
    // a leaves, b stays on the shared schedule, c moves to a schedule of its own.
    writePoolConfig(config, [models[1], { ...models[2], schedule: '*/2 * * * * *' }], { engine: { processes: 2 } });
    served.child.kill('SIGHUP');
    const reloaded = await scrapeUntil(served, 'the reload', (f) => value(f, 'drift_exporter_runs_total', { model_name: 'a' }) === undefined, 10_000);
    const before = { b: runs(reloaded, 'b'), c: runs(reloaded, 'c') };
    const f = await scrapeUntil(served, 'b and c still ticking', (f) => runs(f, 'b') >= before.b + 3 && runs(f, 'c') >= before.c + 2, 30_000);
    assert.equal(value(f, 'drift_exporter_runs_total', { model_name: 'a' }), undefined, 'the removed model is gone');
    assert.equal(value(f, 'drift_exporter_run_failures_total', { model_name: 'b' }), 0);
  });

  it('kills only the engine of a run over its timeout: the other models, queued or running, complete', async (t) => {
    const models = [
      fixtureModel('slow', big.baseline, big.window, { run_timeout: '400ms', schedule: '*/2 * * * * *' }),
      ...Array.from({ length: 4 }, (_, i) => fixtureModel(`fast${i}`, small.baseline, small.window)),
    ];
    const config = writePoolConfig(path.join(dir, 'timeout.yaml'), models, { engine: { processes: 2 } });
    const served = await startServe(config);
    t.after(() => served.kill());
    const f = await scrapeUntil(
      served,
      'two timeouts of the slow model and three runs of each fast one',
      (f) => (value(f, 'drift_exporter_run_failures_total', { model_name: 'slow' }) ?? 0) >= 2 && [0, 1, 2, 3].every((i) => (value(f, 'drift_exporter_last_run_success', { model_name: `fast${i}` }) ?? 0) === 1 && (value(f, 'drift_exporter_runs_total', { model_name: `fast${i}` }) ?? 0) >= 3),
    );
    for (let i = 0; i < 4; i++) assert.equal(value(f, 'drift_exporter_run_failures_total', { model_name: `fast${i}` }), 0, `fast${i} never failed`);
    const timeouts = served.logs.filter((l) => l.model === 'slow' && l.msg === 'run failed');
    assert.ok(timeouts.every((l) => l.error_type === 'RunTimeoutError' && Number(l.duration_ms) < 400 + 1500), 'timed out from its start, not its queueing');
    // The surviving engine kept its cache: the fast models hit it.
    assert.ok(value(f, 'drift_exporter_profile_cache_hits_total')! > 0);
    assert.ok(concurrency(served.logs).all <= 2);
  });

  it('--shard 1/3 runs and publishes only the models that hash to shard 1, and its shard identity; the flag wins over the config', async (t) => {
    const names = Array.from({ length: 9 }, (_, i) => `model-${i}`);
    const mine = names.filter((n) => shardOf(n, 3) === 1);
    assert.ok(mine.length > 0 && mine.length < names.length, 'the fixture needs models in and out of shard 1');
    const config = writePoolConfig(
      path.join(dir, 'shard.yaml'),
      names.map((n) => fixtureModel(n, small.baseline, small.window, { schedule: '0 0 1 1 *' })),
      { shard: { index: 0, count: 3 } },
    );
    const served = await startServe(config, { args: ['--shard', '1/3'] });
    t.after(() => served.kill());
    const f = await scrapeUntil(served, 'a run of each of its models', (f) => mine.every((n) => value(f, 'drift_exporter_last_run_success', { model_name: n }) === 1));
    const published = new Set((f.get('drift_exporter_runs_total')?.samples ?? []).map((s) => s.labels.model_name));
    assert.deepEqual([...published].sort(), [...mine].sort());
    const scored = new Set((f.get('ml_drift_window_rows')?.samples ?? []).map((s) => s.labels.model_name));
    assert.deepEqual([...scored].sort(), [...mine].sort());
    assert.equal(value(f, 'drift_exporter_shard_info', { index: '1', count: '3' }), 1);
    assert.equal(f.get('drift_exporter_shard_info')?.samples.length, 1);
    assert.equal(value(f, 'drift_exporter_shard_models'), mine.length);
    assert.equal(served.logs.filter((l) => l.msg === 'run started').length, mine.length, 'only its models ran');
  });

  it('refuses a malformed --shard, naming the flag', async () => {
    const config = writePoolConfig(path.join(dir, 'bad-shard.yaml'), [fixtureModel('m', small.baseline, small.window)]);
    const served = await startServe(config, { args: ['--shard', '3/3'], waitListening: false });
    const exit = await served.exitWithin(20_000);
    assert.notEqual(exit, 'timeout');
    assert.match(served.stderr(), /--shard: expected INDEX\/COUNT/);
  });
});

describe('engine settings', () => {
  const cases: [string, { cores: number; memoryBytes: number }, number | undefined, { processes: number; threads: number; duckGiB: number }][] = [
    ['2 cores, 24 GiB', { cores: 2, memoryBytes: 24 * GiB }, undefined, { processes: 2, threads: 1, duckGiB: 3 }],
    ['8 cores, 4 GiB (a container limit)', { cores: 8, memoryBytes: 4 * GiB }, undefined, { processes: 4, threads: 2, duckGiB: 0.25 }],
    ['1 core, 512 MiB', { cores: 1, memoryBytes: 0.5 * GiB }, undefined, { processes: 1, threads: 1, duckGiB: 0.125 }],
    ['16 cores, 64 GiB, processes 4', { cores: 16, memoryBytes: 64 * GiB }, 4, { processes: 4, threads: 4, duckGiB: 4 }],
  ];
  for (const [what, m, processes, want] of cases) {
    it(`default from the machine: ${what}`, () => {
      const d = engineDefaults(m, processes);
      assert.deepEqual({ processes: d.processes, threads: d.duckdb_threads, duckGiB: d.duckdb_memory_limit / GiB }, want);
      assert.ok(d.profile_cache_bytes <= 256 * 2 ** 20 && d.profile_cache_bytes > 0);
      // The DuckDB limits and caches of all engines stay within the memory.
      assert.ok(d.processes * (d.duckdb_memory_limit + d.profile_cache_bytes) <= m.memoryBytes);
    });
  }

  it('reads sizes with units and refuses bad ones, naming the key', () => {
    const base = { models: [{ name: 'a', baseline: 'b', window: 'w' }] };
    const e = resolveConfig({ ...base, engine: { processes: 3, duckdb_memory_limit: '1.5GiB', profile_cache_bytes: '100MB' } }, 'c', '/').engine;
    assert.deepEqual(e, { processes: 3, duckdbMemoryLimitBytes: 1.5 * GiB, duckdbThreads: Math.max(1, Math.floor(machine().cores / 3)), profileCacheBytes: 100e6 });
    assert.throws(() => resolveConfig({ ...base, engine: { duckdb_memory_limit: '12 parsecs' } }, 'c', '/'), /engine\.duckdb_memory_limit: expected a size/);
    assert.throws(() => resolveConfig({ ...base, engine: { processes: 0 } }, 'c', '/'), /engine\.processes/);
    assert.throws(() => resolveConfig({ ...base, shard: { index: 3, count: 3 } }, 'c', '/'), /shard\.index: index must be below count/);
    assert.equal(AS_OF, '2026-03-02T00:00:00Z');
  });
});
