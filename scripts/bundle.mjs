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
const ownUrl = (text, file) => text.replaceAll('import.meta.url', `new URL(${JSON.stringify(path.relative(outdir, file).split(path.sep).join('/'))}, import.meta.url).href`);
const ownLocation = {
  name: 'own-location',
  setup(b) {
    b.onLoad({ filter: /\.m?js$/ }, (args) => {
      let text = readFileSync(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return undefined;
      if (args.path.startsWith(compiled + path.sep)) text = text.replace(/createRequire\(import\.meta\.url\)\(/g, 'require(');
      return { contents: ownUrl(text, args.path), loader: 'js' };
    });
  },
};

// yargs' platform shim imports cliui and string-width, which build Unicode tables and an Intl.Segmenter
// as they load (~15-20 ms), yet only a help page rendered by yargs uses them: in the bundle they load at
// that first use (required from a small module of our own, resolved from yargs' directory). The build
// fails if the shim no longer imports them so.
const LAZY_IN_YARGS = { cliui: "import cliui from 'cliui'", stringWidth: "import stringWidth from 'string-width';" };
const lazyHelpRendering = {
  name: 'lazy-help-rendering',
  setup(b) {
    b.onLoad({ filter: /[\\/]yargs[\\/]lib[\\/]platform-shims[\\/]esm\.mjs$/ }, (args) => {
      let text = readFileSync(args.path, 'utf8');
      for (const [name, line] of Object.entries(LAZY_IN_YARGS)) {
        if (!text.includes(line)) throw new Error(`${args.path} no longer has "${line}": update scripts/bundle.mjs`);
        text = text.replace(line, `const ${name} = (...a) => lazyHelp.${name}().default(...a);`);
      }
      return { contents: `import lazyHelp from 'lazy-help-rendering';\n${ownUrl(text, args.path)}`, loader: 'js' };
    });
    b.onResolve({ filter: /^lazy-help-rendering$/ }, (args) => ({ path: args.resolveDir, namespace: 'lazy-help' }));
    b.onLoad({ filter: /.*/, namespace: 'lazy-help' }, (args) => ({
      contents: "export default { cliui: () => require('cliui'), stringWidth: () => require('string-width') };",
      resolveDir: args.path,
      loader: 'js',
    }));
  },
};

// node-cron imports child_process (and through it net and dgram) for its background tasks, which this
// project never starts, yet every config check loads node-cron to validate schedules: its `fork` is
// required at its first call instead. The build fails if node-cron no longer imports it so.
const FORK_IN_NODE_CRON = "import { fork } from 'child_process';";
const lazyFork = {
  name: 'lazy-fork',
  setup(b) {
    b.onLoad({ filter: /[\\/]node-cron[\\/]dist[\\/]node-cron\.js$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes(FORK_IN_NODE_CRON)) throw new Error(`${args.path} no longer has "${FORK_IN_NODE_CRON}": update scripts/bundle.mjs`);
      return { contents: ownUrl(text.replace(FORK_IN_NODE_CRON, "const fork = (...a) => require('node:child_process').fork(...a);"), args.path), loader: 'js' };
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
  plugins: [lazyHelpRendering, lazyFork, ownLocation],
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
