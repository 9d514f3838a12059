#include "store/sqlite/internal/queries.h"

#include <array>
#include <utility>
#include <variant>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "base/status_macros.h"

namespace tc::store::sqlite_internal {
namespace {

using Kind = IndexRow::Kind;

constexpr int kNumKinds = 6;

int KindBit(Kind kind) { return 1 << static_cast<int>(kind); }

bool IsKnownKind(Kind kind) { return static_cast<int>(kind) < kNumKinds; }

int64_t ToMicros(absl::Time t) { return absl::ToUnixMicros(t); }
absl::Time FromMicros(int64_t us) { return absl::FromUnixMicros(us); }

// Per index kind: the statement that removes a resource's rows, and the one that adds a row.
struct IndexSql {
  absl::string_view remove;
  absl::string_view insert;
};
// Insert parameters: ?1 type, ?2 id, ?3 param, ?4 compartment, then ?5.. the kind's values.
constexpr std::array<IndexSql, kNumKinds> kIndexSql = {{
    {"DELETE FROM idx_token WHERE type = ?1 AND id = ?2",
     "INSERT OR IGNORE INTO idx_token (type, id, param, patient_compartment, system, value) "
     "VALUES (?1, ?2, ?3, ?4, ?5, ?6)"},
    {"DELETE FROM idx_string WHERE type = ?1 AND id = ?2",
     "INSERT OR IGNORE INTO idx_string (type, id, param, patient_compartment, value) "
     "VALUES (?1, ?2, ?3, ?4, ?5)"},
    {"DELETE FROM idx_reference WHERE type = ?1 AND id = ?2",
     "INSERT OR IGNORE INTO idx_reference "
     "(type, id, param, patient_compartment, target_type, target_id) "
     "VALUES (?1, ?2, ?3, ?4, ?5, ?6)"},
    {"DELETE FROM idx_date WHERE type = ?1 AND id = ?2",
     "INSERT OR IGNORE INTO idx_date (type, id, param, patient_compartment, low, high) "
     "VALUES (?1, ?2, ?3, ?4, ?5, ?6)"},
    {"DELETE FROM idx_number WHERE type = ?1 AND id = ?2",
     "INSERT OR IGNORE INTO idx_number (type, id, param, patient_compartment, low, high) "
     "VALUES (?1, ?2, ?3, ?4, ?5, ?6)"},
    {"DELETE FROM idx_uri WHERE type = ?1 AND id = ?2",
     "INSERT OR IGNORE INTO idx_uri (type, id, param, patient_compartment, value) "
     "VALUES (?1, ?2, ?3, ?4, ?5)"},
}};
static_assert(static_cast<int>(Kind::kToken) == 0 && static_cast<int>(Kind::kString) == 1 &&
                  static_cast<int>(Kind::kReference) == 2 && static_cast<int>(Kind::kDate) == 3 &&
                  static_cast<int>(Kind::kNumber) == 4 && static_cast<int>(Kind::kUri) == 5,
              "kIndexSql is indexed by IndexRow::Kind");

// The writes of one Put, after its precondition check. Runs inside the Put's savepoint.
absl::Status WriteVersion(Connection& conn, const NewVersion& v, bool had_index_rows,
                          int64_t old_kinds, int64_t new_kinds) {
  static constexpr absl::string_view kEmpty;
  const absl::string_view content = v.deleted ? kEmpty : absl::string_view(v.content);
  {
    TC_ASSIGN_OR_RETURN(
        Statement st,
        conn.Prepare("INSERT INTO resource_versions "
                     "(type, id, version, last_updated, deleted, content, patient_compartment) "
                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
    st.BindText(1, v.type);
    st.BindText(2, v.id);
    st.BindInt64(3, v.version);
    st.BindInt64(4, ToMicros(v.last_updated));
    st.BindInt64(5, v.deleted ? 1 : 0);
    st.BindBlob(6, content);
    st.BindText(7, v.patient_compartment);
    TC_RETURN_IF_ERROR(st.Run());
  }
  const int64_t rid = conn.LastInsertRowId();
  {
    TC_ASSIGN_OR_RETURN(
        Statement st,
        conn.Prepare("INSERT INTO current_resources "
                     "(type, id, version, rid, last_updated, deleted, patient_compartment, "
                     "index_kinds) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
                     "ON CONFLICT (type, id) DO UPDATE SET version = excluded.version, "
                     "rid = excluded.rid, last_updated = excluded.last_updated, "
                     "deleted = excluded.deleted, "
                     "patient_compartment = excluded.patient_compartment, "
                     "index_kinds = excluded.index_kinds"));
    st.BindText(1, v.type);
    st.BindText(2, v.id);
    st.BindInt64(3, v.version);
    st.BindInt64(4, rid);
    st.BindInt64(5, ToMicros(v.last_updated));
    st.BindInt64(6, v.deleted ? 1 : 0);
    st.BindText(7, v.patient_compartment);
    st.BindInt64(8, new_kinds);
    TC_RETURN_IF_ERROR(st.Run());
  }
  if (had_index_rows) {
    for (int k = 0; k < kNumKinds; ++k) {
      if ((old_kinds & (1 << k)) == 0) continue;
      TC_ASSIGN_OR_RETURN(Statement st, conn.Prepare(kIndexSql[k].remove));
      st.BindText(1, v.type);
      st.BindText(2, v.id);
      TC_RETURN_IF_ERROR(st.Run());
    }
  }
  if (v.deleted || v.index.empty()) return absl::OkStatus();

  std::array<std::optional<Statement>, kNumKinds> inserts;
  for (const IndexRow& row : v.index) {
    const int k = static_cast<int>(row.kind);
    if (!inserts[k].has_value()) {
      TC_ASSIGN_OR_RETURN(Statement st, conn.Prepare(kIndexSql[k].insert));
      inserts[k].emplace(std::move(st));
    }
    Statement& st = *inserts[k];
    st.Reset();
    st.BindText(1, v.type);
    st.BindText(2, v.id);
    st.BindText(3, row.param);
    st.BindText(4, v.patient_compartment);
    switch (row.kind) {
      case Kind::kToken:
      case Kind::kReference:
        st.BindText(5, row.system);
        st.BindText(6, row.value);
        break;
      case Kind::kString:
      case Kind::kUri:
        st.BindText(5, row.value);
        break;
      case Kind::kDate:
      case Kind::kNumber:
        st.BindDouble(5, row.low);
        st.BindDouble(6, row.high);
        break;
    }
    TC_RETURN_IF_ERROR(st.Run());
  }
  return absl::OkStatus();
}

// Runs `sql` (a savepoint command) as a cached statement.
absl::Status RunSql(Connection& conn, absl::string_view sql) {
  TC_ASSIGN_OR_RETURN(Statement st, conn.Prepare(sql));
  return st.Run();
}

// ---- Query building -------------------------------------------------------------------------

// A SQL text under construction and its positional (`?`) arguments, in order.
class SqlBuilder {
 public:
  SqlBuilder& Append(absl::string_view text) {
    sql_.append(text.data(), text.size());
    return *this;
  }
  // Appends a `?` placeholder bound to `value`.
  SqlBuilder& Arg(std::string value) {
    sql_.push_back('?');
    args_.emplace_back(std::move(value));
    return *this;
  }
  SqlBuilder& Arg(int64_t value) {
    sql_.push_back('?');
    args_.emplace_back(value);
    return *this;
  }
  const std::string& sql() const { return sql_; }

  // Prepares the SQL and binds the arguments. The statement refers to this builder's strings:
  // REQUIRES: the builder outlives the statement's execution and is not modified meanwhile.
  absl::StatusOr<Statement> Prepare(Connection& conn) const {
    TC_ASSIGN_OR_RETURN(Statement st, conn.Prepare(sql_));
    for (size_t i = 0; i < args_.size(); ++i) {
      const int index = static_cast<int>(i) + 1;
      if (const auto* s = std::get_if<std::string>(&args_[i])) {
        st.BindText(index, *s);
      } else {
        st.BindInt64(index, std::get<int64_t>(args_[i]));
      }
    }
    return st;
  }

 private:
  std::string sql_;
  std::vector<std::variant<int64_t, std::string>> args_;
};

// Appends one index-table subquery of a criterion alternative (a SELECT of matching ids).
absl::Status AppendAlternative(const Criterion& c, const Criterion::Alternative& alt,
                               const std::string& type, SqlBuilder& b) {
  switch (c.match) {
    case Criterion::Match::kTokenCode:
      b.Append("SELECT id FROM idx_token WHERE type = ").Arg(type);
      b.Append(" AND param = ").Arg(c.param);
      // `system|` (no code) matches any code in the system.
      if (!alt.value.empty() || !alt.has_system) b.Append(" AND value = ").Arg(alt.value);
      if (alt.has_system) b.Append(" AND system = ").Arg(alt.system);
      return absl::OkStatus();
    case Criterion::Match::kStringPrefix: {
      b.Append("SELECT id FROM idx_string WHERE type = ").Arg(type);
      b.Append(" AND param = ").Arg(c.param);
      b.Append(" AND value >= ").Arg(alt.value);
      if (std::optional<std::string> upper = PrefixUpperBound(alt.value)) {
        b.Append(" AND value < ").Arg(*std::move(upper));
      }
      return absl::OkStatus();
    }
    case Criterion::Match::kStringExact:
      b.Append("SELECT id FROM idx_string WHERE type = ").Arg(type);
      b.Append(" AND param = ").Arg(c.param);
      b.Append(" AND value = ").Arg(alt.value);
      return absl::OkStatus();
    case Criterion::Match::kReference:
      b.Append("SELECT id FROM idx_reference WHERE type = ").Arg(type);
      b.Append(" AND param = ").Arg(c.param);
      b.Append(" AND target_id = ").Arg(alt.value);
      if (!alt.system.empty()) b.Append(" AND target_type = ").Arg(alt.system);
      return absl::OkStatus();
    case Criterion::Match::kId:
      break;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown search match kind ", static_cast<int>(c.match)));
}

// Appends " AND <condition>" for one criterion (an OR of its alternatives).
absl::Status AppendCriterion(const Criterion& c, const std::string& type, SqlBuilder& b) {
  if (c.any_of.empty()) {  // an OR of nothing matches nothing
    b.Append(" AND 0");
    return absl::OkStatus();
  }
  if (c.match == Criterion::Match::kId) {
    b.Append(" AND c.id IN (");
    for (size_t i = 0; i < c.any_of.size(); ++i) {
      if (i > 0) b.Append(", ");
      b.Arg(c.any_of[i].value);
    }
    b.Append(")");
    return absl::OkStatus();
  }
  // One indexed subquery per alternative, united: each can use the (type, param, value…) index,
  // where an OR inside one WHERE would scan every row of the parameter.
  b.Append(" AND c.id IN (");
  for (size_t i = 0; i < c.any_of.size(); ++i) {
    if (i > 0) b.Append(" UNION ALL ");
    TC_RETURN_IF_ERROR(AppendAlternative(c, c.any_of[i], type, b));
  }
  b.Append(")");
  return absl::OkStatus();
}

absl::Status AppendSearchWhere(const SearchQuery& q, SqlBuilder& b) {
  b.Append(" WHERE c.type = ").Arg(q.type).Append(" AND c.deleted = 0");
  if (q.updated_since.has_value()) {
    b.Append(" AND c.last_updated >= ").Arg(ToMicros(*q.updated_since));
  }
  for (const Criterion& c : q.all_of) TC_RETURN_IF_ERROR(AppendCriterion(c, q.type, b));
  return absl::OkStatus();
}

void AppendHistoryWhere(const HistoryQuery& q, SqlBuilder& b) {
  b.Append(" WHERE 1");
  if (!q.type.empty()) b.Append(" AND v.type = ").Arg(q.type);
  if (!q.id.empty()) b.Append(" AND v.id = ").Arg(q.id);
  if (q.since.has_value()) b.Append(" AND v.last_updated >= ").Arg(ToMicros(*q.since));
  if (q.at.has_value()) {
    const int64_t at = ToMicros(*q.at);
    b.Append(" AND v.last_updated <= ").Arg(at);
    b.Append(
        " AND NOT EXISTS (SELECT 1 FROM resource_versions n WHERE n.type = v.type"
        " AND n.id = v.id AND n.version > v.version AND n.last_updated <= ");
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

std::optional<std::string> PrefixUpperBound(absl::string_view prefix) {
  std::string s(prefix);
  while (!s.empty() && static_cast<unsigned char>(s.back()) == 0xFF) s.pop_back();
  if (s.empty()) return std::nullopt;
  s.back() = static_cast<char>(static_cast<unsigned char>(s.back()) + 1);
  return s;
}

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
                      conn.Prepare("SELECT last_updated, deleted, content FROM resource_versions "
                                   "WHERE type = ?1 AND id = ?2 AND version = ?3"));
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
  int64_t new_kinds = 0;
  if (!v.deleted) {
    for (const IndexRow& row : v.index) {
      if (!IsKnownKind(row.kind)) {
        return absl::InvalidArgumentError(
            absl::StrCat("Put: unknown index row kind ", static_cast<int>(row.kind)));
      }
      new_kinds |= KindBit(row.kind);
    }
  }
  int64_t current = 0;
  bool had_index_rows = false;
  int64_t old_kinds = 0;
  {
    TC_ASSIGN_OR_RETURN(Statement st,
                        conn.Prepare("SELECT version, deleted, index_kinds FROM current_resources "
                                     "WHERE type = ?1 AND id = ?2"));
    st.BindText(1, v.type);
    st.BindText(2, v.id);
    TC_ASSIGN_OR_RETURN(bool row, st.Step());
    if (row) {
      current = st.ColumnInt64(0);
      had_index_rows = st.ColumnInt64(1) == 0;
      old_kinds = st.ColumnInt64(2);
    }
  }
  if (v.version != current + 1) {
    return absl::FailedPreconditionError(absl::StrCat(v.type, "/", v.id, ": version ", v.version,
                                                      " is not current + 1 (current is ", current,
                                                      ")"));
  }
  TC_RETURN_IF_ERROR(RunSql(conn, "SAVEPOINT tc_put"));
  absl::Status status = WriteVersion(conn, v, had_index_rows, old_kinds, new_kinds);
  if (!status.ok() && conn.InTransaction()) {
    RunSql(conn, "ROLLBACK TO tc_put").IgnoreError();
  }
  if (conn.InTransaction()) {
    absl::Status released = RunSql(conn, "RELEASE tc_put");
    if (status.ok()) status = released;
  }
  return status;
}

absl::StatusOr<SearchResult> Search(Connection& conn, const SearchQuery& query) {
  if (query.type.empty()) return absl::InvalidArgumentError("Search: type must be non-empty");
  if (query.limit < 0 || query.offset < 0) {
    return absl::InvalidArgumentError("Search: limit and offset must not be negative");
  }
  SearchResult result;
  {
    SqlBuilder count;
    count.Append("SELECT count(*) FROM current_resources c");
    TC_RETURN_IF_ERROR(AppendSearchWhere(query, count));
    TC_ASSIGN_OR_RETURN(result.total, Count(conn, count));
  }
  if (query.limit == 0 || query.offset >= result.total) return result;

  SqlBuilder page;
  page.Append(
      "SELECT c.id, c.version, c.last_updated, v.content "
      "FROM current_resources c JOIN resource_versions v ON v.rid = c.rid");
  TC_RETURN_IF_ERROR(AppendSearchWhere(query, page));
  page.Append(" ORDER BY c.id LIMIT ").Arg(query.limit).Append(" OFFSET ").Arg(query.offset);
  TC_ASSIGN_OR_RETURN(Statement st, page.Prepare(conn));
  while (true) {
    TC_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    StoredVersion& out = result.versions.emplace_back();
    out.type = query.type;
    out.id = std::string(st.ColumnText(0));
    out.version = st.ColumnInt64(1);
    out.last_updated = FromMicros(st.ColumnInt64(2));
    out.content = std::string(st.ColumnBlob(3));
  }
  return result;
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
    count.Append("SELECT count(*) FROM resource_versions v");
    AppendHistoryWhere(query, count);
    TC_ASSIGN_OR_RETURN(result.total, Count(conn, count));
  }
  if (query.limit == 0 || query.offset >= result.total) return result;

  SqlBuilder page;
  page.Append(
      "SELECT v.type, v.id, v.version, v.last_updated, v.deleted, v.content "
      "FROM resource_versions v");
  AppendHistoryWhere(query, page);
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
