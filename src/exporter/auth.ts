import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import bcrypt from 'bcryptjs';
import type { WebConfig } from '../config/index.js';

/**
 * A check a request must pass before any route. Written against node:http
 * rather than express, so that /metrics, served ahead of express, passes the
 * same checks as every other route.
 */
export type Guard = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;

/** The guards --web.config.file asks for, in order: client certificate, then basic auth. */
export function guards(web: WebConfig | undefined): Guard[] {
  const out: Guard[] = [];
  const clientAuth = web?.tls?.clientAuth;
  if (clientAuth === 'RequireAnyClientCert' || clientAuth === 'VerifyClientCertIfGiven') out.push(clientCert(clientAuth));
  if (web && Object.keys(web.users).length > 0) out.push(basicAuth(web.users));
  return out;
}

/** Runs `gs` in order, then `done` if every one let the request through. */
export function passGuards(gs: readonly Guard[], req: IncomingMessage, res: ServerResponse, done: () => void): void {
  let i = 0;
  const next = (): void => (i < gs.length ? gs[i++](req, res, next) : done());
  next();
}

function deny(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers }).end(text);
}

// Node verifies client certificates only all-or-nothing at the handshake; these two modes are finished here.
function clientCert(mode: 'RequireAnyClientCert' | 'VerifyClientCertIfGiven'): Guard {
  return (req, res, next) => {
    const socket = req.socket as TLSSocket;
    const presented = Object.keys(socket.getPeerCertificate?.() ?? {}).length > 0;
    if (mode === 'RequireAnyClientCert' ? presented : !presented || socket.authorized) return next();
    deny(res, 403, 'client certificate required or not trusted\n');
  };
}

/**
 * Basic auth against bcrypt hashes. A bcrypt check costs tens of
 * milliseconds by design, so verified credentials are cached (by a hash of
 * the header, never the password itself) to keep scrapes fast.
 */
function basicAuth(users: Record<string, string>): Guard {
  const verified = new Set<string>();
  return (req, res, next) => {
    const header = req.headers.authorization ?? '';
    const key = createHash('sha256').update(header).digest('hex');
    if (verified.has(key)) return next();
    const match = /^Basic ([A-Za-z0-9+/=]+)$/.exec(header);
    const decoded = match ? Buffer.from(match[1], 'base64').toString('utf8') : '';
    const colon = decoded.indexOf(':');
    const user = colon > 0 ? decoded.slice(0, colon) : '';
    const hash = users[user];
    const refuse = () => deny(res, 401, 'Unauthorized\n', { 'www-authenticate': 'Basic realm="drift-exporter", charset="UTF-8"' });
    if (!hash) return refuse();
    bcrypt.compare(decoded.slice(colon + 1), hash).then(
      (ok) => {
        if (!ok) return refuse();
        verified.add(key);
        next();
      },
      () => refuse(),
    );
  };
}
