// Bundles the compiled CLI (dist/src/main.js, after tsc) into dist/cli/ with esbuild (run by `npm run build`):
// one entry file, and one chunk per lazily imported part (each command, yargs, the engine, the HTML format),
// so a run reads a few files instead of ~600 modules. Worker and child entry points (summary threads, the
// engine process, report and bcrypt threads) stay the tsc output: their URLs are resolved as from the file
// that names them, and so are the wasm kernels, the help cache and package.json. dist/cli/chunks.json lists
// the modules in each chunk, for test/cli/startup.test.ts.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outdir = path.join(root, 'dist', 'cli');
const compiled = path.join(root, 'dist', 'src');

// Each module keeps its own location: `import.meta.url` becomes the URL of the file it came from (the
// compiled file, or the package's), so relative URLs (wasm, worker entries, help.json, yargs' locales)
// resolve as they do unbundled. In the project's files a `createRequire(import.meta.url)` require (DuckDB's
// API, gammainc: loaded on first use) becomes a bundled require, still evaluated only when it runs.
const ownLocation = {
  name: 'own-location',
  setup(b) {
    b.onLoad({ filter: /\.m?js$/ }, (args) => {
      let text = readFileSync(args.path, 'utf8');
      const own = args.path.startsWith(compiled + path.sep);
      if (!text.includes('import.meta.url')) return own ? { contents: text, loader: 'js' } : undefined;
      const rel = path.relative(outdir, args.path).split(path.sep).join('/');
      if (own) text = text.replace(/createRequire\(import\.meta\.url\)\(/g, 'require(');
      return { contents: text.replaceAll('import.meta.url', `new URL(${JSON.stringify(rel)}, import.meta.url).href`), loader: 'js' };
    });
  },
};

rmSync(outdir, { recursive: true, force: true });
const result = await build({
  entryPoints: [path.join(compiled, 'main.js')],
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Loaded from node_modules at run time: the native DuckDB binding (its package finds the library), and
  // pino (serve only), whose transports start worker files named from its own directory (__dirname).
  external: ['@duckdb/node-bindings', 'pino'],
  // A require of an external package (the binding) from an ES module.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  plugins: [ownLocation],
  metafile: true,
  // Less text for V8 to scan at each start (~40 ms here); names are kept (no renaming), and the
  // linked source maps lead back to src/ (node --enable-source-maps).
  minifyWhitespace: true,
  minifySyntax: true,
  sourcemap: 'linked',
  logLevel: 'warning',
});

const chunks = {};
for (const [file, out] of Object.entries(result.metafile.outputs)) if (!file.endsWith('.map')) chunks[path.relative(outdir, path.resolve(root, file))] = Object.keys(out.inputs).map((i) => path.relative(root, path.resolve(root, i)));
writeFileSync(path.join(outdir, 'chunks.json'), `${JSON.stringify(chunks, null, 1)}\n`);
