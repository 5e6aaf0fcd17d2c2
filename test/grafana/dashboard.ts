/** The shipped dashboard, read as Grafana reads it (repo root = process.cwd()). */
import { readFileSync } from 'node:fs';
import type { DataTransformerConfig } from '@grafana/data';
import { DASHBOARD_FILE } from '../prometheus/promql-exprs.js';

export interface Target {
  refId: string;
  expr: string;
  datasource?: { type?: string; uid?: string };
  legendFormat?: string;
  instant?: boolean;
  range?: boolean;
  format?: string;
}

export interface Override {
  matcher: { id: string; options: unknown };
  properties: { id: string; value: unknown }[];
}

export interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { type?: string; uid?: string };
  targets?: Target[];
  panels?: Panel[];
  transformations?: DataTransformerConfig[];
  fieldConfig?: { defaults: Record<string, unknown> & { thresholds?: { steps: { value: number | null }[] } }; overrides: Override[] };
}

export interface Variable {
  name: string;
  type: string;
  query?: string;
  includeAll?: boolean;
  multi?: boolean;
  allValue?: string;
  datasource?: { type?: string; uid?: string };
}

export interface Dashboard {
  panels: Panel[];
  templating: { list: Variable[] };
}

export function readDashboard(): Dashboard {
  return JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')) as Dashboard;
}

/** Every panel, rows' nested panels too. */
export function allPanels(d: Dashboard): Panel[] {
  return d.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
}

export function panel(d: Dashboard, title: string): Panel {
  const p = allPanels(d).find((x) => x.title === title);
  if (!p) throw new Error(`no panel "${title}" in the dashboard`);
  return p;
}
