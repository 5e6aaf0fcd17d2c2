// The help pages served without yargs (src/cli/help.ts) are what yargs renders, page for page, in every English locale.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { COMMAND_NAMES, renderHelp } from '../../src/cli/index.js';
import { HELP_CACHE, HELP_WIDTHS, helpSourcesDigest } from '../../src/cli/help.js';
import { cli } from '../helpers/spawn.js';

const cache: { digest: string; pages: Record<string, string> } = JSON.parse(readFileSync(fileURLToPath(HELP_CACHE), 'utf8'));
const argvOf = (key: string) => (key ? [key, '--help'] : ['--help']);

test('the build cached every page at every width, from the compiled CLI it ships with', () => {
  assert.equal(cache.digest, helpSourcesDigest());
  assert.deepEqual(Object.keys(cache.pages).sort(), HELP_WIDTHS.flatMap((w) => ['', ...COMMAND_NAMES].map((k) => `${k}@${w}`)).sort());
});

test('each cached page is the page yargs renders, in the C and in an English locale', async (t) => {
  const saved = process.env.LC_ALL;
  t.after(() => (saved === undefined ? delete process.env.LC_ALL : (process.env.LC_ALL = saved)));
  for (const locale of ['C', 'en_US.UTF-8', 'POSIX', 'en_GB']) {
    process.env.LC_ALL = locale;
    for (const [id, page] of Object.entries(cache.pages)) {
      const [key, width] = id.split('@');
      assert.equal(await renderHelp(argvOf(key), Number(width)), page, `${id} in ${locale}`);
    }
  }
});

test('the CLI prints the cached page (a pipe: 80 columns), and the version', async () => {
  for (const key of ['', ...COMMAND_NAMES]) {
    const r = await cli(argvOf(key), { env: { LC_ALL: 'C' } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, cache.pages[`${key}@80`], key || 'top level');
  }
  const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
  assert.deepEqual((await cli(['--version'])).stdout, `${pkg.version}\n`);
});

test('the shipped CLI renders through yargs the pages the cache holds (a help request among other flags is not served from it)', async () => {
  for (const key of ['', ...COMMAND_NAMES]) {
    const r = await cli([...(key ? [key] : []), '--verbose', '--help'], { env: { LC_ALL: 'C' } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, cache.pages[`${key}@80`], key || 'top level');
  }
});
