/**
 * The labels of a segment's series: one per segment column, named after the
 * column, plus `segment`, the whole key as text for alert messages
 * (`model_version="v2"`, or `~other` for the overflow bucket).
 */
import type { SegmentReport } from '../report/index.js';

/** Label names a segment column may not take: the families' own, and the target labels Prometheus adds. */
const RESERVED = new Set(['model_name', 'feature_name', 'segment', 'job', 'instance']);

/**
 * Each column's label name: invalid characters become `_`, a name the
 * families or Prometheus use (or `__`, reserved) gets a `segment_` prefix,
 * and a name already taken by an earlier column gets `_2`, `_3`, ...
 */
export function segmentLabelNames(columns: readonly string[]): string[] {
  const used = new Set<string>();
  return columns.map((c) => {
    let name = c.replace(/[^a-zA-Z0-9_]/g, '_');
    if (!/^[a-zA-Z_]/.test(name)) name = `_${name}`;
    if (RESERVED.has(name) || name.startsWith('__')) name = `segment_${name}`;
    let unique = name;
    for (let i = 2; used.has(unique); i++) unique = `${name}_${i}`;
    used.add(unique);
    return unique;
  });
}

/**
 * A key value (or a category, with publish_categories) as a label value. Real values keep their text; the markers
 * start with `~`, and a real value that starts with `~` gets one more, so no
 * value can read as a marker. An empty value would read as no label at all.
 */
export function segmentLabelValue(value: string | null | undefined, other: boolean): string {
  if (other) return '~other';
  if (value === null || value === undefined) return '~null';
  if (value === '') return '~empty';
  return value.startsWith('~') ? `~${value}` : value;
}

/** The labels of one segment's model-level series: `segment` and one per column, after `model_name`. */
export function segmentLabels(columns: readonly string[], s: SegmentReport): Record<string, string> {
  const names = segmentLabelNames(columns);
  const values = columns.map((c) => segmentLabelValue(s.key[c], s.other));
  // For reading only (alert texts, legends): the column labels are the segment's identity.
  const labels: Record<string, string> = { segment: s.other ? '~other' : columns.map((c, i) => `${c}=${JSON.stringify(values[i])}`).join(',') };
  names.forEach((n, i) => (labels[n] = values[i]));
  return labels;
}
