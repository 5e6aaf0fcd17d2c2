/**
 * Test helpers for the secured endpoint: certificates made with openssl, and
 * HTTPS requests on a fresh connection each (agent: false), so that a test
 * sees what a new scraper connection gets.
 */
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { request as httpsRequest } from 'node:https';
import type { TLSSocket } from 'node:tls';
import path from 'node:path';

/** Whether openssl is there to make certificates; on CI its absence fails the test. */
export function haveOpenssl(t: TestContext): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    if (process.env.CI) assert.fail('openssl not installed, and CI is set: apt-get install openssl');
    t.skip('openssl not installed: apt-get install openssl');
    return false;
  }
}

/** A self-signed certificate for 127.0.0.1, made with openssl (written to `name`.crt and `name`.key in `dir`). */
export function selfSigned(dir: string, name = 'server'): { cert: string; key: string } {
  const cert = path.join(dir, `${name}.crt`);
  const key = path.join(dir, `${name}.key`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert], { stdio: 'ignore' });
  return { cert, key };
}

/** An HTTPS answer, with the fingerprint of the certificate the server presented. */
export interface HttpsAnswer {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
  fingerprint: string;
}

/** GET over HTTP/1.1 on a new TLS connection. */
export function httpsGet(url: string, opts: { ca?: Buffer; auth?: string } = {}): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const headers = opts.auth ? { authorization: `Basic ${Buffer.from(opts.auth).toString('base64')}` } : {};
    const req = httpsRequest(url, { ca: opts.ca, headers, agent: false }, (res) => {
      const fingerprint = (res.socket as TLSSocket).getPeerCertificate().fingerprint256;
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, body, headers: res.headers, fingerprint }));
    });
    req.on('error', reject);
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
    req.end();
  });
}
