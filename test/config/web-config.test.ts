// loadWebConfig in process: the exporter-toolkit format, refused naming the file and key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, loadWebConfig } from '../../src/config/index.js';
import { tempDir } from '../helpers/fixtures.js';
import { haveOpenssl, selfSigned } from '../exporter/tls.js';

const HASH = '$2y$10$' + 'a'.repeat(53);
const withCost = (cost: string) => `$2y$${cost}$` + 'a'.repeat(53);

const REFUSED: { name: string; yaml: string; message: RegExp }[] = [
  { name: 'an unknown key', yaml: 'basic_auth: {}\n', message: /basic_auth: unknown or unsupported key/ },
  { name: 'a password that is not a bcrypt hash', yaml: 'basic_auth_users:\n  admin: plaintext\n', message: /basic_auth_users\.admin: expected a bcrypt hash .* \(found "plaintext"\)/ },
  { name: 'an unknown TLS version', yaml: 'tls_server_config: { cert_file: c, key_file: k, min_version: TLS99 }\n', message: /tls_server_config\.min_version: Invalid option: expected one of "TLS10"\|"TLS11"\|"TLS12"\|"TLS13" \(found "TLS99"\)/ },
  { name: 'a TLS block without key_file', yaml: 'tls_server_config: { cert_file: c }\n', message: /tls_server_config\.key_file: Invalid input: expected string, received undefined/ },
  { name: 'mTLS without a client CA', yaml: 'tls_server_config: { cert_file: c, key_file: k, client_auth_type: RequireAndVerifyClientCert }\n', message: /tls_server_config\.client_ca_file: required when client_auth_type is RequireAndVerifyClientCert/ },
  { name: 'a certificate that cannot be read', yaml: 'tls_server_config: { cert_file: missing.crt, key_file: k }\n', message: /tls_server_config\.cert_file: cannot read missing\.crt: ENOENT/ },
  { name: 'a list at the top level', yaml: '- a\n', message: /\(top level\): Invalid input: expected object, received array/ },
  { name: 'invalid YAML', yaml: 'basic_auth_users: {\n', message: /invalid YAML/ },
  { name: 'a bcrypt cost below 4 (can never match)', yaml: `basic_auth_users:\n  prometheus: "${withCost('03')}"\n`, message: /basic_auth_users\.prometheus: bcrypt cost 3 is outside the allowed range 4-14 \(below bcrypt's minimum of 4, so no password can ever match it\)/ },
  { name: 'a bcrypt cost of 31 (hours per check)', yaml: `basic_auth_users:\n  prometheus: "${withCost('31')}"\n`, message: /basic_auth_users\.prometheus: bcrypt cost 31 is outside the allowed range 4-14 \(too slow: each check would take about \d+ h of CPU/ },
  { name: 'a bcrypt cost of 15 (seconds per check)', yaml: `basic_auth_users:\n  grafana: "${HASH}"\n  prometheus: "${withCost('15')}"\n`, message: /basic_auth_users\.prometheus: bcrypt cost 15 is outside the allowed range 4-14 \(too slow: each check would take about 3 s of CPU/ },
  { name: 'min_version above max_version', yaml: 'tls_server_config: { cert_file: c, key_file: k, min_version: TLS13, max_version: TLS12 }\n', message: /tls_server_config\.min_version: TLS13 is above max_version TLS12, so no handshake could succeed/ },
  { name: 'a max_version below the default min_version', yaml: 'tls_server_config: { cert_file: c, key_file: k, max_version: TLS11 }\n', message: /tls_server_config\.min_version: TLS12 \(the default\) is above max_version TLS11/ },
  { name: 'an unknown http_server_config key', yaml: 'http_server_config: { http3: true }\n', message: /http_server_config\.http3: unknown or unsupported key/ },
  { name: 'http2 that is not a boolean', yaml: 'http_server_config: { http2: "yes" }\n', message: /http_server_config\.http2: Invalid input: expected boolean/ },
  { name: 'a header the toolkit does not allow', yaml: 'http_server_config: { headers: { Server: nginx } }\n', message: /http_server_config\.headers\.Server: this header cannot be configured; allowed are Content-Security-Policy, Strict-Transport-Security, X-Content-Type-Options, X-Frame-Options, X-XSS-Protection/ },
  { name: 'a header name in another case (the toolkit matches exactly)', yaml: 'http_server_config: { headers: { x-frame-options: deny } }\n', message: /http_server_config\.headers\.x-frame-options: this header cannot be configured/ },
  { name: 'an X-Frame-Options value outside the enumeration', yaml: 'http_server_config: { headers: { X-Frame-Options: allow-from } }\n', message: /http_server_config\.headers\.X-Frame-Options: expected one of "deny", "sameorigin" \(found "allow-from"\)/ },
  { name: 'an X-Content-Type-Options value other than nosniff', yaml: 'http_server_config: { headers: { X-Content-Type-Options: sniff } }\n', message: /X-Content-Type-Options: expected one of "nosniff"/ },
  { name: 'a header value over two lines', yaml: 'http_server_config: { headers: { Content-Security-Policy: "a\\r\\nSet-Cookie: x" } }\n', message: /headers\.Content-Security-Policy: expected one line of printable ASCII/ },
  { name: 'a merge of a scalar', yaml: 'basic_auth_users:\n  <<: 1\n', message: /invalid YAML at line 2, column 7: a merge key \(<<\) takes a mapping/ },
];

for (const c of REFUSED) {
  test(`web config refused: ${c.name}`, (t) => {
    const file = path.join(tempDir(t), 'web.yml');
    writeFileSync(file, c.yaml);
    assert.throws(() => loadWebConfig(file), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.ok(err.message.startsWith(`${file}: `), err.message);
      assert.match(err.message, c.message);
      return true;
    });
  });
}

test('an empty web config means no TLS and no users', (t) => {
  const file = path.join(tempDir(t), 'web.yml');
  writeFileSync(file, '');
  assert.deepEqual(loadWebConfig(file), { tls: null, users: {}, http2: true, headers: {}, files: [file] });
});

test('basic_auth_users may be shared with a merge key', (t) => {
  const file = path.join(tempDir(t), 'web.yml');
  writeFileSync(file, `basic_auth_users:\n  <<: { prometheus: "${HASH}" }\n  grafana: "${HASH}"\n`);
  assert.deepEqual(loadWebConfig(file), { tls: null, users: { prometheus: HASH, grafana: HASH }, http2: true, headers: {}, files: [file] });
});

test('http_server_config of the toolkit is accepted: http2 and its security headers, blank ones left out', (t) => {
  const file = path.join(tempDir(t), 'web.yml');
  writeFileSync(
    file,
    'http_server_config:\n  http2: false\n  headers:\n    X-Frame-Options: deny\n    X-Content-Type-Options: nosniff\n    Strict-Transport-Security: max-age=31536000\n    Content-Security-Policy: ""\n',
  );
  const c = loadWebConfig(file);
  assert.equal(c.http2, false);
  assert.deepEqual(c.headers, { 'X-Frame-Options': 'deny', 'X-Content-Type-Options': 'nosniff', 'Strict-Transport-Security': 'max-age=31536000' });
});

test('bcrypt costs 4 and 14, the ends of the allowed range, are accepted', (t) => {
  const file = path.join(tempDir(t), 'web.yml');
  writeFileSync(file, `basic_auth_users:\n  a: "${withCost('04')}"\n  b: "${withCost('14')}"\n`);
  assert.deepEqual(Object.keys(loadWebConfig(file).users), ['a', 'b']);
});

test('a client_ca_file without a certificate in it, or with one that does not parse, is refused naming the file and key', (t) => {
  if (!haveOpenssl(t)) return;
  const dir = tempDir(t);
  const { cert, key } = selfSigned(dir);
  const file = path.join(dir, 'web.yml');
  const ca = path.join(dir, 'ca.pem');
  const cases: [string, RegExp][] = [
    ['', /tls_server_config\.client_ca_file: ca\.pem holds no PEM certificate/],
    ['just some text\n', /tls_server_config\.client_ca_file: ca\.pem holds no PEM certificate/],
    [readFileSync(key, 'utf8'), /tls_server_config\.client_ca_file: ca\.pem holds no PEM certificate/],
    ['-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n', /tls_server_config\.client_ca_file: certificate 1 in ca\.pem cannot be parsed/],
  ];
  for (const [content, message] of cases) {
    writeFileSync(ca, content);
    writeFileSync(file, `tls_server_config: { cert_file: ${cert}, key_file: ${key}, client_ca_file: ca.pem, client_auth_type: RequireAndVerifyClientCert }\n`);
    assert.throws(() => loadWebConfig(file), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.ok(err.message.startsWith(`${file}: `), err.message);
      assert.match(err.message, message);
      return true;
    }, JSON.stringify(content));
  }
  // The server's own certificate is a valid CA file: the check is not what refuses.
  writeFileSync(ca, readFileSync(cert));
  assert.deepEqual(loadWebConfig(file).files, [file, cert, key, ca]);
});
