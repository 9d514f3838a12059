// File: engine/fhir_patch.h
//
// FHIR Patch (https://hl7.org/fhir/R4/fhirpatch.html): a `Parameters` resource whose `operation`
// parameters edit a resource tree at places found with FHIRPath. This is the engine half of the
// FHIR `patch` interaction for Parameters bodies; RFC 6902 JSON Patch is json_patch.h.
//
//   const fhir::Definitions& defs = ...;
//   fhir::Value parameters = ...;  // {"resourceType":"Parameters","parameter":[...]}
//   fhir::Value resource = ...;    // the current version
//   absl::Status s = engine::ApplyFhirPatch(defs, parameters, resource);
//   if (!s.ok()) return s;         // InvalidArgument; `resource` is untouched
//
// The patch document. `parameters` must be a Parameters resource; every `parameter` must be named
// "operation" and carry `part`s, each named once at most, from:
//   type         valueCode (or valueString): add | insert | delete | replace | move (exact case)
//   path         valueString (or valueCode): a FHIRPath expression evaluated on the resource
//   name         valueString (or valueCode): the element to add (add only)
//   value        the new content (add, insert, replace): a `value[x]` (with its `_value[x]`
//                sibling when the primitive carries an id or extensions), a `resource`, or -- for
//                anonymous (BackboneElement) and complex types -- nested `part`s, each named after
//                a child element and holding a value in the same three forms (a child that may
//                repeat takes one entry per part of that name, in order). R4 has no
//                valueExtension, so an extension is given as parts: url + value.
//   index        valueInteger (insert), source and destination valueInteger (move); also
//                valueUnsignedInt / valuePositiveInt; zero-based
// Parts a type does not use are ignored; unknown part names, duplicate parts, missing required
// parts and values of the wrong kind are errors.
//
// Operations, applied in order, each seeing the result of the previous ones:
//   * add: `path` must match exactly one element, the container. Its child `name` (an element
//     name such as "birthDate", "contact", or "value" for a choice element, whose JSON member then
//     takes the value's type: "valueString") receives `value`: appended when the child may repeat;
//     otherwise the child must be absent (use replace to change it). The container may be a
//     primitive (its id / extensions are then added, in the `_name` sibling).
//   * insert: `path` must match a whole repeating element -- every item of one list, in order
//     (e.g. "Patient.identifier") -- and `value` is inserted before position `index` (0..size;
//     size appends). When the list is empty, a path of the form "<parent>.<element>" whose parent
//     matches exactly one element creates it, with index 0.
//   * delete: `path` must match at most one element; no match is not an error (nothing happens).
//     Elements (objects / arrays) left empty by the deletion are removed in turn, up to, but not
//     including, the resource itself.
//   * replace: `path` must match exactly one element, which is replaced whole (value, id and
//     extensions) by `value`; replacing a choice element with a value of another type changes its
//     JSON member name (valueQuantity -> valueString).
//   * move: `path` must match a whole repeating element (as insert); the item at `source` is
//     removed, then inserted at `destination` of the shortened list (both 0..size-1).
// Values: a primitive `value` must be of the element's type, a type derived from it (valueCode
// for a string element), or another primitive with the same JSON representation (valueString for
// a code or xhtml element); complex values must be of the element's type or one derived from it
// (valueAge for a Quantity element). Choice elements accept exactly their listed types. Values
// keep their JSON form as parsed (numbers keep their lexical text). Repeating primitives keep the
// parallel `name` / `_name` arrays aligned (padded with nulls; an array without a non-null entry
// is omitted). The patched resource is NOT otherwise validated (cardinalities, bindings,
// invariants): the caller validates it, as for any write.
//
// FHIRPath: paths are compiled against the resource's type (static checks on: an unknown element
// name is an error, not an empty match), with choice elements accepted with their type suffix
// ("Observation.valueQuantity"). %resource is the resource being patched.
//
// Errors: all-or-nothing. Operations are applied to a copy of `target`, which is replaced only if
// every operation succeeds; on any error it is left exactly as it was. Every error is
// absl::InvalidArgumentError naming the zero-based parameter index, the type and the path, e.g.
//   FHIR Patch operation 1 (add "Patient.identifier.where(use = 'official').period"): the path
//       matched no element (add needs exactly one)
// (the REST layer maps InvalidArgument to 400 / 422).
//
// Limits (untrusted input): values nest as deep as the Parameters holding them, and adds can
// deepen the resource, so the nesting of placed content is bounded by FhirPatchOptions; content
// never grows beyond the resource plus the Parameters (no operation copies existing content).
//
// Thread-safety: a pure function over its arguments; `target` must not be accessed concurrently.
// `defs` must be the registry the trees were parsed against.
#pragma once

#include <cstddef>

#include "absl/status/status.h"
#include "base/clock.h"
#include "fhir/definitions.h"
#include "fhir/value.h"

namespace tc::engine {

struct FhirPatchOptions {
  // Deepest container nesting (JSON objects and arrays) content placed by add / insert / replace
  // may reach, counting the containers that enclose it in the resource. Existing deeper content
  // is not re-checked. Default: 128, as fhir::JsonParseOptions.
  size_t max_depth = 128;
  // Source of now() / today() in paths. Default (nullptr): the system clock.
  const base::Clock* clock = nullptr;
};

// Applies the FHIR Patch `parameters` to the resource `target` (see the file comment for the
// exact rules). Returns OK and replaces `target` with the patched resource, or returns
// InvalidArgument and leaves `target` unchanged.
absl::Status ApplyFhirPatch(const fhir::Definitions& defs, const fhir::Value& parameters,
                            fhir::Value& target, const FhirPatchOptions& options = {});

}  // namespace tc::engine
