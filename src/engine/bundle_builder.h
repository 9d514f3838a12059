// File: engine/bundle_builder.h
//
// Builds the Bundles the server returns: searchset (search results with paging links) and
// history. Entries carry the stored resources; fullUrl and links use the configured base URL.
#pragma once

#include <string>

#include "engine/repository.h"
#include "fhir/issue.h"
#include "fhir/value.h"
#include "store/store.h"

namespace tc::engine {

// `path` is the request path relative to the base ("Patient", "" for system level);
// `count`/`offset` are the page actually served.
fhir::Value SearchsetBundle(const std::string& base_url, const std::string& path,
                            const SearchOutcome& outcome, int64_t count, int64_t offset);

// The same Bundle as JSON text (exactly WriteJson(SearchsetBundle(...))), built by copying each
// stored resource in as it is: no parse and re-serialisation of the results.
std::string SearchsetBundleJson(const std::string& base_url, const std::string& path,
                                const SearchOutcome& outcome, int64_t count, int64_t offset);

// `path` is "Patient/1/_history", "Patient/_history" or "_history".
fhir::Value HistoryBundle(const std::string& base_url, const std::string& path,
                          const store::HistoryPage& page, const QueryParams& used, int64_t count,
                          int64_t offset);

// An OperationOutcome resource for `issues`.
fhir::Value OperationOutcome(const fhir::Issues& issues);

// "W/\"3\"" for version 3.
std::string WeakEtag(int64_t version);

}  // namespace tc::engine
