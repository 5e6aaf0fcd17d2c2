// --web.config.file (TLS, basic auth), and what the endpoints never reveal.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import path from 'node:path';
import bcrypt from 'bcryptjs';
import { stringify } from 'yaml';
import { cli } from '../helpers/spawn.js';
import { tempDir } from '../helpers/fixtures.js';
import { startServe } from '../helpers/spawn.js';
import { fixtureModel, writeConfig, writeFixture } from '../helpers/fixtures.js';
import { haveOpenssl, selfSigned } from './tls.js';

function get(url: string, opts: { ca?: Buffer; auth?: string } = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { ca: opts.ca, headers: opts.auth ? { authorization: `Basic ${Buffer.from(opts.auth).toString('base64')}` } : {} }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
    req.end();
  });
}

test('TLS and basic auth: HTTPS works, plain HTTP is refused, a wrong password gets 401, the right one 200', { timeout: 60_000 }, async (t) => {
  if (!haveOpenssl(t)) return;
  const dir = tempDir(t);
  const files = await writeFixture(dir, { baselineRows: 2000, windowRows: 1000 });
  const config = writeConfig(path.join(dir, 'config.yaml'), [fixtureModel('secure', files.baseline, files.window)]);
  const { cert, key } = selfSigned(dir);
  const web = path.join(dir, 'web.yml');
  writeFileSync(web, stringify({ tls_server_config: { cert_file: cert, key_file: key, min_version: 'TLS12' }, basic_auth_users: { prometheus: bcrypt.hashSync('s3cret', 4) } }));

  const served = await startServe(config, { args: ['--web.config.file', web] });
  t.after(() => served.kill());
  const https = served.url.replace('http://', 'https://');
  const ca = readFileSync(cert);

  assert.equal((await get(`${https}/metrics`, { ca, auth: 'prometheus:s3cret' })).status, 200);
  assert.equal((await get(`${https}/metrics`, { ca, auth: 'prometheus:wrong' })).status, 401);
  assert.equal((await get(`${https}/metrics`, { ca, auth: 'nobody:s3cret' })).status, 401);
  assert.equal((await get(`${https}/metrics`, { ca })).status, 401);
  assert.equal((await get(`${https}/healthz`, { ca, auth: 'prometheus:s3cret' })).status, 200);
  // The HTML report is behind the same checks.
  for (const route of ['/report', '/report/secure']) {
    assert.equal((await get(`${https}${route}`, { ca })).status, 401, route);
    assert.equal((await get(`${https}${route}`, { ca, auth: 'prometheus:wrong' })).status, 401, route);
    const ok = await get(`${https}${route}`, { ca, auth: 'prometheus:s3cret' });
    assert.equal(ok.status, 200, route);
    assert.match(ok.body, /^<!doctype html>/, route);
  }
  // Cached verifications must not let a different password through.
  assert.equal((await get(`${https}/metrics`, { ca, auth: 'prometheus:s3cret2' })).status, 401);
  await assert.rejects(get(`${https}/metrics`, { auth: 'prometheus:s3cret' }), /self-signed|certificate/i, 'an untrusted certificate is rejected by the client');
  await assert.rejects(fetch(`${served.url}/metrics`), 'plain HTTP on the TLS port is refused');
});

test('the web config is validated at start, naming the file and key', async (t) => {
  if (!haveOpenssl(t)) return;
  const dir = tempDir(t);
  const files = await writeFixture(dir, { baselineRows: 200, windowRows: 100 });
  const config = writeConfig(path.join(dir, 'config.yaml'), [fixtureModel('m', files.baseline, files.window)]);
  const { cert, key } = selfSigned(dir);
  const web = path.join(dir, 'web.yml');
  const cases: [unknown, RegExp][] = [
    [{ tls_server_config: { cert_file: 'missing.crt', key_file: key } }, /web\.yml: tls_server_config\.cert_file: cannot read missing\.crt: ENOENT/],
    [{ tls_server_config: { cert_file: cert, key_file: cert } }, /web\.yml: tls_server_config: cert_file and key_file do not make a usable TLS identity/],
    [{ tls_server_config: { cert_file: cert, key_file: key, min_version: 'TLS99' } }, /web\.yml: tls_server_config\.min_version/],
    [{ tls_server_config: { cert_file: cert, key_file: key, client_auth_type: 'RequireAndVerifyClientCert' } }, /tls_server_config\.client_ca_file: required/],
    [{ basic_auth_users: { admin: 'plaintext-password' } }, /web\.yml: basic_auth_users\.admin: expected a bcrypt hash/],
    [{ basic_auth: {} }, /web\.yml: basic_auth: unknown or unsupported key/],
    [{ basic_auth_users: { prometheus: '$2y$03$' + 'a'.repeat(53) } }, /web\.yml: basic_auth_users\.prometheus: bcrypt cost 3 is outside the allowed range 4-14/],
    [{ basic_auth_users: { prometheus: '$2y$31$' + 'a'.repeat(53) } }, /web\.yml: basic_auth_users\.prometheus: bcrypt cost 31 is outside the allowed range 4-14/],
    [{ tls_server_config: { cert_file: cert, key_file: key, min_version: 'TLS13', max_version: 'TLS12' } }, /web\.yml: tls_server_config\.min_version: TLS13 is above max_version TLS12/],
    [{ tls_server_config: { cert_file: cert, key_file: key, client_auth_type: 'RequireAndVerifyClientCert', client_ca_file: key } }, /web\.yml: tls_server_config\.client_ca_file: .*server\.key holds no PEM certificate/],
    [{ http_server_config: { headers: { 'Access-Control-Allow-Origin': '*' } } }, /web\.yml: http_server_config\.headers\.Access-Control-Allow-Origin: this header cannot be configured/],
  ];
  for (const [content, message] of cases) {
    writeFileSync(web, stringify(content));
    const r = await cli(['serve', '--config', config, '--listen', '127.0.0.1:0', '--web.config.file', web], { timeoutMs: 15_000 });
    assert.equal(r.code, 2, JSON.stringify(content));
    assert.match(r.stderr, message);
  }
});

test('no endpoint echoes request input or reveals values interpolated from the environment', { timeout: 60_000 }, async (t) => {
  const dir = tempDir(t);
  const files = await writeFixture(dir, { baselineRows: 2000, windowRows: 1000 });
  const secret = 'tok3n-Zq81';
  const secretDir = path.join(dir, secret);
  const config = path.join(dir, 'config.yaml');
  // One model reads through an interpolated path that does not exist, so its failure names that path.
  writeFileSync(
    config,
    stringify({
      defaults: { schedule: '0 0 1 1 *' },
      models: [fixtureModel('ok', files.baseline, files.window), fixtureModel('broken', files.baseline, '${DATA_ROOT}/missing-*.parquet')],
    }),
  );
  const served = await startServe(config, { env: { DATA_ROOT: secretDir } });
  t.after(() => served.kill());
  await served.waitForLog((l) => l.msg === 'run failed' && l.model === 'broken');
  await served.waitForLog((l) => l.msg === 'run finished' && l.model === 'ok');
  for (const p of ['/', '/metrics', '/api/report', '/healthz', '/readyz', '/report', '/report/broken', `/report/<script>alert(1)</script>`, `/<script>alert(1)</script>`, `/?q=<script>alert(1)</script>`]) {
    const res = await fetch(`${served.url}${p}`);
    const body = await res.text();
    assert.ok(!body.includes(secret), `${p} reveals the interpolated value`);
    assert.ok(!body.includes('<script>'), `${p} echoes the request`);
  }
  // The error is shown, naming the path by its reference; the log keeps it whole.
  const page = await (await fetch(`${served.url}/`)).text();
  assert.match(page, /FAILED: window \$\{DATA_ROOT\}\/missing-\*\.parquet: no file matches/);
  assert.match(await (await fetch(`${served.url}/report/broken`)).text(), /FAILED: window \$\{DATA_ROOT\}\/missing-\*\.parquet: no file matches/);
  const report = await (await fetch(`${served.url}/api/report`)).json();
  assert.match(report.runs.find((r: any) => r.model === 'broken').last_run.error, /^window \$\{DATA_ROOT\}\/missing-\*\.parquet: no file matches/);
  assert.ok(served.logs.some((l) => l.msg === 'run failed' && String(l.error).includes(secretDir)), 'the log names the real path');
});
