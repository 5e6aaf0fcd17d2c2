/**
 * Kubernetes schema checks of a manifest, with the models of the
 * `kubernetes-models` packages: their JSON-schema validators (types, required
 * fields, enums, formats), and their TypeScript types for what those let
 * through, a misspelt or misplaced field, which the API server would refuse
 * (kubectl apply validates strictly) or, worse, silently drop.
 */
import path from 'node:path';
import ts from 'typescript';
import type { Resource } from './kustomize.js';

/** The module of the model for each apiVersion the manifests use. */
const MODULES: Record<string, string> = {
  v1: 'kubernetes-models/v1',
  'apps/v1': 'kubernetes-models/apps/v1',
  'batch/v1': 'kubernetes-models/batch/v1',
  'monitoring.coreos.com/v1': '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1',
};

function moduleOf(r: Resource): string {
  const m = MODULES[r.apiVersion];
  if (!m) throw new Error(`${r.kind}/${r.metadata?.name}: no schema for apiVersion ${r.apiVersion} (add its model to test/deploy/schemas.ts)`);
  return m;
}

/** The schema errors of a resource; throws when its kind has no model. */
export async function schemaErrors(r: Resource): Promise<string | null> {
  const mod = (await import(moduleOf(r))) as Record<string, new (data: unknown) => { validate(): void }>;
  const Model = mod[r.kind];
  if (!Model) throw new Error(`${r.apiVersion} has no model for kind ${r.kind}`);
  try {
    new Model(r).validate();
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/**
 * TypeScript's errors for each resource assigned, as an object literal, to its
 * model's interface: excess-property checks reach every nested object, so an
 * unknown field anywhere is an error. Keys are "Kind/name".
 */
export function fieldErrors(resources: readonly Resource[]): Map<string, string[]> {
  const file = path.resolve('deploy-manifests.check.ts');
  const source = resources
    .map((r, i) => `import type { I${r.kind} as T${i} } from '${moduleOf(r)}';\nexport const r${i}: T${i} = ${JSON.stringify(r, null, 1)};\n`)
    .join('\n');
  const options: ts.CompilerOptions = { strict: true, noEmit: true, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, skipLibCheck: true, types: [] };
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (name, lang, ...rest) => (path.resolve(name) === file ? ts.createSourceFile(name, source, lang) : getSourceFile.call(host, name, lang, ...rest));
  host.fileExists = (name) => path.resolve(name) === file || fileExists.call(host, name);
  host.readFile = (name) => (path.resolve(name) === file ? source : readFile.call(host, name));
  const program = ts.createProgram([file], options, host);
  const out = new Map<string, string[]>();
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const at = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line : -1;
    // Which resource: the last `export const rN` at or before the error.
    const index = d.file ? [...d.file.text.slice(0, d.start).matchAll(/^export const r(\d+):/gm)].at(-1)?.[1] : undefined;
    const r = index === undefined ? undefined : resources[Number(index)];
    const key = r ? `${r.kind}/${r.metadata.name}` : '(preamble)';
    out.set(key, [...(out.get(key) ?? []), `line ${at + 1}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`]);
  }
  return out;
}
