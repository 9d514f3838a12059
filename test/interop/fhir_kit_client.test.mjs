// Interoperability: the running server driven by a third-party FHIR client (fhir-kit-client, npm).
// Every call asserts the HTTP status and the body.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import Client from 'fhir-kit-client';
import { startServer } from '../support/server.mjs';

let srv;
let client;
before(async () => {
  srv = await startServer();
  client = new Client({ baseUrl: srv.base, bearerToken: srv.token });
});
after(async () => { await srv.stop(); srv.cleanup(); });

test('capability statement', async () => {
  const cs = await client.capabilityStatement();
  assert.equal(cs.resourceType, 'CapabilityStatement');
  assert.equal(cs.fhirVersion, '4.0.1');
  assert.equal(Client.httpFor(cs).response.status, 200);
});

test('create, read, vread, update, patch, delete, history, search', async () => {
  const created = await client.create({ resourceType: 'Patient', body: { resourceType: 'Patient', name: [{ family: 'Kit', given: ['Client'] }], active: true } });
  assert.equal(created.resourceType, 'Patient');
  assert.ok(created.id);
  const id = created.id;
  assert.equal(Client.httpFor(created).response.status, 201);

  const read = await client.read({ resourceType: 'Patient', id });
  assert.equal(read.name[0].family, 'Kit');
  assert.equal(Client.httpFor(read).response.status, 200);

  const v1 = await client.vread({ resourceType: 'Patient', id, version: '1' });
  assert.equal(v1.meta.versionId, '1');
  assert.equal(Client.httpFor(v1).response.status, 200);

  const updated = await client.update({ resourceType: 'Patient', id, body: { ...read, active: false } });
  assert.equal(updated.meta.versionId, '2');
  assert.equal(updated.active, false);
  assert.equal(Client.httpFor(updated).response.status, 200);

  const patched = await client.patch({ resourceType: 'Patient', id, JSONPatch: [{ op: 'replace', path: '/active', value: true }] });
  assert.equal(patched.meta.versionId, '3');
  assert.equal(patched.active, true);
  assert.equal(Client.httpFor(patched).response.status, 200);

  const history = await client.history({ resourceType: 'Patient', id });
  assert.equal(history.type, 'history');
  assert.equal(history.total, 3);
  assert.equal(Client.httpFor(history).response.status, 200);

  const byId = await client.search({ resourceType: 'Patient', searchParams: { _id: id } });
  assert.equal(byId.type, 'searchset');
  assert.equal(byId.total, 1);
  assert.equal(byId.entry[0].resource.id, id);
  assert.equal(Client.httpFor(byId).response.status, 200);

  const deleted = await client.delete({ resourceType: 'Patient', id });
  assert.equal(deleted.resourceType, 'OperationOutcome');
  assert.equal(Client.httpFor(deleted).response.status, 200);
  await assert.rejects(client.read({ resourceType: 'Patient', id }), (err) => {
    assert.equal(err.response.status, 410);
    assert.equal(err.response.data.resourceType, 'OperationOutcome');
    return true;
  });
});

test('conditional create', async () => {
  const body = { resourceType: 'Patient', identifier: [{ system: 'urn:kit', value: 'once' }] };
  const first = await client.create({ resourceType: 'Patient', body, options: { headers: { 'If-None-Exist': 'identifier=urn:kit|once' } } });
  assert.equal(Client.httpFor(first).response.status, 201);
  const second = await client.create({ resourceType: 'Patient', body, options: { headers: { 'If-None-Exist': 'identifier=urn:kit|once' } } });
  assert.equal(Client.httpFor(second).response.status, 200);
  assert.equal(second.id, first.id);
});

test('batch and transaction', async () => {
  const tx = await client.transaction({ body: {
    resourceType: 'Bundle', type: 'transaction', entry: [
      { fullUrl: 'urn:uuid:5f0c3b9e-8a44-4b8e-9a3e-111111111111', resource: { resourceType: 'Patient', active: true }, request: { method: 'POST', url: 'Patient' } },
      { resource: { resourceType: 'Observation', status: 'final', code: { text: 'BP' }, subject: { reference: 'urn:uuid:5f0c3b9e-8a44-4b8e-9a3e-111111111111' } }, request: { method: 'POST', url: 'Observation' } },
    ] } });
  assert.equal(Client.httpFor(tx).response.status, 200);
  assert.equal(tx.type, 'transaction-response');
  assert.equal(tx.entry.length, 2);
  assert.equal(tx.entry[1].resource.subject.reference, `Patient/${tx.entry[0].resource.id}`);

  const batch = await client.batch({ body: {
    resourceType: 'Bundle', type: 'batch', entry: [
      { request: { method: 'GET', url: `Patient/${tx.entry[0].resource.id}` } },
      { resource: { resourceType: 'Patient', active: false }, request: { method: 'POST', url: 'Patient' } },
    ] } });
  assert.equal(Client.httpFor(batch).response.status, 200);
  assert.equal(batch.type, 'batch-response');
  assert.equal(batch.entry[0].response.status, '200 OK');
  assert.equal(batch.entry[1].response.status, '201 Created');
});
