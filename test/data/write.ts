/** Writes a SELECT's rows as Parquet, JSON lines or CSV (optionally gzip) through DuckDB's COPY, for the format tests. */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

let conn: Promise<DuckDBConnection> | null = null;

/** The COPY options of each format; `gzip` compresses JSON and CSV. */
export async function writeAs(file: string, format: 'parquet' | 'json' | 'csv', select: string, gzip = false): Promise<string> {
  conn ??= DuckDBInstance.create(':memory:').then((db) => db.connect());
  mkdirSync(path.dirname(file), { recursive: true });
  const options = `FORMAT ${format}${gzip ? ', COMPRESSION gzip' : ''}`;
  await (await conn).run(`COPY (${select}) TO '${file.replaceAll("'", "''")}' (${options})`);
  return file;
}
