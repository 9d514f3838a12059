#include "store/sqlite/internal/row_match.h"

#include <sqlite3.h>

#include <cstring>
#include <memory>
#include <vector>

#include "store/sqlite/internal/index_rows.h"

namespace tc::store::sqlite_internal {
namespace {

using Kind = IndexRow::Kind;
using Match = Criterion::Match;

struct Alt {
  int64_t pid = 0;
  bool has_system = false;
  std::string system, value, exclude_system;
  Comparator comparator = Comparator::kEq;
  double low = 0, high = 0;
  Criterion::Second second = Criterion::Second::kToken;
  bool second_has_system = false;
  std::string second_system, second_value;
};

struct Spec {
  Match match = Match::kTokenCode;
  Kind kind = Kind::kToken;  // rows of this kind are tested
  std::vector<Alt> alts;
};

void PutString(const std::string& s, std::string& out) {
  const uint32_t n = static_cast<uint32_t>(s.size());
  out.append(reinterpret_cast<const char*>(&n), sizeof n);
  out += s;
}
template <typename T>
void PutRaw(T v, std::string& out) {
  out.append(reinterpret_cast<const char*>(&v), sizeof v);
}

class Reader {
 public:
  Reader(const char* p, size_t n) : p_(p), n_(n) {}
  template <typename T>
  bool Raw(T* v) {
    if (n_ < sizeof *v) return false;
    std::memcpy(v, p_, sizeof *v);
    p_ += sizeof *v;
    n_ -= sizeof *v;
    return true;
  }
  bool String(std::string* s) {
    uint32_t len = 0;
    if (!Raw(&len) || n_ < len) return false;
    s->assign(p_, len);
    p_ += len;
    n_ -= len;
    return true;
  }
  bool done() const { return n_ == 0; }

 private:
  const char* p_;
  size_t n_;
};

std::unique_ptr<Spec> DecodeSpec(const char* p, size_t n) {
  Reader r(p, n);
  auto spec = std::make_unique<Spec>();
  uint8_t match = 0, kind = 0;
  uint32_t count = 0;
  if (!r.Raw(&match) || !r.Raw(&kind) || !r.Raw(&count)) return nullptr;
  spec->match = static_cast<Match>(match);
  spec->kind = static_cast<Kind>(kind);
  for (uint32_t i = 0; i < count; ++i) {
    Alt& a = spec->alts.emplace_back();
    uint8_t flags = 0, cmp = 0, second = 0;
    if (!r.Raw(&a.pid) || !r.Raw(&flags) || !r.String(&a.system) || !r.String(&a.value) ||
        !r.String(&a.exclude_system) || !r.Raw(&cmp) || !r.Raw(&a.low) || !r.Raw(&a.high) ||
        !r.Raw(&second) || !r.String(&a.second_system) || !r.String(&a.second_value)) {
      return nullptr;
    }
    a.has_system = flags & 1;
    a.second_has_system = flags & 2;
    a.comparator = static_cast<Comparator>(cmp);
    a.second = static_cast<Criterion::Second>(second);
  }
  return r.done() ? std::move(spec) : nullptr;
}

bool StartsWith(absl::string_view s, const std::string& prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// The search-prefix semantics of AppendRange (search_sql.cc), on one row's range.
bool InRange(const Alt& a, double rl, double rh) {
  const bool eq = rl >= a.low && rh <= a.high;
  switch (a.comparator) {
    case Comparator::kEq:
      return eq;
    case Comparator::kNe:
      return !eq;
    case Comparator::kGt:
      return rh > a.high;
    case Comparator::kLt:
      return rl < a.low;
    case Comparator::kGe:
      return rh > a.high || eq;
    case Comparator::kLe:
      return rl < a.low || eq;
    case Comparator::kSa:
      return rl > a.high;
    case Comparator::kEb:
      return rh < a.low;
    case Comparator::kAp:
      return rl <= a.high && rh >= a.low;
  }
  return false;
}

bool RowMatches(Match match, const Alt& a, const RowView& r) {
  switch (match) {
    case Match::kTokenCode:
      return (a.value.empty() && a.has_system ? true : r.t[1] == a.value) &&
             (!a.has_system || r.t[0] == a.system);
    case Match::kTokenPrefix:
      return StartsWith(r.t[1], a.value);
    case Match::kStringPrefix:
      return StartsWith(r.t[0], a.value);
    case Match::kStringExact:
      return r.t[1] == a.value;
    case Match::kStringContains:
      return r.t[0].find(a.value) != absl::string_view::npos;
    case Match::kReference:
      return r.t[1] == a.value && (a.system.empty() || r.t[0] == a.system);
    case Match::kRange:
      return InRange(a, r.low, r.high);
    case Match::kQuantity:
      return (a.value.empty() || r.t[1] == a.value) && (!a.has_system || r.t[0] == a.system) &&
             (a.exclude_system.empty() || r.t[0] != a.exclude_system) && InRange(a, r.low, r.high);
    case Match::kComposite: {
      if (r.t[1] != a.value || (a.has_system && r.t[0] != a.system)) return false;
      switch (a.second) {
        case Criterion::Second::kToken:
        case Criterion::Second::kReference:
          return r.t[3] == a.second_value && (!a.second_has_system || r.t[2] == a.second_system);
        case Criterion::Second::kStringPrefix:
          return StartsWith(r.t[3], a.second_value);
        case Criterion::Second::kRange:
          return (a.second_value.empty() || r.t[3] == a.second_value) &&
                 (!a.second_has_system || r.t[2] == a.second_system) && InRange(a, r.low, r.high);
      }
      return false;
    }
    default:
      return false;
  }
}

void DeleteSpec(void* p) { delete static_cast<Spec*>(p); }

// 1 when some row of `rows_value` matches some alternative, 0 when none, -1 when the rows are
// not a valid encoding.
int Evaluate(const Spec& spec, sqlite3_value* rows_value) {
  const void* blob = sqlite3_value_blob(rows_value);
  bool found = false;
  const bool ok = ForEachRow(
      absl::string_view(static_cast<const char*>(blob), blob ? sqlite3_value_bytes(rows_value) : 0),
      [&](const RowView& r) {
        if (r.kind != spec.kind) return false;
        for (const Alt& a : spec.alts) {
          if (a.pid == r.pid && RowMatches(spec.match, a, r)) {
            found = true;
            return true;
          }
        }
        return false;
      });
  if (!ok) return -1;
  return found ? 1 : 0;
}

void MatchFunction(sqlite3_context* ctx, int, sqlite3_value** argv) {
  // The spec is a bound constant: decoded once per statement and kept as SQLite auxdata.
  const Spec* spec = static_cast<const Spec*>(sqlite3_get_auxdata(ctx, 1));
  std::unique_ptr<Spec> decoded;
  if (spec == nullptr) {
    const void* p = sqlite3_value_blob(argv[1]);
    decoded = DecodeSpec(static_cast<const char*>(p), p ? sqlite3_value_bytes(argv[1]) : 0);
    if (!decoded) {
      sqlite3_result_error(ctx, "tc_match: malformed criterion", -1);
      return;
    }
    spec = decoded.get();
  }
  const int result = Evaluate(*spec, argv[0]);
  if (result < 0) {
    sqlite3_result_error(ctx, "tc_match: stored index rows are corrupt", -1);
  } else {
    sqlite3_result_int(ctx, result);
  }
  // Last: SQLite may free the spec at once.
  if (decoded) sqlite3_set_auxdata(ctx, 1, decoded.release(), DeleteSpec);
}

}  // namespace

bool MatchableByRows(Match match) {
  switch (match) {
    case Match::kTokenCode:
    case Match::kTokenPrefix:
    case Match::kStringPrefix:
    case Match::kStringExact:
    case Match::kStringContains:
    case Match::kReference:
    case Match::kRange:
    case Match::kQuantity:
    case Match::kComposite:
      return true;
    default:
      return false;
  }
}

absl::StatusOr<std::string> EncodeMatchSpec(const Criterion& c, const std::string& type) {
  if (!MatchableByRows(c.match) || type.empty()) {
    return absl::InvalidArgumentError("criterion cannot be tested on index rows");
  }
  Kind kind = Kind::kToken;
  switch (c.match) {
    case Match::kStringPrefix:
    case Match::kStringExact:
    case Match::kStringContains:
      kind = Kind::kString;
      break;
    case Match::kReference:
      kind = Kind::kReference;
      break;
    case Match::kRange:
      kind = c.kind;
      break;
    case Match::kQuantity:
      kind = Kind::kQuantity;
      break;
    case Match::kComposite:
      kind = Kind::kComposite;
      break;
    default:
      break;
  }
  std::string out;
  PutRaw(static_cast<uint8_t>(c.match), out);
  PutRaw(static_cast<uint8_t>(kind), out);
  PutRaw(static_cast<uint32_t>(c.any_of.size()), out);
  for (const Criterion::Alternative& a : c.any_of) {
    PutRaw(ParamKey(type, a.param.empty() ? c.param : a.param), out);
    PutRaw(static_cast<uint8_t>((a.has_system ? 1 : 0) | (a.second_has_system ? 2 : 0)), out);
    PutString(a.system, out);
    PutString(a.value, out);
    PutString(a.exclude_system, out);
    PutRaw(static_cast<uint8_t>(a.comparator), out);
    PutRaw(a.low, out);
    PutRaw(a.high, out);
    PutRaw(static_cast<uint8_t>(a.second), out);
    PutString(a.second_system, out);
    PutString(a.second_value, out);
  }
  return out;
}

absl::Status RegisterMatchFunction(Connection& conn) {
  int rc = sqlite3_create_function_v2(conn.raw(), "tc_match", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC,
                                      nullptr, MatchFunction, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return conn.Error(rc, "register tc_match");
  return absl::OkStatus();
}

}  // namespace tc::store::sqlite_internal
