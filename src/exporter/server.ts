/**
 * The HTTP side: /metrics, /, /healthz, /readyz, /api/report, and the HTML
 * report at /report and /report/<model>. Every route
 * answers from state already in memory; a request never starts or awaits a run.
 * Routes are plain node:http handlers (no express), so that the same code
 * serves HTTP/1.1 and HTTP/2's compatibility API.
 */
import { lstatSync, chmodSync, statSync, unlinkSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createSecureServer, type Http2ServerRequest, type Http2ServerResponse, type Http2Session } from 'node:http2';
import { createServer as createTlsServer } from 'node:https';
import { connect, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import type { Server as TlsServer } from 'node:tls';
import accepts from 'accepts';
import { loadWebConfig, type WebConfig } from '../config/index.js';
import { printable, REPORT_CSP_HEADER } from '../report/index.js';
import { guards, passGuards, type Guard } from './auth.js';
import { PasswordChecker } from './password-check.js';
import { landingPage } from './page.js';
import { RenderBusyError, ReportRenderer, reportInput } from './report-render.js';
import type { DriftMetrics } from './registry.js';
import type { ExporterState } from './state.js';

/** The server could not bind its address (in use, not available, not permitted). */
export class ListenError extends Error {
  override name = 'ListenError';
}

/** A host and port to listen on. */
export interface ListenAddress {
  host: string;
  port: number;
}

/** Parses "HOST:PORT", "[IPv6]:PORT" or ":PORT" (all interfaces); null when malformed. */
export function parseListen(text: string): ListenAddress | null {
  const m = /^(?:\[([0-9A-Fa-f:.]+(?:%[\w.-]+)?)\]|([^:[\]]*)):(\d{1,5})$/.exec(text);
  if (!m) return null;
  const port = Number(m[3]);
  if (port > 65535) return null;
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

/** Formats an address the way --listen takes it, brackets around IPv6. */
export function formatListen(a: ListenAddress): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

/** --web.config.file: the file, as loaded at start, and who hears about reloads. */
export interface WebConfigSource {
  file: string;
  config: WebConfig;
  /** Called once per reload: null when a changed file took effect, the reason when it was refused (the old config stays). */
  onReload?: (error: Error | null) => void;
}

/** What the routes need. */
export interface ServerOptions {
  listen: ListenAddress;
  metrics: DriftMetrics;
  state: ExporterState;
  name: string;
  version: string;
  /** TLS, basic auth and headers from --web.config.file; plain HTTP without it. */
  web?: WebConfigSource;
  /** A Unix socket answering /healthz and /readyz only, without TLS or auth (for a container health check). */
  healthSocket?: string;
}

/** A listening server. */
export interface RunningServer {
  /** The bound address (the real port when 0 was asked for). */
  address: ListenAddress;
  /** Stops accepting connections and resolves once open ones are closed. */
  close(): Promise<void>;
}

type Req = IncomingMessage | Http2ServerRequest;
type Res = ServerResponse | Http2ServerResponse;
type Route = (req: Req, res: Res) => void;

const TEXT = 'text/plain; charset=utf-8';

function send(req: Req, res: Res, status: number, type: string, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), ...headers });
  if (req.method === 'HEAD') res.end();
  else res.end(body);
}

/** The routes of the health socket: liveness and readiness, nothing that reveals data. */
function healthRoutes(state: ExporterState): Record<string, Route> {
  return {
    '/healthz': (req, res) => send(req, res, 200, TEXT, 'ok\n'),
    '/readyz': (req, res) => {
      const ready = state.ready;
      send(req, res, ready ? 200 : 503, TEXT, ready ? 'ready\n' : 'not ready: a model has not succeeded yet (see /api/report)\n');
    },
  };
}

/** Every route of the exporter; `/report/*` takes the rest of the path as a model name. */
function routes(o: ServerOptions, renderer: ReportRenderer): Record<string, Route> {
  return {
    '/': (req, res) => send(req, res, 200, 'text/html; charset=utf-8', landingPage({ name: o.name, version: o.version, ready: o.state.ready, models: o.state.list() })),
    '/metrics': metricsRoute(o.metrics),
    ...healthRoutes(o.state),
    '/api/report': (req, res) => send(req, res, 200, 'application/json; charset=utf-8', JSON.stringify(o.state.report())),
    '/report': reportRoute(o, renderer),
    '/report/*': reportRoute(o, renderer),
  };
}

/** The request's path: query string ignored, one trailing slash allowed. */
function pathOf(req: Req): string {
  const raw = (req.url ?? '/').split('?')[0];
  return raw.length > 1 && raw.endsWith('/') ? raw.slice(0, -1) : raw;
}

/** Dispatches on the path (an exact route, else `/first/*`) after `checks`; 405 for methods other than GET and HEAD. */
function router(table: Record<string, Route>, checks: readonly Guard[]): Route {
  return (req, res) => {
    const path = pathOf(req);
    const sub = path.indexOf('/', 1);
    const wildcard = sub > 0 ? `${path.slice(0, sub)}/*` : null;
    passGuards(checks, req as IncomingMessage, res as ServerResponse, () => {
      const route = Object.hasOwn(table, path) ? table[path] : wildcard && Object.hasOwn(table, wildcard) ? table[wildcard] : null;
      if (!route) return send(req, res, 404, TEXT, 'not found\n');
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(req, res, 405, TEXT, 'method not allowed\n', { allow: 'GET, HEAD' });
      try {
        route(req, res);
      } catch (err) {
        send(req, res, 500, TEXT, `internal error: ${err instanceof Error ? err.message : String(err)}\n`);
      }
    });
  };
}

// The report's own policy (no script, no request, inline styles only), unless the web config sets one for every route.
const REPORT_HEADERS = { 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer', 'cache-control': 'no-store' };

/** GET and HEAD /report (every configured model) and /report/<model> (one; 404 naming it when it is not configured), from the last published results. */
function reportRoute(o: ServerOptions, renderer: ReportRenderer): Route {
  return (req, res) => {
    const path = pathOf(req);
    let model: string | undefined;
    if (path !== '/report') {
      try {
        model = decodeURIComponent(path.slice('/report/'.length));
      } catch {
        return send(req, res, 400, TEXT, 'bad request: the model name is not valid percent-encoding\n');
      }
      const known = o.state.names();
      // Named as in a URL (percent-encoded): no endpoint echoes request input as it came.
      if (!known.includes(model)) return send(req, res, 404, TEXT, `no model ${encodeURIComponent(model)} (percent-encoded) is configured; models: ${known.map(printable).join(', ') || 'none'}\n`, { 'x-content-type-options': 'nosniff' });
    }
    const csp: Record<string, string> = res.hasHeader('content-security-policy') ? {} : { 'content-security-policy': REPORT_CSP_HEADER };
    renderer.render(path, reportInput(o.state, o.name, model)).then(
      (html) => send(req, res, 200, 'text/html; charset=utf-8', html, { ...REPORT_HEADERS, ...csp }),
      (err: unknown) => {
        if (err instanceof RenderBusyError) send(req, res, 503, TEXT, `${err.message}\n`, { 'retry-after': '5' });
        else send(req, res, 500, TEXT, `internal error: ${err instanceof Error ? err.message : String(err)}\n`);
      },
    );
  };
}

/** GET and HEAD /metrics: the cached exposition, gzipped when the scraper prefers it. */
function metricsRoute(metrics: DriftMetrics): Route {
  return (req, res) => {
    const gzip = accepts(req as IncomingMessage).encoding('gzip', 'identity') === 'gzip';
    metrics.render(gzip).then(
      ({ contentType, parts, length }) => {
        const headers: Record<string, string | number> = { 'content-type': contentType, 'content-length': length, vary: 'Accept-Encoding' };
        if (gzip) headers['content-encoding'] = 'gzip';
        res.writeHead(200, headers);
        if (req.method === 'HEAD') return res.end();
        // The cached text (one buffer, or a large body's families), then the process families: no copy per scrape.
        if (parts.length > 2 && 'cork' in res) res.cork();
        for (let i = 0; i < parts.length - 1; i++) (res as NodeJS.WritableStream).write(parts[i]);
        res.end(parts[parts.length - 1]);
      },
      (err: unknown) => send(req, res, 500, TEXT, `internal error: ${err instanceof Error ? err.message : String(err)}\n`),
    );
  };
}

/**
 * The web config in force, re-read when its file or a certificate file it
 * names changes (compared by inode, size, mtime and ctime), as the
 * exporter-toolkit re-reads its file; checked on each new connection and
 * request. A file that does not load leaves the old config in force and is
 * reported once per distinct error; it is tried again at most every few
 * seconds, since a certificate it names may appear later.
 */
class LiveWebConfig {
  current: WebConfig;
  private seen: string;
  private refused: { message: string; at: number } | null = null;

  constructor(private readonly source: WebConfigSource) {
    this.current = source.config;
    this.seen = signature(source.config.files);
  }

  /** Re-reads the file if it changed; true when a new config took effect. */
  refresh(): boolean {
    const now = signature(this.current.files);
    const retry = this.refused !== null && Date.now() - this.refused.at >= RETRY_REFUSED_MS;
    if (now === this.seen && !retry) return false;
    this.seen = now;
    let next: WebConfig;
    try {
      next = loadWebConfig(this.source.file);
      const restart = needsRestart(this.current, next);
      if (restart) throw new Error(`${this.source.file}: ${restart} takes a restart; the file was not reloaded`);
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      if (this.refused?.message !== error.message) this.source.onReload?.(error);
      this.refused = { message: error.message, at: Date.now() };
      return false;
    }
    this.refused = null;
    this.current = next;
    this.seen = signature(next.files);
    this.source.onReload?.(null);
    return true;
  }
}

/** Idle time after which an HTTP/2 session is closed (node:http2 keeps them open forever otherwise). */
const H2_IDLE_MS = 120_000;

/** How often a refused web config is tried again when none of its files changed. */
const RETRY_REFUSED_MS = 5000;

function signature(files: readonly string[]): string {
  return files
    .map((f) => {
      try {
        const s = statSync(f, { bigint: true });
        return `${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
      } catch {
        return 'missing';
      }
    })
    .join('|');
}

/** What a reload cannot change on a listening server (the kind of server it is), or null. */
function needsRestart(a: WebConfig, b: WebConfig): string | null {
  if ((a.tls === null) !== (b.tls === null)) return 'turning tls_server_config on or off';
  if (a.tls && a.http2 !== b.http2) return 'changing http_server_config.http2';
  return null;
}

function tlsOptions(tls: NonNullable<WebConfig['tls']>) {
  return {
    cert: tls.cert,
    key: tls.key,
    ca: tls.ca,
    minVersion: tls.minVersion,
    maxVersion: tls.maxVersion,
    requestCert: tls.clientAuth !== 'NoClientCert',
    rejectUnauthorized: tls.clientAuth === 'RequireAndVerifyClientCert',
  };
}

/** Starts listening; rejects with ListenError when the address (or the health socket) cannot be bound. */
export async function startServer(o: ServerOptions): Promise<RunningServer> {
  const live = o.web ? new LiveWebConfig(o.web) : null;
  const checker = new PasswordChecker();
  const renderer = new ReportRenderer();
  const route = router(routes(o, renderer), guards(() => live?.current, checker));
  const handle = (req: Req, res: Res) => {
    live?.refresh();
    for (const [name, value] of Object.entries(live?.current.headers ?? {})) res.setHeader(name, value);
    route(req, res);
  };
  const tls = live?.current.tls;
  const server: NetServer = !tls
    ? createServer(handle)
    : live!.current.http2
      ? // node:http2 has no idle timeout of its own; idle sessions (and HTTP/1.1 fallback sockets) end after two minutes.
        createSecureServer({ ...tlsOptions(tls), allowHTTP1: true }, handle).setTimeout(H2_IDLE_MS)
      : createTlsServer(tlsOptions(tls), handle);
  if (tls) {
    // Ahead of the TLS listener, so that the connection being accepted already gets a rotated certificate.
    let applied = live!.current;
    server.prependListener('connection', () => {
      live!.refresh();
      // A request may have noticed the change first; what counts is what the TLS context was built from.
      if (live!.current === applied) return;
      applied = live!.current;
      const next = tlsOptions(applied.tls!);
      (server as TlsServer).setSecureContext(next);
      // Read by the TLS listener for each new connection; setSecureContext does not set them.
      Object.assign(server, { requestCert: next.requestCert, rejectUnauthorized: next.rejectUnauthorized });
    });
  }
  const closeMain = closer(server);
  await listen(server, formatListen(o.listen), (s) => s.listen(o.listen.port, o.listen.host));
  const bound = server.address() as AddressInfo;
  let health: NetServer | null = null;
  if (o.healthSocket) {
    const socketPath = o.healthSocket;
    health = createServer(router(healthRoutes(o.state), []));
    try {
      await freeSocketPath(socketPath);
      await listen(health, socketPath, (s) => s.listen(socketPath));
      // Only the exporter's own user may connect (the directory should be private too).
      chmodSync(socketPath, 0o600);
    } catch (err) {
      await closeMain();
      checker.close();
      renderer.close();
      if (err instanceof ListenError) throw err;
      throw new ListenError(`cannot listen on ${socketPath}: ${(err as Error).message}`, { cause: err });
    }
  }
  const closeHealth = health ? closer(health) : async () => {};
  return {
    address: { host: bound.address, port: bound.port },
    close: () =>
      Promise.all([closeMain(), closeHealth()]).then(() => {
        checker.close();
        renderer.close();
      }),
  };
}

function listen(server: NetServer, what: string, start: (s: NetServer) => void): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      const why = err.code === 'EADDRINUSE' ? 'address already in use' : err.code === 'EACCES' ? 'permission denied' : err.code === 'EADDRNOTAVAIL' ? 'address not available on this host' : err.message;
      reject(new ListenError(`cannot listen on ${what}: ${why}${err.code ? ` (${err.code})` : ''}`, { cause: err }));
    };
    server.once('error', onError);
    server.once('listening', () => {
      server.off('error', onError);
      resolve();
    });
    start(server);
  });
}

/** Removes a socket left by an exporter that died; refuses a path that is not a socket or that a live process answers on. */
async function freeSocketPath(p: string): Promise<void> {
  let isSocket: boolean;
  try {
    isSocket = lstatSync(p).isSocket();
  } catch {
    return;
  }
  if (!isSocket) throw new ListenError(`cannot listen on ${p}: it exists and is not a socket`);
  const alive = await new Promise<boolean>((resolve) => {
    const c = connect(p);
    c.once('connect', () => (c.destroy(), resolve(true)));
    c.once('error', () => resolve(false));
  });
  if (alive) throw new ListenError(`cannot listen on ${p}: another process is answering on it`);
  unlinkSync(p);
}

/** How the server closes: no new connections, idle ones ended now, busy ones given a moment. */
function closer(server: NetServer): () => Promise<void> {
  const sockets = new Set<Socket>();
  const sessions = new Set<Http2Session>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  server.on('session', (s: Http2Session) => {
    sessions.add(s);
    s.once('close', () => sessions.delete(s));
  });
  return () =>
    new Promise((resolve) => {
      if (!server.listening) return resolve();
      server.close(() => resolve());
      // HTTP/1.1 servers end idle keep-alive connections themselves; HTTP/2 sessions are asked to finish.
      (server as Server).closeIdleConnections?.();
      for (const s of sessions) s.close();
      setTimeout(() => {
        for (const s of sockets) s.destroy();
      }, 2000).unref();
    });
}
