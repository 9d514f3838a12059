// The SQL of Search(): a SearchQuery becomes one SELECT over current_resources whose criteria are
// subqueries of matching rkeys over the index tables (schema.cc). Chains and reverse chains nest
// the other end's search as a subquery. Every value is a bound argument.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "base/status_macros.h"
#include "store/sqlite/internal/index_rows.h"
#include "store/sqlite/internal/queries.h"
#include "store/sqlite/internal/row_match.h"
#include "store/sqlite/internal/sql_builder.h"
#include "store/sqlite/internal/time_units.h"

namespace tc::store::sqlite_internal {
namespace {

using Kind = IndexRow::Kind;
using Match = Criterion::Match;

// Deepest nesting of chains / reverse chains a query may have.
constexpr int kMaxDepth = 8;

absl::string_view TableOf(Kind kind) {
  switch (kind) {
    case Kind::kToken:
    case Kind::kUri:  // uris are stored as system-less tokens
      return "idx_token";
    case Kind::kString:
      return "idx_string";
    case Kind::kReference:
      return "idx_reference";
    case Kind::kDate:
      return "idx_date";
    case Kind::kNumber:
      return "idx_number";
    case Kind::kQuantity:
      return "idx_quantity";
    case Kind::kComposite:
      return "idx_composite";
  }
  return "idx_token";
}

bool IsRangeKind(Kind kind) {
  return kind == Kind::kDate || kind == Kind::kNumber || kind == Kind::kQuantity ||
         kind == Kind::kComposite;
}

// Appends the comparison of columns (`low_col`, `high_col`) with the alternative's range.
void AppendRange(const Criterion::Alternative& alt, absl::string_view low_col,
                 absl::string_view high_col, SqlBuilder& b) {
  const std::string lo(low_col), hi(high_col);
  auto eq = [&] {
    b.Append("(" + lo + " >= ")
        .Arg(alt.low)
        .Append(" AND " + hi + " <= ")
        .Arg(alt.high)
        .Append(")");
  };
  switch (alt.comparator) {
    case Comparator::kEq:
      eq();
      return;
    case Comparator::kNe:
      b.Append("NOT ");
      eq();
      return;
    case Comparator::kGt:
      b.Append(hi + " > ").Arg(alt.high);
      return;
    case Comparator::kLt:
      b.Append(lo + " < ").Arg(alt.low);
      return;
    case Comparator::kGe:
      b.Append("(" + hi + " > ").Arg(alt.high).Append(" OR ");
      eq();
      b.Append(")");
      return;
    case Comparator::kLe:
      b.Append("(" + lo + " < ").Arg(alt.low).Append(" OR ");
      eq();
      b.Append(")");
      return;
    case Comparator::kSa:
      b.Append(lo + " > ").Arg(alt.high);
      return;
    case Comparator::kEb:
      b.Append(hi + " < ").Arg(alt.low);
      return;
    case Comparator::kAp:
      b.Append("(" + lo + " <= ").Arg(alt.high).Append(" AND " + hi + " >= ").Arg(alt.low);
      b.Append(")");
      return;
  }
}

// " AND col >= prefix AND col < upper" (an index range for a prefix match).
void AppendPrefix(absl::string_view col, const std::string& prefix, SqlBuilder& b) {
  b.Append(absl::StrCat(" AND ", col, " >= ")).Arg(prefix);
  if (std::optional<std::string> upper = PrefixUpperBound(prefix)) {
    b.Append(absl::StrCat(" AND ", col, " < ")).Arg(*std::move(upper));
  }
}

// "SELECT rkey FROM <table> WHERE pid = ?" for parameter `param` of `type`.
void AppendIndexSelect(Kind kind, const std::string& type, const std::string& param,
                       SqlBuilder& b) {
  b.Append(absl::StrCat("SELECT rkey FROM ", TableOf(kind), " WHERE pid = "));
  b.Arg(ParamKey(type, param));
}

absl::Status AppendQueryKeys(const SearchQuery& q, int depth, SqlBuilder& b);

// Appends one subquery selecting the rkeys that match one alternative of a criterion.
absl::Status AppendAlternative(const Criterion& c, const Criterion::Alternative& alt,
                               const std::string& type, int depth, SqlBuilder& b) {
  const std::string& param = alt.param.empty() ? c.param : alt.param;
  switch (c.match) {
    case Match::kTokenCode:
      AppendIndexSelect(Kind::kToken, type, param, b);
      // `system|` (no code) matches any code in the system.
      if (!alt.value.empty() || !alt.has_system) b.Append(" AND value = ").Arg(alt.value);
      if (alt.has_system) b.Append(" AND system = ").Arg(alt.system);
      return absl::OkStatus();
    case Match::kTokenPrefix:
      AppendIndexSelect(Kind::kToken, type, param, b);
      AppendPrefix("value", alt.value, b);
      return absl::OkStatus();
    case Match::kStringPrefix:
      AppendIndexSelect(Kind::kString, type, param, b);
      AppendPrefix("value", alt.value, b);
      return absl::OkStatus();
    case Match::kStringExact:
      // `system` holds the normalised form (for the index), `value` the text as written.
      AppendIndexSelect(Kind::kString, type, param, b);
      if (!alt.system.empty()) b.Append(" AND value = ").Arg(alt.system);
      b.Append(" AND raw = ").Arg(alt.value);
      return absl::OkStatus();
    case Match::kStringContains:
      AppendIndexSelect(Kind::kString, type, param, b);
      b.Append(" AND instr(value, ").Arg(alt.value).Append(") > 0");
      return absl::OkStatus();
    case Match::kReference:
      AppendIndexSelect(Kind::kReference, type, param, b);
      b.Append(" AND target_id = ").Arg(alt.value);
      if (!alt.system.empty()) b.Append(" AND target_type = ").Arg(alt.system);
      return absl::OkStatus();
    case Match::kRange:
      if (c.kind != Kind::kDate && c.kind != Kind::kNumber) {
        return absl::InvalidArgumentError("range criterion on a non-range index");
      }
      AppendIndexSelect(c.kind, type, param, b);
      b.Append(" AND ");
      AppendRange(alt, "low", "high", b);
      return absl::OkStatus();
    case Match::kQuantity:
      AppendIndexSelect(Kind::kQuantity, type, param, b);
      if (!alt.value.empty()) b.Append(" AND code = ").Arg(alt.value);
      if (alt.has_system) b.Append(" AND system = ").Arg(alt.system);
      if (!alt.exclude_system.empty()) b.Append(" AND system IS NOT ").Arg(alt.exclude_system);
      b.Append(" AND ");
      AppendRange(alt, "low", "high", b);
      return absl::OkStatus();
    case Match::kComposite:
      AppendIndexSelect(Kind::kComposite, type, param, b);
      b.Append(" AND a_value = ").Arg(alt.value);
      if (alt.has_system) b.Append(" AND a_system = ").Arg(alt.system);
      switch (alt.second) {
        case Criterion::Second::kToken:
        case Criterion::Second::kReference:
          b.Append(" AND b_value = ").Arg(alt.second_value);
          if (alt.second_has_system) b.Append(" AND b_system = ").Arg(alt.second_system);
          break;
        case Criterion::Second::kStringPrefix:
          AppendPrefix("b_value", alt.second_value, b);
          break;
        case Criterion::Second::kRange:
          if (!alt.second_value.empty()) b.Append(" AND b_value = ").Arg(alt.second_value);
          if (alt.second_has_system) b.Append(" AND b_system = ").Arg(alt.second_system);
          b.Append(" AND ");
          AppendRange(alt, "low", "high", b);
          break;
      }
      return absl::OkStatus();
    case Match::kMissing:
      AppendIndexSelect(c.kind, type, param, b);
      return absl::OkStatus();
    case Match::kChain: {
      if (!alt.sub) return absl::InvalidArgumentError("chain without a target query");
      b.Append("SELECT r.rkey FROM (");
      TC_RETURN_IF_ERROR(AppendQueryKeys(*alt.sub, depth + 1, b));
      b.Append(") AS s CROSS JOIN current_resources t ON t.rkey = s.rkey");
      b.Append(" CROSS JOIN idx_reference r INDEXED BY idx_reference_search ON r.pid = ");
      b.Arg(ParamKey(type, param));
      b.Append(" AND r.target_id = t.id AND r.target_type = t.type");
      return absl::OkStatus();
    }
    case Match::kReverseChain: {
      if (!alt.sub) return absl::InvalidArgumentError("reverse chain without a source query");
      if (type.empty()) return absl::InvalidArgumentError("reverse chain needs a resource type");
      b.Append("SELECT t.rkey FROM (");
      TC_RETURN_IF_ERROR(AppendQueryKeys(*alt.sub, depth + 1, b));
      b.Append(") AS s CROSS JOIN idx_reference r ON r.rkey = s.rkey AND r.pid = ");
      b.Arg(ParamKey(alt.sub->type, param));
      b.Append(" AND r.target_type = ").Arg(type);
      b.Append(" CROSS JOIN current_resources t ON t.type = ").Arg(type);
      b.Append(" AND t.id = r.target_id");
      return absl::OkStatus();
    }
    case Match::kId:
    case Match::kLastUpdated:
    case Match::kCompartmentIn:
      break;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("search match kind ", static_cast<int>(c.match), " has no index subquery"));
}

// Appends the OR of a criterion's alternatives as one subquery of matching rkeys: one indexed
// SELECT per alternative, united (each can use the (type, param, value…) index, where an OR
// inside one WHERE would scan every row of the parameter). The result may hold an rkey more
// than once. REQUIRES: the match kind has index subqueries; c.any_of non-empty.
absl::Status AppendMatchingKeys(const Criterion& c, const std::string& type, int depth,
                                SqlBuilder& b) {
  for (size_t i = 0; i < c.any_of.size(); ++i) {
    if (i > 0) b.Append(" UNION ALL ");
    TC_RETURN_IF_ERROR(AppendAlternative(c, c.any_of[i], type, depth, b));
  }
  return absl::OkStatus();
}

// Whether a criterion can drive the search (its matches looked up first).
bool CanDrive(const Criterion& c) {
  return !c.negate && !c.any_of.empty() && c.match != Match::kId &&
         c.match != Match::kLastUpdated && c.match != Match::kMissing &&
         c.match != Match::kCompartmentIn;
}

// How few rows a criterion is expected to match, without statistics (lower drives first):
// identifiers and references name one or a few resources; exact dates and codes few; string
// prefixes and code sets many; chains and reverse chains run a whole search first.
int DriverRank(const Criterion& c) {
  const bool one = c.any_of.size() == 1;
  switch (c.match) {
    case Match::kReference:
      return 0;
    case Match::kTokenCode:
      return one && c.any_of[0].has_system && !c.any_of[0].value.empty() ? 1 : 4;
    case Match::kStringExact:
      return 2;
    case Match::kRange:
      return one && c.any_of[0].comparator == Comparator::kEq ? 2 : 6;
    case Match::kComposite:
    case Match::kQuantity:
      return 5;
    case Match::kStringPrefix:
      return one && c.any_of[0].value.size() >= 4 ? 3 : 6;
    case Match::kChain:
      return 7;
    case Match::kReverseChain:
      return 8;
    default:
      return 9;
  }
}

// For a criterion every alternative of which names one exact key (token system|code, reference
// Type/id), appends " AND [NOT] EXISTS (…)" probing the index's primary key for the resource
// `rkey_expr` (one B-tree seek per alternative, no decoding). False when it does not apply.
bool PointProbeApplies(const Criterion& c, const std::string& type) {
  if (c.any_of.empty() || type.empty()) return false;
  for (const Criterion::Alternative& a : c.any_of) {
    if (c.match == Match::kTokenCode && (!a.has_system || a.value.empty())) return false;
    if (c.match == Match::kReference && a.system.empty()) return false;
    if (c.match != Match::kTokenCode && c.match != Match::kReference) return false;
  }
  return true;
}

bool AppendPointProbe(const Criterion& c, const std::string& type, absl::string_view rkey_expr,
                      SqlBuilder& b) {
  if (!PointProbeApplies(c, type)) return false;
  b.Append(c.negate ? " AND NOT EXISTS (" : " AND EXISTS (");
  for (size_t i = 0; i < c.any_of.size(); ++i) {
    const Criterion::Alternative& a = c.any_of[i];
    const std::string& param = a.param.empty() ? c.param : a.param;
    if (i > 0) b.Append(" UNION ALL ");
    if (c.match == Match::kTokenCode) {
      b.Append("SELECT 1 FROM idx_token WHERE pid = ").Arg(ParamKey(type, param));
      b.Append(" AND value = ").Arg(a.value).Append(" AND system = ").Arg(a.system);
    } else {
      b.Append("SELECT 1 FROM idx_reference WHERE pid = ").Arg(ParamKey(type, param));
      b.Append(" AND target_type = ").Arg(a.system).Append(" AND target_id = ").Arg(a.value);
    }
    b.Append(absl::StrCat(" AND rkey = ", rkey_expr));
  }
  b.Append(")");
  return true;
}

// A reverse chain (_has) that does not drive: for the candidate `c`, some resource referring
// to it through the parameter matches the inner search — found through the references to `c`
// and tested on their own rows. Only when every inner criterion can be tested that way.
bool AppendReverseChainProbe(const Criterion& c, const std::string& type, SqlBuilder& b) {
  if (c.negate || c.any_of.size() != 1 || !c.any_of[0].sub) return false;
  const SearchQuery& sub = *c.any_of[0].sub;
  if (sub.type.empty() || !sub.compartment.empty() || sub.updated_since) return false;
  std::vector<std::optional<std::string>> specs;  // tc_match specs where no point probe applies
  for (const Criterion& inner : sub.all_of) {
    if (!MatchableByRows(inner.match)) return false;
    if (PointProbeApplies(inner, sub.type)) {
      specs.emplace_back();
      continue;
    }
    absl::StatusOr<std::string> spec = EncodeMatchSpec(inner, sub.type);
    if (!spec.ok()) return false;
    specs.emplace_back(*std::move(spec));
  }
  b.Append(" AND EXISTS (SELECT 1 FROM idx_reference r INDEXED BY idx_reference_search");
  b.Append(" WHERE r.pid = ").Arg(ParamKey(sub.type, c.param));
  b.Append(" AND r.target_id = c.id AND r.target_type = ").Arg(type);
  for (size_t i = 0; i < sub.all_of.size(); ++i) {
    const Criterion& inner = sub.all_of[i];
    if (!specs[i]) {
      AppendPointProbe(inner, sub.type, "r.rkey", b);
      continue;
    }
    b.Append(" AND tc_match((SELECT rows FROM resource_index_rows WHERE rkey = r.rkey), ");
    b.BlobArg(*std::move(specs[i])).Append(inner.negate ? ") = 0" : ") = 1");
  }
  b.Append(")");
  return true;
}

// Appends " AND <condition>" for one criterion.
absl::Status AppendCriterion(const Criterion& c, const std::string& type, int depth,
                             SqlBuilder& b) {
  if (c.match == Match::kMissing) {  // the parameter has rows or not
    b.Append(c.negate ? " AND c.rkey NOT IN (" : " AND c.rkey IN (");
    if (c.any_of.empty()) {
      AppendIndexSelect(c.kind, type, c.param, b);
    } else {  // several parameters (alternatives name them)
      TC_RETURN_IF_ERROR(AppendMatchingKeys(c, type, depth, b));
    }
    b.Append(")");
    return absl::OkStatus();
  }
  if (c.any_of.empty()) {  // an OR of nothing matches nothing
    b.Append(c.negate ? " AND 1" : " AND 0");
    return absl::OkStatus();
  }
  const char* in = c.negate ? " NOT IN (" : " IN (";
  if (c.match == Match::kId) {
    b.Append(" AND c.id").Append(in);
    for (size_t i = 0; i < c.any_of.size(); ++i) {
      if (i > 0) b.Append(", ");
      b.Arg(c.any_of[i].value);
    }
    b.Append(")");
    return absl::OkStatus();
  }
  if (c.match == Match::kCompartmentIn) {
    // One set of patients for the whole query (not correlated: SQLite builds it once).
    const Criterion::Alternative& alt = c.any_of[0];
    if (c.any_of.size() != 1 || !alt.sub || alt.sub->type.empty()) {
      return absl::InvalidArgumentError("compartment restriction needs one typed query");
    }
    b.Append(" AND c.patient_compartment").Append(in);
    b.Append("SELECT r.target_id FROM (");
    TC_RETURN_IF_ERROR(AppendQueryKeys(*alt.sub, depth + 1, b));
    b.Append(") AS s CROSS JOIN idx_reference r ON r.rkey = s.rkey AND r.pid = ");
    b.Arg(ParamKey(alt.sub->type, c.param));
    b.Append(" AND r.target_type = 'Patient')");
    return absl::OkStatus();
  }
  if (c.match == Match::kLastUpdated) {
    b.Append(c.negate ? " AND NOT (" : " AND (");
    for (size_t i = 0; i < c.any_of.size(); ++i) {
      if (i > 0) b.Append(" OR ");
      AppendRange(c.any_of[i], "c.last_updated", "c.last_updated", b);
    }
    b.Append(")");
    return absl::OkStatus();
  }
  if (c.match == Match::kReverseChain && !type.empty() && AppendReverseChainProbe(c, type, b)) {
    return absl::OkStatus();
  }
  if (AppendPointProbe(c, type, "c.rkey", b)) return absl::OkStatus();
  if (MatchableByRows(c.match) && !type.empty()) {
    // Tested on each candidate's own rows (row_match.h), not by listing every match.
    TC_ASSIGN_OR_RETURN(std::string spec, EncodeMatchSpec(c, type));
    b.Append(" AND tc_match((SELECT rows FROM resource_index_rows WHERE rkey = c.rkey), ");
    b.BlobArg(std::move(spec)).Append(c.negate ? ") = 0" : ") = 1");
    return absl::OkStatus();
  }
  b.Append(" AND c.rkey").Append(in);
  TC_RETURN_IF_ERROR(AppendMatchingKeys(c, type, depth, b));
  b.Append(")");
  return absl::OkStatus();
}

// Appends FROM and WHERE of a search (`c` is current_resources; `v`, with `with_content`, the
// current version). The plan is chosen here rather than left to SQLite, which without statistics
// scans every resource of the type and tests each against the criteria:
//   * with an _id criterion, the ids are looked up by primary key;
//   * else with a compartment, the compartment's resources are read by (compartment, rkey);
//   * else the index criterion expected to match fewest (DriverRank) drives: each match is
//     looked up by rkey (so the cost follows the number of matches, not of resources); the
//     others are tested on each candidate's own rows (tc_match, row_match.h), reverse chains
//     through the references to the candidate;
//   * else every current resource of the type is read, in rkey order.
absl::Status AppendSearchFromWhere(const SearchQuery& q, bool with_content, int depth,
                                   SqlBuilder& b) {
  if (depth > kMaxDepth) {
    return absl::InvalidArgumentError(
        absl::StrCat("search nests chains more than ", kMaxDepth, " deep"));
  }
  if (q.type.empty() && q.compartment.empty()) {
    return absl::InvalidArgumentError("Search: type must be non-empty without a compartment");
  }
  int driver = -1;
  bool by_id = false;
  for (const Criterion& c : q.all_of) {
    if (c.match == Match::kId && !c.negate) by_id = true;
  }
  if (!by_id && q.compartment.empty()) {
    for (size_t i = 0; i < q.all_of.size(); ++i) {
      if (!CanDrive(q.all_of[i])) continue;
      if (driver < 0 || DriverRank(q.all_of[i]) < DriverRank(q.all_of[driver])) {
        driver = static_cast<int>(i);
      }
    }
  }
  if (driver >= 0) {
    b.Append(" FROM (SELECT DISTINCT rkey FROM (");
    TC_RETURN_IF_ERROR(AppendMatchingKeys(q.all_of[driver], q.type, depth, b));
    b.Append(")");
    // CROSS JOIN keeps the matches as the outer loop.
    b.Append(") AS m CROSS JOIN current_resources c ON c.rkey = m.rkey");
  } else if (!q.compartment.empty() && !by_id) {
    b.Append(" FROM current_resources c INDEXED BY current_resources_by_compartment");
  } else {
    b.Append(" FROM current_resources c");
  }
  if (with_content) b.Append(" JOIN resource_versions v ON v.rid = c.rid");
  b.Append(" WHERE c.deleted = 0");
  if (!q.type.empty()) b.Append(" AND c.type = ").Arg(q.type);
  if (!q.compartment.empty()) {
    // (the first term lets SQLite use the partial compartment index)
    b.Append(" AND c.patient_compartment <> '' AND c.patient_compartment = ").Arg(q.compartment);
    if (q.type.empty() && !q.types.empty()) {
      b.Append(" AND c.type IN (");
      for (size_t i = 0; i < q.types.size(); ++i) {
        if (i > 0) b.Append(", ");
        b.Arg(q.types[i]);
      }
      b.Append(")");
    }
  }
  if (q.updated_since.has_value()) {
    b.Append(" AND c.last_updated >= ").Arg(ToMicros(*q.updated_since));
  }
  for (size_t i = 0; i < q.all_of.size(); ++i) {
    if (static_cast<int>(i) == driver) continue;
    TC_RETURN_IF_ERROR(AppendCriterion(q.all_of[i], q.type, depth, b));
  }
  return absl::OkStatus();
}

absl::Status AppendQueryKeys(const SearchQuery& q, int depth, SqlBuilder& b) {
  b.Append("SELECT c.rkey");
  return AppendSearchFromWhere(q, /*with_content=*/false, depth, b);
}

// ---- Sorting and keyset paging ---------------------------------------------------------------

// Sort values of missing parameters: they sort last in both directions.
constexpr double kNumberLast = std::numeric_limits<double>::max();
const char* const kTextLast = "\xF4\x8F\xBF\xBF";  // U+10FFFF, above every stored text

bool IsNumericKey(const SortKey& k) {
  return k.param == "_lastUpdated" || (k.param != "_id" && IsRangeKind(k.kind));
}

// Appends the expression of sort key `k` for the current row `c`.
void AppendSortExpr(const std::string& type, const SortKey& k, SqlBuilder& b) {
  if (k.param == "_id") {
    b.Append("c.id");
    return;
  }
  if (k.param == "_lastUpdated") {
    b.Append("c.last_updated");
    return;
  }
  b.Append("coalesce(tc_sort_value((SELECT rows FROM resource_index_rows WHERE rkey = c.rkey), ");
  b.Arg(ParamKey(type, k.param));
  b.Append(", ").Arg(static_cast<int64_t>(k.kind == Kind::kUri ? Kind::kToken : k.kind));
  b.Append(", ").Arg(static_cast<int64_t>(k.descending ? 1 : 0)).Append("), ");
  if (IsRangeKind(k.kind)) {
    b.Arg(k.descending ? -kNumberLast : kNumberLast);
  } else {
    b.Arg(std::string(k.descending ? "" : kTextLast));
  }
  b.Append(")");
}

// A decoded cursor: one value per sort key, then the rkey.
struct Cursor {
  std::vector<std::string> texts;
  std::vector<double> numbers;
  int64_t rkey = 0;
};

std::string FormatDouble(double d) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", d);
  return buf;
}

absl::StatusOr<Cursor> ParseCursor(const SearchQuery& q) {
  std::vector<std::string> parts = absl::StrSplit(q.cursor, '\x1f');
  if (parts.size() != q.sort.size() + 1) {
    return absl::InvalidArgumentError("the paging cursor does not belong to this search");
  }
  Cursor c;
  for (size_t i = 0; i < q.sort.size(); ++i) {
    if (IsNumericKey(q.sort[i])) {
      double d = 0;
      if (!absl::SimpleAtod(parts[i], &d)) {
        return absl::InvalidArgumentError("the paging cursor is malformed");
      }
      c.numbers.push_back(d);
      c.texts.emplace_back();
    } else {
      c.texts.push_back(parts[i]);
      c.numbers.push_back(0);
    }
  }
  if (!absl::SimpleAtoi(parts.back(), &c.rkey)) {
    return absl::InvalidArgumentError("the paging cursor is malformed");
  }
  return c;
}

void AppendCursorValue(const SortKey& k, const Cursor& cur, size_t i, SqlBuilder& b) {
  if (IsNumericKey(k)) {
    if (k.param == "_lastUpdated") {
      b.Arg(static_cast<int64_t>(cur.numbers[i]));
    } else {
      b.Arg(cur.numbers[i]);
    }
  } else {
    b.Arg(cur.texts[i]);
  }
}

// Appends " AND (rows after the cursor in the read order)": the read order is the query's
// order, reversed when reading the page before the cursor.
absl::Status AppendKeyset(const SearchQuery& q, SqlBuilder& b) {
  TC_ASSIGN_OR_RETURN(Cursor cur, ParseCursor(q));
  const bool reverse = q.before_cursor;
  b.Append(" AND (");
  for (size_t i = 0; i <= q.sort.size(); ++i) {
    if (i > 0) b.Append(" OR ");
    b.Append("(");
    for (size_t j = 0; j < i; ++j) {
      AppendSortExpr(q.type, q.sort[j], b);
      b.Append(" = ");
      AppendCursorValue(q.sort[j], cur, j, b);
      b.Append(" AND ");
    }
    if (i < q.sort.size()) {
      const bool greater = q.sort[i].descending == reverse;
      AppendSortExpr(q.type, q.sort[i], b);
      b.Append(greater ? " > " : " < ");
      AppendCursorValue(q.sort[i], cur, i, b);
    } else {
      b.Append(reverse ? "c.rkey < " : "c.rkey > ").Arg(cur.rkey);
    }
    b.Append(")");
  }
  b.Append(")");
  return absl::OkStatus();
}

void AppendOrder(const SearchQuery& q, SqlBuilder& b) {
  const bool reverse = q.before_cursor && !q.cursor.empty();
  b.Append(" ORDER BY ");
  for (const SortKey& k : q.sort) {
    AppendSortExpr(q.type, k, b);
    b.Append(k.descending != reverse ? " DESC, " : ", ");
  }
  b.Append(reverse ? "c.rkey DESC" : "c.rkey");
}

// The page SELECT: content, the rkey and the compartment, then one column per sort key.
absl::Status BuildPage(const SearchQuery& q, int64_t limit, SqlBuilder& b) {
  if (q.type.empty() && !q.sort.empty()) {
    return absl::InvalidArgumentError("sorting needs a resource type");
  }
  b.Append(
      "SELECT c.type, c.id, c.version, c.last_updated, v.content, c.rkey, c.patient_compartment");
  for (const SortKey& k : q.sort) {
    b.Append(", ");
    AppendSortExpr(q.type, k, b);
  }
  TC_RETURN_IF_ERROR(AppendSearchFromWhere(q, /*with_content=*/true, 0, b));
  if (!q.cursor.empty()) TC_RETURN_IF_ERROR(AppendKeyset(q, b));
  AppendOrder(q, b);
  b.Append(" LIMIT ").Arg(limit);
  if (q.cursor.empty() && q.offset > 0) b.Append(" OFFSET ").Arg(q.offset);
  return absl::OkStatus();
}

absl::StatusOr<int64_t> CountMatches(Connection& conn, const SearchQuery& q) {
  SqlBuilder count;
  count.Append("SELECT count(*)");
  TC_RETURN_IF_ERROR(AppendSearchFromWhere(q, /*with_content=*/false, 0, count));
  TC_ASSIGN_OR_RETURN(Statement st, count.Prepare(conn));
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

absl::StatusOr<SearchResult> Search(Connection& conn, const SearchQuery& query) {
  if (query.limit < 0 || query.offset < 0) {
    return absl::InvalidArgumentError("Search: limit and offset must not be negative");
  }
  SearchResult result;
  result.total = -1;
  if (query.count_total) {
    TC_ASSIGN_OR_RETURN(result.total, CountMatches(conn, query));
  }
  if (query.limit == 0) {
    SqlBuilder unused;  // still reject a malformed query
    TC_RETURN_IF_ERROR(AppendSearchFromWhere(query, /*with_content=*/false, 0, unused));
    return result;
  }
  SqlBuilder page;
  TC_RETURN_IF_ERROR(BuildPage(query, query.limit + 1, page));
  TC_ASSIGN_OR_RETURN(Statement st, page.Prepare(conn));
  std::vector<std::string> cursors;
  while (true) {
    TC_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    if (static_cast<int64_t>(result.versions.size()) == query.limit) {
      result.more = true;
      break;
    }
    StoredVersion& out = result.versions.emplace_back();
    out.type = std::string(st.ColumnText(0));
    out.id = std::string(st.ColumnText(1));
    out.version = st.ColumnInt64(2);
    out.last_updated = FromMicros(st.ColumnInt64(3));
    out.content = std::string(st.ColumnBlob(4));
    out.patient_compartment = std::string(st.ColumnText(6));
    std::string cursor;
    for (size_t i = 0; i < query.sort.size(); ++i) {
      const int col = 7 + static_cast<int>(i);
      if (IsNumericKey(query.sort[i])) {
        cursor += FormatDouble(st.ColumnDouble(col));
      } else {
        absl::string_view t = st.ColumnText(col);
        cursor.append(t.data(), t.size());
      }
      cursor.push_back('\x1f');
    }
    cursor += std::to_string(st.ColumnInt64(5));
    cursors.push_back(std::move(cursor));
  }
  if (query.before_cursor && !query.cursor.empty()) {
    std::reverse(result.versions.begin(), result.versions.end());
    std::reverse(cursors.begin(), cursors.end());
  }
  if (!cursors.empty()) {
    result.first_cursor = cursors.front();
    result.last_cursor = cursors.back();
  }
  return result;
}

absl::StatusOr<std::string> SearchPageSqlForTesting(const SearchQuery& query) {
  SqlBuilder page;
  TC_RETURN_IF_ERROR(BuildPage(query, query.limit + 1, page));
  return page.sql();
}

}  // namespace tc::store::sqlite_internal
