// libFuzzer target for the FHIRPath engine (src/fhirpath/fhirpath.h): any input is compiled;
// whatever compiles is evaluated against a small Patient (and its results' locations and text
// are computed). Neither step may crash, hang or trip a sanitizer; errors must come back as
// Status.
//
// Built only with -DTC_FUZZ=ON and clang (see test/CMakeLists.txt). For coverage-guided runs
// configure the whole tree with the fuzzer's instrumentation, e.g.
//   CC=clang CXX=clang++ cmake -S . -B build/fuzz -G Ninja -DTC_FUZZ=ON \
//     -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTC_SANITIZE=address,undefined \
//     -DCMAKE_CXX_FLAGS=-fsanitize=fuzzer-no-link
//   ninja -C build/fuzz tc_fhirpath_fuzz
//   build/fuzz/test/tc_fhirpath_fuzz -max_len=512 -dict=... (optional)
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "fhir/definitions.h"
#include "fhir/json.h"
#include "fhir/testing/shared_definitions.h"
#include "fhir/value.h"
#include "fhirpath/fhirpath.h"
#include "fhirpath/operations.h"

namespace {

constexpr std::string_view kPatient = R"({
  "resourceType": "Patient", "id": "example",
  "contained": [{"resourceType": "Organization", "id": "o1", "name": "Wing A"}],
  "active": true,
  "name": [{"use": "official", "family": "Chalmers", "given": ["Peter", "James"]},
           {"use": "usual", "given": ["Jim"], "_given": [{"id": "g1"}]}],
  "telecom": [{"system": "phone", "value": "(03) 5555 6473", "use": "work", "rank": 1}],
  "gender": "male", "birthDate": "1974-12-25", "deceasedBoolean": false,
  "extension": [{"url": "http://example.org/age", "valueAge": {"value": 49, "unit": "a",
    "system": "http://unitsofmeasure.org", "code": "a"}}],
  "managingOrganization": {"reference": "#o1"}
})";

const tc::fhir::Definitions& Defs() { return tc::fhir::testing::SharedDefinitions(); }

const tc::fhir::Value& Patient() {
  static const tc::fhir::Value* const patient = [] {
    auto v = tc::fhir::ParseJson(kPatient);
    if (!v.ok()) std::abort();
    return new tc::fhir::Value(*std::move(v));
  }();
  return *patient;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 4096) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<tc::fhirpath::Expression> expr = tc::fhirpath::Compile(input, Defs());
  if (!expr.ok()) return 0;  // rejected cleanly
  static const tc::base::FakeClock clock(absl::FromUnixSeconds(1700000000));
  tc::fhirpath::EvalContext ctx;
  ctx.clock = &clock;
  absl::StatusOr<tc::fhirpath::Collection> result = tc::fhirpath::Evaluate(*expr, Patient(), ctx);
  if (!result.ok()) return 0;
  for (const tc::fhirpath::Item& item : *result) {
    (void)tc::fhirpath::ToText(item);
    (void)tc::fhirpath::TypeNameOf(item);
    (void)tc::fhirpath::LocationOf(Patient(), item);
  }
  return 0;
}
