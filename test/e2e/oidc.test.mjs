// Issue 4 "Identity" 1 in a real browser: staff sign in with an OpenID provider (the test IdP in
// test/support/test-idp.mjs, written for the tests) by the authorization code flow with PKCE.
// A linked account lands signed in; an unlinked identity, a tampered state, a wrong nonce, a
// wrong audience, an expired or badly signed ID token and a refusal at the provider are each
// refused with nothing signed in; the audit trail has the sign-ins and the refusals. New pages:
// no serious or critical axe-core violation; screenshots under <build>/e2e.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { startServer } from '../support/server.mjs';
import { startTestIdp } from '../support/test-idp.mjs';
import { launchBrowser } from './support/browser.mjs';
import { PASSWORD, accessible, cli, signIn } from './support/journeys.mjs';

const CLIENT_ID = 'throughcare-test';
const CLIENT_SECRET = 'test-client-secret-0123456789';



describe('OpenID Connect sign-in', () => {
  let idp;
  let server;
  let origin;
  let browser;
  let secretDir;

  before(async () => {
    idp = await startTestIdp({
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      users: [
        { sub: 'idp-nina', name: 'Nina at the IdP', preferred_username: 'nina', email: 'nina@example.nhs.uk' },
        { sub: 'idp-stranger', name: 'Sam Stranger', preferred_username: 'stranger' },
      ],
    });
    secretDir = mkdtempSync(join(tmpdir(), 'throughcare-oidc-'));
    const secretFile = join(secretDir, 'client-secret');
    writeFileSync(secretFile, `${CLIENT_SECRET}\n`, { mode: 0o600 });
    server = await startServer({ args: [
      '--oidc-issuer', idp.issuer, '--oidc-client-id', CLIENT_ID,
      '--oidc-client-secret-file', secretFile, '--oidc-name', 'Test IdP'] });
    origin = `http://127.0.0.1:${server.port}`;
    idp.redirectUris.add(`${origin}/login/oidc/callback`);
    cli(server.dir, ['user', 'add', '--login', 'nurse.oidc', '--name', 'Nina Nurse', '--role',
      'registered-nurse', '--establishment', 'NFD', '--password-stdin'], PASSWORD);
    cli(server.dir, ['user', 'add', '--login', 'privacy', '--name', 'Pat Privacy', '--role',
      'privacy-officer', '--password-stdin'], PASSWORD);
    const linked = cli(server.dir, ['user', 'link-oidc', 'nurse.oidc', '--issuer', idp.issuer,
      '--subject', 'idp-nina']);
    assert.match(linked, /linked/);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    server?.cleanup();
    await idp?.close();
    if (secretDir) rmSync(secretDir, { recursive: true, force: true });
  });

  // Clicks "Sign in with Test IdP" on /login and picks `user` at the IdP; returns the page where
  // the journey ends.
  async function signInWithIdp(page, user) {
    await page.goto(origin + '/login');
    await page.click('text=Sign in with Test IdP');
    await page.waitForURL((u) => u.origin === idp.issuer);
    await page.click(`button[value="${user}"]`);
    await page.waitForLoadState('load');
  }

  async function assertNotSignedIn(context, page) {
    assert.equal((await context.cookies()).some((c) => c.name === 'tc_session'), false);
    await page.goto(origin + '/');
    assert.doesNotMatch(await page.textContent('h1'), /Signed in as/);
  }

  test('the sign-in page offers the IdP above the password form', async () => {
    const page = await browser.newPage();
    await page.goto(origin + '/login');
    const button = page.locator('a.nhsuk-button', { hasText: 'Sign in with Test IdP' });
    assert.equal(await button.getAttribute('href'), '/login/oidc');
    assert.ok(await page.isVisible('#password'));
    await accessible(page, 'sign-in-with-oidc');
    await page.close();
  });

  test('a linked account signs in at the IdP and lands on the home page', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signInWithIdp(page, 'idp-nina');
    await page.waitForURL(origin + '/');
    assert.match(await page.textContent('h1'), /Signed in as Nina Nurse/);
    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === 'tc_session');
    assert.equal(session.httpOnly, true);
    assert.equal(session.sameSite, 'Strict');
    assert.equal(cookies.some((c) => c.name === 'tc_oidc'), false, 'the pre-session cookie is spent');
    await accessible(page, 'home-after-oidc');
    await context.close();
  });

  test('an identity linked to no account is refused with a clear page', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signInWithIdp(page, 'idp-stranger');
    assert.equal(new URL(page.url()).pathname, '/login/oidc/callback');
    assert.match(await page.textContent('h1'), /Your account is not set up for Throughcare/);
    assert.match(await page.textContent('main'), /Sam Stranger/);
    await accessible(page, 'oidc-not-linked');
    await assertNotSignedIn(context, page);
    await context.close();
  });

  for (const [name, misbehave] of [
    ['a tampered state', { state: 'tampered-state' }],
    ['a wrong nonce', { nonce: 'not-the-nonce' }],
    ['a wrong audience', { aud: 'some-other-client' }],
    ['an expired ID token', { expired: true }],
    ['a badly signed ID token', { badSignature: true }],
    ['a refusal at the IdP', { error: 'access_denied' }],
  ]) {
    test(`${name} is refused and nothing is signed in`, async () => {
      const context = await browser.newContext();
      const page = await context.newPage();
      idp.misbehave = misbehave;
      try {
        const tokenRequests = idp.tokenRequests;
        await signInWithIdp(page, 'idp-nina');
        assert.equal(new URL(page.url()).pathname, '/login/oidc/callback');
        assert.match(await page.textContent('h1'), /You are not signed in/);
        if (misbehave.state || misbehave.error) {
          assert.equal(idp.tokenRequests, tokenRequests, 'no code exchange');
        }
        if (misbehave.nonce) await accessible(page, 'oidc-refused');
      } finally {
        idp.misbehave = {};
      }
      await assertNotSignedIn(context, page);
      await context.close();
    });
  }

  test('a callback without the pre-session cookie is refused', async () => {
    const r = await fetch(`${origin}/login/oidc/callback?code=abc&state=def`, { redirect: 'manual' });
    assert.equal(r.status, 401);
    assert.equal((r.headers.get('set-cookie') ?? '').includes('tc_session='), false);
  });

  test('the test IdP refuses a wrong client secret, a wrong verifier and a reused code', async () => {
    const redirectUri = `${origin}/login/oidc/callback`;
    async function code(challenge) {
      const form = new URLSearchParams({ client_id: CLIENT_ID, redirect_uri: redirectUri, response_type: 'code',
        scope: 'openid', state: 's', nonce: 'n', code_challenge: challenge, code_challenge_method: 'S256', sub: 'idp-nina' });
      const r = await fetch(`${idp.issuer}/authorize`, { method: 'POST', body: form, redirect: 'manual' });
      return new URL(r.headers.get('location')).searchParams.get('code');
    }
    const { createHash } = await import('node:crypto');
    const verifier = 'v'.repeat(43);
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const exchange = (c, secret, v) => fetch(`${idp.issuer}/token`, { method: 'POST', body: new URLSearchParams({
      grant_type: 'authorization_code', code: c, redirect_uri: redirectUri, code_verifier: v,
      client_id: CLIENT_ID, client_secret: secret }) });
    const c1 = await code(challenge);
    assert.equal((await exchange(c1, 'wrong', verifier)).status, 401);
    assert.equal((await exchange(c1, CLIENT_SECRET, 'w'.repeat(43))).status, 400);
    const c2 = await code(challenge);
    const ok = await exchange(c2, CLIENT_SECRET, verifier);
    assert.equal(ok.status, 200);
    assert.ok((await ok.json()).id_token);
    assert.equal((await exchange(c2, CLIENT_SECRET, verifier)).status, 400);
  });

  test('the audit trail has the IdP sign-in and the refusals', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(origin + '/login');
    await page.fill('#login', 'privacy');
    await page.fill('#password', PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForLoadState('load');
    await new Promise((r) => setTimeout(r, 300));  // audit events are written in batches
    await page.goto(origin + '/audit?user=nurse.oidc&days=1');
    const table = await page.textContent('table');
    assert.match(table, /signed in with OpenID Connect \(http:\/\/127\.0\.0\.1:\d+\)/);
    await page.goto(origin + '/audit?user=stranger&days=1');
    assert.match(await page.textContent('table'), /no account is linked to subject idp-stranger/);
    await context.close();
    // Neither the client secret nor a code or token is ever written to the server's output.
    assert.equal((server.output() + server.stdout()).includes(CLIENT_SECRET), false);
    assert.doesNotMatch(server.output() + server.stdout(), /eyJ[A-Za-z0-9_-]+\./);
  });
});
