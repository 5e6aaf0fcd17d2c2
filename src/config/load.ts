import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { TESTS, type DriftPolicy, type FeatureType, type TestId } from '../stats/index.js';
import { parseDuration } from './duration.js';
import { configFileSchema, type ConfigFile, type ModelFile, type TestSettings } from './schema.js';

/** A config that cannot be used; the message names the file and key path. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Every default in one place; the README's defaults table mirrors it. */
export const DEFAULTS = {
  schedule: '*/5 * * * *',
  run_timeout: '5m',
  window_duration: '1d',
  drift_share_threshold: 0.5,
  max_categories: 50,
  primary: { numeric: 'wasserstein', categorical: 'js' } as Record<FeatureType, TestId>,
  significance: { numeric: 'ks', categorical: 'chi2' } as Record<FeatureType, TestId | null>,
  thresholds: Object.fromEntries(TESTS.map((t) => [t.id, t.defaultThreshold])) as Record<TestId, number>,
};

/** A feature as configured; `type` null means "infer from the baseline's schema". */
export interface FeatureSpec {
  name: string;
  type: FeatureType | null;
  role: 'feature' | 'prediction';
}

/** One model, fully resolved: paths absolute, durations in ms, defaults applied. */
export interface ModelConfig {
  name: string;
  baseline: string;
  window: string;
  timestampColumn: string | null;
  windowDurationMs: number;
  /** Pinned window end (replays, the shipped example); null = now. */
  asOf: Date | null;
  idColumns: string[];
  /** Listed features, or null to infer every column of the baseline. Prediction columns always included. */
  features: FeatureSpec[] | null;
  predictionColumns: string[];
  policy: DriftPolicy;
  featurePolicies: Record<string, DriftPolicy>;
  driftShareThreshold: number;
  maxCategories: number;
  schedule: string;
  runTimeoutMs: number;
}

/** The validated configuration. */
export interface Config {
  file: string;
  models: ModelConfig[];
}

/** Reads, interpolates, validates and resolves a YAML config file. */
export function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env): Config {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`${file}: cannot read config: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { cause: err });
  }
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(`${file}: invalid YAML: ${doc.errors[0].message}`);
  }
  const raw = interpolate(doc.toJS(), env, file, []);
  return resolveConfig(raw, file);
}

/** Validates an already-parsed config object (also used for ad-hoc CLI runs). */
export function resolveConfig(raw: unknown, file: string, baseDir = path.dirname(path.resolve(file))): Config {
  const parsed = configFileSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) throw new ConfigError(formatIssues(file, parsed.error.issues));
  const cfg = parsed.data;
  return { file, models: cfg.models.map((m) => resolveModel(m, cfg.defaults ?? {}, baseDir)) };
}

function resolveModel(m: ModelFile, defaults: NonNullable<ConfigFile['defaults']>, baseDir: string): ModelConfig {
  const policy = mergePolicy(mergePolicy(basePolicy(), defaults), m);
  const featurePolicies: Record<string, DriftPolicy> = {};
  for (const [name, settings] of Object.entries(m.feature_overrides ?? {})) featurePolicies[name] = mergePolicy(policy, settings);
  const predictionColumns = m.prediction_columns ?? [];
  let features: FeatureSpec[] | null = null;
  if (m.features) {
    const entries: [string, FeatureType | null][] = Array.isArray(m.features)
      ? m.features.map((f) => [f, null])
      : Object.entries(m.features).map(([f, t]) => [f, t === 'auto' ? null : t]);
    features = entries
      .filter(([name]) => !predictionColumns.includes(name))
      .map(([name, type]) => ({ name, type, role: 'feature' as const }));
    for (const p of predictionColumns) features.push({ name: p, type: null, role: 'prediction' });
  }
  const pick = <K extends keyof typeof DEFAULTS & keyof ModelFile>(key: K) => (m[key] ?? defaults[key as keyof typeof defaults] ?? DEFAULTS[key]) as (typeof DEFAULTS)[K];
  return {
    name: m.name,
    baseline: path.resolve(baseDir, m.baseline),
    window: path.resolve(baseDir, m.window),
    timestampColumn: m.timestamp_column ?? null,
    windowDurationMs: parseDuration(pick('window_duration'))!,
    asOf: m.as_of ? new Date(m.as_of) : null,
    idColumns: m.id_columns ?? [],
    features,
    predictionColumns,
    policy,
    featurePolicies,
    driftShareThreshold: pick('drift_share_threshold'),
    maxCategories: pick('max_categories'),
    schedule: pick('schedule'),
    runTimeoutMs: parseDuration(pick('run_timeout'))!,
  };
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

const ENV_REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/** Replaces ${VAR} and ${VAR:-default} in every string value, naming the key path of an unset one. */
function interpolate(value: unknown, env: NodeJS.ProcessEnv, file: string, at: (string | number)[]): unknown {
  if (typeof value === 'string') {
    return value.replace(ENV_REF, (_, name: string, fallback: string | undefined) => {
      const v = env[name];
      if (v !== undefined) return v;
      if (fallback !== undefined) return fallback;
      throw new ConfigError(`${file}: ${keyPath(at)}: environment variable ${name} is not set (use \${${name}:-default} for a default)`);
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolate(v, env, file, [...at, i]));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, env, file, [...at, k])]));
  }
  return value;
}

function keyPath(at: readonly PropertyKey[]): string {
  if (at.length === 0) return '(top level)';
  return at.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('');
}

function formatIssues(file: string, issues: z.core.$ZodIssue[]): string {
  const lines = issues.slice(0, 5).map((issue) => {
    const where = issue.code === 'unrecognized_keys' ? keyPath([...issue.path, issue.keys[0]]) : keyPath(issue.path);
    const message = issue.code === 'unrecognized_keys' ? `unknown key (allowed keys are listed in the README)` : issue.message;
    const found = 'input' in issue && issue.input !== undefined && issue.code !== 'unrecognized_keys' ? ` (found ${describe(issue.input)})` : '';
    return `${file}: ${where}: ${message}${found}`;
  });
  if (issues.length > 5) lines.push(`... and ${issues.length - 5} more`);
  return lines.join('\n');
}

function describe(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
