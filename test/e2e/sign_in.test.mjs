// Issue 4 in a real browser: staff sign in with a password (and a one-time password that must
// be replaced), sessions are HttpOnly/SameSite cookies renewed at every sign-in, forms without
// the CSRF token change nothing, "sign out everywhere" ends other sessions, break-glass is
// declared with a reason and shown on every page, and the privacy officer finds it in the audit
// trail and in the patient's "who has seen my record" report. Every page: no serious or critical
// axe-core violation; screenshots under <build>/e2e.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { fhir, startServer } from '../support/server.mjs';
import { launchBrowser } from './support/browser.mjs';
import { PASSWORD, accessible, cli, signIn } from './support/journeys.mjs';





describe('sign-in, sessions and the audit pages', () => {
  let server;
  let origin;
  let browser;
  let patientAtWly;

  before(async () => {
    server = await startServer({ args: ['--demo-if-empty'] });
    origin = `http://127.0.0.1:${server.port}`;
    cli(server.dir, ['user', 'add', '--login', 'nina.nfd', '--name', 'Nina Nurse', '--role',
      'registered-nurse', '--establishment', 'NFD', '--password-stdin'], PASSWORD);
    cli(server.dir, ['user', 'add', '--login', 'pat.privacy', '--name', 'Pat Privacy', '--role',
      'privacy-officer', '--password-stdin'], PASSWORD);
    const wly = (await fhir(server.base, 'GET', '/Patient?organization=Organization/est-WLY&_count=1')).json;
    patientAtWly = wly.entry[0].resource.id;
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    server?.cleanup();
  });

  test('a wrong password shows an error summary and keeps the login; a right one signs in', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(origin + '/login');
    await accessible(page, 'sign-in');
    await signIn(page, origin, 'nina.nfd', 'not the password at all');
    assert.match(await page.title(), /^Error: Sign in/);
    assert.match(await page.textContent('.nhsuk-error-summary'), /Enter a correct login and password/);
    assert.equal(await page.inputValue('#login'), 'nina.nfd');
    assert.equal(await page.inputValue('#password'), '');
    await accessible(page, 'sign-in-error');

    // A session cookie planted before sign-in is not adopted (session fixation).
    await context.addCookies([{ name: 'tc_session', value: 'A'.repeat(43), url: origin }]);
    await signIn(page, origin, 'nina.nfd', PASSWORD);
    assert.equal(new URL(page.url()).pathname, '/');
    assert.match(await page.textContent('h1'), /Signed in as Nina Nurse/);
    const cookie = (await context.cookies()).find((c) => c.name === 'tc_session');
    assert.notEqual(cookie.value, 'A'.repeat(43));
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Strict');
    await accessible(page, 'home-nurse');
    await context.close();
  });

  test('the demo sign-ins printed at first start work (make run)', async () => {
    const out = server.stdout();
    assert.match(out, /demo sign-ins \(password "demo throughcare 2026"\)/);
    assert.match(out, /gp\.nfd  prescriber at NFD/);
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, origin, 'gp.nfd', 'demo throughcare 2026');
    assert.match(await page.textContent('h1'), /Signed in as Dr Priya Shah/);
    assert.match(await page.textContent('main'), /Worklist: new arrivals/);
    await context.close();
  });

  test('a form posted without its CSRF token changes nothing', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, origin, 'nina.nfd', PASSWORD);
    const cookie = (await context.cookies()).find((c) => c.name === 'tc_session');
    // The same session cookie, but a forged form (no csrf field): refused, still signed in.
    const forged = await fetch(origin + '/logout', {
      method: 'POST', redirect: 'manual',
      headers: { Cookie: `tc_session=${cookie.value}`, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'csrf=forged',
    });
    assert.equal(forged.status, 403);
    await page.goto(origin + '/');
    assert.match(await page.textContent('h1'), /Signed in as/);
    // The login form itself needs its own token.
    const bare = await fetch(origin + '/login', {
      method: 'POST', redirect: 'manual',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `login=nina.nfd&password=${encodeURIComponent(PASSWORD)}`,
    });
    assert.equal(bare.status, 403);
    assert.equal(bare.headers.get('set-cookie')?.includes('tc_session='), false);
    await context.close();
  });

  test('sign out everywhere ends the other sessions too', async () => {
    const first = await browser.newContext();
    const second = await browser.newContext();
    const a = await first.newPage();
    const b = await second.newPage();
    await signIn(a, origin, 'nina.nfd', PASSWORD);
    await signIn(b, origin, 'nina.nfd', PASSWORD);
    await a.click('text=Sign out everywhere');
    await a.waitForLoadState('load');
    assert.equal(new URL(a.url()).pathname, '/login');
    await b.goto(origin + '/');
    assert.notEqual(await b.textContent('h1'), 'Signed in as Nina Nurse');
    await b.goto(origin + '/break-glass');
    assert.equal(new URL(b.url()).pathname, '/login');
    await first.close();
    await second.close();
  });

  test('break-glass needs a reason, shows on every page and reaches the privacy officer', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, origin, 'nina.nfd', PASSWORD);
    await page.goto(origin + '/break-glass');
    await page.click('button[type=submit]');
    await page.waitForLoadState('load');
    assert.match(await page.textContent('.nhsuk-error-summary'), /Enter why/);
    await accessible(page, 'break-glass-error');
    await page.fill('#reason', 'Collapsed at court, record needed for the ambulance crew');
    await page.click('button[type=submit]');
    await page.waitForLoadState('load');
    assert.match(await page.textContent('body'), /Break-glass access is on until/);
    await accessible(page, 'home-break-glass');
    // The nurse cannot open the audit pages.
    const denied = await page.goto(origin + '/audit?breakglass=1');
    assert.equal(denied.status(), 403);
    // The FHIR API on the nurse's behalf, opening a patient held elsewhere with break-glass.
    const token = server.tokenFor({ role: 'registered-nurse', establishments: ['NFD'], subject: 'nina.nfd' });
    const read = await fhir(server.base, 'GET', `/Patient/${patientAtWly}`, { headers: {
      Authorization: `Bearer ${token}`, 'X-Break-Glass-Reason': 'Collapsed at court' } });
    assert.equal(read.status, 200);
    await context.close();

    const officer = await browser.newContext();
    const p = await officer.newPage();
    await signIn(p, origin, 'pat.privacy', PASSWORD);
    await new Promise((r) => setTimeout(r, 300));  // read events are written in batches
    await p.goto(origin + '/audit?breakglass=1&days=1');
    const table = await p.textContent('table');
    assert.match(table, /nina\.nfd/);
    assert.match(table, /Collapsed at court/);
    await accessible(p, 'audit-break-glass');
    await p.goto(origin + `/patients/${patientAtWly}/access-report`);
    assert.match(await p.textContent('h1'), /Who has seen this record/);
    assert.match(await p.textContent('table'), /nina\.nfd/);
    await accessible(p, 'access-report');
    await officer.close();
  });

  test('a one-time password must be replaced at first sign-in', async () => {
    const out = cli(server.dir, ['user', 'add', '--login', 'new.starter', '--name', 'New Starter',
      '--role', 'healthcare-assistant', '--establishment', 'NFD']);
    const otp = out.match(/([0-9a-z]{5}-[0-9a-z]{5}-[0-9a-z]{5}-[0-9a-z]{5})/)[1];
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, origin, 'new.starter', otp);
    assert.equal(new URL(page.url()).pathname, '/account/password');
    await accessible(page, 'choose-password');
    await page.fill('#password', 'password123');
    await page.fill('#confirm', 'password123');
    await page.click('button[type=submit]');
    await page.waitForLoadState('load');
    assert.ok(await page.isVisible('.nhsuk-error-summary'));
    await page.fill('#password', 'tangerine submarine ladder');
    await page.fill('#confirm', 'tangerine submarine ladder');
    await page.click('button[type=submit]');
    await page.waitForLoadState('load');
    assert.match(await page.textContent('h1'), /Signed in as New Starter/);
    // The one-time password no longer works.
    const again = await browser.newContext();
    const q = await again.newPage();
    await signIn(q, origin, 'new.starter', otp);
    assert.match(await q.textContent('.nhsuk-error-summary'), /Enter a correct login and password/);
    await again.close();
    await context.close();
  });
});
