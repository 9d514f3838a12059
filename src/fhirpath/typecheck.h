// File: fhirpath/typecheck.h
//
// Compile-time checks of an AST against the FHIR definitions, given the type of the context the
// expression will be evaluated on (CompileOptions::context_type). The checker infers the
// possible FHIR types along member paths and reports, as InvalidArgument with the offset:
//   * an element name that no possible input type defines (`Patient.name.given1`);
//   * a path that starts with a resource type other than the context's (`Encounter.name` on a
//     Patient);
//   * a member of a type selected by `as`/`ofType` that the type lacks
//     (`(Observation.value as Period).unit`);
//   * with `check_ordered_functions`, an order-dependent function (first, last, tail, skip,
//     take, single, an indexer) applied to the unordered output of children()/descendants().
// Where the types cannot be known (function results, polymorphic resources, System values) the
// checker stays silent: it reports only certain errors.
//
// Thread-safety: pure function.
#pragma once

#include <string_view>

#include "absl/status/status.h"
#include "fhirpath/ast.h"
#include "fhirpath/model.h"

namespace tc::fhirpath {

absl::Status TypeCheck(const Model& model, const Node& root, std::string_view context_type,
                       bool check_ordered_functions);

}  // namespace tc::fhirpath
