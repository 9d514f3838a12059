// FHIRPath evaluation speed on the spec's patient-example (DESIGN.md decision 5: expressions are
// compiled once; this times evaluation only, plus one compile benchmark for reference).
//   ninja -C build/release tc_fhirpath_benchmark && build/release/bench/tc_fhirpath_benchmark
// The JS reference engine (fhirpath.js) takes roughly 20-60 µs per evaluation of these; the
// target is >= 20x faster.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "benchmark/benchmark.h"
#include "fhir/definitions.h"
#include "fhir/json.h"
#include "fhir/testing/shared_definitions.h"
#include "fhirpath/fhirpath.h"

namespace {

const tc::fhir::Definitions& Defs() { return tc::fhir::testing::SharedDefinitions(); }

const tc::fhir::Value& PatientExample() {
  static const tc::fhir::Value* const patient = [] {
    std::ifstream in(TC_PATIENT_EXAMPLE_JSON);
    std::stringstream ss;
    ss << in.rdbuf();
    auto v = tc::fhir::ParseJson(ss.str());
    if (!v.ok()) {
      std::fprintf(stderr, "cannot read %s\n", TC_PATIENT_EXAMPLE_JSON);
      std::abort();
    }
    return new tc::fhir::Value(*std::move(v));
  }();
  return *patient;
}

void BM_Evaluate(benchmark::State& state, const char* expr) {
  auto compiled = tc::fhirpath::Compile(expr, Defs());
  if (!compiled.ok()) {
    state.SkipWithError("compile failed");
    return;
  }
  const tc::fhir::Value& patient = PatientExample();
  size_t items = 0;
  for (auto _ : state) {
    auto r = tc::fhirpath::Evaluate(*compiled, patient);
    benchmark::DoNotOptimize(r);
    items += r.ok() ? r->size() : 0;
  }
  state.counters["items/eval"] =
      benchmark::Counter(static_cast<double>(items) / static_cast<double>(state.iterations()));
}

void BM_Compile(benchmark::State& state) {
  for (auto _ : state) {
    auto e = tc::fhirpath::Compile("Patient.name.where(use='official').given.first()", Defs());
    benchmark::DoNotOptimize(e);
  }
}

BENCHMARK_CAPTURE(BM_Evaluate, official_given_first,
                  "Patient.name.where(use='official').given.first()");
BENCHMARK_CAPTURE(BM_Evaluate, birthdate_compare, "Patient.birthDate < @2000-01-01");
BENCHMARK_CAPTURE(BM_Evaluate, telecom_phone_values,
                  "Patient.telecom.where(system = 'phone').value");
BENCHMARK_CAPTURE(BM_Evaluate, search_param_name,
                  "Patient.name | Patient.name.given | Patient.name.family");
BENCHMARK_CAPTURE(BM_Evaluate, exists_and_count,
                  "Patient.identifier.exists() and Patient.name.given.count() > 2");
BENCHMARK_CAPTURE(BM_Evaluate, descendants_count, "Patient.descendants().count()");
BENCHMARK(BM_Compile);

}  // namespace

BENCHMARK_MAIN();
