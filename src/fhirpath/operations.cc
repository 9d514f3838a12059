#include "fhirpath/operations.h"

#include <cctype>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace tc::fhirpath {
namespace {

bool IsNumeric(SystemType t) { return t == SystemType::kInteger || t == SystemType::kDecimal; }
bool IsTemporal(SystemType t) {
  return t == SystemType::kDate || t == SystemType::kDateTime || t == SystemType::kTime;
}

// Normalises a string for equivalence: trimmed, whitespace runs → one space, lower-cased.
std::string Fold(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool space = false;
  for (char c : s) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return out;
}

bool IsQuantityNode(const Model& model, const Item& i) {
  if (!i.is_node() || i.system_type() != SystemType::kNone || i.type().empty()) return false;
  std::string_view t = i.type();
  // Quantity and its R4 specialisations, without a registry walk for the common case.
  if (t == "Quantity" || t == "Age" || t == "Duration" || t == "Distance" || t == "Count" ||
      t == "SimpleQuantity" || t == "MoneyQuantity") {
    return true;
  }
  return t.size() > 8 && t.ends_with("Quantity") && model.IsSubtype(t, "Quantity");
}

absl::Status TypeError(std::string_view what, const Item& a, const Item& b) {
  auto name = [](const Item& i) {
    if (i.is_node() && !i.type().empty()) return std::string(i.type());
    return std::string(SystemTypeName(i.system_type()));
  };
  return absl::InvalidArgumentError("cannot " + std::string(what) + " " + name(a) + " and " +
                                    name(b));
}

}  // namespace

std::string_view SystemTypeName(SystemType t) {
  switch (t) {
    case SystemType::kBoolean:
      return "Boolean";
    case SystemType::kInteger:
      return "Integer";
    case SystemType::kDecimal:
      return "Decimal";
    case SystemType::kString:
      return "String";
    case SystemType::kDate:
      return "Date";
    case SystemType::kDateTime:
      return "DateTime";
    case SystemType::kTime:
      return "Time";
    case SystemType::kQuantity:
      return "Quantity";
    case SystemType::kNone:
      break;
  }
  return "";
}

const Item* Primitive(const Item& item, Item* scratch) {
  if (!item.is_node()) return item.system_type() == SystemType::kNone ? nullptr : &item;
  const fhir::Value* v = item.node();
  if (v == nullptr || item.system_type() == SystemType::kNone) return nullptr;
  switch (item.system_type()) {
    case SystemType::kBoolean:
      if (!v->is_bool()) return nullptr;
      *scratch = Item::Boolean(v->bool_value());
      return scratch;
    case SystemType::kInteger: {
      if (!v->is_number()) return nullptr;
      std::optional<Decimal> d = Decimal::Parse(v->number_text());
      std::optional<int64_t> i = d ? d->ToInt64() : std::nullopt;
      if (!i) return nullptr;
      *scratch = Item::Integer(*i);
      return scratch;
    }
    case SystemType::kDecimal: {
      if (!v->is_number()) return nullptr;
      std::optional<Decimal> d = Decimal::Parse(v->number_text());
      if (!d) return nullptr;
      *scratch = Item::Dec(*d);
      return scratch;
    }
    case SystemType::kString:
      if (!v->is_string()) return nullptr;
      *scratch = Item::StringView(v->string_value());
      return scratch;
    case SystemType::kDate:
    case SystemType::kDateTime:
    case SystemType::kTime: {
      if (!v->is_string()) return nullptr;
      const std::string& s = v->string_value();
      std::optional<Temporal> t = item.system_type() == SystemType::kDate ? Temporal::ParseDate(s)
                                  : item.system_type() == SystemType::kTime
                                      ? Temporal::ParseTime(s)
                                      : Temporal::ParseDateTime(s);
      if (!t && item.system_type() == SystemType::kDateTime) {
        // instant / dateTime with more fractional digits are handled by the parser; anything
        // else is not a date.
        return nullptr;
      }
      if (!t) return nullptr;
      *scratch = Item::Time(*t);
      return scratch;
    }
    default:
      return nullptr;
  }
}

std::optional<Decimal> AsDecimal(const Item& p) {
  if (p.system_type() == SystemType::kInteger) return Decimal::FromInt(p.int_value());
  if (p.system_type() == SystemType::kDecimal) return p.decimal_value();
  return std::nullopt;
}

std::optional<Quantity> AsQuantity(const Model& model, const Item& item) {
  if (!item.is_node()) {
    if (item.system_type() == SystemType::kQuantity) return item.quantity_value();
    return std::nullopt;
  }
  if (!IsQuantityNode(model, item) || item.node() == nullptr || !item.node()->is_object()) {
    return std::nullopt;
  }
  const fhir::Value* value = item.node()->Find("value");
  if (value == nullptr || !value->is_number()) return std::nullopt;
  std::optional<Decimal> d = Decimal::Parse(value->number_text());
  if (!d) return std::nullopt;
  std::string_view system = item.node()->GetString("system");
  std::string_view code = item.node()->GetString("code");
  std::string_view unit = item.node()->GetString("unit");
  Quantity q;
  q.value = *d;
  if (system == "http://unitsofmeasure.org" && !code.empty()) {
    q.unit = std::string(code);
  } else if (!unit.empty()) {
    q.unit = std::string(unit);
  } else if (!code.empty()) {
    q.unit = std::string(code);
  } else {
    q.unit = "1";
  }
  return q;
}

Tri Equal(const Model& model, const Item& a, const Item& b) {
  if (a.is_node() && b.is_node()) {
    if (a.node() == b.node() && a.ext() == b.ext()) return Tri::kTrue;
    // A primitive never equals a complex value (unless a quantity is involved).
    if ((a.system_type() == SystemType::kNone) != (b.system_type() == SystemType::kNone) &&
        !IsQuantityNode(model, a) && !IsQuantityNode(model, b)) {
      return Tri::kFalse;
    }
  }
  Item sa, sb;
  const Item* pa = Primitive(a, &sa);
  const Item* pb = Primitive(b, &sb);
  if (pa == nullptr || pb == nullptr) {
    std::optional<Quantity> qa = AsQuantity(model, a), qb = AsQuantity(model, b);
    if (qa && qb) {
      std::optional<int> c = CompareQuantities(*qa, *qb);
      if (!c) return Tri::kEmpty;
      return *c == 0 ? Tri::kTrue : Tri::kFalse;
    }
    if (pa != nullptr || pb != nullptr) return Tri::kFalse;
    if (!a.is_node() || !b.is_node()) return Tri::kFalse;
    if (a.node() == b.node() && a.ext() == b.ext()) return Tri::kTrue;
    auto same = [](const fhir::Value* x, const fhir::Value* y) {
      if (x == nullptr || y == nullptr) return x == y;
      return *x == *y;
    };
    return same(a.node(), b.node()) && same(a.ext(), b.ext()) ? Tri::kTrue : Tri::kFalse;
  }
  SystemType ta = pa->system_type(), tb = pb->system_type();
  if (IsNumeric(ta) && IsNumeric(tb)) {
    if (ta == SystemType::kInteger && tb == SystemType::kInteger) {
      return pa->int_value() == pb->int_value() ? Tri::kTrue : Tri::kFalse;
    }
    return Decimal::Compare(*AsDecimal(*pa), *AsDecimal(*pb)) == 0 ? Tri::kTrue : Tri::kFalse;
  }
  if (ta == SystemType::kString && tb == SystemType::kString) {
    return pa->string_value() == pb->string_value() ? Tri::kTrue : Tri::kFalse;
  }
  if (ta == SystemType::kBoolean && tb == SystemType::kBoolean) {
    return pa->bool_value() == pb->bool_value() ? Tri::kTrue : Tri::kFalse;
  }
  if (IsTemporal(ta) && IsTemporal(tb)) {
    if ((ta == SystemType::kTime) != (tb == SystemType::kTime)) return Tri::kFalse;
    std::optional<int> c = Temporal::Compare(pa->temporal_value(), pb->temporal_value());
    if (!c) return Tri::kEmpty;
    return *c == 0 ? Tri::kTrue : Tri::kFalse;
  }
  if (ta == SystemType::kQuantity || tb == SystemType::kQuantity) {
    std::optional<Quantity> qa = AsQuantity(model, *pa), qb = AsQuantity(model, *pb);
    if (qa && qb) {
      std::optional<int> c = CompareQuantities(*qa, *qb);
      if (!c) return Tri::kEmpty;
      return *c == 0 ? Tri::kTrue : Tri::kFalse;
    }
  }
  return Tri::kFalse;
}

bool Equivalent(const Model& model, const Item& a, const Item& b) {
  Item sa, sb;
  const Item* pa = Primitive(a, &sa);
  const Item* pb = Primitive(b, &sb);
  if (pa == nullptr || pb == nullptr) {
    std::optional<Quantity> qa = AsQuantity(model, a), qb = AsQuantity(model, b);
    if (qa && qb) return EquivalentQuantities(*qa, *qb);
    return Equal(model, a, b) == Tri::kTrue;
  }
  SystemType ta = pa->system_type(), tb = pb->system_type();
  if (IsNumeric(ta) && IsNumeric(tb)) {
    Decimal x = *AsDecimal(*pa), y = *AsDecimal(*pb);
    int scale = x.scale() < y.scale() ? x.scale() : y.scale();
    return Decimal::Compare(x.Round(scale), y.Round(scale)) == 0;
  }
  if (ta == SystemType::kString && tb == SystemType::kString) {
    return Fold(pa->string_value()) == Fold(pb->string_value());
  }
  if (IsTemporal(ta) && IsTemporal(tb)) {
    return Temporal::Equivalent(pa->temporal_value(), pb->temporal_value());
  }
  if (ta == SystemType::kQuantity && tb == SystemType::kQuantity) {
    return EquivalentQuantities(pa->quantity_value(), pb->quantity_value());
  }
  return Equal(model, *pa, *pb) == Tri::kTrue;
}

Tri EqualCollections(const Model& model, const Collection& a, const Collection& b) {
  if (a.size() != b.size()) return Tri::kFalse;
  bool unknown = false;
  for (size_t i = 0; i < a.size(); ++i) {
    Tri t = Equal(model, a[i], b[i]);
    if (t == Tri::kFalse) return Tri::kFalse;
    if (t == Tri::kEmpty) unknown = true;
  }
  return unknown ? Tri::kEmpty : Tri::kTrue;
}

bool EquivalentCollections(const Model& model, const Collection& a, const Collection& b) {
  if (a.size() != b.size()) return false;
  std::vector<bool> used(b.size(), false);
  for (const Item& x : a) {
    bool found = false;
    for (size_t j = 0; j < b.size(); ++j) {
      if (!used[j] && Equivalent(model, x, b[j])) {
        used[j] = true;
        found = true;
        break;
      }
    }
    if (!found) return false;
  }
  return true;
}

absl::StatusOr<std::optional<int>> CompareItems(const Model& model, const Item& a, const Item& b) {
  Item sa, sb;
  const Item* pa = Primitive(a, &sa);
  const Item* pb = Primitive(b, &sb);
  std::optional<Quantity> qa = AsQuantity(model, pa ? *pa : a);
  std::optional<Quantity> qb = AsQuantity(model, pb ? *pb : b);
  if (qa && qb) return CompareQuantities(*qa, *qb);
  if (pa == nullptr || pb == nullptr) return TypeError("compare", a, b);
  SystemType ta = pa->system_type(), tb = pb->system_type();
  if (IsNumeric(ta) && IsNumeric(tb)) {
    return std::optional<int>(Decimal::Compare(*AsDecimal(*pa), *AsDecimal(*pb)));
  }
  if (ta == SystemType::kString && tb == SystemType::kString) {
    int c = pa->string_value().compare(pb->string_value());
    return std::optional<int>(c < 0 ? -1 : (c > 0 ? 1 : 0));
  }
  if (IsTemporal(ta) && IsTemporal(tb) && (ta == SystemType::kTime) == (tb == SystemType::kTime)) {
    return Temporal::Compare(pa->temporal_value(), pb->temporal_value());
  }
  return TypeError("compare", a, b);
}

absl::StatusOr<std::optional<Item>> Arithmetic(const Model& model, ArithOp op, const Item& a,
                                               const Item& b) {
  using R = std::optional<Item>;
  Item sa, sb;
  const Item* pa = Primitive(a, &sa);
  const Item* pb = Primitive(b, &sb);
  std::optional<Quantity> qa = AsQuantity(model, pa ? *pa : a);
  std::optional<Quantity> qb = AsQuantity(model, pb ? *pb : b);
  if (pa == nullptr && !qa) return TypeError("do arithmetic on", a, b);
  if (pb == nullptr && !qb) return TypeError("do arithmetic on", a, b);
  SystemType ta = pa ? pa->system_type() : SystemType::kQuantity;
  SystemType tb = pb ? pb->system_type() : SystemType::kQuantity;

  if (ta == SystemType::kInteger && tb == SystemType::kInteger && op != ArithOp::kDiv) {
    int64_t x = pa->int_value(), y = pb->int_value(), r = 0;
    switch (op) {
      case ArithOp::kAdd:
        if (__builtin_add_overflow(x, y, &r)) return R();
        return R(Item::Integer(r));
      case ArithOp::kSub:
        if (__builtin_sub_overflow(x, y, &r)) return R();
        return R(Item::Integer(r));
      case ArithOp::kMul:
        if (__builtin_mul_overflow(x, y, &r)) return R();
        return R(Item::Integer(r));
      case ArithOp::kIntDiv:
        if (y == 0 || (x == INT64_MIN && y == -1)) return R();
        return R(Item::Integer(x / y));
      case ArithOp::kMod:
        if (y == 0 || (x == INT64_MIN && y == -1)) return R();
        return R(Item::Integer(x % y));
      default:
        break;
    }
  }
  if (IsNumeric(ta) && IsNumeric(tb)) {
    Decimal x = *AsDecimal(*pa), y = *AsDecimal(*pb);
    std::optional<Decimal> r;
    switch (op) {
      case ArithOp::kAdd:
        r = Decimal::Add(x, y);
        break;
      case ArithOp::kSub:
        r = Decimal::Sub(x, y);
        break;
      case ArithOp::kMul:
        r = Decimal::Mul(x, y);
        break;
      case ArithOp::kDiv:
        r = Decimal::Div(x, y);
        break;
      case ArithOp::kIntDiv: {
        std::optional<Decimal> q = Decimal::IntDiv(x, y);
        if (!q) return R();
        std::optional<int64_t> i = q->ToInt64();
        if (!i) return R();
        return R(Item::Integer(*i));
      }
      case ArithOp::kMod:
        r = Decimal::Mod(x, y);
        break;
    }
    if (!r) return R();
    return R(Item::Dec(*r));
  }
  if (ta == SystemType::kString && tb == SystemType::kString && op == ArithOp::kAdd) {
    std::string s(pa->string_value());
    s.append(pb->string_value());
    return R(Item::String(std::move(s)));
  }
  if (IsTemporal(ta) && qb && (op == ArithOp::kAdd || op == ArithOp::kSub)) {
    std::string_view kw = CalendarKeyword(qb->unit);
    if (kw.empty()) {
      // UCUM definite durations: only those that are calendar-compatible.
      if (qb->unit == "wk") kw = "week";
      if (qb->unit == "d") kw = "day";
      if (qb->unit == "h") kw = "hour";
      if (qb->unit == "min") kw = "minute";
      if (qb->unit == "s") kw = "second";
      if (qb->unit == "ms") kw = "millisecond";
    }
    if (kw.empty()) {
      return absl::InvalidArgumentError("cannot add a quantity in '" + qb->unit +
                                        "' to a date/time");
    }
    // Calendar arithmetic uses whole units (FHIRPath: fractions are truncated).
    double amount = static_cast<double>(qb->value.Truncate().ToInt64().value_or(0));
    if (op == ArithOp::kSub) amount = -amount;
    std::optional<Temporal> t = pa->temporal_value().Add(amount, kw);
    if (!t) {
      if (pa->temporal_value().kind == TemporalKind::kTime &&
          (kw == "year" || kw == "month" || kw == "week" || kw == "day")) {
        return absl::InvalidArgumentError("cannot add a calendar duration to a time");
      }
      return R();
    }
    return R(Item::Time(*t));
  }
  if (qa || qb) {
    // Numbers combine with quantities as unitless quantities.
    auto as_q = [&](const std::optional<Quantity>& q, const Item* p) -> std::optional<Quantity> {
      if (q) return q;
      if (p != nullptr && IsNumeric(p->system_type())) return Quantity{*AsDecimal(*p), "1"};
      return std::nullopt;
    };
    std::optional<Quantity> x = as_q(qa, pa), y = as_q(qb, pb);
    if (!x || !y) return TypeError("do arithmetic on", a, b);
    std::optional<Quantity> r;
    switch (op) {
      case ArithOp::kAdd:
      case ArithOp::kSub:
        if (!Comparable(*x, *y)) return R();
        r = AddQuantities(*x, *y, op == ArithOp::kSub);
        break;
      case ArithOp::kMul:
        r = MulQuantities(*x, *y);
        break;
      case ArithOp::kDiv:
        r = DivQuantities(*x, *y);
        break;
      default:
        return TypeError("do arithmetic on", a, b);
    }
    if (!r) return R();
    return R(Item::Qty(*std::move(r)));
  }
  return TypeError("do arithmetic on", a, b);
}

std::optional<std::string> ToText(const Item& item) {
  Item scratch;
  const Item* p = Primitive(item, &scratch);
  if (p == nullptr) return std::nullopt;
  switch (p->system_type()) {
    case SystemType::kBoolean:
      return std::string(p->bool_value() ? "true" : "false");
    case SystemType::kInteger:
      return std::to_string(p->int_value());
    case SystemType::kDecimal:
      return p->decimal_value().ToString();
    case SystemType::kString:
      return std::string(p->string_value());
    case SystemType::kDate:
    case SystemType::kDateTime:
    case SystemType::kTime:
      return p->temporal_value().ToString();
    case SystemType::kQuantity:
      return p->quantity_value().ToString();
    case SystemType::kNone:
      break;
  }
  return std::nullopt;
}

}  // namespace tc::fhirpath
