// Browser-test support (test/e2e): Debian's Chromium driven by playwright-core, accessibility
// checks with axe-core, and screenshots. Nothing is downloaded: the browser is the system one
// (scripts/install-deps installs Debian's `chromium`), the npm packages come from the lockfile.
//
//   const browser = await launchBrowser();
//   const page = await browser.newPage();
//   await page.goto(server.origin + '/');
//   assert.deepEqual(await checkAccessibility(page), []);
//   await screenshot(page, 'home');
//   await browser.close();
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// require() honours NODE_PATH (set by CTest to TC_NODE_MODULES), unlike ESM imports.
const require = createRequire(import.meta.url);
const { chromium } = require('playwright-core');

// The Chromium executable: $CHROMIUM_PATH, else the first of Debian's and other usual paths.
export function chromiumPath() {
  const candidates = [
    process.env.CHROMIUM_PATH,
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/usr/bin/google-chrome',
  ].filter(Boolean);
  const found = candidates.find((p) => existsSync(p));
  if (!found) {
    throw new Error(`no Chromium found (tried ${candidates.join(', ')}): run scripts/install-deps ` +
      'or set CHROMIUM_PATH');
  }
  return found;
}

// A headless Chromium. --no-sandbox: tests often run as root (CI, containers), where Chromium's
// sandbox cannot start; the pages are our own, served from 127.0.0.1.
export async function launchBrowser(options = {}) {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
    ...options,
  });
}

// Runs axe-core on the page against WCAG 2.0/2.1/2.2 A and AA (and axe's best practices) and
// returns the violations whose impact is serious or critical, each as
// { id, impact, help, helpUrl, nodes: [css selector, ...] }.
// axe is evaluated through the DevTools protocol rather than a <script> tag, so a page's
// Content-Security-Policy cannot block it (nor needs loosening for tests).
export async function checkAccessibility(page, { include = ['serious', 'critical'] } = {}) {
  const source = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(`${source}\n;undefined`);
  const results = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, {
      runOnly: {
        type: 'tag',
        values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'],
      },
      resultTypes: ['violations'],
    });
    return r.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
      nodes: v.nodes.map((n) => n.target.join(' ')),
    }));
  });
  return results.filter((v) => include.includes(v.impact));
}

// One line per violation, for assertion messages.
export function formatViolations(violations) {
  return violations.map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.join(', ')})`).join('\n');
}

// Where screenshots go: $TC_E2E_OUT (CTest sets <build>/e2e), else the system temp directory.
export function outputDir() {
  const dir = process.env.TC_E2E_OUT ?? join(tmpdir(), 'throughcare-e2e');
  mkdirSync(dir, { recursive: true });
  return dir;
}

// Saves a full-page PNG named <name>.png in outputDir() and returns its path.
export async function screenshot(page, name) {
  const path = join(outputDir(), `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
