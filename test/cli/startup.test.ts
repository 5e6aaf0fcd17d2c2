// What each command loads: `--help`, `--version`, config parsing and the `serve` parent never load
// DuckDB's native library or compile the WebAssembly kernels; a run does (the probe can fail). Only the
// HTML format loads the charting library (vega, vega-lite). `--version` and the help pages of the usual
// widths do not load yargs either (src/cli/help.ts). The CLI runs as a bundle (dist/cli, scripts/bundle.mjs):
// a loaded chunk stands for the modules dist/cli/chunks.json lists in it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fixtureModel, tempDir, writeConfig, writeFixture } from '../helpers/fixtures.js';
import { cli, startServe, waitFor } from '../helpers/spawn.js';

// Preloaded into every process (NODE_OPTIONS reaches the engine processes too): at exit, each writes
// whether its address space maps DuckDB's native library and whether it compiled any WebAssembly.
const PROBE = `
const fs = require('node:fs');
const mark = () => fs.writeFileSync(process.env.PROBE_DIR + '/' + process.pid + '.wasm', '');
const M = WebAssembly.Module;
WebAssembly.Module = function (...a) { mark(); return new M(...a); };
for (const k of ['compile', 'instantiate', 'compileStreaming', 'instantiateStreaming']) {
  const f = WebAssembly[k];
  if (f) WebAssembly[k] = function (...a) { mark(); return f.apply(this, a); };
}
// ES module resolution is watched by a loader hook: it marks the process when vega or vega-lite resolves.
if (require('node:worker_threads').isMainThread) require('node:module').register(require('node:url').pathToFileURL(process.env.PROBE_DIR + '/hooks.mjs'));
if (require('node:worker_threads').isMainThread) process.on('exit', () => {
  const maps = fs.readFileSync('/proc/self/maps', 'utf8');
  fs.writeFileSync(process.env.PROBE_DIR + '/' + process.pid + '.json', JSON.stringify({ duckdb: /duckdb[^/\\n]*\\.node/.test(maps) }));
});
// Node's TLS stack (tls, net, streams) is for serve's endpoint and web-config checks only.
if (require('node:worker_threads').isMainThread) process.on('exit', () => {
  if (process.moduleLoadList.includes('NativeModule tls')) fs.writeFileSync(process.env.PROBE_DIR + '/' + process.pid + '.tls', '');
});
`;

// The modules a loaded file stands for: a chunk of the bundle, the modules in it; any other file, itself.
const CHUNKS = path.resolve('dist', 'cli', 'chunks.json');
const MODULES_OF = `
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
const chunks = JSON.parse(readFileSync(${JSON.stringify(CHUNKS)}, 'utf8'));
const modulesOf = (url) => {
  if (!url.startsWith('file:')) return [url];
  const file = fileURLToPath(url);
  const inBundle = chunks[path.relative(${JSON.stringify(path.dirname(CHUNKS))}, file)];
  return inBundle ? inBundle.map((m) => path.resolve(${JSON.stringify(process.cwd())}, m)) : [file];
};
`;

const HOOKS = `${MODULES_OF}
import { writeFileSync } from 'node:fs';
export async function resolve(spec, ctx, next) {
  const r = await next(spec, ctx);
  if (modulesOf(r.url).some((m) => /\\/node_modules\\/vega(-lite)?\\//.test(m))) writeFileSync(process.env.PROBE_DIR + '/' + process.pid + '.vega', '');
  return r;
}
`;

type Loaded = { duckdb: boolean; wasm: boolean; vega: boolean };

function probe(t: { after: (fn: () => void) => void }) {
  const dir = tempDir(t, 'drift-probe-');
  const file = path.join(dir, 'probe.cjs');
  writeFileSync(file, PROBE);
  writeFileSync(path.join(dir, 'hooks.mjs'), HOOKS);
  const read = (pid: number): Loaded => ({ ...JSON.parse(readFileSync(path.join(dir, `${pid}.json`), 'utf8')), wasm: existsSync(path.join(dir, `${pid}.wasm`)), vega: existsSync(path.join(dir, `${pid}.vega`)) });
  const processes = () => readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => Number(f.split('.')[0]));
  const clear = () => readdirSync(dir).filter((f) => /\.(json|wasm|vega|tls)$/.test(f)).forEach((f) => rmSync(path.join(dir, f)));
  const tls = (pid: number) => existsSync(path.join(dir, `${pid}.tls`));
  return { dir, env: { NODE_OPTIONS: `--require ${file}`, PROBE_DIR: dir }, read, processes, clear, tls };
}

const skip = process.platform !== 'linux' && 'reads /proc/self/maps (Linux only)';

test('the bundle holds yargs, vega and DuckDB\'s API, each in one chunk that is not the entry', { skip }, () => {
  const chunks = JSON.parse(readFileSync(CHUNKS, 'utf8')) as Record<string, string[]>;
  const holding = (re: RegExp) => Object.keys(chunks).filter((c) => chunks[c].some((m) => re.test(m)));
  for (const re of [/node_modules\/yargs\//, /node_modules\/vega-lite\//, /node_modules\/@duckdb\/node-api\//]) {
    const where = holding(re);
    assert.equal(where.length, 1, `${re}: in ${where.join(', ') || 'no chunk'}`);
    assert.notEqual(where[0], 'main.js', `${re} is in the entry chunk`);
  }
});

test('the bundle keeps only the parts of zod the config schemas use: its English messages, not its 60 other locales or its compiler', { skip }, () => {
  const chunks = JSON.parse(readFileSync(CHUNKS, 'utf8')) as Record<string, string[]>;
  const zod = Object.values(chunks).flat().filter((m) => m.startsWith('node_modules/zod/'));
  assert.ok(zod.includes('node_modules/zod/v4/locales/en.js'), 'the English messages the errors quote');
  const unused = zod.filter((m) => /\/locales\/(?!en\.js|index\.js)|\/compile\.js$/.test(m));
  assert.deepEqual(unused, [], 'every module of zod in the bundle is one the schemas reach');
});

test('--help, --version, every command\'s --help and a config error load neither DuckDB, the wasm kernels nor vega', { skip }, async (t) => {
  const p = probe(t);
  const bad = path.join(p.dir, 'bad.yaml');
  writeFileSync(bad, 'models: [{name: m}]\n');
  // report opens DuckDB before it reads its config, so that the two overlap: a config error there loads DuckDB, nothing else.
  const cases: [string[], Loaded][] = [
    ...[['--help'], ['--version'], ['report', '--help'], ['serve', '--help'], ['check', '--help'], ['check', '--config', bad]].map((args): [string[], Loaded] => [args, { duckdb: false, wasm: false, vega: false }]),
    [['report', '--config', bad], { duckdb: true, wasm: false, vega: false }],
  ];
  for (const [args, loaded] of cases) {
    const r = await cli(args, { env: p.env });
    assert.ok(r.code === 0 || r.code === 2, `${args.join(' ')}: exit ${r.code} ${r.stderr}`);
    const pids = p.processes();
    assert.equal(pids.length, 1, `${args.join(' ')}: one process`);
    assert.deepEqual(p.read(pids[0]), loaded, args.join(' '));
    p.clear();
  }
});

// Module hooks (registered by --import) that write every module a process loads to PROBE_DIR/<pid>.modules.
const REGISTER = `import { register } from 'node:module';
register('./hooks.mjs', import.meta.url);
`;
const MODULE_HOOKS = `${MODULES_OF}
import { appendFileSync } from 'node:fs';
export async function load(url, context, next) {
  appendFileSync(process.env.PROBE_DIR + '/' + process.pid + '.modules', [url, ...modulesOf(url)].join('\\n') + '\\n');
  return next(url, context);
}
`;

test('--version and every help page print without loading yargs; other help requests still render through it', { skip }, async (t) => {
  const dir = tempDir(t, 'drift-probe-');
  writeFileSync(path.join(dir, 'register.mjs'), REGISTER);
  writeFileSync(path.join(dir, 'hooks.mjs'), MODULE_HOOKS);
  const env = { NODE_OPTIONS: `--import ${path.join(dir, 'register.mjs')}`, PROBE_DIR: dir, LC_ALL: 'C' };
  const loaded = async (args: string[], extra: NodeJS.ProcessEnv = {}) => {
    const r = await cli(args, { env: { ...env, ...extra } });
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    const files = readdirSync(dir).filter((f) => f.endsWith('.modules'));
    assert.equal(files.length, 1, `${args.join(' ')}: one process`);
    const modules = readFileSync(path.join(dir, files[0]), 'utf8');
    rmSync(path.join(dir, files[0]));
    assert.ok(modules.includes('/dist/cli/main.js'), 'the hooks saw the CLI load');
    return { yargs: /node_modules\/yargs\//.test(modules), stdout: r.stdout };
  };
  for (const args of [['--version'], ['--help'], ['report', '--help'], ['serve', '--help'], ['check', '--help']]) {
    assert.equal((await loaded(args)).yargs, false, args.join(' '));
  }
  // A locale yargs translates into, and a help request among other flags, go to yargs.
  const german = await loaded(['--help'], { LANG: 'de_DE.UTF-8', LC_ALL: '' });
  assert.equal(german.yargs, true);
  assert.match(german.stdout, /Optionen:/);
  assert.equal((await loaded(['report', '--verbose', '--help'])).yargs, true);
});

test('a report run loads both (the probe sees them), vega only for --format html, and never Node\'s TLS stack', { skip }, async (t) => {
  const p = probe(t);
  const files = await writeFixture(p.dir, { baselineRows: 3000, windowRows: 3000 });
  const config = writeConfig(path.join(p.dir, 'c.yaml'), [fixtureModel('m', files.baseline, files.window)]);
  for (const format of ['table', 'json', 'markdown', 'html']) {
    const r = await cli(['report', '--config', config, '--format', format], { env: p.env });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(p.processes().map(p.read), [{ duckdb: true, wasm: true, vega: format === 'html' }], format);
    assert.deepEqual(p.processes().map(p.tls), [false], `${format}: a report needs no TLS`);
    p.clear();
  }
});

test('the serve parent process loads neither; its engine processes do the runs', { skip, timeout: 60_000 }, async (t) => {
  const p = probe(t);
  const files = await writeFixture(p.dir, { baselineRows: 3000, windowRows: 3000 });
  const config = writeConfig(path.join(p.dir, 'c.yaml'), [fixtureModel('m', files.baseline, files.window)]);
  const s = await startServe(config, { env: p.env });
  t.after(() => s.kill());
  await s.waitForLog((l) => l.msg === 'run finished', 30_000);
  s.child.kill('SIGTERM');
  assert.deepEqual(await s.exitWithin(15_000), { code: 0, signal: null });
  await waitFor('the parent\'s probe file', () => existsSync(path.join(p.dir, `${s.child.pid}.json`)), 5000);
  assert.deepEqual(p.read(s.child.pid!), { duckdb: false, wasm: false, vega: false });
});
