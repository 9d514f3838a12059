// File: store/sqlite/internal/row_match.h
//
// Filtering search candidates by their own index rows. A criterion that does not drive a search
// is tested on each candidate through the SQL function tc_match(rows, spec): `rows` is the
// candidate's encoded index rows (resource_index_rows, index_rows.h), `spec` the criterion
// encoded by EncodeMatchSpec. One primary-key read per candidate, where `rkey IN (subquery)`
// would make SQLite list every matching row of the whole store first (every active
// MedicationRequest, every heart rate) before answering.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "store/sqlite/internal/connection.h"
#include "store/store.h"

namespace tc::store::sqlite_internal {

// Whether tc_match can test criteria of this match kind (the plain value matches; not _id,
// _lastUpdated, :missing, chains or reverse chains).
bool MatchableByRows(Criterion::Match match);

// The spec tc_match reads for criterion `c` of resource type `type` (any alternative matches).
// InvalidArgument for a match kind MatchableByRows rejects.
absl::StatusOr<std::string> EncodeMatchSpec(const Criterion& c, const std::string& type);

// Registers tc_match(rows BLOB, spec BLOB) → 1 when some row matches some alternative, else 0
// (NULL rows: no rows).
absl::Status RegisterMatchFunction(Connection& conn);

}  // namespace tc::store::sqlite_internal
