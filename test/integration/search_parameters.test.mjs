// Search over the real server: a deployment's own SearchParameter (added at run time, existing
// data reindexed online with visible progress, and the CLI reindex), chains, _has, _include,
// keyset paging and $everything, and bad input answered with 400 OperationOutcomes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { startServer, fhir } from '../support/server.mjs';

const strict = { headers: { Prefer: 'handling=strict' } };

function ids(bundle) {
  return (bundle.entry ?? []).filter((e) => e.search?.mode !== 'outcome')
    .map((e) => `${e.resource.resourceType}/${e.resource.id}`).sort();
}

// $reindex is configuration: it needs a system administrator's token.
const adminTokens = new Map();
function admin(srv) {
  if (!adminTokens.has(srv.dir)) adminTokens.set(srv.dir, srv.tokenFor({ role: 'system-admin' }));
  return { Authorization: `Bearer ${adminTokens.get(srv.dir)}` };
}

async function waitForReindex(srv) {
  const base = srv.base;
  for (let i = 0; i < 200; i++) {
    const r = await fhir(base, 'GET', '/$reindex', { headers: admin(srv) });
    const status = r.json.parameter.find((p) => p.name === 'status').valueCode;
    if (status === 'complete') return r.json;
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error('reindex did not complete');
}

const nicknameParam = {
  resourceType: 'SearchParameter', url: 'https://example.org/fhir/SearchParameter/nickname',
  name: 'nickname', status: 'active', description: 'A nickname the patient is known by',
  code: 'nickname', base: ['Patient'], type: 'string',
  expression: "Patient.name.where(use = 'nickname').given",
};

test('a SearchParameter added at run time indexes existing and new data', async () => {
  const s = await startServer();
  try {
    const p = (await fhir(s.base, 'POST', '/Patient', {
      body: { resourceType: 'Patient', name: [{ family: 'Jones' }, { use: 'nickname', given: ['Bobby'] }] },
    })).json;
    // Unknown before it exists: a 400 when strict.
    assert.equal((await fhir(s.base, 'GET', '/Patient?nickname=bob', strict)).status, 400);
    // One that does not compile is refused, and nothing changes.
    const bad = await fhir(s.base, 'POST', '/SearchParameter', {
      body: { ...nicknameParam, expression: 'Patient.name.where(' },
    });
    assert.equal(bad.status, 422);
    assert.equal(bad.json.resourceType, 'OperationOutcome');
    assert.equal((await fhir(s.base, 'POST', '/SearchParameter', { body: nicknameParam })).status, 201);
    const done = await waitForReindex(s);
    assert.ok(done.parameter.find((x) => x.name === 'total').valueInteger >= 2);
    const found = await fhir(s.base, 'GET', '/Patient?nickname=bob', strict);
    assert.equal(found.status, 200);
    assert.deepEqual(ids(found.json), [`Patient/${p.id}`]);
    // New writes are indexed with it at once.
    const q = (await fhir(s.base, 'POST', '/Patient', {
      body: { resourceType: 'Patient', name: [{ use: 'nickname', given: ['Bobbie'] }] },
    })).json;
    assert.deepEqual(ids((await fhir(s.base, 'GET', '/Patient?nickname=bobbi')).json), [`Patient/${q.id}`]);
    // It is in the CapabilityStatement.
    const cap = (await fhir(s.base, 'GET', '/metadata')).json;
    const patient = cap.rest[0].resource.find((r) => r.type === 'Patient');
    assert.ok(patient.searchParam.some((sp) => sp.name === 'nickname'));
    // A full reindex on request, with its progress visible.
    const started = await fhir(s.base, 'POST', '/$reindex', { headers: admin(s) });
    assert.equal(started.status, 202);
    await waitForReindex(s);
    assert.deepEqual(ids((await fhir(s.base, 'GET', '/Patient?nickname=bobby')).json), [`Patient/${p.id}`]);
  } finally {
    await s.stop();
  }
  // The CLI reindexes a stopped server's data in the foreground.
  const cli = spawnSync(process.env.THROUGHCARE_BIN, ['reindex', '--data', s.dir, '--all'], { encoding: 'utf8' });
  assert.equal(cli.status, 0, cli.stderr);
  assert.match(cli.stdout, /\(complete\)/);
  const again = await startServer({ dataDir: s.dir });
  try {
    assert.equal(ids((await fhir(again.base, 'GET', '/Patient?nickname=bob')).json).length, 2);
  } finally {
    await again.stop();
    again.cleanup();
  }
});

test('chains, _has, _include, paging and $everything over one patient record', async () => {
  const s = await startServer();
  try {
    const org = (await fhir(s.base, 'POST', '/Organization', { body: { resourceType: 'Organization', name: 'HMP Example' } })).json;
    const pat = (await fhir(s.base, 'POST', '/Patient', {
      body: { resourceType: 'Patient', identifier: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9434765919' }],
        name: [{ family: 'Smith' }], birthDate: '1980-05-01', managingOrganization: { reference: `Organization/${org.id}` } },
    })).json;
    const obs = [];
    for (let i = 0; i < 5; i++) {
      obs.push((await fhir(s.base, 'POST', '/Observation', {
        body: { resourceType: 'Observation', status: 'final',
          code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }] },
          subject: { reference: `Patient/${pat.id}` }, effectiveDateTime: `2026-11-0${i + 1}T10:00:00Z`,
          valueQuantity: { value: 60 + i * 10, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' } },
      })).json);
    }
    const get = async (q) => (await fhir(s.base, 'GET', q, strict));
    assert.equal((await get('/Observation?subject.identifier=https://fhir.nhs.uk/Id/nhs-number|9434765919&_summary=count')).json.total, 5);
    assert.equal((await get('/Observation?subject:Patient.organization.name=hmp&_summary=count')).json.total, 5);
    assert.deepEqual(ids((await get('/Patient?_has:Observation:subject:value-quantity=gt95')).json), [`Patient/${pat.id}`]);
    assert.equal((await get('/Patient?_has:Observation:subject:value-quantity=gt200&_summary=count')).json.total, 0);
    // With a more selective criterion driving, _has is tested per candidate: same answers.
    const orgRef = `organization=Organization/${org.id}`;
    assert.deepEqual(ids((await get(`/Patient?_has:Observation:subject:value-quantity=gt95&${orgRef}`)).json), [`Patient/${pat.id}`]);
    assert.equal((await get(`/Patient?_has:Observation:subject:value-quantity=gt200&${orgRef}&_summary=count`)).json.total, 0);
    assert.equal((await get(`/Patient?_has:Observation:subject:code:not=8867-4&${orgRef}&_summary=count`)).json.total, 0);
    // UCUM units compare in base units: 60..100 /min is 1..1.67 /s.
    const perSecond = (await get('/Observation?value-quantity=gt1.5|http://unitsofmeasure.org|/s')).json;
    assert.deepEqual(perSecond.entry.map((e) => e.resource.valueQuantity.value), [100]);
    const inc = (await get(`/Observation?subject=Patient/${pat.id}&_include=Observation:subject&_count=2`)).json;
    assert.deepEqual(inc.entry.map((e) => e.search.mode), ['match', 'match', 'include']);
    // Keyset paging, newest first: every Observation once, in order, even with an insert between pages.
    let page = (await get('/Observation?_sort=-date&_count=2')).json;
    const seen = page.entry.map((e) => e.resource.effectiveDateTime);
    await fhir(s.base, 'POST', '/Observation', { body: { resourceType: 'Observation', status: 'final',
      code: { text: 'late' }, effectiveDateTime: '2026-12-31T00:00:00Z' } });
    while (page.link.find((l) => l.relation === 'next')) {
      const next = page.link.find((l) => l.relation === 'next').url;
      page = (await fhir(next, 'GET', '')).json;
      seen.push(...page.entry.map((e) => e.resource.effectiveDateTime));
    }
    assert.deepEqual(seen, obs.map((o) => o.effectiveDateTime).reverse());
    const prev = page.link.find((l) => l.relation === 'previous');
    assert.ok(prev, 'a later page links back');
    const back = (await fhir(prev.url, 'GET', '')).json;
    assert.deepEqual(back.entry.map((e) => e.resource.effectiveDateTime), seen.slice(-3, -1));
    // $everything: the patient and its compartment; _type narrows it.
    const all = (await get(`/Patient/${pat.id}/$everything`)).json;
    assert.deepEqual(ids(all), [`Patient/${pat.id}`, ...obs.map((o) => `Observation/${o.id}`)].sort());
    assert.equal(ids((await get(`/Patient/${pat.id}/$everything?_type=Observation`)).json).length, 5);
    assert.equal((await get(`/Patient/${pat.id}/Observation?_summary=count`)).json.total, 5);
  } finally {
    await s.stop();
    s.cleanup();
  }
});

test('bad search input is a 400 OperationOutcome', async () => {
  const s = await startServer();
  try {
    const cases = [
      '/Patient?birthdate=1980-13-01', '/Patient?birthdate=xx1980', '/Observation?value-quantity=abc',
      '/Patient?gender.name=x', '/Patient?_count=-1', '/Patient?_cursor=garbage',
      `/Patient?_id=${Array.from({ length: 10000 }, (_, i) => `p${i}`).join(',')}`,
      '/Observation?subject.organization.partof.partof.partof.partof.name=x',
      "/Patient?name:exact=' OR 1=1 --", // not an error: must simply match nothing
    ];
    for (const q of cases.slice(0, -1)) {
      const r = await fhir(s.base, 'GET', q);
      assert.equal(r.status, 400, q);
      assert.equal(r.json.resourceType, 'OperationOutcome', q);
    }
    const sql = await fhir(s.base, 'GET', cases.at(-1));
    assert.equal(sql.status, 200);
    assert.equal(sql.json.total, 0);
    assert.equal((await fhir(s.base, 'GET', '/Patient?unknown-param=1', strict)).status, 400);
    const lenient = (await fhir(s.base, 'GET', '/Patient?unknown-param=1')).json;
    assert.ok(lenient.entry.some((e) => e.search.mode === 'outcome'));
  } finally {
    await s.stop();
    s.cleanup();
  }
});
