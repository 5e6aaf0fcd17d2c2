/**
 * What the exporter knows about its models: the outcome of each one's runs
 * and the report of its last successful run. The HTTP routes read it; the
 * scheduler's events write it, and through it the metrics.
 */
import type { ModelReport, Report } from '../report/index.js';
import type { DriftMetrics } from './registry.js';

/** A model as the exporter lists it, with what its config says of its schedule. */
export interface ModelEntry {
  name: string;
  schedule: string;
  /** Longest gap between two scheduled runs, seconds; null when the schedule never fires again. */
  intervalS: number | null;
  timeoutS: number;
  maxLogLagS: number;
}

/** One configured model's last run, as /api/report lists it: failing models too, with their error. */
export interface RunSummary {
  model: string;
  running: boolean;
  last_run: { ended_at: string; ok: boolean; duration_seconds: number; error?: string } | null;
  last_success: string | null;
}

/** How the model's last run ended. */
export interface LastRun {
  endedAt: Date;
  ok: boolean;
  durationS: number;
  /** The failure's message. */
  error?: string;
}

/** One model's status, for the landing page. */
export interface ModelStatus extends ModelEntry {
  running: boolean;
  lastRun: LastRun | null;
  lastSuccess: Date | null;
  /** The report of the last successful run. */
  report: ModelReport | null;
}

/** Timing of a finished run. */
export interface RunTiming {
  durationS: number;
  endedAt: Date;
}

/**
 * A model's status as kept: its last report as JSON text. A fleet's reports as
 * objects are hundreds of thousands of objects that every full garbage
 * collection of the exporter marks (and a collection pauses /metrics); one
 * string each is nothing to mark. Readers get it parsed (list()).
 */
type Kept = Omit<ModelStatus, 'report'> & { report: string | null };

/** The exporter's state; every update is synchronous, so a reader never sees half of one. */
export class ExporterState {
  private readonly models = new Map<string, Kept>();
  /** Applied to run errors before the HTTP endpoints show them (the log keeps them whole). */
  private redact: (text: string) => string = (t) => t;

  constructor(private readonly metrics: DriftMetrics) {}

  /** Sets how run errors are redacted for display: values interpolated from the environment are not shown. */
  setRedaction(redact: (text: string) => string): void {
    this.redact = redact;
  }

  /** Sets the configured models: new ones start empty, removed ones lose their series. */
  setModels(entries: readonly ModelEntry[]): void {
    const keep = new Set(entries.map((e) => e.name));
    for (const name of this.models.keys()) {
      if (!keep.has(name)) {
        this.models.delete(name);
        this.metrics.removeModel(name);
      }
    }
    const next = new Map<string, Kept>();
    const now = new Date();
    for (const e of entries) {
      const old = this.models.get(e.name);
      if (!old) this.metrics.addModel(e.name);
      this.metrics.setSchedule(e.name, { ...e, loadedAt: old ? undefined : now });
      next.set(e.name, old ? { ...old, ...e } : { ...e, running: false, lastRun: null, lastSuccess: null, report: null });
    }
    // Rebuilt so that iteration follows the config's order.
    this.models.clear();
    for (const [name, status] of next) this.models.set(name, status);
  }

  /** A run of the model started (an engine took it after `waitS` in the queue). */
  runStarted(model: string, waitS?: number): void {
    const m = this.models.get(model);
    if (!m) return;
    m.running = true;
    this.metrics.runStarted(model, waitS);
  }

  /** A run succeeded: its report replaces the published values. */
  runSucceeded(report: ModelReport, timing: RunTiming): void {
    const m = this.models.get(report.model);
    if (!m) return; // removed from the config while it ran
    Object.assign(m, { running: false, lastRun: { ...timing, ok: true }, lastSuccess: timing.endedAt, report: JSON.stringify(report) });
    this.metrics.publish(report);
    this.metrics.runEnded(report.model, { ...timing, ok: true });
  }

  /** A run failed or timed out: the last good values stay published. */
  runFailed(model: string, error: string, timing: RunTiming): void {
    const m = this.models.get(model);
    if (!m) return;
    Object.assign(m, { running: false, lastRun: { ...timing, ok: false, error: this.redact(error) } });
    this.metrics.runEnded(model, { ...timing, ok: false });
  }

  /** A scheduled tick was skipped because a run was still in progress. */
  runSkipped(model: string): void {
    if (this.models.has(model)) this.metrics.runSkipped(model);
  }

  /** True once every configured model has succeeded at least once: a model that only fails is not ready. */
  get ready(): boolean {
    return [...this.models.values()].every((m) => m.lastSuccess !== null);
  }

  /** Every model's status, in config order (its report parsed anew: the caller may keep or change it). */
  list(): readonly ModelStatus[] {
    return [...this.models.values()].map((m) => ({ ...m, report: m.report === null ? null : (JSON.parse(m.report) as ModelReport) }));
  }

  /** The configured models' names, in config order. */
  names(): string[] {
    return [...this.models.keys()];
  }

  /** The last successful results, shaped like `report --format json`, and every configured model's last run, failing ones with their error. */
  report(now = new Date()): Report & { runs: RunSummary[] } {
    const listed = this.list();
    return {
      generated_at: now.toISOString(),
      models: listed.flatMap((m) => (m.report ? [m.report] : [])),
      runs: listed.map((m) => ({
        model: m.name,
        running: m.running,
        last_run: m.lastRun && {
          ended_at: m.lastRun.endedAt.toISOString(),
          ok: m.lastRun.ok,
          duration_seconds: m.lastRun.durationS,
          ...(m.lastRun.error !== undefined ? { error: m.lastRun.error } : {}),
        },
        last_success: m.lastSuccess?.toISOString() ?? null,
      })),
    };
  }
}
