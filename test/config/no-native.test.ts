// loadConfig stays light: `check`, `serve` start-up and SIGHUP reloads read the config without loading DuckDB or the wasm kernels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { tempDir } from '../helpers/fixtures.js';

const dist = (...p: string[]) => pathToFileURL(path.resolve(process.cwd(), 'dist', 'src', ...p)).href;

/**
 * In a fresh process, records every native addon opened (process.dlopen:
 * how DuckDB's binding loads) and every WebAssembly module compiled, while
 * `body` runs; returns what was loaded.
 */
function loadedWhile(body: string): { addons: string[]; wasm: number } {
  const script = `
const addons = []; let wasm = 0;
const dlopen = process.dlopen;
process.dlopen = (m, f, ...r) => { addons.push(f); return dlopen.call(process, m, f, ...r); };
const W = WebAssembly;
const Module = W.Module;
W.Module = new Proxy(Module, { construct(t, a) { wasm++; return Reflect.construct(t, a); } });
for (const k of ['compile', 'instantiate', 'compileStreaming', 'instantiateStreaming']) { const f = W[k]; W[k] = (...a) => { wasm++; return f.apply(W, a); }; }
${body}
console.log(JSON.stringify({ addons, wasm }));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

test('loadConfig and loadWebConfig load neither DuckDB nor WebAssembly', (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'config.yaml');
  writeFileSync(file, 'models:\n  - { name: a, baseline: b.parquet, window: w.parquet, timestamp_column: ts, as_of: "2026-01-01", features: [x], feature_overrides: { x: { thresholds: { js: 0.1 } } } }\n');
  writeFileSync(path.join(dir, 'web.yml'), 'basic_auth_users: {}\n');
  const loaded = loadedWhile(`const c = await import(${JSON.stringify(dist('config', 'index.js'))});
c.loadConfig(${JSON.stringify(file)}, {});
c.loadWebConfig(${JSON.stringify(path.join(dir, 'web.yml'))});`);
  assert.deepEqual(loaded, { addons: [], wasm: 0 });
});

test('the probe sees DuckDB and the kernels when they do load (so the test above can fail)', () => {
  const loaded = loadedWhile(`const d = await import(${JSON.stringify(dist('data', 'index.js'))});
const k = await import(${JSON.stringify(dist('stats', 'streaming', 'kernels.js'))});
k.sortDoubles(new Float64Array(100_000).map((_, i) => 100_000 - i));`);
  assert.ok(loaded.addons.some((f) => /duckdb/.test(f)), JSON.stringify(loaded));
  assert.ok(loaded.wasm > 0, JSON.stringify(loaded));
});
