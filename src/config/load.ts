import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DriftPolicy, FeatureType } from '../stats/index.js';
import { DEFAULTS, engineDefaults, type Machine } from './defaults.js';
import { parseDuration } from './duration.js';
import { ConfigError, formatIssues } from './errors.js';
import { interpolate } from './interpolate.js';
import { readYamlFile } from './yaml-file.js';
import { categoricalOnly, configFileSchema, type ConfigFile, type ModelFile, type TestSettings } from './schema.js';

/** A feature as configured; `type` null means "infer from the baseline's schema". */
export interface FeatureSpec {
  name: string;
  type: FeatureType | null;
}

/** A source's file format, as data/ names them. */
export type SourceFormat = 'parquet' | 'json' | 'csv';

/** How remote sources are reached (data/storage.ts's StorageSettings). */
export interface StorageConfig {
  secrets: Record<string, StorageSecretConfig>;
  extensionDirectory: string | null;
  httpTimeoutS: number;
  httpRetries: number;
}

/** One `storage:` entry, provider defaulted. */
export type StorageSecretConfig = NonNullable<ConfigFile['storage']>[string] & { provider: 'config' | 'credential_chain' | 'environment' };

/** One model, fully resolved: paths absolute (URIs as written), durations in ms, defaults applied. */
export interface ModelConfig {
  name: string;
  baseline: string;
  window: string;
  /** null: from the files' extension. */
  baselineFormat: SourceFormat | null;
  windowFormat: SourceFormat | null;
  /** The window's hive key holding the timestamp's UTC date, or null. */
  datePartition: string | null;
  /** The part of the baseline compared with: null for the whole source. */
  reference: ReferenceRange | null;
  /** Shared by every model of the config. */
  storage: StorageConfig;
  timestampColumn: string | null;
  windowDurationMs: number;
  /** Pinned window end (replays, the shipped example); null = now. */
  asOf: Date | null;
  idColumns: string[];
  /** Listed features, or null to infer every column of the baseline. */
  features: FeatureSpec[] | null;
  /** The model's outputs, always compared (the engine gives them the prediction role). */
  predictionColumns: string[];
  policy: DriftPolicy;
  featurePolicies: Record<string, DriftPolicy>;
  driftShareThreshold: number;
  maxCategories: number;
  schedule: string;
  runTimeoutMs: number;
  /** How far the window's newest event may lag its end before the logs count as stale (an alert, not a failure). */
  maxLogLagMs: number;
  /** Features whose drift pages as critical (feature_overrides.<name>.critical). */
  criticalFeatures: string[];
  /** Features whose share of every category is published (feature_overrides.<name>.publish_categories); categorical only. */
  publishCategories: string[];
  /** Per feature, a max_categories of its own (feature_overrides.<name>.max_categories); categorical only. */
  featureMaxCategories: Record<string, number>;
  /** Per feature, the override keys only a categorical feature can take (the engine refuses them on a numeric one). */
  categoricalKeys: Record<string, string[]>;
  /** Columns whose values split the window into segments (empty: unsegmented). */
  segmentBy: string[];
  /** Segments at most, the overflow bucket included. */
  maxSegments: number;
  /** What each segment is compared with (auto: matching when the baseline has every segment column, else whole). */
  segmentBaseline: 'auto' | 'matching' | 'whole';
}

/**
 * A reference window of the baseline, half-open like the window: the rows
 * whose `column` lies in (start, end]. Fixed, or moving: it ends `offsetMs`
 * before each run's as_of and lasts `durationMs`.
 */
export type ReferenceRange = { column: string; datePartition: string | null } & (
  | { kind: 'fixed'; start: Date; end: Date }
  | { kind: 'moving'; offsetMs: number; durationMs: number }
);

/** The pool of engine processes of `serve` (config key `engine`), defaults applied. */
export interface EngineSettings {
  processes: number;
  duckdbMemoryLimitBytes: number;
  duckdbThreads: number;
  profileCacheBytes: number;
}

/** A replica's share of the models (config key `shard`, or `serve --shard`). */
export interface Shard {
  index: number;
  count: number;
}

/** The validated configuration. */
export interface Config {
  file: string;
  models: ModelConfig[];
  engine: EngineSettings;
  /** null: this replica runs every model. */
  shard: Shard | null;
  /** The environment variables interpolated into it, by name: their values are kept out of what the HTTP endpoints show. */
  interpolated: ReadonlyMap<string, string>;
}

/** Reads, interpolates, validates and resolves a YAML config file. */
export function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env): Config {
  const used = new Map<string, string>();
  const raw = interpolate(withoutExtensions(readYamlFile(file, 'config')), env, file, [], used);
  const config = resolveConfig(raw, file);
  // Secrets written literally are hidden like interpolated ones.
  for (const [name, s] of Object.entries(config.models[0]?.storage.secrets ?? {})) {
    for (const key of SECRET_KEYS) if (s[key] && ![...used.values()].includes(s[key]!)) used.set(`storage.${name}.${key}`, s[key]!);
  }
  return { ...config, interpolated: used };
}

const SECRET_KEYS = ['key_id', 'secret', 'session_token', 'connection_string', 'bearer_token'] as const;

/** Top-level `x-` keys hold YAML anchors for `<<:` merges (as in Docker Compose); they configure nothing. */
function withoutExtensions(doc: unknown): unknown {
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return doc;
  return Object.fromEntries(Object.entries(doc).filter(([k]) => !k.startsWith('x-')));
}

/** Validates an already-parsed config object (also used for ad-hoc CLI runs). */
export function resolveConfig(raw: unknown, file: string, baseDir = path.dirname(path.resolve(file))): Config {
  const parsed = configFileSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) throw new ConfigError(formatIssues(file, parsed.error.issues));
  const cfg = parsed.data;
  const storage: StorageConfig = {
    secrets: Object.fromEntries(Object.entries(cfg.storage ?? {}).map(([name, s]) => [name, { ...s, provider: s.provider ?? 'config' }])),
    extensionDirectory: cfg.duckdb?.extension_directory ? path.resolve(baseDir, cfg.duckdb.extension_directory) : null,
    httpTimeoutS: parseDuration(cfg.duckdb?.http_timeout ?? DEFAULTS.http_timeout)! / 1000,
    httpRetries: cfg.duckdb?.http_retries ?? DEFAULTS.http_retries,
  };
  return {
    file,
    models: cfg.models.map((m) => resolveModel(m, cfg.defaults ?? {}, baseDir, storage)),
    engine: resolveEngine(cfg.engine ?? {}, machine()),
    shard: cfg.shard ?? null,
    interpolated: new Map(),
  };
}

/** The engine settings: what the config gives, the rest from the machine (see engineDefaults). */
export function resolveEngine(e: NonNullable<ConfigFile['engine']>, m: Machine): EngineSettings {
  const d = engineDefaults(m, e.processes);
  return {
    processes: e.processes ?? d.processes,
    duckdbMemoryLimitBytes: e.duckdb_memory_limit ?? d.duckdb_memory_limit,
    duckdbThreads: e.duckdb_threads ?? d.duckdb_threads,
    profileCacheBytes: e.profile_cache_bytes ?? d.profile_cache_bytes,
  };
}

/** This machine's cores and memory; memory is the cgroup's limit when one is set and lower (a container's). */
export function machine(): Machine {
  let memoryBytes = os.totalmem();
  // cgroup v2, then v1; "max" or an absurd v1 value means no limit.
  for (const file of ['/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/memory/memory.limit_in_bytes']) {
    try {
      const limit = Number(readFileSync(file, 'utf8').trim());
      if (Number.isFinite(limit) && limit > 0 && limit < memoryBytes) memoryBytes = limit;
      break;
    } catch {
      // Not there: not in a cgroup of that version.
    }
  }
  return { cores: os.availableParallelism(), memoryBytes };
}

/** A source's location: a local path made absolute, a URI (s3://, https://...) as written. */
function location(spec: string, baseDir: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(spec) && !/^file:\/\//i.test(spec) ? spec : path.resolve(baseDir, spec.replace(/^file:\/\//i, ''));
}

function resolveModel(m: ModelFile, defaults: NonNullable<ConfigFile['defaults']>, baseDir: string, storage: StorageConfig): ModelConfig {
  const policy = mergePolicy(mergePolicy(basePolicy(), defaults), m);
  const featurePolicies: Record<string, DriftPolicy> = {};
  for (const [name, settings] of Object.entries(m.feature_overrides ?? {})) featurePolicies[name] = mergePolicy(policy, settings);
  const features: FeatureSpec[] | null = !m.features
    ? null
    : Array.isArray(m.features)
      ? m.features.map((name) => ({ name, type: null }))
      : Object.entries(m.features).map(([name, t]) => ({ name, type: t === 'auto' ? null : t }));
  const pick = <K extends keyof typeof DEFAULTS & keyof ModelFile>(key: K) => (m[key] ?? defaults[key as keyof typeof defaults] ?? DEFAULTS[key]) as (typeof DEFAULTS)[K];
  return {
    name: m.name,
    baseline: location(m.baseline.source, baseDir),
    window: location(m.window.source, baseDir),
    baselineFormat: m.baseline.format ?? null,
    windowFormat: m.window.format ?? null,
    datePartition: m.window.date_partition ?? null,
    reference: reference(m, parseDuration(pick('window_duration'))!),
    storage,
    timestampColumn: m.timestamp_column ?? null,
    windowDurationMs: parseDuration(pick('window_duration'))!,
    asOf: m.as_of ?? null,
    idColumns: m.id_columns ?? [],
    features,
    predictionColumns: m.prediction_columns ?? [],
    policy,
    featurePolicies,
    driftShareThreshold: pick('drift_share_threshold'),
    maxCategories: pick('max_categories'),
    schedule: pick('schedule'),
    runTimeoutMs: parseDuration(pick('run_timeout'))!,
    maxLogLagMs: parseDuration(pick('max_log_lag'))!,
    criticalFeatures: Object.entries(m.feature_overrides ?? {}).flatMap(([name, o]) => (o.critical ? [name] : [])),
    publishCategories: Object.entries(m.feature_overrides ?? {}).flatMap(([name, o]) => (o.publish_categories ? [name] : [])),
    featureMaxCategories: Object.fromEntries(Object.entries(m.feature_overrides ?? {}).flatMap(([name, o]) => (o.max_categories !== undefined ? [[name, o.max_categories]] : []))),
    categoricalKeys: Object.fromEntries(Object.entries(m.feature_overrides ?? {}).flatMap(([name, o]) => (categoricalOnly(o).length > 0 ? [[name, categoricalOnly(o)]] : []))),
    segmentBy: m.segment_by ?? [],
    maxSegments: m.max_segments ?? DEFAULTS.max_segments,
    segmentBaseline: m.segment_baseline ?? 'auto',
  };
}

/** The baseline's reference range; the schema has refused the impossible combinations. */
function reference(m: ModelFile, windowDurationMs: number): ReferenceRange | null {
  const b = m.baseline;
  const column = b.timestamp_column ?? m.timestamp_column;
  const datePartition = b.date_partition ?? null;
  if (b.from && b.to && column) return { kind: 'fixed', column, datePartition, start: b.from, end: b.to };
  if (b.offset && column) return { kind: 'moving', column, datePartition, offsetMs: parseDuration(b.offset)!, durationMs: b.duration ? parseDuration(b.duration)! : windowDurationMs };
  return null;
}

function basePolicy(): DriftPolicy {
  return { primary: { ...DEFAULTS.primary }, significance: { ...DEFAULTS.significance }, thresholds: { ...DEFAULTS.thresholds } };
}

function mergePolicy(base: DriftPolicy, s: TestSettings): DriftPolicy {
  const defined = <T extends object>(o: T | undefined) =>
    Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
  return {
    primary: { ...base.primary, ...defined(s.primary) } as DriftPolicy['primary'],
    significance: { ...base.significance, ...defined(s.significance) } as DriftPolicy['significance'],
    thresholds: { ...base.thresholds, ...defined(s.thresholds) } as DriftPolicy['thresholds'],
  };
}
