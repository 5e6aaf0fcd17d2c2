// Opening sources: which files a path, directory or glob covers, and what their schema may hold.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, closeSync, copyFileSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { assertUnchanged, countRows, DataSourceError, openSource, withConnection, type Source } from '../../src/data/index.js';
import { tempDir, writeParquet } from '../helpers/fixtures.js';
import { WITHOUT_ROOT_READ_OVERRIDE } from '../helpers/spawn.js';

const open = (spec: string, role: Source['role'] = 'window') => withConnection((conn) => openSource(conn, role, spec));
const rowsOf = (spec: string) => withConnection(async (conn) => (await countRows(conn, await openSource(conn, 'window', spec), [], null)).rows);

async function refused(spec: string, message: RegExp): Promise<void> {
  await assert.rejects(open(spec), (err: unknown) => {
    assert.ok(err instanceof DataSourceError, `a DataSourceError, got ${String(err)}`);
    assert.match(err.message, message);
    return true;
  });
}

test('a partition key with the name of a file column is refused, naming the key, the column and the file', async (t) => {
  const dir = tempDir(t);
  const file = await writeParquet(path.join(dir, 'w', 'x=1', 'p.parquet'), 'SELECT i::DOUBLE AS x FROM range(10) t(i)');
  await refused(path.join(dir, 'w'), new RegExp(`partition key "x".*column "x" in ${file.replace(/[.[\]]/g, '\\$&')}`));
});

test('the key and the column collide whatever their case, as DuckDB matches names', async (t) => {
  const dir = tempDir(t);
  await writeParquet(path.join(dir, 'w', 'Region=eu', 'p.parquet'), `SELECT 'us' AS region, 1.0 AS v`);
  await refused(path.join(dir, 'w'), /partition key "Region".*column "region"/);
});

test('partition keys are listed on the source; a plain column is not one', async (t) => {
  const dir = tempDir(t);
  for (const split of ['train', 'test']) await writeParquet(path.join(dir, 'b', `split=${split}`, 'p.parquet'), 'SELECT i::DOUBLE AS x FROM range(5) t(i)');
  const s = await open(path.join(dir, 'b'), 'baseline');
  assert.deepEqual(s.partitionKeys, ['split']);
  assert.ok(s.columns.has('split') && s.columns.has('x'));
  const file = await open(path.join(dir, 'b', 'split=train', 'p.parquet'));
  assert.deepEqual(file.partitionKeys, [], 'a file is not read as hive partitions');
});

/** A Parquet file with the columns "Name" and "name": written as "Name" and "zzzz", then renamed in the footer. */
async function writeCaseTwins(file: string): Promise<string> {
  await writeParquet(file, 'SELECT i AS "Name", i * 2 AS zzzz FROM range(10) t(i)');
  const bytes = readFileSync(file);
  writeFileSync(file, Buffer.from(bytes.toString('latin1').replaceAll('zzzz', 'name'), 'latin1'));
  return file;
}

test('columns of one file that differ only by case are refused, naming both', async (t) => {
  const dir = tempDir(t);
  const file = await writeCaseTwins(path.join(dir, 'twins.parquet'));
  await refused(file, /twins\.parquet has columns "Name" and "name", which differ only by case/);
  await refused(path.join(dir, '*.parquet'), /has columns "Name" and "name"/);
});

test('a path that exists is read literally, even when its name holds glob characters', async (t) => {
  const dir = tempDir(t);
  await writeParquet(path.join(dir, 'we[ir]d', 'p.parquet'), 'SELECT 1 AS v FROM range(3)');
  await writeParquet(path.join(dir, 'weid', 'p.parquet'), 'SELECT 1 AS v FROM range(100)');
  await writeParquet(path.join(dir, 'a*b.parquet'), 'SELECT 1 AS v FROM range(4)');
  await writeParquet(path.join(dir, 'aXb.parquet'), 'SELECT 1 AS v FROM range(100)');
  await writeParquet(path.join(dir, 'q?.parquet'), 'SELECT 1 AS v FROM range(5)');
  await writeParquet(path.join(dir, 'qq.parquet'), 'SELECT 1 AS v FROM range(100)');
  assert.equal(await rowsOf(path.join(dir, 'we[ir]d')), 3, 'the directory we[ir]d, not weid');
  assert.equal(await rowsOf(path.join(dir, 'we[ir]d', 'p.parquet')), 3);
  assert.equal(await rowsOf(path.join(dir, 'a*b.parquet')), 4);
  assert.equal(await rowsOf(path.join(dir, 'q?.parquet')), 5);
  // A glob that is not a path matches as a glob, and the matched names are read literally too.
  assert.equal(await rowsOf(path.join(dir, 'we*d', '*.parquet')), 103);
  assert.equal(await rowsOf(path.join(dir, 'a[*X]b.parquet')), 104);
});

test('globs: *, ?, [..] and ** match as DuckDB does; the files are listed once, in path order', async (t) => {
  const dir = tempDir(t);
  for (const f of ['logs/day=1/a.parquet', 'logs/day=2/b.parquet', 'logs/day=2/deep/c.parquet', 'logs/.hidden.parquet', 'logs/notes.txt']) {
    if (f.endsWith('.txt')) writeFileSync(path.join(dir, f), 'x');
    else await writeParquet(path.join(dir, f), 'SELECT 1 AS v');
  }
  const names = async (spec: string) => (await open(path.join(dir, spec))).files.map((f) => path.relative(dir, f));
  assert.deepEqual(await names('logs/*/*.parquet'), ['logs/day=1/a.parquet', 'logs/day=2/b.parquet']);
  assert.deepEqual(await names('logs/day=?/*.parquet'), ['logs/day=1/a.parquet', 'logs/day=2/b.parquet']);
  assert.deepEqual(await names('logs/day=[!1]/**/*.parquet'), ['logs/day=2/b.parquet', 'logs/day=2/deep/c.parquet']);
  assert.deepEqual(await names('logs/**/*.parquet'), ['logs/.hidden.parquet', 'logs/day=1/a.parquet', 'logs/day=2/b.parquet', 'logs/day=2/deep/c.parquet']);
  assert.deepEqual(await names('logs/day=2'), ['logs/day=2/b.parquet', 'logs/day=2/deep/c.parquet'], 'a directory: every .parquet file below it');
  await refused(path.join(dir, 'logs', 'nothing-*.parquet'), /nothing-\*\.parquet: no file matches/);
  await refused(path.join(dir, 'gone.parquet'), /gone\.parquet: no file matches/);
});

test('a symlink loop under a directory ends; a dangling link is an error naming it', async (t) => {
  const dir = tempDir(t);
  await writeParquet(path.join(dir, 'w', 'a', 'p.parquet'), 'SELECT 1 AS v');
  symlinkSync('..', path.join(dir, 'w', 'a', 'up'));
  assert.ok((await open(path.join(dir, 'w'))).files.length >= 1);
  symlinkSync(path.join(dir, 'nowhere.parquet'), path.join(dir, 'w', 'a', 'dangling.parquet'));
  await refused(path.join(dir, 'w'), /cannot read .*dangling\.parquet/);
});

test('a FIFO matched by a source is refused, not waited on', async (t) => {
  const dir = tempDir(t);
  await writeParquet(path.join(dir, 'w', 'p.parquet'), 'SELECT 1 AS v');
  const fifo = path.join(dir, 'w', 'q.parquet');
  await new Promise<void>((resolve, reject) => spawn('mkfifo', [fifo]).on('exit', (c) => (c === 0 ? resolve() : reject(new Error('mkfifo failed')))));
  await refused(path.join(dir, 'w'), /q\.parquet is not a regular file/);
  await refused(fifo, /not a regular file/);
});

/** openSource in a child process that cannot read what its file modes forbid (root drops its read override). */
function openWithoutOverride(spec: string): Promise<{ ok: boolean; name?: string; message?: string; files?: string[] }> {
  const data = pathToFileURL(path.resolve('dist/src/data/index.js')).href;
  const script = `import { openSource, withConnection } from ${JSON.stringify(data)};
    try {
      const s = await withConnection((c) => openSource(c, 'window', process.env.SPEC));
      console.log(JSON.stringify({ ok: true, files: s.files }));
    } catch (e) { console.log(JSON.stringify({ ok: false, name: e.name, message: e.message })); }`;
  const argv = [...WITHOUT_ROOT_READ_OVERRIDE, process.execPath, '--input-type=module', '-e', script];
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { env: { ...process.env, SPEC: spec }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', () => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(out));
      } catch {
        reject(new Error(`no JSON from the child: ${out}`));
      }
    });
  });
}

test('an unreadable partition directory, or file, fails the source naming it (directory and glob)', async (t) => {
  const dir = tempDir(t);
  const logs = path.join(dir, 'logs');
  for (const day of ['2026-03-01', '2026-03-02']) await writeParquet(path.join(logs, `date=${day}`, 'part-0.parquet'), 'SELECT i::DOUBLE AS x FROM range(10) t(i)');
  const locked = path.join(logs, 'date=2026-03-02');
  const file = path.join(locked, 'part-0.parquet');
  try {
    chmodSync(locked, 0o000);
    for (const spec of [logs, path.join(logs, '*', '*.parquet'), path.join(logs, '**', '*.parquet'), path.join(logs, 'date=*', 'part-0.parquet'), path.join(locked, '*.parquet')]) {
      const r = await openWithoutOverride(spec);
      assert.equal(r.ok, false, `${spec} must fail, got ${JSON.stringify(r)}`);
      assert.equal(r.name, 'DataSourceError');
      assert.match(r.message!, /date=2026-03-02.*permission denied/, spec);
    }
    chmodSync(locked, 0o755);
    chmodSync(file, 0o000);
    for (const spec of [logs, path.join(logs, '*', '*.parquet'), file]) {
      const r = await openWithoutOverride(spec);
      assert.equal(r.ok, false, `${spec} must fail, got ${JSON.stringify(r)}`);
      assert.match(r.message!, /cannot read .*date=2026-03-02\/part-0\.parquet: permission denied/, spec);
    }
  } finally {
    // Restored for the temp directory's removal, also when an assertion failed.
    chmodSync(locked, 0o755);
    chmodSync(file, 0o644);
  }
  assert.equal((await openWithoutOverride(logs)).files?.length, 2, 'readable again: both partitions');
});

test('a directory source names the directory when it holds no Parquet file', async (t) => {
  const dir = tempDir(t);
  mkdirSync(path.join(dir, 'empty', 'date=1'), { recursive: true });
  await refused(path.join(dir, 'empty'), /empty: directory holds no data file/);
});

/** Overwrites `file` in place with `bytes` (as `dd conv=notrunc` does) and sets its times back to `seconds`. */
function overwriteInPlace(file: string, bytes: Buffer, at: number, seconds: number): void {
  const fd = openSync(file, 'r+');
  try {
    writeSync(fd, bytes, 0, bytes.length, at);
  } finally {
    closeSync(fd);
  }
  utimesSync(file, seconds, seconds);
}

/** Two Parquet files of the same size and layout, different values (x + 10 against x + 20). */
async function sameSizePair(dir: string): Promise<{ a: string; b: string }> {
  const a = await writeParquet(path.join(dir, 'w', 'part-0.parquet'), 'SELECT i::BIGINT AS id, (i % 10 + 10)::DOUBLE AS x FROM range(1000) t(i)');
  const b = await writeParquet(path.join(dir, 'other.parquet'), 'SELECT i::BIGINT AS id, (i % 10 + 20)::DOUBLE AS x FROM range(1000) t(i)');
  assert.equal(statSync(a).size, statSync(b).size, 'the fixture needs two files of one size');
  return { a, b };
}

test('assertUnchanged: a file overwritten in place, same size, mtime set back, fails naming the file', async (t) => {
  const dir = tempDir(t);
  const { a, b } = await sameSizePair(dir);
  utimesSync(a, 1_700_000_000, 1_700_000_000);
  for (const spec of [a, path.join(dir, 'w'), path.join(dir, 'w', '*.parquet')]) {
    await withConnection(async (conn) => {
      const s = await openSource(conn, 'window', spec);
      await assertUnchanged(s);
      const before = readFileSync(a);
      overwriteInPlace(a, readFileSync(b), 0, 1_700_000_000);
      assert.equal(statSync(a).mtimeMs, 1_700_000_000_000);
      await assert.rejects(assertUnchanged(s), (err: unknown) => {
        assert.ok(err instanceof DataSourceError, String(err));
        assert.match(err.message, new RegExp(`^window ${spec.replace(/[.*[\]]/g, '\\$&')}: ${a.replace(/[.]/g, '\\.')} changed during the run`));
        return true;
      });
      overwriteInPlace(a, before, 0, 1_700_000_000);
    });
  }
});

test('assertUnchanged: a few bytes in the middle of a large file, a removed file, a replaced file', async (t) => {
  const dir = tempDir(t);
  const big = await writeParquet(path.join(dir, 'w', 'big.parquet'), 'SELECT i::BIGINT AS id, hash(i)::DOUBLE AS x FROM range(200000) t(i)');
  const small = await writeParquet(path.join(dir, 'w', 'small.parquet'), 'SELECT 1::BIGINT AS id, 1.0::DOUBLE AS x');
  utimesSync(big, 1_700_000_000, 1_700_000_000);
  assert.ok(statSync(big).size > 512 * 1024, 'larger than the hashed edges');
  const spec = path.join(dir, 'w');
  const rejectsNaming = (s: Source, file: string, why: RegExp) =>
    assert.rejects(assertUnchanged(s), (err: unknown) => err instanceof DataSourceError && err.message.includes(`${file} changed during the run`) && why.test(err.message));

  let s = await open(spec);
  const middle = Math.floor(statSync(big).size / 2);
  overwriteInPlace(big, Buffer.from([readFileSync(big)[middle] ^ 0xff]), middle, 1_700_000_000);
  await rejectsNaming(s, big, /written to/);

  s = await open(spec);
  rmSync(small);
  await rejectsNaming(s, small, /no such file/);

  await writeParquet(small, 'SELECT 1::BIGINT AS id, 1.0::DOUBLE AS x');
  s = await open(spec);
  const copy = path.join(dir, 'copy.parquet');
  copyFileSync(small, copy);
  renameSync(copy, small);
  await rejectsNaming(s, small, /replaced/);
});
