// Per-category series on /metrics (feature_overrides.<name>.publish_categories): every bucket the tests used, both
// sides, bounded by max_categories, markers no real category can take, nothing for other features, the same series
// in batch mode; a numeric feature is refused at load, or at the run when its type is inferred.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { resolveConfig } from '../../src/config/index.js';
import { tempDir, writeConfig, writeParquet } from '../helpers/fixtures.js';
import { parseExposition, type Family } from '../helpers/prom-text.js';
import { cli, scrape, startServe, waitFor } from '../helpers/spawn.js';

// Per 100 rows of each side (k = i % 100); the rows after them are NULL, which is missing, never a category.
const BASELINE_CATS: [string, number][] = [['a', 40], ['b', 25], ['~x', 15], ['', 10], ['c', 5], ['z1', 3], ['z2', 2]];
const WINDOW_CATS: [string, number][] = [['a', 30], ['b', 30], ['~x', 15], ['', 10], ['new', 10], ['z1', 3], ['z2', 2]];

function caseSql(cats: [string, number][]): string {
  let at = 0;
  const whens = cats.map(([c, n]) => `WHEN i % 100 < ${(at += n)} THEN '${c}'`).join(' ');
  return `CASE ${whens} END`;
}

const sideSql = (cats: [string, number][], rows: number, nulls: number) =>
  `SELECT CASE WHEN i < ${rows} THEN ${caseSql(cats)} END AS c, CASE WHEN i % 2 = 0 THEN 'p' ELSE 'q' END AS d, 'e' || (i % 4) AS e, (i % 10) * 1.0 AS x FROM range(${rows + nulls}) t(i)`;

/** The expected share of each side, per 100 non-missing rows. */
const share = (cats: [string, number][], c: string) => (cats.find(([k]) => k === c)?.[1] ?? 0) / 100;

/** `{window, baseline}` per published category label of one feature. */
function published(f: Map<string, Family>, model: string, feature: string): Record<string, { window?: number; baseline?: number }> {
  const out: Record<string, { window?: number; baseline?: number }> = {};
  for (const [family, side] of [['ml_feature_category_ratio', 'window'], ['ml_feature_baseline_category_ratio', 'baseline']] as const) {
    for (const s of f.get(family)?.samples ?? []) {
      if (s.labels.model_name !== model || s.labels.feature_name !== feature) continue;
      assert.deepEqual(Object.keys(s.labels), ['model_name', 'feature_name', 'category']);
      (out[s.labels.category] ??= {})[side] = s.value;
    }
  }
  return out;
}

interface JsonFeature {
  feature: string;
  merged_categories?: number;
  category_shares?: { category: string | null; baseline: number; window: number }[];
}

describe('publish_categories', () => {
  const dir = tempDir({ after });

  it('publishes every category the tests used, both sides, with the overflow bucket and markers, for that feature only; batch mode the same', { timeout: 120_000 }, async (t) => {
    const baseline = await writeParquet(path.join(dir, 'b.parquet'), sideSql(BASELINE_CATS, 2000, 200));
    const window = await writeParquet(path.join(dir, 'w.parquet'), sideSql(WINDOW_CATS, 1000, 100));
    const model = (name: string, extra: Record<string, unknown>) => ({
      name,
      baseline,
      window,
      features: { c: 'categorical', d: 'categorical', e: 'categorical', x: 'numeric' },
      feature_overrides: { c: { publish_categories: true } },
      ...extra,
    });
    const config = writeConfig(path.join(dir, 'cats.yaml'), [
      model('all', {}),
      model('capped', { max_categories: 5 }),
      // The cap of c alone: e (4 categories) keeps the model's 3, c gets 5.
      model('own', { max_categories: 3, feature_overrides: { c: { publish_categories: true, max_categories: 5 } } }),
      model('plain', { feature_overrides: { c: { critical: true } } }),
    ]);
    const served = await startServe(config);
    t.after(() => served.kill());
    await waitFor('every model run', async () => (await fetch(`${served.url}/readyz`)).status === 200, 60_000, 100);
    const f = await scrape(served.url);

    // Every category of either side, on both sides (0 where a side lacks it); '' and '~x' cannot read as markers.
    const all = published(f, 'all', 'c');
    const label = (c: string) => (c === '' ? '~empty' : c.startsWith('~') ? `~${c}` : c);
    const union = [...new Set([...BASELINE_CATS, ...WINDOW_CATS].map(([c]) => c))];
    assert.deepEqual(
      all,
      Object.fromEntries(union.map((c) => [label(c), { window: share(WINDOW_CATS, c), baseline: share(BASELINE_CATS, c) }])),
    );
    assert.equal(all['~null'], undefined, 'NULL is missing, not a category');

    // max_categories 5: the four most frequent in the baseline, and the overflow bucket of the other four.
    const capped = published(f, 'capped', 'c');
    assert.deepEqual(Object.keys(capped).sort(), ['a', 'b', '~empty', '~other', '~~x'].sort());
    assert.deepEqual(capped['~other'], { window: share(WINDOW_CATS, 'new') + share(WINDOW_CATS, 'z1') + share(WINDOW_CATS, 'z2'), baseline: share(BASELINE_CATS, 'c') + share(BASELINE_CATS, 'z1') + share(BASELINE_CATS, 'z2') });
    for (const family of ['ml_feature_category_ratio', 'ml_feature_baseline_category_ratio']) {
      assert.equal(f.get(family)!.samples.filter((s) => s.labels.model_name === 'capped').length, 5, `${family}: at most max_categories per feature`);
    }
    assert.deepEqual(published(f, 'own', 'c'), capped, "feature_overrides.c.max_categories bounds c's buckets");

    // The values are the JSON report's, and only the opted-in feature carries them.
    const report = (await (await fetch(`${served.url}/api/report`)).json()) as { models: { model: string; features: JsonFeature[] }[] };
    const merged = (model: string, feature: string) => report.models.find((m) => m.model === model)!.features.find((x) => x.feature === feature)!.merged_categories;
    assert.deepEqual([merged('own', 'c'), merged('own', 'e'), merged('capped', 'e')], [4, 2, undefined], "each feature's own cap, else the model's");
    for (const name of ['all', 'capped', 'own']) {
      const features = report.models.find((m) => m.model === name)!.features;
      const c = features.find((x) => x.feature === 'c')!;
      assert.deepEqual(
        Object.fromEntries(c.category_shares!.map((x) => [x.category === null ? '~other' : label(x.category), { window: x.window, baseline: x.baseline }])),
        published(f, name, 'c'),
      );
      assert.equal(c.category_shares!.at(-1)!.category === null, name !== 'all', 'the overflow bucket, last, only when categories merged');
      if (name !== 'all') assert.equal(c.merged_categories, 4);
      for (const other of features.filter((x) => x.feature !== 'c')) assert.equal('category_shares' in other, false, other.feature);
    }
    // No other feature, nor a model without the key, publishes category series.
    for (const family of ['ml_feature_category_ratio', 'ml_feature_baseline_category_ratio']) {
      const owners = new Set(f.get(family)!.samples.map((s) => `${s.labels.model_name}/${s.labels.feature_name}`));
      assert.deepEqual([...owners].sort(), ['all/c', 'capped/c', 'own/c']);
    }
    assert.equal('category_shares' in report.models.find((m) => m.model === 'plain')!.features.find((x) => x.feature === 'c')!, false);

    // Batch mode (report --textfile) publishes the same category series.
    mkdirSync(path.join(dir, 'collector'));
    const out = path.join(dir, 'collector', 'drift.prom');
    const batch = await cli(['report', '--config', config, '--textfile', out]);
    assert.equal(batch.code, 0, batch.stderr);
    const b = parseExposition(readFileSync(out, 'utf8'));
    for (const name of ['all', 'capped', 'own', 'plain']) assert.deepEqual(published(b, name, 'c'), published(f, name, 'c'), name);
    assert.ok(f.get('ml_feature_category_ratio')!.help!.includes('publish_categories'));
    assert.equal(b.get('ml_feature_category_ratio')!.help, f.get('ml_feature_category_ratio')!.help);
  });

  it('is refused for a numeric feature: at load when features declares it numeric, at the run when its type is inferred', async () => {
    const base = { name: 'm', baseline: 'b.parquet', window: 'w.parquet' };
    assert.throws(
      () => resolveConfig({ models: [{ ...base, features: { x: 'numeric', c: 'categorical' }, feature_overrides: { x: { publish_categories: true } } }] }, 'drift.yaml', '/'),
      /^ConfigError: drift\.yaml: models\[0\]\.feature_overrides\.x\.publish_categories: feature "x" is numeric: publish_categories applies only to categorical features/,
    );
    assert.throws(
      () => resolveConfig({ models: [{ ...base, features: { x: 'numeric' }, feature_overrides: { x: { max_categories: 5 } } }] }, 'drift.yaml', '/'),
      /^ConfigError: drift\.yaml: models\[0\]\.feature_overrides\.x\.max_categories: feature "x" is numeric: max_categories applies only to categorical features/,
    );
    // Declared categorical, or false: fine.
    resolveConfig({ models: [{ ...base, features: { x: 'categorical' }, feature_overrides: { x: { publish_categories: true } } }] }, 'drift.yaml', '/');
    resolveConfig({ models: [{ ...base, features: { x: 'numeric' }, feature_overrides: { x: { publish_categories: false } } }] }, 'drift.yaml', '/');

    const baseline = await writeParquet(path.join(dir, 'nb.parquet'), sideSql(BASELINE_CATS, 200, 0));
    const window = await writeParquet(path.join(dir, 'nw.parquet'), sideSql(WINDOW_CATS, 100, 0));
    const config = writeConfig(path.join(dir, 'numeric.yaml'), [{ name: 'm', baseline, window, features: ['c', 'x'], feature_overrides: { x: { publish_categories: true } } }]);
    for (const command of ['report', 'check']) {
      const r = await cli([command, '--config', config]);
      assert.equal(r.code, 2, `${command}: ${r.stdout}${r.stderr}`);
      // check lists its problems on stdout; report's one error goes to stderr.
      assert.match(r.stdout + r.stderr, /model m: feature_overrides\.x\.publish_categories: feature "x" is numeric \(baseline type DECIMAL\(\d+,\d+\)\); it applies only to categorical features/, command);
    }
  });
});
