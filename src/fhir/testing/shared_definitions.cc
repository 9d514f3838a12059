#include "fhir/testing/shared_definitions.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace tc::fhir::testing {

const Definitions& SharedDefinitions() {
  static const Definitions* const defs = [] {
    absl::StatusOr<std::unique_ptr<Definitions>> loaded = Definitions::LoadEmbedded();
    if (!loaded.ok()) {
      std::fprintf(stderr, "cannot load the FHIR definitions: %s\n",
                   std::string(loaded.status().message()).c_str());
      std::abort();
    }
    return loaded->release();
  }();
  return *defs;
}

std::string ReadFileOrEmpty(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace tc::fhir::testing
