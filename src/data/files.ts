/**
 * Which files a source covers, in which format, and a cheap fingerprint of
 * each, through node:fs. DuckDB's own glob skips directories it cannot list,
 * so local files are listed here and DuckDB is handed the exact list:
 * whatever the source should cover but cannot be read fails, naming it.
 */
import { createHash } from 'node:crypto';
import { constants, readdirSync, statSync, type Dirent, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';

/** A file or directory a source covers that cannot be read, or a path that matches nothing. */
export class FileAccessError extends Error {
  override name = 'FileAccessError';
}

const GLOB_CHARS = /[*?[]/;

/** The file formats a source may have. */
export type Format = 'parquet' | 'json' | 'csv';

/** The formats, for messages and config validation. */
export const FORMATS: readonly Format[] = ['parquet', 'json', 'csv'];

const EXTENSIONS: [RegExp, Format][] = [
  [/\.(parquet|parq)$/i, 'parquet'],
  [/\.(json|jsonl|ndjson)(\.gz)?$/i, 'json'],
  [/\.csv(\.gz)?$/i, 'csv'],
];

/** A file's format from its name's extension, or null when the extension is none of them. */
export function formatOf(file: string): Format | null {
  return EXTENSIONS.find(([re]) => re.test(file))?.[1] ?? null;
}

/** True for a URI DuckDB reads through an extension (s3://, gs://, https://, ...); file:// and plain paths are local. */
export function isRemote(spec: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(spec) && !/^file:\/\//i.test(spec);
}

/**
 * The one format of a source's files: `format` when given (then every file is
 * read as it, whatever its name), else their extension, which must be known
 * and the same for all.
 */
export function formatOfFiles(files: readonly string[], format: Format | null): Format {
  if (format) return format;
  const found = new Map<Format, string>();
  for (const f of files) {
    const fmt = formatOf(f);
    if (!fmt) throw new FileAccessError(`cannot tell the format of ${f} from its extension (.parquet, .json, .jsonl, .ndjson, .csv, optionally .gz): set format: ${FORMATS.join(' | ')}`);
    if (!found.has(fmt)) found.set(fmt, f);
  }
  if (found.size > 1) {
    throw new FileAccessError(`files of different formats: ${[...found].map(([fmt, f]) => `${f} (${fmt})`).join(', ')}; a source has one format: narrow it with a glob`);
  }
  return [...found.keys()][0];
}

/** The data files of a directory listing: those of the format, or of any known format when none is given. */
export function dataFiles(files: readonly string[], format: Format | null): string[] {
  return files.filter((f) => (format ? formatOf(f) === format : formatOf(f) !== null));
}

/**
 * The files a spec covers, in byte order of their paths; `directory` when the
 * spec is a directory (read as hive partitions). A directory holds the files
 * of `format`, or of the one format its files' extensions name.
 */
export function listFiles(spec: string, format: Format | null = null): { files: string[]; directory: boolean } {
  // A path that exists is read literally, even when its name holds glob characters.
  let stat: Stats | null;
  try {
    stat = statOrNull(spec);
  } catch (err) {
    // A glob below an unreadable directory: the walk names that directory.
    if (!GLOB_CHARS.test(spec)) throw err;
    stat = null;
  }
  if (stat?.isDirectory()) {
    const files = dataFiles(walk(spec.replace(/(.)\/+$/, '$1'), ['**', '*']), format);
    if (files.length === 0) throw new FileAccessError(`directory holds no ${format ?? 'data'} file (${format ? `format: ${format}` : '.parquet, .json, .jsonl, .ndjson, .csv, optionally .gz'})`);
    return { files, directory: true };
  }
  if (stat) {
    if (!stat.isFile()) throw new FileAccessError('not a regular file');
    return { files: [spec], directory: false };
  }
  if (!GLOB_CHARS.test(spec)) throw new FileAccessError('no file matches');
  const segments = spec.split('/');
  const first = segments.findIndex((s) => GLOB_CHARS.test(s));
  const base = segments.slice(0, first).join('/') || (spec.startsWith('/') ? '/' : '');
  const files = walk(base, segments.slice(first).filter((s) => s !== ''));
  if (files.length === 0) throw new FileAccessError('no file matches');
  return { files, directory: false };
}

/** Escapes glob characters, so that DuckDB reads the path literally. */
export function escapeGlob(file: string): string {
  return file.replace(/[*?[]/g, (c) => `[${c}]`);
}

/**
 * The files under `base` matching the glob segments (`*`, `?`, `[...]`
 * within a segment; `**` for any number of directories, as DuckDB's glob).
 * Every directory the pattern must list has to be readable.
 */
function walk(base: string, pattern: string[]): string[] {
  // A trailing `**` matches every file below, as `**/*` does.
  const segments = pattern[pattern.length - 1] === '**' ? [...pattern, '*'] : pattern;
  const out = new Set<string>();
  const join = (dir: string, name: string) => (dir === '' ? name : dir.endsWith('/') ? dir + name : `${dir}/${name}`);
  // Directories already walked for `**` (device:inode), so that a symlink loop ends.
  const seen = new Set<string>();
  const visit = (dir: string, i: number) => {
    const seg = segments[i];
    const last = i === segments.length - 1;
    if (seg === '**') {
      visit(dir, i + 1);
      for (const sub of subdirectories(dir)) {
        const s = statEntry(sub);
        const key = `${i}:${s.dev}:${s.ino}`;
        if (seen.has(key)) continue;
        seen.add(key);
        visit(sub, i);
      }
      return;
    }
    if (!GLOB_CHARS.test(seg)) {
      const p = join(dir, seg);
      const s = statOrNull(p);
      if (!s) return;
      if (last) addFile(p, s);
      else if (s.isDirectory()) visit(p, i + 1);
      return;
    }
    const re = segmentRegExp(seg);
    for (const entry of list(dir)) {
      if (!re.test(entry.name)) continue;
      const p = join(dir, entry.name);
      const s = statEntry(p);
      if (last) addFile(p, s);
      else if (s.isDirectory()) visit(p, i + 1);
    }
  };
  const addFile = (p: string, s: Stats) => {
    // A matching directory is not a file; its contents are reached through `**` when the pattern has one.
    if (s.isDirectory()) return;
    if (!s.isFile()) throw new FileAccessError(`${p} is not a regular file`);
    out.add(p);
  };
  const subdirectories = (dir: string) =>
    list(dir)
      .filter((e) => e.isDirectory() || ((e.isSymbolicLink() || isUnknown(e)) && statEntry(join(dir, e.name)).isDirectory()))
      .map((e) => join(dir, e.name));
  const list = (dir: string): Dirent[] => {
    try {
      return readdirSync(dir === '' ? '.' : dir, { withFileTypes: true });
    } catch (err) {
      if (code(err) === 'ENOENT' || code(err) === 'ENOTDIR') return [];
      throw new FileAccessError(`cannot list directory ${dir || '.'}: ${describe(err)}`, { cause: err });
    }
  };
  visit(base, 0);
  return [...out].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

function isUnknown(e: Dirent): boolean {
  return !e.isFile() && !e.isDirectory() && !e.isSymbolicLink() && !e.isFIFO() && !e.isSocket() && !e.isCharacterDevice() && !e.isBlockDevice();
}

/** Follows symlinks; an entry listed but not stat-able (a dangling link, a file gone) cannot be read. */
function statEntry(p: string): Stats {
  try {
    return statSync(p);
  } catch (err) {
    throw new FileAccessError(`cannot read ${p}: ${describe(err)}`, { cause: err });
  }
}

/** null when nothing is at the path; any other failure (no permission to reach it) is an error. */
function statOrNull(p: string): Stats | null {
  try {
    return statSync(p);
  } catch (err) {
    if (code(err) === 'ENOENT' || code(err) === 'ENOTDIR') return null;
    throw new FileAccessError(`cannot read ${p}: ${describe(err)}`, { cause: err });
  }
}

/** One glob segment as an anchored regular expression. */
function segmentRegExp(seg: string): RegExp {
  let re = '';
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i];
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const close = seg.indexOf(']', i + 2);
      if (close < 0) {
        re += '\\[';
        continue;
      }
      let body = seg.slice(i + 1, close);
      const negate = body[0] === '!' || body[0] === '^';
      if (negate) body = body.slice(1);
      re += `[${negate ? '^' : ''}${body.replace(/[\\\]^]/g, (x) => `\\${x}`)}]`;
      i = close;
    } else re += c.replace(/[.+^${}()|\\\]]/g, (x) => `\\${x}`);
  }
  return new RegExp(`^${re}$`, 's');
}

/** What a run saw of one file: when any of it differs later, the file changed. */
export interface FileStamp {
  file: string;
  size: bigint;
  mtimeNs: bigint;
  /** Changes on every write, and cannot be set back by the writer (unlike mtime). */
  ctimeNs: bigint;
  ino: bigint;
  /** SHA-256 of the first and last 64 KiB (the whole of a small file), and of a Parquet file's footer. */
  digest: string;
}

const EDGE = 64 * 1024;

/** Stamps a file; a file that cannot be opened and read is an error naming it. */
export async function stampFile(file: string): Promise<FileStamp> {
  let handle;
  try {
    // O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below.
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
    const s = await handle.stat({ bigint: true });
    if (!s.isFile()) throw new FileAccessError(`${file} is not a regular file`);
    const size = Number(s.size);
    const read = async (at: number, length: number) => {
      const buf = Buffer.alloc(Math.max(0, length));
      let got = 0;
      while (got < buf.length) {
        const { bytesRead } = await handle!.read(buf, got, buf.length - got, at + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      return buf.subarray(0, got);
    };
    const hash = createHash('sha256');
    hash.update(await read(0, Math.min(EDGE, size)));
    hash.update(await read(Math.max(0, size - EDGE), Math.min(EDGE, size)));
    // The footer holds every row group's offsets and statistics; its length is the 4 bytes before the closing "PAR1".
    if (size >= 12) {
      const tail = await read(size - 8, 8);
      const length = tail.readUInt32LE(0);
      if (tail.subarray(4).toString('latin1') === 'PAR1' && length <= size - 12) hash.update(await read(size - 8 - length, length));
    }
    return { file, size: s.size, mtimeNs: s.mtimeNs, ctimeNs: s.ctimeNs, ino: s.ino, digest: hash.digest('hex') };
  } catch (err) {
    if (err instanceof FileAccessError) throw err;
    throw new FileAccessError(`cannot read ${file}: ${describe(err)}`, { cause: err });
  } finally {
    await handle?.close();
  }
}

/** What differs between two stamps of one file, or null when nothing does. */
export function stampChange(before: FileStamp, after: FileStamp): string | null {
  if (after.ino !== before.ino) return 'replaced by another file';
  if (after.size !== before.size) return `size ${before.size} -> ${after.size} bytes`;
  if (after.digest !== before.digest) return 'content changed';
  if (after.mtimeNs !== before.mtimeNs) return 'modification time changed';
  if (after.ctimeNs !== before.ctimeNs) return 'written to (status change time moved)';
  return null;
}

/** The stamp as a cache-key fragment. */
export function stampKey(s: FileStamp): string {
  return `${s.file}:${s.size}:${s.mtimeNs}:${s.ctimeNs}:${s.ino}:${s.digest}`;
}

function code(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | null)?.code;
}

function describe(err: unknown): string {
  const c = code(err);
  if (c === 'EACCES' || c === 'EPERM') return 'permission denied';
  if (c === 'ENOENT') return 'no such file (a dangling link, or removed)';
  return err instanceof Error ? err.message : String(err);
}

const DAY_MS = 86_400_000;

/**
 * The files whose hive segment `key=YYYY-MM-DD` names a UTC day that meets
 * the window (start, end]; a file without that segment, or whose value is no
 * such date, is kept. Used only when the config says the key is the
 * timestamp's date: then the files dropped hold no row of the window.
 */
export function prunePartitions(files: readonly string[], key: string, start: Date, end: Date): string[] {
  const prefix = `${key}=`;
  return files.filter((file) => {
    const seg = file.split('/').slice(0, -1).find((s) => s.startsWith(prefix));
    const value = seg === undefined ? '' : decodeURIComponent(seg.slice(prefix.length));
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
    if (!m) return true;
    const day = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
    if (!Number.isFinite(day) || new Date(day).toISOString().slice(0, 10) !== value) return true;
    // Some t with start < t <= end lies in [day, day + 1 day).
    return day <= end.getTime() && day + DAY_MS > start.getTime();
  });
}
