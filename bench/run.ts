/**
 * `npm run bench`: generates (or reuses) the workloads in bench/.work, then
 * for each one measures the floor (DuckDB reading every feature column once)
 * and the job (a full report, cold then warm) in fresh child processes, and
 * writes bench/RESULTS.md. Also the fixed cost of a command (bench/fixed-cost.ts,
 * `--fixed-rounds N`, default 11), SciPy as a peer on W1 when python3 has it
 * (bench/scipy-peer.ts; `--no-scipy` skips it) and /metrics under scrapers.
 * Flags: `--large` adds W3, `--runs N` (default 3), `--only W1,W2,W1-segmented,W1-moving,fixed,scrape`
 * (names of workloads and of those parts). `--fleet` runs only the fleet benchmark (bench/fleet.ts;
 * `--fleet-models 1,10,50,200`, `--fleet-rounds 10`) and rewrites only its section.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { version as duckdbVersion } from '@duckdb/node-api';
import { ENGINE_NODE_FLAGS } from '../src/engine/node-flags.js';
import { fixedCostSection, measureFixedCost } from './fixed-cost.js';
import { measureScrapes } from './scrape.js';
import { scipyPeer, type PeerResult } from './scipy-peer.js';
import { ensureWorkload, workloadSpecs } from './workloads.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const workDir = path.join(root, 'bench', '.work');
const resultsFile = path.join(root, 'bench', 'RESULTS.md');
const jobScript = path.join(here, 'job.js');
const htmlScript = path.join(here, 'html.js');

const args = process.argv.slice(2);
const large = args.includes('--large');
const runs = Number(args[args.indexOf('--runs') + 1]) || 3;
const only = args.includes('--only') ? args[args.indexOf('--only') + 1].split(',') : null;
const fixedRounds = args.includes('--fixed-rounds') ? Number(args[args.indexOf('--fixed-rounds') + 1]) : 11;
const wanted = (part: string) => !only || only.includes(part);

type Sample = Record<string, number>;

/** One measurement in a fresh process, so that caches and peak RSS belong to it alone. */
function measure(mode: 'floor' | 'job', w: object): Sample {
  const out = execFileSync(process.execPath, [...(mode === 'job' ? ENGINE_NODE_FLAGS : []), jobScript, mode, JSON.stringify(w)], { encoding: 'utf8', maxBuffer: 1 << 24 });
  return JSON.parse(out.trim().split('\n').pop()!) as Sample;
}

function stats(xs: number[]): { median: number; min: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return { median: s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2, min: s[0], max: s[s.length - 1] };
}

const fmt = (x: number, digits = 2) => x.toFixed(digits);
const range = (xs: number[], digits = 2, unit = '') => {
  const s = stats(xs);
  return `${fmt(s.median, digits)}${unit} (${fmt(s.min, digits)}–${fmt(s.max, digits)})`;
};

if (args.includes('--fleet')) {
  const { fleetSection, runFleet } = await import('./fleet.js');
  const opt = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
  const sizes = (opt('--fleet-models') ?? '1,10,50,200').split(',').map(Number);
  const rounds = Number(opt('--fleet-rounds')) || 10;
  const results = [];
  for (const n of sizes) {
    // The small fleets need fewer rounds to show their curve.
    results.push(await runFleet(workDir, path.join(root, 'dist', 'cli', 'main.js'), n, n >= 200 ? rounds : Math.min(rounds, 3)));
    console.log(JSON.stringify(results.at(-1)));
  }
  const note = `- Date: ${new Date().toISOString()}; ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM; load average at the end ${os.loadavg().map((l) => l.toFixed(2)).join(', ')}. CPU and latency figures include whatever else ran on the machine at the time.`;
  const section = fleetSection(results, note);
  const previous = existsSync(resultsFile) ? readFileSync(resultsFile, 'utf8') : '';
  const start = previous.indexOf('<!-- fleet:');
  const end = previous.indexOf('<!-- /fleet -->');
  const next = start >= 0 && end > start ? previous.slice(0, start) + section + previous.slice(end + '<!-- /fleet -->\n'.length) : `${previous.trimEnd()}\n\n${section}`;
  writeFileSync(resultsFile, next);
  console.error(`wrote the fleet section of ${path.relative(root, resultsFile)}`);
  process.exit(0);
}

const specs = workloadSpecs(workDir).filter((w) => (w.name !== 'W3' || large) && (!only || only.includes(w.name)));
// W1-segmented and W1-moving are measured against W1 (their cost relative to W1 is the target): with --only, name both.
const rowsOut: string[] = [];
const phaseOut: string[] = [];
const summary: Record<
  string,
  { job: number; warm: number; floor: number; paired: number; rss: number; rows: number; reference: number; profileCold: number; profileWarm: number; referenceRows: number[]; jobCpu: number; floorCpu: number; scanCpu: number }
> = {};
for (const w of specs) await ensureWorkload(w, (s) => console.error(s));
// Rounds over every workload, so that a change of machine load hits each alike (W1-segmented's target is relative to W1).
const samples = new Map(specs.map((w) => [w.name, { floors: [] as Sample[], jobs: [] as Sample[] }]));
for (let r = 0; r < runs; r++) {
  for (const w of specs) {
    const { floors, jobs } = samples.get(w.name)!;
    floors.push(measure('floor', w));
    jobs.push(measure('job', w));
    console.error(`${w.name} run ${r + 1}/${runs}: floor ${fmt(floors[r].seconds)} s, job ${fmt(jobs[r].seconds)} s (warm ${fmt(jobs[r].warm_seconds)} s), peak ${fmt(jobs[r].max_rss_mb, 0)} MB`);
  }
}
for (const w of specs) {
  const { floors, jobs } = samples.get(w.name)!;
  const ratio = jobs.map((j, i) => j.seconds / floors[i].seconds);
  const totalRows = jobs[0].window_rows + jobs[0].baseline_rows;
  const line = `| ${w.name} | ${w.description} | ${range(floors.map((f) => f.seconds))} | ${range(jobs.map((j) => j.seconds))} | ${range(jobs.map((j) => j.warm_seconds))} | ${range(ratio, 1, 'x')} | ${range(jobs.map((j) => totalRows / j.seconds / 1e6), 2)} | ${range(jobs.map((j) => j.max_rss_mb), 0)} |`;
  rowsOut.push(line);
  const phases = Object.keys(jobs[0]).filter((k) => k.startsWith('phase ') || k.startsWith('warm '));
  for (const p of phases) phaseOut.push(`| ${w.name} | ${p.replace(/^phase /, 'cold ')} | ${range(jobs.map((j) => j[p] ?? 0))} |`);
  summary[w.name] = {
    job: stats(jobs.map((j) => j.seconds)).median,
    warm: stats(jobs.map((j) => j.warm_seconds)).median,
    floor: stats(floors.map((f) => f.seconds)).median,
    paired: stats(ratio).median,
    rss: stats(jobs.map((j) => j.max_rss_mb)).median,
    rows: jobs[0].window_rows,
    reference: stats(floors.map((f) => f.reference_seconds)).median,
    profileCold: stats(jobs.map((j) => j['phase baseline profile'] ?? 0)).median,
    profileWarm: stats(jobs.map((j) => j['warm baseline profile'] ?? 0)).median,
    referenceRows: [jobs[0].baseline_rows, jobs[0].warm_baseline_rows],
    jobCpu: stats(jobs.map((j) => j.cpu_seconds)).median,
    floorCpu: stats(floors.map((f) => f.cpu_seconds)).median,
    scanCpu: stats(jobs.map((j) => j.scan_cpu_per_second)).median,
  };
  console.log(line);
}

let peer: PeerResult | null = null;
if (summary.W1 && !args.includes('--no-scipy')) {
  console.error('SciPy peer on W1 (compute only)...');
  const w1Spec = specs.find((w) => w.name === 'W1')!;
  peer = await scipyPeer(w1Spec, workDir, root);
  console.log(`SciPy: ${JSON.stringify(peer)}`);
}

let fixed = null;
if (wanted('fixed')) {
  console.error(`fixed cost: ${fixedRounds} interleaved rounds...`);
  fixed = measureFixedCost(root, fixedRounds);
}

// The HTML report of W2 (200 numeric features: the heaviest plots), once: its size is deterministic.
let html: Sample | null = null;
if (summary.W2) {
  const w2 = specs.find((w) => w.name === 'W2')!;
  html = JSON.parse(execFileSync(process.execPath, [...ENGINE_NODE_FLAGS, htmlScript, JSON.stringify(w2)], { encoding: 'utf8', maxBuffer: 1 << 24 }).trim().split('\n').pop()!) as Sample;
  console.log(`HTML report of W2: ${JSON.stringify(html)}`);
}

const scrapes: Sample[] = [];
for (let r = 0; r < (wanted('scrape') ? runs : 0); r++) {
  console.error(`measuring /metrics under 50 scrapers while runs execute, run ${r + 1}/${runs}...`);
  scrapes.push(await measureScrapes(workDir, path.join(root, 'dist', 'cli', 'main.js')));
  console.log(`/metrics: ${JSON.stringify(scrapes[r])}`);
}
const scrape = scrapes[0];
const scrapeErrors = scrapes.reduce((sum, x) => sum + x.errors, 0);
const scrapeP99 = scrapes.length ? stats(scrapes.map((x) => x.p99_ms)).median : NaN;

/**
 * A job/floor target, from the table's statistic: the median over rounds of each round's job against the floor
 * measured just before it (interleaved, so that a change of machine speed between rounds cancels), and the ratio of
 * the medians for comparison.
 */
const ratioLine = (w: { job: number; floor: number; paired: number }) =>
  `${fmt(w.paired, 1)}x (median of the rounds' job/floor; ratio of the medians ${fmt(w.job / w.floor, 1)}x) — ${w.paired <= 3 ? 'met' : 'NOT met'}`;
const targets: string[] = [];
const w1 = summary.W1;
const w2 = summary.W2;
const w3 = summary.W3;
if (w1) targets.push(`- W1 job <= 3x floor: ${ratioLine(w1)}`);
if (w1) targets.push(`- W1 job CPU-seconds <= 3x the floor's (every thread): ${fmt(w1.jobCpu)} s against ${fmt(w1.floorCpu)} s, ${fmt(w1.jobCpu / w1.floorCpu, 1)}x — ${w1.jobCpu <= 3 * w1.floorCpu ? 'met' : 'NOT met'}`);
if (w1 && peer) {
  targets.push(
    'skipped' in peer
      ? `- W1 >= 8x faster than SciPy compute-only: SciPy skipped (${peer.skipped})`
      : `- W1 >= 8x faster than SciPy compute-only (ks_2samp, wasserstein_distance, decile bins with chi2_contingency, JS, PSI on the ${peer.features} numeric features; loading excluded; one run): SciPy ${fmt(peer.seconds)} s, ${fmt(peer.seconds / w1.job, 1)}x the cold job — ${peer.seconds >= 8 * w1.job ? 'met' : 'NOT met'}`,
  );
}
if (w1) targets.push(`- W1 peak RSS <= 1 GB: ${fmt(w1.rss, 0)} MB — ${w1.rss <= 1024 ? 'met' : 'NOT met'}`);
if (w2) targets.push(`- W2 job <= 3x floor: ${ratioLine(w2)}`);
if (w2) targets.push(`- W2 peak RSS <= 1 GB: ${fmt(w2.rss, 0)} MB — ${w2.rss <= 1024 ? 'met' : 'NOT met'}`);
const w1s = summary['W1-segmented'];
if (w1 && w1s) targets.push(`- W1 segmented (5 segments) <= 1.5x W1: ${fmt(w1s.job / w1.job, 2)}x cold, ${fmt(w1s.warm / w1.warm, 2)}x warm — ${w1s.job <= 1.5 * w1.job ? 'met' : 'NOT met'}`);
// A moving reference is a new range at every run: its warm run pays one read of that range (profiled: scanned, sorted,
// counted), and nothing more. "One read" is what the engine pays to profile a baseline of that size once: W1's cold
// baseline-profile phase (1M rows). Against DuckDB's bare read of the range (no sort) it is shown too.
const w1m = summary['W1-moving'];
if (w1 && w1m) {
  const bound = w1.warm + w1.profileCold;
  const floorBound = w1.warm + w1m.reference;
  targets.push(
    `- W1 moving reference (warm run 1 h later: a new range of ${w1m.referenceRows[1].toLocaleString('en-US')} rows) <= W1 warm + one read of a reference of that size (W1's cold baseline profile: one scan of its 1M rows, sorted and counted): ${fmt(w1m.warm)} s <= ${fmt(w1.warm)} + ${fmt(w1.profileCold)} = ${fmt(bound)} s — ${w1m.warm <= bound ? 'met' : 'NOT met'}`,
    `  - against the floor of reading the warm run's range once instead (R: DuckDB's count, min, max of every feature column over its (start, end], no sort): ${fmt(w1m.warm)} s <= ${fmt(w1.warm)} + ${fmt(w1m.reference)} = ${fmt(floorBound)} s — ${w1m.warm <= floorBound ? 'met' : 'NOT met'}`,
    `  - cold ${fmt(w1m.job)} s against W1 cold ${fmt(w1.job)} s (${fmt(w1m.job / w1.job, 2)}x), warm ${fmt(w1m.warm)} s against W1 warm ${fmt(w1.warm)} s (+${fmt(w1m.warm - w1.warm)} s); baseline-profile phase: the moving reference ${fmt(w1m.profileCold)} s cold, ${fmt(w1m.profileWarm)} s warm; W1's fixed baseline ${fmt(w1.profileCold)} s cold, ${fmt(w1.profileWarm)} s warm (cached)`,
  );
}
if (html) targets.push(`- HTML report of W2 (${html.features} features, ${html.plots} plots) <= 2 MB: ${fmt(html.bytes / 1e6, 2)} MB, rendered in ${fmt(html.seconds)} s — ${html.bytes <= 2e6 ? 'met' : 'NOT met'}`);
if (w3) {
  targets.push(`- W3 job <= 3x floor: ${ratioLine(w3)}`);
  targets.push(`- W3 window numeric scan: ${fmt(w3.scanCpu)} CPU-seconds per wall-second of the phase (2 cores: 2.00 is both busy throughout)`);
}
if (w1 && w3) {
  targets.push(`- W3 time <= 4.5x W1's: ${fmt(w3.job / w1.job, 2)}x — ${w3.job <= 4.5 * w1.job ? 'met' : 'NOT met'}`);
  targets.push(`- W3 peak RSS <= 1.5x W1's: ${fmt(w3.rss / w1.rss, 2)}x — ${w3.rss <= 1.5 * w1.rss ? 'met' : 'NOT met'}`);
}

let commit = 'unknown';
try {
  commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
} catch {
  // Not a git checkout.
}
const load = os.loadavg().map((l) => l.toFixed(2)).join(', ');
const generated = `<!-- generated by npm run bench: everything above the hand-written marker is rewritten -->
# Benchmark results

- Date: ${new Date().toISOString()}
- Commit: ${commit} (plus uncommitted changes, if any)
- Machine: ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, ${fmt(os.totalmem() / 2 ** 30, 1)} GiB RAM; load average at the end ${load}
- Node ${process.version}, DuckDB ${duckdbVersion()} (@duckdb/node-api)
- Runs per figure: ${runs}; each cell is median (min–max). Floor: DuckDB reads every feature column of baseline and window once (count, min, max); for W1-moving, of the reference range and the window. Job: a full \`runModel\` in a fresh process started with the engine's Node options (${ENGINE_NODE_FLAGS.join(' ')}, as the CLI and serve's engine processes are), cold (baseline profile computed) then warm (profile reused; W1-moving's warm run is 1 h later, its reference a new range profiled again).

| workload | what | floor s | job s (cold) | job s (warm) | job/floor | M rows/s (cold) | peak RSS MB |
|---|---|---|---|---|---|---|---|
${rowsOut.join('\n')}

Targets:
${targets.join('\n')}

Per-phase seconds (from the engine's \`onPhase\` hook):

| workload | phase | seconds |
|---|---|---|
${phaseOut.join('\n')}

${fixed ? fixedCostSection(fixed) : ''}
${scrape ? `## /metrics latency during a run

${scrape.series} published series; runs back to back (${range(scrapes.map((x) => x.runs_during_load), 0)} started during the load); ${scrape.scrapers} scrapers for 30 s, each on its own keep-alive connection at ${scrape.per_second_each} scrapes/s, phases spread evenly, gzip asked (bench/scrapers.ts, its own process, loopback). A scrape is timed from its sending, or from when it fell due if the previous one was still running then (no coordinated omission); "p99 from due" times every scrape from when it fell due, which also counts the scraper's own timer waking late.

| scrapes | errors | p50 ms | p99 ms | p99 from due ms | max ms | exporter event-loop delay p99 ms |
|---|---|---|---|---|---|---|
| ${range(scrapes.map((x) => x.scrapes), 0)} | ${scrapeErrors} in all | ${range(scrapes.map((x) => x.p50_ms))} | ${range(scrapes.map((x) => x.p99_ms))} | ${range(scrapes.map((x) => x.p99_from_schedule_ms))} | ${range(scrapes.map((x) => x.max_ms))} | ${range(scrapes.map((x) => x.event_loop_p99_ms))} |

Target: p99 <= 10 ms with zero errors — ${fmt(scrapeP99)} ms (median of ${runs} runs), ${scrapeErrors} errors: ${scrapeP99 <= 10 && scrapeErrors === 0 ? 'met' : 'NOT met'}.
` : ''}`;
const MARKER = '<!-- hand-written below -->';
const previous = existsSync(resultsFile) ? readFileSync(resultsFile, 'utf8') : '';
const handWritten = previous.includes(MARKER) ? previous.slice(previous.indexOf(MARKER)) : `${MARKER}\n\n## Where the time goes\n\n(to be written from a profile)\n`;
writeFileSync(resultsFile, `${generated}\n${handWritten}`);
console.error(`wrote ${path.relative(root, resultsFile)}`);
