import { spawn } from 'node:child_process';
import path from 'node:path';

/** The compiled CLI, run as a user would. */
export const MAIN = path.resolve(process.cwd(), 'dist', 'src', 'main.js');

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
