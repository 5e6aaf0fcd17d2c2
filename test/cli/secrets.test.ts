// Storage credentials never reach what a user or a scraper sees: check, report, their errors, and serve's endpoints.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { tempDir, writeParquet } from '../helpers/fixtures.js';
import { cli, startServe } from '../helpers/spawn.js';

const KEY_ID = 'AKIAEXAMPLEKEYID7Q';
const SECRET = 'wJalrXUtnFEMI-K7MDENG-bPxRfiCYsecret';

test('a storage secret appears in no output of check, report or serve, even when the source fails', { timeout: 60_000 }, async (t) => {
  const dir = tempDir(t);
  const baseline = await writeParquet(path.join(dir, 'b.parquet'), `SELECT i::DOUBLE AS x FROM range(500) t(i)`);
  const config = path.join(dir, 'c.yaml');
  writeFileSync(config, stringify({
    storage: { minio: { type: 's3', key_id: '${KEY_ID}', secret: SECRET, endpoint: '127.0.0.1:9', url_style: 'path', use_ssl: false, region: 'us-east-1' } },
    defaults: { schedule: '0 0 1 1 *' },
    models: [{ name: 'remote', baseline, window: 's3://predictions/churn/' }],
  }));
  const env = { KEY_ID };
  for (const args of [['check', '--config', config], ['report', '--config', config], ['report', '--config', config, '--format', 'json', '--verbose']]) {
    const r = await cli(args, { env });
    assert.equal(r.code, 2, `${args.join(' ')}: the remote source cannot be read here`);
    const out = r.stdout + r.stderr;
    assert.match(out, /s3:\/\/predictions\/churn\//, 'the error names the URI');
    assert.ok(!out.includes(SECRET) && !out.includes(KEY_ID), `${args.join(' ')} shows a credential:\n${out}`);
  }
  const s = await startServe(config, { env });
  t.after(() => s.kill());
  await s.waitForLog((l) => l.msg === 'run failed', 30_000);
  for (const p of ['/', '/api/report', '/metrics']) {
    const body = await (await fetch(`${s.url}${p}`)).text();
    assert.ok(!body.includes(SECRET) && !body.includes(KEY_ID), `${p} shows a credential`);
  }
  const logs = JSON.stringify(s.logs);
  assert.ok(!logs.includes(SECRET) && !logs.includes(KEY_ID), 'the log shows a credential');
});
