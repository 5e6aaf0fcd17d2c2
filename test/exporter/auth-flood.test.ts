// Basic auth under attack, over loopback, bounded in count and time: a
// refusal takes as long whether or not the user exists, and a flood of wrong
// passwords neither stalls nor fails a valid, already verified scrape.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import path from 'node:path';
import { execFile } from 'node:child_process';
import bcrypt from 'bcryptjs';
import { stringify } from 'yaml';
import { fixtureModel, tempDir, writeConfig, writeFixture } from '../helpers/fixtures.js';
import { startServe, type Served } from '../helpers/spawn.js';
import { writeFileSync } from 'node:fs';

const basic = (auth: string) => `Basic ${Buffer.from(auth).toString('base64')}`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** An exporter with one user whose hash has cost 10, as `htpasswd -nBC 10` makes it. */
async function serveWithUser(t: Parameters<typeof tempDir>[0], password: string): Promise<Served> {
  const dir = tempDir(t);
  const files = await writeFixture(dir, { baselineRows: 200, windowRows: 100 });
  const config = writeConfig(path.join(dir, 'config.yaml'), [fixtureModel('m', files.baseline, files.window)]);
  const web = path.join(dir, 'web.yml');
  writeFileSync(web, stringify({ basic_auth_users: { prometheus: bcrypt.hashSync(password, 10) } }));
  const served = await startServe(config, { args: ['--web.config.file', web] });
  t.after(() => served.kill());
  return served;
}

/** GET with Basic credentials on a keep-alive agent: the status and the time to the whole answer, in ms. */
function timedGet(url: string, auth: string, agent: Agent): Promise<{ status: number; ms: number }> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const req = request(url, { agent, headers: { authorization: basic(auth) } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode!, ms: Number(process.hrtime.bigint() - start) / 1e6 }));
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
    req.end();
  });
}

test('an unknown user and a known user with a wrong password take the same time (medians of 15 each, within 25%)', { timeout: 60_000 }, async (t) => {
  const served = await serveWithUser(t, 'right');
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  t.after(() => agent.destroy());
  const url = `${served.url}/metrics`;
  const known: number[] = [];
  const unknown: number[] = [];
  // Interleaved, so that a slow moment of the host weighs on both alike; the first pair warms up.
  for (let i = 0; i < 16; i++) {
    const a = await timedGet(url, `prometheus:wrong-${i}`, agent);
    const b = await timedGet(url, `nobody-${i}:wrong-${i}`, agent);
    assert.equal(a.status, 401);
    assert.equal(b.status, 401);
    if (i === 0) continue;
    known.push(a.ms);
    unknown.push(b.ms);
  }
  const [k, u] = [median(known), median(unknown)];
  t.diagnostic(`median refusal: known user ${k.toFixed(1)} ms, unknown user ${u.toFixed(1)} ms`);
  assert.ok(k > 20, `a cost-10 check should take tens of ms (${k.toFixed(1)} ms)`);
  assert.ok(Math.abs(k - u) <= 0.25 * Math.max(k, u), `known ${k.toFixed(1)} ms vs unknown ${u.toFixed(1)} ms`);
});

// The flood runs in a process of its own at the lowest CPU priority: on loopback the attacker shares
// this host's cores, where a real one brings its own; what is measured is the exporter's share.
const FLOOD = `
const workerData = JSON.parse(process.argv[1]);
require('node:os').setPriority(19);
const http = require('node:http');
const agent = new http.Agent({ keepAlive: true, maxSockets: workerData.clients });
const counts = {};
const until = Date.now() + workerData.ms;
let n = 0;
async function client(c) {
  while (Date.now() < until) {
    const auth = 'Basic ' + Buffer.from('prometheus:wrong-' + c + '-' + n++).toString('base64');
    const status = await new Promise((resolve) => {
      const req = http.request(workerData.url, { agent, headers: { authorization: auth } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode));
      });
      req.on('error', (e) => resolve('error ' + e.code));
      req.setTimeout(10000, () => req.destroy(new Error('timeout')));
      req.end();
    });
    counts[status] = (counts[status] || 0) + 1;
  }
}
Promise.all(Array.from({ length: workerData.clients }, (_, c) => client(c))).then(() => { agent.destroy(); process.stdout.write(JSON.stringify(counts)); });
`;

test('50 clients sending wrong passwords for 8 s: a cached valid scrape keeps p99 under 50 ms and never fails; the flood gets 401 or 429', { timeout: 60_000 }, async (t) => {
  const served = await serveWithUser(t, 'right');
  const url = `${served.url}/metrics`;
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  t.after(() => agent.destroy());
  assert.equal((await timedGet(url, 'prometheus:right', agent)).status, 200, 'first scrape verifies and caches the credentials');

  const counts = new Promise<Record<string, number>>((resolve, reject) =>
    execFile(process.execPath, ['-e', FLOOD, JSON.stringify({ url, clients: 50, ms: 8000 })], { timeout: 30_000 }, (err, stdout) => (err ? reject(err) : resolve(JSON.parse(stdout)))),
  );
  let floodDone = false;
  void counts.finally(() => (floodDone = true));
  // Let the flood fill the bcrypt queue before measuring.
  await new Promise((r) => setTimeout(r, 500));
  const latencies: number[] = [];
  const failures: number[] = [];
  while (!floodDone && latencies.length < 300) {
    const r = await timedGet(url, 'prometheus:right', agent);
    latencies.push(r.ms);
    if (r.status !== 200) failures.push(r.status);
    await new Promise((res) => setTimeout(res, 20));
  }
  const byStatus = await counts;
  const sorted = [...latencies].sort((a, b) => a - b);
  const p99 = sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)];
  t.diagnostic(`scrapes ${latencies.length}: p50 ${median(latencies).toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${sorted.at(-1)!.toFixed(1)} ms; flood answers ${JSON.stringify(byStatus)}`);

  assert.ok(latencies.length >= 50, `scrapes measured: ${latencies.length}`);
  assert.deepEqual(failures, [], 'valid scrapes that failed');
  assert.ok(p99 < 50, `valid scrape p99 ${p99.toFixed(1)} ms`);
  const statuses = Object.keys(byStatus);
  assert.ok(statuses.every((s) => s === '401' || s === '429'), `flood answers: ${JSON.stringify(byStatus)}`);
  assert.ok((byStatus['401'] ?? 0) > 0 && (byStatus['429'] ?? 0) > 0, `both refusals seen: ${JSON.stringify(byStatus)}`);
});
