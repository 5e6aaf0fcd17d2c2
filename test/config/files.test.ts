// What the config and web config may be: a regular file of bounded size. Anything else is refused at once, naming the file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError, loadConfig, loadWebConfig } from '../../src/config/index.js';
import { tempDir } from '../helpers/fixtures.js';

const CONFIG_INDEX = pathToFileURL(path.resolve(process.cwd(), 'dist', 'src', 'config', 'index.js')).href;
const GOOD = 'models:\n  - { name: a, baseline: b, window: w }\n';
const LOADERS = { loadConfig, loadWebConfig } as const;
const WHAT = { loadConfig: 'config', loadWebConfig: 'web config' } as const;

/**
 * Runs a loader in a child process, so that a loader that blocks (on a FIFO
 * without writer, or reading /dev/zero) fails this test after a few seconds
 * instead of hanging it.
 */
function loadInChild(loader: keyof typeof LOADERS, file: string): string {
  const script = `const m = await import(${JSON.stringify(CONFIG_INDEX)});
try { m[${JSON.stringify(loader)}](${JSON.stringify(file)}, {}); console.log('loaded'); } catch (err) { console.log(err.name + ': ' + err.message); }`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 10_000 });
  assert.equal(r.signal, null, `${loader}(${file}) did not return within 10 s (killed by ${r.signal}): it blocked or read without bound`);
  return r.stdout.trim();
}

for (const loader of ['loadConfig', 'loadWebConfig'] as const) {
  test(`${loader}: a FIFO is refused at once, naming the file`, (t) => {
    const fifo = path.join(tempDir(t), 'config.yaml');
    execFileSync('mkfifo', [fifo]);
    assert.equal(loadInChild(loader, fifo), `ConfigError: ${fifo}: cannot read ${WHAT[loader]}: not a regular file (a FIFO)`);
  });

  test(`${loader}: /dev/zero is refused at once, naming the file`, () => {
    assert.equal(loadInChild(loader, '/dev/zero'), `ConfigError: /dev/zero: cannot read ${WHAT[loader]}: not a regular file (a character device)`);
  });

  test(`${loader}: a symlink to /dev/zero is refused too`, (t) => {
    const link = path.join(tempDir(t), 'config.yaml');
    symlinkSync('/dev/zero', link);
    assert.equal(loadInChild(loader, link), `ConfigError: ${link}: cannot read ${WHAT[loader]}: not a regular file (a character device)`);
  });

  test(`${loader}: a directory is refused, naming it`, (t) => {
    const dir = path.join(tempDir(t), 'config.yaml');
    mkdirSync(dir);
    assert.throws(() => LOADERS[loader](dir, {}), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.message, `${dir}: cannot read ${WHAT[loader]}: not a regular file (a directory)`);
      return true;
    });
  });

  test(`${loader}: a file above 4 MiB is refused without being parsed`, (t) => {
    const file = path.join(tempDir(t), 'big.yaml');
    writeFileSync(file, `# ${'x'.repeat(4 * 1024 * 1024)}\n`);
    assert.throws(() => LOADERS[loader](file, {}), new RegExp(`^ConfigError: ${file}: cannot read ${WHAT[loader]}: 4194307 bytes, more than the 4 MiB allowed$`));
  });

  test(`${loader}: a missing file is refused naming it`, (t) => {
    const file = path.join(tempDir(t), 'gone.yaml');
    assert.throws(() => LOADERS[loader](file, {}), new RegExp(`^ConfigError: ${file}: cannot read ${WHAT[loader]}: ENOENT$`));
  });
}

test('a symlink to a regular config file is read through', (t) => {
  const dir = tempDir(t);
  writeFileSync(path.join(dir, 'real.yaml'), GOOD);
  symlinkSync(path.join(dir, 'real.yaml'), path.join(dir, 'config.yaml'));
  assert.equal(loadConfig(path.join(dir, 'config.yaml'), {}).models[0].name, 'a');
});

test('a config just under the size bound is read', (t) => {
  const file = path.join(tempDir(t), 'config.yaml');
  writeFileSync(file, `${GOOD}# ${'x'.repeat(4 * 1024 * 1024 - GOOD.length - 3)}\n`);
  assert.equal(loadConfig(file, {}).models.length, 1);
});
