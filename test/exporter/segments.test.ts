// Segments on /metrics: their own families, one label per segment column (sanitised, never clashing with the
// families' labels), markers for NULL, the empty value and the overflow bucket that no real value can take, and
// the whole window's series unchanged.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { segmentLabelNames, segmentLabelValue } from '../../src/exporter/segments.js';
import { tempDir, writeConfig, writeParquet } from '../helpers/fixtures.js';
import { samplesByKey, seriesKey, type Family } from '../helpers/prom-text.js';
import { scrape, startServe, waitFor } from '../helpers/spawn.js';

describe('segment labels', () => {
  it('are the column names, sanitised, with reserved and repeated names made distinct', () => {
    assert.deepEqual(segmentLabelNames(['model_version', 'region']), ['model_version', 'region']);
    assert.deepEqual(segmentLabelNames(['model_name', 'feature_name', 'segment', 'job', 'instance']), ['segment_model_name', 'segment_feature_name', 'segment_segment', 'segment_job', 'segment_instance']);
    assert.deepEqual(segmentLabelNames(['a-b', 'a_b', 'a.b']), ['a_b', 'a_b_2', 'a_b_3']);
    assert.deepEqual(segmentLabelNames(['1st', '__name__', 'é']), ['_1st', 'segment___name__', '_']);
  });

  it('keep real values, and give NULL, the empty value and the overflow bucket markers no real value reads as', () => {
    const values = ['v2', '~other', '~null', '~empty', '~', '', null].map((v) => segmentLabelValue(v, false));
    assert.deepEqual(values, ['v2', '~~other', '~~null', '~~empty', '~~', '~empty', '~null']);
    assert.equal(segmentLabelValue(null, true), '~other');
    assert.equal(new Set([...values, segmentLabelValue('x', true)]).size, values.length + 1, 'all distinct');
  });
});

describe('serve with segmented models', () => {
  const dir = tempDir({ after });

  it('publishes each segment with its key as labels, the drifted one detected, and the whole window as without segments', async (t) => {
    const version = `CASE WHEN i % 20 < 8 THEN 'v1' WHEN i % 20 < 14 THEN 'v2' WHEN i % 20 < 17 THEN NULL WHEN i % 20 < 19 THEN '~other' ELSE '' END`;
    const baseline = await writeParquet(path.join(dir, 'b.parquet'), `SELECT ${version} AS model_version, ${version} AS feature_name, (i % 97) * 1.0 AS x FROM range(4000) t(i)`);
    // Only v2's x moves.
    const window = await writeParquet(path.join(dir, 'w.parquet'), `SELECT ${version} AS model_version, ${version} AS feature_name, (i % 97) * 1.0 + CASE WHEN i % 20 >= 8 AND i % 20 < 14 THEN 60 ELSE 0 END AS x FROM range(4000) t(i)`);
    const model = (name: string, extra: Record<string, unknown>) => ({ name, baseline, window, features: ['x'], ...extra });
    const config = writeConfig(path.join(dir, 'seg.yaml'), [
      model('plain', {}),
      model('all', { segment_by: ['model_version'], max_segments: 10 }),
      model('capped', { segment_by: ['model_version'], max_segments: 3 }),
      model('clash', { segment_by: ['feature_name'], max_segments: 10 }),
    ]);
    const served = await startServe(config);
    t.after(() => served.kill());
    // Ready: every model has had a successful run.
    await waitFor('every model run', async () => (await fetch(`${served.url}/readyz`)).status === 200, 60_000, 100);
    const f: Map<string, Family> = await scrape(served.url);
    const s = samplesByKey(f);
    const detected = (model: string) =>
      Object.fromEntries(f.get('ml_segment_model_drift_detected')!.samples.filter((x) => x.labels.model_name === model).map((x) => [x.labels.model_version ?? x.labels.segment_feature_name, x.value]));

    assert.deepEqual(detected('all'), { v1: 0, v2: 1, '~null': 0, '~~other': 0, '~empty': 0 }, 'every key, its own label value');
    // Three at most: the two largest named, the rest in the bucket.
    assert.deepEqual(detected('capped'), { v1: 0, v2: 1, '~other': 0 });
    assert.equal(s.get(seriesKey('ml_segment_window_rows', { model_name: 'capped', segment: '~other', model_version: '~other' })), 1200);
    assert.equal(s.get(seriesKey('ml_segment_window_rows', { model_name: 'all', segment: 'model_version="~~other"', model_version: '~~other' })), 400);
    // A column named like a family's label gets a label of its own; feature_name stays the feature.
    assert.equal(s.get(seriesKey('ml_segment_drift_detected', { model_name: 'clash', feature_name: 'x', segment: 'feature_name="v2"', segment_feature_name: 'v2' })), 1);
    assert.equal(s.get(seriesKey('ml_segment_model_drift_share', { model_name: 'clash', segment: 'feature_name="v1"', segment_feature_name: 'v1' })), 0);

    // The values are the report's.
    const report = (await (await fetch(`${served.url}/api/report`)).json()) as { models: { model: string; features: { score: number }[]; segments?: { key: Record<string, string | null>; features: { score: number }[] }[] }[] };
    const all = report.models.find((m) => m.model === 'all')!;
    const v2 = all.segments!.find((x) => x.key.model_version === 'v2')!;
    assert.equal(s.get(seriesKey('ml_segment_drift_score', { model_name: 'all', feature_name: 'x', segment: 'model_version="v2"', model_version: 'v2' })), v2.features[0].score);
    // The whole window is published as for a model without segments.
    // (Each run's window ends at its own clock.)
    const whole = (model: string) => [...s].filter(([k]) => k.startsWith('ml_') && !k.startsWith('ml_segment_') && !k.startsWith('ml_drift_window_end') && k.includes(`model_name="${model}"`)).map(([k, v]) => [k.replace(`model_name="${model}"`, ''), v]).sort();
    assert.deepEqual(whole('all'), whole('plain'));
    assert.ok(whole('plain').length > 5);
    // An unsegmented model has no segment series.
    assert.equal([...s.keys()].filter((k) => k.startsWith('ml_segment_') && k.includes('model_name="plain"')).length, 0);
  });
});
