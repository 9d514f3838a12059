// The FHIR REST API of a real server process (port 0, fresh embedded store), driven over HTTP.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startServer, fhir } from '../support/server.mjs';

// Announces a body larger than the limit and reads the answer (sent before any body byte).
function oversizeRequest(port, bytes) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1', () => {
      sock.write(`POST /fhir/Patient HTTP/1.1\r\nHost: x\r\nContent-Type: application/fhir+json\r\n` +
                 `Content-Length: ${bytes}\r\n\r\n`);
    });
    let data = '';
    sock.on('data', (d) => { data += d; });
    sock.on('close', () => resolve(data));
    sock.on('error', reject);
    setTimeout(() => { sock.destroy(); resolve(data); }, 5000);
  });
}

let srv;
before(async () => { srv = await startServer(); });
after(async () => { await srv.stop(); srv.cleanup(); });

const patient = (extra = {}) => ({
  resourceType: 'Patient',
  identifier: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9990000018' }],
  name: [{ family: 'Smith', given: ['Adam'] }],
  gender: 'male', birthDate: '1980-04-01', ...extra,
});

function assertOutcome(r, status) {
  assert.equal(r.status, status, r.text);
  assert.equal(r.json.resourceType, 'OperationOutcome', r.text);
  assert.ok(r.json.issue.length >= 1);
}

test('healthz and metadata', async () => {
  const h = await fetch(`http://127.0.0.1:${srv.port}/healthz`);
  assert.equal(h.status, 200);
  const m = await fhir(srv.base, 'GET', '/metadata');
  assert.equal(m.status, 200);
  assert.equal(m.json.resourceType, 'CapabilityStatement');
  assert.equal(m.json.fhirVersion, '4.0.1');
  const types = m.json.rest[0].resource.map((r) => r.type);
  assert.ok(types.includes('Patient') && types.includes('Observation'));
  assert.ok(types.length > 140);
  const pat = m.json.rest[0].resource.find((r) => r.type === 'Patient');
  assert.ok(pat.searchParam.some((p) => p.name === 'identifier'));
});

test('create, read, vread, update, delete, history with headers', async () => {
  const c = await fhir(srv.base, 'POST', '/Patient', { body: patient() });
  assert.equal(c.status, 201, c.text);
  const id = c.json.id;
  assert.match(c.headers.get('location'), new RegExp(`/fhir/Patient/${id}/_history/1$`));
  assert.equal(c.headers.get('etag'), 'W/"1"');
  assert.ok(c.headers.get('last-modified'));
  assert.equal(c.json.meta.versionId, '1');

  const r = await fhir(srv.base, 'GET', `/Patient/${id}`);
  assert.equal(r.status, 200);
  assert.equal(r.json.name[0].family, 'Smith');
  assert.equal(r.headers.get('etag'), 'W/"1"');

  const nm = await fhir(srv.base, 'GET', `/Patient/${id}`, { headers: { 'If-None-Match': 'W/"1"' } });
  assert.equal(nm.status, 304);
  const ims = await fhir(srv.base, 'GET', `/Patient/${id}`, { headers: { 'If-Modified-Since': r.headers.get('last-modified') } });
  assert.equal(ims.status, 304);

  const u = await fhir(srv.base, 'PUT', `/Patient/${id}`, { body: { ...r.json, active: true }, headers: { 'If-Match': 'W/"1"' } });
  assert.equal(u.status, 200, u.text);
  assert.equal(u.json.meta.versionId, '2');
  const stale = await fhir(srv.base, 'PUT', `/Patient/${id}`, { body: r.json, headers: { 'If-Match': 'W/"1"' } });
  assertOutcome(stale, 412);

  const v1 = await fhir(srv.base, 'GET', `/Patient/${id}/_history/1`);
  assert.equal(v1.status, 200);
  assert.equal(v1.json.active, undefined);

  const d = await fhir(srv.base, 'DELETE', `/Patient/${id}`);
  assert.equal(d.status, 200);
  assertOutcome(await fhir(srv.base, 'GET', `/Patient/${id}`), 410);

  const h = await fhir(srv.base, 'GET', `/Patient/${id}/_history`);
  assert.equal(h.json.type, 'history');
  assert.equal(h.json.total, 3);
  assert.equal(h.json.entry[0].request.method, 'DELETE');
  const th = await fhir(srv.base, 'GET', `/Patient/_history?_count=1`);
  assert.equal(th.json.entry.length, 1);
  assert.ok(th.json.link.some((l) => l.relation === 'next'));
  const sh = await fhir(srv.base, 'GET', `/_history?_since=2000-01-01`);
  assert.ok(sh.json.total >= 3);
});

test('update as create with client id; Prefer return', async () => {
  const u = await fhir(srv.base, 'PUT', '/Patient/client-id-1', { body: patient({ id: 'client-id-1' }) });
  assert.equal(u.status, 201, u.text);
  const min = await fhir(srv.base, 'POST', '/Patient', { body: patient(), headers: { Prefer: 'return=minimal' } });
  assert.equal(min.status, 201);
  assert.equal(min.text, '');
  assert.ok(min.headers.get('location'));
  const oo = await fhir(srv.base, 'POST', '/Patient', { body: patient(), headers: { Prefer: 'return=OperationOutcome' } });
  assert.equal(oo.status, 201);
  assert.equal(oo.json.resourceType, 'OperationOutcome');
});

test('search, _summary, _elements, paging', async () => {
  for (let i = 0; i < 3; i++) {
    await fhir(srv.base, 'POST', '/Patient', { body: patient({ name: [{ family: 'Paging', given: [`P${i}`] }], identifier: [{ system: 'urn:t', value: `v${i}` }] }) });
  }
  const s = await fhir(srv.base, 'GET', '/Patient?family=paging&_count=2');
  assert.equal(s.json.type, 'searchset');
  assert.equal(s.json.total, 3);
  assert.equal(s.json.entry.length, 2);
  const next = s.json.link.find((l) => l.relation === 'next');
  assert.ok(next);
  const page2 = await fetch(next.url, { headers: srv.auth() }).then((r) => r.json());
  assert.equal(page2.entry.length, 1);
  const byId = await fhir(srv.base, 'GET', `/Patient?_id=${s.json.entry[0].resource.id}`);
  assert.equal(byId.json.total, 1);
  const tok = await fhir(srv.base, 'GET', '/Patient?identifier=urn:t|v1');
  assert.equal(tok.json.total, 1);
  const post = await fhir(srv.base, 'POST', '/Patient/_search', { body: 'identifier=urn:t|v2', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
  assert.equal(post.json.total, 1);
  const count = await fhir(srv.base, 'GET', '/Patient?family=paging&_summary=count');
  assert.equal(count.json.total, 3);
  assert.equal(count.json.entry, undefined);
  assert.match(count.json.link[0].url, /_summary=count/);
  const el = await fhir(srv.base, 'GET', '/Patient?family=paging&_elements=name');
  const res = el.json.entry[0].resource;
  assert.ok(res.name && !res.identifier);
  assert.ok(res.meta.tag.some((t) => t.code === 'SUBSETTED'));
  const lenient = await fhir(srv.base, 'GET', '/Patient?nonsense=1');
  assert.equal(lenient.status, 200);
  assert.ok(lenient.json.entry.some((e) => e.search.mode === 'outcome'));
  assertOutcome(await fhir(srv.base, 'GET', '/Patient?nonsense=1', { headers: { Prefer: 'handling=strict' } }), 400);
});

test('XML in and out', async () => {
  const xml = '<Patient xmlns="http://hl7.org/fhir"><active value="true"/><name><family value="Xml"/><given value="Ann"/></name><gender value="female"/></Patient>';
  const c = await fhir(srv.base, 'POST', '/Patient?_format=xml', { body: xml, headers: { 'Content-Type': 'application/fhir+xml' }, raw: true });
  assert.equal(c.status, 201, c.text);
  assert.match(c.headers.get('content-type'), /application\/fhir\+xml/);
  assert.match(c.text, /<family value="Xml"\/>/);
  const id = c.text.match(/<id value="([^"]+)"\/>/)[1];
  const j = await fhir(srv.base, 'GET', `/Patient/${id}`);
  assert.equal(j.json.name[0].given[0], 'Ann');
  const x = await fhir(srv.base, 'GET', `/Patient/${id}`, { headers: { Accept: 'application/fhir+xml' }, raw: true });
  assert.match(x.text, /^<Patient xmlns="http:\/\/hl7.org\/fhir">/);
  const bad = await fhir(srv.base, 'POST', '/Patient', { body: '<Patient xmlns="http://hl7.org/fhir"><oops', headers: { 'Content-Type': 'application/fhir+xml' } });
  assertOutcome(bad, 400);
});

test('JSON Patch', async () => {
  const c = await fhir(srv.base, 'POST', '/Patient', { body: patient({ active: true }) });
  const p = await fhir(srv.base, 'PATCH', `/Patient/${c.json.id}`, {
    body: [{ op: 'replace', path: '/active', value: false }],
    headers: { 'Content-Type': 'application/json-patch+json' },
  });
  assert.equal(p.status, 200, p.text);
  assert.equal(p.json.active, false);
  assert.equal(p.json.meta.versionId, '2');
});

test('FHIR Patch (Parameters)', async () => {
  const c = await fhir(srv.base, 'POST', '/Patient', { body: patient({ active: true }) });
  const p = await fhir(srv.base, 'PATCH', `/Patient/${c.json.id}`, {
    body: { resourceType: 'Parameters', parameter: [{ name: 'operation', part: [
      { name: 'type', valueCode: 'replace' }, { name: 'path', valueString: 'Patient.active' },
      { name: 'value', valueBoolean: false }] }] },
  });
  assert.equal(p.status, 200, p.text);
  assert.equal(p.json.active, false);
  const bad = await fhir(srv.base, 'PATCH', `/Patient/${c.json.id}`, {
    body: { resourceType: 'Parameters', parameter: [{ name: 'operation', part: [
      { name: 'type', valueCode: 'replace' }, { name: 'path', valueString: 'Patient.deceased' },
      { name: 'value', valueBoolean: true }] }] },
  });
  assertOutcome(bad, 422);
  assert.equal((await fhir(srv.base, 'GET', `/Patient/${c.json.id}`)).json.meta.versionId, '2');
});

test('conditional create, update and delete', async () => {
  const body = patient({ identifier: [{ system: 'urn:cond', value: 'c1' }] });
  const a = await fhir(srv.base, 'POST', '/Patient', { body, headers: { 'If-None-Exist': 'identifier=urn:cond|c1' } });
  assert.equal(a.status, 201);
  const b = await fhir(srv.base, 'POST', '/Patient', { body, headers: { 'If-None-Exist': 'identifier=urn:cond|c1' } });
  assert.equal(b.status, 200);
  assert.equal(b.json.id, a.json.id);
  const u = await fhir(srv.base, 'PUT', '/Patient?identifier=urn:cond|c1', { body: { ...body, active: true } });
  assert.equal(u.status, 200, u.text);
  assert.equal(u.json.id, a.json.id);
  const d = await fhir(srv.base, 'DELETE', '/Patient?identifier=urn:cond|c1');
  assert.equal(d.status, 200);
  assertOutcome(await fhir(srv.base, 'GET', `/Patient/${a.json.id}`), 410);
});

test('transaction and batch bundles', async () => {
  const tx = await fhir(srv.base, 'POST', '', { body: {
    resourceType: 'Bundle', type: 'transaction', entry: [
      { fullUrl: 'urn:uuid:0b9f1d1e-95c9-4e5a-9a3b-000000000001', resource: patient({ identifier: [{ system: 'urn:tx', value: 't1' }] }), request: { method: 'POST', url: 'Patient' } },
      { resource: { resourceType: 'Observation', status: 'final', code: { text: 'Pulse' }, subject: { reference: 'urn:uuid:0b9f1d1e-95c9-4e5a-9a3b-000000000001' } }, request: { method: 'POST', url: 'Observation' } },
    ] } });
  assert.equal(tx.status, 200, tx.text);
  assert.equal(tx.json.type, 'transaction-response');
  const pid = tx.json.entry[0].resource.id;
  assert.equal(tx.json.entry[1].resource.subject.reference, `Patient/${pid}`);
  assert.equal(tx.json.entry[0].response.status, '201 Created');

  const failing = await fhir(srv.base, 'POST', '', { body: {
    resourceType: 'Bundle', type: 'transaction', entry: [
      { resource: patient({ identifier: [{ system: 'urn:tx', value: 'never' }] }), request: { method: 'POST', url: 'Patient' } },
      { resource: { resourceType: 'Patient', birthDate: 'not-a-date' }, request: { method: 'POST', url: 'Patient' } },
    ] } });
  assertOutcome(failing, 422);
  const none = await fhir(srv.base, 'GET', '/Patient?identifier=urn:tx|never');
  assert.equal(none.json.total, 0, 'a failed transaction writes nothing');

  const batch = await fhir(srv.base, 'POST', '', { body: {
    resourceType: 'Bundle', type: 'batch', entry: [
      { request: { method: 'GET', url: `Patient/${pid}` } },
      { request: { method: 'GET', url: 'Patient/missing-one' } },
    ] } });
  assert.equal(batch.status, 200);
  assert.equal(batch.json.entry[0].response.status, '200 OK');
  assert.equal(batch.json.entry[1].response.status, '404');
});

test('errors are OperationOutcomes with the right status and write nothing', async () => {
  const before = (await fhir(srv.base, 'GET', '/Patient?_summary=count')).json.total;
  assertOutcome(await fhir(srv.base, 'POST', '/Patient', { body: '{"resourceType":"Patient",' }), 400);
  assertOutcome(await fhir(srv.base, 'POST', '/Patient', { body: 'not json at all' }), 400);
  assertOutcome(await fhir(srv.base, 'POST', '/Patient', { body: { resourceType: 'Observation', status: 'final', code: { text: 'x' } } }), 400);
  assertOutcome(await fhir(srv.base, 'POST', '/Patient', { body: patient(), headers: { 'Content-Type': 'text/plain' } }), 415);
  const invalid = await fhir(srv.base, 'POST', '/Patient', { body: { resourceType: 'Patient', gender: 'robot', birthDate: '1980-02-30', foo: 1 } });
  assertOutcome(invalid, 422);
  assert.ok(invalid.json.issue.length >= 3, 'every problem is reported');
  assert.ok(invalid.json.issue.every((i) => i.expression && i.expression.length > 0));
  const xss = await fhir(srv.base, 'POST', '/Patient', { body: { resourceType: 'Patient', text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml"><script>alert(1)</script></div>' } } });
  assertOutcome(xss, 422);
  assertOutcome(await fhir(srv.base, 'GET', '/NotAType/1'), 404);
  assertOutcome(await fhir(srv.base, 'GET', '/Patient/does-not-exist'), 404);
  assertOutcome(await fhir(srv.base, 'DELETE', '/metadata'), 405);
  assertOutcome(await fhir(srv.base, 'PUT', '/Patient/abc', { body: patient({ id: 'xyz' }) }), 400);
  const big = await oversizeRequest(srv.port, 17 * 1024 * 1024);
  assert.match(big, /^HTTP\/1\.1 413 /);
  assert.match(big, /OperationOutcome/);
  const after = (await fhir(srv.base, 'GET', '/Patient?_summary=count')).json.total;
  assert.equal(after, before);
  const ok = await fhir(srv.base, 'GET', '/metadata');
  assert.equal(ok.status, 200, 'the server is still healthy');
});
