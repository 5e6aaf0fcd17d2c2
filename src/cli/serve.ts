import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Argv } from 'yargs';
import { pino, type Logger } from 'pino';
import { durationProblem, loadConfig, loadWebConfig, parseDuration, redact, TIMER_MAX_MS, type Config, type Shard } from '../config/index.js';
import { DriftMetrics, ExporterState, formatListen, ListenError, parseListen, startServer, type RunningServer } from '../exporter/index.js';
import { inShard, parseShard, scheduleIntervalSeconds, Scheduler } from '../schedule/index.js';
import { EXIT, UsageError } from './errors.js';
import type { Command } from './index.js';
import { VERSION } from './version.js';

/** Sampling interval of the event-loop delay logged at shutdown. */
const LOOP_SAMPLE_MS = 10;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

function options(y: Argv) {
  return y
    .option('config', { alias: 'c', type: 'string', demandOption: true, describe: 'YAML config file (SIGHUP reloads it)' })
    .option('listen', { type: 'string', default: '0.0.0.0:9109', describe: 'HOST:PORT to serve on; [::1]:9109 for IPv6' })
    .option('log-level', { choices: LOG_LEVELS, default: 'info' as (typeof LOG_LEVELS)[number], describe: 'JSON log lines on stdout at this level and above' })
    .option('web.config.file', { type: 'string', describe: 'TLS and basic auth, in the Prometheus exporter-toolkit format (see README)' })
    .option('health.socket', {
      type: 'string',
      default: process.env.DRIFT_EXPORTER_HEALTH_SOCKET || undefined,
      defaultDescription: '$DRIFT_EXPORTER_HEALTH_SOCKET, else none',
      describe: 'Also answer GET /healthz and /readyz on this Unix socket (mode 0600), without TLS or auth: for a container health check',
    })
    .option('shutdown-timeout', { type: 'string', default: '10s', describe: 'On SIGTERM/SIGINT, how long a run in progress may take to finish' })
    .option('shard', { type: 'string', describe: "INDEX/COUNT: run and publish only this replica's share of the models (e.g. 0/3); overrides the config's shard" })
    .example('$0 serve --config config/example.yaml', 'serve http://0.0.0.0:9109/metrics')
    .example('$0 serve -c drift.yaml --listen 127.0.0.1:9109 --log-level debug', 'loopback only, verbose');
}

type ServeArgs = Awaited<ReturnType<typeof options>['argv']>;

/** `serve`: runs the exporter until SIGTERM or SIGINT, then returns 0. */
async function run(a: ServeArgs): Promise<number> {
  const listen = parseListen(a.listen);
  if (!listen) throw new UsageError(`--listen: expected HOST:PORT, [IPv6]:PORT or :PORT with a port up to 65535 (found "${a.listen}")`);
  const graceMs = parseDuration(a['shutdown-timeout'], TIMER_MAX_MS);
  if (graceMs === null) throw new UsageError(`--shutdown-timeout: ${durationProblem(a['shutdown-timeout'], TIMER_MAX_MS)} (found "${a['shutdown-timeout']}")`);
  const shardFlag = a.shard === undefined ? null : parseShard(a.shard);
  if (a.shard !== undefined && !shardFlag) throw new UsageError(`--shard: expected INDEX/COUNT with 0 <= INDEX < COUNT <= 10000, e.g. 0/3 (found "${a.shard}")`);
  let config = loadConfig(a.config);
  const shardOfConfig = (c: Config): Shard => shardFlag ?? c.shard ?? { index: 0, count: 1 };
  const webFile = a['web.config.file'];
  const webConfig = webFile ? loadWebConfig(webFile) : undefined;
  const log = pino({ level: a['log-level'], base: { pid: process.pid } }, pino.destination({ dest: 1, sync: true }));
  // Re-read by the server when the file or a certificate changes, as the exporter-toolkit does.
  const web = webFile && webConfig
    ? {
        file: webFile,
        config: webConfig,
        onReload: (error: Error | null) =>
          error
            ? log.error({ web_config: webFile, error: error.message }, 'web config reload refused; the running web config stays')
            : log.info({ web_config: webFile }, 'web config reloaded'),
      }
    : undefined;

  // Runs happen in engine processes; this shows the HTTP loop stayed free (logged at shutdown).
  const loopDelay = monitorEventLoopDelay({ resolution: LOOP_SAMPLE_MS });
  loopDelay.enable();
  const metrics = new DriftMetrics({ version: VERSION, nodejsVersion: process.version });
  metrics.configLoaded(true);
  const state = new ExporterState(metrics);
  state.setRedaction((text) => redact(text, config.interpolated));
  let shard = shardOfConfig(config);
  let models = inShard(config.models, shard);
  state.setModels(entries(models));
  metrics.setShard(shard, models.length);
  metrics.setEngineProcesses(config.engine.processes);
  let server: RunningServer;
  try {
    server = await startServer({ listen, metrics, state, name: 'drift-exporter', version: VERSION, web, healthSocket: a['health.socket'] });
  } catch (err) {
    if (!(err instanceof ListenError)) throw err;
    process.stderr.write(`drift-exporter: ${err.message}\n`);
    return EXIT.error;
  }
  const engine = config.engine;
  log.info(
    { listen: formatListen(server.address), health_socket: a['health.socket'], config: config.file, models: models.map((m) => m.name), shard, engine, version: VERSION },
    'drift-exporter listening',
  );

  const { processes, ...bounds } = engine;
  const scheduler = new Scheduler(
    {
      started: (model, waitS) => state.runStarted(model, waitS),
      succeeded: (report, timing) => state.runSucceeded(report, timing),
      failed: (model, error, timing) => state.runFailed(model, error.message, timing),
      skipped: (model) => state.runSkipped(model),
      queueDepth: (depth) => metrics.setQueueDepth(depth),
      engineStats: (i, stats) => metrics.engineStats(i, stats),
      engineGone: (i) => metrics.engineGone(i),
    },
    log,
    { processes, bounds },
  );
  scheduler.apply(models);

  let stopping = false;
  const reload = () => {
    if (stopping) return;
    let next: Config;
    try {
      next = loadConfig(a.config);
    } catch (err) {
      metrics.configLoaded(false);
      log.error({ config: a.config, error: err instanceof Error ? err.message : String(err) }, 'config reload refused; the running config stays');
      return;
    }
    config = next;
    shard = shardOfConfig(config);
    models = inShard(config.models, shard);
    // All in one tick: a scrape sees the old models or the new ones.
    state.setModels(entries(models));
    metrics.setShard(shard, models.length);
    metrics.configLoaded(true);
    const changes = scheduler.apply(models);
    log.info({ config: config.file, shard, ...changes }, 'config reloaded');
    if (JSON.stringify(config.engine) !== JSON.stringify(engine)) log.warn({ running: engine, configured: config.engine }, 'engine settings changed: they take effect at the next start');
  };

  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        log.warn({ signal }, 'second signal: abandoning runs in progress');
        void scheduler.stop(0);
        return;
      }
      stopping = true;
      // The histogram holds whole sampling intervals; the delay is what exceeds the interval.
      const late = (ns: number) => Math.max(0, Math.round(ns / 1e4 - LOOP_SAMPLE_MS * 100) / 100);
      const event_loop_delay_ms = { p50: late(loopDelay.percentile(50)), p99: late(loopDelay.percentile(99)), max: late(loopDelay.max) };
      log.info({ signal, grace_ms: graceMs, event_loop_delay_ms }, 'shutting down');
      void shutdown(log, server.close(), scheduler.stop(graceMs)).then(() => {
        process.off('SIGTERM', stop).off('SIGINT', stop).off('SIGHUP', reload);
        resolve();
      });
    };
    process.on('SIGTERM', stop).on('SIGINT', stop).on('SIGHUP', reload);
  });
  return EXIT.ok;
}

async function shutdown(log: Logger, ...steps: Promise<void>[]): Promise<void> {
  const results = await Promise.allSettled(steps);
  for (const r of results) if (r.status === 'rejected') log.error({ error: String(r.reason) }, 'error while shutting down');
  log.info('stopped');
}

/** The `serve` command. */
export const command: Command = { options, run };

/** The models as the exporter lists them, with what their config says of their schedule. */
function entries(models: Config['models']) {
  // Once per distinct schedule: a fleet shares a few, and each costs node-cron 100 next-run computations.
  const intervals = new Map<string, number | null>();
  const interval = (s: string) => (intervals.has(s) ? intervals.get(s)! : intervals.set(s, scheduleIntervalSeconds(s)).get(s)!);
  return models.map((m) => ({
    name: m.name,
    schedule: m.schedule,
    intervalS: interval(m.schedule),
    timeoutS: m.runTimeoutMs / 1000,
    maxLogLagS: m.maxLogLagMs / 1000,
  }));
}
