import { createHash } from 'node:crypto';
import bcrypt from 'bcryptjs';
import type { RequestHandler } from 'express';

/**
 * Basic auth against bcrypt hashes. A bcrypt check costs tens of
 * milliseconds by design, so verified credentials are cached (by a hash of
 * the header, never the password itself) to keep scrapes fast.
 */
export function basicAuth(users: Record<string, string>): RequestHandler {
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
    const deny = () => res.status(401).set('WWW-Authenticate', 'Basic realm="drift-exporter", charset="UTF-8"').type('text/plain').send('Unauthorized\n');
    if (!hash) return deny();
    bcrypt.compare(decoded.slice(colon + 1), hash).then(
      (ok) => {
        if (!ok) return deny();
        verified.add(key);
        next();
      },
      () => deny(),
    );
  };
}
