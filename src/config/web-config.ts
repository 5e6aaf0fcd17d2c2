/**
 * `--web.config.file`: TLS, basic auth and response headers for the
 * exporter's endpoint, in the file format of the Prometheus exporter-toolkit,
 * so an operator can reuse the file of their other exporters. Everything that
 * would only fail later, at a handshake or a login, is refused here.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type * as Tls from 'node:tls';
import * as z from './zod.js';
import { ConfigError, formatIssues } from './errors.js';
import { readYamlFile } from './yaml-file.js';

const CLIENT_AUTH = ['NoClientCert', 'RequestClientCert', 'RequireAnyClientCert', 'VerifyClientCertIfGiven', 'RequireAndVerifyClientCert'] as const;
const TLS_VERSIONS = { TLS10: 'TLSv1', TLS11: 'TLSv1.1', TLS12: 'TLSv1.2', TLS13: 'TLSv1.3' } as const;
type TlsVersion = keyof typeof TLS_VERSIONS;
const TLS_ORDER = Object.keys(TLS_VERSIONS) as TlsVersion[];
const BCRYPT = /^\$2[abxy]?\$(\d{2})\$[./A-Za-z0-9]{53}$/;

/** bcrypt's own lower bound (Go's bcrypt.MinCost): a hash below it can never match. */
export const BCRYPT_MIN_COST = 4;
/**
 * Our upper bound, below bcrypt's 31. One check at cost 14 takes about a
 * second here (bcryptjs; each step up doubles it), so a first scrape still
 * fits Prometheus' default 10 s timeout and a flood of wrong passwords cannot
 * keep the bcrypt thread busy for minutes after the clients leave.
 */
export const BCRYPT_MAX_COST = 14;

/**
 * The response headers the exporter-toolkit lets a web config set, with the
 * values it accepts where they form an enumeration (null: any value).
 */
const EXTRA_HEADERS: Record<string, readonly string[] | null> = {
  'Content-Security-Policy': null,
  'Strict-Transport-Security': null,
  'X-Content-Type-Options': ['nosniff'],
  'X-Frame-Options': ['deny', 'sameorigin'],
  'X-XSS-Protection': null,
};

const schema = z.strictObject({
  tls_server_config: z
    .strictObject({
      cert_file: z.string().min(1),
      key_file: z.string().min(1),
      client_auth_type: z.enum(CLIENT_AUTH).optional(),
      client_ca_file: z.string().min(1).optional(),
      min_version: z.enum(TLS_ORDER as [TlsVersion]).optional(),
      max_version: z.enum(TLS_ORDER as [TlsVersion]).optional(),
    })
    .optional(),
  http_server_config: z
    .strictObject({
      http2: z.boolean().optional(),
      headers: z.record(z.string(), z.string()).optional(),
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
    minVersion: (typeof TLS_VERSIONS)[TlsVersion];
    maxVersion?: (typeof TLS_VERSIONS)[TlsVersion];
  } | null;
  /** user -> bcrypt hash */
  users: Record<string, string>;
  /** HTTP/2 (with HTTP/1.1 fallback) when TLS is on; ignored without TLS, as in the toolkit. */
  http2: boolean;
  /** Headers added to every response (blank values left out, as the toolkit unsets them). */
  headers: Record<string, string>;
  /** Every file this config was read from (the web config, then its certificate files), absolute: a reload watches them. */
  files: string[];
}

/** Reads and validates a web config file; errors name the file and key. */
export function loadWebConfig(file: string): WebConfig {
  const parsed = schema.safeParse(readYamlFile(file, 'web config') ?? {}, { reportInput: true });
  if (!parsed.success) throw new ConfigError(formatIssues(file, parsed.error.issues));
  const cfg = parsed.data;
  const dir = path.dirname(path.resolve(file));
  const files = [path.resolve(file)];
  const read = (key: string, p: string) => {
    const abs = path.resolve(dir, p);
    files.push(abs);
    try {
      return readFileSync(abs);
    } catch (err) {
      throw new ConfigError(`${file}: tls_server_config.${key}: cannot read ${p}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { cause: err });
    }
  };
  const users = cfg.basic_auth_users ?? {};
  for (const [user, hash] of Object.entries(users)) checkCost(file, user, hash);
  const headers = checkHeaders(file, cfg.http_server_config?.headers ?? {});

  let tls: WebConfig['tls'] = null;
  const t = cfg.tls_server_config;
  if (t) {
    const clientAuth = t.client_auth_type ?? 'NoClientCert';
    if (clientAuth === 'RequireAndVerifyClientCert' && !t.client_ca_file) {
      throw new ConfigError(`${file}: tls_server_config.client_ca_file: required when client_auth_type is RequireAndVerifyClientCert`);
    }
    const min = t.min_version ?? 'TLS12';
    const max = t.max_version ?? 'TLS13';
    if (TLS_ORDER.indexOf(min) > TLS_ORDER.indexOf(max)) {
      const which = (v: string, given: unknown) => (given ? v : `${v} (the default)`);
      throw new ConfigError(`${file}: tls_server_config.min_version: ${which(min, t.min_version)} is above max_version ${which(max, t.max_version)}, so no handshake could succeed`);
    }
    tls = {
      cert: read('cert_file', t.cert_file),
      key: read('key_file', t.key_file),
      ...(t.client_ca_file ? { ca: read('client_ca_file', t.client_ca_file) } : {}),
      clientAuth,
      minVersion: TLS_VERSIONS[min],
      ...(t.max_version ? { maxVersion: TLS_VERSIONS[t.max_version] } : {}),
    };
    if (tls.ca) checkCertificates(file, 'client_ca_file', t.client_ca_file!, tls.ca);
    try {
      // Required here, not imported: only a TLS config needs node:tls (and node:net), not every command that loads configs.
      const { createSecureContext } = createRequire(import.meta.url)('node:tls') as typeof Tls;
      createSecureContext({ cert: tls.cert, key: tls.key, ca: tls.ca, minVersion: tls.minVersion, maxVersion: tls.maxVersion });
    } catch (err) {
      throw new ConfigError(`${file}: tls_server_config: cert_file and key_file do not make a usable TLS identity: ${(err as Error).message}`, { cause: err });
    }
  }
  return { tls, users, http2: cfg.http_server_config?.http2 ?? true, headers, files };
}

function checkCost(file: string, user: string, hash: string): void {
  const cost = Number(BCRYPT.exec(hash)![1]);
  if (cost >= BCRYPT_MIN_COST && cost <= BCRYPT_MAX_COST) return;
  const why =
    cost < BCRYPT_MIN_COST
      ? `below bcrypt's minimum of ${BCRYPT_MIN_COST}, so no password can ever match it`
      : `too slow: each check would take about ${seconds(2 ** (cost - 10) * 0.08)} of CPU, which lets a few wrong passwords keep a core busy`;
  throw new ConfigError(
    `${file}: basic_auth_users.${user}: bcrypt cost ${cost} is outside the allowed range ${BCRYPT_MIN_COST}-${BCRYPT_MAX_COST} (${why}); hash it again, e.g. \`htpasswd -nBC 10 ${user}\``,
  );
}

function seconds(s: number): string {
  return s < 120 ? `${Math.round(s)} s` : s < 7200 ? `${Math.round(s / 60)} min` : `${Math.round(s / 3600)} h`;
}

/** The toolkit's rules: only its security headers, enumerated values where it enumerates them; also one line of printable text. */
function checkHeaders(file: string, headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const at = `${file}: http_server_config.headers.${name}`;
    if (!Object.hasOwn(EXTRA_HEADERS, name)) throw new ConfigError(`${at}: this header cannot be configured; allowed are ${Object.keys(EXTRA_HEADERS).join(', ')}`);
    if (value === '') continue;
    const allowed = EXTRA_HEADERS[name];
    if (allowed && !allowed.includes(value)) throw new ConfigError(`${at}: expected one of ${allowed.map((v) => `"${v}"`).join(', ')} (found "${value}")`);
    if (!/^[\t\x20-\x7e]+$/.test(value)) throw new ConfigError(`${at}: expected one line of printable ASCII (found ${JSON.stringify(value)})`);
    out[name] = value;
  }
  return out;
}

/** Refuses a CA file that holds no PEM certificate, or one that does not parse: every client handshake would fail. */
function checkCertificates(file: string, key: string, p: string, pem: Buffer): void {
  const blocks = pem.toString('latin1').match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw new ConfigError(`${file}: tls_server_config.${key}: ${p} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  blocks.forEach((block, i) => {
    try {
      new X509Certificate(block);
    } catch (err) {
      throw new ConfigError(`${file}: tls_server_config.${key}: certificate ${i + 1} in ${p} cannot be parsed: ${(err as Error).message}`, { cause: err });
    }
  });
}
