/** `drift-exporter serve` as a child process for the benchmarks, on a loopback port, its JSON log lines collected. */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync } from 'node:fs';

/** Spawns serve on 127.0.0.1 (a free port); `lines` fills with its parsed log lines as they arrive. BENCH_SERVE_ARGS: node flags for the serve process (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`, to profile a run); lines it prints that are not log lines (`--trace-gc`) go to the file BENCH_SERVE_RAW names, when set. */
export function spawnServe(main: string, config: string): { child: ChildProcess; lines: Record<string, any>[] } {
  const child = spawn(process.execPath, [...(process.env.BENCH_SERVE_ARGS?.split(' ').filter(Boolean) ?? []), main, 'serve', '--config', config, '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: Record<string, any>[] = [];
  let buffered = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    buffered += d;
    const parts = buffered.split('\n');
    buffered = parts.pop()!;
    for (const p of parts) {
      if (!p.trim()) continue;
      // Not a log line: what a node flag in BENCH_SERVE_ARGS printed (--trace-gc), to BENCH_SERVE_RAW when set.
      if (!p.startsWith('{')) {
        if (process.env.BENCH_SERVE_RAW) appendFileSync(process.env.BENCH_SERVE_RAW, `${p}\n`);
        continue;
      }
      lines.push(JSON.parse(p));
    }
  });
  return { child, lines };
}
