// File: engine/value_set_codes.h
//
// The codes a ValueSet held by the server contains, for token :in / :not-in search: its
// expansion when it has one, else its compose — include/exclude of listed concepts, of whole
// code systems the server holds (CodeSystem.concept, nested), and `is-a` / `descendent-of`
// filters over such a code system's hierarchy.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "fhir/value.h"

namespace tc::engine {

// The CodeSystem resource with canonical `url`, if the server holds one.
using CodeSystemLookup = std::function<std::optional<fhir::Value>(const std::string& url)>;

// (system, code) pairs, sorted and unique. 400 (BadRequest) when the ValueSet cannot be
// expanded here: an included code system the server does not hold, an unsupported filter, or
// an include of other value sets.
absl::StatusOr<std::vector<std::pair<std::string, std::string>>> CodesOfValueSet(
    const fhir::Value& value_set, const CodeSystemLookup& code_system);

// For token :below / :above over a CodeSystem held by the server (hierarchy as nested
// `concept`s): `code` and every code below it / above it. Empty when `code` is not in it.
std::vector<std::string> CodesBelow(const fhir::Value& code_system, const std::string& code);
std::vector<std::string> CodesAbove(const fhir::Value& code_system, const std::string& code);

}  // namespace tc::engine
