// Sources as a string or {source, format, date_partition}, the storage: section and duckdb: settings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, loadConfig, resolveConfig } from '../../src/config/index.js';
import { tempDir } from '../helpers/fixtures.js';

const resolve = (raw: Record<string, unknown>) => resolveConfig(raw, '/etc/drift/config.yaml');

test('a source is a path (made absolute), a URI (kept as written) or {source, format}', () => {
  const [m] = resolve({ models: [{ name: 'a', baseline: 'b.csv', window: { source: 's3://logs/m/', format: 'json', date_partition: 'date' }, timestamp_column: 'ts' }] }).models;
  assert.equal(m.baseline, '/etc/drift/b.csv');
  assert.equal(m.baselineFormat, null);
  assert.equal(m.window, 's3://logs/m/');
  assert.equal(m.windowFormat, 'json');
  assert.equal(m.datePartition, 'date');
});

test('storage and duckdb settings resolve once for every model', () => {
  const cfg = resolve({
    storage: { lake: { type: 's3', provider: 'credential_chain', region: 'eu-west-1' } },
    duckdb: { extension_directory: 'ext', http_timeout: '10s', http_retries: 2 },
    models: [{ name: 'a', baseline: 'b', window: 'w' }],
  });
  assert.deepEqual(cfg.models[0].storage, {
    secrets: { lake: { type: 's3', provider: 'credential_chain', region: 'eu-west-1' } },
    extensionDirectory: '/etc/drift/ext',
    httpTimeoutS: 10,
    httpRetries: 2,
  });
  const plain = resolve({ models: [{ name: 'a', baseline: 'b', window: 'w' }] }).models[0].storage;
  assert.deepEqual(plain, { secrets: {}, extensionDirectory: null, httpTimeoutS: 30, httpRetries: 1 });
});

const refused: [string, Record<string, unknown>, RegExp][] = [
  ['an unknown format', { models: [{ name: 'a', baseline: { source: 'b', format: 'xml' }, window: 'w' }] }, /models\[0\]\.baseline\.format: .*"parquet"/],
  ['a date_partition without timestamp_column', { models: [{ name: 'a', baseline: 'b', window: { source: 'w', date_partition: 'date' } }] }, /models\[0\]\.window\.date_partition: needs timestamp_column/],
  ['an explicit key without its secret', { storage: { m: { type: 's3', key_id: 'k' } }, models: [{ name: 'a', baseline: 'b', window: 'w' }] }, /storage\.m\.secret: explicit keys need both key_id and secret/],
  ['keys with the credential chain', { storage: { m: { type: 's3', provider: 'credential_chain', key_id: 'k', secret: 's' } }, models: [{ name: 'a', baseline: 'b', window: 'w' }] }, /storage\.m\.provider: provider credential_chain finds its own credentials/],
  ['an unknown store type', { storage: { m: { type: 'ftp' } }, models: [{ name: 'a', baseline: 'b', window: 'w' }] }, /storage\.m\.type/],
  ['an unknown duckdb key', { duckdb: { threads: 4 }, models: [{ name: 'a', baseline: 'b', window: 'w' }] }, /duckdb\.threads: unknown or unsupported key/],
];
for (const [name, raw, message] of refused) {
  test(`refused: ${name}`, () => assert.throws(() => resolve(raw), (err: unknown) => err instanceof ConfigError && message.test(err.message)));
}

test('secrets written literally are hidden like values from the environment', (t) => {
  const file = path.join(tempDir(t), 'c.yaml');
  writeFileSync(file, 'storage:\n  minio: { type: s3, key_id: "${KEY}", secret: literal-secret, endpoint: "minio:9000", url_style: path }\nmodels:\n  - { name: a, baseline: b, window: w }\n');
  const cfg = loadConfig(file, { KEY: 'env-key' });
  assert.deepEqual([...cfg.interpolated.values()].sort(), ['env-key', 'literal-secret']);
});
