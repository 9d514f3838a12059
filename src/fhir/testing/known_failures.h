// File: fhir/testing/known_failures.h
//
// For conformance tests only: reads a checked-in list of expected failures, one per line as
// "<case name> | <reason>" ('#' starts a comment line). An entry without a reason is reported as
// a test failure, so every listed failure keeps its explanation.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <utility>

namespace tc::fhir::testing {

// Case name → reason. Records a GoogleTest failure when the file cannot be read or an entry has
// no reason.
std::map<std::string, std::string> LoadKnownFailures(const std::filesystem::path& path);

// Checks each case of a data-driven conformance run against the known-failure list: an
// unlisted failure, a listed case that passes, and a listed case that never ran are all test
// failures, so the list can neither hide a regression nor go stale.
class KnownFailureTally {
 public:
  explicit KnownFailureTally(std::map<std::string, std::string> known) : known_(std::move(known)) {}
  // Records case `name`; `failure` is "" when it passed, otherwise why it failed.
  void Record(const std::string& name, const std::string& failure);
  // Reports listed cases that matched no case run. Call once, after the last Record.
  void Finish();
  size_t passed() const { return passed_; }
  size_t run() const { return run_; }

 private:
  std::map<std::string, std::string> known_;
  size_t passed_ = 0;
  size_t run_ = 0;
};

}  // namespace tc::fhir::testing
