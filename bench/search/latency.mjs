// Per-query latency through HTTP for the clinician queries of bench/queries.md.
//
// One keep-alive connection, one request at a time (latency, not throughput): for each query,
// WARMUP requests then REQUESTS timed ones, rotating through SAMPLE patients (or establishments)
// of the population loaded by load.mjs with the same PATIENTS and SEED. A request is timed from
// write to the last byte of the body. Ids are found first by NHS number (untimed). Every response
// must be 200 with a searchset Bundle; the mean number of matches is recorded so that servers can
// be compared on the same answers.
// Usage: node latency.mjs BASE_URL PATIENTS [--seed 42] [--requests 1000] [--warmup 100]
//                         [--sample 200] [--label NAME] [--out FILE.json]
import http from 'node:http';
import { writeFileSync } from 'node:fs';
import { patientFacts, NHS_SYSTEM, EVERYTHING_PATIENT, HBA1C, HEART_RATE, establishment, ESTABLISHMENTS } from './population.mjs';

const args = process.argv.slice(2);
const opt = (name, def) => { const k = args.indexOf(`--${name}`); return k >= 0 ? args[k + 1] : def; };
const base = new URL(args[0].replace(/\/$/, '') + '/');
const patients = Number(args[1]);
const seed = Number(opt('seed', '42'));
const requests = Number(opt('requests', process.env.REQUESTS ?? '1000'));
const warmup = Number(opt('warmup', process.env.WARMUP ?? '100'));
const sampleSize = Number(opt('sample', '200'));
const label = opt('label', base.host);
const out = opt('out', null);

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
function get(pathAndQuery) {  // relative to base; resolves { status, body, ms }
  const url = new URL(pathAndQuery, base);
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const req = http.request(url, { agent, headers: { Accept: 'application/fhir+json' } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const ms = Number(process.hrtime.bigint() - t0) / 1e6;
        resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8'), ms });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}
const q = (s) => encodeURIComponent(s);

// ---- the sample ------------------------------------------------------------------------------
const sample = [];
for (let k = 0; k < sampleSize && sample.length < sampleSize; k++) {
  let i = 1 + Math.floor((k * (patients - 1)) / sampleSize);
  let f = patientFacts(seed, i);
  while (!f.nhs) f = patientFacts(seed, ++i);
  sample.push(f);
}
for (const f of sample) {
  const r = await get(`Patient?identifier=${q(`${NHS_SYSTEM}|${f.nhs}`)}&_count=2`);
  const b = JSON.parse(r.body);
  if (r.status !== 200 || !b.entry || b.entry.length !== 1) {
    throw new Error(`lookup of patient ${f.index} by NHS number ${f.nhs}: ${r.status} ${r.body.slice(0, 300)}`);
  }
  f.id = b.entry[0].resource.id;
}
const everything = patientFacts(seed, EVERYTHING_PATIENT);
{
  const r = await get(`Patient?identifier=${q(`${NHS_SYSTEM}|${everything.nhs}`)}`);
  everything.id = JSON.parse(r.body).entry[0].resource.id;
}
// Establishments with patients (every one has some at these sizes); rotate through all.
const ests = Array.from({ length: ESTABLISHMENTS }, (_, e) => establishment(e));

// ---- the queries (bench/queries.md) ----------------------------------------------------------
const QUERIES = [
  ['read Patient/{id} (floor, not a search)', (f) => `Patient/${f.id}`],
  ['1 patient by NHS number', (f) => `Patient?identifier=${q(`${NHS_SYSTEM}|${f.nhs}`)}`],
  ['2 name + birth date', (f) => `Patient?family=${q(f.family)}&given=${q(f.given)}&birthdate=${f.birthDate}`],
  ['3 active medications', (f) => `MedicationRequest?subject=Patient/${f.id}&status=active`],
  ['4 latest observations of a code', (f) => `Observation?subject=Patient/${f.id}&code=${q(`http://loinc.org|${HEART_RATE}`)}&_sort=-date&_count=5`],
  ['5 patients at an establishment', (f, k) => `Patient?organization=Organization/${ests[k % ests.length].id}&_count=50`],
  ['6 allergies', (f) => `AllergyIntolerance?patient=Patient/${f.id}`],
  ['7 chain subject.identifier', (f) => `Observation?subject.identifier=${q(`${NHS_SYSTEM}|${f.nhs}`)}&_count=50`],
  ['8 _has reverse chain', (f, k) => `Patient?_has:Observation:patient:code=${q(`http://loinc.org|${HBA1C}`)}&organization=Organization/${ests[k % ests.length].id}&_count=50`],
  ['9 _include medication + requester', (f) => `MedicationRequest?subject=Patient/${f.id}&_include=MedicationRequest:medication&_include=MedicationRequest:requester`],
];
const PAGING = ['10 sorted paging (5 pages of 20)', (k) => `Patient?organization=Organization/${ests[k % ests.length].id}&_sort=family,given&_count=20`];

const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]; };
const summary = (name, ms, matches, errors, extra = {}) => ({
  name, n: ms.length, p50: pct(ms, 50), p99: pct(ms, 99), mean: ms.reduce((a, b) => a + b, 0) / ms.length,
  matches_mean: matches.length ? matches.reduce((a, b) => a + b, 0) / matches.length : null, errors, ...extra,
});
function matchesOf(r) {
  if (r.status !== 200) return null;
  const b = JSON.parse(r.body);
  if (b.resourceType !== 'Bundle') return b.resourceType ? 1 : null;  // a plain read
  return (b.entry ?? []).filter((e) => (e.search?.mode ?? 'match') === 'match').length;
}
const nextLink = (body) => (JSON.parse(body).link ?? []).find((l) => l.relation === 'next')?.url;
const relative = (abs) => { const u = new URL(abs); return (u.pathname + u.search).replace(base.pathname, ''); };

const results = [];
let firstError = null;
for (const [name, make] of QUERIES) {
  const ms = [], matches = [];
  let errors = 0;
  for (let k = 0; k < warmup + requests; k++) {
    const url = make(sample[k % sample.length], k);
    const r = await get(url);
    if (k < warmup) continue;
    ms.push(r.ms);
    const m = matchesOf(r);
    if (m === null) { errors++; firstError ??= `${name}: ${url} → ${r.status} ${r.body.slice(0, 300)}`; } else matches.push(m);
  }
  results.push(summary(name, ms, matches, errors, { example: make(sample[0], 0) }));
}
{
  const [name, make] = PAGING;
  const ms = [], matches = [];
  let errors = 0, k = 0, pages = 0;
  while (ms.length < requests + warmup) {
    let url = make(k++);
    for (let page = 0; page < 5 && url; page++) {
      const r = await get(url);
      if (k > warmup / 5) { ms.push(r.ms); pages++; }
      const m = matchesOf(r);
      if (m === null) { errors++; firstError ??= `${name}: ${url} → ${r.status} ${r.body.slice(0, 300)}`; break; }
      if (k > warmup / 5) matches.push(m);
      const next = nextLink(r.body);
      url = next ? relative(next) : null;
    }
  }
  results.push(summary(name, ms, matches, errors, { example: make(0), pages }));
}
{  // $everything of the 1,000-resource patient: all pages (_count=1000), one sample per retrieval.
  const name = '$everything (1,000 resources)';
  const ms = [], sizes = [];
  let errors = 0;
  const n = Math.max(20, Math.floor(requests / 10));
  for (let k = 0; k < 5 + n; k++) {
    let url = `Patient/${everything.id}/$everything?_count=1000`, total = 0, entries = 0;
    while (url) {
      const r = await get(url);
      total += r.ms;
      if (r.status !== 200) { errors++; firstError ??= `${name}: ${url} → ${r.status} ${r.body.slice(0, 300)}`; break; }
      entries += (JSON.parse(r.body).entry ?? []).length;
      const next = nextLink(r.body);
      url = next ? relative(next) : null;
    }
    if (k >= 5) { ms.push(total); sizes.push(entries); }
  }
  results.push(summary(name, ms, sizes, errors, { example: `Patient/${everything.id}/$everything?_count=1000` }));
}
agent.destroy();

if (firstError) console.error(`first error: ${firstError}`);
const report = { label, patients, seed, requests, warmup, sample: sample.length, queries: results };
if (out) writeFileSync(out, JSON.stringify(report, null, 1));
console.log(`${label}: ${patients} patients, ${requests} timed requests per query (1 connection)`);
for (const r of results) {
  console.log(`  ${r.name.padEnd(40)} p50 ${r.p50.toFixed(2).padStart(7)} ms  p99 ${r.p99.toFixed(2).padStart(7)} ms` +
              `  matches ${r.matches_mean === null ? '-' : r.matches_mean.toFixed(1).padStart(6)}${r.errors ? `  ERRORS ${r.errors}` : ''}`);
}
