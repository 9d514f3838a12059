// Math functions, and the precision functions lowBoundary/highBoundary/precision/comparable.
#include <cmath>
#include <string>

#include "fhirpath/evaluator.h"

namespace tc::fhirpath {
namespace {

std::optional<Item> FromDouble(double d) {
  std::optional<Decimal> r = Decimal::FromDouble(d);
  if (!r) return std::nullopt;
  return Item::Dec(*r);
}

// Decimal boundary: the value ± half a unit of its last digit, floored/ceiled to `digits`.
std::optional<Decimal> DecimalBoundary(const Decimal& v, int digits, bool high) {
  if (digits < 0 || digits > Decimal::kMaxScale) return std::nullopt;
  // Half a unit in the last written place: 5 × 10^-(scale+1).
  std::optional<Decimal> half = Decimal::Parse("5e-" + std::to_string(v.scale() + 1));
  if (!half) return std::nullopt;
  std::optional<Decimal> b = high ? Decimal::Add(v, *half) : Decimal::Sub(v, *half);
  if (!b) return std::nullopt;
  if (digits >= b->scale()) return b->Rescale(digits);
  // |v| below one unit of the requested precision: the boundary is zero at that precision.
  std::optional<Decimal> unit = Decimal::Parse("1e-" + std::to_string(digits));
  if (unit && Decimal::Compare(v.Abs(), *unit) < 0 && digits > 0) {
    return Decimal::FromInt(0).Rescale(digits);
  }
  // Shift, floor/ceil, shift back.
  std::optional<Decimal> scale = Decimal::Parse("1e" + std::to_string(digits));
  if (!scale) return std::nullopt;
  std::optional<Decimal> shifted = Decimal::Mul(*b, *scale);
  if (!shifted) return std::nullopt;
  Decimal whole = high ? shifted->Ceiling() : shifted->Floor();
  std::optional<Decimal> back = Decimal::Div(whole, *scale);
  if (!back) return std::nullopt;
  return back->Rescale(digits);
}

std::optional<Temporal> TemporalBoundary(const Temporal& t, int digits, bool high) {
  Temporal r = t;
  TemporalPrecision target;
  if (t.kind == TemporalKind::kTime) {
    switch (digits) {
      case 2:
        target = TemporalPrecision::kHour;
        break;
      case 4:
        target = TemporalPrecision::kMinute;
        break;
      case 6:
        target = TemporalPrecision::kSecond;
        break;
      case 9:
        target = TemporalPrecision::kMillisecond;
        break;
      default:
        return std::nullopt;
    }
  } else {
    switch (digits) {
      case 4:
        target = TemporalPrecision::kYear;
        break;
      case 6:
        target = TemporalPrecision::kMonth;
        break;
      case 8:
        target = TemporalPrecision::kDay;
        break;
      case 10:
        target = TemporalPrecision::kHour;
        break;
      case 12:
        target = TemporalPrecision::kMinute;
        break;
      case 14:
        target = TemporalPrecision::kSecond;
        break;
      case 17:
        target = TemporalPrecision::kMillisecond;
        break;
      default:
        return std::nullopt;
    }
    if (t.kind == TemporalKind::kDate && static_cast<int>(target) > 3) return std::nullopt;
  }
  int have = static_cast<int>(t.precision);
  // An hour alone stands for hh:00.
  if (t.precision == TemporalPrecision::kHour) {
    r.minute = 0;
    have = static_cast<int>(TemporalPrecision::kMinute);
  }
  int want = static_cast<int>(target);
  if (have < 2 && want >= 2) r.month = high ? 12 : 1;
  if (have < 3 && want >= 3) r.day = high ? DaysInMonth(r.year, r.month) : 1;
  if (have < 4 && want >= 4) r.hour = high ? 23 : 0;
  if (have < 5 && want >= 5) r.minute = high ? 59 : 0;
  if (have < 6 && want >= 6) r.second = high ? 59 : 0;
  if (have < 7 && want >= 7) r.millisecond = high ? 999 : 0;
  r.precision = target;
  if (r.kind == TemporalKind::kDateTime && want >= 4 && !r.has_tz) {
    r.has_tz = true;
    r.tz_minutes = high ? -12 * 60 : 14 * 60;
  }
  if (want < 4) r.has_tz = false;
  return r;
}

}  // namespace

absl::Status CallMathFunction(Evaluator& ev, const Node& n, const Collection& in, Collection* out) {
  absl::StatusOr<const Item*> one = ev.Single(in, n.name + "()");
  if (!one.ok()) return ev.Error(n, std::string(one.status().message()));
  if (*one == nullptr) return absl::OkStatus();
  Item scratch;
  const Item* p = Primitive(**one, &scratch);
  std::optional<Quantity> q = AsQuantity(ev.model(), p != nullptr ? *p : **one);
  SystemType t = p != nullptr ? p->system_type() : SystemType::kNone;
  bool numeric = t == SystemType::kInteger || t == SystemType::kDecimal;

  if (n.fn == Fn::kComparable) {
    Collection other;
    absl::Status st = ev.EvalArg(*n.args[0], &other);
    if (!st.ok()) return st;
    absl::StatusOr<const Item*> o = ev.Single(other, "comparable() argument");
    if (!o.ok()) return o.status();
    if (*o == nullptr || !q) return absl::OkStatus();
    std::optional<Quantity> q2 = AsQuantity(ev.model(), **o);
    if (!q2) return ev.Error(n, "comparable() needs quantities");
    out->push_back(Item::Boolean(Comparable(*q, *q2)));
    return absl::OkStatus();
  }
  if (n.fn == Fn::kPrecision) {
    if (t == SystemType::kDecimal) {
      out->push_back(Item::Integer(p->decimal_value().precision()));
    } else if (t == SystemType::kInteger) {
      out->push_back(Item::Integer(0));
    } else if (t == SystemType::kDate || t == SystemType::kDateTime || t == SystemType::kTime) {
      out->push_back(Item::Integer(p->temporal_value().DigitPrecision()));
    } else if (q) {
      out->push_back(Item::Integer(q->value.precision()));
    } else {
      return ev.Error(n, "precision() needs a number, date/time or quantity");
    }
    return absl::OkStatus();
  }
  if (n.fn == Fn::kLowBoundary || n.fn == Fn::kHighBoundary) {
    bool high = n.fn == Fn::kHighBoundary;
    std::optional<int64_t> digits;
    if (!n.args.empty()) {
      absl::StatusOr<std::optional<int64_t>> d = ev.IntegerArg(n, 0);
      if (!d.ok()) return d.status();
      if (!d->has_value()) return absl::OkStatus();
      digits = **d;
    }
    if (numeric || (q && t != SystemType::kString)) {
      Decimal v = numeric ? *AsDecimal(*p) : q->value;
      std::optional<Decimal> b = DecimalBoundary(v, static_cast<int>(digits.value_or(8)), high);
      if (!b) return absl::OkStatus();
      if (numeric) {
        out->push_back(Item::Dec(*b));
      } else {
        out->push_back(Item::Qty(Quantity{*b, q->unit}));
      }
      return absl::OkStatus();
    }
    if (t == SystemType::kDate || t == SystemType::kDateTime || t == SystemType::kTime) {
      const Temporal& tv = p->temporal_value();
      int def = tv.kind == TemporalKind::kDate ? 8 : tv.kind == TemporalKind::kTime ? 9 : 17;
      std::optional<Temporal> b =
          TemporalBoundary(tv, static_cast<int>(digits.value_or(def)), high);
      if (b) out->push_back(Item::Time(*b));
      return absl::OkStatus();
    }
    return ev.Error(n, n.name + "() needs a number, date/time or quantity");
  }

  if (!numeric && !(n.fn == Fn::kAbs && q)) {
    return ev.Error(n, n.name + "() needs a number");
  }
  switch (n.fn) {
    case Fn::kAbs:
      if (t == SystemType::kInteger) {
        if (p->int_value() == INT64_MIN) return absl::OkStatus();
        out->push_back(Item::Integer(p->int_value() < 0 ? -p->int_value() : p->int_value()));
      } else if (t == SystemType::kDecimal) {
        out->push_back(Item::Dec(p->decimal_value().Abs()));
      } else {
        out->push_back(Item::Qty(Quantity{q->value.Abs(), q->unit}));
      }
      return absl::OkStatus();
    case Fn::kCeiling:
    case Fn::kFloor:
    case Fn::kTruncate: {
      Decimal d = *AsDecimal(*p);
      Decimal r = n.fn == Fn::kCeiling ? d.Ceiling()
                  : n.fn == Fn::kFloor ? d.Floor()
                                       : d.Truncate();
      std::optional<int64_t> i = r.ToInt64();
      if (!i) return absl::OkStatus();
      out->push_back(Item::Integer(*i));
      return absl::OkStatus();
    }
    case Fn::kRound: {
      int64_t digits = 0;
      if (!n.args.empty()) {
        absl::StatusOr<std::optional<int64_t>> d = ev.IntegerArg(n, 0);
        if (!d.ok()) return d.status();
        if (!d->has_value()) return absl::OkStatus();
        digits = **d;
      }
      if (digits < 0) return ev.Error(n, "round() precision must not be negative");
      if (t == SystemType::kInteger) {
        out->push_back(*p);
        return absl::OkStatus();
      }
      out->push_back(Item::Dec(p->decimal_value().Round(static_cast<int>(digits))));
      return absl::OkStatus();
    }
    case Fn::kExp:
    case Fn::kLn:
    case Fn::kSqrt: {
      double x = AsDecimal(*p)->ToDouble();
      double r = n.fn == Fn::kExp ? std::exp(x) : n.fn == Fn::kLn ? std::log(x) : std::sqrt(x);
      if (std::optional<Item> i = FromDouble(r)) out->push_back(*std::move(i));
      return absl::OkStatus();
    }
    case Fn::kLog:
    case Fn::kPower: {
      Collection arg;
      absl::Status st = ev.EvalArg(*n.args[0], &arg);
      if (!st.ok()) return st;
      absl::StatusOr<const Item*> a = ev.Single(arg, n.name + "() argument");
      if (!a.ok()) return a.status();
      if (*a == nullptr) return absl::OkStatus();
      Item s2;
      const Item* pa = Primitive(**a, &s2);
      std::optional<Decimal> y = pa ? AsDecimal(*pa) : std::nullopt;
      if (!y) return ev.Error(n, n.name + "() needs a numeric argument");
      if (n.fn == Fn::kPower && t == SystemType::kInteger &&
          pa->system_type() == SystemType::kInteger && pa->int_value() >= 0) {
        int64_t base = p->int_value(), r = 1;
        int64_t exponent = pa->int_value();
        if (base == 0 || base == 1 || base == -1) {
          // No overflow ends these loops: answer directly.
          r = base == 0 ? (exponent == 0 ? 1 : 0) : (base == 1 || exponent % 2 == 0 ? 1 : -1);
          out->push_back(Item::Integer(r));
          return absl::OkStatus();
        }
        for (int64_t k = 0; k < exponent; ++k) {
          if (__builtin_mul_overflow(r, base, &r)) return absl::OkStatus();
        }
        out->push_back(Item::Integer(r));
        return absl::OkStatus();
      }
      double x = AsDecimal(*p)->ToDouble(), yv = y->ToDouble();
      double r = n.fn == Fn::kLog ? std::log(x) / std::log(yv) : std::pow(x, yv);
      if (std::optional<Item> i = FromDouble(r)) out->push_back(*std::move(i));
      return absl::OkStatus();
    }
    default:
      return ev.Error(n, "function not in this group");
  }
}

}  // namespace tc::fhirpath
