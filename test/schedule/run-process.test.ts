// Serve's engine processes are started with the engine's Node options (src/engine/node-flags.ts), after the parent's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolveConfig } from '../../src/config/index.js';
import { ENGINE_NODE_FLAGS } from '../../src/engine/node-flags.js';
import { EngineProcess } from '../../src/schedule/run-process.js';
import { fixtureModel, tempDir, writeFixture } from '../helpers/fixtures.js';

test('an engine process runs a model with the engine flags on its command line', { skip: process.platform !== 'linux' && 'reads /proc' }, async (t) => {
  const files = await writeFixture(tempDir(t), { baselineRows: 2000, windowRows: 1000 });
  const model = resolveConfig({ models: [fixtureModel('m', files.baseline, files.window)] }, 'test', '/').models[0];
  const engine = new EngineProcess();
  t.after(() => engine.kill(new Error('test over')));
  const report = await engine.run(model, 60_000);
  assert.equal(report.model, 'm');
  assert.ok(report.window.rows > 0);
  const argv = readFileSync(`/proc/${engine.pid}/cmdline`, 'utf8').split('\0');
  for (const flag of ENGINE_NODE_FLAGS) assert.ok(argv.includes(flag), `${flag} not in ${argv.join(' ')}`);
  // The engine's options come last, so they win over a parent's own.
  assert.ok(argv.lastIndexOf(ENGINE_NODE_FLAGS[0]) < argv.findIndex((a) => a.endsWith('run-entry.js')));
});
