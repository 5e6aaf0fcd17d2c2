const { DuckDBInstance } = await import('@duckdb/node-api');
const inst = await DuckDBInstance.create(':memory:');
const c = await inst.connect();
const F = process.env.F ?? 'baselines/credit-risk/train.parquet';
const f = `read_parquet('${F}')`;
const cols = (await c.runAndReadAll(`DESCRIBE SELECT * FROM ${f}`)).getRowObjectsJS().map(r => [r.column_name, r.column_type]);
const cats = cols.filter(r => r[1] === 'VARCHAR' || r[1] === 'BOOLEAN').map(r => r[0]).filter(n => n !== 'request_id');
console.log(cats);
const sub = `(SELECT ${cats.map((x, i) => `"${x}"::VARCHAR AS v${i}`).join(', ')} FROM ${f} WHERE TRUE)`;
const Q = {
  gs: `SELECT grouping_id(${cats.map((_, i) => 'v' + i)})::BIGINT AS g, ${cats.map((_, i) => 'v' + i)}, count(*)::BIGINT n FROM ${sub} GROUP BY GROUPING SETS (${cats.map((_, i) => `(v${i})`)})`,
  union: cats.map((_, i) => `SELECT ${i} AS g, v${i}::VARCHAR AS v, count(*)::BIGINT n FROM ${sub} GROUP BY v${i}`).join(' UNION ALL '),
  cte: `WITH t AS MATERIALIZED ${sub} ` + cats.map((_, i) => `SELECT ${i} AS g, v${i} AS v, count(*)::BIGINT n FROM t GROUP BY v${i}`).join(' UNION ALL '),
};
for (let r = 0; r < 4; r++) for (const [k, q] of Object.entries(Q)) { const t = performance.now(); const res = await c.runAndReadAll(q); const rows = res.getRowObjectsJS().length; console.log(r, k, rows, (performance.now() - t).toFixed(1)); }
