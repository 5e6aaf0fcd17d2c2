import * as z from './zod.js';
import { TESTS, TEST_IDS, type TestId } from '../stats/index.js';
import { isValidCron } from './cron.js';
import { durationProblem, TIMER_MAX_MS, WINDOW_MAX_MS } from './duration.js';
import { parseInstant } from './instant.js';

/** A duration string of at most `maxMs` (see duration.ts for the syntax). */
const duration = (maxMs: number) =>
  z.string().superRefine((s, ctx) => {
    const problem = durationProblem(s, maxMs);
    if (problem) ctx.addIssue({ code: 'custom', message: problem, input: s });
  });

/** An ISO-8601 instant, parsed to a Date (see instant.ts). */
const instant = z.string().transform((s, ctx) => {
  try {
    return parseInstant(s);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message, input: s });
    return z.NEVER;
  }
});

const cron = z.string().refine(isValidCron, {
  message: 'expected a cron expression (5 fields, or 6 with seconds first), e.g. "*/5 * * * *"',
});

/** Byte sizes: a number of bytes, or a string such as "512MB", "1.5GiB" (KB/MB/GB are powers of 1000, KiB/MiB/GiB of 1024). */
const BYTE_UNITS: Record<string, number> = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40 };
const byteSize = (min: number) =>
  z.union([z.number(), z.string()]).transform((v, ctx) => {
    const m = typeof v === 'number' ? null : /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(v);
    const unit = m ? BYTE_UNITS[(m[2] || 'b').toLowerCase()] : 1;
    const bytes = typeof v === 'number' ? v : m && unit ? Math.floor(Number(m[1]) * unit) : NaN;
    if (!Number.isSafeInteger(bytes) || bytes < min) {
      ctx.addIssue({ code: 'custom', message: `expected a size of at least ${min} bytes, as a number of bytes or e.g. "512MB", "2GiB" (units B, KB, MB, GB, TB, KiB, MiB, GiB, TiB)`, input: v });
      return z.NEVER;
    }
    return bytes;
  });

/** The pool of engine processes (README "Running a fleet"); every key defaults from the machine's cores and memory. */
const engine = z.strictObject({
  processes: z.number().int().min(1).max(1024).optional(),
  duckdb_memory_limit: byteSize(16 * 2 ** 20).optional(),
  duckdb_threads: z.number().int().min(1).max(1024).optional(),
  profile_cache_bytes: byteSize(0).optional(),
});

/** This replica's share of the models: those whose name hashes to `index` of `count`. */
export const shardSchema = z
  .strictObject({ index: z.number().int().min(0), count: z.number().int().min(1).max(10000) })
  .refine((s) => s.index < s.count, { message: 'index must be below count (shards are numbered from 0)', path: ['index'] });

const testId = z.enum(TEST_IDS as [TestId, ...TestId[]]);

// One threshold key per registered test: p-values lie in (0, 1), distances are positive.
const thresholds = z
  .strictObject(
    Object.fromEntries(
      TESTS.map((t) => [
        t.id,
        (t.kind === 'p_value'
          ? z.number().gt(0, 'a p-value threshold must lie in (0, 1)').lt(1, 'a p-value threshold must lie in (0, 1)')
          : z.number().gt(0, 'a distance threshold must be positive')
        ).optional(),
      ]),
    ) as Record<TestId, z.ZodOptional<z.ZodNumber>>,
  )
  .partial();

const perType = <T extends z.ZodTypeAny>(value: T) =>
  z.strictObject({ numeric: value.optional(), categorical: value.optional() });

/** Settings that can be given in `defaults`, per model, and (the test ones) per feature. */
const testSettings = {
  thresholds: thresholds.optional(),
  primary: perType(testId).optional(),
  significance: perType(testId.nullable()).optional(),
};

const modelSettings = {
  ...testSettings,
  window_duration: duration(WINDOW_MAX_MS).optional(),
  drift_share_threshold: z.number().gt(0).max(1).optional(),
  max_categories: z.number().int().min(2).max(100000).optional(),
  schedule: cron.optional(),
  run_timeout: duration(TIMER_MAX_MS).optional(),
  max_log_lag: duration(WINDOW_MAX_MS).optional(),
};


/** The map form of a source: where it is, how it is read, and (a window's) date partitions. */
const sourceKeys = {
  source: z.string().min(1),
  format: z.enum(['parquet', 'json', 'csv']).optional(),
  /** The hive key whose `key=YYYY-MM-DD` values are each row's UTC timestamp date: partitions outside the time range read are not read. */
  date_partition: z.string().min(1).optional(),
};

/** A baseline's map form adds a reference range: fixed `(from, to]`, or `offset` + `duration` before each run's as_of. */
const baselineKeys = {
  ...sourceKeys,
  timestamp_column: z.string().min(1).optional(),
  from: instant.optional(),
  to: instant.optional(),
  offset: duration(WINDOW_MAX_MS).optional(),
  duration: duration(WINDOW_MAX_MS).optional(),
};

/** A source: a path, glob, directory or URI, or the map form `{source, format, ...}`; read as the map form. */
const sourceOf = <T extends z.ZodRawShape>(keys: T) =>
  z.preprocess(
    // "" stays a string, refused below as too short at the key itself.
    (v) => (typeof v === 'string' && v !== '' ? { source: v } : v),
    z.strictObject(keys, {
      error: (iss) =>
        iss.input === ''
          ? 'Too small: expected string to have >=1 characters'
          : iss.code === 'invalid_type'
          ? `Invalid input: expected string, received ${iss.input === null ? 'null' : Array.isArray(iss.input) ? 'array' : typeof iss.input}; a source is a path, glob, directory or URI, or {source, format}`
          : undefined,
    }),
  );
const source = sourceOf(sourceKeys);
const baselineSource = sourceOf(baselineKeys);

/** One `storage:` entry, mapped onto a DuckDB secret (data/storage.ts). */
const storageSecret = z
  .strictObject({
    type: z.enum(['s3', 'gcs', 'r2', 'azure', 'http']),
    provider: z.enum(['config', 'credential_chain', 'environment']).optional(),
    scope: z.string().min(1).optional(),
    key_id: z.string().min(1).optional(),
    secret: z.string().min(1).optional(),
    session_token: z.string().min(1).optional(),
    region: z.string().min(1).optional(),
    endpoint: z.string().min(1).optional(),
    url_style: z.enum(['path', 'vhost']).optional(),
    use_ssl: z.boolean().optional(),
    account_id: z.string().min(1).optional(),
    account_name: z.string().min(1).optional(),
    connection_string: z.string().min(1).optional(),
    bearer_token: z.string().min(1).optional(),
  })
  .superRefine((s, ctx) => {
    const provider = s.provider ?? 'config';
    if (provider === 'config' && (s.type === 's3' || s.type === 'gcs' || s.type === 'r2') && (s.key_id === undefined) !== (s.secret === undefined)) {
      ctx.addIssue({ code: 'custom', path: [s.key_id === undefined ? 'key_id' : 'secret'], message: 'explicit keys need both key_id and secret (or provider: credential_chain)', input: s });
    }
    if (provider !== 'config' && (s.key_id !== undefined || s.secret !== undefined)) {
      ctx.addIssue({ code: 'custom', path: ['provider'], message: `provider ${provider} finds its own credentials: drop key_id and secret, or use provider: config`, input: provider });
    }
  });

const model = z.strictObject({
  name: z.string().min(1).max(200),
  baseline: baselineSource,
  window: source,
  timestamp_column: z.string().min(1).optional(),
  as_of: instant.optional(),
  id_columns: z.array(z.string().min(1)).optional(),
  prediction_columns: z.array(z.string().min(1)).optional(),
  features: z.union([z.array(z.string().min(1)), z.record(z.string(), z.enum(['numeric', 'categorical', 'auto']))]).optional(),
  feature_overrides: z
    .record(
      z.string(),
      z.strictObject({
        ...testSettings,
        critical: z.boolean().optional(),
        /** Publish the feature's share of every category, both sides (categorical features only; at most max_categories each). */
        publish_categories: z.boolean().optional(),
        /** The model's max_categories for this feature alone (categorical only): bounds its buckets, and so its category series. */
        max_categories: z.number().int().min(2).max(100000).optional(),
      }),
    )
    .optional(),
  /** Columns whose values split the window into segments, each compared like the whole window. */
  segment_by: z.array(z.string().min(1)).min(1).max(8).optional(),
  max_segments: z.number().int().min(1).max(1000).optional(),
  /** What a segment is compared with: the baseline rows of the same key, the whole baseline, or (auto) matching when the baseline has every segment column. */
  segment_baseline: z.enum(['auto', 'matching', 'whole']).optional(),
  ...modelSettings,
});

/** The YAML file as written. */
export const configFileSchema = z
  .strictObject({
    defaults: z.strictObject(modelSettings).optional(),
    storage: z.record(z.string().regex(/^[A-Za-z0-9_]+$/, 'a storage name is letters, digits and _'), storageSecret).optional(),
    duckdb: z
      .strictObject({
        extension_directory: z.string().min(1).optional(),
        http_timeout: duration(TIMER_MAX_MS).optional(),
        http_retries: z.number().int().min(0).max(10).optional(),
      })
      .optional(),
    engine: engine.optional(),
    shard: shardSchema.optional(),
    models: z.array(model).min(1, 'expected at least one model'),
  })
  .superRefine((cfg, ctx) => {
    const seen = new Set<string>();
    cfg.models.forEach((m, i) => {
      if (seen.has(m.name)) {
        ctx.addIssue({ code: 'custom', path: ['models', i, 'name'], message: `duplicate model name "${m.name}"`, input: m.name });
      }
      seen.add(m.name);
      if (m.window.date_partition !== undefined && m.timestamp_column === undefined) {
        ctx.addIssue({ code: 'custom', path: ['models', i, 'window', 'date_partition'], message: 'needs timestamp_column: partitions are pruned against the window', input: m.window.date_partition });
      }
      referenceProblems(m.baseline, m.timestamp_column).forEach(([key, message]) =>
        ctx.addIssue({ code: 'custom', path: ['models', i, 'baseline', key], message, input: m.baseline[key] }),
      );
      if (m.window_duration !== undefined && m.timestamp_column === undefined) {
        ctx.addIssue({ code: 'custom', path: ['models', i, 'window_duration'], message: 'needs timestamp_column: without one the whole window source is compared', input: m.window_duration });
      }
      segmentProblems(m).forEach(([key, index, message]) =>
        ctx.addIssue({ code: 'custom', path: ['models', i, key, ...(index === null ? [] : [index])], message, input: index === null ? m[key] : m.segment_by![index] }),
      );
      // A feature declared numeric has no categories; inferred types are known only once the baseline is read (the engine checks those).
      for (const [name, o] of Object.entries(m.feature_overrides ?? {})) {
        if (!m.features || Array.isArray(m.features) || m.features[name] !== 'numeric') continue;
        for (const key of categoricalOnly(o)) {
          ctx.addIssue({ code: 'custom', path: ['models', i, 'feature_overrides', name, key], message: `feature "${name}" is numeric: ${key} applies only to categorical features`, input: o[key] });
        }
      }
      // Listed features are known now; inferred ones only once the baseline is read (the engine checks those).
      if (m.features && m.feature_overrides) {
        const known = [...(Array.isArray(m.features) ? m.features : Object.keys(m.features)), ...(m.prediction_columns ?? [])];
        for (const name of Object.keys(m.feature_overrides)) {
          if (!known.includes(name)) {
            const listed = known.slice(0, 10).map((k) => JSON.stringify(k)).join(', ') + (known.length > 10 ? `, ... ${known.length - 10} more` : '');
            ctx.addIssue({ code: 'custom', path: ['models', i, 'feature_overrides', name], message: `not a listed feature or prediction column of model "${m.name}" (listed: ${listed})`, input: name });
          }
        }
      }
    });
  });

/** The keys of a feature override that only a categorical feature can take, as set. */
export function categoricalOnly(o: { publish_categories?: boolean; max_categories?: number }): ('publish_categories' | 'max_categories')[] {
  return [...(o.publish_categories ? ['publish_categories' as const] : []), ...(o.max_categories !== undefined ? ['max_categories' as const] : [])];
}

type BaselineFile = z.infer<typeof baselineSource>;
type ModelInput = z.infer<typeof model>;

/** A segment column that cannot be one, as [key, index in segment_by, why]: a feature, a prediction, the timestamp or an id column, or listed twice. */
function segmentProblems(m: ModelInput): ['segment_by' | 'max_segments' | 'segment_baseline', number | null, string][] {
  const out: ['segment_by' | 'max_segments' | 'segment_baseline', number | null, string][] = [];
  if (!m.segment_by) {
    if (m.max_segments !== undefined) out.push(['max_segments', null, 'needs segment_by: it bounds the segments of segment_by']);
    if (m.segment_baseline !== undefined) out.push(['segment_baseline', null, 'needs segment_by: it says what each segment is compared with']);
    return out;
  }
  const features = m.features ? (Array.isArray(m.features) ? m.features : Object.keys(m.features)) : [];
  m.segment_by.forEach((c, k) => {
    const role =
      m.segment_by!.indexOf(c) < k
        ? 'listed twice in segment_by'
        : features.includes(c)
          ? 'also a feature: a segment column is not compared'
          : (m.prediction_columns ?? []).includes(c)
            ? 'also a prediction column: a segment column is not compared'
            : c === m.timestamp_column || c === m.baseline.timestamp_column
              ? 'the timestamp column: it cannot also split the window into segments'
              : (m.id_columns ?? []).includes(c)
                ? 'an id column: every row would be a segment of its own'
                : null;
    if (role) out.push(['segment_by', k, `segment column "${c}" is ${role}`]);
  });
  return out;
}

/** Impossible reference ranges, as [key, why]: a range needs a timestamp column, and is either fixed or relative to as_of. */
function referenceProblems(b: BaselineFile, modelTimestamp: string | undefined): [keyof BaselineFile, string][] {
  const out: [keyof BaselineFile, string][] = [];
  const fixed = b.from !== undefined || b.to !== undefined;
  const moving = b.offset !== undefined || b.duration !== undefined;
  const ranged = fixed || moving;
  if (fixed && moving) out.push([b.from !== undefined ? 'from' : 'to', `a reference is either a fixed range (from, to) or relative to as_of (offset, duration), not both`]);
  else if (fixed && (b.from === undefined || b.to === undefined)) out.push([b.from === undefined ? 'to' : 'from', `needs ${b.from === undefined ? 'from' : 'to'} as well: a fixed reference is the range (from, to]`]);
  else if (fixed && b.from!.getTime() >= b.to!.getTime()) out.push(['from', `must be before to (${b.to!.toISOString()}): the reference is (from, to]`]);
  if (b.duration !== undefined && b.offset === undefined && !fixed) out.push(['duration', 'needs offset: the reference ends offset before as_of and lasts duration']);
  if (ranged && b.timestamp_column === undefined && modelTimestamp === undefined) {
    const key = b.offset !== undefined ? 'offset' : b.from !== undefined ? 'from' : b.to !== undefined ? 'to' : 'duration';
    out.push([key, "needs timestamp_column (the baseline's, or the model's) to place the baseline's rows in time"]);
  }
  if (!ranged && b.timestamp_column !== undefined) out.push(['timestamp_column', 'only read with a reference range: give from and to, or offset']);
  if (b.date_partition !== undefined && !ranged) out.push(['date_partition', 'only a baseline with a reference range (from/to or offset) is read by time']);
  return out;
}

export type ConfigFile = z.infer<typeof configFileSchema>;
export type ModelFile = z.infer<typeof model>;
export type EngineFile = z.infer<typeof engine>;
export type TestSettings = { [K in keyof typeof testSettings]?: z.infer<(typeof testSettings)[K]> };
