// File: fhir/testing/known_failures.h
//
// For conformance tests only: reads a checked-in list of expected failures, one per line as
// "<case name> | <reason>" ('#' starts a comment line). An entry without a reason is reported as
// a test failure, so every listed failure keeps its explanation.
#pragma once

#include <filesystem>
#include <map>
#include <string>

namespace tc::fhir::testing {

// Case name → reason. Records a GoogleTest failure when the file cannot be read or an entry has
// no reason.
std::map<std::string, std::string> LoadKnownFailures(const std::filesystem::path& path);

}  // namespace tc::fhir::testing
