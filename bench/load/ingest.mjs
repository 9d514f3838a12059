// Transaction-bundle ingest: N bundles of M resources (Patient + Observations referencing it by
// urn:uuid), C concurrent clients. Prints resources/s.
// Usage: node ingest.mjs BASE_URL BUNDLES RESOURCES_PER_BUNDLE CONCURRENCY
const [base, bundles = '200', per = '100', conc = '8'] = process.argv.slice(2);
const nB = Number(bundles), nR = Number(per), nC = Number(conc);

function bundle(i) {
  const entry = [{
    fullUrl: `urn:uuid:00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    resource: { resourceType: 'Patient', identifier: [{ system: 'urn:bench', value: `p${i}` }], name: [{ family: `Ingest${i}` }] },
    request: { method: 'POST', url: 'Patient' },
  }];
  for (let j = 1; j < nR; j++) {
    entry.push({
      resource: {
        resourceType: 'Observation', status: 'final',
        code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }] },
        subject: { reference: entry[0].fullUrl },
        effectiveDateTime: '2026-11-25T10:00:00Z',
        valueQuantity: { value: 60 + (j % 40), unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
      },
      request: { method: 'POST', url: 'Observation' },
    });
  }
  return JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry });
}

const bodies = Array.from({ length: nB }, (_, i) => bundle(i));
let next = 0, failed = 0;
const t0 = process.hrtime.bigint();
await Promise.all(Array.from({ length: nC }, async () => {
  while (next < nB) {
    const i = next++;
    const r = await fetch(base, { method: 'POST', headers: { 'Content-Type': 'application/fhir+json' }, body: bodies[i] });
    await r.arrayBuffer();
    if (r.status !== 200) failed++;
  }
}));
const secs = Number(process.hrtime.bigint() - t0) / 1e9;
const total = nB * nR;
console.log(`ingest: ${total} resources in ${nB} transaction bundles, ${secs.toFixed(2)} s, ` +
            `${Math.round(total / secs)} resources/s, failed bundles: ${failed}`);
