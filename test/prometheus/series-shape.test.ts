// The rule unit tests start from series shaped as the exporter publishes them: every input series is a
// metric of the contract with exactly its label names, plus the target labels Prometheus adds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { METRICS, TEST_METRICS, type MetricDef } from '../../src/exporter/metrics.js';

const DIR = 'prometheus/tests';
const TARGET = ['instance', 'job'];
const DEFS = new Map<string, MetricDef>([...Object.values(METRICS), ...TEST_METRICS.map((m) => m.def)].map((d) => [d.name, d]));
// Prometheus' own series about the target.
DEFS.set('up', { name: 'up', type: 'gauge', help: '', labels: [] });

/** `name{a="x", b="y"}` to its name and label names. */
function shape(series: string): { name: string; labels: string[] } {
  const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?$/.exec(series.trim());
  assert.ok(m, `not a series: ${series}`);
  const labels = [...(m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"(?:[^"\\]|\\.)*"/g)].map((l) => l[1]);
  return { name: m[1], labels };
}

test('every input series of the rule tests has a name and label set the exporter publishes', () => {
  let checked = 0;
  for (const file of readdirSync(DIR).filter((f) => f.endsWith('.yml'))) {
    const doc = parse(readFileSync(path.join(DIR, file), 'utf8')) as { tests: { input_series?: { series: string }[] }[] };
    for (const t of doc.tests) {
      for (const { series } of t.input_series ?? []) {
        const { name, labels } = shape(series);
        const def = DEFS.get(name);
        assert.ok(def, `${file}: ${name} is not a metric the exporter publishes`);
        // A segment's series also carry one label per segment column, whatever the columns are named.
        const own = def.segmented ? labels.filter((l) => [...def.labels, ...TARGET].includes(l)) : labels;
        assert.deepEqual([...own].sort(), [...def.labels, ...TARGET].sort(), `${file}: ${series}`);
        if (def.segmented) assert.ok(labels.length > own.length, `${file}: ${series} has no segment column label`);
        checked++;
      }
    }
  }
  assert.ok(checked > 50, `${checked} series checked`);
});
