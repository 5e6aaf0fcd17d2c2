import type { ModelStatus } from './state.js';

/** What the landing page shows. */
export interface PageInput {
  name: string;
  version: string;
  ready: boolean;
  models: readonly ModelStatus[];
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML content and quoted attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : 'never');

function outcome(m: ModelStatus): string {
  const last = !m.lastRun ? 'no run yet' : m.lastRun.ok ? 'ok' : `FAILED: ${m.lastRun.error ?? 'unknown error'}${m.lastSuccess ? '' : ' (never succeeded)'}`;
  return m.running ? `${last} (running)` : last;
}

function drift(m: ModelStatus): string {
  const r = m.report;
  if (!r) return '-';
  if (r.status === 'no_data') return r.window.rows === 0 ? 'no data: empty window' : r.baseline.rows === 0 ? 'no data: empty baseline' : 'no data: no feature could be compared';
  const drifted = r.features.filter((f) => f.drift).map((f) => f.feature);
  const verdict = r.drift ? 'DRIFT' : 'no drift';
  return `${verdict}, ${((r.drift_share ?? 0) * 100).toFixed(1)}% of compared features${drifted.length ? ` (${drifted.join(', ')})` : ''}`;
}

/** Features that could not be compared, each with its reason (names and reasons come from the data, so they are escaped by the caller). */
function errors(m: ModelStatus): string {
  const failed = m.report?.features.filter((f) => f.error) ?? [];
  return failed.length === 0 ? '-' : failed.map((f) => `${f.feature}: ${f.error}`).join('; ');
}

/** The HTML landing page; every interpolated value goes through escapeHtml. */
export function landingPage(p: PageInput): string {
  const rows = p.models
    .map((m) => {
      const cells = [m.schedule, iso(m.lastRun?.endedAt), outcome(m), m.lastRun ? `${m.lastRun.durationS.toFixed(3)} s` : '-', iso(m.lastSuccess), m.report?.window.rows ?? '-', drift(m), errors(m)];
      const name = `<td><a href="report/${escapeHtml(encodeURIComponent(m.name))}">${escapeHtml(m.name)}</a></td>`;
      return `<tr>${name}${cells.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>${escapeHtml(p.name)}</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left}</style>
</head>
<body>
<h1>${escapeHtml(p.name)}</h1>
<p>Version ${escapeHtml(p.version)}. ${p.ready ? 'Ready: every model has succeeded at least once.' : 'Not ready: a model has not succeeded yet (see its outcome below).'}</p>
<table>
<tr><th>model</th><th>schedule</th><th>last run</th><th>outcome</th><th>duration</th><th>last success</th><th>window rows</th><th>drift</th><th>feature errors</th></tr>
${rows}
</table>
<ul>
<li><a href="report">/report</a>: the drift report with plots (HTML; <code>/report/&lt;model&gt;</code> for one model)</li>
<li><a href="metrics">/metrics</a>: Prometheus metrics</li>
<li><a href="api/report">/api/report</a>: last results as JSON</li>
<li><a href="healthz">/healthz</a>, <a href="readyz">/readyz</a>: health and readiness</li>
</ul>
</body>
</html>
`;
}
