/**
 * SciPy as an optional peer on a workload (W1): runs bench/scipy_peer.py when
 * python3 with numpy and SciPy is present, and says why not otherwise. The
 * numeric features' finite values go to raw float64 files first (DuckDB
 * reads them; python needs neither pyarrow nor pandas), kept in bench/.work.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { Workload } from './workloads.js';

export type PeerResult = { seconds: number; features: number } | { skipped: string };

/** Why SciPy cannot run here, or null when it can. */
function missing(): string | null {
  const r = spawnSync('python3', ['-c', 'import numpy, scipy'], { encoding: 'utf8' });
  if (r.error) return `python3 not found (${r.error.message})`;
  if (r.status !== 0) return `python3 has no numpy or SciPy (${r.stderr.trim().split('\n').pop()})`;
  return null;
}

/** Writes each numeric feature's finite values of a file as raw little-endian float64, unless already there. */
async function exportColumns(w: Workload, dir: string): Promise<{ name: string; baseline: string; window: string }[]> {
  mkdirSync(dir, { recursive: true });
  const conn = await (await DuckDBInstance.create(':memory:')).connect();
  try {
    const out = [];
    for (const name of w.numeric) {
      const files: Record<string, string> = {};
      for (const [side, source] of [['baseline', w.baseline], ['window', w.window]] as const) {
        const file = path.join(dir, `${path.basename(source, '.parquet')}.${name}.f64`);
        if (!existsSync(file) || statSync(file).mtimeMs < statSync(source).mtimeMs) {
          const r = await conn.runAndReadAll(`SELECT "${name}"::DOUBLE AS v FROM read_parquet('${source}') WHERE isfinite("${name}")`);
          const values = Float64Array.from(r.getColumns()[0] as number[]);
          writeFileSync(`${file}.tmp`, new Uint8Array(values.buffer));
          renameSync(`${file}.tmp`, file);
        }
        files[side] = file;
      }
      out.push({ name, baseline: files.baseline, window: files.window });
    }
    return out;
  } finally {
    conn.closeSync();
  }
}

/** SciPy's compute-only seconds on the workload's numeric features, or why it was skipped. */
export async function scipyPeer(w: Workload, workDir: string, root: string): Promise<PeerResult> {
  const why = missing();
  if (why) return { skipped: why };
  const dir = path.join(workDir, 'scipy');
  const features = await exportColumns(w, dir);
  const manifest = path.join(dir, `${w.name}.json`);
  writeFileSync(manifest, JSON.stringify({ features }));
  const out = execFileSync('python3', [path.join(root, 'bench', 'scipy_peer.py'), manifest], { encoding: 'utf8', maxBuffer: 1 << 24 });
  return JSON.parse(out.trim().split('\n').pop()!) as { seconds: number; features: number };
}
