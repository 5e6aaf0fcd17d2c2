// Static checks of the Dockerfile and docker-compose.yml: a path they name
// that is missing, ignored or mounted in the wrong place only shows up at
// `docker build` / `compose up` time, which CI does not run.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import bcrypt from 'bcryptjs';
import { parse, stringify } from 'yaml';
import { fixtureModel, tempDir, writeConfig, writeFixture } from '../helpers/fixtures.js';
import { startServe } from '../helpers/spawn.js';
import { haveOpenssl, selfSigned } from '../exporter/tls.js';
import { dockerfile } from './image.js';

/** Arguments of a COPY/ADD, in shell or JSON form, flags (--from, --chown) apart. */
function copyArgs(args: string): { flags: string[]; paths: string[] } {
  const words = args.startsWith('[') ? [] : args.split(/\s+/);
  const flags = words.filter((w) => w.startsWith('--'));
  const rest = args.startsWith('[') ? (JSON.parse(args) as string[]) : words.filter((w) => !w.startsWith('--'));
  return { flags, paths: rest };
}

/** Whether .dockerignore keeps a path out of the build context (last matching rule wins). */
function dockerIgnored(p: string, file = '.dockerignore'): boolean {
  const rules = existsSync(file)
    ? readFileSync(file, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))
    : [];
  const target = path.posix.normalize(p).replace(/^\.?\//, '').replace(/\/$/, '');
  let ignored = false;
  for (const rule of rules) {
    const negated = rule.startsWith('!');
    const glob = rule.replace(/^!/, '').replace(/^\//, '').replace(/\/$/, '');
    const re = new RegExp(
      `^${glob.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*\*/g, '\0').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]').replace(/\0/g, '.*')}(/.*)?$`,
    );
    if (re.test(target)) ignored = !negated;
  }
  return ignored;
}

interface Service {
  build?: string | { context?: string; dockerfile?: string };
  command?: string | string[];
  volumes?: (string | { type?: string; source?: string; target?: string })[];
}

interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

const compose = parse(readFileSync('docker-compose.yml', 'utf8')) as Compose;

/** A service's mounts as { source, target }; bind-mount sources relative to the repo root. */
function mounts(service: Service): { source: string; target: string; bind: boolean }[] {
  return (service.volumes ?? []).map((v) => {
    const { source = '', target = '' } = typeof v === 'string' ? { source: v.split(':')[0], target: v.split(':')[1] } : v;
    const bind = /^[./~]/.test(source);
    return { source: bind ? path.posix.normalize(source) : source, target, bind };
  });
}

/** Where a service mounts a repo path, or undefined. */
function mountOf(service: string, source: string): string | undefined {
  const s = compose.services[service];
  assert.ok(s, `docker-compose.yml has no service "${service}"`);
  return mounts(s).find((m) => m.bind && m.source === source)?.target;
}

/** The value of a --flag=value in a service's command. */
function flag(service: string, name: string): string | undefined {
  const cmd = compose.services[service]?.command ?? [];
  const words = Array.isArray(cmd) ? cmd : cmd.split(/\s+/);
  return words.find((w) => w.startsWith(`--${name}=`))?.slice(name.length + 3);
}

/** The HEALTHCHECK's command, as the exec form gives it to the container runtime. */
function healthcheckArgv(): string[] {
  const hc = dockerfile().filter((i) => i.op === 'HEALTHCHECK').at(-1);
  assert.ok(hc && !/^NONE\b/i.test(hc.args), 'expected a HEALTHCHECK');
  const m = /\bCMD\s+(\[.*\])\s*$/.exec(hc.args);
  assert.ok(m, `expected HEALTHCHECK ... CMD [exec form], found ${hc.args}`);
  return JSON.parse(m[1]) as string[];
}

function healthcheck(): string {
  return healthcheckArgv().join(' ');
}

/** The health socket path the image sets. */
function healthSocketPath(): string | undefined {
  const env = dockerfile().filter((i) => i.op === 'ENV').map((i) => /\bDRIFT_EXPORTER_HEALTH_SOCKET=(\S+)/.exec(i.args)?.[1]);
  return env.find((v) => v !== undefined);
}

describe('Dockerfile', () => {
  const ins = dockerfile();
  const all = (op: string) => ins.filter((i) => i.op === op);

  it('builds in one stage and runs in another, on a Node LTS pinned to a patch release', () => {
    assert.ok(all('FROM').length > 1, 'expected a multi-stage build');
    // Node 20 reached end of life on 2026-04-30; 22 is LTS until 2027-04-30.
    for (const from of all('FROM')) assert.match(from.args, /^node:22\.\d+\.\d+-bookworm-slim\b/);
  });

  it('copies only paths that exist and that .dockerignore lets through', () => {
    const sources = all('COPY')
      .concat(all('ADD'))
      .map((i) => copyArgs(i.args))
      .filter((c) => !c.flags.some((f) => f.startsWith('--from=')))
      .flatMap((c) => c.paths.slice(0, -1));
    assert.ok(sources.length > 0);
    for (const src of sources) {
      assert.ok(existsSync(src), `COPY source ${src} does not exist`);
      assert.ok(!dockerIgnored(src), `COPY source ${src} is excluded by .dockerignore`);
    }
  });

  it('keeps local builds and dependencies out of the context', () => {
    for (const p of ['node_modules', 'dist', '.git']) assert.ok(dockerIgnored(p), `${p} should be in .dockerignore`);
  });

  it('installs production dependencies without lifecycle scripts in the runtime stage', () => {
    const runtime = ins.slice(ins.map((i) => i.op).lastIndexOf('FROM'));
    assert.ok(runtime.some((i) => i.op === 'RUN' && /npm ci\b.*--omit=dev/.test(i.args) && /--ignore-scripts/.test(i.args)));
    assert.ok(runtime.some((i) => i.op === 'COPY' && /--from=\S+.*\bdist\b/.test(i.args)), 'dist should come from the build stage');
  });

  it('exposes 9109 and checks /healthz on the health socket, in a directory private to the user', () => {
    assert.ok(all('EXPOSE').some((i) => i.args.split(/\s+/).includes('9109')));
    const hc = healthcheck();
    assert.ok(hc.includes('process.env.DRIFT_EXPORTER_HEALTH_SOCKET') && hc.includes("'/healthz'"), hc);
    const socket = healthSocketPath();
    assert.ok(socket, 'expected ENV DRIFT_EXPORTER_HEALTH_SOCKET=<path>');
    const dir = path.posix.relative('/app', path.posix.dirname(socket));
    assert.ok(all('WORKDIR').at(-1)?.args === '/app' && !dir.startsWith('..'), `socket ${socket} should be under the working directory /app`);
    const run = all('RUN').find((i) => new RegExp(`mkdir -m 0700 ${dir}\\b`).test(i.args));
    assert.ok(run, `expected RUN mkdir -m 0700 ${dir}`);
    assert.match(run.args, new RegExp(`chown node:node .*\\b${dir}\\b`));
  });

  it('installs the DuckDB extensions remote sources load into a baked directory, with a production dependency', async () => {
    const runtime = ins.slice(ins.map((i) => i.op).lastIndexOf('FROM'));
    const at = runtime.findIndex((i) => i.op === 'RUN' && /INSTALL/.test(i.args));
    assert.ok(at >= 0, 'expected a RUN step that INSTALLs DuckDB extensions');
    const step = runtime[at].args;
    assert.ok(runtime.slice(0, at).some((i) => i.op === 'RUN' && /npm ci\b.*--omit=dev/.test(i.args)), 'runs after the production install');
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { dependencies: Record<string, string> };
    assert.ok(step.includes("require('@duckdb/node-api')") && pkg.dependencies['@duckdb/node-api'], 'uses the production DuckDB binding');
    assert.ok(existsSync('node_modules/@duckdb/node-api/package.json'));
    const dir = /extension_directory = '([^']+)'/.exec(step)?.[1];
    assert.equal(dir, '/app/duckdb-extensions');
    assert.ok(step.includes(`ls ${dir}/*/*/httpfs.duckdb_extension`), 'the build fails when nothing was installed');
    // Every extension data/ may LOAD for a store or a credential chain.
    const { extensionsFor } = await import('../../src/data/storage.js');
    const needed = new Set((['s3', 'gcs', 'r2', 'azure', 'http'] as const).flatMap((s) => extensionsFor(s, [{ type: s, provider: 'credential_chain' }])));
    for (const ext of needed) assert.ok(new RegExp(`'${ext}'`).test(step), `the image should INSTALL ${ext}`);
  });

  it('runs as a non-root user', () => {
    const user = all('USER').at(-1)?.args.split(':')[0];
    assert.ok(user && user !== 'root' && user !== '0', `last USER is ${user ?? 'unset (root)'}`);
  });

  it('copies into the build stage every repo file `npm run build` runs', () => {
    const build = ins.slice(0, ins.map((i) => i.op).lastIndexOf('FROM'));
    const at = build.findIndex((i) => i.op === 'RUN' && /npm run build\b/.test(i.args));
    assert.ok(at >= 0, 'expected RUN npm run build in the build stage');
    const copied = build.slice(0, at).filter((i) => i.op === 'COPY').flatMap((i) => copyArgs(i.args).paths.slice(0, -1));
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> };
    const ran = [...pkg.scripts.build.matchAll(/(?:^|&&\s*)(?:node|asc)\s+(\S+)/g)].map((m) => m[1]);
    assert.ok(ran.includes('scripts/bundle.mjs'), pkg.scripts.build);
    for (const file of ran) assert.ok(copied.some((c) => file === c || file.startsWith(`${c.replace(/\/$/, '')}/`)), `the build runs ${file}, which no COPY before it brings in (${copied.join(', ')})`);
  });

  it('starts the CLI package.json ships as its bin', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { bin: Record<string, string> };
    assert.ok(existsSync(pkg.bin['drift-exporter']) || !existsSync('dist'), `${pkg.bin['drift-exporter']} is not built`);
    assert.match(all('ENTRYPOINT').at(-1)?.args ?? '', new RegExp(`"node", (?:"--[^"]+", )*"${pkg.bin['drift-exporter'].replace(/[.]/g, '\\.')}"`));
    assert.match(all('CMD').at(-1)?.args ?? '', /"serve".*"--listen", "0\.0\.0\.0:9109"/);
  });
});

describe('docker-compose.yml', () => {
  it('builds the exporter from the Dockerfile', () => {
    const b = compose.services['drift-exporter']?.build;
    const context = typeof b === 'string' ? b : (b?.context ?? '.');
    const file = typeof b === 'object' && b.dockerfile ? b.dockerfile : 'Dockerfile';
    assert.ok(existsSync(context), `build context ${context} does not exist`);
    assert.ok(existsSync(path.join(context, file)), `${path.join(context, file)} does not exist`);
  });

  it('mounts only repo paths that exist and declared named volumes', () => {
    for (const [name, s] of Object.entries(compose.services)) {
      for (const m of mounts(s)) {
        if (m.bind) assert.ok(existsSync(m.source), `${name}: mount source ${m.source} does not exist`);
        else assert.ok(m.source in (compose.volumes ?? {}), `${name}: volume ${m.source} is not declared`);
        assert.match(m.target, /^\//, `${name}: mount target of ${m.source} should be absolute`);
      }
    }
  });

  it('mounts config/ and baselines/ where the exporter reads them', () => {
    assert.equal(mountOf('drift-exporter', 'config'), '/app/config');
    assert.equal(mountOf('drift-exporter', 'baselines'), '/app/baselines');
  });

  it('loads prometheus.yml with its rules beside it, as its rule_files expect', () => {
    const config = mountOf('prometheus', 'prometheus/prometheus.yml');
    assert.ok(config, 'prometheus.yml is not mounted');
    assert.equal(flag('prometheus', 'config.file') ?? '/etc/prometheus/prometheus.yml', config);
    assert.equal(mountOf('prometheus', 'prometheus/rules'), path.posix.join(path.posix.dirname(config), 'rules'));
  });

  it('loads the shipped alertmanager.yml', () => {
    const config = mountOf('alertmanager', 'prometheus/alertmanager.yml');
    assert.ok(config, 'alertmanager.yml is not mounted');
    assert.equal(flag('alertmanager', 'config.file') ?? '/etc/alertmanager/alertmanager.yml', config);
  });

  it('provisions Grafana with the dashboards where the provider looks', () => {
    assert.equal(mountOf('grafana', 'grafana/provisioning'), '/etc/grafana/provisioning');
    const provider = parse(readFileSync('grafana/provisioning/dashboards/drift-exporter.yml', 'utf8')) as { providers: { options: { path: string } }[] };
    assert.equal(mountOf('grafana', 'grafana/dashboards'), provider.providers[0].options.path);
  });

  it('names the hosts the configs point at', () => {
    const prom = parse(readFileSync('prometheus/prometheus.yml', 'utf8')) as {
      scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
      alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] };
    };
    const exporter = prom.scrape_configs.find((j) => j.job_name === 'drift-exporter');
    const hosts = [
      ...(exporter?.static_configs.flatMap((c) => c.targets) ?? []),
      ...prom.alerting.alertmanagers.flatMap((a) => a.static_configs.flatMap((c) => c.targets)),
    ].map((t) => t.split(':')[0]);
    const ds = parse(readFileSync('grafana/provisioning/datasources/prometheus.yml', 'utf8')) as { datasources: { url: string }[] };
    hosts.push(...ds.datasources.map((d) => new URL(d.url).hostname));
    assert.deepEqual(hosts, ['drift-exporter', 'alertmanager', 'prometheus']);
    for (const h of hosts) assert.ok(h in compose.services, `${h} is not a compose service`);
  });
});

describe('the HEALTHCHECK command, run as it is', () => {
  it('exits 0 against a serve with TLS, basic auth and a random port, and 1 once it is stopped', { timeout: 60_000 }, async (t) => {
    if (!haveOpenssl(t)) return;
    const dir = tempDir(t);
    const files = await writeFixture(dir, { baselineRows: 200, windowRows: 100 });
    const config = writeConfig(path.join(dir, 'config.yaml'), [fixtureModel('m', files.baseline, files.window)]);
    const { cert, key } = selfSigned(dir);
    const web = path.join(dir, 'web.yml');
    writeFileSync(web, stringify({ tls_server_config: { cert_file: cert, key_file: key }, basic_auth_users: { prometheus: bcrypt.hashSync('s3cret', 4) } }));
    const run = path.join(dir, 'run');
    mkdirSync(run, { mode: 0o700 });
    // The image's path, moved under the test's directory; the command itself is run unchanged.
    const socket = path.join(run, path.posix.basename(healthSocketPath()!));
    const env = { DRIFT_EXPORTER_HEALTH_SOCKET: socket };
    const served = await startServe(config, { args: ['--web.config.file', web], env });
    t.after(() => served.kill());
    assert.equal(served.logs.find((l) => l.msg === 'drift-exporter listening')?.health_socket, socket);

    const [cmd, ...args] = healthcheckArgv();
    assert.equal(cmd, 'node');
    const check = () => new Promise<number | null>((resolve) => execFile(process.execPath, args, { env: { ...process.env, ...env }, timeout: 10_000 }, (err) => resolve(err ? ((err as { code?: number }).code ?? -1) : 0)));
    assert.equal(await check(), 0, 'healthy while serving');
    served.child.kill('SIGTERM');
    assert.equal((await served.exited).code, 0);
    assert.equal(await check(), 1, 'unhealthy once stopped');
  });
});
