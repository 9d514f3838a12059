// File: fhirpath/regex.h
//
// Regular expressions for matches()/matchesFull()/replaceMatches(). std::regex (ECMAScript) with
// FHIRPath's conventions: '.' also matches line breaks (single-line mode), matchesFull anchors
// the whole string, and replaceMatches substitutions use $1-style group references.
// std::regex reports errors by exception; these wrappers catch them and return Status, so no
// exception leaves this module. std::regex also backtracks recursively, so callers bound the
// input length (the string functions refuse inputs over 16 KiB).
//
// Thread-safety: a compiled std::regex may be used from several threads concurrently.
#pragma once

#include <memory>
#include <regex>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace tc::fhirpath {

// Compiles `pattern` (anchored to the whole input when `full`). InvalidArgument when malformed.
absl::StatusOr<std::unique_ptr<std::regex>> CompileRegex(std::string_view pattern, bool full);

// Whether `re` matches somewhere in `s`.
absl::StatusOr<bool> RegexSearch(const std::regex& re, std::string_view s);

// Replaces every match of `re` in `s` with `substitution`.
absl::StatusOr<std::string> RegexReplace(const std::regex& re, std::string_view s,
                                         std::string_view substitution);

}  // namespace tc::fhirpath
