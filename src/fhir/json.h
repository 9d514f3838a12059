// File: fhir/json.h
//
// JSON in and out of the resource tree (DESIGN.md decision 4): simdjson parses, a streaming
// writer serialises.
//
//   absl::StatusOr<Value> v = ParseJson(body);      // InvalidArgument with line/column on error
//   std::string text = WriteJson(*v);                // compact, member order preserved
//   std::string pretty = WriteJson(*v, {.pretty = true});
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "fhir/value.h"

namespace tc::fhir {

struct JsonParseOptions {
  // Deepest nesting accepted; deeper documents are rejected (protects the stack).
  int max_depth = 128;
  // Reject objects with a repeated member name (FHIR forbids them).
  bool reject_duplicate_keys = true;
};

// Parses one JSON document. Returns InvalidArgument with a description (and the byte offset
// where known) when the text is not valid JSON, is nested too deeply, has duplicate keys, or has
// trailing content.
absl::StatusOr<Value> ParseJson(std::string_view text, const JsonParseOptions& options = {});

struct JsonWriteOptions {
  bool pretty = false;  // two-space indentation, one member per line
};

// Serialises `value`. Never fails; strings are escaped per RFC 8259 (control characters as \uXXXX,
// '/' left alone), numbers are written as their stored lexical form.
std::string WriteJson(const Value& value, const JsonWriteOptions& options = {});

// Appends the serialisation of `value` to `out` (for streaming several values into one buffer).
void AppendJson(const Value& value, const JsonWriteOptions& options, std::string& out);

// Appends `s` as a quoted, escaped JSON string.
void AppendJsonString(std::string_view s, std::string& out);

}  // namespace tc::fhir
