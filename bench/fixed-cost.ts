/**
 * The fixed cost of a command: wall time of `--version`, `--help`, a
 * command's help and a report of the shipped example, each in a fresh
 * process, in interleaved rounds with bare `node -e 0` (issue 21's targets).
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ENGINE_NODE_FLAGS } from '../src/engine/node-flags.js';

/** What is measured, and its target above bare node (seconds; null: the reference itself). */
const COMMANDS: { label: string; args: string[]; target: number | null }[] = [
  { label: 'bare `node -e 0`', args: ['-e', '0'], target: null },
  { label: '`--version`', args: ['--version'], target: 0.1 },
  { label: '`--help`', args: ['--help'], target: 0.1 },
  { label: '`report --help`', args: ['report', '--help'], target: 0.1 },
  { label: '`report --config config/example.yaml` (3k vs 5k rows, 9 features)', args: ['report', '--config', 'config/example.yaml'], target: 0.3 },
];

export interface FixedCost {
  rounds: number;
  rows: { label: string; seconds: number[]; target: number | null }[];
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

/** Runs every command once per round, in order, for `rounds` rounds. */
export function measureFixedCost(root: string, rounds: number): FixedCost {
  const main = path.join(root, 'dist', 'cli', 'main.js');
  const rows = COMMANDS.map((c) => ({ label: c.label, seconds: [] as number[], target: c.target }));
  for (let r = 0; r < rounds; r++) {
    COMMANDS.forEach((c, i) => {
      // A command as its shebang runs it.
      const args = c.target === null ? c.args : [...ENGINE_NODE_FLAGS, main, ...c.args];
      const t0 = performance.now();
      const out = spawnSync(process.execPath, args, { cwd: root, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
      const s = (performance.now() - t0) / 1000;
      if (out.status !== 0) throw new Error(`${c.label} exited ${out.status}: ${out.stderr}`);
      rows[i].seconds.push(s);
    });
  }
  return { rounds, rows };
}

/** The benchmark's fixed-cost table, with each target met or not. */
export function fixedCostSection(f: FixedCost): string {
  const bare = median(f.rows[0].seconds);
  const lines = f.rows.map((r) => {
    const m = median(r.seconds);
    const range = `${Math.min(...r.seconds).toFixed(3)}–${Math.max(...r.seconds).toFixed(3)}`;
    if (r.target === null) return `| ${r.label} | ${m.toFixed(3)} (${range}) | — | — |`;
    const above = m - bare;
    return `| ${r.label} | ${m.toFixed(3)} (${range}) | ${above.toFixed(3)} | <= ${r.target} s: ${above <= r.target ? 'met' : 'NOT met'} |`;
  });
  return `## Fixed cost

Each command in a fresh process, ${f.rounds} interleaved rounds with bare node (LC_ALL=C, output to a pipe); cells are the median (min–max) wall seconds; "above" is the command's median less bare node's.

| command | wall s | above bare node s | target |
|---|---|---|---|
${lines.join('\n')}
`;
}
