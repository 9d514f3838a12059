// Issue 4 over HTTP: every FHIR request needs a valid token; the policy decides every path
// (read, search, _include, chains, _has, history, $everything, transactions) by role,
// establishment and sealing; refused writes write nothing; everything is in the audit chain,
// which `throughcare audit verify` checks.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { startServer, fhir, mintToken } from '../support/server.mjs';

let srv;
let nurse;     // registered nurse at NFD
let atNfd;     // a patient held at NFD
let atWly;     // a patient held at WLY
const bearer = (t) => ({ Authorization: `Bearer ${t}` });
const ids = (b) => (b.entry ?? []).filter((e) => e.search?.mode !== 'outcome')
  .map((e) => `${e.resource.resourceType}/${e.resource.id}`);

before(async () => {
  srv = await startServer({ args: ['--demo-if-empty'] });
  nurse = srv.tokenFor({ role: 'registered-nurse', establishments: ['NFD'], subject: 'nurse.nfd' });
  const nfd = (await fhir(srv.base, 'GET', '/Patient?organization=Organization/est-NFD&_count=1')).json;
  const wly = (await fhir(srv.base, 'GET', '/Patient?organization=Organization/est-WLY&_count=1')).json;
  atNfd = nfd.entry[0].resource.id;
  atWly = wly.entry[0].resource.id;
});
after(async () => { await srv.stop(); srv.cleanup(); });

test('no token, a tampered, expired or foreign token: 401 with an OperationOutcome', async () => {
  const none = await fhir(srv.base, 'GET', '/Patient', { headers: { Authorization: null } });
  assert.equal(none.status, 401);
  assert.equal(none.json.resourceType, 'OperationOutcome');
  assert.match(none.headers.get('www-authenticate'), /^Bearer/);
  const [h, p, s] = nurse.split('.');
  const claims = JSON.parse(Buffer.from(p, 'base64url'));
  claims.tc_role = 'system';
  const forged = `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${s}`;
  assert.equal((await fhir(srv.base, 'GET', '/Patient', { headers: bearer(forged) })).status, 401);
  const other = await startServer();  // another instance: its own secret and audience
  try {
    assert.equal((await fhir(srv.base, 'GET', '/Patient', { headers: bearer(other.token) })).status, 401);
  } finally { await other.stop(); other.cleanup(); }
  const short = mintToken(srv.dir, { role: 'system', ttl: '1s' });
  await new Promise((r) => setTimeout(r, 7000));  // past the expiry and the 5 s leeway
  const expired = await fhir(srv.base, 'GET', '/Patient', { headers: bearer(short) });
  assert.equal(expired.status, 401);
  assert.match(expired.json.issue[0].diagnostics, /exp/);
  // The CapabilityStatement stays public, and says how to get a token and what AuditEvent offers.
  const cap = await fhir(srv.base, 'GET', '/metadata', { headers: { Authorization: null } });
  assert.equal(cap.status, 200);
  const security = cap.json.rest[0].security;
  assert.equal(security.service[0].coding[0].code, 'SMART-on-FHIR');
  assert.match(security.extension[0].extension[0].valueUri, /\/auth\/token$/);
  const audit = cap.json.rest[0].resource.find((r) => r.type === 'AuditEvent');
  assert.deepEqual(audit.interaction.map((i) => i.code), ['read', 'search-type']);
  assert.deepEqual(audit.searchParam.map((p) => p.name).sort(),
    ['_id', 'action', 'altid', 'date', 'outcome', 'patient', 'subtype', 'type']);
});

test('SMART scopes bound a system client', async () => {
  const patientsOnly = srv.tokenFor({ role: 'system', scope: 'system/Patient.rs' });
  assert.equal((await fhir(srv.base, 'GET', `/Patient/${atNfd}`, { headers: bearer(patientsOnly) })).status, 200);
  assert.equal((await fhir(srv.base, 'GET', '/Observation', { headers: bearer(patientsOnly) })).status, 403);
  const create = await fhir(srv.base, 'POST', '/Patient', { headers: bearer(patientsOnly),
    body: { resourceType: 'Patient', name: [{ family: 'Scoped' }] } });
  assert.equal(create.status, 403);
  assert.equal((await fhir(srv.base, 'GET', '/Patient?family=Scoped')).json.total, 0);
});

test('a nurse sees her establishment only, on every path', async () => {
  const h = { headers: bearer(nurse) };
  assert.equal((await fhir(srv.base, 'GET', `/Patient/${atNfd}`, h)).status, 200);
  const denied = await fhir(srv.base, 'GET', `/Patient/${atWly}`, h);
  assert.equal(denied.status, 403);
  assert.equal(denied.json.resourceType, 'OperationOutcome');
  // Search, _include, chains, _has: nothing of WLY comes back, and no total that would count it.
  const obs = (await fhir(srv.base, 'GET', `/Observation?subject=Patient/${atWly}`, h)).json;
  assert.deepEqual(ids(obs), []);
  assert.equal(obs.total, 0);  // the restriction is in the query: hidden resources are not counted
  const mine = (await fhir(srv.base, 'GET', `/Observation?subject=Patient/${atNfd}&_count=1`, h)).json;
  const all = (await fhir(srv.base, 'GET', `/Observation?subject=Patient/${atNfd}&_count=1`)).json;
  assert.equal(mine.total, all.total);
  const inc = (await fhir(srv.base, 'GET', `/EpisodeOfCare?_include=EpisodeOfCare:patient&_count=200`, h)).json;
  assert.ok(!ids(inc).includes(`Patient/${atWly}`));
  assert.ok(ids(inc).includes(`Patient/${atNfd}`));
  const wlyNhs = (await fhir(srv.base, 'GET', `/Patient/${atWly}`)).json.identifier[0].value;
  const chained = (await fhir(srv.base, 'GET', `/Encounter?subject.identifier=${wlyNhs}`, h)).json;
  assert.deepEqual(ids(chained), []);
  const has = (await fhir(srv.base, 'GET', `/Patient?_has:EpisodeOfCare:patient:organization=Organization/est-WLY`, h)).json;
  assert.deepEqual(ids(has), []);
  const history = await fhir(srv.base, 'GET', `/Patient/${atWly}/_history`, h);
  assert.deepEqual(ids(history.json), []);
  assert.equal((await fhir(srv.base, 'GET', `/Patient/${atWly}/$everything`, h)).status, 403);
  assert.equal((await fhir(srv.base, 'GET', `/Patient/${atNfd}/$everything`, h)).status, 200);
  // A transaction with one entry for a WLY patient: refused as a whole, nothing written.
  const tx = await fhir(srv.base, 'POST', '', { ...h, body: { resourceType: 'Bundle', type: 'transaction', entry: [
    { resource: { resourceType: 'Observation', status: 'final', code: { text: 'tx-probe' }, subject: { reference: `Patient/${atNfd}` } },
      request: { method: 'POST', url: 'Observation' } },
    { resource: { resourceType: 'Observation', status: 'final', code: { text: 'tx-probe' }, subject: { reference: `Patient/${atWly}` } },
      request: { method: 'POST', url: 'Observation' } }] } });
  assert.equal(tx.status, 403);
  assert.equal((await fhir(srv.base, 'GET', '/Observation?code:text=tx-probe')).json.total, 0);
  // An update of a WLY record: refused, version unchanged.
  const theirs = (await fhir(srv.base, 'GET', `/Patient/${atWly}`)).json;
  const upd = await fhir(srv.base, 'PUT', `/Patient/${atWly}`, { ...h, body: { ...theirs, active: false } });
  assert.equal(upd.status, 403);
  assert.equal((await fhir(srv.base, 'GET', `/Patient/${atWly}`)).json.meta.versionId, theirs.meta.versionId);
});

test('sealed entries need a reason; break-glass opens another establishment and alerts', async () => {
  // Writing a sealed entry is itself sealed access: it needs a reason, even for a system client.
  const sealed = (await fhir(srv.base, 'POST', '/Observation', {
    headers: { ...srv.auth(), 'X-Sealed-Access-Reason': 'results import' }, body: { resourceType: 'Observation',
    meta: { security: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'R' }] },
    status: 'final', code: { text: 'sexual health screen' }, subject: { reference: `Patient/${atNfd}` } } })).json;
  const h = { headers: bearer(nurse) };
  assert.equal((await fhir(srv.base, 'GET', `/Observation/${sealed.id}`, h)).status, 403);
  const listed = (await fhir(srv.base, 'GET', `/Observation?subject=Patient/${atNfd}&_count=200`, h)).json;
  assert.ok(!ids(listed).includes(`Observation/${sealed.id}`));
  const everything = (await fhir(srv.base, 'GET', `/Patient/${atNfd}/$everything?_count=500`, h)).json;
  assert.ok(!ids(everything).includes(`Observation/${sealed.id}`));
  // Not through _revinclude / _include, nor its history, nor counted.
  const rev = (await fhir(srv.base, 'GET', `/Patient?_id=${atNfd}&_revinclude=Observation:subject&_count=500`, h)).json;
  assert.ok(ids(rev).includes(`Patient/${atNfd}`));
  assert.ok(!JSON.stringify(rev).includes(sealed.id), 'the sealed entry is not included');
  const inc = (await fhir(srv.base, 'GET', `/Observation?_id=${sealed.id}&_include=Observation:subject`, h)).json;
  assert.deepEqual(ids(inc), []);
  assert.equal(inc.total, 0);
  const hist = await fhir(srv.base, 'GET', `/Observation/${sealed.id}/_history`, h);
  assert.deepEqual(ids(hist.json), []);
  assert.equal((await fhir(srv.base, 'GET', `/Observation/${sealed.id}/_history/1`, h)).status, 403);
  // Nor through a batch Bundle's read entries.
  const batch = await fhir(srv.base, 'POST', '', { ...h, body: { resourceType: 'Bundle', type: 'batch', entry: [
    { request: { method: 'GET', url: `Observation/${sealed.id}` } },
    { request: { method: 'GET', url: `Observation?_id=${sealed.id}` } }] } });
  assert.equal(batch.status, 200);
  assert.match(batch.json.entry[0].response.status, /^403/);
  assert.deepEqual(batch.json.entry[1].resource.entry ?? [], []);
  const opened = await fhir(srv.base, 'GET', `/Observation/${sealed.id}`, { headers: {
    ...bearer(nurse), 'X-Sealed-Access-Reason': 'discussing results with the patient' } });
  assert.equal(opened.status, 200);
  const glass = await fhir(srv.base, 'GET', `/Patient/${atWly}`, { headers: {
    ...bearer(nurse), 'X-Break-Glass-Reason': 'collapsed at court, no other record available' } });
  assert.equal(glass.status, 200);
});

test('the audit trail: who looked at a patient, denials, append-only and verifiable', async () => {
  await new Promise((r) => setTimeout(r, 300));  // read events are written in batches
  const officer = srv.tokenFor({ role: 'privacy-officer', subject: 'po' });
  const who = (await fhir(srv.base, 'GET', `/AuditEvent?patient=Patient/${atWly}&_count=200`, { headers: bearer(officer) })).json;
  const agents = who.entry.map((e) => e.resource.agent[0].who?.identifier?.value);
  assert.ok(agents.includes('nurse.nfd'), 'the break-glass read by the nurse is recorded');
  const alerts = (await fhir(srv.base, 'GET', '/AuditEvent?type=http://dicom.nema.org/resources/ontology/DCM|110113', { headers: bearer(officer) })).json;
  assert.ok(alerts.entry.length >= 1);
  const denials = (await fhir(srv.base, 'GET', '/AuditEvent?outcome=4&_count=200', { headers: bearer(officer) })).json;
  assert.ok(denials.entry.length >= 3);
  // Nurses cannot read the audit trail; nobody can write it.
  assert.equal((await fhir(srv.base, 'GET', '/AuditEvent', { headers: bearer(nurse) })).status, 403);
  const any = who.entry[0].resource;
  assert.equal((await fhir(srv.base, 'PUT', `/AuditEvent/${any.id}`, { body: { ...any, outcome: '0' } })).status, 403);
  assert.equal((await fhir(srv.base, 'DELETE', `/AuditEvent/${any.id}`)).status, 403);
  assert.equal((await fhir(srv.base, 'POST', '/AuditEvent', { body: any })).status, 403);
  const verify = spawnSync(process.env.THROUGHCARE_BIN, ['audit', 'verify', '--data', srv.dir], { encoding: 'utf8' });
  assert.equal(verify.status, 0, verify.stderr);
  assert.match(verify.stdout, /chain intact/);
});

// Bulk Data export ($export) through the same policy: who may export, only what they may see.
async function runExport(base, token, path = '/Patient/$export?_type=Patient,Observation') {
  const kick = await fhir(base, 'GET', path, { headers: { ...bearer(token), Prefer: 'respond-async' } });
  if (kick.status !== 202) return { kick };
  const status = new URL(kick.headers.get('content-location'));
  for (let i = 0; i < 200; i++) {
    const r = await fhir(status.href, 'GET', '', { headers: bearer(token) });
    if (r.status === 200) {
      const files = {};
      for (const o of r.json.output) {
        const f = await fetch(o.url, { headers: bearer(token) });
        files[o.type] = (await f.text()).trim().split('\n').map((l) => JSON.parse(l));
      }
      return { kick, status, manifest: r.json, files };
    }
    assert.equal(r.status, 202);
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error('export did not finish');
}

test('bulk export: only roles that may export, only the patients and entries they may see', async () => {
  assert.equal((await fhir(srv.base, 'GET', '/Patient/$export', { headers: bearer(nurse) })).status, 403);
  const noAsync = await fhir(srv.base, 'GET', '/Patient/$export', { headers: bearer(srv.token) });
  assert.equal(noAsync.status, 400);
  const lead = srv.tokenFor({ role: 'clinical-lead', establishments: ['NFD'], subject: 'lead.nfd' });
  const mine = await runExport(srv.base, lead);
  assert.equal(mine.kick.status, 202);
  const patients = mine.files.Patient.map((p) => p.id);
  assert.ok(patients.includes(atNfd));
  assert.ok(!patients.includes(atWly), 'no patient of another establishment');
  for (const o of mine.files.Observation ?? []) {
    assert.ok(!JSON.stringify(o.meta ?? {}).includes('v3-Confidentiality'), 'no sealed entry');
  }
  // The job and its files belong to its requester only.
  assert.equal((await fhir(mine.status.href, 'GET', '', { headers: bearer(srv.token) })).status, 404);
  const file = mine.manifest.output[0].url;
  assert.equal((await fetch(file, { headers: bearer(srv.token) })).status, 404);
  // A system client exports everyone (still no sealed entries without a reason).
  const all = await runExport(srv.base, srv.token);
  assert.ok(all.files.Patient.map((p) => p.id).includes(atWly));
  assert.ok(all.files.Patient.length > patients.length);
  await new Promise((r) => setTimeout(r, 300));
  const officer = srv.tokenFor({ role: 'privacy-officer', subject: 'po2' });
  const audit = (await fhir(srv.base, 'GET', '/AuditEvent?altid=lead.nfd', { headers: bearer(officer) })).json;
  assert.ok(audit.entry.some((e) => (e.resource.entity ?? []).some((en) => en.what?.reference === `Patient/${atNfd}`)),
    'the export is audited with the patients it holds');
});
