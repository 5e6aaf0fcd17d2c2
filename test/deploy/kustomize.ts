/**
 * The part of `kustomize build` that deploy/kubernetes/ uses, read from its
 * files: kubectl and kustomize are not on every machine the tests run on.
 * A kustomization key or patch this does not know fails the build, so a
 * manifest cannot use a feature the tests would silently skip.
 * kubernetes.test.ts compares it with `kubectl kustomize` where that exists.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments, parse } from 'yaml';

/** A Kubernetes object as read from YAML. */
export type Resource = { apiVersion: string; kind: string; metadata: { name: string; labels?: Record<string, string> } } & Record<string, any>;

interface Kustomization {
  apiVersion?: string;
  kind?: string;
  resources?: string[];
  patches?: { patch?: string; path?: string; target?: unknown }[];
  images?: { name: string; newName?: string; newTag?: string; digest?: string }[];
}

const KNOWN_KEYS = new Set(['apiVersion', 'kind', 'resources', 'patches', 'images']);

/** Every YAML document of a manifest file, nulls (empty documents) dropped. */
export function readManifests(file: string): Resource[] {
  return parseAllDocuments(readFileSync(file, 'utf8'))
    .map((d) => {
      if (d.errors.length > 0) throw new Error(`${file}: ${d.errors[0].message}`);
      return d.toJS() as Resource | null;
    })
    .filter((r): r is Resource => r !== null);
}

/** The kustomization of a directory, its keys checked. */
export function readKustomization(dir: string): Kustomization {
  const file = path.join(dir, 'kustomization.yaml');
  const k = parse(readFileSync(file, 'utf8')) as Kustomization;
  for (const key of Object.keys(k)) if (!KNOWN_KEYS.has(key)) throw new Error(`${file}: key "${key}" is not supported by test/deploy/kustomize.ts`);
  if (k.apiVersion !== 'kustomize.config.k8s.io/v1beta1' || k.kind !== 'Kustomization') throw new Error(`${file}: not a kustomize.config.k8s.io/v1beta1 Kustomization`);
  return k;
}

/** The group of an apiVersion ("" for the core group), as kustomize matches patches. */
const group = (apiVersion: string) => (apiVersion.includes('/') ? apiVersion.split('/')[0] : '');

/** The resources `kustomize build dir` outputs, in no particular order. */
export function build(dir: string): Resource[] {
  const k = readKustomization(dir);
  const where = path.join(dir, 'kustomization.yaml');
  let out: Resource[] = [];
  for (const entry of k.resources ?? []) {
    const p = path.join(dir, entry);
    if (!existsSync(p)) throw new Error(`${where}: resource ${entry} does not exist`);
    out.push(...(statSync(p).isDirectory() ? build(p) : readManifests(p)));
  }
  for (const patch of k.patches ?? []) {
    if (patch.patch === undefined || patch.path !== undefined || patch.target !== undefined) throw new Error(`${where}: only inline patches are supported by test/deploy/kustomize.ts`);
    const p = parse(patch.patch) as Resource & { $patch?: string };
    if (p.$patch !== 'delete') throw new Error(`${where}: only "$patch: delete" patches are supported by test/deploy/kustomize.ts`);
    const match = (r: Resource) => group(r.apiVersion) === group(p.apiVersion) && r.kind === p.kind && r.metadata.name === p.metadata.name;
    if (!out.some(match)) throw new Error(`${where}: the patch deletes ${p.kind}/${p.metadata.name}, which no resource is`);
    out = out.filter((r) => !match(r));
  }
  for (const r of out) for (const c of containers(r)) c.image = setImage(c.image, k.images ?? []);
  return out;
}

/** The pod spec of a workload (Deployment, StatefulSet, CronJob, Job), or undefined. */
export function podSpec(r: Resource): Record<string, any> | undefined {
  if (r.kind === 'CronJob') return r.spec?.jobTemplate?.spec?.template?.spec;
  return r.spec?.template?.spec;
}

/** A workload's containers and init containers. */
export function containers(r: Resource): Record<string, any>[] {
  const spec = podSpec(r);
  return [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])];
}

/** An image reference after kustomize's `images:` transformer. */
function setImage(image: string, images: NonNullable<Kustomization['images']>): string {
  const m = /^([^:@]+(?::\d+\/[^:@]+)?)(?::([^@]+))?(?:@(.+))?$/.exec(image);
  if (!m) return image;
  const [, name, tag, digest] = m;
  const rule = images.find((i) => i.name === name);
  if (!rule) return image;
  const newName = rule.newName ?? name;
  if (rule.digest) return `${newName}@${rule.digest}`;
  const newTag = rule.newTag ?? tag;
  return `${newName}${newTag ? `:${newTag}` : ''}${!rule.newTag && digest ? `@${digest}` : ''}`;
}
