// Process-level guarantees: graceful shutdown on SIGTERM, and nothing acknowledged is lost on
// kill -9.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, fhir } from '../support/server.mjs';

test('SIGTERM finishes in-flight requests and exits cleanly', async () => {
  const srv = await startServer();
  try {
    // A burst of writes in flight while the signal arrives: every request gets a full answer.
    const writes = [];
    for (let i = 0; i < 50; i++) {
      writes.push(fhir(srv.base, 'POST', '/Patient', { body: { resourceType: 'Patient', active: true } }).catch((e) => e));
    }
    await new Promise((r) => setTimeout(r, 5));
    const exit = srv.stop('SIGTERM');
    const results = await Promise.all(writes);
    const answered = results.filter((r) => r && r.status);
    for (const r of answered) assert.ok([201, 503].includes(r.status), `status ${r.status}`);
    assert.equal(await exit, 0, srv.output());
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
