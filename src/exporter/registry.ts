/**
 * The exporter's own prom-client Registry and the rules that turn a model's
 * report into series. Every family comes from the contract in metrics.ts.
 */
import { gzipSync } from 'node:zlib';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { FeatureReport, ModelReport, SegmentReport } from '../report/index.js';
import { familyHeader, Joined, ModelChunks, Piece, whenReady } from './exposition.js';
import { METRICS, TEST_METRICS, type MetricDef } from './metrics.js';
import { segmentLabels, segmentLabelValue } from './segments.js';

type Labels = Record<string, string>;

/** One published sample: which family, which label set, which value. */
interface Sample {
  def: MetricDef;
  labels: Labels;
  value: number;
}

/** How a run ended, as the run metrics record it. */
export interface RunOutcome {
  ok: boolean;
  durationS: number;
  endedAt: Date;
}

/** What the config says of a model's schedule, in seconds; the interval is null when the schedule never fires twice. */
export interface ScheduleFacts {
  intervalS: number | null;
  timeoutS: number;
  maxLogLagS: number;
}

/** The cached exposition: its pieces, and (once asked for) their bytes and their gzip members, joined. */
interface Rendered {
  pieces: (Piece | Joined)[];
  plain: Buffer[] | null;
  gzipped: Buffer[] | Promise<Buffer[]> | null;
}

/** The exposition as parts to write in order: the cached text, then the process families (so the cached text is never copied per scrape). */
export interface Exposition {
  contentType: string;
  parts: Buffer[];
  /** Their total bytes. */
  length: number;
}

/**
 * The per-model families (model_name first): each model's series of them are
 * rendered into a chunk of their own when they change (its report published,
 * a run started or ended), so a fleet's change re-renders one model's lines.
 */
const MODEL_DEFS: readonly MetricDef[] = [...Object.values(METRICS), ...TEST_METRICS.map((m) => m.def)].filter((d) => d.labels[0] === 'model_name');

/** The families only publish() writes, from a report: a new report replaces all of the model's series of them. */
const DRIFT_DEFS: readonly MetricDef[] = [
  METRICS.windowRows, METRICS.baselineRows, METRICS.baselineInfo, METRICS.baselineStart, METRICS.baselineEnd, METRICS.featureErrors, METRICS.windowEnd, METRICS.newestEvent,
  METRICS.threshold, METRICS.featureInfo, METRICS.missing, METRICS.baselineMissing, METRICS.score, METRICS.detected,
  ...TEST_METRICS.map((m) => m.def), METRICS.unseen, METRICS.outOfRange, METRICS.categoryShare, METRICS.baselineCategoryShare, METRICS.predictionScore, METRICS.driftShare, METRICS.modelDetected,
  METRICS.segmentRows, METRICS.segmentFeatureErrors, METRICS.segmentDriftShare, METRICS.segmentModelDetected, METRICS.segmentScore, METRICS.segmentDetected,
];
const DRIFT = new Set(DRIFT_DEFS.map((d) => d.name));

/** The process families are a few hundred bytes: gzipped on the loop, with a small window (a trip to the pool costs more). */
const LIVE_GZIP = { windowBits: 12, memLevel: 5 };

/**
 * How long one collection of the process families answers scrapes. Collecting reads /proc (open fds, limits,
 * memory) and took over a third of the loop's time under 1,000 scrapes/s; a second is far below any scrape interval.
 */
const LIVE_MAX_AGE_MS = 1000;

/**
 * Bodies up to this size are joined once per rendering (one write per scrape); a fleet's larger body stays in its
 * families' buffers, written one after the other: joining it at every change would allocate a body per change.
 */
const JOIN_BYTES = 64 * 1024;
const joinSmall = (parts: Buffer[]): Buffer[] => {
  const n = parts.reduce((sum, b) => sum + b.length, 0);
  return n <= JOIN_BYTES ? [Buffer.concat(parts, n)] : parts.filter((b) => b.length > 0);
};

/** The exposition's last line break (Registry.metrics() ends its text with one). */
const END = new Piece('\n');

/** Cumulative profile-cache counters, as an engine process reports them. */
export interface CacheCounters {
  hits: number;
  misses: number;
  evictions: number;
  bytes: number;
}

const isNumber = (v: number | null | undefined): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * All metric families of the exporter, registered in a Registry of their own
 * (never prom-client's global one, so nothing else leaks into /metrics).
 */
export class DriftMetrics {
  /** The registry /metrics renders. */
  readonly registry = new Registry();
  private readonly gauges = new Map<string, Gauge>();
  private readonly counters = new Map<string, Counter>();
  /** Per model, the drift samples of its last successful run, in reference mode: what a new run takes out of prom-client. */
  private readonly published = new Map<string, Sample[]>();
  /**
   * Values change only when a run starts, ends or is skipped, so one rendering
   * serves every scrape in between. The drift families hold one chunk per
   * model, rendered when its report is published; the other families are
   * rendered by prom-client when they changed. Each piece is gzipped once.
   */
  private rendered: Rendered | null = null;
  private rendering: Promise<Rendered> | null = null;
  /** Every cached family in registration order: its chunks (drift families) or its prom-client text, from the separator before it. */
  private readonly families: { name: string; head: Piece | null; chunks: ModelChunks | null; sparse: boolean }[] = [];
  private readonly chunked = new Map<string, ModelChunks>();
  private readonly texts = new Map<string, Piece>();
  private readonly stale = new Set<string>();
  /** prom-client's process_* families: collected again once their last collection is older than `liveMaxAgeMs`. */
  private readonly live: string[];
  private liveText: { at: number; plain: Promise<Buffer>; gzipped: Buffer | null } | null = null;
  /** Per engine, the counters of its current process as last reported (turned into increments). */
  private readonly engineCounters = new Map<string, CacheCounters>();
  /** The per-model counters' values, per family (prom-client keeps them too, but only hands them out asynchronously). */
  private readonly counts = new Map<string, Map<string, number>>();

  /**
   * `reference`: also keep every per-model family in prom-client, whose own
   * rendering the tests compare the chunks with byte for byte. A serving
   * exporter keeps them in its chunks only: a fleet's tens of thousands of
   * series, twice, would double the heap and its garbage collections.
   * `settleMs`: how long a model's chunk stays out of a gzip block (tests set 0).
   * `liveMaxAgeMs`: how long one collection of the process families serves scrapes.
   */
  constructor(build: { version: string; nodejsVersion: string }, private readonly opts: { reference?: boolean; settleMs?: number; liveMaxAgeMs?: number } = {}) {
    // A family whose blocks became ready renders again, as one whose model changed.
    for (const def of MODEL_DEFS) this.chunked.set(def.name, new ModelChunks(def.name, () => this.stale.add(def.name), opts.settleMs));
    for (const def of [...Object.values(METRICS), ...TEST_METRICS.map((m) => m.def)]) this.register(def);
    this.gauge(METRICS.buildInfo).set({ version: build.version, nodejs_version: build.nodejsVersion }, 1);
    const own = new Set(this.registry.getMetricsAsArray().map((m) => (m as { name: string }).name));
    collectDefaultMetrics({ register: this.registry });
    const added = this.registry
      .getMetricsAsArray()
      .map((m) => (m as { name: string }).name)
      .filter((n) => !own.has(n));
    // process_* only: the nodejs_* families add GC and heap-space series, and the event-loop lag ones print NaN as "Nan".
    for (const n of added) if (!n.startsWith('process_')) this.registry.removeSingleMetric(n);
    this.live = added.filter((n) => n.startsWith('process_'));
  }

  /** Publishes the pool's size. */
  setEngineProcesses(n: number): void {
    this.gauge(METRICS.engineProcesses).set(n);
  }

  /** Publishes the run queue's depth. */
  setQueueDepth(depth: number): void {
    this.gauge(METRICS.queueDepth).set(depth);
  }

  /** An engine's memory and cache after a run; its cumulative counters become increments of the summed counters. */
  engineStats(engine: number, s: { rssBytes: number; cache: CacheCounters }): void {
    const labels = { engine: String(engine) };
    this.gauge(METRICS.engineRss).set(labels, s.rssBytes);
    this.gauge(METRICS.cacheBytes).set(labels, s.cache.bytes);
    const prev = this.engineCounters.get(labels.engine) ?? { hits: 0, misses: 0, evictions: 0, bytes: 0 };
    // Lower than before: a new process that was not reported gone; its counts start from 0.
    const inc = (now: number, before: number) => (now >= before ? now - before : now);
    this.counter(METRICS.cacheHits).inc(inc(s.cache.hits, prev.hits));
    this.counter(METRICS.cacheMisses).inc(inc(s.cache.misses, prev.misses));
    this.counter(METRICS.cacheEvictions).inc(inc(s.cache.evictions, prev.evictions));
    this.engineCounters.set(labels.engine, { ...s.cache });
  }

  /** An engine's process ended: its memory series go (nothing is resident), and its next process counts from 0. */
  engineGone(engine: number): void {
    const labels = { engine: String(engine) };
    this.gauge(METRICS.engineRss).remove(labels);
    this.gauge(METRICS.cacheBytes).remove(labels);
    this.engineCounters.delete(labels.engine);
  }

  /** Records a config load (at start or on reload): whether it succeeded, and when it last did. */
  configLoaded(ok: boolean, at = new Date()): void {
    this.gauge(METRICS.reloadOk).set(ok ? 1 : 0);
    if (ok) this.gauge(METRICS.reloadTime).set(at.getTime() / 1000);
  }

  /** Publishes this replica's shard and how many models it runs. */
  setShard(shard: { index: number; count: number }, models: number): void {
    this.gauge(METRICS.shardInfo).reset();
    this.gauge(METRICS.shardInfo).set({ index: String(shard.index), count: String(shard.count) }, 1);
    this.gauge(METRICS.shardModels).set(models);
  }

  /** Creates the run counters at 0, so that rate() and increase() see the first increment. */
  addModel(model: string): void {
    for (const def of [METRICS.runs, METRICS.failures, METRICS.skipped]) this.countModel(def, model, 0);
  }

  /** Publishes what the config says of a model's schedule (seconds), and when the model was loaded. */
  setSchedule(model: string, s: ScheduleFacts & { loadedAt?: Date }): void {
    for (const x of scheduleSamples(model, s)) this.setModel(x);
    if (s.loadedAt) this.setModel({ def: METRICS.loaded, labels: { model_name: model }, value: s.loadedAt.getTime() / 1000 });
  }

  /** Replaces the model's drift series with those of a successful run's report. */
  publish(report: ModelReport): void {
    const next = samples(report);
    const byFamily = new Map<string, Sample[]>([...DRIFT].map((name) => [name, []]));
    for (const s of next) {
      const family = byFamily.get(s.def.name);
      if (!family) throw new Error(`${s.def.name} is published by a report but not listed in DRIFT_DEFS`);
      family.push(s);
    }
    // Synchronous from here on: a scrape sees either the old set or the new one, never a mix.
    this.unpublish(report.model);
    // A segment's family has no prom-client copy: its label names vary with each model's segment_by.
    for (const s of next) this.gaugeOf(s.def)?.set(s.labels, s.value);
    // The registry keeps the same values (the tests' reference); /metrics renders these chunks of them.
    for (const [name, series] of byFamily) this.chunked.get(name)!.set(report.model, series);
    // Kept only to take them out of prom-client again: a serving exporter would hold a fleet's samples twice.
    if (this.opts.reference) this.published.set(report.model, next);
  }

  /** Counts a run that has just started, after waiting `waitS` in the queue. */
  runStarted(model: string, waitS?: number): void {
    this.countModel(METRICS.runs, model, 1);
    if (waitS !== undefined) this.setModel({ def: METRICS.queueWait, labels: { model_name: model }, value: waitS });
  }

  /** Records how a run ended; drift values are left alone (see publish). */
  runEnded(model: string, outcome: RunOutcome): void {
    for (const s of outcomeSamples(model, outcome)) this.setModel(s);
    if (!outcome.ok) this.countModel(METRICS.failures, model, 1);
  }

  /** Counts a scheduled tick skipped because the model's previous run was still in progress. */
  runSkipped(model: string): void {
    this.countModel(METRICS.skipped, model, 1);
  }

  /** Drops every series of a model that left the config. */
  removeModel(model: string): void {
    this.unpublish(model);
    this.published.delete(model);
    const labels = { model_name: model };
    for (const def of [METRICS.lastRun, METRICS.lastSuccess, METRICS.duration, METRICS.lastRunSuccess, METRICS.interval, METRICS.timeout, METRICS.maxLogLag, METRICS.loaded, METRICS.queueWait]) this.gaugeOf(def)?.remove(labels);
    for (const def of [METRICS.runs, METRICS.failures, METRICS.skipped]) {
      this.counterOf(def)?.remove(labels);
      this.counts.get(def.name)?.delete(model);
    }
    for (const chunks of this.chunked.values()) chunks.delete(model);
  }

  /** The text exposition of every family (gzipped when asked), and its content type. */
  async render(gzip = false): Promise<Exposition> {
    const contentType = this.registry.contentType;
    let r = this.rendered;
    if (!r || this.stale.size > 0 || this.rendering) {
      // One rendering at a time: scrapes that arrive meanwhile share it.
      this.rendering ??= this.renderText().finally(() => (this.rendering = null));
      r = await this.rendering;
    }
    // The process families follow the cached text; they are small.
    const live = await this.liveParts(gzip);
    // Each cached piece is compressed once, when first asked for (Prometheus asks for gzip on every scrape); a family's
    // members are joined once until one of its models changes, and the families once per rendering. The live part is a
    // gzip member of its own, appended (a gzip stream is a series of members, RFC 1952 2.2).
    const cached = gzip ? await (r.gzipped ??= whenReady(r.pieces.map((p) => p.gzipped()), joinSmall)) : (r.plain ??= joinSmall(r.pieces.map((p) => p.plain)));
    const parts = [...cached, live];
    return { contentType, parts, length: parts.reduce((n, b) => n + b.length, 0) };
  }

  /** The process families' text (gzipped when asked), collected at most once per `liveMaxAgeMs`; a failed collection is not kept. */
  private async liveParts(gzip: boolean): Promise<Buffer> {
    const now = performance.now();
    let c = this.liveText;
    if (!c || now - c.at >= (this.opts.liveMaxAgeMs ?? LIVE_MAX_AGE_MS)) {
      const plain = Promise.all(this.live.map((n) => this.registry.getSingleMetricAsString(n))).then((texts) => Buffer.from(`\n${texts.join('\n\n')}\n`, 'utf8'));
      c = this.liveText = { at: now, plain, gzipped: null };
      plain.catch(() => {
        if (this.liveText === c) this.liveText = null;
      });
    }
    const plain = await c.plain;
    return gzip ? (c.gzipped ??= gzipSync(plain, LIVE_GZIP)) : plain;
  }

  private async renderText(): Promise<Rendered> {
    const names = [...this.stale];
    this.stale.clear();
    for (const name of names) {
      if (this.chunked.has(name)) continue; // its chunks are current already
      const first = this.families[0].name === name;
      this.texts.set(name, new Piece(`${first ? '' : '\n\n'}${await this.registry.getSingleMetricAsString(name)}`));
    }
    // Joined as Registry.metrics() joins them: families in registration order, '\n\n' between two, '\n' at the end.
    const pieces: (Piece | Joined)[] = [];
    for (const f of this.families) {
      if (f.chunks) {
        if (!f.sparse || !f.chunks.empty) pieces.push(f.chunks.joined(f.head!));
      }
      else pieces.push(this.texts.get(f.name)!);
    }
    pieces.push(END);
    const r: Rendered = { pieces, plain: null, gzipped: null };
    // A change while rendering marks its families again: this text then answers these scrapes only.
    this.rendered = this.stale.size === 0 ? r : null;
    return r;
  }

  /** Sets a model's one series of a family (run health, schedule): in prom-client, the reference, and in its chunk. */
  private setModel(s: Sample): void {
    this.gaugeOf(s.def)?.set(s.labels, s.value);
    this.chunked.get(s.def.name)!.set(s.labels.model_name, [{ labels: s.labels, value: s.value }]);
  }

  /** Adds to a model's counter, in prom-client and in its chunk. */
  private countModel(def: MetricDef, model: string, by: number): void {
    const labels = { model_name: model };
    this.counterOf(def)?.inc(labels, by);
    const counts = this.counts.get(def.name) ?? this.counts.set(def.name, new Map()).get(def.name)!;
    const value = (counts.get(model) ?? 0) + by;
    counts.set(model, value);
    this.chunked.get(def.name)!.set(model, [{ labels, value }]);
  }

  /** Removes the model's drift series. */
  private unpublish(model: string): void {
    for (const name of DRIFT) {
      this.chunked.get(name)!.delete(model);
      this.stale.add(name);
    }
    for (const s of this.published.get(model) ?? []) {
      this.gaugeOf(s.def)?.remove(s.labels);
    }
  }

  private register(def: MetricDef): void {
    const config = { name: def.name, help: def.help, labelNames: [...def.labels], registers: [this.registry] };
    const sparse = def.segmented === true || def.optIn === true;
    if (sparse || (this.chunked.has(def.name) && !this.opts.reference)) {
      // Rendered from its chunks only; a sparse family only when a model publishes it (segments, publish_categories).
    } else if (def.type === 'counter') this.counters.set(def.name, new Counter(config));
    else this.gauges.set(def.name, new Gauge(config));
    const chunks = this.chunked.get(def.name) ?? null;
    const head = chunks ? new Piece(`${this.families.length === 0 ? '' : '\n\n'}${familyHeader(def.name, def.help, def.type)}`) : null;
    this.families.push({ name: def.name, head, chunks, sparse });
    this.stale.add(def.name);
  }

  // Every change goes through these two (or unpublish), which is what keeps the rendered texts current.
  /** The family's prom-client gauge (none for a segment's or an opt-in family, nor for a per-model family outside reference mode), marked changed. */
  private gaugeOf(def: MetricDef): Gauge | undefined {
    this.stale.add(def.name);
    return this.gauges.get(def.name);
  }

  private gauge(def: MetricDef): Gauge {
    this.stale.add(def.name);
    return this.gauges.get(def.name)!;
  }

  /** The family's prom-client counter (none for a per-model family outside reference mode), marked changed. */
  private counterOf(def: MetricDef): Counter | undefined {
    this.stale.add(def.name);
    return this.counters.get(def.name);
  }

  private counter(def: MetricDef): Counter {
    this.stale.add(def.name);
    return this.counters.get(def.name)!;
  }
}

/** One model's run in batch mode (`report --push-gateway`, `report --textfile`). */
export interface BatchRun {
  model: string;
  /** The report of a successful run; null when the run failed. */
  report: ModelReport | null;
  outcome: RunOutcome;
  schedule: ScheduleFacts;
}

/** One sample of an earlier batch output. */
export interface PreviousSample {
  name: string;
  labels: Labels;
  value: number;
}

/**
 * The families of a batch run: the daemon's gauges, without what only a
 * long-lived process knows (the run counters, when the model was loaded),
 * and without the build info, which on a Pushgateway carries a job and
 * instance that no `up` series has (DriftExporterAbsent would fire).
 */
const BATCH_DEFS: readonly MetricDef[] = [...Object.values(METRICS), ...TEST_METRICS.map((m) => m.def)].filter(
  (d) => d.type === 'gauge' && d.name !== METRICS.loaded.name && d.name !== METRICS.buildInfo.name,
);

/** The families a failed run writes; the others keep the series of the model's last successful run. */
export const FAILED_RUN_FAMILIES: ReadonlySet<string> = new Set(
  [METRICS.lastRun, METRICS.duration, METRICS.lastRunSuccess, METRICS.interval, METRICS.timeout, METRICS.maxLogLag].map((d) => d.name),
);

/**
 * Renders batch runs in the text format with the series `serve` would
 * publish for them: for a successful run its drift series and outcome; for a
 * failed run its outcome, plus the last good series of that model found in
 * `previous` (an earlier output), as the daemon keeps them. Only families
 * that hold a sample are written: an empty family pushed with POST would
 * delete that family's series from the group.
 */
export async function renderBatch(runs: readonly BatchRun[], previous: readonly PreviousSample[] = []): Promise<string> {
  const byFamily = new Map<string, Sample[]>();
  const add = (x: Sample) => (byFamily.get(x.def.name) ?? byFamily.set(x.def.name, []).get(x.def.name)!).push(x);
  for (const run of runs) {
    for (const x of [...(run.report ? samples(run.report) : []), ...outcomeSamples(run.model, run.outcome), ...scheduleSamples(run.model, run.schedule)]) add(x);
  }
  const failed = new Set(runs.filter((r) => !r.report).map((r) => r.model));
  for (const p of previous) {
    const def = BATCH_DEFS.find((d) => d.name === p.name);
    if (!def || FAILED_RUN_FAMILIES.has(def.name) || !failed.has(p.labels.model_name)) continue;
    const names = Object.keys(p.labels).sort();
    const expected = [...def.labels].sort();
    // A segment's series carry its columns' labels too.
    const ok = def.segmented ? expected.every((l) => names.includes(l)) : names.join(',') === expected.join(',');
    if (!ok) throw new Error(`${p.name} has the labels {${names.join(',')}}, not those drift-exporter publishes {${expected.join(',')}${def.segmented ? ', and segment columns' : ''}}`);
    add({ def, labels: p.labels, value: p.value });
  }
  const registry = new Registry();
  const texts: string[] = [];
  for (const d of BATCH_DEFS) {
    const mine = byFamily.get(d.name);
    if (!mine) continue;
    const labelNames = d.segmented ? [...new Set(mine.flatMap((x) => Object.keys(x.labels)))] : [...d.labels];
    const gauge = new Gauge({ name: d.name, help: d.help, labelNames, registers: [registry] });
    for (const x of mine) gauge.set(x.labels, x.value);
    texts.push(await registry.getSingleMetricAsString(d.name));
  }
  return texts.length > 0 ? `${texts.join('\n\n')}\n` : '';
}

/**
 * The drift samples of one report. No data (an empty window or baseline, or
 * no feature comparable) is not "no drift": it publishes the row counts, the
 * baseline identity and the feature-error count, and no drift verdict. A
 * feature without a score publishes only its missing ratios, and counts in
 * the feature errors when it has an error. Null and NaN values are never published.
 */
function samples(report: ModelReport): Sample[] {
  const out: Sample[] = [];
  const add = (def: MetricDef, labels: Labels, value: number | null | undefined) => {
    if (isNumber(value)) out.push({ def, labels, value });
  };
  const model = { model_name: report.model };
  add(METRICS.windowRows, model, report.window.rows);
  add(METRICS.baselineRows, model, report.baseline.rows);
  add(METRICS.baselineInfo, { ...model, baseline_sha256: report.baseline.sha256 }, 1);
  add(METRICS.featureErrors, model, report.feature_errors);
  if (report.baseline.start !== null) add(METRICS.baselineStart, model, Date.parse(report.baseline.start) / 1000);
  if (report.baseline.end !== null) add(METRICS.baselineEnd, model, Date.parse(report.baseline.end) / 1000);
  add(METRICS.windowEnd, model, Date.parse(report.window.end ?? report.as_of) / 1000);
  if (report.window.newest_event !== null) add(METRICS.newestEvent, model, Date.parse(report.window.newest_event) / 1000);
  // How each feature is compared holds with or without data: dashboards draw thresholds from it.
  for (const f of report.features) out.push(...decisionSamples(report.model, f));
  if (report.window.rows === 0) return out;

  for (const f of report.features) out.push(...featureSamples(report.model, f));
  const predictionScores = report.features.filter((f) => f.role === 'prediction' && isNumber(f.score)).map((f) => f.score!);
  if (predictionScores.length > 0) add(METRICS.predictionScore, model, Math.max(...predictionScores));
  if (report.status !== 'no_data') {
    add(METRICS.driftShare, model, report.drift_share);
    add(METRICS.modelDetected, model, report.drift ? 1 : 0);
  }
  for (const seg of report.segments ?? []) out.push(...segmentSamples(report.model, report.segment_by ?? [], seg));
  return out;
}

/** One segment's series: its rows, errors and decision, and each compared feature's score and verdict. */
function segmentSamples(model: string, columns: readonly string[], seg: SegmentReport): Sample[] {
  const out: Sample[] = [];
  const key = segmentLabels(columns, seg);
  const add = (def: MetricDef, labels: Labels, value: number | null | undefined) => {
    if (isNumber(value)) out.push({ def, labels, value });
  };
  const labels = { model_name: model, ...key };
  add(METRICS.segmentRows, labels, seg.window.rows);
  add(METRICS.segmentFeatureErrors, labels, seg.feature_errors);
  if (seg.status !== 'no_data') {
    add(METRICS.segmentDriftShare, labels, seg.drift_share);
    add(METRICS.segmentModelDetected, labels, seg.drift ? 1 : 0);
  }
  for (const f of seg.features) {
    if (!isNumber(f.score)) continue;
    const fl = { model_name: model, feature_name: f.feature, ...key };
    add(METRICS.segmentScore, fl, f.score);
    add(METRICS.segmentDetected, fl, f.drift ? 1 : 0);
  }
  return out;
}

/** Each feature's thresholds and info series: what decides it, with or without data. */
function decisionSamples(model: string, f: FeatureReport): Sample[] {
  const { primary, significance } = f.decision;
  const out: Sample[] = [];
  for (const t of significance ? [primary, significance] : [primary]) {
    out.push({ def: METRICS.threshold, labels: { model_name: model, feature_name: f.feature, test: t.test }, value: t.threshold });
  }
  const info = { model_name: model, feature_name: f.feature, type: f.type, role: f.role, primary_test: primary.test, significance_test: significance?.test ?? '', critical: String(f.critical) };
  out.push({ def: METRICS.featureInfo, labels: info, value: 1 });
  return out;
}

function featureSamples(model: string, f: FeatureReport): Sample[] {
  const out: Sample[] = [];
  const labels = { model_name: model, feature_name: f.feature };
  const add = (def: MetricDef, value: number | null | undefined) => {
    if (isNumber(value)) out.push({ def, labels, value });
  };
  add(METRICS.missing, f.missing_ratio);
  add(METRICS.baselineMissing, f.baseline_missing_ratio);
  if (!isNumber(f.score)) return out;
  add(METRICS.score, f.score);
  add(METRICS.detected, f.drift ? 1 : 0);
  for (const m of TEST_METRICS) add(m.def, f.tests[m.test]?.[m.field]);
  if (f.type === 'categorical') add(METRICS.unseen, f.unseen_ratio);
  else add(METRICS.outOfRange, f.out_of_range_ratio);
  // Both sides of every bucket (0 included), so window − baseline is defined for each category on either side.
  for (const c of f.category_shares ?? []) {
    const cl = { ...labels, category: segmentLabelValue(c.category, c.category === null) };
    if (isNumber(c.window)) out.push({ def: METRICS.categoryShare, labels: cl, value: c.window });
    if (isNumber(c.baseline)) out.push({ def: METRICS.baselineCategoryShare, labels: cl, value: c.baseline });
  }
  return out;
}

/** How a run ended: what every run writes, failed or not (and the last success only when it succeeded). */
function outcomeSamples(model: string, outcome: RunOutcome): Sample[] {
  const endedS = outcome.endedAt.getTime() / 1000;
  const values: [MetricDef, number][] = [[METRICS.lastRun, endedS], [METRICS.duration, outcome.durationS], [METRICS.lastRunSuccess, outcome.ok ? 1 : 0]];
  if (outcome.ok) values.push([METRICS.lastSuccess, endedS]);
  return values.map(([def, value]) => ({ def, labels: { model_name: model }, value }));
}

/** What the config says of the model's schedule. */
function scheduleSamples(model: string, s: ScheduleFacts): Sample[] {
  const values: [MetricDef, number][] = [[METRICS.timeout, s.timeoutS], [METRICS.maxLogLag, s.maxLogLagS]];
  if (s.intervalS !== null) values.unshift([METRICS.interval, s.intervalS]);
  return values.map(([def, value]) => ({ def, labels: { model_name: model }, value }));
}
