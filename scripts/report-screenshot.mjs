// Regenerates docs/report.png, the README's picture of the shipped example's HTML report:
//   npm run build && node scripts/report-screenshot.mjs   (needs chromium: CHROMIUM=/path/to/it otherwise)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import puppeteer from 'puppeteer-core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const html = execFileSync(process.execPath, [path.join(root, 'dist/cli/main.js'), 'report', '--config', path.join(root, 'config/example.yaml'), '--format', 'html'], { encoding: 'utf8', maxBuffer: 1 << 26 });
const dir = mkdtempSync(path.join(os.tmpdir(), 'drift-report-'));
const file = path.join(dir, 'report.html');
writeFileSync(file, html);
const browser = await puppeteer.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', headless: true, args: [...(process.getuid?.() === 0 ? ['--no-sandbox'] : []), '--disable-gpu'] });
try {
  const page = await browser.newPage();
  // The header, the feature table and the first plots: what a reader sees first.
  await page.setViewport({ width: 1100, height: 1500 });
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  await page.screenshot({ path: path.join(root, 'docs/report.png') });
} finally {
  await browser.close();
  rmSync(dir, { recursive: true, force: true });
}
