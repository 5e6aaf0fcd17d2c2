// The whole /metrics exposition of a fixed fixture, compared with a golden file after masking what
// changes from run to run (timestamps, durations, the Node.js version), as node_exporter's
// end-to-end test does. UPDATE_GOLDEN=1 rewrites the file; review the diff before committing it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AS_OF, fixtureModel, tempDir, writeConfig, writeParquet } from '../helpers/fixtures.js';
import { startServe, waitFor } from '../helpers/spawn.js';

const GOLDEN = fileURLToPath(new URL('../../../test/fixtures/golden/serve.metrics', import.meta.url));

/** Values that differ between runs of the same inputs, replaced by a fixed word. */
function mask(text: string): string {
  return text
    .split('\n')
    .map((line) => {
      if (/^drift_exporter_(last_run_timestamp_seconds|last_success_timestamp_seconds|run_duration_seconds|model_loaded_timestamp_seconds|run_queue_wait_seconds|engine_resident_memory_bytes|profile_cache_bytes|config_last_reload_success_timestamp_seconds|engine_processes)\b/.test(line)) return line.replace(/ \S+$/, ' <masked>');
      if (/^process_/.test(line)) return line.replace(/ \S+$/, ' <masked>');
      return line.replace(/nodejs_version="[^"]*"/, 'nodejs_version="<masked>"').replace(/version="[^"]*",nodejs/, 'version="<masked>",nodejs');
    })
    .join('\n');
}

// Deterministic data (no random()): x shifted, n unchanged, c with a new category, p a prediction.
const BASELINE = `SELECT TIMESTAMP '2026-02-01' + to_seconds(i * 7) AS ts, ((i * 7919) % 1000) / 100.0 AS x,
  (i % 17)::INTEGER AS n, ['a', 'b', 'c'][1 + i % 3] AS c, ((i * 104729) % 1000) / 1000.0 AS p FROM range(4000) t(i)`;
const WINDOW = `SELECT TIMESTAMP '2026-03-01' + to_seconds(i * 11) AS ts, ((i * 7919) % 1000) / 100.0 + 1.5 AS x,
  CASE WHEN i % 9 = 0 THEN NULL ELSE (i % 17)::INTEGER END AS n, ['a', 'b', 'c', 'd'][1 + i % 4] AS c,
  ((i * 104729) % 1000) / 1000.0 AS p FROM range(3000) t(i)`;

test('/metrics for the golden fixture matches test/fixtures/golden/serve.metrics', { timeout: 60_000 }, async (t) => {
  const dir = tempDir(t);
  const baseline = await writeParquet(path.join(dir, 'baseline.parquet'), BASELINE);
  const window = await writeParquet(path.join(dir, 'window.parquet'), WINDOW);
  const config = writeConfig(path.join(dir, 'c.yaml'), [fixtureModel('golden', baseline, window, { prediction_columns: ['p'] })]);
  assert.equal(AS_OF, '2026-03-02T00:00:00Z', 'the fixture window is 2026-03-01');
  const s = await startServe(config);
  t.after(() => s.kill());
  await s.waitForLog((l) => l.msg === 'run finished', 30_000);
  const text = mask(await waitFor('/metrics', async () => (await fetch(`${s.url}/metrics`)).text()));
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(GOLDEN, text);
  assert.equal(text, readFileSync(GOLDEN, 'utf8'));
});
