/**
 * `--web.config.file`: TLS and basic auth for the exporter's endpoint, in the
 * file format of the Prometheus exporter-toolkit, so an operator can reuse
 * the file of their other exporters.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createSecureContext } from 'node:tls';
import { z } from 'zod';
import { ConfigError, formatIssues } from './errors.js';
import { readYamlFile } from './yaml-file.js';

const CLIENT_AUTH = ['NoClientCert', 'RequestClientCert', 'RequireAnyClientCert', 'VerifyClientCertIfGiven', 'RequireAndVerifyClientCert'] as const;
const TLS_VERSIONS = { TLS10: 'TLSv1', TLS11: 'TLSv1.1', TLS12: 'TLSv1.2', TLS13: 'TLSv1.3' } as const;
const BCRYPT = /^\$2[abxy]?\$\d{2}\$[./A-Za-z0-9]{53}$/;

const schema = z.strictObject({
  tls_server_config: z
    .strictObject({
      cert_file: z.string().min(1),
      key_file: z.string().min(1),
      client_auth_type: z.enum(CLIENT_AUTH).optional(),
      client_ca_file: z.string().min(1).optional(),
      min_version: z.enum(Object.keys(TLS_VERSIONS) as [keyof typeof TLS_VERSIONS]).optional(),
      max_version: z.enum(Object.keys(TLS_VERSIONS) as [keyof typeof TLS_VERSIONS]).optional(),
    })
    .optional(),
  basic_auth_users: z.record(z.string().min(1), z.string().regex(BCRYPT, 'expected a bcrypt hash (e.g. from `htpasswd -nBC 10 user`)')).optional(),
});

/** The validated web config, cert material loaded. */
export interface WebConfig {
  tls: {
    cert: Buffer;
    key: Buffer;
    ca?: Buffer;
    clientAuth: (typeof CLIENT_AUTH)[number];
    minVersion: (typeof TLS_VERSIONS)[keyof typeof TLS_VERSIONS];
    maxVersion?: (typeof TLS_VERSIONS)[keyof typeof TLS_VERSIONS];
  } | null;
  /** user -> bcrypt hash */
  users: Record<string, string>;
}

/** Reads and validates a web config file; errors name the file and key. */
export function loadWebConfig(file: string): WebConfig {
  const parsed = schema.safeParse(readYamlFile(file, 'web config') ?? {}, { reportInput: true });
  if (!parsed.success) throw new ConfigError(formatIssues(file, parsed.error.issues));
  const cfg = parsed.data;
  const dir = path.dirname(path.resolve(file));
  const read = (key: string, p: string) => {
    try {
      return readFileSync(path.resolve(dir, p));
    } catch (err) {
      throw new ConfigError(`${file}: tls_server_config.${key}: cannot read ${p}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { cause: err });
    }
  };
  let tls: WebConfig['tls'] = null;
  const t = cfg.tls_server_config;
  if (t) {
    const clientAuth = t.client_auth_type ?? 'NoClientCert';
    if (clientAuth === 'RequireAndVerifyClientCert' && !t.client_ca_file) {
      throw new ConfigError(`${file}: tls_server_config.client_ca_file: required when client_auth_type is RequireAndVerifyClientCert`);
    }
    tls = {
      cert: read('cert_file', t.cert_file),
      key: read('key_file', t.key_file),
      ...(t.client_ca_file ? { ca: read('client_ca_file', t.client_ca_file) } : {}),
      clientAuth,
      minVersion: TLS_VERSIONS[t.min_version ?? 'TLS12'],
      ...(t.max_version ? { maxVersion: TLS_VERSIONS[t.max_version] } : {}),
    };
    try {
      createSecureContext({ cert: tls.cert, key: tls.key, ca: tls.ca, minVersion: tls.minVersion, maxVersion: tls.maxVersion });
    } catch (err) {
      throw new ConfigError(`${file}: tls_server_config: cert_file and key_file do not make a usable TLS identity: ${(err as Error).message}`, { cause: err });
    }
  }
  return { tls, users: cfg.basic_auth_users ?? {} };
}
