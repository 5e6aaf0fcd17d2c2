// loadWebConfig in process: the exporter-toolkit format, refused naming the file and key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, loadWebConfig } from '../../src/config/index.js';
import { tempDir } from '../helpers/fixtures.js';

const HASH = '$2y$10$' + 'a'.repeat(53);

const REFUSED: { name: string; yaml: string; message: RegExp }[] = [
  { name: 'an unknown key', yaml: 'basic_auth: {}\n', message: /basic_auth: unknown or unsupported key/ },
  { name: 'a password that is not a bcrypt hash', yaml: 'basic_auth_users:\n  admin: plaintext\n', message: /basic_auth_users\.admin: expected a bcrypt hash .* \(found "plaintext"\)/ },
  { name: 'an unknown TLS version', yaml: 'tls_server_config: { cert_file: c, key_file: k, min_version: TLS99 }\n', message: /tls_server_config\.min_version: Invalid option: expected one of "TLS10"\|"TLS11"\|"TLS12"\|"TLS13" \(found "TLS99"\)/ },
  { name: 'a TLS block without key_file', yaml: 'tls_server_config: { cert_file: c }\n', message: /tls_server_config\.key_file: Invalid input: expected string, received undefined/ },
  { name: 'mTLS without a client CA', yaml: 'tls_server_config: { cert_file: c, key_file: k, client_auth_type: RequireAndVerifyClientCert }\n', message: /tls_server_config\.client_ca_file: required when client_auth_type is RequireAndVerifyClientCert/ },
  { name: 'a certificate that cannot be read', yaml: 'tls_server_config: { cert_file: missing.crt, key_file: k }\n', message: /tls_server_config\.cert_file: cannot read missing\.crt: ENOENT/ },
  { name: 'a list at the top level', yaml: '- a\n', message: /\(top level\): Invalid input: expected object, received array/ },
  { name: 'invalid YAML', yaml: 'basic_auth_users: {\n', message: /invalid YAML/ },
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
  assert.deepEqual(loadWebConfig(file), { tls: null, users: {} });
});

test('basic_auth_users may be shared with a merge key', (t) => {
  const file = path.join(tempDir(t), 'web.yml');
  writeFileSync(file, `basic_auth_users:\n  <<: { prometheus: "${HASH}" }\n  grafana: "${HASH}"\n`);
  assert.deepEqual(loadWebConfig(file), { tls: null, users: { prometheus: HASH, grafana: HASH } });
});
