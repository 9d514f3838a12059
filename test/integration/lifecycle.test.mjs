// Process-level guarantees: graceful shutdown on SIGTERM, and nothing acknowledged is lost on
// kill -9.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startServer, fhir } from '../support/server.mjs';

// One POST on its own connection (node:http, no pooling): resolves {status, body} or rejects with
// the socket error, never hangs.
function post(port, path, body, token) {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body);
    const req = http.request({ host: '127.0.0.1', port, path, method: 'POST', agent: false,
      headers: { 'Content-Type': 'application/fhir+json', 'Content-Length': Buffer.byteLength(data),
        Authorization: `Bearer ${token}` } },
    (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode, text }));
      res.on('error', reject);
    });
    req.setTimeout(20000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(data);
  });
}

test('SIGTERM finishes in-flight requests and exits cleanly', async () => {
  const srv = await startServer();
  try {
    // A burst of writes in flight while the signal arrives: every request gets a full answer.
    // Every request either gets a complete, well-formed answer or is refused at connect time;
    // none is cut off half-way.
    // Eight clients write continuously; SIGTERM arrives while they are busy.
    const results = [];
    let stopped = false;
    const clients = Array.from({ length: 8 }, async () => {
      for (;;) {
        const r = await post(srv.port, '/fhir/Patient', { resourceType: 'Patient', active: true }, srv.token).catch((e) => e);
        results.push(r);
        if (!(r && r.status) && stopped) return;
        if (results.length > 5000) return;
      }
    });
    await new Promise((r) => setTimeout(r, 400));
    stopped = true;
    const exit = srv.stop('SIGTERM');
    await Promise.all(clients);
    const answered = results.filter((r) => r && r.status);
    assert.ok(answered.length >= 1, 'some requests were in flight');
    for (const r of answered) {
      assert.equal(r.status, 201, r.text);
      assert.equal(JSON.parse(r.text).resourceType, 'Patient');
    }
    const refused = results.filter((r) => !(r && r.status));
    for (const e of refused) {
      assert.ok(['ECONNREFUSED', 'ECONNRESET', 'EPIPE'].includes(e.code),
                `unexpected failure ${e.code ?? e} (${answered.length} answered)`);
    }
    assert.equal(await exit, 0, srv.output());
    // Every acknowledged create is really there after a restart.
    const again = await startServer({ dataDir: srv.dir });
    try {
      const n = (await fhir(again.base, 'GET', '/Patient?_summary=count')).json.total;
      assert.equal(n, answered.length,
                   `stored ${n}, acknowledged ${answered.length}, refused ${refused.length}: ` +
                   refused.map((e) => e.code).join(','));
    } finally {
      await again.stop();
    }
  } finally {
    srv.cleanup();
  }
});

test('acknowledged writes survive kill -9', async () => {
  const srv = await startServer();
  const ids = [];
  try {
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) =>
      fhir(srv.base, 'POST', '/Patient', { body: { resourceType: 'Patient', identifier: [{ system: 'urn:k9', value: String(i) }] } })));
    for (const r of results) { assert.equal(r.status, 201); ids.push(r.json.id); }
    await srv.stop('SIGKILL');
    const again = await startServer({ dataDir: srv.dir });
    try {
      for (const id of ids) {
        const r = await fhir(again.base, 'GET', `/Patient/${id}`);
        assert.equal(r.status, 200, `Patient/${id} lost after kill -9`);
      }
    } finally {
      await again.stop();
    }
  } finally {
    srv.cleanup();
  }
});

test('demo data loads on first start only', async () => {
  const srv = await startServer({ args: ['--demo-if-empty'] });
  try {
    const n = (await fhir(srv.base, 'GET', '/Patient?_summary=count')).json.total;
    assert.equal(n, 50);
    const orgs = (await fhir(srv.base, 'GET', '/Organization?_summary=count')).json.total;
    assert.ok(orgs >= 4);
    await srv.stop();
    const again = await startServer({ dataDir: srv.dir, args: ['--demo-if-empty'] });
    try {
      assert.equal((await fhir(again.base, 'GET', '/Patient?_summary=count')).json.total, 50);
    } finally {
      await again.stop();
    }
  } finally {
    srv.cleanup();
  }
});
