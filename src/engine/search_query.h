// File: engine/search_query.h
//
// Turns FHIR search parameters into a backend-neutral store::SearchQuery.
//
// Foundation scope (the issue "FHIRPath and complete FHIR search" completes it): `_id`,
// `_lastUpdated` with `ge`/`gt`, and every parameter of type token, string, reference or uri that
// engine/index_extract.h indexes, with OR (comma) and AND (repeated parameter). Result
// parameters `_count` and `_offset` set paging; `_sort`, `_total`, `_summary`, `_elements`,
// `_format` and `_pretty` are accepted (the REST layer applies the output ones).
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/repository.h"
#include "fhir/definitions.h"
#include "store/store.h"

namespace tc::engine {

struct ParsedSearch {
  store::SearchQuery query;
  QueryParams used;                  // understood parameters, canonical order
  std::vector<std::string> ignored;  // unknown / unsupported parameters (lenient mode)
};

// Parses `params` for `type`. Errors (400 via engine/errors.h): malformed values, and in strict
// mode any unknown or unsupported parameter.
absl::StatusOr<ParsedSearch> ParseSearch(const fhir::Definitions& definitions,
                                         const std::string& type, const QueryParams& params,
                                         const SearchOptions& options, int64_t max_count);

}  // namespace tc::engine
