/**
 * Grafana's own data library in plain Node, and Prometheus results shaped as
 * Grafana's Prometheus datasource hands them to a panel's transformations.
 */
import { createRequire } from 'node:module';
import type { DataFrame, DataTransformerConfig, Field, TransformerRegistryItem } from '@grafana/data';

// The ESM build imports a named export from the CommonJS moment-timezone,
// which Node refuses; the CommonJS build loads.
const require = createRequire(import.meta.url);
const data: typeof import('@grafana/data') = require('@grafana/data');
export const { FieldType } = data;

// The library reads `window.__grafanaSceneContext` when it applies options.
// Set only after loading: a `window` seen at load time makes react-use expect a DOM.
(globalThis as { window?: object }).window ??= {};

// Grafana fills the registry at start-up; aliases (seriesToColumns) share an id.
const transformers = new Map(Object.values(data.standardTransformers).map((t) => [t.id, t]));
// Only what transformDataFrame reads: the editor and images are UI.
data.standardTransformersRegistry.setInit(() =>
  [...transformers.values()].map((t) => ({ id: t.id, name: t.name, transformation: () => t }) as unknown as TransformerRegistryItem),
);

/** Runs a panel's transformations as Grafana does. An unknown id fails here; Grafana would skip it silently. */
export function applyTransformations(configs: DataTransformerConfig[], frames: DataFrame[]): Promise<DataFrame[]> {
  for (const c of configs) if (!transformers.has(c.id)) throw new Error(`unknown transformation "${c.id}"`);
  return new Promise((resolve, reject) => {
    data.transformDataFrame(configs, frames).subscribe({ next: resolve, error: reject });
  });
}

/** One sample of an instant query, as /api/v1/query returns it. */
export interface VectorSample {
  metric: Record<string, string>;
  value: [number, string];
}

/**
 * The frames of `format: table` instant queries, as Grafana's Prometheus
 * datasource builds them (transformDFToTable in its result_transformer): one
 * frame per query with Time, one string field per label (the labels of each
 * series in sorted order, first seen first, '' where a series lacks one,
 * __name__ included) and the value field, named `Value #<refId>` when the
 * panel has more than one query and `Value` otherwise.
 */
export function tableFrames(results: { refId: string; result: VectorSample[] }[]): DataFrame[] {
  return results.map(({ refId, result }) => {
    const labels: string[] = [];
    for (const s of result) for (const l of Object.keys(s.metric).sort()) if (!labels.includes(l)) labels.push(l);
    const fields: Field[] = [
      { name: 'Time', type: FieldType.time, config: {}, values: result.map((s) => s.value[0] * 1000) },
      ...labels.map((l) => ({ name: l, type: FieldType.string, config: { filterable: true }, values: result.map((s) => s.metric[l] ?? '') })),
      { name: results.length > 1 ? `Value #${refId}` : 'Value', type: FieldType.number, config: {}, values: result.map((s) => parseFloat(s.value[1])) },
    ];
    return { refId, fields, length: result.length, meta: { preferredVisualisationType: 'rawPrometheus' } };
  });
}

/** The column headers a table panel shows: display names, which renames set. */
export function columns(frame: DataFrame): string[] {
  return frame.fields.map((f) => data.getFieldDisplayName(f, frame));
}

/** The rows of a frame as objects, column header to value. */
export function rows(frame: DataFrame): Record<string, unknown>[] {
  const names = columns(frame);
  return Array.from({ length: frame.length }, (_, i) => Object.fromEntries(frame.fields.map((f, j) => [names[j], f.values[i]])));
}
