// Bad input through a running `serve`: the daemon stays up, the failure
// counters rise, the last good values stay published, and odd-but-valid
// data never publishes a non-finite value.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { cli, WITHOUT_ROOT_READ_OVERRIDE } from '../helpers/spawn.js';
import { tempDir, writeParquet } from '../helpers/fixtures.js';
import { samplesByKey, type Family } from '../helpers/prom-text.js';
import { scrape, startServe, waitFor } from '../helpers/spawn.js';
import { caseConfig, CONFIG_CASES, DATA_CASES, GOOD_BASELINE } from '../helpers/bad-inputs.js';


function modelSeries(families: Map<string, Family>, model: string, prefix: string): Map<string, number> {
  return new Map([...samplesByKey(families)].filter(([k]) => k.startsWith(prefix) && k.includes(`model_name="${model}"`)));
}

function counter(families: Map<string, Family>, name: string, model: string): number {
  return families.get(name)?.samples.find((s) => s.labels.model_name === model)?.value ?? 0;
}

test('every bad-data case through a running serve', { timeout: 120_000 }, async (t) => {
  const dir = tempDir(t);
  const models = DATA_CASES.map((c, i) => ({ c, name: `case-${i}` }));
  // Start with good data for every model, so that there are good values to keep.
  const good = await writeParquet(path.join(dir, 'good.parquet'), GOOD_BASELINE);
  const configFile = path.join(dir, 'config.yaml');
  const modelEntry = (name: string, yaml: string) => ({ ...parse(yaml).models[0], name });
  writeFileSync(configFile, stringify({ defaults: { schedule: '*/2 * * * * *' }, models: models.map((m) => modelEntry(m.name, caseConfig({ baseline: good, window: good }))) }));

  // Without root's read override, so that the permission case means something.
  const served = await startServe(configFile, { prefix: WITHOUT_ROOT_READ_OVERRIDE });
  t.after(() => served.kill());
  await waitFor('a first good run of every model', async () => {
    const f = await scrape(served.url);
    return models.every((m) => (f.get('drift_exporter_last_success_timestamp_seconds')?.samples ?? []).some((s) => s.labels.model_name === m.name));
  }, 60_000, 250);
  const before = await scrape(served.url);

  // Swap every model to its bad inputs at once, by reloading the config.
  const bad = await Promise.all(
    models.map(async (m, i) => {
      const caseDir = path.join(dir, `case-${i}`);
      mkdirSync(caseDir);
      return modelEntry(m.name, caseConfig(await m.c.make(caseDir)));
    }),
  );
  writeFileSync(configFile, stringify({ defaults: { schedule: '*/2 * * * * *' }, models: bad }));
  served.child.kill('SIGHUP');
  await served.waitForLog((l) => l.msg === 'config reloaded');

  const failing = models.filter((m) => m.c.expect.code === 2);
  const passing = models.filter((m) => m.c.expect.code !== 2);
  const after = await waitFor('every bad case run at least once since the reload', async () => {
    const f = await scrape(served.url);
    const failed = failing.every((m) => counter(f, 'drift_exporter_run_failures_total', m.name) >= 1);
    const ran = passing.every((m) => counter(f, 'drift_exporter_runs_total', m.name) >= counter(before, 'drift_exporter_runs_total', m.name) + 2);
    return failed && ran ? f : undefined;
  }, 60_000, 500);

  // Runs that succeeded between the first scrape and the reload are fine; from the first failure on, nothing advances.
  const later = await waitFor('one more failed run of every failing case', async () => {
    const f = await scrape(served.url);
    return failing.every((m) => counter(f, 'drift_exporter_run_failures_total', m.name) > counter(after, 'drift_exporter_run_failures_total', m.name)) ? f : undefined;
  }, 30_000, 500);
  for (const m of failing) {
    assert.deepEqual(modelSeries(later, m.name, 'ml_'), modelSeries(before, m.name, 'ml_'), `${m.c.name}: the last good values stay`);
    assert.equal(
      counter(later, 'drift_exporter_last_success_timestamp_seconds', m.name),
      counter(after, 'drift_exporter_last_success_timestamp_seconds', m.name),
      `${m.c.name}: last success does not advance`,
    );
    assert.ok(served.logs.some((l) => l.msg === 'run failed' && l.model === m.name), `${m.c.name}: a failure is logged`);
  }
  for (const m of passing) {
    for (const [key, value] of modelSeries(after, m.name, 'ml_')) assert.ok(Number.isFinite(value), `${m.c.name}: ${key} = ${value}`);
    assert.equal(counter(after, 'drift_exporter_run_failures_total', m.name), 0, `${m.c.name}: odd data is not a failure`);
  }
  assert.equal((await fetch(`${served.url}/healthz`)).status, 200, 'still serving');
});

test('label values with quotes, backslashes, newlines and non-ASCII letters are escaped', { timeout: 60_000 }, async (t) => {
  const dir = tempDir(t);
  const names = ['q"uote', 'back\\slash', 'new\nline', 'größe', 'x"; DROP TABLE t; --'];
  const select = `SELECT ${names.map((n, i) => `(i % ${5 + i})::DOUBLE AS "${n.replaceAll('"', '""')}"`).join(', ')} FROM range(400) t(i)`;
  const data = await writeParquet(path.join(dir, 'data.parquet'), select);
  const config = path.join(dir, 'config.yaml');
  writeFileSync(config, stringify({ defaults: { schedule: '0 0 1 1 *' }, models: [{ name: 'model "quoted"', baseline: data, window: data }] }));
  const served = await startServe(config);
  t.after(() => served.kill());
  await served.waitForLog((l) => l.msg === 'run finished');
  // The strict parser unescapes; the label values must come back exactly.
  const f = await scrape(served.url);
  const published = f.get('ml_data_drift_score')!.samples.map((s) => [s.labels.model_name, s.labels.feature_name]);
  assert.deepEqual(published.map(([, feature]) => feature).sort(), [...names].sort());
  assert.ok(published.every(([model]) => model === 'model "quoted"'));
});

test('config errors stop serve at start with the file and key path', async (t) => {
  const dir = tempDir(t);
  for (const c of CONFIG_CASES) {
    const file = path.join(dir, 'bad.yaml');
    writeFileSync(file, c.yaml);
    const r = await cli(['serve', '--config', file, '--listen', '127.0.0.1:0'], { timeoutMs: 15_000 });
    assert.equal(r.code, 2, c.name);
    assert.match(r.stderr, new RegExp(`bad\\.yaml: ${c.message.source}`), c.name);
  }
});
