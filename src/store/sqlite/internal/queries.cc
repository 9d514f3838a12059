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

namespace tc::store::sqlite_internal {
namespace {

using Kind = IndexRow::Kind;

constexpr int kNumKinds = 6;

int KindBit(Kind kind) { return 1 << static_cast<int>(kind); }

bool IsKnownKind(Kind kind) { return static_cast<int>(kind) < kNumKinds; }

int64_t ToMicros(absl::Time t) { return absl::ToUnixMicros(t); }
absl::Time FromMicros(int64_t us) { return absl::FromUnixMicros(us); }

// One index row as stored, for comparing a resource's old rows with its new ones: the token
// system/code, reference target type/id, string/uri value (in `a`) or date/number range.
struct StoredRow {
  std::string param;
  std::string a;
  std::string b;
  double low = 0;
  double high = 0;

  auto Tie() const { return std::tie(param, a, b, low, high); }
  bool operator<(const StoredRow& o) const { return Tie() < o.Tie(); }
  bool operator==(const StoredRow& o) const { return Tie() == o.Tie(); }
};

StoredRow ToStoredRow(const IndexRow& row) {
  StoredRow out;
  out.param = row.param;
  switch (row.kind) {
    case Kind::kToken:
    case Kind::kReference:
      out.a = row.system;
      out.b = row.value;
      break;
    case Kind::kString:
    case Kind::kUri:
      out.a = row.value;
      break;
    case Kind::kDate:
    case Kind::kNumber:
      out.low = row.low;
      out.high = row.high;
      break;
  }
  return out;
}

// Per index kind, its statements. Parameters: ?1 rkey, ?2 param, ?3/?4 the kind's values
// (as in StoredRow: a, b or low, high), ?5 type, ?6 patient compartment.
struct IndexSql {
  absl::string_view select;      // a resource's rows: param, then the kind's values
  absl::string_view insert;      // one row
  absl::string_view remove;      // one row
  absl::string_view remove_all;  // every row of a resource
  bool two_text_values;          // values are (a, b) text, else (a) text or (low, high) reals
  bool numeric;                  // values are (low, high)
};
constexpr std::array<IndexSql, kNumKinds> kIndexSql = {{
    {"SELECT param, system, value FROM idx_token WHERE rkey = ?1",
     "INSERT OR IGNORE INTO idx_token (rkey, param, system, value, type, patient_compartment) "
     "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
     "DELETE FROM idx_token WHERE rkey = ?1 AND param = ?2 AND system = ?3 AND value = ?4",
     "DELETE FROM idx_token WHERE rkey = ?1", true, false},
    {"SELECT param, value FROM idx_string WHERE rkey = ?1",
     "INSERT OR IGNORE INTO idx_string (rkey, param, value, type, patient_compartment) "
     "VALUES (?1, ?2, ?3, ?5, ?6)",
     "DELETE FROM idx_string WHERE rkey = ?1 AND param = ?2 AND value = ?3",
     "DELETE FROM idx_string WHERE rkey = ?1", false, false},
    {"SELECT param, target_type, target_id FROM idx_reference WHERE rkey = ?1",
     "INSERT OR IGNORE INTO idx_reference "
     "(rkey, param, target_type, target_id, type, patient_compartment) "
     "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
     "DELETE FROM idx_reference WHERE rkey = ?1 AND param = ?2 AND target_type = ?3 "
     "AND target_id = ?4",
     "DELETE FROM idx_reference WHERE rkey = ?1", true, false},
    {"SELECT param, low, high FROM idx_date WHERE rkey = ?1",
     "INSERT OR IGNORE INTO idx_date (rkey, param, low, high, type, patient_compartment) "
     "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
     "DELETE FROM idx_date WHERE rkey = ?1 AND param = ?2 AND low = ?3 AND high = ?4",
     "DELETE FROM idx_date WHERE rkey = ?1", false, true},
    {"SELECT param, low, high FROM idx_number WHERE rkey = ?1",
     "INSERT OR IGNORE INTO idx_number (rkey, param, low, high, type, patient_compartment) "
     "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
     "DELETE FROM idx_number WHERE rkey = ?1 AND param = ?2 AND low = ?3 AND high = ?4",
     "DELETE FROM idx_number WHERE rkey = ?1", false, true},
    {"SELECT param, value FROM idx_uri WHERE rkey = ?1",
     "INSERT OR IGNORE INTO idx_uri (rkey, param, value, type, patient_compartment) "
     "VALUES (?1, ?2, ?3, ?5, ?6)",
     "DELETE FROM idx_uri WHERE rkey = ?1 AND param = ?2 AND value = ?3",
     "DELETE FROM idx_uri WHERE rkey = ?1", false, false},
}};
static_assert(static_cast<int>(Kind::kToken) == 0 && static_cast<int>(Kind::kString) == 1 &&
                  static_cast<int>(Kind::kReference) == 2 && static_cast<int>(Kind::kDate) == 3 &&
                  static_cast<int>(Kind::kNumber) == 4 && static_cast<int>(Kind::kUri) == 5,
              "kIndexSql is indexed by IndexRow::Kind");

// Binds ?2..?4 of an index statement to `row`.
void BindRow(Statement& st, const IndexSql& sql, const StoredRow& row) {
  st.BindText(2, row.param);
  if (sql.numeric) {
    st.BindDouble(3, row.low);
    st.BindDouble(4, row.high);
  } else {
    st.BindText(3, row.a);
    if (sql.two_text_values) st.BindText(4, row.b);
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
    if (sql.numeric) {
      row.low = st.ColumnDouble(1);
      row.high = st.ColumnDouble(2);
    } else {
      row.a = std::string(st.ColumnText(1));
      if (sql.two_text_values) row.b = std::string(st.ColumnText(2));
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
        st.BindText(5, v.type);
        st.BindText(6, v.patient_compartment);
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
      b.Append("SELECT rkey FROM idx_token WHERE type = ").Arg(type);
      b.Append(" AND param = ").Arg(c.param);
      // `system|` (no code) matches any code in the system.
      if (!alt.value.empty() || !alt.has_system) b.Append(" AND value = ").Arg(alt.value);
      if (alt.has_system) b.Append(" AND system = ").Arg(alt.system);
      return absl::OkStatus();
    case Criterion::Match::kStringPrefix: {
      b.Append("SELECT rkey FROM idx_string WHERE type = ").Arg(type);
      b.Append(" AND param = ").Arg(c.param);
      b.Append(" AND value >= ").Arg(alt.value);
      if (std::optional<std::string> upper = PrefixUpperBound(alt.value)) {
        b.Append(" AND value < ").Arg(*std::move(upper));
      }
      return absl::OkStatus();
    }
    case Criterion::Match::kStringExact:
      b.Append("SELECT rkey FROM idx_string WHERE type = ").Arg(type);
      b.Append(" AND param = ").Arg(c.param);
      b.Append(" AND value = ").Arg(alt.value);
      return absl::OkStatus();
    case Criterion::Match::kReference:
      b.Append("SELECT rkey FROM idx_reference WHERE type = ").Arg(type);
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

// Appends the OR of a criterion's alternatives as one subquery of matching rkeys: one indexed
// SELECT per alternative, united (each can use the (type, param, value…) index, where an OR
// inside one WHERE would scan every row of the parameter). The result may hold an rkey more
// than once. REQUIRES: c.match != kId, c.any_of non-empty.
absl::Status AppendMatchingKeys(const Criterion& c, const std::string& type, SqlBuilder& b) {
  for (size_t i = 0; i < c.any_of.size(); ++i) {
    if (i > 0) b.Append(" UNION ALL ");
    TC_RETURN_IF_ERROR(AppendAlternative(c, c.any_of[i], type, b));
  }
  return absl::OkStatus();
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
  b.Append(" AND c.rkey IN (");
  TC_RETURN_IF_ERROR(AppendMatchingKeys(c, type, b));
  b.Append(")");
  return absl::OkStatus();
}

// Appends FROM and WHERE of a search (`c` is current_resources; `v`, with `with_content`, the
// current version). The plan is chosen here rather than left to SQLite, which without statistics
// scans every resource of the type and tests each against the criteria:
//   * with an _id criterion, the ids are looked up by primary key;
//   * else with an index criterion, its matches drive: each is looked up by rkey (so the cost
//     follows the number of matches, not of resources), the other criteria filter;
//   * else every current resource of the type is read, in id order.
absl::Status AppendSearchFromWhere(const SearchQuery& q, bool with_content, SqlBuilder& b) {
  int driver = -1;
  bool by_id = false;
  for (size_t i = 0; i < q.all_of.size(); ++i) {
    if (q.all_of[i].match == Criterion::Match::kId) by_id = true;
  }
  for (size_t i = 0; i < q.all_of.size() && !by_id && driver < 0; ++i) {
    if (!q.all_of[i].any_of.empty()) driver = static_cast<int>(i);
  }
  if (driver >= 0) {
    b.Append(" FROM (SELECT DISTINCT rkey FROM (");
    TC_RETURN_IF_ERROR(AppendMatchingKeys(q.all_of[driver], q.type, b));
    b.Append(")");
    // CROSS JOIN keeps the matches as the outer loop.
    b.Append(") AS m CROSS JOIN current_resources c ON c.rkey = m.rkey");
  } else {
    b.Append(" FROM current_resources c");
  }
  if (with_content) b.Append(" JOIN resource_versions v ON v.rid = c.rid");
  b.Append(" WHERE c.type = ").Arg(q.type).Append(" AND c.deleted = 0");
  if (q.updated_since.has_value()) {
    b.Append(" AND c.last_updated >= ").Arg(ToMicros(*q.updated_since));
  }
  for (size_t i = 0; i < q.all_of.size(); ++i) {
    if (static_cast<int>(i) == driver) continue;
    TC_RETURN_IF_ERROR(AppendCriterion(q.all_of[i], q.type, b));
  }
  return absl::OkStatus();
}

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

absl::StatusOr<SearchResult> Search(Connection& conn, const SearchQuery& query) {
  if (query.type.empty()) return absl::InvalidArgumentError("Search: type must be non-empty");
  if (query.limit < 0 || query.offset < 0) {
    return absl::InvalidArgumentError("Search: limit and offset must not be negative");
  }
  SearchResult result;
  {
    SqlBuilder count;
    count.Append("SELECT count(*)");
    TC_RETURN_IF_ERROR(AppendSearchFromWhere(query, /*with_content=*/false, count));
    TC_ASSIGN_OR_RETURN(result.total, Count(conn, count));
  }
  if (query.limit == 0 || query.offset >= result.total) return result;

  SqlBuilder page;
  page.Append("SELECT c.id, c.version, c.last_updated, v.content");
  TC_RETURN_IF_ERROR(AppendSearchFromWhere(query, /*with_content=*/true, page));
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

absl::StatusOr<std::string> SearchPageSqlForTesting(const SearchQuery& query) {
  SqlBuilder page;
  page.Append("SELECT c.id, c.version, c.last_updated, v.content");
  TC_RETURN_IF_ERROR(AppendSearchFromWhere(query, /*with_content=*/true, page));
  page.Append(" ORDER BY c.id LIMIT ").Arg(query.limit).Append(" OFFSET ").Arg(query.offset);
  return page.sql();
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
