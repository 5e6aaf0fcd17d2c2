import type { ModelConfig } from '../config/index.js';
import { countRows, openSource, withConnection, type Source } from '../data/index.js';
import { resolveFeatures } from './features.js';
import { segmentSlice } from './segments.js';
import { referenceFilter } from './run-model.js';

/**
 * Problems that would stop or spoil a run of this model: unreadable sources,
 * unknown columns, type changes, a reference range without rows (a moving
 * one as of `asOf`: the model's as_of, else now). Empty when fine.
 */
export async function checkModel(model: ModelConfig, asOf: Date = model.asOf ?? new Date()): Promise<string[]> {
  return withConnection(async (conn) => {
    const problems: string[] = [];
    const reference = referenceFilter(model, asOf);
    const open = async (role: Source['role'], spec: string, like?: Source) => {
      // A pruned reference keeps one file even when none matches, so that its schema can be read.
      const prune = role === 'baseline' && reference && model.reference?.datePartition ? { key: model.reference.datePartition, start: reference.start, end: reference.end } : null;
      try {
        return await openSource(conn, role, spec, { format: role === 'baseline' ? model.baselineFormat : model.windowFormat, storage: model.storage, like, prune });
      } catch (err) {
        problems.push((err as Error).message);
        return undefined;
      }
    };
    const baseline = await open('baseline', model.baseline);
    const window = await open('window', model.window, baseline);
    if (!baseline || !window) return problems;
    if (model.timestampColumn) {
      const ts = window.columns.get(model.timestampColumn);
      if (!ts) problems.push(`window ${model.window}: timestamp column "${model.timestampColumn}" not found`);
      else if (ts.kind !== 'timestamp') problems.push(`window ${model.window}: timestamp column "${model.timestampColumn}" has type ${ts.sqlType}`);
    }
    if (model.segmentBy.length > 0) {
      const { problem } = segmentSlice(model, baseline, window);
      if (problem) problems.push(problem);
    }
    if (reference) {
      const range = `(${reference.start.toISOString()}, ${reference.end.toISOString()}]`;
      try {
        const { rows } = await countRows(conn, baseline, [], reference);
        if (rows === 0) problems.push(`baseline ${model.baseline}: no rows whose "${reference.column}" lies in the reference range ${range}`);
      } catch (err) {
        problems.push((err as Error).message);
      }
    }
    try {
      for (const f of resolveFeatures(model, baseline, window)) if (f.problem) problems.push(`window ${model.window}: feature "${f.name}": ${f.problem}`);
    } catch (err) {
      problems.push((err as Error).message);
    }
    return problems;
  });
}
