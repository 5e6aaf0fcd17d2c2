/**
 * The one spawn helper: the CLI run to completion as a user runs it, and
 * `serve` as a child process on a loopback port, its JSON log lines read and
 * its /metrics scraped. Every wait is bounded.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { parseExposition, type Family } from './prom-text.js';

/** The compiled CLI, run as a user would. */
export const MAIN = path.resolve(process.cwd(), 'dist', 'cli', 'main.js');

/**
 * A command prefix under which root cannot read a file it lacks permission
 * for (it drops the capabilities that bypass file modes); empty for others.
 * Permission tests would otherwise pass vacuously as root, as CI runs.
 */
export const WITHOUT_ROOT_READ_OVERRIDE: readonly string[] =
  process.getuid?.() === 0 ? ['setpriv', '--bounding-set=-dac_override,-dac_read_search', '--inh-caps=-dac_override,-dac_read_search'] : [];

/** Runs the CLI to completion (bounded by a timeout) and returns its exit code and output. */
export function cli(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; prefix?: readonly string[] } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const argv = [...(opts.prefix ?? []), process.execPath, MAIN, ...args];
    const child = spawn(argv[0], argv.slice(1), { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`drift-exporter ${args.join(' ')} did not finish in time`));
    }, opts.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * Runs `drift-exporter serve` as a child process on a loopback port chosen by
 * the OS, reads its JSON log lines, and scrapes it. Every wait is bounded.
 */

/** The `msg` of a stdout line that was not JSON. */
export const NOT_JSON = '(not a JSON line)';

/** One JSON log line of the exporter. */
export type LogLine = Record<string, unknown> & { msg: string; level: number };

/** A running exporter. */
export interface Served {
  child: ChildProcess;
  url: string;
  logs: LogLine[];
  stderr(): string;
  /** Resolves with the exit code and signal once the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Waits for a log line matching `pred` (among all lines so far, from index `from`). */
  waitForLog(pred: (l: LogLine) => boolean, timeoutMs?: number, from?: number): Promise<LogLine>;
  /** The exit code and signal, or 'timeout' when the process is still running after `timeoutMs`. */
  exitWithin(timeoutMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null } | 'timeout'>;
  /** SIGKILLs the process if it is still running. */
  kill(): Promise<void>;
}

/** Polls `fn` every `intervalMs` until it returns a value other than undefined/false, or throws after `timeoutMs`. */
export async function waitFor<T>(what: string, fn: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 20_000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v as T;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Spawns the exporter; with `listen` omitted it binds 127.0.0.1 on a free port and resolves once it listens. */
export async function startServe(config: string, opts: { args?: string[]; listen?: string; waitListening?: boolean; env?: NodeJS.ProcessEnv; prefix?: readonly string[] } = {}): Promise<Served> {
  const args = [MAIN, 'serve', '--config', config, '--listen', opts.listen ?? '127.0.0.1:0', ...(opts.args ?? [])];
  const argv = [...(opts.prefix ?? []), process.execPath, ...args];
  const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...opts.env } });
  const logs: LogLine[] = [];
  let stderr = '';
  let buffered = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const line of lines) {
      if (line.trim() === '') continue;
      try {
        logs.push(JSON.parse(line) as LogLine);
      } catch {
        // Kept, so that a test can assert that stdout carries JSON lines only.
        logs.push({ level: -1, msg: NOT_JSON, line });
      }
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  let done = false;
  void exited.then(() => (done = true));

  const waitForLog = (pred: (l: LogLine) => boolean, timeoutMs = 20_000, from = 0) =>
    waitFor('a log line', () => {
      const hit = logs.slice(from).find(pred);
      if (hit) return hit;
      if (done) throw new Error(`exporter exited before the awaited log line; stderr: ${stderr}\nlogs: ${JSON.stringify(logs)}`);
      return undefined;
    }, timeoutMs, 20);

  const served: Served = {
    child,
    url: '',
    logs,
    stderr: () => stderr,
    exited,
    waitForLog,
    exitWithin: (timeoutMs) => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(r, timeoutMs, 'timeout')));
      return Promise.race([exited, timeout]).finally(() => clearTimeout(timer));
    },
    kill: async () => {
      if (!done) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
  if (opts.waitListening === false) return served;
  try {
    const line = await waitForLog((l) => l.msg === 'drift-exporter listening', 15_000);
    served.url = `http://127.0.0.1:${String(line.listen).split(':').pop()}`;
  } catch (err) {
    await served.kill();
    throw err;
  }
  return served;
}

/** GETs /metrics and parses it strictly. */
export async function scrape(url: string): Promise<Map<string, Family>> {
  const res = await fetch(`${url}/metrics`);
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  return parseExposition(await res.text());
}

/** A TCP port free on 127.0.0.1 at the time of asking, for a tool the test starts itself. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}
