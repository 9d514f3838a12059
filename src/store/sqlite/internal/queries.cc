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
#include "store/sqlite/internal/sql_builder.h"
#include "store/sqlite/internal/time_units.h"

namespace tc::store::sqlite_internal {
namespace {

using Kind = IndexRow::Kind;

constexpr int kNumKinds = 8;

int KindBit(Kind kind) { return 1 << static_cast<int>(kind); }

bool IsKnownKind(Kind kind) { return static_cast<int>(kind) < kNumKinds; }

// One index row as stored, for comparing a resource's old rows with its new ones: up to four text
// columns (`t`, in the kind's column order) and a range.
struct StoredRow {
  std::string param;
  std::array<std::string, 4> t;
  double low = 0;
  double high = 0;

  auto Tie() const { return std::tie(param, t, low, high); }
  bool operator<(const StoredRow& o) const { return Tie() < o.Tie(); }
  bool operator==(const StoredRow& o) const { return Tie() == o.Tie(); }
};

StoredRow ToStoredRow(const IndexRow& row) {
  StoredRow out;
  out.param = row.param;
  switch (row.kind) {
    case Kind::kToken:
    case Kind::kReference:
      out.t[0] = row.system;
      out.t[1] = row.value;
      break;
    case Kind::kString:
      out.t[0] = row.value;
      out.t[1] = row.system;  // the text as written
      break;
    case Kind::kUri:
      out.t[0] = row.value;
      break;
    case Kind::kDate:
    case Kind::kNumber:
      out.low = row.low;
      out.high = row.high;
      break;
    case Kind::kQuantity:
      out.t[0] = row.system;
      out.t[1] = row.value;
      out.low = row.low;
      out.high = row.high;
      break;
    case Kind::kComposite:
      out.t[0] = row.system;
      out.t[1] = row.value;
      out.t[2] = row.system2;
      out.t[3] = row.value2;
      out.low = row.low;
      out.high = row.high;
      break;
  }
  return out;
}

// Per index kind, its statements. Parameters: ?1 rkey, ?2 param, ?3..?6 the kind's text
// columns, ?7/?8 low/high, ?9 type, ?10 patient compartment. `select` returns param, the text
// columns, then low/high.
struct IndexSql {
  absl::string_view select;      // a resource's rows
  absl::string_view insert;      // one row
  absl::string_view remove;      // one row
  absl::string_view remove_all;  // every row of a resource
  int texts;                     // number of text columns (0..4)
  bool numeric;                  // has low/high
};
constexpr std::array<IndexSql, kNumKinds> kIndexSql = {{
    {"SELECT param, system, value FROM idx_token WHERE rkey = ?1",
     "INSERT OR IGNORE INTO idx_token (rkey, param, system, value, type, patient_compartment) "
     "VALUES (?1, ?2, ?3, ?4, ?9, ?10)",
     "DELETE FROM idx_token WHERE rkey = ?1 AND param = ?2 AND system = ?3 AND value = ?4",
     "DELETE FROM idx_token WHERE rkey = ?1", 2, false},
    {"SELECT param, value, raw FROM idx_string WHERE rkey = ?1",
     "INSERT OR IGNORE INTO idx_string (rkey, param, value, raw, type, patient_compartment) "
     "VALUES (?1, ?2, ?3, ?4, ?9, ?10)",
     "DELETE FROM idx_string WHERE rkey = ?1 AND param = ?2 AND value = ?3 AND raw = ?4",
     "DELETE FROM idx_string WHERE rkey = ?1", 2, false},
    {"SELECT param, target_type, target_id FROM idx_reference WHERE rkey = ?1",
     "INSERT OR IGNORE INTO idx_reference "
     "(rkey, param, target_type, target_id, type, patient_compartment) "
     "VALUES (?1, ?2, ?3, ?4, ?9, ?10)",
     "DELETE FROM idx_reference WHERE rkey = ?1 AND param = ?2 AND target_type = ?3 "
     "AND target_id = ?4",
     "DELETE FROM idx_reference WHERE rkey = ?1", 2, false},
    {"SELECT param, low, high FROM idx_date WHERE rkey = ?1",
     "INSERT OR IGNORE INTO idx_date (rkey, param, low, high, type, patient_compartment) "
     "VALUES (?1, ?2, ?7, ?8, ?9, ?10)",
     "DELETE FROM idx_date WHERE rkey = ?1 AND param = ?2 AND low = ?7 AND high = ?8",
     "DELETE FROM idx_date WHERE rkey = ?1", 0, true},
    {"SELECT param, low, high FROM idx_number WHERE rkey = ?1",
     "INSERT OR IGNORE INTO idx_number (rkey, param, low, high, type, patient_compartment) "
     "VALUES (?1, ?2, ?7, ?8, ?9, ?10)",
     "DELETE FROM idx_number WHERE rkey = ?1 AND param = ?2 AND low = ?7 AND high = ?8",
     "DELETE FROM idx_number WHERE rkey = ?1", 0, true},
    {"SELECT param, value FROM idx_uri WHERE rkey = ?1",
     "INSERT OR IGNORE INTO idx_uri (rkey, param, value, type, patient_compartment) "
     "VALUES (?1, ?2, ?3, ?9, ?10)",
     "DELETE FROM idx_uri WHERE rkey = ?1 AND param = ?2 AND value = ?3",
     "DELETE FROM idx_uri WHERE rkey = ?1", 1, false},
    {"SELECT param, system, code, low, high FROM idx_quantity WHERE rkey = ?1",
     "INSERT OR IGNORE INTO idx_quantity "
     "(rkey, param, system, code, low, high, type, patient_compartment) "
     "VALUES (?1, ?2, ?3, ?4, ?7, ?8, ?9, ?10)",
     "DELETE FROM idx_quantity WHERE rkey = ?1 AND param = ?2 AND system = ?3 AND code = ?4 "
     "AND low = ?7 AND high = ?8",
     "DELETE FROM idx_quantity WHERE rkey = ?1", 2, true},
    {"SELECT param, a_system, a_value, b_system, b_value, low, high FROM idx_composite "
     "WHERE rkey = ?1",
     "INSERT OR IGNORE INTO idx_composite "
     "(rkey, param, a_system, a_value, b_system, b_value, low, high, type, patient_compartment) "
     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
     "DELETE FROM idx_composite WHERE rkey = ?1 AND param = ?2 AND a_system = ?3 "
     "AND a_value = ?4 AND b_system = ?5 AND b_value = ?6 AND low = ?7 AND high = ?8",
     "DELETE FROM idx_composite WHERE rkey = ?1", 4, true},
}};
static_assert(static_cast<int>(Kind::kToken) == 0 && static_cast<int>(Kind::kString) == 1 &&
                  static_cast<int>(Kind::kReference) == 2 && static_cast<int>(Kind::kDate) == 3 &&
                  static_cast<int>(Kind::kNumber) == 4 && static_cast<int>(Kind::kUri) == 5 &&
                  static_cast<int>(Kind::kQuantity) == 6 && static_cast<int>(Kind::kComposite) == 7,
              "kIndexSql is indexed by IndexRow::Kind");

// Binds ?2..?8 of an index statement to `row` (only those the statement uses).
void BindRow(Statement& st, const IndexSql& sql, const StoredRow& row) {
  st.BindText(2, row.param);
  for (int i = 0; i < sql.texts; ++i) st.BindText(3 + i, row.t[i]);
  if (sql.numeric) {
    st.BindDouble(7, row.low);
    st.BindDouble(8, row.high);
  }
}

// The resource's stored rows of one index kind, sorted.
absl::StatusOr<std::vector<StoredRow>> ReadRows(Connection& conn, const IndexSql& sql,
                                                int64_t rkey) {
  std::vector<StoredRow> rows;
  TC_ASSIGN_OR_RETURN(Statement st, conn.Prepare(sql.select));
  st.BindInt64(1, rkey);
  while (true) {
    TC_ASSIGN_OR_RETURN(bool more, st.Step());
    if (!more) break;
    StoredRow& row = rows.emplace_back();
    row.param = std::string(st.ColumnText(0));
    for (int i = 0; i < sql.texts; ++i) row.t[i] = std::string(st.ColumnText(1 + i));
    if (sql.numeric) {
      row.low = st.ColumnDouble(1 + sql.texts);
      row.high = st.ColumnDouble(2 + sql.texts);
    }
  }
  std::sort(rows.begin(), rows.end());
  return rows;
}

// Where the resource stands before a Put.
struct Previous {
  bool exists = false;
  int64_t rkey = 0;
  int64_t version = 0;
  bool deleted = false;
  int64_t index_kinds = 0;
  std::string patient_compartment;
};

// Brings the resource's index rows of every kind from what `prev` left to `wanted` (sorted,
// unique, per kind), touching only the rows that differ: an update that leaves most search
// values alone writes few index pages.
absl::Status ReplaceIndexRows(Connection& conn, const NewVersion& v, const Previous& prev,
                              int64_t rkey,
                              const std::array<std::vector<StoredRow>, kNumKinds>& wanted) {
  const bool had_rows = prev.exists && !prev.deleted;
  // A compartment change rewrites every row (the compartment is stored on each).
  const bool rewrite = had_rows && prev.patient_compartment != v.patient_compartment;
  for (int k = 0; k < kNumKinds; ++k) {
    const IndexSql& sql = kIndexSql[k];
    std::vector<StoredRow> have;
    if (had_rows && (prev.index_kinds & (1 << k)) != 0) {
      if (rewrite || wanted[k].empty()) {
        TC_ASSIGN_OR_RETURN(Statement st, conn.Prepare(sql.remove_all));
        st.BindInt64(1, rkey);
        TC_RETURN_IF_ERROR(st.Run());
      } else {
        TC_ASSIGN_OR_RETURN(have, ReadRows(conn, sql, rkey));
      }
    }
    if (have.empty() && wanted[k].empty()) continue;
    std::vector<StoredRow> stale;
    std::set_difference(have.begin(), have.end(), wanted[k].begin(), wanted[k].end(),
                        std::back_inserter(stale));
    if (!stale.empty()) {
      TC_ASSIGN_OR_RETURN(Statement st, conn.Prepare(sql.remove));
      for (const StoredRow& row : stale) {
        st.Reset();
        st.BindInt64(1, rkey);
        BindRow(st, sql, row);
        TC_RETURN_IF_ERROR(st.Run());
      }
    }
    std::vector<StoredRow> fresh;
    std::set_difference(wanted[k].begin(), wanted[k].end(), have.begin(), have.end(),
                        std::back_inserter(fresh));
    if (!fresh.empty()) {
      TC_ASSIGN_OR_RETURN(Statement st, conn.Prepare(sql.insert));
      for (const StoredRow& row : fresh) {
        st.Reset();
        st.BindInt64(1, rkey);
        BindRow(st, sql, row);
        st.BindText(9, v.type);
        st.BindText(10, v.patient_compartment);
        TC_RETURN_IF_ERROR(st.Run());
      }
    }
  }
  return absl::OkStatus();
}

// The writes of one Put, after its precondition check. Runs inside the Put's savepoint.
absl::Status WriteVersion(Connection& conn, const NewVersion& v, const Previous& prev,
                          const std::array<std::vector<StoredRow>, kNumKinds>& wanted,
                          int64_t new_kinds) {
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
                     "deleted, patient_compartment, index_kinds) "
                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
                     "ON CONFLICT (type, id) DO UPDATE SET version = excluded.version, "
                     "rid = excluded.rid, last_updated = excluded.last_updated, "
                     "deleted = excluded.deleted, "
                     "patient_compartment = excluded.patient_compartment, "
                     "index_kinds = excluded.index_kinds"));
    st.BindText(1, v.type);
    st.BindText(2, v.id);
    st.BindInt64(3, rkey);
    st.BindInt64(4, v.version);
    st.BindInt64(5, rid);
    st.BindInt64(6, ToMicros(v.last_updated));
    st.BindInt64(7, v.deleted ? 1 : 0);
    st.BindText(8, v.patient_compartment);
    st.BindInt64(9, new_kinds);
    TC_RETURN_IF_ERROR(st.Run());
  }
  return ReplaceIndexRows(conn, v, prev, rkey, wanted);
}

// Runs `sql` (a savepoint command) as a cached statement.
absl::Status RunSql(Connection& conn, absl::string_view sql) {
  TC_ASSIGN_OR_RETURN(Statement st, conn.Prepare(sql));
  return st.Run();
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
      conn.Prepare("SELECT c.version, c.last_updated, c.deleted, v.content "
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
  return out;
}

absl::StatusOr<std::optional<StoredVersion>> ReadVersion(Connection& conn, absl::string_view type,
                                                         absl::string_view id, int64_t version) {
  TC_ASSIGN_OR_RETURN(Statement st,
                      conn.Prepare("SELECT v.last_updated, v.deleted, v.content "
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
  return out;
}

absl::Status Put(Connection& conn, const NewVersion& v) {
  if (v.type.empty() || v.id.empty()) {
    return absl::InvalidArgumentError("Put: type and id must be non-empty");
  }
  std::array<std::vector<StoredRow>, kNumKinds> wanted;
  int64_t new_kinds = 0;
  if (!v.deleted) {
    for (const IndexRow& row : v.index) {
      if (!IsKnownKind(row.kind)) {
        return absl::InvalidArgumentError(
            absl::StrCat("Put: unknown index row kind ", static_cast<int>(row.kind)));
      }
      new_kinds |= KindBit(row.kind);
      wanted[static_cast<int>(row.kind)].push_back(ToStoredRow(row));
    }
    for (std::vector<StoredRow>& rows : wanted) {
      std::sort(rows.begin(), rows.end());
      rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
    }
  }
  Previous prev;
  {
    TC_ASSIGN_OR_RETURN(
        Statement st,
        conn.Prepare("SELECT rkey, version, deleted, index_kinds, patient_compartment "
                     "FROM current_resources WHERE type = ?1 AND id = ?2"));
    st.BindText(1, v.type);
    st.BindText(2, v.id);
    TC_ASSIGN_OR_RETURN(prev.exists, st.Step());
    if (prev.exists) {
      prev.rkey = st.ColumnInt64(0);
      prev.version = st.ColumnInt64(1);
      prev.deleted = st.ColumnInt64(2) != 0;
      prev.index_kinds = st.ColumnInt64(3);
      prev.patient_compartment = std::string(st.ColumnText(4));
    }
  }
  if (v.version != prev.version + 1) {
    return absl::FailedPreconditionError(absl::StrCat(v.type, "/", v.id, ": version ", v.version,
                                                      " is not current + 1 (current is ",
                                                      prev.version, ")"));
  }
  TC_RETURN_IF_ERROR(RunSql(conn, "SAVEPOINT tc_put"));
  absl::Status status = WriteVersion(conn, v, prev, wanted, new_kinds);
  if (!status.ok() && conn.InTransaction()) {
    RunSql(conn, "ROLLBACK TO tc_put").IgnoreError();
  }
  if (conn.InTransaction()) {
    absl::Status released = RunSql(conn, "RELEASE tc_put");
    if (status.ok()) status = released;
  }
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
  page.Append("SELECT v.type, v.id, v.version, v.last_updated, v.deleted, v.content");
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
  }
  return result;
}

}  // namespace tc::store::sqlite_internal
