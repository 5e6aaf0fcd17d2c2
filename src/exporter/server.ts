/**
 * The HTTP side: /metrics, /, /healthz, /readyz and /api/report. Every route
 * answers from state already in memory; a request never starts or awaits a run.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import accepts from 'accepts';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { WebConfig } from '../config/index.js';
import { guards, passGuards, type Guard } from './auth.js';
import { PasswordChecker } from './password-check.js';
import { landingPage } from './page.js';
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

/** What the routes need. */
export interface ServerOptions {
  listen: ListenAddress;
  metrics: DriftMetrics;
  state: ExporterState;
  name: string;
  version: string;
  /** TLS and basic auth from --web.config.file; plain HTTP without it. */
  web?: WebConfig;
}

/** A listening server. */
export interface RunningServer {
  /** The bound address (the real port when 0 was asked for). */
  address: ListenAddress;
  /** Stops accepting connections and resolves once open ones are closed. */
  close(): Promise<void>;
}

const ROUTES = ['/', '/metrics', '/healthz', '/readyz', '/api/report'];

/** The express app of the exporter, behind `checks`. */
function createApp(o: ServerOptions, checks: readonly Guard[]): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  for (const guard of checks) app.use(guard);

  // express answers HEAD with the GET handler, without the body.
  app.get('/', (_req, res) => {
    res.type('html').send(landingPage({ name: o.name, version: o.version, ready: o.state.ready, models: o.state.list() }));
  });
  app.get('/metrics', metricsRoute(o.metrics));
  app.get('/healthz', (_req, res) => {
    res.type('text').send('ok\n');
  });
  app.get('/readyz', (_req, res) => {
    const ready = o.state.ready;
    res.status(ready ? 200 : 503).type('text').send(ready ? 'ready\n' : 'not ready: waiting for the first run of every model\n');
  });
  app.get('/api/report', (_req, res) => {
    res.json(o.state.report());
  });
  for (const path of ROUTES) {
    app.all(path, (_req, res) => {
      res.status(405).set('Allow', 'GET, HEAD').type('text').send('method not allowed\n');
    });
  }
  app.use((_req, res) => {
    res.status(404).type('text').send('not found\n');
  });
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    res.status(500).type('text').send(`internal error: ${err instanceof Error ? err.message : String(err)}\n`);
  });
  return app;
}

/** GET and HEAD /metrics: the cached exposition, gzipped when the scraper prefers it. */
function metricsRoute(metrics: DriftMetrics): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const gzip = accepts(req).encoding('gzip', 'identity') === 'gzip';
    metrics.render(gzip).then(
      ({ contentType, body }) => {
        const headers: Record<string, string | number> = { 'content-type': contentType, 'content-length': body.length, vary: 'Accept-Encoding' };
        if (gzip) headers['content-encoding'] = 'gzip';
        res.writeHead(200, headers).end(req.method === 'HEAD' ? undefined : body);
      },
      (err: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(`internal error: ${err instanceof Error ? err.message : String(err)}\n`);
      },
    );
  };
}

/** Starts listening; rejects with ListenError when the address cannot be bound. */
export async function startServer(o: ServerOptions): Promise<RunningServer> {
  const checker = new PasswordChecker();
  const checks = guards(() => o.web, checker);
  const app = createApp(o, checks);
  // Scrapes skip express's routing (a few hundred microseconds each on a small host), not the guards.
  const scrape = metricsRoute(o.metrics);
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    if (req.url === '/metrics' && (req.method === 'GET' || req.method === 'HEAD')) passGuards(checks, req, res, () => scrape(req, res));
    else app(req, res);
  };
  const tls = o.web?.tls;
  const server: Server = tls
    ? createTlsServer(
        {
          cert: tls.cert,
          key: tls.key,
          ca: tls.ca,
          minVersion: tls.minVersion,
          maxVersion: tls.maxVersion,
          requestCert: tls.clientAuth !== 'NoClientCert',
          rejectUnauthorized: tls.clientAuth === 'RequireAndVerifyClientCert',
        },
        handle,
      )
    : createServer(handle);
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      const why = err.code === 'EADDRINUSE' ? 'address already in use' : err.code === 'EACCES' ? 'permission denied' : err.code === 'EADDRNOTAVAIL' ? 'address not available on this host' : err.message;
      reject(new ListenError(`cannot listen on ${formatListen(o.listen)}: ${why}${err.code ? ` (${err.code})` : ''}`, { cause: err }));
    };
    server.once('error', onError);
    server.listen(o.listen.port, o.listen.host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  return { address: { host: bound.address, port: bound.port }, close: () => close(server).finally(() => checker.close()) };
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    // close() ends idle keep-alive connections; a request still being answered gets a moment.
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), 2000).unref();
  });
}
