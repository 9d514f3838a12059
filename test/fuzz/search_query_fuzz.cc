// libFuzzer target for FHIR search (src/engine/search_query.h and the SQL it becomes): the
// input is "Type?query-string"; it is parsed and run, strict and lenient, against a small store
// holding a Patient and an Observation. Nothing may crash, hang or trip a sanitizer; every
// failure must be a Status (400 for bad input), and no input may make the store fail with
// anything but a clean error (no SQL error reaches the client as success).
//
// Built only with -DTC_FUZZ=ON and clang; `make fuzz` runs it from test/fuzz/corpus/search.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/random.h"
#include "engine/errors.h"
#include "engine/query_string.h"
#include "engine/repository.h"
#include "fhir/json.h"
#include "fhir/testing/shared_definitions.h"
#include "store/sqlite/sqlite_store.h"

namespace {

struct World {
  tc::base::SystemClock clock;
  tc::base::SystemRandom random;
  std::unique_ptr<tc::store::Store> store;
  std::unique_ptr<tc::engine::Repository> repo;
};

World& TheWorld() {
  static World* const world = [] {
    auto* w = new World();
    tc::store::SqliteOptions options;
    options.path = ":memory:";
    auto store = tc::store::OpenSqliteStore(options);
    if (!store.ok()) std::abort();
    w->store = *std::move(store);
    w->repo = std::make_unique<tc::engine::Repository>(
        *w->store, tc::fhir::testing::SharedDefinitions(), w->clock, w->random);
    auto put = [&](std::string_view json) {
      auto v = tc::fhir::ParseJson(json);
      if (!v.ok() || !w->repo->Create(std::string(v->GetString("resourceType")), *v, {}).ok()) {
        std::abort();
      }
    };
    put(R"({"resourceType":"Patient","name":[{"family":"O'Brien","given":["Seán"]}],
            "birthDate":"1980-05-01","gender":"male",
            "identifier":[{"system":"https://fhir.nhs.uk/Id/nhs-number","value":"9434765919"}]})");
    put(R"({"resourceType":"Observation","status":"final",
            "code":{"coding":[{"system":"http://loinc.org","code":"8867-4"}],"text":"Heart rate"},
            "effectiveDateTime":"2026-11-01T10:00:00Z",
            "valueQuantity":{"value":72,"unit":"/min","system":"http://unitsofmeasure.org",
                             "code":"/min"}})");
    return w;
  }();
  return *world;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 4096) return 0;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t q = input.find('?');
  const std::string type(input.substr(0, q == std::string_view::npos ? input.size() : q));
  const std::string query(q == std::string_view::npos ? "" : input.substr(q + 1));
  World& w = TheWorld();
  if (!tc::fhir::testing::SharedDefinitions().IsResourceType(type)) return 0;
  for (bool strict : {false, true}) {
    tc::engine::SearchOptions options;
    options.strict = strict;
    absl::StatusOr<tc::engine::SearchOutcome> r =
        w.repo->Search(type, tc::engine::ParseQueryString(query), options);
    if (!r.ok()) {
      // Bad input is the client's fault (4xx), never a server error.
      const int http = tc::engine::HttpStatusOf(r.status());
      if (http >= 500) std::abort();
    }
  }
  return 0;
}
