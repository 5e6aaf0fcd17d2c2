// Bad input through `report`: a clear message and exit 2, or a report that says what is wrong.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { cli } from '../helpers/cli.js';
import { tempDir } from '../helpers/parquet.js';
import { CONFIG_CASES, DATA_CASES, type Inputs } from './cases.js';

/** The config of one case: defaults for the shared fixture, then the case's own keys (null removes a key). */
export function caseConfig(inputs: Inputs, extra: Record<string, unknown> = {}): string {
  const model: Record<string, unknown> = {
    name: 'robust',
    baseline: inputs.baseline,
    window: inputs.window,
    timestamp_column: 'ts',
    as_of: '2026-01-02T00:00:00Z',
    id_columns: ['id'],
    ...extra,
    ...inputs.model,
  };
  for (const [k, v] of Object.entries(model)) if (v === null) delete model[k];
  return stringify({ models: [model] });
}

// Root reads any file, so the permission case runs the CLI as "nobody" when the suite runs as root.
const asNobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};

for (const c of DATA_CASES) {
  test(`report: ${c.name}`, async (t) => {
    const dir = tempDir(t);
    chmodSync(dir, 0o755);
    const inputs = await c.make(dir);
    const file = path.join(dir, 'config.yaml');
    writeFileSync(file, caseConfig(inputs));
    const r = await cli(['report', '--config', file, '--format', 'json'], c.name.includes('unreadable') ? asNobody : {});
    assert.equal(r.code, c.expect.code, `exit code; stderr: ${r.stderr}`);
    if (c.expect.code === 2) {
      assert.match(r.stderr, c.expect.stderr);
      assert.equal(r.stderr.trim().split('\n').length, 1, 'one line, no stack trace');
    } else {
      c.expect.check(JSON.parse(r.stdout).models[0]);
    }
  });
}

for (const c of CONFIG_CASES) {
  test(`config: ${c.name} is refused naming the file and key path`, async (t) => {
    const file = path.join(tempDir(t), 'bad.yaml');
    writeFileSync(file, c.yaml);
    for (const command of ['report', 'check']) {
      const r = await cli([command, '--config', file]);
      assert.equal(r.code, 2, `${command}: ${r.stderr}`);
      assert.match(r.stderr, new RegExp(`bad\\.yaml: ${c.message.source}`));
    }
  });
}
