#include "store/sqlite/internal/queries.h"

#include <algorithm>
#include <array>
#include <iterator>
#include <tuple>
#include <utility>
#include <variant>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "base/status_macros.h"
#include "store/sqlite/internal/index_rows.h"
#include "store/sqlite/internal/sql_builder.h"
#include "store/sqlite/internal/time_units.h"

namespace tc::store::sqlite_internal {
namespace {

// Where the resource stands before a Put.
struct Previous {
  bool exists = false;
  int64_t rkey = 0;
  int64_t version = 0;
  bool deleted = false;
  std::string index_rows;  // encoded (index_rows.h)
};

// The writes of one Put, after its precondition check. Runs inside the Put's savepoint.
absl::Status WriteVersion(Connection& conn, const NewVersion& v, const Previous& prev,
                          const std::vector<KeyedRow>& wanted) {
  int64_t rkey = prev.rkey;
  if (!prev.exists) {
    TC_ASSIGN_OR_RETURN(Statement st,
                        conn.Prepare("SELECT coalesce(max(rkey), 0) + 1 FROM current_resources"));
    TC_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) return absl::InternalError("max(rkey) returned no row");
    rkey = st.ColumnInt64(0);
  }
  static constexpr absl::string_view kEmpty;
  const absl::string_view content = v.deleted ? kEmpty : absl::string_view(v.content);
  {
    TC_ASSIGN_OR_RETURN(
        Statement st,
        conn.Prepare("INSERT INTO resource_versions (rkey, type, id, version, last_updated, "
                     "deleted, content, patient_compartment) "
                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"));
    st.BindInt64(1, rkey);
    st.BindText(2, v.type);
    st.BindText(3, v.id);
    st.BindInt64(4, v.version);
    st.BindInt64(5, ToMicros(v.last_updated));
    st.BindInt64(6, v.deleted ? 1 : 0);
    st.BindBlob(7, content);
    st.BindText(8, v.patient_compartment);
    TC_RETURN_IF_ERROR(st.Run());
  }
  const int64_t rid = conn.LastInsertRowId();
  {
    TC_ASSIGN_OR_RETURN(
        Statement st,
        conn.Prepare("INSERT INTO current_resources (type, id, rkey, version, rid, last_updated, "
                     "deleted, patient_compartment) "
                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
                     "ON CONFLICT (type, id) DO UPDATE SET version = excluded.version, "
                     "rid = excluded.rid, last_updated = excluded.last_updated, "
                     "deleted = excluded.deleted, "
                     "patient_compartment = excluded.patient_compartment"));
    st.BindText(1, v.type);
    st.BindText(2, v.id);
    st.BindInt64(3, rkey);
    st.BindInt64(4, v.version);
    st.BindInt64(5, rid);
    st.BindInt64(6, ToMicros(v.last_updated));
    st.BindInt64(7, v.deleted ? 1 : 0);
    st.BindText(8, v.patient_compartment);
    TC_RETURN_IF_ERROR(st.Run());
  }
  const bool had_rows = prev.exists && !prev.deleted;
  return ReplaceRows(conn, rkey, had_rows ? absl::string_view(prev.index_rows) : "", wanted);
}

// ---- Query building -------------------------------------------------------------------------

// Appends FROM and WHERE of a history query (`v` is resource_versions).
void AppendHistoryFromWhere(const HistoryQuery& q, SqlBuilder& b) {
  if (!q.id.empty()) {
    // One resource: its versions by (rkey, version). (Left alone, SQLite prefers walking every
    // version of the type in time order to avoid sorting a handful of rows.)
    b.Append(" FROM resource_versions v INDEXED BY resource_versions_by_resource");
    b.Append(" WHERE v.rkey = (SELECT rkey FROM current_resources WHERE type = ").Arg(q.type);
    b.Append(" AND id = ").Arg(q.id).Append(")");
  } else {
    b.Append(" FROM resource_versions v WHERE 1");
    if (!q.type.empty()) b.Append(" AND v.type = ").Arg(q.type);
  }
  if (q.since.has_value()) b.Append(" AND v.last_updated >= ").Arg(ToMicros(*q.since));
  if (q.at.has_value()) {
    const int64_t at = ToMicros(*q.at);
    b.Append(" AND v.last_updated <= ").Arg(at);
    b.Append(
        " AND NOT EXISTS (SELECT 1 FROM resource_versions n WHERE n.rkey = v.rkey"
        " AND n.version > v.version AND n.last_updated <= ");
    b.Arg(at).Append(")");
  }
}

absl::StatusOr<int64_t> Count(Connection& conn, const SqlBuilder& b) {
  TC_ASSIGN_OR_RETURN(Statement st, b.Prepare(conn));
  TC_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return absl::InternalError("count(*) returned no row");
  return st.ColumnInt64(0);
}

}  // namespace

absl::StatusOr<std::optional<StoredVersion>> ReadCurrent(Connection& conn, absl::string_view type,
                                                         absl::string_view id) {
  TC_ASSIGN_OR_RETURN(
      Statement st,
      conn.Prepare("SELECT c.version, c.last_updated, c.deleted, v.content, c.patient_compartment "
                   "FROM current_resources c JOIN resource_versions v ON v.rid = c.rid "
                   "WHERE c.type = ?1 AND c.id = ?2"));
  st.BindText(1, type);
  st.BindText(2, id);
  TC_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return std::nullopt;
  StoredVersion out;
  out.type = std::string(type);
  out.id = std::string(id);
  out.version = st.ColumnInt64(0);
  out.last_updated = FromMicros(st.ColumnInt64(1));
  out.deleted = st.ColumnInt64(2) != 0;
  out.content = std::string(st.ColumnBlob(3));
  out.patient_compartment = std::string(st.ColumnText(4));
  return out;
}

absl::StatusOr<std::optional<StoredVersion>> ReadVersion(Connection& conn, absl::string_view type,
                                                         absl::string_view id, int64_t version) {
  TC_ASSIGN_OR_RETURN(
      Statement st,
      conn.Prepare("SELECT v.last_updated, v.deleted, v.content, v.patient_compartment "
                   "FROM current_resources c JOIN resource_versions v "
                   "ON v.rkey = c.rkey AND v.version = ?3 "
                   "WHERE c.type = ?1 AND c.id = ?2"));
  st.BindText(1, type);
  st.BindText(2, id);
  st.BindInt64(3, version);
  TC_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return std::nullopt;
  StoredVersion out;
  out.type = std::string(type);
  out.id = std::string(id);
  out.version = version;
  out.last_updated = FromMicros(st.ColumnInt64(0));
  out.deleted = st.ColumnInt64(1) != 0;
  out.content = std::string(st.ColumnBlob(2));
  out.patient_compartment = std::string(st.ColumnText(3));
  return out;
}

absl::Status Put(Connection& conn, const NewVersion& v, bool* partial) {
  *partial = false;
  if (v.type.empty() || v.id.empty()) {
    return absl::InvalidArgumentError("Put: type and id must be non-empty");
  }
  std::vector<KeyedRow> wanted;
  if (!v.deleted) {
    TC_ASSIGN_OR_RETURN(wanted, ToKeyedRows(v.type, v.index, "Put"));
  }
  Previous prev;
  {
    TC_ASSIGN_OR_RETURN(Statement st,
                        conn.Prepare("SELECT c.rkey, c.version, c.deleted, r.rows "
                                     "FROM current_resources c LEFT JOIN resource_index_rows r "
                                     "ON r.rkey = c.rkey WHERE c.type = ?1 AND c.id = ?2"));
    st.BindText(1, v.type);
    st.BindText(2, v.id);
    TC_ASSIGN_OR_RETURN(prev.exists, st.Step());
    if (prev.exists) {
      prev.rkey = st.ColumnInt64(0);
      prev.version = st.ColumnInt64(1);
      prev.deleted = st.ColumnInt64(2) != 0;
      prev.index_rows = std::string(st.ColumnBlob(3));
    }
  }
  if (v.version != prev.version + 1) {
    return absl::FailedPreconditionError(absl::StrCat(v.type, "/", v.id, ": version ", v.version,
                                                      " is not current + 1 (current is ",
                                                      prev.version, ")"));
  }
  // No savepoint of its own (SQLite copies every page a savepoint touches): the caller rolls
  // back its enclosing one when `*partial` (see queries.h).
  absl::Status status = WriteVersion(conn, v, prev, wanted);
  *partial = !status.ok();
  return status;
}

absl::StatusOr<HistoryPage> History(Connection& conn, const HistoryQuery& query) {
  if (!query.id.empty() && query.type.empty()) {
    return absl::InvalidArgumentError("History: id requires type");
  }
  if (query.limit < 0 || query.offset < 0) {
    return absl::InvalidArgumentError("History: limit and offset must not be negative");
  }
  HistoryPage result;
  {
    SqlBuilder count;
    count.Append("SELECT count(*)");
    AppendHistoryFromWhere(query, count);
    TC_ASSIGN_OR_RETURN(result.total, Count(conn, count));
  }
  if (query.limit == 0 || query.offset >= result.total) return result;

  SqlBuilder page;
  page.Append(
      "SELECT v.type, v.id, v.version, v.last_updated, v.deleted, v.content, "
      "v.patient_compartment");
  AppendHistoryFromWhere(query, page);
  page.Append(" ORDER BY v.last_updated DESC, v.version DESC, v.rid DESC LIMIT ")
      .Arg(query.limit)
      .Append(" OFFSET ")
      .Arg(query.offset);
  TC_ASSIGN_OR_RETURN(Statement st, page.Prepare(conn));
  while (true) {
    TC_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    StoredVersion& out = result.versions.emplace_back();
    out.type = std::string(st.ColumnText(0));
    out.id = std::string(st.ColumnText(1));
    out.version = st.ColumnInt64(2);
    out.last_updated = FromMicros(st.ColumnInt64(3));
    out.deleted = st.ColumnInt64(4) != 0;
    out.content = std::string(st.ColumnBlob(5));
    out.patient_compartment = std::string(st.ColumnText(6));
  }
  return result;
}

}  // namespace tc::store::sqlite_internal
