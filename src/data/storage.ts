/**
 * Object storage through DuckDB's extensions: which extension a URI needs,
 * the `storage:` secrets as DuckDB `CREATE SECRET` statements (a pure
 * mapping, with the values that must never be shown), and loading the
 * extensions from a provisioned directory, never from the network.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { ident } from './duck.js';

/** The stores a secret can be for; each is DuckDB's secret TYPE. */
export type StoreType = 's3' | 'gcs' | 'r2' | 'azure' | 'http';

/**
 * One `storage:` entry. `provider`: `config` (explicit keys, normally
 * `${ENV}`), `credential_chain` (the SDK's chain: IAM role, instance
 * metadata, profile files) or `environment` (the chain limited to the
 * process environment).
 */
export interface StorageSecret {
  type: StoreType;
  provider: 'config' | 'credential_chain' | 'environment';
  /** URI prefix the secret applies to (DuckDB picks the longest matching scope). */
  scope?: string;
  key_id?: string;
  secret?: string;
  session_token?: string;
  region?: string;
  /** host[:port] of an S3-compatible store (MinIO, Ceph...). */
  endpoint?: string;
  url_style?: 'path' | 'vhost';
  use_ssl?: boolean;
  /** Cloudflare account of an R2 store. */
  account_id?: string;
  /** Azure storage account (with credential_chain). */
  account_name?: string;
  connection_string?: string;
  bearer_token?: string;
}

/** Where and how DuckDB reaches remote sources. */
export interface StorageSettings {
  /** Secrets by name. */
  secrets: Readonly<Record<string, StorageSecret>>;
  /** DuckDB's extension directory; null for DuckDB's default (~/.duckdb/extensions). */
  extensionDirectory: string | null;
  /** Bound on each HTTP request, in seconds (DuckDB's http_timeout). */
  httpTimeoutS: number;
  /** Retries of a failed HTTP request (DuckDB's http_retries). */
  httpRetries: number;
}

/** No secrets, DuckDB's extension directory, 30 s per request, 1 retry. */
export const NO_STORAGE: StorageSettings = { secrets: {}, extensionDirectory: null, httpTimeoutS: 30, httpRetries: 1 };

/** The store a URI is read from, or null for a local path. */
export function storeOf(uri: string): StoreType | null {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(uri)?.[1].toLowerCase();
  if (!scheme || scheme === 'file') return null;
  if (scheme === 's3' || scheme === 's3a' || scheme === 's3n') return 's3';
  if (scheme === 'gs' || scheme === 'gcs') return 'gcs';
  if (scheme === 'r2') return 'r2';
  if (scheme === 'az' || scheme === 'azure' || scheme === 'abfss') return 'azure';
  if (scheme === 'http' || scheme === 'https') return 'http';
  return null;
}

/** The DuckDB extensions a store needs, and those its secrets need (the credential chain of S3-like stores is the aws extension). */
export function extensionsFor(store: StoreType, secrets: readonly StorageSecret[] = []): string[] {
  const out = new Set<string>([store === 'azure' ? 'azure' : 'httpfs']);
  for (const s of secrets) if (s.provider !== 'config' && s.type !== 'azure' && s.type !== 'http') out.add('aws');
  return [...out];
}

/** The secrets that apply to a store. */
export function secretsFor(settings: StorageSettings, store: StoreType): [string, StorageSecret][] {
  return Object.entries(settings.secrets).filter(([, s]) => s.type === store);
}

const literal = (v: string) => `'${v.replaceAll("'", "''")}'`;
const SENSITIVE = ['key_id', 'secret', 'session_token', 'connection_string', 'bearer_token'] as const;

/**
 * One secret as a DuckDB `CREATE OR REPLACE SECRET` statement, and the values
 * in it that must be redacted from anything shown (keys, tokens, connection
 * strings). Pure: the SQL is the same for the same input.
 */
export function secretSql(name: string, s: StorageSecret): { sql: string; redact: string[] } {
  const opts: string[] = [`TYPE ${s.type}`];
  if (s.provider === 'config') {
    if (s.type !== 'http') opts.push('PROVIDER config');
  } else {
    opts.push('PROVIDER credential_chain');
    if (s.provider === 'environment') opts.push(`CHAIN ${literal('env')}`);
  }
  const put = (option: string, v: string | boolean | undefined) => {
    if (v === undefined) return;
    opts.push(`${option} ${typeof v === 'boolean' ? String(v) : literal(v)}`);
  };
  put('KEY_ID', s.key_id);
  put('SECRET', s.secret);
  put('SESSION_TOKEN', s.session_token);
  put('REGION', s.region);
  put('ENDPOINT', s.endpoint);
  put('URL_STYLE', s.url_style);
  put('USE_SSL', s.use_ssl);
  put('ACCOUNT_ID', s.account_id);
  put('ACCOUNT_NAME', s.account_name);
  put('CONNECTION_STRING', s.connection_string);
  put('BEARER_TOKEN', s.bearer_token);
  put('SCOPE', s.scope);
  const redact = SENSITIVE.map((k) => s[k]).filter((v): v is string => typeof v === 'string' && v.length > 0);
  return { sql: `CREATE OR REPLACE SECRET ${ident(`drift_${name}`)} (${opts.join(', ')})`, redact };
}

/** The text with each listed value (longest first) replaced by "***". */
export function redactText(text: string, values: readonly string[]): string {
  for (const v of [...values].sort((a, b) => b.length - a.length)) if (v.length > 0) text = text.replaceAll(v, '***');
  return text;
}

/** An extension a remote source needs that DuckDB cannot load: the message says how to provision it. */
export class ExtensionError extends Error {
  override name = 'ExtensionError';
}

/**
 * Stops DuckDB from ever downloading an extension, and points it at the
 * provisioned directory. Local sources need no extension (Parquet and JSON
 * are built in, CSV is core).
 */
export async function configureExtensions(conn: DuckDBConnection, settings: StorageSettings): Promise<void> {
  await conn.run('SET autoinstall_known_extensions = false');
  await conn.run('SET autoload_known_extensions = true');
  if (settings.extensionDirectory !== null) await conn.run(`SET extension_directory = ${literal(settings.extensionDirectory)}`);
}

/**
 * Loads what a remote URI needs, bounds its HTTP requests and creates its
 * store's secrets. Returns the values to redact from errors about it.
 */
export async function prepareRemote(conn: DuckDBConnection, uri: string, settings: StorageSettings): Promise<string[]> {
  const store = storeOf(uri);
  if (!store) throw new ExtensionError(`${uri}: no DuckDB extension reads this URI scheme; use s3://, gs://, gcs://, r2://, az://, abfss://, http:// or https://`);
  const secrets = secretsFor(settings, store);
  const redact = secrets.flatMap(([name, s]) => secretSql(name, s).redact);
  await configureExtensions(conn, settings);
  for (const ext of extensionsFor(store, secrets.map(([, s]) => s))) {
    try {
      await conn.run(`LOAD ${ext}`);
    } catch (err) {
      const dir = settings.extensionDirectory ?? '~/.duckdb/extensions (DuckDB\'s default)';
      throw new ExtensionError(
        `${uri} needs the DuckDB extension "${ext}", which cannot be loaded from ${dir}: ${redactText(firstLine(err), redact)}. ` +
          `Extensions are never downloaded at run time: provision it (run INSTALL ${ext} when building the image, as the Dockerfile does, ` +
          `or copy ${ext}.duckdb_extension into <extension_directory>/<duckdb version>/<platform>/) and set duckdb.extension_directory`,
        { cause: err },
      );
    }
  }
  // Bounded, so that an unreachable store fails the run instead of hanging it.
  await conn.run(`SET http_timeout = ${Math.max(1, Math.round(settings.httpTimeoutS))}`);
  await conn.run(`SET http_retries = ${Math.max(0, Math.floor(settings.httpRetries))}`);
  for (const [name, s] of secrets) {
    try {
      await conn.run(secretSql(name, s).sql);
    } catch (err) {
      // No cause: DuckDB's error may quote the statement, keys included.
      throw new ExtensionError(`storage.${name}: DuckDB refused the secret: ${redactText(firstLine(err), redact)}`);
    }
  }
  return redact;
}

function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0].trim();
}
