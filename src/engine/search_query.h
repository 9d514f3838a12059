// File: engine/search_query.h
//
// Turns FHIR search parameters (FHIR R4 3.1.1) into a backend-neutral store::SearchQuery plus the
// result parameters the repository applies (_include, _revinclude).
//
// Understood:
//   * every indexed parameter (engine/index_extract.h) of type number, date, string, token,
//     reference, quantity, uri and composite, with OR (comma) and AND (repeated parameter);
//   * prefixes eq ne gt lt ge le sa eb ap on number, date and quantity;
//   * modifiers: :missing (all); string :exact :contains; token :not :text :of-type :in :not-in
//     (value sets resolved through SearchContext::value_set); reference :[Type] :identifier;
//     uri :above :below;
//   * chains to any depth up to kMaxChainDepth (`subject:Patient.organization.name=x`), reverse
//     chains `_has:Type:param:name=value` (nested), `_id`, `_lastUpdated`, `_text`, `_list`;
//   * result parameters _count, _offset, _cursor (keyset paging), _sort (several keys, `-` for
//     descending, any indexed parameter), _total (none / estimate / accurate), _include and
//     _revinclude (with :iterate and `*`), _summary, _elements, _format, _pretty, _contained.
//   * token :above / :below over a CodeSystem the server holds (nested concepts as hierarchy).
// Not understood: _content, _query, _filter, _type (system search), Location `near`. In strict mode these and unknown parameters are a 400; in lenient mode they
// are ignored and listed in ParsedSearch::ignored.
//
// Malformed values (bad dates, unknown prefixes, chains through non-reference parameters,
// more than kMaxOrValues alternatives, chains deeper than kMaxChainDepth) are a 400 in both
// modes, with the offending parameter as the expression.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "engine/repository.h"
#include "fhir/definitions.h"
#include "fhir/value.h"
#include "store/store.h"

namespace tc::engine {

class Indexer;

inline constexpr int kMaxChainDepth = 4;
inline constexpr size_t kMaxOrValues = 200;

// One _include / _revinclude: resources of `target_type` ("" = any the parameter allows)
// referenced from (include) or referencing (revinclude) the matches through `source_type`'s
// reference parameter `param` ("*" = all of them).
struct IncludeSpec {
  std::string source_type;
  std::string param;
  std::string target_type;
  bool iterate = false;
};

struct ParsedSearch {
  store::SearchQuery query;
  std::vector<IncludeSpec> includes;
  std::vector<IncludeSpec> revincludes;
  QueryParams used;                  // understood parameters, canonical order
  std::vector<std::string> ignored;  // unknown / unsupported parameters (lenient mode)
};

// What the parser needs besides the definitions.
struct SearchContext {
  const fhir::Definitions& definitions;
  const Indexer& indexer;
  absl::Time now;  // for `ap` on dates
  int64_t max_count = 1000;
  std::string base_url;  // references to it are searched in relative form
  // The codes of the ValueSet with canonical `url` (for :in / :not-in), NotFound when the server
  // holds no such ValueSet. May be empty: then :in / :not-in are unsupported.
  std::function<absl::StatusOr<std::vector<std::pair<std::string, std::string>>>(
      const std::string& url)>
      value_set;
  // The CodeSystem resource with canonical `url` the server holds (for token :above / :below),
  // nullopt when none. May be empty: then those modifiers are unsupported.
  std::function<std::optional<fhir::Value>(const std::string& url)> code_system;
};

// Parses `params` for `type`. Errors (400 via engine/errors.h): malformed values, and in strict
// mode any unknown or unsupported parameter.
absl::StatusOr<ParsedSearch> ParseSearch(const SearchContext& context, const std::string& type,
                                         const QueryParams& params, const SearchOptions& options);

// The opaque `_cursor` value of a page boundary, and back.
std::string EncodeCursor(const std::string& store_cursor, bool before);

}  // namespace tc::engine
