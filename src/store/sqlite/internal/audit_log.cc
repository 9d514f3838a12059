// The audit log tables (migration 0004): audit_log, one row per entry keyed by its sequence, and
// audit_patient, the patients each entry names.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "store/sqlite/internal/queries.h"
#include "store/sqlite/internal/sql_builder.h"
#include "store/sqlite/internal/time_units.h"

namespace tc::store::sqlite_internal {
namespace {

constexpr absl::string_view kColumns =
    "l.sequence, l.prev_hash, l.hash, l.id, l.recorded, l.agent, l.type_system, l.type_code, "
    "l.subtype_system, l.subtype_code, l.action, l.outcome, l.event";

AuditRow ReadRow(const Statement& st) {
  AuditRow r;
  r.sequence = st.ColumnInt64(0);
  r.prev_hash = std::string(st.ColumnText(1));
  r.hash = std::string(st.ColumnText(2));
  r.id = std::string(st.ColumnText(3));
  r.recorded = FromMicros(st.ColumnInt64(4));
  r.agent = std::string(st.ColumnText(5));
  r.type_system = std::string(st.ColumnText(6));
  r.type_code = std::string(st.ColumnText(7));
  r.subtype_system = std::string(st.ColumnText(8));
  r.subtype_code = std::string(st.ColumnText(9));
  r.action = std::string(st.ColumnText(10));
  r.outcome = std::string(st.ColumnText(11));
  r.event = std::string(st.ColumnBlob(12));
  return r;
}

// " AND (col = ? OR col = ? ...)" for a non-empty list.
void AppendAnyOf(absl::string_view col, const std::vector<std::string>& values, SqlBuilder& b) {
  if (values.empty()) return;
  b.Append(absl::StrCat(" AND ", col, " IN ("));
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) b.Append(", ");
    b.Arg(values[i]);
  }
  b.Append(")");
}

void AppendTokens(absl::string_view system_col, absl::string_view code_col,
                  const std::vector<std::pair<std::string, std::string>>& tokens, SqlBuilder& b) {
  if (tokens.empty()) return;
  b.Append(" AND (");
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (i > 0) b.Append(" OR ");
    b.Append(absl::StrCat("(", code_col, " = ")).Arg(tokens[i].second);
    if (!tokens[i].first.empty())
      b.Append(absl::StrCat(" AND ", system_col, " = ")).Arg(tokens[i].first);
    b.Append(")");
  }
  b.Append(")");
}

// FROM and WHERE of a search (`l` is audit_log). With patients, the patient index drives.
void AppendFromWhere(const AuditQuery& q, SqlBuilder& b) {
  if (!q.patients.empty()) {
    b.Append(" FROM (SELECT DISTINCT sequence FROM audit_patient WHERE patient IN (");
    for (size_t i = 0; i < q.patients.size(); ++i) {
      if (i > 0) b.Append(", ");
      b.Arg(q.patients[i]);
    }
    b.Append(")) AS p CROSS JOIN audit_log l ON l.sequence = p.sequence WHERE 1");
  } else {
    b.Append(" FROM audit_log l WHERE 1");
  }
  AppendAnyOf("l.id", q.ids, b);
  AppendAnyOf("l.agent", q.agents, b);
  AppendTokens("l.type_system", "l.type_code", q.types, b);
  AppendTokens("l.subtype_system", "l.subtype_code", q.subtypes, b);
  AppendAnyOf("l.action", q.actions, b);
  AppendAnyOf("l.outcome", q.outcomes, b);
  if (q.recorded_from) b.Append(" AND l.recorded >= ").Arg(ToMicros(*q.recorded_from));
  if (q.recorded_to) b.Append(" AND l.recorded <= ").Arg(ToMicros(*q.recorded_to));
}

}  // namespace

absl::StatusOr<std::optional<AuditLink>> LastAuditLink(Connection& conn) {
  TC_ASSIGN_OR_RETURN(Statement st, conn.Prepare("SELECT sequence, hash FROM audit_log "
                                                 "ORDER BY sequence DESC LIMIT 1"));
  TC_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return std::nullopt;
  AuditLink link;
  link.sequence = st.ColumnInt64(0);
  link.hash = std::string(st.ColumnText(1));
  return link;
}

absl::Status AppendAudit(Connection& conn, const AuditRow& row) {
  TC_ASSIGN_OR_RETURN(std::optional<AuditLink> last, LastAuditLink(conn));
  const int64_t expected = last ? last->sequence + 1 : 1;
  if (row.sequence != expected) {
    return absl::FailedPreconditionError(absl::StrCat(
        "audit entry ", row.sequence, " does not follow the last (expected ", expected, ")"));
  }
  {
    TC_ASSIGN_OR_RETURN(
        Statement st,
        conn.Prepare("INSERT INTO audit_log (sequence, prev_hash, hash, id, recorded, agent, "
                     "type_system, type_code, subtype_system, subtype_code, action, outcome, "
                     "event) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"));
    st.BindInt64(1, row.sequence);
    st.BindText(2, row.prev_hash);
    st.BindText(3, row.hash);
    st.BindText(4, row.id);
    st.BindInt64(5, ToMicros(row.recorded));
    st.BindText(6, row.agent);
    st.BindText(7, row.type_system);
    st.BindText(8, row.type_code);
    st.BindText(9, row.subtype_system);
    st.BindText(10, row.subtype_code);
    st.BindText(11, row.action);
    st.BindText(12, row.outcome);
    st.BindBlob(13, row.event);
    TC_RETURN_IF_ERROR(st.Run());
  }
  for (const std::string& patient : row.patients) {
    TC_ASSIGN_OR_RETURN(Statement st, conn.Prepare("INSERT OR IGNORE INTO audit_patient "
                                                   "(patient, sequence) VALUES (?1, ?2)"));
    st.BindText(1, patient);
    st.BindInt64(2, row.sequence);
    TC_RETURN_IF_ERROR(st.Run());
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<AuditRow>> ReadAuditLog(Connection& conn, int64_t after_sequence,
                                                   int64_t limit) {
  if (limit < 0) return absl::InvalidArgumentError("ReadAuditLog: negative limit");
  TC_ASSIGN_OR_RETURN(Statement st,
                      conn.Prepare(absl::StrCat("SELECT ", kColumns,
                                                " FROM audit_log l "
                                                "WHERE l.sequence > ?1 ORDER BY l.sequence "
                                                "LIMIT ?2")));
  st.BindInt64(1, after_sequence);
  st.BindInt64(2, limit);
  std::vector<AuditRow> out;
  while (true) {
    TC_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.push_back(ReadRow(st));
  }
  return out;
}

absl::StatusOr<AuditPage> SearchAudit(Connection& conn, const AuditQuery& query) {
  if (query.limit < 0) return absl::InvalidArgumentError("SearchAudit: negative limit");
  AuditPage page;
  if (query.count_total) {
    SqlBuilder count;
    count.Append("SELECT count(*)");
    AppendFromWhere(query, count);
    TC_ASSIGN_OR_RETURN(Statement st, count.Prepare(conn));
    TC_ASSIGN_OR_RETURN(bool row, st.Step());
    page.total = row ? st.ColumnInt64(0) : 0;
  }
  SqlBuilder b;
  b.Append(absl::StrCat("SELECT ", kColumns));
  AppendFromWhere(query, b);
  if (query.after_sequence) {
    b.Append(query.newest_first ? " AND l.sequence < " : " AND l.sequence > ")
        .Arg(*query.after_sequence);
  }
  b.Append(query.newest_first ? " ORDER BY l.sequence DESC" : " ORDER BY l.sequence");
  b.Append(" LIMIT ").Arg(query.limit + 1);
  TC_ASSIGN_OR_RETURN(Statement st, b.Prepare(conn));
  while (true) {
    TC_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    if (static_cast<int64_t>(page.rows.size()) == query.limit) {
      page.more = true;
      break;
    }
    page.rows.push_back(ReadRow(st));
  }
  return page;
}

}  // namespace tc::store::sqlite_internal
