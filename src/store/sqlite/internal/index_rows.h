// File: store/sqlite/internal/index_rows.h
//
// How the SQLite backend keeps search index rows compactly:
//   * a parameter is a 64-bit key, ParamKey(resource type, code) (FNV-1a), so index tables hold
//     one integer instead of the type and code strings;
//   * each index table is one WITHOUT ROWID B-tree ordered for search (parameter key, value…,
//     rkey) — except references, which also have a by-resource B-tree for reverse chains;
//   * a resource's rows are also kept, encoded, in resource_index_rows: an update or
//     delete finds the rows to remove there (no by-resource index needed), and sorting reads a
//     matched resource's sort value from it (SQL function tc_sort_value).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "store/sqlite/internal/connection.h"
#include "store/store.h"

namespace tc::store::sqlite_internal {

// The key of search parameter `code` of resource type `type`.
int64_t ParamKey(absl::string_view type, absl::string_view code);

// One stored index row: its kind, parameter key, up to four text columns (in the kind's column
// order, see index_rows.cc) and a range.
struct KeyedRow {
  IndexRow::Kind kind = IndexRow::Kind::kToken;
  int64_t pid = 0;
  std::array<std::string, 4> t;
  double low = 0;
  double high = 0;

  auto Tie() const { return std::tie(kind, pid, t, low, high); }
  bool operator<(const KeyedRow& o) const { return Tie() < o.Tie(); }
  bool operator==(const KeyedRow& o) const { return Tie() == o.Tie(); }
};

// The stored form of `row` of a resource of type `type`. InvalidArgument for an unknown kind.
absl::StatusOr<KeyedRow> ToKeyedRow(absl::string_view type, const IndexRow& row);

// One encoded row seen in place (the texts point into the encoding).
struct RowView {
  IndexRow::Kind kind = IndexRow::Kind::kToken;
  int64_t pid = 0;
  std::array<absl::string_view, 4> t;
  double low = 0;
  double high = 0;
};

// Calls `fn` on each row of `blob` without copying, until it returns true (stop). Returns
// false when `blob` is not an encoding.
bool ForEachRow(absl::string_view blob, absl::FunctionRef<bool(const RowView&)> fn);

// The stored forms of a resource's `rows`, sorted and unique (as ReplaceRows wants them).
// InvalidArgument (prefixed with `context`) for an unknown kind.
absl::StatusOr<std::vector<KeyedRow>> ToKeyedRows(absl::string_view type,
                                                  const std::vector<IndexRow>& rows,
                                                  absl::string_view context);

// Encodes sorted, unique rows; decodes them (DataLoss when `blob` is not an encoding).
std::string EncodeRows(const std::vector<KeyedRow>& rows);
absl::StatusOr<std::vector<KeyedRow>> DecodeRows(absl::string_view blob);

// Inserts / deletes one row of resource `rkey` in its index table.
absl::Status InsertRow(Connection& conn, int64_t rkey, const KeyedRow& row);
absl::Status DeleteRow(Connection& conn, int64_t rkey, const KeyedRow& row);

// Brings resource `rkey`'s rows from `old_blob` (its encoded rows, "" for none) to `wanted`
// (sorted, unique) in the index tables and resource_index_rows, touching only the rows that
// differ: an update that leaves most search values alone writes few pages.
absl::Status ReplaceRows(Connection& conn, int64_t rkey, absl::string_view old_blob,
                         const std::vector<KeyedRow>& wanted);

// Registers tc_sort_value(index_rows, pid, kind, descending) on `conn`: the smallest (largest
// when descending) value of the resource's rows of that parameter — text for token/string/uri
// (`value`) and references (target id), real (low, or high when descending) for range kinds —
// or NULL when it has none.
absl::Status RegisterIndexFunctions(Connection& conn);

}  // namespace tc::store::sqlite_internal
