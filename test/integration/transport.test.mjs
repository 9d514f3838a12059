// Issue 4 "Transport": `serve --tls-cert --tls-key` speaks HTTPS only (a throwaway self-signed
// certificate from the openssl CLI, trusted by the client as its CA); every response carries the
// security headers (HSTS only over TLS); an unusable certificate stops the server at start; and
// request secrets (Authorization, Cookie, bodies) never reach the server's stdout or stderr.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../support/server.mjs';

const HOST = '127.0.0.1';
const CSP = "default-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'";
const HSTS = 'max-age=31536000; includeSubDomains';

let pki;  // { dir, cert, key, otherKey, ca }

function openssl(args) {
  const r = spawnSync('openssl', args, { encoding: 'utf8' });
  if (r.error) throw new Error(`openssl CLI not available (scripts/install-deps installs it): ${r.error.message}`);
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${r.stderr}`);
}

before(() => {
  const dir = mkdtempSync(join(tmpdir(), 'throughcare-tls-'));
  const cert = join(dir, 'c.pem');
  const key = join(dir, 'k.pem');
  const otherKey = join(dir, 'other-k.pem');
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-days', '1',
    '-keyout', key, '-out', cert]);
  openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', otherKey]);
  pki = { dir, cert, key, otherKey, ca: readFileSync(cert) };
});
after(() => { if (pki) rmSync(pki.dir, { recursive: true, force: true }); });

const tlsArgs = () => ['--tls-cert', pki.cert, '--tls-key', pki.key];

// One request on its own connection (no pooling): resolves { status, headers, raw, text,
// protocol } or rejects with the socket error; never hangs.
function request(mod, port, path, { method = 'GET', headers = {}, body, ...options } = {}) {
  return new Promise((resolve, reject) => {
    const req = mod.request({ host: HOST, port, path, method, headers, agent: false, ...options }, (res) => {
      const protocol = res.socket?.getProtocol?.() ?? null;
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, raw: res.rawHeaders, text, protocol }));
      res.on('error', reject);
    });
    req.setTimeout(20000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

// Writes `data` on a fresh connection and resolves with everything received until the server
// closes it (or 20 s pass).
function exchange(socket, data) {
  return new Promise((resolve) => {
    let received = '';
    const done = () => resolve(received);
    socket.setTimeout(20000, () => socket.destroy());
    socket.on('data', (d) => { received += d.toString('latin1'); });
    socket.on('error', done);
    socket.on('close', done);
    socket.write(data);
  });
}
const rawPlain = (port, data) => exchange(net.connect({ host: HOST, port }), data);
const rawTls = (port, data) => exchange(tls.connect({ host: HOST, port, ca: pki.ca }), data);

// The headers of a raw response ("HTTP/1.1 400 ...\r\nName: value\r\n...") as [name, value] pairs.
function rawHeaders(response) {
  const head = response.slice(0, response.indexOf('\r\n\r\n'));
  return head.split('\r\n').slice(1).map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]);
}

// Each security header exactly once, with its value; HSTS only over TLS; no version banner.
function assertSecurityHeaders(pairs, { tls: overTls }, what) {
  const values = (name) => pairs.filter(([n]) => n === name).map(([, v]) => v);
  const expected = {
    'content-security-policy': CSP,
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
  };
  for (const [name, value] of Object.entries(expected)) {
    assert.deepEqual(values(name), [value], `${what}: ${name}`);
  }
  assert.deepEqual(values('strict-transport-security'), overTls ? [HSTS] : [], `${what}: HSTS`);
  assert.deepEqual(values('server'), ['throughcare'], `${what}: Server`);
}
const pairsOf = (raw) => raw.reduce((acc, v, i) => (i % 2 ? acc : [...acc, [v.toLowerCase(), raw[i + 1]]]), []);

test('serve --tls-cert --tls-key: HTTPS only, every response with the security headers', async () => {
  const srv = await startServer({ args: tlsArgs() });
  try {
    assert.equal(srv.scheme, 'https');
    assert.equal(srv.base, `https://127.0.0.1:${srv.port}/fhir`);
    assert.match(srv.stdout(), new RegExp(`listening on https://127\\.0\\.0\\.1:${srv.port}\\b`));

    const health = await request(https, srv.port, '/healthz', { ca: pki.ca });
    assert.equal(health.status, 200);
    assert.deepEqual(JSON.parse(health.text), { status: 'ok' });
    assert.equal(health.protocol, 'TLSv1.3');
    assertSecurityHeaders(pairsOf(health.raw), { tls: true }, '/healthz');

    const meta = await request(https, srv.port, '/fhir/metadata', { ca: pki.ca });
    assert.equal(meta.status, 200);
    const capability = JSON.parse(meta.text);
    assert.equal(capability.resourceType, 'CapabilityStatement');
    assert.equal(capability.implementation.url, srv.base);  // The base URL defaults to https.
    assertSecurityHeaders(pairsOf(meta.raw), { tls: true }, '/fhir/metadata');

    const patients = await request(https, srv.port, '/fhir/Patient', { ca: pki.ca, headers: srv.auth() });
    assert.equal(patients.status, 200, patients.text);
    assert.equal(JSON.parse(patients.text).resourceType, 'Bundle');
    assertSecurityHeaders(pairsOf(patients.raw), { tls: true }, 'search');

    for (const [path, status, headers] of [['/fhir/Patient', 401, {}], ['/nope', 404, {}], ['/', 200, {}]]) {
      const r = await request(https, srv.port, path, { ca: pki.ca, headers });
      assert.equal(r.status, status, path);
      assertSecurityHeaders(pairsOf(r.raw), { tls: true }, path);
    }
    // Transport errors (rendered as OperationOutcomes) carry them too.
    for (const [raw, status] of [
      ['GET / HTTP/9.9\r\n\r\n', 400],
      ['POST /fhir/Patient HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999\r\n\r\n', 413],
    ]) {
      const response = await rawTls(srv.port, raw);
      assert.match(response, new RegExp(`^HTTP/1\\.1 ${status} `), raw);
      assertSecurityHeaders(rawHeaders(response), { tls: true }, `transport ${status}`);
      assert.match(response, /"resourceType":"OperationOutcome"/);
    }

    // TLS 1.2 is still accepted, with a forward-secret AEAD suite.
    const tls12 = await request(https, srv.port, '/healthz', { ca: pki.ca, maxVersion: 'TLSv1.2' });
    assert.equal(tls12.status, 200);
    assert.equal(tls12.protocol, 'TLSv1.2');

    // A client that does not trust the certificate refuses the server.
    await assert.rejects(request(https, srv.port, '/healthz', {}));

    // Plain HTTP to the TLS port gets no HTTP response at all...
    await assert.rejects(request(http, srv.port, '/healthz'));
    const plain = await rawPlain(srv.port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.ok(!plain.startsWith('HTTP/'), JSON.stringify(plain.slice(0, 80)));
    // ...and the server keeps serving.
    assert.equal((await request(https, srv.port, '/healthz', { ca: pki.ca })).status, 200);
  } finally {
    assert.equal(await srv.stop(), 0, srv.output());
    srv.cleanup();
  }
});

test('plain HTTP: the same security headers, without HSTS', async () => {
  const srv = await startServer();
  try {
    assert.equal(srv.scheme, 'http');
    for (const [path, status, headers] of [
      ['/healthz', 200, {}], ['/fhir/metadata', 200, {}], ['/fhir/Patient', 401, {}],
      ['/fhir/Patient', 200, srv.auth()], ['/nope', 404, {}], ['/', 200, {}],
    ]) {
      const r = await request(http, srv.port, path, { headers });
      assert.equal(r.status, status, path);
      assertSecurityHeaders(pairsOf(r.raw), { tls: false }, path);
    }
    const response = await rawPlain(srv.port, 'GET / HTTP/9.9\r\n\r\n');
    assert.match(response, /^HTTP\/1\.1 400 /);
    assertSecurityHeaders(rawHeaders(response), { tls: false }, 'transport 400');
  } finally {
    await srv.stop();
    srv.cleanup();
  }
});

test('an unusable certificate or key: one clear line, exit 1, never a plain-HTTP listener', () => {
  const dir = mkdtempSync(join(tmpdir(), 'throughcare-test-'));
  try {
    const cases = [
      [['--tls-cert', pki.cert, '--tls-key', pki.otherKey], /does not match the certificate/],
      [['--tls-cert', join(pki.dir, 'missing.pem'), '--tls-key', pki.key], /missing\.pem: No such file/],
      [['--tls-cert', pki.key, '--tls-key', pki.key], /contains no PEM certificate/],
      [['--tls-cert', pki.cert], /--tls-cert and --tls-key must be given together/],
    ];
    for (const [args, message] of cases) {
      const r = spawnSync(process.env.THROUGHCARE_BIN, ['serve', '--data', dir, '--port', '0', ...args],
        { encoding: 'utf8', timeout: 30000 });
      assert.equal(r.status, 1, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.doesNotMatch(r.stdout, /listening on/);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('request secrets (Authorization, Cookie, bodies) never appear in the server output', async () => {
  const TOKEN = 'secret-token-123';
  const BODY = 'secret-body-456';
  const COOKIE = 'secret-cookie-789';
  for (const args of [tlsArgs(), []]) {
    const srv = await startServer({ args });
    const overTls = args.length > 0;
    const mod = overTls ? https : http;
    const options = overTls ? { ca: pki.ca } : {};
    const raw = overTls ? rawTls : rawPlain;
    let exit;
    try {
      const secretHeaders = { Authorization: `Bearer ${TOKEN}`, Cookie: `session=${COOKIE}` };
      const body = JSON.stringify({ resourceType: 'Patient', note: BODY });
      const failing = [
        ['POST', '/fhir/Patient', secretHeaders, body],                       // bad token: 401
        ['POST', '/nope', secretHeaders, body],                               // 404
        ['PUT', `/fhir/Patient/${BODY}`, secretHeaders, BODY],                // 401, secret in path
        ['POST', '/fhir/Patient', { ...srv.auth(), Cookie: `session=${COOKIE}` },
          `{"resourceType":"Patient","birthDate":"${BODY}"}`],                // valid token, invalid body
        ['POST', '/fhir/Patient', { ...srv.auth(), 'Content-Type': 'application/fhir+json' }, BODY],
      ];
      for (const [method, path, headers, payload] of failing) {
        const r = await request(mod, srv.port, path, { ...options, method, headers: { 'Content-Type': 'application/fhir+json', ...headers }, body: payload });
        assert.ok(r.status >= 400, `${method} ${path}: ${r.status}`);
      }
      // Failures in the transport itself: a malformed request and an oversized one.
      const malformed = await raw(srv.port, `POST /fhir/Patient HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\n` +
        `Content-Length: 15\r\nContent-Length: 16\r\n\r\n${BODY}`);
      assert.match(malformed, /^HTTP\/1\.1 400 /);
      const huge = await raw(srv.port, `POST /fhir/Patient HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\n` +
        `Cookie: session=${COOKIE}\r\nContent-Length: 999999999\r\n\r\n${BODY}`);
      assert.match(huge, /^HTTP\/1\.1 413 /);
    } finally {
      exit = await srv.stop();
      srv.cleanup();
    }
    assert.equal(exit, 0, srv.output());
    const output = srv.stdout() + srv.output();
    assert.match(srv.stdout(), /listening on/);  // The capture works...
    for (const secret of [TOKEN, BODY, COOKIE]) {  // ...and holds none of the secrets.
      assert.ok(!output.includes(secret), `${secret} written by the server (${overTls ? 'https' : 'http'}):\n${output}`);
    }
  }
});
