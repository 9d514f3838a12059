#include "store/sqlite/internal/index_rows.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstring>
#include <iterator>
#include <optional>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "store/sqlite/internal/row_match.h"

namespace tc::store::sqlite_internal {
namespace {

using Kind = IndexRow::Kind;

constexpr int kNumKinds = 8;

// Per kind: the number of text columns and whether it has a range, and its statements.
// Parameters: ?1 rkey, ?2 pid, ?3..?6 text columns, ?7 low, ?8 high.
struct KindSql {
  int texts;
  bool range;
  const char* insert;
  const char* remove;
};
constexpr std::array<KindSql, kNumKinds> kKinds = {{
    {2, false, "INSERT OR IGNORE INTO idx_token (pid, system, value, rkey) VALUES (?2, ?3, ?4, ?1)",
     "DELETE FROM idx_token WHERE pid = ?2 AND system = ?3 AND value = ?4 AND rkey = ?1"},
    {2, false, "INSERT OR IGNORE INTO idx_string (pid, value, raw, rkey) VALUES (?2, ?3, ?4, ?1)",
     "DELETE FROM idx_string WHERE pid = ?2 AND value = ?3 AND raw = ?4 AND rkey = ?1"},
    {2, false,
     "INSERT OR IGNORE INTO idx_reference (rkey, pid, target_type, target_id) "
     "VALUES (?1, ?2, ?3, ?4)",
     "DELETE FROM idx_reference WHERE rkey = ?1 AND pid = ?2 AND target_type = ?3 "
     "AND target_id = ?4"},
    {0, true, "INSERT OR IGNORE INTO idx_date (pid, low, high, rkey) VALUES (?2, ?7, ?8, ?1)",
     "DELETE FROM idx_date WHERE pid = ?2 AND low = ?7 AND high = ?8 AND rkey = ?1"},
    {0, true, "INSERT OR IGNORE INTO idx_number (pid, low, high, rkey) VALUES (?2, ?7, ?8, ?1)",
     "DELETE FROM idx_number WHERE pid = ?2 AND low = ?7 AND high = ?8 AND rkey = ?1"},
    // uri rows are stored as system-less tokens.
    {2, false, "INSERT OR IGNORE INTO idx_token (pid, system, value, rkey) VALUES (?2, ?3, ?4, ?1)",
     "DELETE FROM idx_token WHERE pid = ?2 AND system = ?3 AND value = ?4 AND rkey = ?1"},
    {2, true,
     "INSERT OR IGNORE INTO idx_quantity (pid, system, code, low, high, rkey) "
     "VALUES (?2, ?3, ?4, ?7, ?8, ?1)",
     "DELETE FROM idx_quantity WHERE pid = ?2 AND system = ?3 AND code = ?4 AND low = ?7 "
     "AND high = ?8 AND rkey = ?1"},
    {4, true,
     "INSERT OR IGNORE INTO idx_composite "
     "(pid, a_system, a_value, b_system, b_value, low, high, rkey) "
     "VALUES (?2, ?3, ?4, ?5, ?6, ?7, ?8, ?1)",
     "DELETE FROM idx_composite WHERE pid = ?2 AND a_system = ?3 AND a_value = ?4 "
     "AND b_system = ?5 AND b_value = ?6 AND low = ?7 AND high = ?8 AND rkey = ?1"},
}};

bool KnownKind(int k) { return k >= 0 && k < kNumKinds; }

absl::Status RunRow(Connection& conn, const char* sql, int64_t rkey, const KeyedRow& row) {
  const KindSql& k = kKinds[static_cast<int>(row.kind)];
  TC_ASSIGN_OR_RETURN(Statement st, conn.Prepare(sql));
  st.BindInt64(1, rkey);
  st.BindInt64(2, row.pid);
  for (int i = 0; i < k.texts; ++i) st.BindText(3 + i, row.t[i]);
  if (k.range) {
    st.BindDouble(7, row.low);
    st.BindDouble(8, row.high);
  }
  return st.Run();
}

void PutVarint(uint64_t v, std::string& out) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

bool GetVarint(absl::string_view& in, uint64_t* v) {
  *v = 0;
  for (int shift = 0; shift < 64 && !in.empty(); shift += 7) {
    const unsigned char c = static_cast<unsigned char>(in.front());
    in.remove_prefix(1);
    *v |= static_cast<uint64_t>(c & 0x7F) << shift;
    if ((c & 0x80) == 0) return true;
  }
  return false;
}

void PutDouble(double d, std::string& out) {
  char buf[sizeof d];
  std::memcpy(buf, &d, sizeof d);
  out.append(buf, sizeof d);
}

bool GetDouble(absl::string_view& in, double* d) {
  if (in.size() < sizeof *d) return false;
  std::memcpy(d, in.data(), sizeof *d);
  in.remove_prefix(sizeof *d);
  return true;
}

// tc_sort_value(index_rows BLOB, pid INTEGER, kind INTEGER, descending INTEGER)
void SortValue(sqlite3_context* ctx, int, sqlite3_value** argv) {
  const void* data = sqlite3_value_blob(argv[0]);
  const int size = sqlite3_value_bytes(argv[0]);
  const int64_t pid = sqlite3_value_int64(argv[1]);
  const int kind = sqlite3_value_int(argv[2]);
  const bool desc = sqlite3_value_int(argv[3]) != 0;
  if (!KnownKind(kind)) {
    sqlite3_result_null(ctx);
    return;
  }
  const bool range = kKinds[kind].range;
  std::optional<absl::string_view> text;
  std::optional<double> number;
  const bool ok = ForEachRow(
      absl::string_view(static_cast<const char*>(data), data ? size : 0), [&](const RowView& r) {
        if (r.pid != pid || static_cast<int>(r.kind) != kind) return false;
        if (range) {
          const double v = desc ? r.high : r.low;
          if (!number || (desc ? v > *number : v < *number)) number = v;
        } else {
          // Token / uri: the code; string: the folded value; reference: the target id.
          const absl::string_view v = r.kind == Kind::kString ? r.t[0] : r.t[1];
          if (!text || (desc ? v > *text : v < *text)) text = v;
        }
        return false;
      });
  if (!ok) {
    sqlite3_result_null(ctx);
    return;
  }
  if (number) {
    sqlite3_result_double(ctx, *number);
  } else if (text) {
    sqlite3_result_text(ctx, text->data(), static_cast<int>(text->size()), SQLITE_TRANSIENT);
  } else {
    sqlite3_result_null(ctx);
  }
}

}  // namespace

int64_t ParamKey(absl::string_view type, absl::string_view code) {
  uint64_t h = 14695981039346656037ull;  // FNV-1a 64
  auto mix = [&](absl::string_view s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 1099511628211ull;
    }
  };
  mix(type);
  mix(absl::string_view("\0", 1));
  mix(code);
  return static_cast<int64_t>(h);
}

absl::StatusOr<KeyedRow> ToKeyedRow(absl::string_view type, const IndexRow& row) {
  KeyedRow out;
  out.kind = row.kind;
  out.pid = ParamKey(type, row.param);
  switch (row.kind) {
    case Kind::kToken:
    case Kind::kReference:
    case Kind::kQuantity:
      out.t[0] = row.system;
      out.t[1] = row.value;
      break;
    case Kind::kUri:
      out.kind = Kind::kToken;
      out.t[1] = row.value;
      break;
    case Kind::kString:
      out.t[0] = row.value;
      out.t[1] = row.system;  // the text as written
      break;
    case Kind::kDate:
    case Kind::kNumber:
      break;
    case Kind::kComposite:
      out.t[0] = row.system;
      out.t[1] = row.value;
      out.t[2] = row.system2;
      out.t[3] = row.value2;
      break;
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("unknown index row kind ", static_cast<int>(row.kind)));
  }
  if (kKinds[static_cast<int>(out.kind)].range) {
    out.low = row.low;
    out.high = row.high;
  }
  return out;
}

absl::StatusOr<std::vector<KeyedRow>> ToKeyedRows(absl::string_view type,
                                                  const std::vector<IndexRow>& rows,
                                                  absl::string_view context) {
  std::vector<KeyedRow> out;
  out.reserve(rows.size());
  for (const IndexRow& row : rows) {
    absl::StatusOr<KeyedRow> keyed = ToKeyedRow(type, row);
    if (!keyed.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(context, ": ", keyed.status().ToString()));
    }
    out.push_back(*std::move(keyed));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::string EncodeRows(const std::vector<KeyedRow>& rows) {
  std::string out;
  for (const KeyedRow& r : rows) {
    const KindSql& k = kKinds[static_cast<int>(r.kind)];
    out.push_back(static_cast<char>(r.kind));
    PutVarint(static_cast<uint64_t>(r.pid), out);
    for (int i = 0; i < k.texts; ++i) {
      PutVarint(r.t[i].size(), out);
      out += r.t[i];
    }
    if (k.range) {
      PutDouble(r.low, out);
      PutDouble(r.high, out);
    }
  }
  return out;
}

bool ForEachRow(absl::string_view in, absl::FunctionRef<bool(const RowView&)> fn) {
  RowView r;
  while (!in.empty()) {
    const int kind = static_cast<unsigned char>(in.front());
    in.remove_prefix(1);
    if (!KnownKind(kind)) return false;
    r.kind = static_cast<Kind>(kind);
    uint64_t pid = 0;
    if (!GetVarint(in, &pid)) return false;
    r.pid = static_cast<int64_t>(pid);
    const KindSql& k = kKinds[kind];
    for (int i = 0; i < 4; ++i) r.t[i] = absl::string_view();
    for (int i = 0; i < k.texts; ++i) {
      uint64_t n = 0;
      if (!GetVarint(in, &n) || n > in.size()) return false;
      r.t[i] = in.substr(0, n);
      in.remove_prefix(n);
    }
    r.low = r.high = 0;
    if (k.range && (!GetDouble(in, &r.low) || !GetDouble(in, &r.high))) return false;
    if (fn(r)) return true;
  }
  return true;
}

absl::StatusOr<std::vector<KeyedRow>> DecodeRows(absl::string_view in) {
  std::vector<KeyedRow> rows;
  const bool ok = ForEachRow(in, [&](const RowView& v) {
    KeyedRow& r = rows.emplace_back();
    r.kind = v.kind;
    r.pid = v.pid;
    for (int i = 0; i < 4; ++i) r.t[i] = std::string(v.t[i]);
    r.low = v.low;
    r.high = v.high;
    return false;
  });
  if (!ok) return absl::DataLossError("stored index rows are corrupt");
  return rows;
}

absl::Status InsertRow(Connection& conn, int64_t rkey, const KeyedRow& row) {
  return RunRow(conn, kKinds[static_cast<int>(row.kind)].insert, rkey, row);
}

absl::Status DeleteRow(Connection& conn, int64_t rkey, const KeyedRow& row) {
  return RunRow(conn, kKinds[static_cast<int>(row.kind)].remove, rkey, row);
}

absl::Status ReplaceRows(Connection& conn, int64_t rkey, absl::string_view old_blob,
                         const std::vector<KeyedRow>& wanted) {
  std::vector<KeyedRow> have;
  if (!old_blob.empty()) {
    TC_ASSIGN_OR_RETURN(have, DecodeRows(old_blob));
  }
  std::vector<KeyedRow> stale, fresh;
  std::set_difference(have.begin(), have.end(), wanted.begin(), wanted.end(),
                      std::back_inserter(stale));
  std::set_difference(wanted.begin(), wanted.end(), have.begin(), have.end(),
                      std::back_inserter(fresh));
  for (const KeyedRow& row : stale) TC_RETURN_IF_ERROR(DeleteRow(conn, rkey, row));
  for (const KeyedRow& row : fresh) TC_RETURN_IF_ERROR(InsertRow(conn, rkey, row));
  if (old_blob.empty() && wanted.empty()) return absl::OkStatus();
  const std::string encoded = EncodeRows(wanted);  // bound, not copied: keep it alive
  TC_ASSIGN_OR_RETURN(Statement st, conn.Prepare("INSERT OR REPLACE INTO resource_index_rows "
                                                 "(rkey, rows) VALUES (?1, ?2)"));
  st.BindInt64(1, rkey);
  st.BindBlob(2, encoded);
  return st.Run();
}

absl::Status RegisterIndexFunctions(Connection& conn) {
  int rc =
      sqlite3_create_function_v2(conn.raw(), "tc_sort_value", 4, SQLITE_UTF8 | SQLITE_DETERMINISTIC,
                                 nullptr, SortValue, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return conn.Error(rc, "register tc_sort_value");
  return RegisterMatchFunction(conn);
}

}  // namespace tc::store::sqlite_internal
