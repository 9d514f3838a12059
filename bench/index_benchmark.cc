// Search index extraction (engine/index_extract.h): every search parameter of the resource's type
// evaluated through its compiled FHIRPath, on spec examples. Ingest speed depends on it: rows are
// extracted off the store's writer thread, one resource per request worker.
//   ninja -C build/release tc_index_benchmark && build/release/bench/tc_index_benchmark
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "benchmark/benchmark.h"
#include "engine/index_extract.h"
#include "fhir/json.h"
#include "fhir/testing/shared_definitions.h"

namespace {

const tc::engine::Indexer& SharedIndexer() {
  static const tc::engine::Indexer* const indexer =
      new tc::engine::Indexer(tc::fhir::testing::SharedDefinitions());
  return *indexer;
}

tc::fhir::Value Example(const std::string& file) {
  std::ifstream in(std::string(TC_EXAMPLES_DIR) + "/" + file);
  std::stringstream ss;
  ss << in.rdbuf();
  auto v = tc::fhir::ParseJson(ss.str());
  if (!v.ok()) {
    std::fprintf(stderr, "cannot read %s\n", file.c_str());
    std::abort();
  }
  return *std::move(v);
}

void BM_Extract(benchmark::State& state, const char* type, const char* file) {
  const tc::engine::Indexer& indexer = SharedIndexer();
  const tc::fhir::Value resource = Example(file);
  size_t rows = 0;
  for (auto _ : state) {
    tc::engine::IndexedResource r = indexer.Extract(type, "x", resource);
    rows = r.rows.size();
    benchmark::DoNotOptimize(r);
  }
  state.counters["rows"] = static_cast<double>(rows);
}

BENCHMARK_CAPTURE(BM_Extract, Patient, "Patient", "Patient-example.json");
BENCHMARK_CAPTURE(BM_Extract, Observation, "Observation", "Observation-example.json");
BENCHMARK_CAPTURE(BM_Extract, MedicationRequest, "MedicationRequest",
                  "MedicationRequest-medrx0302.json");

}  // namespace

BENCHMARK_MAIN();
