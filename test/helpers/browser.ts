/**
 * The one browser launcher: Debian's headless chromium driven by
 * puppeteer-core. Under CI=true a missing chromium fails the test;
 * elsewhere the test is skipped, saying why.
 */
import { existsSync } from 'node:fs';
import type { TestContext } from 'node:test';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

/** Where Debian's chromium package installs the browser (CHROMIUM overrides it). */
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

/** A headless chromium, closed when the test ends; null (the test skipped) when it is not installed and not under CI. */
export async function launchBrowser(t: TestContext): Promise<Browser | null> {
  if (!existsSync(CHROMIUM)) {
    if (process.env.CI === 'true') throw new Error(`${CHROMIUM} is missing: CI installs Debian's chromium (.ci/run)`);
    t.skip(`${CHROMIUM} is not installed (apt-get install chromium); set CHROMIUM to another binary`);
    return null;
  }
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    // No sandbox as root (CI containers); no first-run, component or field-trial requests of its own.
    args: [...(process.getuid?.() === 0 ? ['--no-sandbox'] : []), '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-default-apps'],
    protocolTimeout: 60_000,
  });
  t.after(() => browser.close());
  return browser;
}

/** What a page did while loading: every request it made, console errors, and uncaught page errors. */
export interface PageWatch {
  requests: string[];
  consoleErrors: string[];
  pageErrors: string[];
  dialogs: string[];
}

/**
 * A new page that records, and blocks, every request except `allowed`
 * (the page itself), every console error, uncaught error and dialog
 * (an `alert` a script would open).
 */
export async function watchedPage(browser: Browser, allowed: (url: string) => boolean): Promise<{ page: Page; watch: PageWatch }> {
  const page = await browser.newPage();
  const watch: PageWatch = { requests: [], consoleErrors: [], pageErrors: [], dialogs: [] };
  await page.setRequestInterception(true);
  page.on('request', (req) => {
    watch.requests.push(req.url());
    if (allowed(req.url())) void req.continue();
    else void req.abort();
  });
  page.on('console', (msg) => {
    if (msg.type() === 'error') watch.consoleErrors.push(msg.text());
  });
  page.on('pageerror', (err) => watch.pageErrors.push(String(err)));
  page.on('dialog', (d) => {
    watch.dialogs.push(d.message());
    void d.dismiss();
  });
  return { page, watch };
}
