import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

let conn: Promise<DuckDBConnection> | null = null;

/** Writes the result of a SELECT to a Parquet file through DuckDB (parent folders created). */
export async function writeParquet(file: string, select: string): Promise<string> {
  conn ??= DuckDBInstance.create(':memory:').then((db) => db.connect());
  mkdirSync(path.dirname(file), { recursive: true });
  await (await conn).run(`COPY (${select}) TO '${file.replaceAll("'", "''")}' (FORMAT parquet)`);
  return file;
}

/** A fresh temp directory, removed when the test ends. */
export function tempDir(t: { after: (fn: () => void) => void }, prefix = 'drift-test-'): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
