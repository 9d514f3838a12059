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

void KnownFailureTally::Record(const std::string& name, const std::string& failure) {
  ++run_;
  auto it = known_.find(name);
  if (failure.empty()) {
    ++passed_;
    EXPECT_TRUE(it == known_.end())
        << "case \"" << name << "\" is listed as a known failure but passes; remove it";
  } else {
    EXPECT_TRUE(it != known_.end()) << "case \"" << name << "\": " << failure;
  }
  if (it != known_.end()) known_.erase(it);
}

void KnownFailureTally::Finish() {
  for (const auto& entry : known_) {
    ADD_FAILURE() << "known failure \"" << entry.first << "\" matches no case that ran";
  }
  known_.clear();
}

}  // namespace tc::fhir::testing
