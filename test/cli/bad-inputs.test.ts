// Bad input through `report`: a clear message and exit 2, or a report that says what is wrong.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { cli, WITHOUT_ROOT_READ_OVERRIDE } from '../helpers/spawn.js';
import { tempDir, writeParquet } from '../helpers/fixtures.js';
import { caseConfig, DATA_CASES, GOOD_BASELINE } from '../helpers/bad-inputs.js';

for (const c of DATA_CASES) {
  test(`report: ${c.name}`, async (t) => {
    const dir = tempDir(t);
    const inputs = await c.make(dir);
    const file = path.join(dir, 'config.yaml');
    writeFileSync(file, caseConfig(inputs));
    const r = await cli(['report', '--config', file, '--format', 'json'], c.name.includes('unreadable') ? { prefix: WITHOUT_ROOT_READ_OVERRIDE } : {});
    assert.equal(r.code, c.expect.code, `exit code; stderr: ${r.stderr}`);
    if (c.expect.code === 2) {
      assert.match(r.stderr, c.expect.stderr);
      assert.equal(r.stderr.trim().split('\n').length, 1, 'one line, no stack trace');
    } else {
      c.expect.check(JSON.parse(r.stdout).models[0]);
    }
  });
}

test('a config error exits 2 with one line naming the file and key path, for report and check', async (t) => {
  const file = path.join(tempDir(t), 'bad.yaml');
  writeFileSync(file, 'models:\n  - { name: a, baseline: b, window: w, timestamp_column: ts, run_timeout: 30d }\n');
  for (const command of ['report', 'check']) {
    const r = await cli([command, '--config', file]);
    assert.equal(r.code, 2, `${command}: ${r.stderr}`);
    assert.equal(r.stderr, `drift-exporter: ${file}: models[0].run_timeout: at most 24d20h31m23s647ms (2^31-1 ms, the limit of Node's timers) (found "30d")\n`);
  }
});

test('a FIFO as the config exits 2 at once, naming it', async (t) => {
  const fifo = path.join(tempDir(t), 'config.yaml');
  execFileSync('mkfifo', [fifo]);
  const r = await cli(['check', '--config', fifo], { timeoutMs: 10_000 });
  assert.equal(r.code, 2);
  assert.match(r.stderr, new RegExp(`${fifo}: cannot read config: not a regular file \\(a FIFO\\)`));
});

/** An ad hoc report over the shared good fixture: ts runs from 2026-01-01 00:00Z, a minute per row. */
async function adHoc(t: { after: (fn: () => void) => void }, args: string[], env: NodeJS.ProcessEnv = {}) {
  const dir = tempDir(t);
  const file = await writeParquet(path.join(dir, 'b.parquet'), GOOD_BASELINE);
  return cli(['report', '--baseline', file, '--window', file, '--format', 'json', ...args], { env });
}

test('--as-of without a zone is UTC, as the README says, whatever TZ is', async (t) => {
  for (const [asOf, iso] of [['2026-01-02T00:00:00', '2026-01-02T00:00:00.000Z'], ['2026-01-02', '2026-01-02T00:00:00.000Z'], ['2026-01-01T20:00:00-04:00', '2026-01-02T00:00:00.000Z']]) {
    const r = await adHoc(t, ['--timestamp-column', 'ts', '--window-duration', '1d', '--as-of', asOf], { TZ: 'America/New_York' });
    assert.equal(r.code, 0, r.stderr);
    const m = JSON.parse(r.stdout).models[0];
    assert.equal(m.as_of, iso, asOf);
    assert.equal(m.window.rows, 1440, `${asOf}: the day before midnight UTC`);
  }
});

const REFUSED_FLAGS: [string[], RegExp][] = [
  [['--as-of', '2026-02-30'], /^drift-exporter: --as-of: day 30 does not exist in 2026-02 \(it has 28 days\) \(found "2026-02-30"\)\n$/],
  [['--as-of', '2026-01-01T24:61:00Z'], /^drift-exporter: --as-of: time 24:61:00 does not exist/],
  [['--as-of', 'yesterday'], /^drift-exporter: --as-of: expected an ISO-8601 time/],
  [['--timestamp-column', 'ts', '--window-duration', '0.0000001ms'], /^drift-exporter: --window-duration: expected a duration in whole units, largest first: .* \(found "0\.0000001ms"\)\n$/],
  [['--timestamp-column', 'ts', '--window-duration', '99999999999d'], /^drift-exporter: --window-duration: at most 36500d \(100 years\) \(found "99999999999d"\)\n$/],
  [['--window-duration', '1h'], /^drift-exporter: --window-duration needs --timestamp-column: without one the whole window is compared\n$/],
];

for (const [args, message] of REFUSED_FLAGS) {
  test(`report ${args.join(' ')} is refused with exit 2`, async (t) => {
    const r = await adHoc(t, args);
    assert.equal(r.code, 2, r.stdout);
    assert.match(r.stderr, message);
  });
}
