import type { ModelConfig } from '../config/index.js';
import { openSource, withConnection, type Source } from '../data/index.js';
import { resolveFeatures } from './features.js';

/** Problems that would stop or spoil a run of this model: unreadable sources, unknown columns, type changes. Empty when fine. */
export async function checkModel(model: ModelConfig): Promise<string[]> {
  return withConnection(async (conn) => {
    const problems: string[] = [];
    const open = async (role: Source['role'], spec: string, like?: Source) => {
      try {
        return await openSource(conn, role, spec, { format: role === 'baseline' ? model.baselineFormat : model.windowFormat, storage: model.storage, like });
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
    try {
      for (const f of resolveFeatures(model, baseline, window)) if (f.problem) problems.push(`window ${model.window}: feature "${f.name}": ${f.problem}`);
    } catch (err) {
      problems.push((err as Error).message);
    }
    return problems;
  });
}
