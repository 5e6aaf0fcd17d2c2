// Faults while running: a baseline replaced between runs, and inputs that are never written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { cli } from '../helpers/spawn.js';
import { tempDir, writeParquet } from '../helpers/fixtures.js';
import { scrape, startServe, waitFor } from '../helpers/spawn.js';
import { fixtureModel, writeConfig, writeFixture } from '../helpers/fixtures.js';

function baselineSha(families: Awaited<ReturnType<typeof scrape>>): string | undefined {
  return families.get('ml_drift_baseline_info')?.samples.find((s) => s.labels.model_name === 'm')?.labels.baseline_sha256;
}

/** Name, size, mtime and content hash of every file under dir. */
function snapshot(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => {
      const file = path.join(e.parentPath ?? (e as any).path, e.name);
      const s = statSync(file);
      return `${file} ${s.size} ${s.mtimeMs} ${createHash('sha256').update(readFileSync(file)).digest('hex')}`;
    })
    .sort();
}

test('a baseline file replaced between runs is picked up at the next run, with its new identity', { timeout: 60_000 }, async (t) => {
  const dir = tempDir(t);
  const files = await writeFixture(dir, { baselineRows: 3000, windowRows: 1000 });
  const config = writeConfig(path.join(dir, 'config.yaml'), [fixtureModel('m', files.baseline, files.window)], { schedule: '*/1 * * * * *' });
  const served = await startServe(config);
  t.after(() => served.kill());
  const first = await waitFor('a baseline identity', async () => baselineSha(await scrape(served.url)), 30_000, 200);
  const rowsBefore = (await scrape(served.url)).get('ml_drift_baseline_rows')!.samples[0].value;

  await writeParquet(files.baseline, `SELECT TIMESTAMP '2026-02-01' AS ts, random() AS x, random() AS y, 'a' AS cat, random() AS allnull, random() AS pred FROM range(500)`);
  const expected = createHash('sha256').update(readFileSync(files.baseline)).digest('hex');
  const second = await waitFor('the new baseline identity', async () => {
    const sha = baselineSha(await scrape(served.url));
    return sha !== first ? sha : undefined;
  }, 30_000, 200);
  assert.equal(second, expected);
  assert.equal((await scrape(served.url)).get('ml_drift_baseline_rows')!.samples[0].value, 500);
  assert.notEqual(rowsBefore, 500);
  const families = await scrape(served.url);
  assert.equal(families.get('ml_drift_baseline_info')!.samples.filter((s) => s.labels.model_name === 'm').length, 1, 'the old identity is gone');
});

test('report and serve never write to or delete their input files', { timeout: 60_000 }, async (t) => {
  const dir = tempDir(t);
  const files = await writeFixture(dir, { baselineRows: 3000, windowRows: 1000 });
  const config = writeConfig(path.join(dir, 'config.yaml'), [fixtureModel('m', files.baseline, files.window)], { schedule: '*/1 * * * * *' });
  const before = snapshot(dir);
  assert.equal((await cli(['report', '--config', config])).code, 0);
  assert.equal((await cli(['check', '--config', config])).code, 0);
  const served = await startServe(config);
  await served.waitForLog((l) => l.msg === 'run finished');
  await served.waitForLog((l) => l.msg === 'run finished', 10_000, served.logs.findIndex((l) => l.msg === 'run finished') + 1);
  served.child.kill('SIGTERM');
  assert.equal((await served.exited).code, 0);
  assert.deepEqual(snapshot(dir), before);
});

test('report shows progress on stderr when asked, and keeps stdout clean', async () => {
  const r = await cli(['report', '--config', 'config/example.yaml', '--format', 'json', '--progress']);
  assert.equal(r.code, 0);
  assert.match(r.stderr, /credit-risk: scanning the window.*credit-risk: comparing income \(\d+\/\d+\).*credit-risk: done/s);
  assert.doesNotThrow(() => JSON.parse(r.stdout));
  const quiet = await cli(['report', '--config', 'config/example.yaml', '--format', 'json']);
  assert.equal(quiet.stderr, '', 'no progress when stderr is not a TTY');
});
