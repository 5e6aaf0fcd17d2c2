import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { WebConfig } from '../config/index.js';
import { bcryptCost, type PasswordChecker } from './password-check.js';

/**
 * A check a request must pass before any route, written against node:http
 * (HTTP/2's compatibility API passes the same way).
 */
export type Guard = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;

/**
 * The checks --web.config.file asks for, in order: client certificate, then
 * basic auth; `current` gives the web config in force (it is re-read when its
 * file changes), so a reload changes them without a restart.
 */
export function guards(current: () => WebConfig | undefined, checker: PasswordChecker): Guard[] {
  const cert: Guard = (req, res, next) => {
    const mode = current()?.tls?.clientAuth;
    if (mode === 'RequireAnyClientCert' || mode === 'VerifyClientCertIfGiven') return clientCert(mode)(req, res, next);
    next();
  };
  const auth = basicAuth(current, checker);
  const users: Guard = (req, res, next) => (Object.keys(current()?.users ?? {}).length > 0 ? auth(req, res, next) : next());
  return [cert, users];
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
 * milliseconds by design, so it runs on a thread of its own with a bounded
 * queue (a flood of wrong passwords answers 429 rather than queueing), an
 * unknown user costs a decoy check of the same cost, and verified
 * credentials are cached (by a hash of the header, never the password
 * itself) while the user's hash is unchanged, as the exporter-toolkit does.
 */
function basicAuth(current: () => WebConfig | undefined, checker: PasswordChecker): Guard {
  const verified = new Map<string, string>();
  return (req, res, next) => {
    const users = current()?.users ?? {};
    const header = req.headers.authorization ?? '';
    const key = createHash('sha256').update(header).digest('hex');
    const match = /^Basic ([A-Za-z0-9+/=]+)$/.exec(header);
    const decoded = match ? Buffer.from(match[1], 'base64').toString('utf8') : '';
    const colon = decoded.indexOf(':');
    const user = colon > 0 ? decoded.slice(0, colon) : '';
    const hash = Object.hasOwn(users, user) ? users[user] : null;
    if (hash !== null && verified.get(key) === hash) return next();
    const refuse = () => deny(res, 401, 'Unauthorized\n', { 'www-authenticate': 'Basic realm="drift-exporter", charset="UTF-8"' });
    if (!match) return refuse();
    const costs = Object.values(users).map(bcryptCost);
    checker.check(decoded.slice(colon + 1), hash, costs.length ? Math.max(...costs) : 10).then(
      (result) => {
        if (result === 'busy') return deny(res, 429, 'too many authentication attempts in progress\n', { 'retry-after': '1' });
        if (result !== 'ok') return refuse();
        verified.set(key, hash!);
        next();
      },
      () => refuse(),
    );
  };
}
