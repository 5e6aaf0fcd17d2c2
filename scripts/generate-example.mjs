// Regenerates the shipped example data from generate-example.sql.
import { readFileSync, mkdirSync, rmSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';

rmSync('examples/predictions/credit-risk', { recursive: true, force: true });
mkdirSync('baselines/credit-risk', { recursive: true });
mkdirSync('examples/predictions', { recursive: true });
const conn = await (await DuckDBInstance.create(':memory:')).connect();
for (const stmt of readFileSync(new URL('./generate-example.sql', import.meta.url), 'utf8').split(/;\s*\n/)) {
  const sql = stmt.replace(/^\s*--.*$/gm, '').trim();
  if (sql) await conn.run(sql);
}
console.log('wrote baselines/credit-risk/train.parquet and examples/predictions/credit-risk/');
