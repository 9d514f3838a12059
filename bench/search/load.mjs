// Loads the synthetic population (population.mjs) through transaction Bundles: first the shared
// reference data (one Bundle of PUTs), then one Bundle per patient (~100 resources, POSTs linked
// by urn:uuid), CONC concurrent keep-alive connections, generated as it goes (constant memory).
// Prints one JSON line: resources, seconds, resources/s, failed bundles, client CPU seconds.
// Usage: node load.mjs BASE_URL PATIENTS [CONC=8] [SEED=42] [FROM=0]
import { sharedBundle, patientBundle, SHARED_RESOURCES, MAX_PATIENTS } from './population.mjs';

const [base, patientsArg, concArg = '8', seedArg = '42', fromArg = '0'] = process.argv.slice(2);
if (!base || !patientsArg) {
  console.error('usage: node load.mjs BASE_URL PATIENTS [CONC] [SEED] [FROM]');
  process.exit(2);
}
const patients = Number(patientsArg), conc = Number(concArg), seed = Number(seedArg), from = Number(fromArg);
if (patients > MAX_PATIENTS) throw new Error(`at most ${MAX_PATIENTS} patients`);

async function post(bundle) {
  const body = JSON.stringify(bundle);
  const r = await fetch(base, { method: 'POST', headers: { 'Content-Type': 'application/fhir+json' }, body });
  const text = await r.text();
  if (r.status !== 200) return { ok: false, error: `${r.status} ${text.slice(0, 400)}`, bytes: body.length };
  return { ok: true, bytes: body.length };
}

const cpu0 = process.cpuUsage();
const t0 = process.hrtime.bigint();
let resources = 0, bytes = 0, failed = 0, firstError = null;
if (from === 0) {
  const s = await post(sharedBundle());
  if (!s.ok) { console.error(`shared bundle failed: ${s.error}`); process.exit(1); }
  resources += SHARED_RESOURCES;
}
let next = from, done = 0, lastReport = Date.now();
await Promise.all(Array.from({ length: conc }, async () => {
  while (next < patients) {
    const i = next++;
    const b = patientBundle(seed, i);
    const res = await post(b);
    bytes += res.bytes;
    if (res.ok) resources += b.entry.length;
    else { failed++; firstError ??= `patient ${i}: ${res.error}`; }
    done++;
    if (Date.now() - lastReport > 10000) {
      lastReport = Date.now();
      const s = Number(process.hrtime.bigint() - t0) / 1e9;
      console.error(`  ${done}/${patients - from} patients, ${resources} resources, ${s.toFixed(0)} s, ${Math.round(resources / s)}/s`);
    }
  }
}));
const secs = Number(process.hrtime.bigint() - t0) / 1e9;
const cpu = process.cpuUsage(cpu0);
if (firstError) console.error(`first failure: ${firstError}`);
console.log(JSON.stringify({
  patients: patients - from, resources, seconds: Number(secs.toFixed(2)),
  resources_per_s: Math.round(resources / secs), failed_bundles: failed, request_mb: Math.round(bytes / 1e6),
  client_cpu_s: Number(((cpu.user + cpu.system) / 1e6).toFixed(1)), concurrency: conc,
}));
