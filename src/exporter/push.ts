/**
 * Pushing batch runs to a Prometheus Pushgateway: one group per job and
 * model (`/metrics/job/<job>/model_name/<model>`), as the Prometheus guidance
 * for batch jobs has it. A successful run replaces its group with PUT, so the
 * series of a removed feature vanish; a failed run POSTs only its outcome
 * families, which replaces those and keeps the last good drift values and
 * last-success time already in the group.
 *
 * Hand-rolled on node:http rather than prom-client's Pushgateway, which
 * pushes a whole registry (empty families included, which POST would turn
 * into deletions) and does not base64-encode grouping values holding `/`.
 */
import http from 'node:http';
import https from 'node:https';
import { printable } from '../report/index.js';
import { renderBatch, type BatchRun } from './registry.js';

/** Where and how to push; built by pushTarget. */
export interface PushTarget {
  /** The Pushgateway's root, without credentials. */
  base: URL;
  /** The Authorization header from the URL's userinfo, never shown. */
  authorization?: string;
  job: string;
  timeoutMs: number;
}

/** The most of an error response kept for the message. */
const BODY_LIMIT = 512;

/**
 * Reads `--push-gateway`: an http(s) URL of the Pushgateway's root (a path
 * prefix is kept, for a gateway behind a proxy or `--web.route-prefix`);
 * `user:password@` becomes basic auth and is never shown again.
 */
export function pushTarget(url: string, job: string, timeoutMs: number): PushTarget {
  let base: URL;
  try {
    base = new URL(url);
  } catch {
    throw new Error(`not a URL: expected http://HOST:PORT or https://HOST:PORT, the Pushgateway's root`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new Error(`${base.protocol} is not supported: use http:// or https://`);
  if (base.search || base.hash) throw new Error(`the Pushgateway's root takes no query or fragment (found in ${display(base)})`);
  if (/\/metrics(\/|$)/.test(base.pathname)) throw new Error(`give the Pushgateway's root, not a push path (found ${display(base)}): the job and model are added to it`);
  if (job === '') throw new Error('--push-job: the job name must not be empty');
  let authorization: string | undefined;
  if (base.username || base.password) {
    const user = decodeURIComponent(base.username);
    const password = decodeURIComponent(base.password);
    authorization = `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
    base.username = '';
    base.password = '';
  }
  return { base, authorization, job, timeoutMs };
}

/** The group's URL: `<root>/metrics/job/<job>/model_name/<model>`. */
export function groupUrl(target: PushTarget, model: string): URL {
  const prefix = target.base.pathname.replace(/\/+$/, '');
  const url = new URL(target.base.href);
  url.pathname = `${prefix}/metrics/${segment('job', target.job)}/${segment('model_name', model)}`;
  return url;
}

/**
 * One grouping label as a path segment pair. A `/` cannot be escaped in a
 * path (%2F is decoded before routing), and an empty value, `.` or `..` would
 * vanish from it, so those go in URL-safe base64 (`name@base64/...`, `=` for
 * empty); other values are percent-encoded UTF-8.
 */
function segment(name: string, value: string): string {
  if (value === '') return `${name}@base64/=`;
  if (value.includes('/') || value === '.' || value === '..') return `${name}@base64/${Buffer.from(value, 'utf8').toString('base64url')}`;
  return `${name}/${encodeURIComponent(value)}`;
}

/**
 * Pushes one run to its group: PUT of every series for a success, POST of
 * the outcome families only for a failure. Rejects with a message naming
 * the method, the URL (without credentials) and the HTTP status.
 */
export async function pushRun(target: PushTarget, run: BatchRun): Promise<void> {
  // A failed run renders only FAILED_RUN_FAMILIES, so POST replaces those and nothing else.
  const body = await renderBatch([run]);
  await send(run.report ? 'PUT' : 'POST', groupUrl(target, run.model), target, body);
}

function send(method: 'PUT' | 'POST', url: URL, target: PushTarget, body: string): Promise<void> {
  const where = `${method} ${display(url)}`;
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const headers: http.OutgoingHttpHeaders = { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'content-length': Buffer.byteLength(body) };
    if (target.authorization) headers.authorization = target.authorization;
    const req = client.request(url, { method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (text.length < BODY_LIMIT) text += chunk;
      });
      res.on('end', () => {
        clearTimeout(timer);
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) resolve();
        else reject(new Error(`${where}: HTTP ${status}${text.trim() ? `: ${printable(text.trim().slice(0, BODY_LIMIT))}` : ''}`));
      });
      res.on('error', (err) => reject(new Error(`${where}: ${err.message}`)));
    });
    // One bound for the whole exchange: connecting, sending, and the answer.
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${target.timeoutMs} ms (--push-timeout)`)), target.timeoutMs);
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`${where}: ${err.message}`));
    });
    req.end(body);
  });
}

/** A URL as messages show it: never its credentials. */
function display(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}
