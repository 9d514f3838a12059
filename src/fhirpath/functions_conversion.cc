// Conversion functions: toX() / convertsToX().
#include <cctype>
#include <string>

#include "fhirpath/evaluator.h"

namespace tc::fhirpath {
namespace {

std::string Lower(std::string_view s) {
  std::string r(s);
  for (char& c : r) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return r;
}

bool IsIntegerText(std::string_view s) {
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  if (i >= s.size()) return false;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  return true;
}

bool IsDecimalText(std::string_view s) {
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  size_t digits = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i, ++digits;
  if (digits == 0) return false;
  if (i < s.size() && s[i] == '.') {
    ++i;
    size_t frac = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i, ++frac;
    if (frac == 0) return false;
  }
  return i == s.size();
}

std::optional<Item> ToBoolean(const Item& p) {
  switch (p.system_type()) {
    case SystemType::kBoolean:
      return p;
    case SystemType::kInteger:
      if (p.int_value() == 0 || p.int_value() == 1) return Item::Boolean(p.int_value() == 1);
      return std::nullopt;
    case SystemType::kDecimal: {
      int c0 = Decimal::Compare(p.decimal_value(), Decimal::FromInt(0));
      int c1 = Decimal::Compare(p.decimal_value(), Decimal::FromInt(1));
      if (c0 == 0 || c1 == 0) return Item::Boolean(c1 == 0);
      return std::nullopt;
    }
    case SystemType::kString: {
      std::string s = Lower(p.string_value());
      if (s == "true" || s == "t" || s == "yes" || s == "y" || s == "1" || s == "1.0") {
        return Item::Boolean(true);
      }
      if (s == "false" || s == "f" || s == "no" || s == "n" || s == "0" || s == "0.0") {
        return Item::Boolean(false);
      }
      return std::nullopt;
    }
    default:
      return std::nullopt;
  }
}

std::optional<Item> ToInteger(const Item& p) {
  switch (p.system_type()) {
    case SystemType::kInteger:
      return p;
    case SystemType::kBoolean:
      return Item::Integer(p.bool_value() ? 1 : 0);
    case SystemType::kString: {
      if (!IsIntegerText(p.string_value())) return std::nullopt;
      std::optional<Decimal> d = Decimal::Parse(p.string_value());
      std::optional<int64_t> i = d ? d->ToInt64() : std::nullopt;
      if (!i || *i > 2147483647LL || *i < -2147483648LL) return std::nullopt;
      return Item::Integer(*i);
    }
    default:
      return std::nullopt;
  }
}

std::optional<Item> ToDecimal(const Item& p) {
  switch (p.system_type()) {
    case SystemType::kDecimal:
      return p;
    case SystemType::kInteger:
      return Item::Dec(Decimal::FromInt(p.int_value()));
    case SystemType::kBoolean:
      return Item::Dec(*Decimal::Parse(p.bool_value() ? "1.0" : "0.0"));
    case SystemType::kString: {
      if (!IsDecimalText(p.string_value())) return std::nullopt;
      std::optional<Decimal> d = Decimal::Parse(p.string_value());
      if (!d) return std::nullopt;
      return Item::Dec(*d);
    }
    default:
      return std::nullopt;
  }
}

std::optional<Item> ToTemporal(const Item& p, TemporalKind kind) {
  SystemType st = p.system_type();
  if (st == SystemType::kString) {
    std::string_view s = p.string_value();
    std::optional<Temporal> t;
    if (kind == TemporalKind::kTime) {
      if (!s.empty() && s[0] == 'T') s.remove_prefix(1);
      t = Temporal::ParseTime(s);
    } else {
      t = Temporal::ParseDateTime(s);
      if (t && kind == TemporalKind::kDate) {
        if (static_cast<int>(t->precision) > static_cast<int>(TemporalPrecision::kDay)) {
          return std::nullopt;
        }
        t->kind = TemporalKind::kDate;
      }
    }
    if (!t) return std::nullopt;
    return Item::Time(*t);
  }
  if (st != SystemType::kDate && st != SystemType::kDateTime && st != SystemType::kTime) {
    return std::nullopt;
  }
  Temporal t = p.temporal_value();
  if (kind == TemporalKind::kTime) {
    if (st != SystemType::kTime) return std::nullopt;
    return p;
  }
  if (st == SystemType::kTime) return std::nullopt;
  if (kind == TemporalKind::kDate) {
    if (static_cast<int>(t.precision) > static_cast<int>(TemporalPrecision::kDay)) {
      t.precision = TemporalPrecision::kDay;
    }
    t.has_tz = false;
    t.kind = TemporalKind::kDate;
    return Item::Time(t);
  }
  t.kind = TemporalKind::kDateTime;
  return Item::Time(t);
}

std::optional<Quantity> ParseQuantityText(std::string_view s) {
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  while (i < s.size() && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.')) ++i;
  std::string_view num = s.substr(0, i);
  if (!IsDecimalText(num)) return std::nullopt;
  std::optional<Decimal> v = Decimal::Parse(num);
  if (!v) return std::nullopt;
  while (i < s.size() && s[i] == ' ') ++i;
  std::string_view rest = s.substr(i);
  if (rest.empty()) return Quantity{*v, "1"};
  if (rest.front() == '\'') {
    if (rest.size() < 3 || rest.back() != '\'') return std::nullopt;
    std::string unit(rest.substr(1, rest.size() - 2));
    if (unit.find('\'') != std::string::npos) return std::nullopt;
    return Quantity{*v, unit};
  }
  if (!CalendarKeyword(rest).empty()) return Quantity{*v, std::string(rest)};
  return std::nullopt;
}

std::optional<Item> ToQuantityItem(const Model& model, const Item& item, const Item& p) {
  switch (p.system_type()) {
    case SystemType::kQuantity:
      return p;
    case SystemType::kInteger:
    case SystemType::kDecimal:
      return Item::Qty(Quantity{*AsDecimal(p), "1"});
    case SystemType::kBoolean:
      return Item::Qty(Quantity{*Decimal::Parse(p.bool_value() ? "1.0" : "0.0"), "1"});
    case SystemType::kString: {
      std::optional<Quantity> q = ParseQuantityText(p.string_value());
      if (!q) return std::nullopt;
      return Item::Qty(*std::move(q));
    }
    default: {
      std::optional<Quantity> q = AsQuantity(model, item);
      if (!q) return std::nullopt;
      return Item::Qty(*std::move(q));
    }
  }
}

}  // namespace

absl::Status CallConversionFunction(Evaluator& ev, const Node& n, const Collection& in,
                                    Collection* out) {
  absl::StatusOr<const Item*> one = ev.Single(in, n.name + "()");
  if (!one.ok()) return ev.Error(n, std::string(one.status().message()));
  if (*one == nullptr) return absl::OkStatus();
  const Item& item = **one;
  Item scratch;
  const Item* p = Primitive(item, &scratch);
  std::optional<Item> r;
  bool converts = false;
  switch (n.fn) {
    case Fn::kToBoolean:
    case Fn::kConvertsToBoolean:
      if (p != nullptr) r = ToBoolean(*p);
      converts = n.fn == Fn::kConvertsToBoolean;
      break;
    case Fn::kToInteger:
    case Fn::kConvertsToInteger:
      if (p != nullptr) r = ToInteger(*p);
      converts = n.fn == Fn::kConvertsToInteger;
      break;
    case Fn::kToDecimal:
    case Fn::kConvertsToDecimal:
      if (p != nullptr) r = ToDecimal(*p);
      converts = n.fn == Fn::kConvertsToDecimal;
      break;
    case Fn::kToString:
    case Fn::kConvertsToString: {
      std::optional<std::string> s = ToText(item);
      if (!s) {
        std::optional<Quantity> q = AsQuantity(ev.model(), item);
        if (q) s = q->ToString();
      }
      if (s) r = Item::String(*std::move(s));
      converts = n.fn == Fn::kConvertsToString;
      break;
    }
    case Fn::kToDate:
    case Fn::kConvertsToDate:
      if (p != nullptr) r = ToTemporal(*p, TemporalKind::kDate);
      converts = n.fn == Fn::kConvertsToDate;
      break;
    case Fn::kToDateTime:
    case Fn::kConvertsToDateTime:
      if (p != nullptr) r = ToTemporal(*p, TemporalKind::kDateTime);
      converts = n.fn == Fn::kConvertsToDateTime;
      break;
    case Fn::kToTime:
    case Fn::kConvertsToTime:
      if (p != nullptr) r = ToTemporal(*p, TemporalKind::kTime);
      converts = n.fn == Fn::kConvertsToTime;
      break;
    case Fn::kToQuantity:
    case Fn::kConvertsToQuantity: {
      r = ToQuantityItem(ev.model(), item, p != nullptr ? *p : item);
      converts = n.fn == Fn::kConvertsToQuantity;
      if (r && !IsKnownUnit(r->quantity_value().unit)) r.reset();
      if (r && !n.args.empty()) {
        absl::StatusOr<std::optional<std::string>> unit = ev.StringArg(n, 0);
        if (!unit.ok()) return unit.status();
        if (!unit->has_value()) {
          r.reset();
        } else {
          std::optional<Decimal> v = ConvertTo(r->quantity_value(), **unit);
          if (v) {
            r = Item::Qty(Quantity{*v, **unit});
          } else {
            r.reset();
          }
        }
      }
      break;
    }
    default:
      return ev.Error(n, "function not in this group");
  }
  if (converts) {
    out->push_back(Item::Boolean(r.has_value()));
  } else if (r) {
    out->push_back(*std::move(r));
  }
  return absl::OkStatus();
}

}  // namespace tc::fhirpath
