#include "fhirpath/quantity.h"

#include <array>
#include <cstdint>

namespace tc::fhirpath {
namespace {

// Dimensions: length, mass, time, angle, temperature, charge, luminosity, amount, and one for
// arbitrary units ([IU], [iU], U-like lab units that only convert among themselves).
constexpr int kDims = 9;
using Dims = std::array<int8_t, kDims>;

struct Atom {
  std::string_view code;
  std::string_view factor;  // decimal text: size of one unit in base units
  Dims dims;
  bool metric;  // accepts SI prefixes
};

// Base units: m, g, s, rad, K, C, cd, mol, [arb].
constexpr Dims kNone = {0, 0, 0, 0, 0, 0, 0, 0, 0};
constexpr Dims kLen = {1, 0, 0, 0, 0, 0, 0, 0, 0};
constexpr Dims kMass = {0, 1, 0, 0, 0, 0, 0, 0, 0};
constexpr Dims kTime = {0, 0, 1, 0, 0, 0, 0, 0, 0};
constexpr Dims kAngle = {0, 0, 0, 1, 0, 0, 0, 0, 0};
constexpr Dims kTemp = {0, 0, 0, 0, 1, 0, 0, 0, 0};
constexpr Dims kCharge = {0, 0, 0, 0, 0, 1, 0, 0, 0};
constexpr Dims kLum = {0, 0, 0, 0, 0, 0, 1, 0, 0};
constexpr Dims kAmount = {0, 0, 0, 0, 0, 0, 0, 1, 0};
constexpr Dims kArb = {0, 0, 0, 0, 0, 0, 0, 0, 1};
constexpr Dims kVol = {3, 0, 0, 0, 0, 0, 0, 0, 0};
constexpr Dims kFreq = {0, 0, -1, 0, 0, 0, 0, 0, 0};
constexpr Dims kForce = {1, 1, -2, 0, 0, 0, 0, 0, 0};
constexpr Dims kPressure = {-1, 1, -2, 0, 0, 0, 0, 0, 0};
constexpr Dims kEnergy = {2, 1, -2, 0, 0, 0, 0, 0, 0};
constexpr Dims kPower = {2, 1, -3, 0, 0, 0, 0, 0, 0};
constexpr Dims kCatalytic = {0, 0, -1, 0, 0, 0, 0, 1, 0};
constexpr Dims kCurrent = {0, 0, -1, 0, 0, 1, 0, 0, 0};
constexpr Dims kVoltage = {2, 1, -2, 0, 0, -1, 0, 0, 0};

constexpr Atom kAtoms[] = {
    {"m", "1", kLen, true},
    {"g", "1", kMass, true},
    {"s", "1", kTime, true},
    {"rad", "1", kAngle, true},
    {"K", "1", kTemp, true},
    {"C", "1", kCharge, true},
    {"cd", "1", kLum, true},
    {"mol", "1", kAmount, true},
    {"eq", "1", kAmount, true},
    {"osm", "1", kAmount, true},
    {"kat", "1", kCatalytic, true},
    {"U", "0.000000016666666666666667", kCatalytic, true},  // umol/min
    {"[iU]", "1", kArb, true},
    {"[IU]", "1", kArb, true},
    {"[arb'U]", "1", kArb, false},
    {"[USP'U]", "1", kArb, false},
    {"L", "0.001", kVol, true},
    {"l", "0.001", kVol, true},
    {"min", "60", kTime, false},
    {"h", "3600", kTime, false},
    {"d", "86400", kTime, false},
    {"wk", "604800", kTime, false},
    {"mo", "2629800", kTime, false},
    {"a", "31557600", kTime, false},
    {"a_j", "31557600", kTime, false},
    {"mo_j", "2629800", kTime, false},
    {"a_g", "31556952", kTime, false},
    {"mo_g", "2629746", kTime, false},
    {"Hz", "1", kFreq, true},
    {"N", "1000", kForce, true},
    {"Pa", "1000", kPressure, true},
    {"bar", "100000000", kPressure, true},
    {"atm", "101325000", kPressure, false},
    {"J", "1000", kEnergy, true},
    {"W", "1000", kPower, true},
    {"A", "1", kCurrent, true},
    {"V", "1000", kVoltage, true},
    {"cal", "4184", kEnergy, true},
    {"[Cal]", "4184000", kEnergy, false},
    {"t", "1000000", kMass, true},
    {"u", "0.0000000000000000000000016605402", kMass, true},
    {"[lb_av]", "453.59237", kMass, false},
    {"[oz_av]", "28.349523125", kMass, false},
    {"[gr]", "0.06479891", kMass, false},
    {"[stone_av]", "6350.29318", kMass, false},
    {"[in_i]", "0.0254", kLen, false},
    {"[ft_i]", "0.3048", kLen, false},
    {"[yd_i]", "0.9144", kLen, false},
    {"[mi_i]", "1609.344", kLen, false},
    {"[gal_us]", "0.003785411784", kVol, false},
    {"[qt_us]", "0.000946352946", kVol, false},
    {"[pt_us]", "0.000473176473", kVol, false},
    {"[foz_us]", "0.0000295735295625", kVol, false},
    {"[tsp_us]", "0.00000492892159375", kVol, false},
    {"[tbs_us]", "0.0000147867647812", kVol, false},
    {"[cup_us]", "0.0002365882365", kVol, false},
    {"[drp]", "0.00000005", kVol, false},
    {"m[Hg]", "133322000", kPressure, true},
    {"m[H2O]", "9806650", kPressure, true},
    {"[in_i'Hg]", "3386378.8", kPressure, false},
    {"deg", "0.017453292519943296", kAngle, false},
    {"%", "0.01", kNone, false},
    {"[ppm]", "0.000001", kNone, false},
    {"[ppb]", "0.000000001", kNone, false},
    {"[pi]", "3.1415926535897932384626433832795", kNone, false},
    {"Cel", "1", kTemp, false},
    {"[degF]", "0.55555555555555555555555555556", kTemp, false},
};

struct Prefix {
  std::string_view code;
  std::string_view factor;
};

constexpr Prefix kPrefixes[] = {
    {"Y", "1000000000000000000000000"},
    {"Z", "1000000000000000000000"},
    {"E", "1000000000000000000"},
    {"P", "1000000000000000"},
    {"T", "1000000000000"},
    {"G", "1000000000"},
    {"M", "1000000"},
    {"k", "1000"},
    {"h", "100"},
    {"da", "10"},
    {"d", "0.1"},
    {"c", "0.01"},
    {"m", "0.001"},
    {"u", "0.000001"},
    {"n", "0.000000001"},
    {"p", "0.000000000001"},
    {"f", "0.000000000000001"},
    {"a", "0.000000000000000001"},
    {"z", "0.000000000000000000001"},
    {"y", "0.000000000000000000000001"},
};

Decimal Dec(std::string_view text) { return *Decimal::Parse(text); }

// A parsed unit: value in base units = value × num / den.
struct Unit {
  Decimal num = Decimal::FromInt(1);
  Decimal den = Decimal::FromInt(1);
  Dims dims = kNone;
  // Set for a unit that is exactly one offset-scale atom (Cel, [degF]).
  std::string_view special;
};

bool MulInto(Unit* u, const Unit& v, int exp) {
  for (int k = 0; k < (exp < 0 ? -exp : exp); ++k) {
    std::optional<Decimal> n = Decimal::Mul(u->num, exp > 0 ? v.num : v.den);
    std::optional<Decimal> d = Decimal::Mul(u->den, exp > 0 ? v.den : v.num);
    if (!n || !d) return false;
    u->num = *n;
    u->den = *d;
  }
  for (int i = 0; i < kDims; ++i) u->dims[i] = static_cast<int8_t>(u->dims[i] + v.dims[i] * exp);
  return true;
}

class UnitParser {
 public:
  explicit UnitParser(std::string_view s) : s_(s) {}

  std::optional<Unit> Parse() {
    if (s_.empty()) return std::nullopt;
    Unit u;
    if (!Term(&u)) return std::nullopt;
    if (i_ != s_.size()) return std::nullopt;
    return u;
  }

 private:
  // term := ['/'] component (('.' | '/') component)*
  bool Term(Unit* u) {
    int sign = 1;
    if (i_ < s_.size() && s_[i_] == '/') {
      sign = -1;
      ++i_;
    }
    for (;;) {
      Unit c;
      if (!Component(&c)) return false;
      if (!MulInto(u, c, sign)) return false;
      if (!c.special.empty()) u->special = c.special;
      if (i_ < s_.size() && s_[i_] == '.') {
        sign = 1;
        ++i_;
      } else if (i_ < s_.size() && s_[i_] == '/') {
        sign = -1;
        ++i_;
      } else {
        return true;
      }
    }
  }

  // component := '(' term ')' | annotation | annotatable [annotation]
  // Reads an optionally signed integer exponent at the cursor; false when there are no digits or
  // its magnitude exceeds `limit` (digits are capped, so hostile input cannot overflow).
  bool SignedExponent(int limit, int* out) {
    int sign = 1;
    if (i_ < s_.size() && (s_[i_] == '-' || s_[i_] == '+')) {
      sign = s_[i_] == '-' ? -1 : 1;
      ++i_;
    }
    size_t start = i_;
    int e = 0;
    while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') {
      if (e < 1000) e = e * 10 + (s_[i_] - '0');
      ++i_;
    }
    if (i_ == start || e > limit) return false;
    *out = sign * e;
    return true;
  }

  bool Component(Unit* u) {
    if (i_ >= s_.size()) return false;
    if (s_[i_] == '(') {
      ++i_;
      if (!Term(u)) return false;
      if (i_ >= s_.size() || s_[i_] != ')') return false;
      ++i_;
      return true;
    }
    if (s_[i_] == '{') return Annotation();
    if (!Annotatable(u)) return false;
    if (i_ < s_.size() && s_[i_] == '{') return Annotation();
    return true;
  }

  bool Annotation() {
    size_t close = s_.find('}', i_);
    if (close == std::string_view::npos) return false;
    i_ = close + 1;
    return true;
  }

  // annotatable := integer | simple-unit [exponent]
  bool Annotatable(Unit* u) {
    size_t start = i_;
    if (s_[i_] >= '0' && s_[i_] <= '9') {
      // A factor: digits, optionally "10*n" / "10^n".
      while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') ++i_;
      std::string_view digits = s_.substr(start, i_ - start);
      if (i_ < s_.size() && (s_[i_] == '*' || s_[i_] == '^') && digits == "10") {
        ++i_;
        int e = 0;
        if (!SignedExponent(30, &e)) return false;
        Unit ten;
        ten.num = Decimal::FromInt(10);
        return MulInto(u, ten, e);
      }
      std::optional<Decimal> d = Decimal::Parse(digits);
      if (!d) return false;
      u->num = *d;
      return true;
    }
    // The atom runs until an operator, exponent digit/sign or annotation.
    size_t end = i_;
    int bracket = 0;
    while (end < s_.size()) {
      char c = s_[end];
      if (c == '[') ++bracket;
      if (c == ']') --bracket;
      if (bracket == 0 && (c == '.' || c == '/' || c == '(' || c == ')' || c == '{' ||
                           (c >= '0' && c <= '9') || c == '-' || c == '+')) {
        break;
      }
      ++end;
    }
    std::string_view atom = s_.substr(i_, end - i_);
    if (atom.empty()) return false;
    i_ = end;
    Unit a;
    if (!Lookup(atom, &a)) return false;
    int exp = 1;
    if (i_ < s_.size() && (s_[i_] == '-' || s_[i_] == '+' || (s_[i_] >= '0' && s_[i_] <= '9'))) {
      if (!SignedExponent(10, &exp)) return false;
    }
    if (!a.special.empty() && (exp != 1 || s_.size() != atom.size())) return false;
    if (!a.special.empty()) {
      *u = a;
      return true;
    }
    return MulInto(u, a, exp);
  }

  static bool Lookup(std::string_view atom, Unit* out) {
    for (const Atom& a : kAtoms) {
      if (a.code == atom) {
        out->num = Dec(a.factor);
        out->dims = a.dims;
        if (atom == "Cel" || atom == "[degF]") out->special = a.code;
        return true;
      }
    }
    for (const Prefix& p : kPrefixes) {
      if (atom.size() <= p.code.size() || atom.substr(0, p.code.size()) != p.code) continue;
      std::string_view rest = atom.substr(p.code.size());
      for (const Atom& a : kAtoms) {
        if (a.code == rest && a.metric) {
          std::optional<Decimal> n = Decimal::Mul(Dec(p.factor), Dec(a.factor));
          if (!n) return false;
          out->num = *n;
          out->dims = a.dims;
          return true;
        }
      }
    }
    return false;
  }

  std::string_view s_;
  size_t i_ = 0;
};

std::optional<Unit> ParseUnit(std::string_view unit) { return UnitParser(unit).Parse(); }

// The unit to use for comparison: calendar keywords map to UCUM.
std::string_view EffectiveUnit(std::string_view unit) {
  std::string_view kw = CalendarKeyword(unit);
  if (!kw.empty()) return CalendarToUcum(kw);
  return unit;
}

bool IsYearOrMonth(std::string_view unit) {
  std::string_view kw = CalendarKeyword(unit);
  return kw == "year" || kw == "month";
}

// Converts `v` in unit `from` to base units: returns value × num / den handled by callers via
// cross-multiplication. Special (offset) units convert to kelvin here.
std::optional<Decimal> ToKelvin(const Decimal& v, std::string_view special) {
  if (special == "Cel") return Decimal::Add(v, Dec("273.15"));
  // [degF]: (F + 459.67) × 5/9
  std::optional<Decimal> s = Decimal::Add(v, Dec("459.67"));
  if (!s) return s;
  std::optional<Decimal> m = Decimal::Mul(*s, Decimal::FromInt(5));
  if (!m) return m;
  return Decimal::Div(*m, Decimal::FromInt(9));
}

struct Prepared {
  Unit unit;
  Decimal value;  // value (kelvin for special units)
};

// Resolves both quantities' units; false when incomparable.
bool Prepare(const Quantity& a, const Quantity& b, Prepared* pa, Prepared* pb) {
  bool ya = IsYearOrMonth(a.unit), yb = IsYearOrMonth(b.unit);
  bool ca = !CalendarKeyword(a.unit).empty(), cb = !CalendarKeyword(b.unit).empty();
  if ((ya && !cb) || (yb && !ca)) return false;
  std::string_view ua = EffectiveUnit(a.unit), ub = EffectiveUnit(b.unit);
  std::optional<Unit> xa = ParseUnit(ua);
  std::optional<Unit> xb = ParseUnit(ub);
  if (!xa || !xb) {
    if (ua != ub) return false;
    pa->unit = Unit();
    pb->unit = Unit();
    pa->value = a.value;
    pb->value = b.value;
    return true;
  }
  if (xa->dims != xb->dims) return false;
  pa->unit = *xa;
  pb->unit = *xb;
  pa->value = a.value;
  pb->value = b.value;
  if (!xa->special.empty() || !xb->special.empty()) {
    for (Prepared* p : {pa, pb}) {
      if (!p->unit.special.empty()) {
        std::optional<Decimal> k = ToKelvin(p->value, p->unit.special);
        if (!k) return false;
        p->value = *k;
        p->unit = Unit();
        p->unit.dims = kTemp;
      }
    }
  }
  return true;
}

// Both sides scaled to base units (cross-multiplied): x = va·na·db, y = vb·nb·da.
bool CrossValues(const Prepared& a, const Prepared& b, Decimal* x, Decimal* y) {
  std::optional<Decimal> x1 = Decimal::Mul(a.value, a.unit.num);
  std::optional<Decimal> y1 = Decimal::Mul(b.value, b.unit.num);
  if (!x1 || !y1) return false;
  std::optional<Decimal> x2 = Decimal::Mul(*x1, b.unit.den);
  std::optional<Decimal> y2 = Decimal::Mul(*y1, a.unit.den);
  if (!x2 || !y2) return false;
  *x = *x2;
  *y = *y2;
  return true;
}

// Appends `u`, parenthesised when it is itself a product or quotient.
void AppendWrapped(std::string_view u, std::string* out) {
  bool wrap = u.find('/') != std::string_view::npos || u.find('.') != std::string_view::npos;
  if (wrap) out->push_back('(');
  out->append(u);
  if (wrap) out->push_back(')');
}

std::string CombineUnits(std::string_view a, std::string_view b, char op) {
  std::string out;
  if (b == "1") {
    out.append(a);
    return out;
  }
  if (a == "1") {
    if (op == '/') {
      out.push_back('/');
      AppendWrapped(b, &out);
    } else {
      out.append(b);
    }
    return out;
  }
  out.append(a);
  out.push_back(op);
  if (op == '/') {
    AppendWrapped(b, &out);
  } else {
    out.append(b);
  }
  return out;
}

}  // namespace

std::string Quantity::ToString() const {
  std::string out = value.ToString();
  bool keyword = !CalendarKeyword(unit).empty();
  out.append(keyword ? " " : " '");
  out.append(unit);
  if (!keyword) out.push_back('\'');
  return out;
}

std::string_view CalendarKeyword(std::string_view unit) {
  static constexpr std::string_view kWords[] = {"year", "month",  "week",   "day",
                                                "hour", "minute", "second", "millisecond"};
  for (std::string_view w : kWords) {
    if (unit == w) return w;
    if (unit.size() == w.size() + 1 && unit.substr(0, w.size()) == w && unit.back() == 's') {
      return w;
    }
  }
  return {};
}

std::string_view CalendarToUcum(std::string_view keyword) {
  if (keyword == "year") return "a";
  if (keyword == "month") return "mo";
  if (keyword == "week") return "wk";
  if (keyword == "day") return "d";
  if (keyword == "hour") return "h";
  if (keyword == "minute") return "min";
  if (keyword == "second") return "s";
  if (keyword == "millisecond") return "ms";
  return {};
}

bool IsKnownUnit(std::string_view unit) {
  if (!CalendarKeyword(unit).empty()) return true;
  return ParseUnit(unit).has_value();
}

std::optional<CanonicalQuantity> Canonicalize(const Quantity& q) {
  if (IsYearOrMonth(q.unit)) return std::nullopt;
  std::optional<Unit> u = ParseUnit(EffectiveUnit(q.unit));
  if (!u) return std::nullopt;
  CanonicalQuantity out;
  if (!u->special.empty()) {
    std::optional<Decimal> k = ToKelvin(q.value, u->special);
    if (!k) return std::nullopt;
    out.value = k->ToDouble();
    u->dims = kTemp;
  } else {
    std::optional<Decimal> n = Decimal::Mul(q.value, u->num);
    if (!n) return std::nullopt;
    n = Decimal::Div(*n, u->den);
    if (!n) return std::nullopt;
    out.value = n->ToDouble();
  }
  for (int i = 0; i < kDims; ++i) {
    if (i > 0) out.dimension.push_back(',');
    out.dimension += std::to_string(u->dims[i]);
  }
  return out;
}

bool Comparable(const Quantity& a, const Quantity& b) {
  Prepared pa, pb;
  return Prepare(a, b, &pa, &pb);
}

std::optional<int> CompareQuantities(const Quantity& a, const Quantity& b) {
  Prepared pa, pb;
  if (!Prepare(a, b, &pa, &pb)) return std::nullopt;
  Decimal x, y;
  if (!CrossValues(pa, pb, &x, &y)) return std::nullopt;
  return Decimal::Compare(x, y);
}

std::optional<Decimal> ConvertTo(const Quantity& b, std::string_view unit) {
  Quantity target{Decimal::FromInt(0), std::string(unit)};
  if (b.unit == unit) return b.value;
  Prepared pt, pb;
  if (!Prepare(target, b, &pt, &pb)) return std::nullopt;
  if (!pt.unit.special.empty() || pt.unit.dims == kTemp) {
    // Offset units: convert through kelvin.
    std::optional<Unit> tu = ParseUnit(EffectiveUnit(unit));
    if (!tu) return std::nullopt;
    std::optional<Decimal> kelvin = Decimal::Mul(pb.value, pb.unit.num);
    if (!kelvin) return std::nullopt;
    kelvin = Decimal::Div(*kelvin, pb.unit.den);
    if (!kelvin) return std::nullopt;
    if (tu->special == "Cel") return Decimal::Sub(*kelvin, Dec("273.15"));
    if (tu->special == "[degF]") {
      std::optional<Decimal> f = Decimal::Mul(*kelvin, Decimal::FromInt(9));
      if (!f) return f;
      f = Decimal::Div(*f, Decimal::FromInt(5));
      if (!f) return f;
      return Decimal::Sub(*f, Dec("459.67"));
    }
    std::optional<Decimal> n = Decimal::Mul(*kelvin, tu->den);
    if (!n) return n;
    return Decimal::Div(*n, tu->num);
  }
  // v_b · nb · dt / (db · nt)
  std::optional<Decimal> n = Decimal::Mul(pb.value, pb.unit.num);
  if (!n) return n;
  n = Decimal::Mul(*n, pt.unit.den);
  if (!n) return n;
  std::optional<Decimal> d = Decimal::Mul(pb.unit.den, pt.unit.num);
  if (!d) return d;
  return Decimal::Div(*n, *d);
}

bool EquivalentQuantities(const Quantity& a, const Quantity& b) {
  // Express the more precise operand in the less precise one's unit, then compare at the
  // smaller scale.
  const Quantity& lo = a.value.scale() <= b.value.scale() ? a : b;
  const Quantity& hi = &lo == &a ? b : a;
  std::optional<Decimal> converted = ConvertTo(hi, lo.unit);
  if (!converted) return false;
  int scale = lo.value.scale() < converted->scale() ? lo.value.scale() : converted->scale();
  if (hi.value.scale() < scale) scale = hi.value.scale();
  return Decimal::Compare(lo.value.Round(scale), converted->Round(scale)) == 0;
}

std::optional<Quantity> AddQuantities(const Quantity& a, const Quantity& b, bool subtract) {
  std::optional<Decimal> bv = ConvertTo(b, a.unit);
  if (!bv) return std::nullopt;
  std::optional<Decimal> r = subtract ? Decimal::Sub(a.value, *bv) : Decimal::Add(a.value, *bv);
  if (!r) return std::nullopt;
  return Quantity{*r, a.unit};
}

std::optional<Quantity> MulQuantities(const Quantity& a, const Quantity& b) {
  std::optional<Decimal> r = Decimal::Mul(a.value, b.value);
  if (!r) return std::nullopt;
  return Quantity{*r, CombineUnits(EffectiveUnit(a.unit), EffectiveUnit(b.unit), '.')};
}

std::optional<Quantity> DivQuantities(const Quantity& a, const Quantity& b) {
  std::optional<Decimal> r = Decimal::Div(a.value, b.value);
  if (!r) return std::nullopt;
  std::string_view ua = EffectiveUnit(a.unit), ub = EffectiveUnit(b.unit);
  if (ua == ub) return Quantity{*r, "1"};
  return Quantity{*r, CombineUnits(ua, ub, '/')};
}

}  // namespace tc::fhirpath
