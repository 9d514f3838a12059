// A small OpenID provider written for the tests (node:http + node:crypto only; not part of the
// product): the authorization code flow with PKCE as Throughcare's relying party uses it.
//
//   GET  /.well-known/openid-configuration   discovery
//   GET  /authorize    checks client_id, redirect_uri (registered), response_type=code, scope
//                      openid, S256 code_challenge; then either redirects straight back (when a
//                      test set `autoApprove` to a user's sub) or shows a tiny form to pick a user
//   POST /authorize    the picked user: redirects back with code + state
//   POST /token        client authentication (client_secret_basic or client_secret_post), the
//                      code (single use, 60 s), its redirect_uri and client, and the PKCE verifier
//                      (S256); answers an RS256-signed ID token and an access token
//   GET  /jwks         the public key
//
// Tests make it misbehave through `idp.misbehave` (applies to every later answer until reset):
//   { state: 'x' }          redirect back with another state
//   { aud: 'x' }            ID token for another audience
//   { nonce: 'x' }          ID token with another nonce
//   { expired: true }       ID token that expired ten minutes ago
//   { badSignature: true }  ID token signed by another key (same kid)
//   { error: 'access_denied' }  redirect back with an error instead of a code
//
//   const idp = await startTestIdp({ clientId, clientSecret, users: [{ sub, name, ... }] });
//   idp.redirectUris.add('http://127.0.0.1:1234/login/oidc/callback');
//   ...; await idp.close();
import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { createServer } from 'node:http';

function b64url(buf) { return Buffer.from(buf).toString('base64url'); }

function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

async function readBody(req) {
  let body = '';
  for await (const chunk of req) body += chunk;
  return body;
}

export async function startTestIdp({ clientId, clientSecret, users = [] }) {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const rogue = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const kid = 'test-idp-1';
  const codes = new Map();  // code -> { sub, clientId, redirectUri, nonce, challenge, expires, used }
  const idp = {
    issuer: '',
    port: 0,
    redirectUris: new Set(),
    misbehave: {},
    autoApprove: null,
    tokenRequests: 0,
  };

  function signJwt(claims, key = privateKey) {
    const header = b64url(JSON.stringify({ alg: 'RS256', kid, typ: 'JWT' }));
    const payload = b64url(JSON.stringify(claims));
    const signature = sign('sha256', Buffer.from(`${header}.${payload}`), key);
    return `${header}.${payload}.${b64url(signature)}`;
  }

  function idToken(entry) {
    const m = idp.misbehave;
    const user = users.find((u) => u.sub === entry.sub);
    const now = Math.floor(Date.now() / 1000) - (m.expired ? 1200 : 0);
    return signJwt({
      iss: idp.issuer,
      sub: entry.sub,
      aud: m.aud ?? entry.clientId,
      iat: now,
      exp: now + 600,
      nonce: m.nonce ?? entry.nonce,
      name: user?.name,
      preferred_username: user?.preferred_username,
      email: user?.email,
    }, m.badSignature ? rogue : privateKey);
  }

  function send(res, status, body, headers = {}) {
    const isJson = typeof body !== 'string';
    res.writeHead(status, {
      'Content-Type': isJson ? 'application/json' : 'text/html; charset=utf-8',
      'Cache-Control': 'no-store',
      ...headers,
    });
    res.end(isJson ? JSON.stringify(body) : body);
  }

  function redirectBack(res, params, sub) {
    const url = new URL(params.get('redirect_uri'));
    const state = idp.misbehave.state ?? params.get('state');
    if (idp.misbehave.error) {
      url.searchParams.set('error', idp.misbehave.error);
    } else {
      const code = b64url(randomBytes(24));
      codes.set(code, {
        sub, clientId: params.get('client_id'), redirectUri: params.get('redirect_uri'),
        nonce: params.get('nonce'), challenge: params.get('code_challenge'),
        expires: Date.now() + 60000, used: false,
      });
      url.searchParams.set('code', code);
    }
    if (state) url.searchParams.set('state', state);
    res.writeHead(302, { Location: url.toString() });
    res.end();
  }

  // The request's problem, or '' when it is a valid authorization request.
  function checkAuthorize(params) {
    if (params.get('client_id') !== clientId) return 'unknown client_id';
    if (!idp.redirectUris.has(params.get('redirect_uri'))) return 'unregistered redirect_uri';
    if (params.get('response_type') !== 'code') return 'response_type must be code';
    if (!(params.get('scope') ?? '').split(' ').includes('openid')) return 'scope must include openid';
    if (params.get('code_challenge_method') !== 'S256' || !params.get('code_challenge')) return 'PKCE S256 required';
    if (!params.get('state') || !params.get('nonce')) return 'state and nonce required';
    return '';
  }

  async function token(req, res) {
    idp.tokenRequests += 1;
    const form = new URLSearchParams(await readBody(req));
    let id = form.get('client_id');
    let secret = form.get('client_secret');
    const auth = req.headers.authorization ?? '';
    if (auth.startsWith('Basic ')) {
      const [u, p] = Buffer.from(auth.slice(6), 'base64').toString().split(':');
      id = decodeURIComponent(u);
      secret = decodeURIComponent(p ?? '');
    }
    if (id !== clientId || secret !== clientSecret) return send(res, 401, { error: 'invalid_client' });
    if (form.get('grant_type') !== 'authorization_code') return send(res, 400, { error: 'unsupported_grant_type' });
    const entry = codes.get(form.get('code') ?? '');
    if (!entry || entry.used || entry.expires < Date.now()) return send(res, 400, { error: 'invalid_grant' });
    entry.used = true;  // single use, whatever happens next
    if (entry.clientId !== id || entry.redirectUri !== form.get('redirect_uri')) {
      return send(res, 400, { error: 'invalid_grant' });
    }
    const verifier = form.get('code_verifier') ?? '';
    const challenge = b64url(createHash('sha256').update(verifier).digest());
    if (verifier.length < 43 || verifier.length > 128 || challenge !== entry.challenge) {
      return send(res, 400, { error: 'invalid_grant' });
    }
    return send(res, 200, {
      token_type: 'Bearer', expires_in: 300, access_token: b64url(randomBytes(24)), id_token: idToken(entry),
    });
  }

  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url, idp.issuer);
      if (req.method === 'GET' && url.pathname === '/.well-known/openid-configuration') {
        return send(res, 200, {
          issuer: idp.issuer,
          authorization_endpoint: `${idp.issuer}/authorize`,
          token_endpoint: `${idp.issuer}/token`,
          jwks_uri: `${idp.issuer}/jwks`,
          response_types_supported: ['code'],
          subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: ['RS256'],
          code_challenge_methods_supported: ['S256'],
          token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
        });
      }
      if (req.method === 'GET' && url.pathname === '/jwks') {
        return send(res, 200, { keys: [{ ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' }] });
      }
      if (url.pathname === '/authorize') {
        const params = req.method === 'POST' ? new URLSearchParams(await readBody(req)) : url.searchParams;
        const problem = checkAuthorize(params);
        if (problem) return send(res, 400, `<!doctype html><title>Error</title><p>${escapeHtml(problem)}</p>`);
        if (req.method === 'POST') return redirectBack(res, params, params.get('sub'));
        if (idp.autoApprove) return redirectBack(res, params, idp.autoApprove);
        const hidden = [...params].map(([k, v]) =>
          `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`).join('');
        const buttons = users.map((u) =>
          `<button type="submit" name="sub" value="${escapeHtml(u.sub)}">${escapeHtml(u.name)}</button>`).join(' ');
        return send(res, 200, `<!doctype html><html lang="en"><head><title>Test IdP</title></head>` +
          `<body><main><h1>Test IdP: choose a user</h1><form method="post" action="/authorize">` +
          `${hidden}${buttons}</form></main></body></html>`);
      }
      if (req.method === 'POST' && url.pathname === '/token') return await token(req, res);
      return send(res, 404, { error: 'not_found' });
    } catch (e) {
      return send(res, 500, { error: 'server_error', error_description: String(e) });
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  idp.port = server.address().port;
  idp.issuer = `http://127.0.0.1:${idp.port}`;
  idp.close = () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(resolve); });
  return idp;
}
