// libFuzzer target for the FHIR XML reader (src/fhir/xml.h): every input the parser accepts must
// survive a round trip — parse, write (compact and pretty), parse again, compare trees — and the
// tree must also serialise as JSON. Rejected inputs must be rejected cleanly (no crash, leak or
// sanitizer report).
//
// Built only with -DTC_FUZZ=ON and clang (see test/CMakeLists.txt). For coverage-guided runs
// configure the whole tree with the fuzzer's instrumentation too, e.g.
//   CC=clang CXX=clang++ cmake -S . -B build/fuzz -G Ninja -DTC_FUZZ=ON \
//     -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTC_SANITIZE=address,undefined \
//     -DCMAKE_CXX_FLAGS=-fsanitize=fuzzer-no-link
//   ninja -C build/fuzz tc_fhir_xml_fuzz
//   build/fuzz/test/tc_fhir_xml_fuzz test/fuzz/corpus/xml -max_len=65536
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "fhir/definitions.h"
#include "fhir/json.h"
#include "fhir/testing/shared_definitions.h"
#include "fhir/value.h"
#include "fhir/xml.h"

namespace {

const tc::fhir::Definitions& Defs() { return tc::fhir::testing::SharedDefinitions(); }

[[noreturn]] void Die(const char* what, std::string_view detail) {
  std::fprintf(stderr, "xml_fuzz: %s\n%.*s\n", what, static_cast<int>(detail.size()),
               detail.data());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<tc::fhir::Value> tree = tc::fhir::ParseXml(Defs(), input);
  if (!tree.ok()) return 0;  // rejected cleanly
  for (bool pretty : {false, true}) {
    absl::StatusOr<std::string> xml = tc::fhir::WriteXml(Defs(), *tree, pretty);
    if (!xml.ok()) {
      Die("an accepted document could not be written", std::string(xml.status().message()));
    }
    absl::StatusOr<tc::fhir::Value> again = tc::fhir::ParseXml(Defs(), *xml);
    if (!again.ok()) Die("the written document does not parse", *xml);
    if (!(*again == *tree)) Die("the round trip changed the tree", *xml);
  }
  (void)tc::fhir::WriteJson(*tree);
  return 0;
}
