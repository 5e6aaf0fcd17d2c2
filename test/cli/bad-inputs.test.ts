// Bad input through `report`: a clear message and exit 2, or a report that says what is wrong.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { cli, WITHOUT_ROOT_READ_OVERRIDE } from '../helpers/spawn.js';
import { tempDir } from '../helpers/fixtures.js';
import { caseConfig, CONFIG_CASES, DATA_CASES } from '../helpers/bad-inputs.js';

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
