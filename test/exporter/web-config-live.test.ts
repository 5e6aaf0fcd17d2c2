// The web config as the exporter-toolkit uses it: http_server_config (HTTP/2,
// security headers), re-read while serving (rotated certificates, changed
// users, a broken file refused), and the health socket beside TLS and auth.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { connect as http2Connect } from 'node:http2';
import { connect as tlsConnect } from 'node:tls';
import path from 'node:path';
import bcrypt from 'bcryptjs';
import { stringify } from 'yaml';
import { fixtureModel, tempDir, writeConfig, writeFixture } from '../helpers/fixtures.js';
import { startServe, waitFor } from '../helpers/spawn.js';
import { haveOpenssl, httpsGet, selfSigned } from './tls.js';

const HEADERS = { 'X-Frame-Options': 'deny', 'X-Content-Type-Options': 'nosniff', 'Strict-Transport-Security': 'max-age=31536000', 'Content-Security-Policy': "default-src 'self'" };
const basic = (auth: string) => `Basic ${Buffer.from(auth).toString('base64')}`;

async function fixtureConfig(dir: string): Promise<string> {
  const files = await writeFixture(dir, { baselineRows: 200, windowRows: 100 });
  return writeConfig(path.join(dir, 'config.yaml'), [fixtureModel('m', files.baseline, files.window)]);
}

/** The protocol the server picks when a client offers h2 and http/1.1 (false: no ALPN answer). */
function alpn(port: number, ca: Buffer): Promise<string | false> {
  return new Promise((resolve, reject) => {
    const s = tlsConnect({ host: '127.0.0.1', port, ca, ALPNProtocols: ['h2', 'http/1.1'] }, () => {
      resolve(s.alpnProtocol ?? false);
      s.destroy();
    });
    s.on('error', reject);
  });
}

/** One HTTP/2 request on a new session. */
function h2Get(url: string, ca: Buffer, pathname: string, auth?: string): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const session = http2Connect(url, { ca });
    session.on('error', reject);
    const req = session.request({ ':path': pathname, ...(auth ? { authorization: basic(auth) } : {}) });
    let headers: Record<string, unknown> = {};
    let body = '';
    req.on('response', (h) => (headers = h));
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      session.close();
      resolve({ status: Number(headers[':status']), headers, body });
    });
    req.on('error', reject);
    req.setTimeout(5000, () => req.close());
  });
}

test('http_server_config: HTTP/2 with HTTP/1.1 fallback under TLS, the security headers on every answer (401 and 404 too)', { timeout: 60_000 }, async (t) => {
  if (!haveOpenssl(t)) return;
  const dir = tempDir(t);
  const config = await fixtureConfig(dir);
  const { cert, key } = selfSigned(dir);
  const ca = readFileSync(cert);
  const web = path.join(dir, 'web.yml');
  writeFileSync(web, stringify({ tls_server_config: { cert_file: cert, key_file: key }, http_server_config: { http2: true, headers: { ...HEADERS, 'X-XSS-Protection': '' } }, basic_auth_users: { prometheus: bcrypt.hashSync('s3cret', 4) } }));
  const served = await startServe(config, { args: ['--web.config.file', web] });
  t.after(() => served.kill());
  const https = served.url.replace('http://', 'https://');
  const port = Number(new URL(https).port);

  assert.equal(await alpn(port, ca), 'h2');
  const h2 = await h2Get(https, ca, '/metrics', 'prometheus:s3cret');
  assert.equal(h2.status, 200);
  assert.match(h2.body, /^# HELP /m);
  assert.equal((await h2Get(https, ca, '/metrics', 'prometheus:wrong')).status, 401);
  const h2Page = await h2Get(https, ca, '/', 'prometheus:s3cret');
  assert.equal(h2Page.status, 200);
  assert.match(String(h2Page.headers['content-type']), /^text\/html/);
  assert.equal((await h2Get(https, ca, '/healthz', 'prometheus:s3cret')).body, 'ok\n');
  for (const [name, value] of Object.entries(HEADERS)) assert.equal(h2.headers[name.toLowerCase()], value, `h2 ${name}`);
  assert.equal(h2.headers['x-xss-protection'], undefined, 'a blank header is left out');

  // HTTP/1.1 clients (no ALPN) still get answers, with the same headers, whatever the status.
  for (const [p, auth, status] of [['/metrics', 'prometheus:s3cret', 200], ['/metrics', 'prometheus:wrong', 401], ['/nope', 'prometheus:s3cret', 404]] as const) {
    const r = await httpsGet(`${https}${p}`, { ca, auth });
    assert.equal(r.status, status, p);
    for (const [name, value] of Object.entries(HEADERS)) assert.equal(r.headers[name.toLowerCase()], value, `${p} ${status} ${name}`);
  }
});

test('http2: false keeps HTTP/1.1 only; without TLS, http2 is ignored as in the toolkit and headers still apply', { timeout: 60_000 }, async (t) => {
  if (!haveOpenssl(t)) return;
  const dir = tempDir(t);
  const config = await fixtureConfig(dir);
  const { cert, key } = selfSigned(dir);
  const ca = readFileSync(cert);
  const tlsWeb = path.join(dir, 'tls.yml');
  writeFileSync(tlsWeb, stringify({ tls_server_config: { cert_file: cert, key_file: key }, http_server_config: { http2: false } }));
  const tlsServed = await startServe(config, { args: ['--web.config.file', tlsWeb] });
  t.after(() => tlsServed.kill());
  const https = tlsServed.url.replace('http://', 'https://');
  assert.notEqual(await alpn(Number(new URL(https).port), ca), 'h2');
  assert.equal((await httpsGet(`${https}/metrics`, { ca })).status, 200);

  const plainWeb = path.join(dir, 'plain.yml');
  writeFileSync(plainWeb, stringify({ http_server_config: { http2: true, headers: { 'X-Frame-Options': 'sameorigin' } } }));
  const plain = await startServe(config, { args: ['--web.config.file', plainWeb] });
  t.after(() => plain.kill());
  const res = await fetch(`${plain.url}/metrics`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('x-frame-options'), 'sameorigin');
});

test('the web config is re-read while serving: a rotated certificate on the next connection, a changed password at once, a broken file refused and logged once', { timeout: 90_000 }, async (t) => {
  if (!haveOpenssl(t)) return;
  const dir = tempDir(t);
  const config = await fixtureConfig(dir);
  const { cert, key } = selfSigned(dir);
  const web = path.join(dir, 'web.yml');
  const write = (users: Record<string, string>, extra: Record<string, unknown> = {}) =>
    writeFileSync(web, stringify({ tls_server_config: { cert_file: 'server.crt', key_file: 'server.key' }, basic_auth_users: users, ...extra }));
  write({ prometheus: bcrypt.hashSync('old-pass', 4) });
  const served = await startServe(config, { args: ['--web.config.file', web] });
  t.after(() => served.kill());
  const https = served.url.replace('http://', 'https://');
  const oldCa = readFileSync(cert);
  const first = await httpsGet(`${https}/metrics`, { ca: oldCa, auth: 'prometheus:old-pass' });
  assert.equal(first.status, 200);

  // Rotate as cert-manager does: new files renamed over the old ones.
  const next = selfSigned(dir, 'next');
  renameSync(next.key, key);
  renameSync(next.cert, cert);
  const newCa = readFileSync(cert);
  const rotated = await httpsGet(`${https}/metrics`, { ca: newCa, auth: 'prometheus:old-pass' });
  assert.equal(rotated.status, 200);
  assert.notEqual(rotated.fingerprint, first.fingerprint, 'a new connection gets the new certificate');
  await assert.rejects(httpsGet(`${https}/metrics`, { ca: oldCa, auth: 'prometheus:old-pass' }), /self-signed|certificate/i, 'the old certificate is no longer served');
  await served.waitForLog((l) => l.msg === 'web config reloaded');

  // A new password: the old one, though verified and cached before, is refused.
  write({ prometheus: bcrypt.hashSync('new-pass', 4) });
  assert.equal((await httpsGet(`${https}/metrics`, { ca: newCa, auth: 'prometheus:old-pass' })).status, 401);
  assert.equal((await httpsGet(`${https}/metrics`, { ca: newCa, auth: 'prometheus:new-pass' })).status, 200);

  // A broken file (cost 3) is refused: the config in force stays, and the refusal is logged once.
  const logsBefore = served.logs.length;
  write({ prometheus: '$2y$03$' + 'a'.repeat(53) });
  for (let i = 0; i < 5; i++) assert.equal((await httpsGet(`${https}/metrics`, { ca: newCa, auth: 'prometheus:new-pass' })).status, 200);
  const refused = served.logs.slice(logsBefore).filter((l) => l.msg === 'web config reload refused; the running web config stays');
  assert.equal(refused.length, 1, JSON.stringify(served.logs.slice(logsBefore)));
  assert.match(String(refused[0].error), /web\.yml: basic_auth_users\.prometheus: bcrypt cost 3 is outside the allowed range/);
  assert.equal(refused[0].level, 50);

  // So is a file that turns TLS off (the server cannot change kind without a restart).
  writeFileSync(web, stringify({ basic_auth_users: { prometheus: bcrypt.hashSync('x', 4) } }));
  assert.equal((await httpsGet(`${https}/metrics`, { ca: newCa, auth: 'prometheus:new-pass' })).status, 200);
  await served.waitForLog((l) => /turning tls_server_config on or off takes a restart/.test(String(l.error)), 5000);
});

test('the health socket answers /healthz and /readyz without TLS or auth while the port needs both; nothing else, and only for its user', { timeout: 60_000 }, async (t) => {
  if (!haveOpenssl(t)) return;
  const dir = tempDir(t);
  const config = await fixtureConfig(dir);
  const { cert, key } = selfSigned(dir);
  const web = path.join(dir, 'web.yml');
  writeFileSync(web, stringify({ tls_server_config: { cert_file: cert, key_file: key }, basic_auth_users: { prometheus: bcrypt.hashSync('s3cret', 4) } }));
  const socket = path.join(dir, 'health.sock');
  const served = await startServe(config, { args: ['--web.config.file', web, '--health.socket', socket] });
  t.after(() => served.kill());
  const overSocket = (p: string, method = 'GET') =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpGet({ socketPath: socket, path: p, method, timeout: 5000 }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      });
      req.on('error', reject);
    });

  assert.equal(statSync(socket).mode & 0o777, 0o600);
  assert.deepEqual(await overSocket('/healthz'), { status: 200, body: 'ok\n' });
  await served.waitForLog((l) => l.msg === 'run finished');
  await waitFor('ready', async () => (await overSocket('/readyz')).status === 200);
  for (const p of ['/metrics', '/', '/api/report']) assert.equal((await overSocket(p)).status, 404, p);
  assert.equal((await overSocket('/healthz', 'POST')).status, 405);
  const https = served.url.replace('http://', 'https://');
  assert.equal((await httpsGet(`${https}/healthz`, { ca: readFileSync(cert) })).status, 401, 'the port still asks for credentials');

  // A second exporter on the same socket is refused rather than stealing it.
  const second = await startServe(config, { args: ['--health.socket', socket], waitListening: false });
  t.after(() => second.kill());
  const exit = await second.exitWithin(15_000);
  assert.notEqual(exit, 'timeout');
  assert.match(second.stderr(), /cannot listen on .*health\.sock: another process is answering on it/);

  served.child.kill('SIGTERM');
  await served.exited;
  assert.throws(() => statSync(socket), /ENOENT/, 'the socket is removed at shutdown');
});

test('client certificates are checked over HTTP/2 as over HTTP/1.1 (RequireAnyClientCert)', { timeout: 60_000 }, async (t) => {
  if (!haveOpenssl(t)) return;
  const dir = tempDir(t);
  const config = await fixtureConfig(dir);
  const { cert, key } = selfSigned(dir);
  const client = selfSigned(dir, 'client');
  const ca = readFileSync(cert);
  const web = path.join(dir, 'web.yml');
  writeFileSync(web, stringify({ tls_server_config: { cert_file: cert, key_file: key, client_auth_type: 'RequireAnyClientCert' } }));
  const served = await startServe(config, { args: ['--web.config.file', web] });
  t.after(() => served.kill());
  const https = served.url.replace('http://', 'https://');
  const h2 = (withCert: boolean) =>
    new Promise<number>((resolve, reject) => {
      const session = http2Connect(https, { ca, ...(withCert ? { cert: readFileSync(client.cert), key: readFileSync(client.key) } : {}) });
      session.on('error', reject);
      const req = session.request({ ':path': '/metrics' });
      req.on('response', (h) => {
        req.resume();
        req.on('end', () => (session.close(), resolve(Number(h[':status']))));
      });
      req.on('error', reject);
    });
  assert.equal(await h2(false), 403);
  assert.equal(await h2(true), 200);
});
