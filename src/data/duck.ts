import { DuckDBInstance, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';

let instance: Promise<DuckDBInstance> | null = null;

/** The process-wide in-memory DuckDB; each run gets its own connection. */
function getInstance(): Promise<DuckDBInstance> {
  // Created lazily so that `--help` and config checks never load the native library.
  instance ??= DuckDBInstance.create(':memory:');
  return instance;
}

/** Runs `fn` with a fresh connection that is always closed afterwards. */
export async function withConnection<T>(fn: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
  const conn = await (await getInstance()).connect();
  try {
    return await fn(conn);
  } finally {
    conn.closeSync();
  }
}

/** Quotes an SQL identifier; the only way a column name enters SQL text. */
export function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Runs a parameterised query and returns its rows as plain JS objects. */
export async function rows(conn: DuckDBConnection, sql: string, params: DuckDBValue[] = []): Promise<Record<string, unknown>[]> {
  const reader = await conn.runAndReadAll(sql, params);
  return reader.getRowObjectsJS() as Record<string, unknown>[];
}

/** Streams the first column of a DOUBLE query into one typed array, chunk by chunk. */
export async function doubles(conn: DuckDBConnection, sql: string, params: DuckDBValue[], expected: number): Promise<Float64Array> {
  let out = new Float64Array(Math.max(expected, 16));
  let n = 0;
  const result = await conn.run(sql, params);
  for await (const chunk of result) {
    const vector = chunk.getColumnVector(0);
    const count = chunk.rowCount;
    if (n + count > out.length) {
      const grown = new Float64Array(Math.max(out.length * 2, n + count));
      grown.set(out.subarray(0, n));
      out = grown;
    }
    for (let i = 0; i < count; i++) out[n++] = vector.getItem(i) as number;
  }
  return out.subarray(0, n);
}
