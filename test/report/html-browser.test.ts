// The HTML report in a real browser (headless chromium): from `report --format html` opened from disk,
// and from /report of a real `serve` over loopback. No request but the page, no console error, one
// plot of non-zero size per compared feature, errors shown as text, and every data string escaped.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'puppeteer-core';
import { launchBrowser, watchedPage } from '../helpers/browser.js';
import { tempDir, writeConfig, writeParquet } from '../helpers/fixtures.js';
import { cli, startServe } from '../helpers/spawn.js';

const XSS_CATEGORY = '<script>alert(1)</script>';
const XSS_FEATURE = 'x<img src=x onerror=alert(2)>';
const MODEL = 'shop <b>&"x"';

/** A model whose numeric and categorical features drift, a category and a feature name that are markup, and a feature absent from the window. */
async function fixture(dir: string) {
  const f = JSON.stringify(XSS_FEATURE);
  const baseline = await writeParquet(
    path.join(dir, 'b.parquet'),
    `SELECT TIMESTAMP '2026-03-01' + to_minutes(i) AS ts, (i % 97)::DOUBLE / 3 AS amount, ['a','b','c'][1 + i % 3] AS channel, (i % 10)::DOUBLE AS ${f}, i::DOUBLE AS gone FROM range(3000) t(i)`,
  );
  const window = await writeParquet(
    path.join(dir, 'w.parquet'),
    `SELECT TIMESTAMP '2026-03-01' + to_minutes(i) AS ts, (i % 97)::DOUBLE / 3 + 9 AS amount, CASE WHEN i % 3 = 0 THEN '${XSS_CATEGORY}' ELSE ['a','b'][1 + i % 2] END AS channel, (i % 10)::DOUBLE AS ${f} FROM range(3000) t(i)`,
  );
  return { baseline, window, model: { name: MODEL, baseline, window, timestamp_column: 'ts', window_duration: '1d', as_of: '2026-03-03T00:00:00Z' } };
}

/** Loads `url` in a watched page and checks everything the report promises; returns the page's text. */
async function check(t: TestContext, browser: Browser, url: string, shot: string, opts: { features: number; errors: number; states?: RegExp[] }): Promise<string> {
  const { page, watch } = await watchedPage(browser, (u) => u === url);
  await page.setViewport({ width: 1300, height: 900 });
  const res = await page.goto(url, { waitUntil: 'load', timeout: 30_000 });
  assert.ok(res, `${url}: loaded`);
  await page.screenshot({ path: shot, fullPage: true });
  t.diagnostic(`screenshot: ${shot}`);
  assert.deepEqual(watch.requests.filter((u) => u !== url), [], `${url}: no request but the page itself`);
  assert.deepEqual(watch.consoleErrors, [], `${url}: no console error`);
  assert.deepEqual(watch.pageErrors, [], `${url}: no page error`);
  assert.deepEqual(watch.dialogs, [], `${url}: no script ran (no alert)`);
  const dom = await page.evaluate(() => {
    const box = (e: Element) => {
      const r = e.getBoundingClientRect();
      return { w: r.width, h: r.height };
    };
    return {
      scripts: document.querySelectorAll('script').length,
      images: document.querySelectorAll('img, image, foreignObject, iframe, object, embed').length,
      compared: [...document.querySelectorAll('.feature[data-compared="true"]')].map((e) => ({ name: e.getAttribute('data-feature'), plots: [...e.querySelectorAll('.plot > svg')].map(box) })),
      failed: [...document.querySelectorAll('.feature[data-compared="false"]')].map((e) => ({ name: e.getAttribute('data-feature'), plots: e.querySelectorAll('svg').length, error: e.querySelector('.feature-error')?.textContent ?? '' })),
      svgText: [...document.querySelectorAll('svg text')].map((e) => e.textContent ?? ''),
      text: document.body.innerText,
    };
  });
  assert.equal(dom.scripts, 0, 'no <script> element');
  assert.equal(dom.images, 0, 'no element that loads or embeds anything');
  assert.equal(dom.compared.length, opts.features, `${url}: compared features`);
  for (const f of dom.compared) {
    assert.equal(f.plots.length, 1, `${f.name}: one plot`);
    assert.ok(f.plots[0].w > 100 && f.plots[0].h > 50, `${f.name}: a plot of non-zero size (${JSON.stringify(f.plots[0])})`);
  }
  assert.equal(dom.failed.length, opts.errors, `${url}: features in error`);
  for (const f of dom.failed) {
    assert.equal(f.plots, 0, `${f.name}: no empty plot`);
    assert.match(f.error, /Not compared: .+/, `${f.name}: its error`);
  }
  // Markup from the data reads as text: in the page, in the tables, and inside vega's SVG.
  assert.ok(dom.text.includes(XSS_CATEGORY), 'the category value is visible as text');
  assert.ok(dom.text.includes(XSS_FEATURE), 'the feature name is visible as text');
  assert.ok(dom.text.includes(MODEL), 'the model name is visible as text');
  assert.ok(dom.svgText.some((s) => s.includes(XSS_CATEGORY)), 'the category is a text label of its plot');
  for (const re of opts.states ?? []) assert.match(dom.text, re);
  return dom.text;
}

test('report --format html, opened from disk, and /report of a running exporter, in headless chromium', { timeout: 240_000 }, async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const dir = tempDir(t, 'drift-html-');
  // The screenshots outlive the test's data, so that a person can look at them.
  const shots = mkdtempSync(path.join(os.tmpdir(), 'drift-html-screenshots-'));
  const fx = await fixture(dir);

  const config = writeConfig(path.join(dir, 'report.yaml'), [fx.model]);
  const r = await cli(['report', '--config', config, '--format', 'html'], { timeoutMs: 120_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '', 'nothing on stderr');
  const file = path.join(dir, 'report.html');
  writeFileSync(file, r.stdout);
  const text = await check(t, browser, pathToFileURL(file).href, path.join(shots, 'report.png'), { features: 3, errors: 1 });
  assert.match(text, /DRIFT/);
  assert.match(text, /gone[\s\S]*Not compared: .*window/i, 'the absent feature names its error');
  assert.match(text, /drifts at 50\.0%/, 'the drift share threshold');

  // Over time: a line per feature across the steps, and the last step in full.
  const over = await cli(['report', '--config', config, '--format', 'html', '--from', '2026-03-02T12:00:00Z', '--to', '2026-03-03T00:00:00Z', '--every', '6h'], { timeoutMs: 120_000 });
  assert.equal(over.code, 0, over.stderr);
  const overFile = path.join(dir, 'over-time.html');
  writeFileSync(overFile, over.stdout);
  const overText = await check(t, browser, pathToFileURL(overFile).href, path.join(shots, 'over-time.png'), { features: 3, errors: 1 });
  assert.match(overText, /3 steps/);

  // The exporter: the same model, and one whose runs only fail (shown with its state, not left out).
  const serveConfig = writeConfig(path.join(dir, 'serve.yaml'), [fx.model, { ...fx.model, name: 'never', baseline: path.join(dir, 'missing.parquet') }]);
  const served = await startServe(serveConfig);
  t.after(() => served.kill());
  await served.waitForLog((l) => l.msg === 'run finished', 60_000);
  await served.waitForLog((l) => l.msg === 'run failed', 60_000);
  const url = `${served.url}/report`;
  const res = await fetch(url);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
  assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'; style-src 'unsafe-inline'/);
  assert.doesNotMatch(res.headers.get('content-security-policy') ?? '', /script-src/);
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  await check(t, browser, url, path.join(shots, 'served.png'), { features: 3, errors: 1, states: [/never[\s\S]*NO RESULT[\s\S]*FAILED: .*missing\.parquet/, /last run .* ok/] });

  const one = `${served.url}/report/${encodeURIComponent(MODEL)}`;
  const oneText = await check(t, browser, one, path.join(shots, 'served-one.png'), { features: 3, errors: 1 });
  assert.ok(!oneText.includes('NO RESULT'), 'only the model asked for');
  const unknown = await fetch(`${served.url}/report/nope%3Cb%3E`);
  assert.equal(unknown.status, 404);
  assert.equal(await unknown.text(), 'no model nope%3Cb%3E (percent-encoded) is configured; models: shop <b>&"x", never\n');
});
