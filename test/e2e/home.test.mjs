// The start page in a real browser (Debian's Chromium through playwright-core): NHS.UK styles
// and script load from /assets, the skip link is the first Tab stop, no serious or critical
// axe-core violations; and the asset caching contract over plain HTTP.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { startServer } from '../support/server.mjs';
import { checkAccessibility, formatViolations, launchBrowser, screenshot } from './support/browser.mjs';

describe('home page', () => {
  let server;
  let origin;
  let browser;

  before(async () => {
    server = await startServer();
    origin = `http://127.0.0.1:${server.port}`;
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    server?.cleanup();
  });

  test('renders with the NHS.UK frontend, keyboard-first and accessible', async () => {
    const page = await browser.newPage();
    const responses = [];
    const failures = [];
    page.on('response', (r) => responses.push({ url: r.url(), status: r.status() }));
    page.on('requestfailed', (r) => failures.push(`${r.url()}: ${r.failure()?.errorText}`));
    page.on('pageerror', (e) => failures.push(`page error: ${e.message}`));

    const main = await page.goto(origin + '/');
    assert.equal(main.status(), 200);
    await page.waitForLoadState('load');
    assert.equal(await page.title(), 'Throughcare');
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    assert.equal((await page.textContent('h1')).trim(), 'Throughcare');
    assert.equal(await page.getAttribute('a.nhsuk-action-link', 'href'), '/login');
    assert.equal(await page.getAttribute('main a[href="/fhir/metadata"]', 'href'), '/fhir/metadata');

    // Every request the page made was ours and succeeded (stylesheet, icons, script modules).
    assert.deepEqual(failures, []);
    for (const r of responses) {
      assert.ok(r.url.startsWith(origin + '/'), `off-site request: ${r.url}`);
      assert.equal(r.status, 200, r.url);
    }
    const css = responses.find((r) => /\/assets\/nhsuk\.min\.[0-9a-f]{16}\.css$/.test(r.url));
    assert.ok(css, `stylesheet not requested: ${responses.map((r) => r.url).join(', ')}`);
    assert.ok(responses.some((r) => /\/assets\/nhsuk\.min\.[0-9a-f]{16}\.js$/.test(r.url)));

    // The CSS applied (the NHS.UK font stack) and the page script initialised the components.
    const font = await page.evaluate(() => getComputedStyle(document.body).fontFamily);
    assert.match(font, /Frutiger/);
    await page.waitForFunction(() => document.body.classList.contains('nhsuk-frontend-supported'));
    assert.equal(await page.locator('.nhsuk-header__logo').count(), 0, 'no NHS logo');

    // Keyboard: the first Tab stop is the skip link, and it moves focus to <main>.
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => ({
      cls: document.activeElement.className, text: document.activeElement.textContent.trim(),
    }));
    assert.match(focused.cls, /nhsuk-skip-link/);
    assert.equal(focused.text, 'Skip to main content');
    assert.ok(await page.locator('.nhsuk-skip-link').isVisible(), 'skip link visible on focus');
    await screenshot(page, 'home-skip-link-focused');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.activeElement?.id === 'maincontent');

    await page.mouse.click(1, 1);  // blur, for a clean screenshot
    const shot = await screenshot(page, 'home');
    console.log(`screenshot: ${shot}`);

    const violations = await checkAccessibility(page);
    assert.equal(violations.length, 0, formatViolations(violations));
    await page.close();
  });

  test('assets: immutable fingerprinted URLs, revalidated logical paths, 404s', async () => {
    const html = await (await fetch(origin + '/')).text();
    const href = html.match(/<link rel="stylesheet" href="([^"]+)">/)[1];
    assert.match(href, /^\/assets\/nhsuk\.min\.[0-9a-f]{16}\.css$/);

    const css = await fetch(origin + href);
    assert.equal(css.status, 200);
    assert.equal(css.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.match(css.headers.get('content-type'), /^text\/css/);
    assert.equal(css.headers.get('content-encoding'), 'gzip');  // fetch sends Accept-Encoding
    assert.match(await css.text(), /\.nhsuk-header/);

    const logical = await fetch(origin + '/assets/nhsuk.min.css', {
      headers: { 'Accept-Encoding': 'identity' },
    });
    assert.equal(logical.status, 200);
    assert.equal(logical.headers.get('cache-control'), 'no-cache');
    const etag = logical.headers.get('etag');
    assert.match(etag, /^"[0-9a-f]{16}"$/);
    await logical.arrayBuffer();
    const revalidated = await fetch(origin + '/assets/nhsuk.min.css', {
      headers: { 'Accept-Encoding': 'identity', 'If-None-Match': etag },
    });
    assert.equal(revalidated.status, 304);

    for (const missing of ['/assets/missing.css', '/assets/nhsuk.min.0000000000000000.css']) {
      const r = await fetch(origin + missing);
      assert.equal(r.status, 404, missing);
      await r.arrayBuffer();
    }
  });
});
