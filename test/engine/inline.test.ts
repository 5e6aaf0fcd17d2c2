// Small columns are summarized on the main thread, larger ones on the summary threads (engine/threads/pool.ts):
// every placement gives the same report, bit for bit, on the kept and on the grid path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import path from 'node:path';
import { resolveConfig } from '../../src/config/index.js';
import { runModel } from '../../src/engine/index.js';
import { INLINE_MAX_VALUES, setInlineLimit, summaryThreadsStarted } from '../../src/engine/threads/index.js';
import { fixtureModel, tempDir, writeFixture } from '../helpers/fixtures.js';

// Baseline 3,000 rows, window 6,050: a bound of 5,000 keeps the baseline's summaries on the main thread until the window's columns move them.
const PLACES = [
  { name: 'summary threads', limit: 0 },
  { name: 'main thread', limit: Infinity },
  { name: 'main thread, moved to the threads for the window', limit: 5000 },
];

/** Deep equality, numbers within 1e-12 relative. */
function assertClose(actual: unknown, expected: unknown, what: string): void {
  if (typeof actual === 'number' && typeof expected === 'number') {
    assert.ok(actual === expected || Math.abs(actual - expected) <= 1e-12 * Math.max(Math.abs(actual), Math.abs(expected)), `${what}: ${actual} vs ${expected}`);
  } else if (actual && expected && typeof actual === 'object' && typeof expected === 'object') {
    assert.deepEqual(Object.keys(actual).sort(), Object.keys(expected).sort(), what);
    for (const key of Object.keys(expected)) assertClose((actual as Record<string, unknown>)[key], (expected as Record<string, unknown>)[key], `${what}.${key}`);
  } else assert.deepEqual(actual, expected, what);
}

function model(baseline: string, window: string) {
  return resolveConfig({ models: [fixtureModel('m', baseline, window)] }, 'test', '/').models[0];
}

test('a small run starts no summary thread', async (t) => {
  // First in this file's process: no other test has started one yet.
  const files = await writeFixture(tempDir(t), { baselineRows: 3000, windowRows: 3000 });
  assert.ok(3000 <= INLINE_MAX_VALUES);
  const r = await runModel(model(files.baseline, files.window));
  assert.equal(r.status, 'drift');
  assert.equal(summaryThreadsStarted(), 0);
});

for (const grid of [false, true]) {
  test(`${grid ? 'grid' : 'kept'} path: the main thread and the summary threads give the same report`, async (t) => {
    const dir = tempDir(t);
    const files = await writeFixture(dir, { baselineRows: 3000, windowRows: 6000 });
    t.after(() => setInlineLimit(INLINE_MAX_VALUES));
    const reports = [];
    for (const [k, place] of PLACES.entries()) {
      setInlineLimit(place.limit);
      // A baseline of its own for each placement: the profile cache would otherwise reuse the first one's summaries.
      const baseline = path.join(dir, `baseline-${k}.parquet`);
      copyFileSync(files.baseline, baseline);
      reports.push(await runModel(model(baseline, files.window), grid ? { collectValues: 64 } : {}));
    }
    assert.equal(summaryThreadsStarted() > 0, true, 'the threads ran too');
    // Kept: bit for bit. Grid: a pass's sums may add in another order in another placement (seen only in the last
    // bits, after a kept run on the same thread), so numbers agree to 1e-12 relative there.
    for (let k = 1; k < PLACES.length; k++) (grid ? assertClose : assert.deepEqual)(reports[k], reports[0], PLACES[k].name);
    assert.ok(reports[0].features.some((f) => f.tests.ks !== undefined && f.distribution !== undefined));
  });
}
