// File: store/sqlite/internal/queries.h
//
// The SQL of the SQLite backend: each store operation as a function over one Connection. These
// functions know the schema (schema.h) but nothing of threads, pools or group commit; the store
// (sqlite_store.cc) decides which connection and which transaction they run in.
//
// Every value reaches SQLite as a bound parameter; no value is ever spliced into SQL text.
// Times are stored as Unix microseconds: sub-microsecond parts of absl::Time are dropped
// (rounded toward the past).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "store/sqlite/internal/connection.h"
#include "store/store.h"

namespace tc::store::sqlite_internal {

// The current version of (type, id), possibly a delete marker; nullopt if it never existed.
// One statement, so it reads one consistent snapshot without an explicit transaction.
absl::StatusOr<std::optional<StoredVersion>> ReadCurrent(Connection& conn, absl::string_view type,
                                                         absl::string_view id);

// Version `version` of (type, id), including delete markers (deleted = true, content empty);
// nullopt if there is no such version.
absl::StatusOr<std::optional<StoredVersion>> ReadVersion(Connection& conn, absl::string_view type,
                                                         absl::string_view id, int64_t version);

// Stores `v` as the new current version of (v.type, v.id) and replaces that resource's index
// rows (removes them when `v.deleted`). Returns FailedPrecondition if v.version is not
// current + 1 (1 for a resource that never existed), InvalidArgument if type or id is empty or
// an index row has an unknown kind — in those cases nothing was written and `*partial` is false.
// On a later (SQLite) error `*partial` is true: some of the version may be written, and the
// caller MUST roll back to a savepoint taken before the call (Put takes none itself, as SQLite
// copies every page a savepoint touches). REQUIRES: `conn` is read-write, in a transaction.
absl::Status Put(Connection& conn, const NewVersion& v, bool* partial);

// Search over current, non-deleted versions (see SearchQuery; search_sql.cc). Runs two
// statements (count and page); wrap the call in a transaction for both to see the same
// snapshot. Cursors are opaque text (sort values and the row's key, separated by U+001F).
// Returns InvalidArgument for an empty type without a compartment, a negative limit or offset,
// a malformed cursor, or chains nested deeper than 8.
absl::StatusOr<SearchResult> Search(Connection& conn, const SearchQuery& query);

// Replaces the index rows and compartment of the current version (Transaction::Reindex).
// Same atomicity contract as Put (`*partial`).
absl::Status Reindex(Connection& conn, absl::string_view type, absl::string_view id,
                     const std::vector<IndexRow>& rows, absl::string_view patient_compartment,
                     bool* partial);

// Store::ScanCurrent / CountCurrent / GetMeta and Transaction::SetMeta.
absl::StatusOr<ScanPage> ScanCurrent(Connection& conn, int64_t after_key, int64_t limit);
absl::StatusOr<int64_t> CountCurrent(Connection& conn);
absl::StatusOr<std::optional<std::string>> GetMeta(Connection& conn, absl::string_view key);
// The audit log (audit_log.cc): Transaction::LastAuditLink / AppendAudit, Store::ReadAuditLog /
// SearchAudit.
absl::StatusOr<std::optional<AuditLink>> LastAuditLink(Connection& conn);
absl::Status AppendAudit(Connection& conn, const AuditRow& row);
absl::StatusOr<std::vector<AuditRow>> ReadAuditLog(Connection& conn, int64_t after_sequence,
                                                   int64_t limit);
absl::StatusOr<AuditPage> SearchAudit(Connection& conn, const AuditQuery& query);
absl::Status SetMeta(Connection& conn, absl::string_view key,
                     const std::optional<std::string>& value);

// History (see HistoryQuery), newest first: by last_updated, then version, then insertion order,
// all descending. With `at`, for each resource only the version with the highest version number
// among those updated at or before `at` (this may be a delete marker). Runs two statements; wrap
// the call in a transaction for one snapshot. Returns InvalidArgument when `id` is set without
// `type`, or limit/offset is negative.
absl::StatusOr<HistoryPage> History(Connection& conn, const HistoryQuery& query);

// The SQL text (with `?` placeholders) of the page query Search() runs for `query`, for
// checking query plans in tests. Returns InvalidArgument as Search() would.
absl::StatusOr<std::string> SearchPageSqlForTesting(const SearchQuery& query);

// The exclusive upper bound of the byte strings that start with `prefix`: the shortest string
// greater than all of them, or nullopt when there is none (prefix empty or all 0xFF bytes).
// Exposed for tests.
std::optional<std::string> PrefixUpperBound(absl::string_view prefix);

}  // namespace tc::store::sqlite_internal
