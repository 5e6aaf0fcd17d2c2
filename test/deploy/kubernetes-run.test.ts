// The pods of deploy/kubernetes/ run as their manifests say: `serve` started
// with each workload's own args (paths moved from the image to the repo and a
// temp dir), then its readiness probe's path and its liveness probe's command
// run against it, as the kubelet would.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { startServe, waitFor, type Served } from '../helpers/spawn.js';
import { tempDir } from '../helpers/fixtures.js';
import { build, containers, type Resource } from './kustomize.js';
import { repoPathOf, runtimeImage } from './image.js';

const image = runtimeImage();
const deployment = build('deploy/kubernetes/base').find((r) => r.kind === 'Deployment')!;
const statefulSet = build('deploy/kubernetes/overlays/sharded').find((r) => r.kind === 'StatefulSet')!;
const configMap = build('deploy/kubernetes/base').find((r) => r.kind === 'ConfigMap')!;

/** The ConfigMap's config with the image's paths pointed at the repo files the Dockerfile copies there. */
function localConfig(dir: string, file: string): string {
  const raw = parse(configMap.data[path.posix.basename(file)]) as { models: Record<string, string>[] };
  for (const m of raw.models) for (const k of ['baseline', 'window']) m[k] = path.resolve(repoPathOf(image, m[k])!);
  const out = path.join(dir, path.posix.basename(file));
  writeFileSync(out, stringify(raw));
  return out;
}

/** Starts a workload's container as its args say, pod index `index`; the socket moved to `dir`. */
async function startPod(r: Resource, dir: string, index: number): Promise<{ served: Served; socket: string; probe: string[] }> {
  const c = containers(r)[0];
  const env = new Map<string, string>();
  for (const e of c.env ?? []) {
    assert.equal(e.valueFrom?.fieldRef?.fieldPath ?? "metadata.labels['apps.kubernetes.io/pod-index']", "metadata.labels['apps.kubernetes.io/pod-index']", `env ${e.name}`);
    env.set(e.name, String(index));
  }
  // Kubernetes expands $(VAR) in args from the container's env.
  const args = (c.args as string[]).map((a) => a.replace(/\$\((\w+)\)/g, (_, v: string) => env.get(v) ?? `$(${v})`));
  assert.equal(args[0], 'serve');
  const socket = path.join(dir, 'health.sock');
  let config = '';
  const rest: string[] = [];
  for (let i = 1; i < args.length; i++) {
    if (args[i] === '--config') config = localConfig(dir, args[++i]);
    else if (args[i] === '--listen') i++; // startServe binds a free loopback port
    else if (args[i] === '--health.socket') {
      rest.push(args[i], socket);
      i++;
    }
    else rest.push(args[i]);
  }
  const original = argAfter(c.args, '--health.socket');
  const probe = (c.livenessProbe.exec.command as string[]).map((w) => w.replaceAll(original, socket));
  assert.equal(probe[0], 'node');
  return { served: await startServe(config, { args: rest }), socket, probe };
}

const argAfter = (args: string[], flag: string) => args[args.indexOf(flag) + 1];

/** The liveness probe's command, run as the kubelet runs it: exit 0 is alive. */
const live = (probe: string[]) => spawnSync(process.execPath, probe.slice(1), { encoding: 'utf8', timeout: 10_000 }).status;

describe('deploy/kubernetes: the pods run', () => {
  it('the Deployment\'s pod becomes ready on its readiness path and alive on its liveness command', async (t) => {
    const { served, probe } = await startPod(deployment, tempDir(t), 0);
    t.after(() => served.kill());
    const path = deployment.spec.template.spec.containers[0].readinessProbe.httpGet.path as string;
    await waitFor(`${path} 200`, async () => (await fetch(`${served.url}${path}`)).status === 200, 60_000, 200);
    assert.equal(live(probe), 0, 'the liveness probe failed against a live exporter');
    await served.kill();
    assert.notEqual(live(probe), 0, 'the liveness probe passed with the exporter gone');
  });

  it('each StatefulSet pod serves its shard, and every model is published by exactly one', async (t) => {
    const replicas = statefulSet.spec.replicas as number;
    const owners = new Map<string, number[]>();
    const models = (parse(configMap.data['drift.yaml']) as { models: { name: string }[] }).models.map((m) => m.name);
    for (let index = 0; index < replicas; index++) {
      const { served, probe } = await startPod(statefulSet, tempDir(t), index);
      try {
        await waitFor(`shard ${index} ready`, async () => (await fetch(`${served.url}/readyz`)).status === 200, 60_000, 200);
        assert.equal(live(probe), 0, `shard ${index}: the liveness probe failed`);
        const metrics = await (await fetch(`${served.url}/metrics`)).text();
        for (const m of models) if (metrics.includes(`model_name="${m}"`)) owners.set(m, [...(owners.get(m) ?? []), index]);
      } finally {
        await served.kill();
      }
    }
    for (const m of models) assert.equal(owners.get(m)?.length, 1, `model ${m} is published by shards ${JSON.stringify(owners.get(m) ?? [])}`);
  });
});
