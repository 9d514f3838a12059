// HL7's JavaScript FHIRPath engine (npm `fhirpath`) on the same expressions and resource as
// bench/fhirpath_benchmark.cc: compiled once, then evaluated repeatedly. Prints ns/eval.
// Usage: node fhirpath-js.mjs PATH/TO/Patient-example.json
import { readFileSync } from 'node:fs';
import fhirpath from 'fhirpath';
import r4 from 'fhirpath/fhir-context/r4/index.js';

const patient = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const expressions = {
  official_given_first: "Patient.name.where(use='official').given.first()",
  birthdate_compare: 'Patient.birthDate < @2000-01-01',
  telecom_phone_values: "Patient.telecom.where(system = 'phone').value",
  search_param_name: 'Patient.name | Patient.name.given | Patient.name.family',
  exists_and_count: 'Patient.identifier.exists() and Patient.name.given.count() > 2',
};
for (const [name, expr] of Object.entries(expressions)) {
  const fn = fhirpath.compile(expr, r4);
  for (let i = 0; i < 2000; i++) fn(patient);  // warm up the JIT
  let n = 0;
  const t0 = process.hrtime.bigint();
  let elapsed = 0n;
  while (elapsed < 1_000_000_000n) {
    for (let i = 0; i < 1000; i++) fn(patient);
    n += 1000;
    elapsed = process.hrtime.bigint() - t0;
  }
  const ns = Number(elapsed) / n;
  console.log(`fhirpath.js ${name}: ${ns.toFixed(0)} ns/eval (${Math.round(1e9 / ns)} evals/s)`);
}
