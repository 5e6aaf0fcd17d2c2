// Static checks of deploy/kubernetes/: every manifest against the Kubernetes
// schemas, and every path, port, flag and name it refers to against what the
// image, the CLI, the config loader and the other manifests provide. A wrong
// one would otherwise only show in a cluster, which CI does not have.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { loadConfig } from '../../src/config/index.js';
import { cli } from '../helpers/spawn.js';
import { tempDir } from '../helpers/fixtures.js';
import { build, containers, podSpec, readKustomization, readManifests, type Resource } from './kustomize.js';
import { repoPathOf, runtimeImage } from './image.js';
import { fieldErrors, schemaErrors } from './schemas.js';

const ROOT = 'deploy/kubernetes';
const image = runtimeImage();
const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };

/** Every file under a directory, relative paths. */
function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

const files = walk(ROOT).filter((f) => /\.ya?ml$/.test(f));
const kustomizations = files.filter((f) => path.basename(f) === 'kustomization.yaml').map((f) => path.dirname(f));
const manifestFiles = files.filter((f) => path.basename(f) !== 'kustomization.yaml');
const builds = new Map(kustomizations.map((dir) => [dir, build(dir)]));

/** Every workload (an object with a pod spec) of every build, named by build. */
const workloads = [...builds].flatMap(([dir, rs]) => rs.filter((r) => podSpec(r)).map((r) => ({ where: `${dir}: ${r.kind}/${r.metadata.name}`, dir, r })));

const one = (dir: string, kind: string): Resource => {
  const found = builds.get(dir)!.filter((r) => r.kind === kind);
  assert.equal(found.length, 1, `${dir} should build exactly one ${kind}`);
  return found[0];
};
const base = `${ROOT}/base`;
const sharded = `${ROOT}/overlays/sharded`;
const cronjob = `${ROOT}/overlays/cronjob`;

/** Labels a selector requires all present in `labels`. */
const selects = (selector: Record<string, string>, labels: Record<string, string> = {}) =>
  Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);

/** `--name value` or `--name=value` in args. */
function argValue(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  if (i >= 0) return args[i + 1];
  return args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
}

/** The long flags the built CLI's `<command> --help` lists. */
const helpFlags = new Map<string, Set<string>>();
function flagsOf(command: string): Set<string> {
  if (!helpFlags.has(command)) {
    const r = spawnSync(process.execPath, ['dist/cli/main.js', command, '--help'], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 0, `drift-exporter ${command} --help failed: ${r.stderr}`);
    helpFlags.set(command, new Set([...r.stdout.matchAll(/^\s+(?:-\w, )?--([\w.-]+)/gm)].map((m) => m[1])));
  }
  return helpFlags.get(command)!;
}

/** Bytes of a Kubernetes memory quantity (1Gi, 512M) or a config size (256MiB, 1GB). */
function bytes(q: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(?:(K|M|G|T)(i?)B?|k)?$/i.exec(q);
  assert.ok(m, `memory quantity ${q}`);
  const power = m[2] ? 'KMGT'.indexOf(m[2].toUpperCase()) + 1 : /k$/.test(q) ? 1 : 0;
  return Number(m[1]) * (m[3] ? 1024 : 1000) ** power;
}

/** The ConfigMap's drift config and where the container reads it. */
function configOf(dir: string, r: Resource): { key: string; text: string } {
  const c = containers(r)[0];
  const file = argValue(c.args, 'config');
  assert.ok(file, `${r.kind}: no --config`);
  const mount = (c.volumeMounts as { name: string; mountPath: string }[]).find((m) => path.posix.dirname(file) === m.mountPath);
  assert.ok(mount, `${r.kind}: --config ${file} is not in a mounted directory`);
  const volume = (podSpec(r)!.volumes as { name: string; configMap?: { name: string } }[]).find((v) => v.name === mount.name);
  assert.ok(volume?.configMap, `${r.kind}: ${mount.mountPath} is not mounted from a ConfigMap`);
  const cm = builds.get(dir)!.find((x) => x.kind === 'ConfigMap' && x.metadata.name === volume.configMap!.name);
  assert.ok(cm, `${dir}: the ConfigMap ${volume.configMap.name} the ${r.kind} mounts is not part of the build`);
  const key = path.posix.basename(file);
  assert.equal(typeof cm.data?.[key], 'string', `ConfigMap ${cm.metadata.name} has no key ${key}, which --config ${file} reads`);
  return { key, text: cm.data[key] };
}

describe('deploy/kubernetes: kustomize', () => {
  it('has the base and the sharded and cronjob overlays', () => {
    assert.deepEqual([...kustomizations].sort(), [base, cronjob, sharded]);
  });

  it('lists only resources that exist, and every manifest is in a kustomization', () => {
    const listed = new Set<string>();
    for (const dir of kustomizations) {
      for (const entry of readKustomization(dir).resources ?? []) {
        const p = path.join(dir, entry);
        assert.ok(existsSync(p), `${dir}/kustomization.yaml lists ${entry}, which does not exist`);
        listed.add(p);
      }
    }
    for (const f of manifestFiles) assert.ok(listed.has(f), `${f} is in no kustomization's resources`);
  });

  it('builds what kubectl kustomize builds', { skip: spawnSync('kubectl', ['version', '--client'], { timeout: 10_000 }).status !== 0 && 'kubectl is not installed' }, () => {
    const key = (r: Resource) => `${r.apiVersion} ${r.kind} ${r.metadata.name}`;
    const sorted = (rs: Resource[]) => [...rs].sort((a, b) => key(a).localeCompare(key(b)));
    for (const [dir, rs] of builds) {
      const r = spawnSync('kubectl', ['kustomize', dir], { encoding: 'utf8', timeout: 30_000 });
      assert.equal(r.status, 0, `kubectl kustomize ${dir}: ${r.stderr}`);
      const theirs = r.stdout.split(/^---$/m).map((d) => parse(d) as Resource).filter(Boolean);
      assert.deepEqual(sorted(rs), sorted(theirs), dir);
    }
  });
});

describe('deploy/kubernetes: schemas', () => {
  const all = [...manifestFiles.flatMap((f) => readManifests(f).map((r) => ({ where: f, r }))), ...[...builds].flatMap(([dir, rs]) => rs.map((r) => ({ where: `build of ${dir}`, r })))];

  it('every object validates against its Kubernetes or Prometheus Operator schema', async () => {
    assert.ok(all.length > 0);
    for (const { where, r } of all) {
      const err = await schemaErrors(r);
      assert.equal(err, null, `${where}: ${r.kind}/${r.metadata?.name}: ${err}`);
    }
  });

  it('no object has a field its schema does not know', () => {
    const errors = fieldErrors(manifestFiles.flatMap(readManifests));
    assert.deepEqual(Object.fromEntries(errors), {});
  });

  it('the field check finds a misspelt field, and the schema check a wrong type', async () => {
    const d = structuredClone(one(base, 'Deployment'));
    d.spec.template.spec.containers[0].securityContxt = d.spec.template.spec.containers[0].securityContext;
    assert.match(fieldErrors([d]).get('Deployment/drift-exporter')?.join('\n') ?? '', /securityContxt/);
    d.spec.template.spec.containers[0].ports[0].containerPort = 'metrics';
    assert.match((await schemaErrors(d)) ?? '', /containerPort/);
  });

  it('the PrometheusRule holds exactly the groups of prometheus/rules/*.yml', () => {
    const ruleFiles = readdirSync('prometheus/rules').filter((f) => f.endsWith('.yml')).sort();
    assert.ok(ruleFiles.length > 0);
    const groups = ruleFiles.flatMap((f) => (parse(readFileSync(path.join('prometheus/rules', f), 'utf8')) as { groups: unknown[] }).groups);
    for (const dir of [base, sharded, cronjob]) {
      assert.deepEqual(one(dir, 'PrometheusRule').spec.groups, groups, `${dir}: the PrometheusRule differs from prometheus/rules/; run node scripts/generate-prometheus-rule.mjs`);
    }
  });
});

describe('deploy/kubernetes: pods', () => {
  it('run each container non-root, read-only, without privileges', () => {
    assert.equal(workloads.length, 3);
    for (const { where, r } of workloads) {
      const spec = podSpec(r)!;
      assert.equal(spec.securityContext?.runAsNonRoot, true, where);
      assert.equal(spec.securityContext?.runAsUser, 1000, where);
      assert.equal(spec.securityContext?.seccompProfile?.type, 'RuntimeDefault', where);
      for (const c of containers(r)) {
        const sc = c.securityContext ?? {};
        assert.equal(sc.readOnlyRootFilesystem, true, `${where}: ${c.name}`);
        assert.equal(sc.allowPrivilegeEscalation, false, `${where}: ${c.name}`);
        assert.deepEqual(sc.capabilities?.drop, ['ALL'], `${where}: ${c.name}`);
        assert.equal(sc.privileged ?? false, false, `${where}: ${c.name}`);
        assert.equal(sc.runAsUser ?? 1000, 1000, `${where}: ${c.name}`);
      }
    }
  });

  it('run as the image\'s user, uid 1000', () => {
    // The node base images create `node` as uid 1000.
    assert.ok(['node', '1000'].includes(image.user), `the Dockerfile runs as ${image.user}`);
    assert.match(readFileSync('Dockerfile', 'utf8'), /^FROM node:/m);
  });

  it('mount writable emptyDirs at the image\'s .tmp (DuckDB spills) and /tmp, the config read-only', () => {
    assert.ok(image.runs.some((r) => /\bmkdir\b.*\s\.tmp\b/.test(r) || r.includes(`${image.workdir}/.tmp`)), 'the Dockerfile should create .tmp in its WORKDIR');
    for (const { where, r } of workloads) {
      const spec = podSpec(r)!;
      for (const c of containers(r)) {
        assert.equal(c.workingDir ?? image.workdir, image.workdir, `${where}: DuckDB spills into .tmp/ of the working directory`);
        const mounts = c.volumeMounts as { name: string; mountPath: string; readOnly?: boolean }[];
        const volume = (name: string) => (spec.volumes as { name: string; emptyDir?: object; configMap?: object }[]).find((v) => v.name === name);
        for (const m of mounts) assert.ok(volume(m.name), `${where}: volume ${m.name} is not defined`);
        for (const dir of [path.posix.join(image.workdir, '.tmp'), '/tmp']) {
          const m = mounts.find((x) => x.mountPath === dir);
          assert.ok(m && volume(m.name)?.emptyDir && !m.readOnly, `${where}: ${dir} should be a writable emptyDir`);
        }
        const config = mounts.find((x) => x.mountPath === path.posix.join(image.workdir, 'config'));
        assert.ok(config && volume(config.name)?.configMap && config.readOnly, `${where}: ${image.workdir}/config should be the ConfigMap, read-only`);
      }
    }
  });

  it('request and limit memory by the sizing rule', () => {
    // base/deployment.yaml: 100 MiB + processes × (150 MiB + duckdb_memory_limit + profile_cache_bytes),
    // from the config's `engine:` block, else from the values the comments size for.
    const Mi = 2 ** 20;
    for (const { where, dir, r } of workloads) {
      const engine = (parse(configOf(dir, r).text) as { engine?: Record<string, number | string> }).engine;
      const e = { processes: 2, duckdb_memory_limit: '256MiB', profile_cache_bytes: '64MiB', ...engine };
      const rule = 100 * Mi + Number(e.processes) * (150 * Mi + bytes(String(e.duckdb_memory_limit)) + bytes(String(e.profile_cache_bytes)));
      const res = containers(r)[0].resources;
      assert.ok(res?.requests?.cpu, `${where}: no CPU request`);
      assert.equal(res.limits?.cpu, undefined, `${where}: a CPU limit throttles /metrics`);
      assert.ok(bytes(res.requests.memory) >= rule * 0.95, `${where}: requests ${res.requests.memory}, the rule gives ${rule / Mi} MiB`);
      assert.ok(bytes(res.limits.memory) >= bytes(res.requests.memory), `${where}: limit below request`);
    }
  });

  it('use the drift-exporter image at the package version, which kustomize images: can override', () => {
    assert.ok((readKustomization(base).images ?? []).some((i) => i.name === 'drift-exporter'));
    for (const { where, r } of workloads) for (const c of containers(r)) assert.equal(c.image, `drift-exporter:${pkg.version}`, where);
    for (const f of manifestFiles) for (const r of readManifests(f)) for (const c of containers(r)) assert.equal(c.image, `drift-exporter:${pkg.version}`, f);
  });

  it('pass only flags the CLI lists in its --help', () => {
    const missing: string[] = [];
    for (const { where, r } of workloads) {
      for (const c of containers(r)) {
        assert.equal(c.command, undefined, `${where}: keep the image's entrypoint`);
        const [command, ...args] = c.args as string[];
        assert.ok(['serve', 'report', 'check'].includes(command), `${where}: command ${command}`);
        const known = flagsOf(command);
        for (const [i, a] of args.entries()) {
          if (!a.startsWith('--')) {
            assert.ok(i > 0 && args[i - 1].startsWith('--') && !args[i - 1].includes('='), `${where}: ${a} is not a flag's value`);
            continue;
          }
          const name = a.slice(2).split('=')[0];
          if (!known.has(name)) missing.push(`${where}: drift-exporter ${command} has no --${name} (its --help lists ${[...known].join(', ')})`);
        }
      }
    }
    assert.deepEqual(missing, []);
  });

  it('read a config that the loader accepts, with paths the image has and data that checks', async (t) => {
    for (const { where, dir, r } of workloads) {
      const { key, text } = configOf(dir, r);
      const tmp = tempDir(t);
      const file = path.join(tmp, key);
      writeFileSync(file, text);
      const config = loadConfig(file, {});
      assert.ok(config.models.length > 0, where);
      // Point the image's paths at the repo files the Dockerfile copies there, and open them as a run would.
      const raw = parse(text) as { models: { baseline: string; window: string }[] };
      for (const m of raw.models) {
        for (const k of ['baseline', 'window'] as const) {
          assert.ok(path.posix.isAbsolute(m[k]), `${where}: ${k} ${m[k]} should be absolute: the config's directory is a ConfigMap mount`);
          const local = repoPathOf(image, m[k]);
          assert.ok(local && existsSync(local), `${where}: ${k} ${m[k]} is not in the image (no Dockerfile COPY puts it there)`);
          m[k] = path.resolve(local);
        }
      }
      writeFileSync(file, stringify(raw));
      const res = await cli(['check', '--config', file]);
      assert.equal(res.code, 0, `${where}: check: ${res.stdout}${res.stderr}`);
    }
  });
});

describe('deploy/kubernetes: serve', () => {
  const serving = workloads.filter((w) => containers(w.r)[0].args[0] === 'serve');

  it('listens on the metrics port, which the probes, Service and ServiceMonitor use', () => {
    assert.equal(serving.length, 2);
    for (const { where, dir, r } of serving) {
      const c = containers(r)[0];
      const port = (c.ports as { name: string; containerPort: number }[]).find((p) => p.name === 'metrics');
      assert.ok(port, `${where}: no container port named metrics`);
      assert.equal(port.containerPort, 9109, where);
      assert.equal(Number(argValue(c.args, 'listen')?.split(':').pop()), port.containerPort, `${where}: --listen and the metrics port differ`);
      assert.equal(c.readinessProbe?.httpGet?.port, 'metrics', where);
      assert.equal(c.readinessProbe?.httpGet?.path, '/readyz', where);

      const service = one(dir, 'Service');
      assert.ok(selects(service.spec.selector, r.spec.template.metadata.labels), `${where}: the Service does not select its pods`);
      const sp = (service.spec.ports as { name: string; port: number; targetPort: string | number }[]).find((p) => p.name === 'metrics');
      assert.ok(sp, 'the Service has no port named metrics');
      assert.equal(sp.port, 9109);
      assert.ok(sp.targetPort === 'metrics' || sp.targetPort === port.containerPort, `Service targetPort ${sp.targetPort}`);

      const sm = one(dir, 'ServiceMonitor');
      assert.ok(selects(sm.spec.selector.matchLabels, service.metadata.labels), 'the ServiceMonitor does not select the Service');
      assert.deepEqual(sm.spec.endpoints.map((e: { port: string; interval: string; path?: string }) => [e.port, e.interval, e.path ?? '/metrics']), [['metrics', '1m', '/metrics']]);
    }
  });

  it('checks liveness on the health socket it serves, in a writable directory', () => {
    for (const { where, r } of serving) {
      const c = containers(r)[0];
      const socket = argValue(c.args, 'health.socket');
      assert.ok(socket, `${where}: no --health.socket`);
      const cmd = c.livenessProbe?.exec?.command as string[];
      assert.equal(cmd?.[0], 'node', where);
      assert.ok(cmd.join(' ').includes(`socketPath:'${socket}'`), `${where}: the liveness probe does not use ${socket}`);
      assert.ok(cmd.join(' ').includes(`path:'/healthz'`), where);
      assert.ok((c.volumeMounts as { mountPath: string; readOnly?: boolean }[]).some((m) => path.posix.dirname(socket) === m.mountPath && !m.readOnly), `${where}: ${socket} is not in a writable mount`);
    }
  });

  it('is a single-replica Deployment in the base', () => {
    assert.equal(one(base, 'Deployment').spec.replicas, 1);
    assert.equal(builds.get(base)!.filter((r) => r.kind === 'StatefulSet').length, 0);
  });

  it('shards the StatefulSet by pod index, as many shards as replicas', () => {
    assert.equal(builds.get(sharded)!.filter((r) => r.kind === 'Deployment').length, 0, 'the sharded overlay should replace the Deployment');
    const s = one(sharded, 'StatefulSet');
    const c = containers(s)[0];
    const shard = argValue(c.args, 'shard');
    const m = /^\$\((\w+)\)\/(\d+)$/.exec(shard ?? '');
    assert.ok(m, `--shard ${shard} should be $(VAR)/COUNT`);
    assert.equal(Number(m[2]), s.spec.replicas, '--shard COUNT and replicas differ');
    assert.ok(s.spec.replicas > 1);
    const env = (c.env as { name: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[]).find((e) => e.name === m[1]);
    assert.equal(env?.valueFrom?.fieldRef?.fieldPath, "metadata.labels['apps.kubernetes.io/pod-index']", `${m[1]} should come from the pod-index label`);
    assert.ok(selects(s.spec.selector.matchLabels, s.spec.template.metadata.labels));
    assert.ok(builds.get(sharded)!.some((r) => r.kind === 'Service' && r.metadata.name === s.spec.serviceName), 'serviceName names no Service');

    // The rest of the pod is the Deployment's: one config, one sizing rule, one security context.
    const pod = structuredClone(s.spec.template);
    const pc = pod.spec.containers[0];
    delete pc.env;
    pc.args = (pc.args as string[]).filter((a, i, all) => a !== '--shard' && all[i - 1] !== '--shard');
    assert.deepEqual(pod, one(base, 'Deployment').spec.template);
  });
});

describe('deploy/kubernetes: cronjob', () => {
  it('runs report with the push gateway, never overlapping, bounded in time and retries', async (t) => {
    assert.equal(builds.get(cronjob)!.filter((r) => ['Deployment', 'StatefulSet', 'Service', 'ServiceMonitor'].includes(r.kind)).length, 0, 'the batch mode runs no daemon');
    const cj = one(cronjob, 'CronJob');
    assert.equal(cj.spec.concurrencyPolicy, 'Forbid');
    const job = cj.spec.jobTemplate.spec;
    assert.ok(Number.isInteger(job.backoffLimit) && job.backoffLimit <= 3, `backoffLimit ${job.backoffLimit}`);
    assert.ok(Number.isInteger(job.activeDeadlineSeconds), 'no activeDeadlineSeconds');
    assert.equal(job.template.spec.restartPolicy, 'Never');
    const c = containers(cj)[0];
    assert.equal(c.args[0], 'report');
    const url = new URL(argValue(c.args, 'push-gateway') ?? '');
    assert.equal(url.protocol, 'http:');
    assert.ok(!selects(one(base, 'Service').spec.selector, job.template.metadata?.labels), 'report pods should not join the exporter Service');

    // The deadline leaves every model its run_timeout.
    const { key, text } = configOf(cronjob, cj);
    const file = path.join(tempDir(t), key);
    writeFileSync(file, text);
    const total = loadConfig(file, {}).models.reduce((s, m) => s + m.runTimeoutMs, 0);
    assert.ok(job.activeDeadlineSeconds * 1000 >= total, `activeDeadlineSeconds ${job.activeDeadlineSeconds} < the models' run_timeout summed (${total / 1000} s)`);
  });
});
