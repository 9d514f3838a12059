// File: engine/json_patch.h
//
// RFC 6902 JSON Patch (application/json-patch+json) applied to a resource tree, with RFC 6901
// JSON Pointers. This is the engine half of the FHIR `patch` interaction for JSON Patch bodies;
// FHIR Patch (Parameters + FHIRPath) is a separate module.
//
//   absl::StatusOr<fhir::Value> patch = fhir::ParseJson(body);
//   ...
//   fhir::Value resource = ...;  // the current version
//   absl::Status s = engine::ApplyJsonPatch(*patch, resource);
//   if (!s.ok()) return s;       // InvalidArgument; `resource` is untouched
//
// Semantics (RFC 6902 section 4, with the RFC's error-handling choices made explicit):
//   * `patch` must be an array of operation objects. Each needs a string "op" (one of add,
//     remove, replace, move, copy, test; case-sensitive) and a string "path"; add/replace/test
//     need "value" (JSON null is a value), move/copy need a string "from". Other members are
//     ignored (RFC 6902 A.11).
//   * Pointers: "" is the whole document; otherwise each reference token follows a '/', with
//     "~0" = '~' and "~1" = '/' (any other '~' escape is an error). Array tokens are "0" or a
//     decimal without leading zeros; "-" (past the end) is only valid as the last token of an
//     add / move / copy target, where it appends.
//   * add: the parent must exist (nothing is created recursively); an existing object member is
//     replaced in place, an array index may be 0..size (insert before; size appends). Adding at
//     "" replaces the whole document.
//   * remove: the target must exist. Removing the whole document ("") is rejected.
//   * replace: the target must exist; an object member keeps its position.
//   * move: `from` must exist and must not be a proper prefix of `path` (a value cannot move into
//     its own child); behaves as remove(from) then add(path). move onto itself is a no-op.
//   * copy: add(path, deep copy of the value at `from`).
//   * test: the value at `path` must equal "value": same JSON type; numbers equal numerically
//     (1 == 1.0 == 1e0, per RFC 6902 4.6, unlike fhir::Value's lexical operator==); strings
//     equal code-unit by code-unit; arrays element-wise in order; objects with the same member
//     names and equal values, in any order.
//
// Errors: all-or-nothing. Operations are applied in order to a copy of `target`; `target` is
// replaced only if every operation succeeds, so on any error it is left exactly as it was.
// Every error is absl::InvalidArgumentError, its message naming the zero-based operation index,
// the op name and its path, e.g.
//   JSON Patch operation 1 (add "/a/b"): path "/a" does not exist
//   JSON Patch operation 0 (test "/baz"): test operation failed: the value at "/baz" is not
//       equal to the given value
// (the REST layer maps InvalidArgument to 400 / 422; the op index lets a client find the
// offending operation).
//
// Limits (untrusted input): `copy` can double a document per operation and pointers can build
// deep trees, so the result is bounded by JsonPatchOptions; exceeding a bound is an
// InvalidArgument error like any other, and the target is untouched.
//
// Thread-safety: a pure function over its arguments; `target` must not be accessed concurrently.
#pragma once

#include <cstddef>

#include "absl/status/status.h"
#include "fhir/value.h"

namespace tc::engine {

struct JsonPatchOptions {
  // Most JSON nodes (scalars, arrays, objects; object member names are not counted separately)
  // the patched document may hold. Default: 1,000,000.
  size_t max_nodes = 1'000'000;
  // Deepest container nesting a value placed by add / replace / move / copy may reach (the number
  // of pointer tokens to its location plus its own nesting). Existing deeper content is not
  // re-checked. Default: 128, as fhir::JsonParseOptions.
  size_t max_depth = 128;
};

// Applies the RFC 6902 JSON Patch `patch` to `target` (see the file comment for the exact rules).
// Returns OK and replaces `target` with the patched document, or returns InvalidArgument and
// leaves `target` unchanged.
absl::Status ApplyJsonPatch(const fhir::Value& patch, fhir::Value& target,
                            const JsonPatchOptions& options = {});

}  // namespace tc::engine
