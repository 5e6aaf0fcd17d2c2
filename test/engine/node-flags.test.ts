// Every way the project starts a process that runs the engine passes ENGINE_NODE_FLAGS: the CLI's shebang
// (an installed bin), the npm scripts and the image's entrypoint. Serve's engine processes: test/schedule/run-process.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ENGINE_NODE_FLAGS } from '../../src/engine/node-flags.js';

const root = new URL('../../../', import.meta.url);
const read = (file: string) => readFileSync(new URL(file, root), 'utf8');
const flags = ENGINE_NODE_FLAGS.join(' ');

test('the CLI, source and bundle, starts node with the engine flags (env -S splits them)', () => {
  for (const file of ['src/main.ts', 'dist/cli/main.js']) assert.equal(read(file).split('\n')[0], `#!/usr/bin/env -S node ${flags}`, file);
});

test('run as an installed bin (through its shebang), the CLI answers', () => {
  const out = execFileSync(fileURLToPath(new URL('dist/cli/main.js', root)), ['--version'], { encoding: 'utf8' });
  assert.equal(out.trim(), JSON.parse(read('package.json')).version);
});

test('the npm scripts that run the engine pass the flags', () => {
  const scripts = JSON.parse(read('package.json')).scripts as Record<string, string>;
  for (const name of ['start', 'report']) assert.ok(scripts[name].startsWith(`node ${flags} dist/cli/main.js `), `${name}: ${scripts[name]}`);
});

test("the image's entrypoint passes the flags", () => {
  const entry = read('Dockerfile').split('\n').find((l) => l.startsWith('ENTRYPOINT '));
  assert.ok(entry, 'no ENTRYPOINT');
  assert.deepEqual(JSON.parse(entry.slice('ENTRYPOINT '.length)), ['node', ...ENGINE_NODE_FLAGS, 'dist/cli/main.js']);
});
