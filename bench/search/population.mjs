// Deterministic synthetic population for the search benchmark (issue 3 item 9).
//
// Everything about patient i is a pure function of (seed, i): the loader generates one
// transaction Bundle per patient as it goes (no file, constant memory) and the latency runner
// recomputes the facts of the patients it queries (NHS number, name, birth date, establishment,
// codes) without generating the rest. Shared resources (establishments, wings, practitioners,
// medicines) have fixed ids and are written first with PUT.
//
// The custody model follows src/cli/demo.cc: the current establishment is
// Patient.managingOrganization (updated on transfer; indexed as Patient `organization`); each stay
// is an EpisodeOfCare managed by its establishment; encounters happen at a wing Location of it.
//
// Codes: LOINC for observations, SNOMED CT for conditions and allergies, CVX for vaccines (all as
// published). Medicines use a local bench code system (no dm+d codes are invented here).

export const NHS_SYSTEM = 'https://fhir.nhs.uk/Id/nhs-number';
export const PRISON_SYSTEM = 'https://throughcare.dev/fhir/prison-number';
export const MAX_PATIENTS = 112500;  // NHS numbers are 999 + a scrambled 6-digit block (below)
export const ESTABLISHMENTS = 120;
export const EVERYTHING_PATIENT = 0;  // this patient has exactly EVERYTHING_SIZE resources
export const EVERYTHING_SIZE = 1000;

// ---- deterministic random numbers -------------------------------------------------------------

function mix32(h) {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

// mulberry32 seeded from (seed, stream, index).
export function rng(seed, stream, index) {
  let a = mix32(mix32(seed ^ 0x9e3779b9) ^ mix32(stream * 0x27d4eb2f + index));
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    float: next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),  // inclusive
    pick: (arr) => arr[Math.floor(next() * arr.length)],
    // Zipf-like: earlier entries more likely (common names first).
    zipf: (arr) => arr[Math.floor(arr.length * Math.pow(next(), 2.2))],
    chance: (p) => next() < p,
  };
}

// ---- reference data ---------------------------------------------------------------------------

const PLACES = [
  'Ashby', 'Barnfield', 'Castleton', 'Dunmore', 'Eastwick', 'Fernley', 'Greystone', 'Hallam',
  'Ingleby', 'Kingsmead', 'Langford', 'Marsden', 'Northcote', 'Oakridge', 'Penhallow', 'Queensbury',
  'Redmoor', 'Stanford', 'Thornbury', 'Upwell', 'Varley', 'Whitmore', 'Yarwood', 'Alderley',
  'Brackley', 'Crowhurst', 'Denholme', 'Elmstead', 'Foxley', 'Glenholt', 'Harwood', 'Ivybridge',
  'Kelbrook', 'Linwood', 'Millbrook', 'Netherby', 'Oldfield', 'Pickering', 'Ravensworth', 'Saltburn',
];
const REGIONS = ['North East', 'North West', 'Yorkshire', 'Midlands', 'East of England', 'London',
                 'South East', 'South West', 'Kent Surrey Sussex', 'Wales'];

// Fictional establishments: ~110 prisons, 6 YOIs, 4 IRCs; capacity weight 1..4.
export function establishment(e) {  // e in 0..ESTABLISHMENTS-1
  const r = rng(1, 1, e);
  const kind = e % 20 === 7 ? 'yoi' : e % 30 === 11 ? 'irc' : 'prison';
  const place = PLACES[e % PLACES.length] + (e >= PLACES.length ? ` ${['Hill', 'Park', 'Moor'][Math.floor(e / PLACES.length) - 1]}` : '');
  const name = kind === 'yoi' ? `HMYOI ${place}` : kind === 'irc' ? `${place} IRC` : `HMP ${place}`;
  return { index: e, id: `est-${String(e + 1).padStart(3, '0')}`, code: `E${String(e + 1).padStart(3, '0')}`,
           name, kind, region: REGIONS[e % REGIONS.length], weight: 1 + r.int(0, 3) };
}
const EST = Array.from({ length: ESTABLISHMENTS }, (_, e) => establishment(e));
const EST_CUM = (() => { let s = 0; return EST.map((x) => (s += x.weight)); })();
const EST_TOTAL = EST_CUM[EST_CUM.length - 1];
function pickEstablishment(r) {
  const x = r.float() * EST_TOTAL;
  let lo = 0, hi = EST_CUM.length - 1;
  while (lo < hi) { const m = (lo + hi) >> 1; if (EST_CUM[m] > x) hi = m; else lo = m + 1; }
  return EST[lo];
}

const FAMILY = [
  'Smith', 'Jones', 'Williams', 'Taylor', 'Brown', 'Davies', 'Evans', 'Wilson', 'Thomas', 'Johnson',
  'Roberts', 'Robinson', 'Thompson', 'Wright', 'Walker', 'White', 'Edwards', 'Hughes', 'Green', 'Hall',
  'Lewis', 'Harris', 'Clarke', 'Patel', 'Jackson', 'Wood', 'Turner', 'Martin', 'Cooper', 'Hill',
  'Ward', 'Morris', 'Moore', 'Clark', 'Lee', 'King', 'Baker', 'Harrison', 'Morgan', 'Allen', 'James',
  'Scott', 'Phillips', 'Watson', 'Davis', 'Parker', 'Price', 'Bennett', 'Young', 'Griffiths',
  'Mitchell', 'Kelly', 'Cook', 'Carter', 'Richardson', 'Bailey', 'Collins', 'Bell', 'Shaw', 'Murphy',
  'Miller', 'Cox', 'Richards', 'Khan', 'Marshall', 'Anderson', 'Simpson', 'Ellis', 'Adams', 'Singh',
  'Begum', 'Wilkinson', 'Foster', 'Chapman', 'Powell', 'Webb', 'Rogers', 'Gray', 'Mason', 'Ali',
  'Hunt', 'Hussain', 'Campbell', 'Matthews', 'Owen', 'Palmer', 'Holmes', 'Mills', 'Barnes', 'Knight',
  'Lloyd', 'Butler', 'Russell', 'Barker', 'Fisher', 'Stevens', 'Jenkins', 'Murray', 'Dixon', 'Harvey',
  'Graham', 'Pearson', 'Ahmed', 'Fletcher', 'Walsh', 'Kaur', 'Gibson', 'Howard', 'Andrews', 'Stewart',
  'Elliott', 'Reynolds', 'Saunders', 'Payne', 'Fox', 'Ford', 'Pearce', 'Day', 'Brooks', 'West',
  'Lawrence', 'Cole', 'Atkinson', 'Bradley', 'Spencer', 'Gill', 'Dawson', 'Ball', 'Burton', "O'Brien",
  'Watts', 'Rose', 'Booth', 'Perry', 'Ryan', 'Grant', 'Wells', 'Armstrong', 'Francis', 'Rees',
  'Hayes', 'Hart', 'Hudson', 'Newman', 'Barrett', 'Webster', 'Hunter', 'Gregory', 'Carr', 'Lowe',
  'Page', 'Marsh', 'Riley', 'Dennis', 'Kowalski', 'Nowak', 'Okafor', 'Mensah', 'Popescu', 'Osei',
];
const GIVEN_M = [
  'James', 'John', 'David', 'Michael', 'Daniel', 'Thomas', 'Paul', 'Mark', 'Andrew', 'Christopher',
  'Matthew', 'Ryan', 'Liam', 'Jack', 'Connor', 'Jordan', 'Lewis', 'Callum', 'Kieran', 'Jamie',
  'Robert', 'Richard', 'Steven', 'Lee', 'Craig', 'Dean', 'Darren', 'Wayne', 'Scott', 'Adam',
  'Ben', 'Josh', 'Sam', 'Nathan', 'Luke', 'Aaron', 'Reece', 'Tyler', 'Mohammed', 'Ali', 'Imran',
  'Usman', 'Emeka', 'Kwame', 'Piotr', 'Tomasz', 'Marius', 'Andrei', 'Liam', 'Harry', 'George',
  'Oliver', 'Charlie', 'Alfie', 'Kyle', 'Shane', 'Gary', 'Anthony', 'Stuart', 'Martin',
];
const GIVEN_F = [
  'Sarah', 'Emma', 'Laura', 'Rebecca', 'Jessica', 'Amy', 'Chloe', 'Sophie', 'Hannah', 'Lauren',
  'Kelly', 'Natalie', 'Gemma', 'Leanne', 'Michelle', 'Lisa', 'Claire', 'Danielle', 'Stacey', 'Zoe',
  'Amira', 'Fatima', 'Aisha', 'Grace', 'Megan', 'Jade', 'Kayleigh', 'Shannon', 'Charlotte', 'Emily',
];

// Vital signs (LOINC): one set per contact.
const VITALS = [
  { code: '8867-4', display: 'Heart rate', unit: '/min', lo: 52, hi: 118 },
  { code: '9279-1', display: 'Respiratory rate', unit: '/min', lo: 11, hi: 26 },
  { code: '8310-5', display: 'Body temperature', unit: 'Cel', lo: 359, hi: 384, scale: 10 },
  { code: '59408-5', display: 'Oxygen saturation in Arterial blood by Pulse oximetry', unit: '%', lo: 92, hi: 100 },
  { code: '85354-9', display: 'Blood pressure panel with all children optional', bp: true },
  { code: '29463-7', display: 'Body weight', unit: 'kg', lo: 480, hi: 1300, scale: 10 },
];
const LABS = [
  { code: '4548-4', display: 'Hemoglobin A1c/Hemoglobin.total in Blood', unit: '%', lo: 48, hi: 110, scale: 10 },
  { code: '2339-0', display: 'Glucose [Mass/volume] in Blood', unit: 'mg/dL', lo: 70, hi: 240 },
  { code: '16128-1', display: 'Hepatitis C virus Ab [Presence] in Serum', coded: true },
  { code: '2093-3', display: 'Cholesterol [Mass/volume] in Serum or Plasma', unit: 'mg/dL', lo: 120, hi: 290 },
];
export const HBA1C = '4548-4';
export const HEART_RATE = '8867-4';

const PROBLEMS = [
  ['195967001', 'Asthma'], ['35489007', 'Depressive disorder'], ['197480006', 'Anxiety disorder'],
  ['191816009', 'Drug dependence'], ['7200002', 'Alcoholism'], ['84114007', 'Heart failure'],
  ['44054006', 'Diabetes mellitus type 2'], ['38341003', 'Hypertensive disorder'],
  ['84944001', 'Epilepsy'], ['50711007', 'Viral hepatitis type C'], ['13645005', 'Chronic obstructive lung disease'],
  ['58214004', 'Schizophrenia'], ['13746004', 'Bipolar disorder'], ['47505003', 'Posttraumatic stress disorder'],
];
export const DIABETES = '44054006';
const ALLERGIES = [['91936005', 'Allergy to penicillin'], ['91935009', 'Allergy to peanut'],
                   ['300913006', 'Shellfish allergy'], ['418689008', 'Allergy to grass pollen']];
const VACCINES = [['43', 'Hep B, adult'], ['140', 'Influenza, seasonal, injectable, preservative free'],
                  ['207', 'COVID-19, mRNA, LNP-S, PF, 100 mcg/0.5mL dose']];
// Medicines as a local code system (display names are real medicines; codes are bench-only).
const MEDICINES = [
  'Methadone 1mg/ml oral solution', 'Buprenorphine 8mg sublingual tablets', 'Sertraline 50mg tablets',
  'Mirtazapine 30mg tablets', 'Quetiapine 25mg tablets', 'Olanzapine 10mg tablets',
  'Salbutamol 100micrograms/dose inhaler', 'Beclometasone 100micrograms/dose inhaler',
  'Metformin 500mg tablets', 'Gliclazide 80mg tablets', 'Amlodipine 5mg tablets', 'Ramipril 5mg capsules',
  'Atorvastatin 20mg tablets', 'Levetiracetam 500mg tablets', 'Sodium valproate 500mg gastro-resistant tablets',
  'Lamotrigine 100mg tablets', 'Omeprazole 20mg gastro-resistant capsules', 'Paracetamol 500mg tablets',
  'Ibuprofen 400mg tablets', 'Naproxen 500mg tablets', 'Thiamine 100mg tablets', 'Chlordiazepoxide 10mg capsules',
  'Pregabalin 75mg capsules', 'Gabapentin 300mg capsules', 'Fluoxetine 20mg capsules', 'Citalopram 20mg tablets',
  'Propranolol 40mg tablets', 'Lansoprazole 30mg capsules', 'Nicotine 21mg/24hours patches', 'Folic acid 5mg tablets',
  'Sofosbuvir 400mg / Velpatasvir 100mg tablets', 'Glecaprevir 100mg / Pibrentasvir 40mg tablets',
  'Aripiprazole 10mg tablets', 'Risperidone 2mg tablets', 'Zopiclone 7.5mg tablets', 'Diazepam 5mg tablets',
  'Cetirizine 10mg tablets', 'Ferrous fumarate 210mg tablets', 'Levothyroxine 100microgram tablets',
  'Bisoprolol 5mg tablets',
];
export const MEDICATIONS = MEDICINES.length;
const PRACTITIONERS_PER_EST = 5;

// ---- helpers ----------------------------------------------------------------------------------

const cc = (system, code, display) => ({ coding: [{ system, code, display }], text: display });
const ref = (reference) => ({ reference });
const pad2 = (n) => String(n).padStart(2, '0');
const DAY = 86400000;
const T0 = Date.UTC(2023, 0, 1);
const iso = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const isoDate = (ms) => new Date(ms).toISOString().slice(0, 10);

// NHS number of patient i: 999 + scrambled 6 digits + mod-11 check digit (test range, valid).
export function nhsNumber(i) {
  if (i < 0 || i >= MAX_PATIENTS) throw new Error(`patient index ${i} out of range`);
  const block = (i * 486187) % MAX_PATIENTS;  // bijection on 0..112499
  for (let t = 0; t < 8; t++) {
    const digits = '999' + String(100000 + block * 8 + t);
    let sum = 0;
    for (let k = 0; k < 9; k++) sum += Number(digits[k]) * (10 - k);
    let check = 11 - (sum % 11);
    if (check === 11) check = 0;
    if (check !== 10) return digits + check;
  }
  throw new Error('unreachable');
}
export function validNhsNumber(s) {
  if (!/^\d{10}$/.test(s)) return false;
  let sum = 0;
  for (let k = 0; k < 9; k++) sum += Number(s[k]) * (10 - k);
  let check = 11 - (sum % 11);
  if (check === 11) check = 0;
  return check !== 10 && check === Number(s[9]);
}

function prisonNumber(i) {
  const L = 'ABCDEFGHJKLMNPRSTUVWXYZ';
  const x = (i * 7919 + 13) % (L.length * 10000 * L.length * L.length);
  return L[x % L.length] + String(Math.floor(x / L.length) % 10000).padStart(4, '0') +
         L[Math.floor(x / (L.length * 10000)) % L.length] + L[Math.floor(x / (L.length * 10000 * L.length)) % L.length];
}

// The facts of patient i that queries need (cheap; no resources built).
export function patientFacts(seed, i) {
  const r = rng(seed, 2, i);
  const female = r.chance(0.05);
  const est = pickEstablishment(r);
  const youth = est.kind === 'yoi';
  const family = r.zipf(FAMILY);
  const given = r.zipf(female ? GIVEN_F : GIVEN_M);
  const age = youth ? r.int(15, 17) : r.int(18, 75);
  const birth = Date.UTC(2026 - age, 0, 1) - r.int(0, 364) * DAY;
  const hasNhs = i === EVERYTHING_PATIENT || r.chance(0.95);
  const transfers = r.chance(0.3) ? r.int(1, 3) : 0;
  return { index: i, nhs: hasNhs ? nhsNumber(i) : null, prison: prisonNumber(i), family, given,
           gender: female ? 'female' : 'male', birthDate: isoDate(birth), establishment: est,
           transfers, diabetic: r.chance(0.08) };
}

// ---- the shared reference data ----------------------------------------------------------------

export function sharedBundle() {
  const entry = [];
  const put = (resource) => entry.push({ resource, request: { method: 'PUT', url: `${resource.resourceType}/${resource.id}` } });
  for (const e of EST) {
    put({ resourceType: 'Organization', id: e.id, active: true,
          identifier: [{ system: 'https://throughcare.dev/fhir/establishment-code', value: e.code }],
          type: [cc('https://throughcare.dev/fhir/CodeSystem/establishment-type', e.kind, e.kind)],
          name: e.name, address: [{ state: e.region, country: 'GB' }] });
    for (const w of ['A', 'B', 'C']) {
      put({ resourceType: 'Location', id: `loc-${e.code}-${w}`, status: 'active', mode: 'instance',
            name: `${e.name} ${w} wing`,
            physicalType: cc('http://terminology.hl7.org/CodeSystem/location-physical-type', 'wi', 'Wing'),
            managingOrganization: ref(`Organization/${e.id}`) });
    }
    for (let p = 0; p < PRACTITIONERS_PER_EST; p++) {
      const r = rng(1, 3, e.index * 10 + p);
      put({ resourceType: 'Practitioner', id: `prac-${e.code}-${p}`, active: true,
            identifier: [{ system: 'https://fhir.hl7.org.uk/Id/gmc-number', value: String(7000000 + e.index * 10 + p) }],
            name: [{ family: r.pick(FAMILY), given: [r.pick(r.chance(0.5) ? GIVEN_F : GIVEN_M)], prefix: [p < 2 ? 'Dr' : 'Nurse'] }] });
    }
  }
  MEDICINES.forEach((m, k) => put({
    resourceType: 'Medication', id: `med-${pad2(k + 1)}`, status: 'active',
    code: cc('https://throughcare.dev/fhir/CodeSystem/bench-medicine', `m${pad2(k + 1)}`, m) }));
  return { resourceType: 'Bundle', type: 'transaction', entry };
}
export const SHARED_RESOURCES = ESTABLISHMENTS * (1 + 3 + PRACTITIONERS_PER_EST) + MEDICINES.length;

// ---- one patient's record as a transaction Bundle ---------------------------------------------

export function patientBundle(seed, i) {
  const f = patientFacts(seed, i);
  const r = rng(seed, 4, i);
  const everything = i === EVERYTHING_PATIENT;
  const entry = [];
  const pid = `urn:uuid:${uuid(seed, i, 0)}`;
  let n = 1;
  const add = (resource, full = false) => {
    const e = { resource, request: { method: 'POST', url: resource.resourceType } };
    if (full) e.fullUrl = `urn:uuid:${uuid(seed, i, n++)}`;
    entry.push(e);
    return e.fullUrl;
  };

  // Custody: a chain of stays ending at the current establishment.
  const stays = [];
  let t = T0 + r.int(0, 900) * DAY;
  for (let s = 0; s <= f.transfers; s++) {
    const est = s === f.transfers ? f.establishment : pickEstablishment(r);
    const len = s === f.transfers ? null : r.int(20, 200) * DAY;
    stays.push({ est, start: t, end: len ? t + len : null });
    if (len) t += len + r.int(0, 1) * DAY;
  }
  const now = Date.UTC(2026, 10, 1);
  const lastStart = stays[stays.length - 1].start;

  entry.push({ fullUrl: pid, request: { method: 'POST', url: 'Patient' }, resource: {
    resourceType: 'Patient',
    identifier: [...(f.nhs ? [{ system: NHS_SYSTEM, value: f.nhs }] : []), { system: PRISON_SYSTEM, value: f.prison }],
    active: true, name: [{ use: 'official', family: f.family, given: [f.given] }],
    gender: f.gender, birthDate: f.birthDate,
    managingOrganization: ref(`Organization/${f.establishment.id}`) } });

  // Everything the patient has (beyond the Patient itself), counted down for the $everything one.
  let budget = everything ? EVERYTHING_SIZE - 1 : Infinity;
  const room = () => budget > 0;
  const spend = () => { budget--; };

  const encounters = [];
  for (const st of stays) {
    if (!room()) break;
    const ep = add({ resourceType: 'EpisodeOfCare', status: st.end ? 'finished' : 'active',
      type: [cc('https://throughcare.dev/fhir/CodeSystem/episode-type', 'custody', 'Custody episode')],
      patient: ref(pid), managingOrganization: ref(`Organization/${st.est.id}`),
      period: st.end ? { start: iso(st.start), end: iso(st.end) } : { start: iso(st.start) } }, true);
    spend();
    const end = st.end ?? now;
    const contacts = everything ? 40 : r.int(3, 12);
    for (let c = 0; c < contacts && room(); c++) {
      const at = c === 0 ? st.start : st.start + Math.floor(r.float() * (end - st.start));
      const reception = c === 0;
      const enc = add({ resourceType: 'Encounter', status: 'finished',
        class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB', display: 'ambulatory' },
        type: [reception ? cc('https://throughcare.dev/fhir/CodeSystem/movement-type', 'reception', 'Reception into custody')
                         : cc('http://snomed.info/sct', '185389009', 'Follow-up visit')],
        subject: ref(pid), episodeOfCare: [ref(ep)], serviceProvider: ref(`Organization/${st.est.id}`),
        participant: [{ individual: ref(`Practitioner/prac-${st.est.code}-${r.int(0, PRACTITIONERS_PER_EST - 1)}`) }],
        period: { start: iso(at), end: iso(at + 20 * 60000) },
        location: [{ location: ref(`Location/loc-${st.est.code}-${r.pick(['A', 'B', 'C'])}`) }] }, true);
      spend();
      encounters.push({ url: enc, at, est: st.est });
    }
  }

  const performer = (e) => [ref(`Practitioner/prac-${e.est.code}-${r.int(2, PRACTITIONERS_PER_EST - 1)}`)];
  const obs = (code, display, enc, value, category = 'vital-signs') => {
    const o = { resourceType: 'Observation', status: 'final',
      category: [cc('http://terminology.hl7.org/CodeSystem/observation-category', category, category === 'vital-signs' ? 'Vital Signs' : 'Laboratory')],
      code: cc('http://loinc.org', code, display), subject: ref(pid), encounter: ref(enc.url),
      effectiveDateTime: iso(enc.at + r.int(1, 15) * 60000), performer: performer(enc), ...value };
    add(o); spend();
  };
  const qty = (v, unit) => ({ valueQuantity: { value: v, unit, system: 'http://unitsofmeasure.org', code: unit } });

  // Vital signs at most contacts (a set of 6), labs now and then.
  for (const enc of encounters) {
    if (!room()) break;
    if (!everything && r.chance(0.15)) continue;
    for (const v of VITALS) {
      if (!room()) break;
      if (v.bp) {
        const sys = r.int(100, 170);
        obs(v.code, v.display, enc, { component: [
          { code: cc('http://loinc.org', '8480-6', 'Systolic blood pressure'), ...qty(sys, 'mm[Hg]') },
          { code: cc('http://loinc.org', '8462-4', 'Diastolic blood pressure'), ...qty(sys - r.int(30, 55), 'mm[Hg]') }] });
      } else {
        const x = r.int(v.lo, v.hi);
        obs(v.code, v.display, enc, qty(v.scale ? x / v.scale : x, v.unit));
      }
    }
    const labs = f.diabetic ? [LABS[0], LABS[1]] : [];
    if (r.chance(0.25)) labs.push(r.pick(LABS.slice(2)));
    for (const l of labs) {
      if (!room()) break;
      if (l.coded) obs(l.code, l.display, enc, { valueCodeableConcept: cc('http://snomed.info/sct', r.chance(0.1) ? '10828004' : '260385009', r.chance(0.1) ? 'Positive' : 'Negative') }, 'laboratory');
      else { const x = r.int(l.lo, l.hi); obs(l.code, l.display, enc, qty(l.scale ? x / l.scale : x, l.unit), 'laboratory'); }
    }
  }

  // Problems, allergies, immunisations, alerts.
  const nProblems = (f.diabetic ? 1 : 0) + r.int(0, 5);
  for (let k = 0; k < nProblems && room(); k++) {
    const [code, display] = k === 0 && f.diabetic ? [DIABETES, 'Diabetes mellitus type 2'] : r.pick(PROBLEMS);
    add({ resourceType: 'Condition',
      clinicalStatus: cc('http://terminology.hl7.org/CodeSystem/condition-clinical', 'active', 'Active'),
      verificationStatus: cc('http://terminology.hl7.org/CodeSystem/condition-ver-status', 'confirmed', 'Confirmed'),
      category: [cc('http://terminology.hl7.org/CodeSystem/condition-category', 'problem-list-item', 'Problem List Item')],
      code: cc('http://snomed.info/sct', code, display), subject: ref(pid),
      onsetDateTime: iso(T0 - r.int(30, 3000) * DAY), recordedDate: iso(lastStart) });
    spend();
  }
  const nAllergies = r.chance(0.35) ? r.int(1, 3) : 0;
  for (let k = 0; k < nAllergies && room(); k++) {
    const [code, display] = ALLERGIES[k];
    add({ resourceType: 'AllergyIntolerance',
      clinicalStatus: cc('http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', 'active', 'Active'),
      verificationStatus: cc('http://terminology.hl7.org/CodeSystem/allergyintolerance-verification', 'confirmed', 'Confirmed'),
      type: 'allergy', category: [k === 0 ? 'medication' : 'food'], criticality: r.chance(0.2) ? 'high' : 'low',
      code: cc('http://snomed.info/sct', code, display), patient: ref(pid), recordedDate: iso(lastStart) });
    spend();
  }
  const nVacc = r.int(0, 3);
  for (let k = 0; k < nVacc && room(); k++) {
    const [code, display] = k < 2 ? VACCINES[0] : r.pick(VACCINES.slice(1));
    add({ resourceType: 'Immunization', status: 'completed',
      vaccineCode: cc('http://hl7.org/fhir/sid/cvx', code, display), patient: ref(pid),
      occurrenceDateTime: iso(lastStart + [0, 7, 21][k] * DAY) });
    spend();
  }
  if (r.chance(0.15) && room()) {
    add({ resourceType: 'Flag', status: 'active',
      code: { text: 'Open ACCT: self-harm risk — healthcare to attend reviews' }, subject: ref(pid),
      period: { start: iso(lastStart) } });
    spend();
  }

  // Medicines: a few active, the rest completed or stopped.
  const nMeds = everything ? Infinity : r.int(8, 26);
  for (let k = 0; k < nMeds && room(); k++) {
    const enc = encounters.length ? encounters[Math.min(encounters.length - 1, Math.floor(r.float() * encounters.length))] : null;
    const est = enc ? enc.est : f.establishment;
    const active = k < 4 ? r.chance(0.8) : r.chance(0.1);
    add({ resourceType: 'MedicationRequest', status: active ? 'active' : r.chance(0.7) ? 'completed' : 'stopped',
      intent: 'order', medicationReference: ref(`Medication/med-${pad2(r.int(1, MEDICINES.length))}`),
      subject: ref(pid), ...(enc ? { encounter: ref(enc.url) } : {}),
      authoredOn: iso(enc ? enc.at : lastStart), requester: ref(`Practitioner/prac-${est.code}-${r.int(0, 1)}`),
      dosageInstruction: [{ text: r.pick(['One tablet once daily', 'One tablet twice daily', 'As directed, supervised', 'Two puffs when required']) }],
      dispenseRequest: { extension: [{ url: 'https://throughcare.dev/fhir/StructureDefinition/in-possession', valueBoolean: r.chance(0.6) }] } });
    spend();
  }
  if (everything && budget !== 0) throw new Error(`everything patient short by ${budget}`);
  return { resourceType: 'Bundle', type: 'transaction', entry };
}

// A deterministic UUID (v4 layout) per (seed, patient, n).
function uuid(seed, i, n) {
  const r = rng(seed, 5, i * 4096 + n);
  const h = () => Math.floor(r.float() * 65536).toString(16).padStart(4, '0');
  return `${h()}${h()}-${h()}-4${h().slice(1)}-${(8 + r.int(0, 3)).toString(16)}${h().slice(1)}-${h()}${h()}${h()}`;
}
