// Interoperability: SMART Backend Services (SMART App Launch v2) as a backend client does it,
// with nothing but node:crypto and fetch: discover the token endpoint from
// .well-known/smart-configuration, sign a client assertion (ES384 and RS384, keys registered with
// `throughcare client add --jwks`), trade it for an access token with the client credentials
// grant, and use the token on the FHIR API within the granted scopes. A replayed or misdirected
// assertion and an unregistered scope are refused; issuance and refusals are in the audit trail.
// (That the token stops working after five minutes is not tested in real time:
// tc_access_token_endpoint_test checks it with a fake clock.)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, fhir } from '../support/server.mjs';

const CLIENT_ID = 'lab-results-feed';
const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

let srv;
let root;           // http://127.0.0.1:<port>
let tokenEndpoint;  // from the discovery document
let patientId;      // a patient created with the operator token
const ec = generateKeyPairSync('ec', { namedCurve: 'P-384' });
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });

const b64url = (data) => Buffer.from(data).toString('base64url');
const bearer = (t) => ({ Authorization: `Bearer ${t}` });

// A compact JWT signed with `key`: ES384 (IEEE P1363 r||s, RFC 7518 §3.4) or RS384.
function signJwt(claims, { alg = 'ES384', kid = 'ec-1', key = ec.privateKey } = {}) {
  const input = `${b64url(JSON.stringify({ alg, typ: 'JWT', kid }))}.${b64url(JSON.stringify(claims))}`;
  const options = alg === 'ES384' ? { key, dsaEncoding: 'ieee-p1363' } : key;
  return `${input}.${b64url(sign('sha384', Buffer.from(input), options))}`;
}

function assertionClaims(overrides = {}) {
  const now = Math.floor(Date.now() / 1000);
  return { iss: CLIENT_ID, sub: CLIENT_ID, aud: tokenEndpoint, exp: now + 240, iat: now,
    jti: randomUUID(), ...overrides };
}

async function requestToken(assertion, scope = 'system/Patient.rs system/Observation.rs') {
  const res = await fetch(tokenEndpoint, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope,
      client_assertion_type: JWT_BEARER, client_assertion: assertion }),
    signal: AbortSignal.timeout(20000),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: JSON.parse(text) };
}

before(async () => {
  srv = await startServer();
  root = srv.base.replace(/\/fhir$/, '');
  // Register the client with the real CLI while the server runs (same data directory).
  const jwks = join(srv.dir, 'lab-results-feed.jwks.json');
  writeFileSync(jwks, JSON.stringify({ keys: [
    { ...ec.publicKey.export({ format: 'jwk' }), kid: 'ec-1', alg: 'ES384', use: 'sig' },
    { ...rsa.publicKey.export({ format: 'jwk' }), kid: 'rsa-1', alg: 'RS384', use: 'sig' },
  ] }));
  const add = spawnSync(process.env.THROUGHCARE_BIN, ['client', 'add', '--data', srv.dir,
    '--client-id', CLIENT_ID, '--name', 'Pathology results feed', '--jwks', jwks,
    '--scope', 'system/Patient.rs system/Observation.rs'], { encoding: 'utf8' });
  assert.equal(add.status, 0, add.stderr);
  const created = await fhir(srv.base, 'POST', '/Patient',
    { body: { resourceType: 'Patient', name: [{ family: 'Backend', given: ['Services'] }] } });
  assert.equal(created.status, 201);
  patientId = created.json.id;
});
after(async () => { await srv.stop(); srv.cleanup(); });

test('discovery: .well-known/smart-configuration is public, at the root and under /fhir', async () => {
  for (const url of [`${root}/.well-known/smart-configuration`, `${srv.base}/.well-known/smart-configuration`]) {
    const res = await fetch(url, { headers: { Accept: 'application/json' } });
    assert.equal(res.status, 200, url);
    assert.match(res.headers.get('content-type'), /^application\/json/);
    const config = await res.json();
    assert.equal(config.token_endpoint, `${root}/auth/token`);
    assert.deepEqual(config.grant_types_supported, ['client_credentials']);
    assert.deepEqual(config.token_endpoint_auth_methods_supported, ['private_key_jwt']);
    assert.deepEqual(config.token_endpoint_auth_signing_alg_values_supported, ['RS384', 'ES384']);
    assert.ok(config.scopes_supported.includes('system/*.rs'));
    assert.ok(config.capabilities.includes('client-confidential-asymmetric'));
    assert.ok(config.capabilities.includes('permission-v2'));
    tokenEndpoint = config.token_endpoint;
  }
  assert.equal((await fetch(tokenEndpoint)).status, 405);  // the token endpoint takes POST only
});

test('client credentials with an ES384 assertion: a short-lived token bounded by its scopes', async () => {
  const assertion = signJwt(assertionClaims());
  const r = await requestToken(assertion);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.headers.get('cache-control'), 'no-store');
  assert.equal(r.json.token_type, 'bearer');
  assert.equal(r.json.scope, 'system/Patient.rs system/Observation.rs');
  assert.ok(r.json.expires_in > 0 && r.json.expires_in <= 300, `expires_in ${r.json.expires_in}`);
  const token = r.json.access_token;
  const h = { headers: bearer(token) };
  assert.equal((await fhir(srv.base, 'GET', '/Patient', h)).status, 200);
  const read = await fhir(srv.base, 'GET', `/Patient/${patientId}`, h);
  assert.equal(read.status, 200);
  assert.equal(read.json.name[0].family, 'Backend');
  assert.equal((await fhir(srv.base, 'GET', '/Observation', h)).status, 200);
  const condition = await fhir(srv.base, 'GET', '/Condition', h);
  assert.equal(condition.status, 403);  // no Condition scope
  assert.equal(condition.json.resourceType, 'OperationOutcome');
  const create = await fhir(srv.base, 'POST', '/Patient', { ...h,
    body: { resourceType: 'Patient', name: [{ family: 'NotWritten' }] } });
  assert.equal(create.status, 403);     // no "c" permission
  assert.equal((await fhir(srv.base, 'GET', '/Patient?family=NotWritten')).json.total, 0);

  // The same assertion again: a replay, refused without echoing it.
  const replay = await requestToken(assertion);
  assert.ok(replay.status === 400 || replay.status === 401, `replay answered ${replay.status}`);
  assert.equal(replay.json.error, 'invalid_client');
  assert.ok(!replay.text.includes(assertion));
  assert.equal(replay.json.access_token, undefined);
});

test('an RS384 assertion works too, and scopes are granted only as registered', async () => {
  const r = await requestToken(signJwt(assertionClaims(), { alg: 'RS384', kid: 'rsa-1', key: rsa.privateKey }),
    'system/Patient.rs system/Condition.rs system/Patient.cruds');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.scope, 'system/Patient.rs');
  const none = await requestToken(signJwt(assertionClaims()), 'system/Condition.rs');
  assert.equal(none.status, 400);
  assert.equal(none.json.error, 'invalid_scope');
});

test('misdirected, long-lived, expired, forged and unknown-client assertions are refused', async () => {
  const refused = async (assertion, why) => {
    const r = await requestToken(assertion);
    assert.equal(r.status, 401, `${why}: ${r.text}`);
    assert.equal(r.json.error, 'invalid_client', why);
    assert.ok(!r.text.includes(assertion), why);
    return r.json.error_description;
  };
  assert.match(await refused(signJwt(assertionClaims({ aud: srv.base })), 'aud = FHIR base'), /audience/);
  const now = Math.floor(Date.now() / 1000);
  assert.match(await refused(signJwt(assertionClaims({ exp: now + 3600 })), 'exp in an hour'), /too far/);
  assert.match(await refused(signJwt(assertionClaims({ exp: now - 600 })), 'expired'), /expired/);
  const stranger = generateKeyPairSync('ec', { namedCurve: 'P-384' });
  assert.match(await refused(signJwt(assertionClaims(), { key: stranger.privateKey }), 'foreign key'), /signature/);
  await refused(signJwt(assertionClaims({ iss: 'someone-else', sub: 'someone-else' })), 'unknown client');
  await refused(`${b64url('{"alg":"none","kid":"ec-1"}')}.${b64url(JSON.stringify(assertionClaims()))}.`, 'alg none');
  // Other grant types are not offered.
  const res = await fetch(tokenEndpoint, { method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'password', username: 'admin', password: 'x', scope: 'system/Patient.rs' }) });
  assert.equal(res.status, 400);
  assert.equal((await res.json()).error, 'unsupported_grant_type');
});

test('every issuance and refusal is an audited login of the client', async () => {
  await new Promise((r) => setTimeout(r, 300));  // login events are written in batches
  const officer = srv.tokenFor({ role: 'privacy-officer', subject: 'po' });
  const logins = (await fhir(srv.base, 'GET',
    '/AuditEvent?type=http://dicom.nema.org/resources/ontology/DCM|110114&_count=500',
    { headers: bearer(officer) })).json;
  const byClient = logins.entry.map((e) => e.resource)
    .filter((e) => e.agent[0].who?.identifier?.value === CLIENT_ID);
  assert.ok(byClient.filter((e) => e.outcome === '0').length >= 2, 'issued tokens');
  assert.ok(byClient.filter((e) => e.outcome === '4').length >= 3, 'refused assertions');
  for (const e of byClient) assert.ok(!JSON.stringify(e).includes('eyJ'), 'no JWT in the audit trail');
});

// A client that publishes its key set at a URL (registered with --jwks-url): the server fetches
// it, accepts an assertion whose jku is that URL, and refuses any other jku (it never fetches a URL
// a token names).
test('a client registered with its JWK Set URL (jku)', async () => {
  const http = await import('node:http');
  const key = generateKeyPairSync('ec', { namedCurve: 'P-384' });
  const jwks = { keys: [{ ...key.publicKey.export({ format: 'jwk' }), kid: 'pub-1', alg: 'ES384', use: 'sig' }] };
  let fetched = 0;
  const server = http.createServer((req, res) => {
    fetched++;
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(jwks));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${server.address().port}/jwks.json`;
  try {
    const add = spawnSync(process.env.THROUGHCARE_BIN, ['client', 'add', '--data', srv.dir,
      '--client-id', 'published-keys', '--name', 'Published keys', '--jwks-url', url,
      '--scope', 'system/Patient.rs'], { encoding: 'utf8' });
    assert.equal(add.status, 0, add.stderr);
    const sign384 = (claims, header) => {
      const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
      return `${input}.${b64url(sign('sha384', Buffer.from(input), { key: key.privateKey, dsaEncoding: 'ieee-p1363' }))}`;
    };
    const claims = () => assertionClaims({ iss: 'published-keys', sub: 'published-keys' });
    const ok = await requestToken(sign384(claims(), { alg: 'ES384', typ: 'JWT', kid: 'pub-1', jku: url }),
      'system/Patient.rs');
    assert.equal(ok.status, 200, ok.text);
    assert.ok(fetched >= 1);
    const read = await fetch(`${srv.base}/Patient/${patientId}`, { headers: bearer(ok.json.access_token) });
    assert.equal(read.status, 200);
    // Without jku the registered URL is used too.
    const plain = await requestToken(sign384(claims(), { alg: 'ES384', typ: 'JWT', kid: 'pub-1' }),
      'system/Patient.rs');
    assert.equal(plain.status, 200, plain.text);
    // Any other jku is refused, and never fetched.
    const before = fetched;
    const evil = await requestToken(sign384(claims(),
      { alg: 'ES384', typ: 'JWT', kid: 'pub-1', jku: 'https://attacker.example/jwks.json' }), 'system/Patient.rs');
    assert.equal(evil.status, 401);
    assert.equal(evil.json.error, 'invalid_client');
    assert.equal(fetched, before);
    // A URL that is neither https nor loopback cannot be registered.
    const bad = spawnSync(process.env.THROUGHCARE_BIN, ['client', 'add', '--data', srv.dir,
      '--client-id', 'plain-http', '--name', 'Plain', '--jwks-url', 'http://keys.example/jwks.json',
      '--scope', 'system/Patient.rs'], { encoding: 'utf8' });
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /https/);
  } finally {
    server.close();
  }
});
