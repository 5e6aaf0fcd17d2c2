/**
 * Writing batch runs for node_exporter's textfile collector: one `.prom`
 * file, replaced atomically (written beside it, fsynced, renamed), so the
 * collector never reads half a file. A failed model keeps the series of its
 * last successful run, read back from the file being replaced.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { renderBatch, type BatchRun, type PreviousSample } from './registry.js';

/** Refuses a path the collector would not read (it reads `*.prom` only). */
export function checkTextfilePath(file: string): void {
  if (!file.endsWith('.prom')) throw new Error(`node_exporter's textfile collector reads only files named *.prom (found "${file}")`);
}

/** Writes the runs' series to `file`, replacing it atomically; errors name the file. */
export async function writeTextfile(file: string, runs: readonly BatchRun[]): Promise<void> {
  checkTextfilePath(file);
  const previous = runs.some((r) => !r.report) ? readPrevious(file) : [];
  const text = await renderBatch(runs, previous);
  // In the same directory, so that the rename is atomic; not *.prom, so that the collector skips it.
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    const fd = openSync(tmp, 'w', 0o644);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new Error(`cannot write ${file} (through ${tmp}): ${reason(err)}`, { cause: err });
  }
  // The rename itself survives a crash only once the directory is synced.
  try {
    const dir = openSync(path.dirname(file), 'r');
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
  } catch {
    // Some file systems refuse to sync a directory; the file is in place either way.
  }
}

/** The samples of the file being replaced; none when it does not exist yet. */
function readPrevious(file: string): PreviousSample[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new Error(`cannot read ${file} to keep the last good values of the failed models: ${reason(err)}`, { cause: err });
  }
  const out: PreviousSample[] = [];
  text.split('\n').forEach((line, i) => {
    if (line === '' || line.startsWith('#')) return;
    const s = parseSample(line);
    if (!s) throw new Error(`${file} line ${i + 1}: not a sample as drift-exporter writes them, so the last good values of the failed models cannot be kept; remove the file to start afresh`);
    out.push(s);
  });
  return out;
}

/** `name{label="value",...} value`, label values escaped as the text format escapes them; null when malformed. */
function parseSample(line: string): PreviousSample | null {
  const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
  if (!m) return null;
  const value = Number(m[3]);
  if (!Number.isFinite(value)) return null;
  const labels: Record<string, string> = {};
  const pair = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/y;
  const body = m[2] ?? '';
  while (pair.lastIndex < body.length) {
    const l = pair.exec(body);
    if (!l || l[1] in labels) return null;
    labels[l[1]] = l[2].replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
  }
  return { name: m[1], labels, value };
}

function reason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ENOENT') return 'no such directory';
  if (code === 'EROFS') return 'read-only file system';
  if (code === 'ENOSPC') return 'no space left on device';
  return err instanceof Error ? err.message : String(err);
}
