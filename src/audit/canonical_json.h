// File: audit/canonical_json.h
//
// A canonical JSON serialisation, so that the same AuditEvent always hashes to the same bytes
// however it was stored, re-parsed or re-ordered in between:
//   * object members sorted by key (byte-wise on UTF-8, which for FHIR's ASCII keys equals the
//     UTF-16 order of RFC 8785 §3.2.3); array order kept;
//   * no insignificant whitespace;
//   * strings escaped exactly as fhir::AppendJsonString does (control characters as \uXXXX);
//   * numbers written as their stored lexical form (FHIR decimals keep their precision). This is
//     the one deliberate difference from RFC 8785 (JCS), which rewrites numbers as IEEE doubles.
// Pure; thread-safe.
#pragma once

#include <string>

#include "fhir/value.h"

namespace tc::audit {

std::string CanonicalJson(const fhir::Value& value);

}  // namespace tc::audit
