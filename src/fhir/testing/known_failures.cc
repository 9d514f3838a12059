#include "fhir/testing/known_failures.h"

#include <fstream>

#include "gtest/gtest.h"

namespace tc::fhir::testing {

std::map<std::string, std::string> LoadKnownFailures(const std::filesystem::path& path) {
  std::map<std::string, std::string> known;
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    size_t bar = line.rfind(" | ");
    if (bar == std::string::npos || line.find_first_not_of(' ', bar + 3) == std::string::npos) {
      ADD_FAILURE() << path << ": entry without a \" | reason\": " << line;
      continue;
    }
    known[line.substr(0, bar)] = line.substr(bar + 3);
  }
  return known;
}

}  // namespace tc::fhir::testing
