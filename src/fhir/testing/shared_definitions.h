// File: fhir/testing/shared_definitions.h
//
// For tests, benchmarks and fuzzers only (never linked into the product): the embedded FHIR
// definitions loaded once per process, and a whole-file reader. Aborts with a message when the
// definitions cannot load, since nothing in such a program can run without them.
#pragma once

#include <filesystem>
#include <string>

#include "fhir/definitions.h"

namespace tc::fhir::testing {

// The embedded definitions; loaded on first use, immutable afterwards, safe to share across
// threads.
const Definitions& SharedDefinitions();

// The file's bytes, or "" when it cannot be read.
std::string ReadFileOrEmpty(const std::filesystem::path& path);

}  // namespace tc::fhir::testing
