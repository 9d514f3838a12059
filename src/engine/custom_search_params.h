// File: engine/custom_search_params.h
//
// SearchParameter resources a deployment adds (e.g. UK Core's): turning one into the engine's
// SearchParamDef, and checking it before it is stored.
#pragma once

#include "absl/status/statusor.h"
#include "fhir/definitions.h"
#include "fhir/issue.h"
#include "fhir/value.h"

namespace tc::engine {

// The definition a SearchParameter resource states. InvalidArgument when code, type or base is
// missing, or a base is not a resource type.
absl::StatusOr<fhir::SearchParamDef> SearchParamDefOf(const fhir::Definitions& definitions,
                                                      const fhir::Value& search_parameter);

// Problems that make `search_parameter` wrong to store (empty when it can be stored): the above,
// or an expression that does not compile for one of its bases. A valid parameter the server
// cannot index (special type, no expression, composite of more than two components) is
// accepted; it is simply not searchable (and absent from the CapabilityStatement).
fhir::Issues CheckSearchParameter(const fhir::Definitions& definitions,
                                  const fhir::Value& search_parameter);

}  // namespace tc::engine
