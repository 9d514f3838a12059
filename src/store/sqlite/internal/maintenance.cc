// Reindexing support and store-wide markers: scanning current resources in creation order,
// replacing a current version's index rows in place, and the store_meta table.
#include <algorithm>
#include <iterator>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "store/sqlite/internal/index_rows.h"
#include "store/sqlite/internal/queries.h"
#include "store/sqlite/internal/time_units.h"

namespace tc::store::sqlite_internal {

absl::Status Reindex(Connection& conn, absl::string_view type, absl::string_view id,
                     const std::vector<IndexRow>& rows, absl::string_view patient_compartment,
                     bool* partial) {
  *partial = false;
  TC_ASSIGN_OR_RETURN(std::vector<KeyedRow> wanted, ToKeyedRows(type, rows, "Reindex"));
  int64_t rkey = 0;
  std::string old_blob;
  {
    TC_ASSIGN_OR_RETURN(Statement st,
                        conn.Prepare("SELECT c.rkey, r.rows FROM current_resources c "
                                     "LEFT JOIN resource_index_rows r ON r.rkey = c.rkey "
                                     "WHERE c.type = ?1 AND c.id = ?2 AND c.deleted = 0"));
    st.BindText(1, type);
    st.BindText(2, id);
    TC_ASSIGN_OR_RETURN(bool found, st.Step());
    if (!found) return absl::NotFoundError(absl::StrCat(type, "/", id, " has no current version"));
    rkey = st.ColumnInt64(0);
    old_blob = std::string(st.ColumnBlob(1));
  }
  absl::Status status = [&]() -> absl::Status {
    TC_RETURN_IF_ERROR(ReplaceRows(conn, rkey, old_blob, wanted));
    TC_ASSIGN_OR_RETURN(Statement st,
                        conn.Prepare("UPDATE current_resources SET patient_compartment = ?3 "
                                     "WHERE type = ?1 AND id = ?2"));
    st.BindText(1, type);
    st.BindText(2, id);
    st.BindText(3, patient_compartment);
    return st.Run();
  }();
  *partial = !status.ok();
  return status;
}

absl::StatusOr<ScanPage> ScanCurrent(Connection& conn, int64_t after_key, int64_t limit) {
  if (limit < 0) return absl::InvalidArgumentError("ScanCurrent: negative limit");
  ScanPage page;
  page.last_key = after_key;
  TC_ASSIGN_OR_RETURN(
      Statement st,
      conn.Prepare("SELECT c.rkey, c.type, c.id, c.version, c.last_updated, v.content, "
                   "c.patient_compartment "
                   "FROM current_resources c INDEXED BY current_resources_by_rkey "
                   "JOIN resource_versions v ON v.rid = c.rid "
                   "WHERE c.rkey > ?1 AND c.deleted = 0 ORDER BY c.rkey LIMIT ?2"));
  st.BindInt64(1, after_key);
  st.BindInt64(2, limit);
  while (true) {
    TC_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    page.last_key = st.ColumnInt64(0);
    StoredVersion& v = page.versions.emplace_back();
    v.type = std::string(st.ColumnText(1));
    v.id = std::string(st.ColumnText(2));
    v.version = st.ColumnInt64(3);
    v.last_updated = FromMicros(st.ColumnInt64(4));
    v.content = std::string(st.ColumnBlob(5));
    v.patient_compartment = std::string(st.ColumnText(6));
  }
  return page;
}

absl::StatusOr<int64_t> CountCurrent(Connection& conn) {
  TC_ASSIGN_OR_RETURN(Statement st,
                      conn.Prepare("SELECT count(*) FROM current_resources WHERE deleted = 0"));
  TC_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return absl::InternalError("count(*) returned no row");
  return st.ColumnInt64(0);
}

absl::StatusOr<std::optional<std::string>> GetMeta(Connection& conn, absl::string_view key) {
  TC_ASSIGN_OR_RETURN(Statement st, conn.Prepare("SELECT value FROM store_meta WHERE key = ?1"));
  st.BindText(1, key);
  TC_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return std::optional<std::string>();
  return std::optional<std::string>(std::string(st.ColumnText(0)));
}

absl::Status SetMeta(Connection& conn, absl::string_view key,
                     const std::optional<std::string>& value) {
  if (!value) {
    TC_ASSIGN_OR_RETURN(Statement st, conn.Prepare("DELETE FROM store_meta WHERE key = ?1"));
    st.BindText(1, key);
    return st.Run();
  }
  TC_ASSIGN_OR_RETURN(
      Statement st, conn.Prepare("INSERT OR REPLACE INTO store_meta (key, value) VALUES (?1, ?2)"));
  st.BindText(1, key);
  st.BindText(2, *value);
  return st.Run();
}

}  // namespace tc::store::sqlite_internal
