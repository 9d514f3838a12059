// File: fhirpath/decimal.h
//
// An exact decimal number for FHIRPath's Decimal type: a 128-bit coefficient and a scale (digits
// after the point), so `1.50` keeps its precision and `0.1 + 0.2 = 0.3` holds exactly. Up to 28
// digits after the point are kept; division and the transcendental functions round to 8 places
// beyond the operands (transcendental ones go through `double`).
//
//   std::optional<Decimal> d = Decimal::Parse("1.50");   // coefficient 150, scale 2
//   d->ToString();                                         // "1.50"
//
// Thread-safety: a plain value type.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tc::fhirpath {

class Decimal {
 public:
  static constexpr int kMaxScale = 28;

  Decimal() = default;
  static Decimal FromInt(int64_t v) { return Decimal(v, 0); }
  // Parses `[+-]digits[.digits][e[+-]digits]`; nullopt when malformed or out of range.
  static std::optional<Decimal> Parse(std::string_view text);
  // Nearest decimal to `d` with up to 15 significant digits; nullopt for NaN/inf.
  static std::optional<Decimal> FromDouble(double d);

  __int128 coefficient() const { return coef_; }
  int scale() const { return scale_; }
  bool is_zero() const { return coef_ == 0; }
  bool is_negative() const { return coef_ < 0; }
  double ToDouble() const;
  // Canonical text keeping the scale: "1.50", "-0.5", "3".
  std::string ToString() const;
  // Digits after the point that are significant as written (the scale).
  int precision() const { return scale_; }

  // Exact arithmetic; nullopt on overflow (or division by zero).
  static std::optional<Decimal> Add(const Decimal& a, const Decimal& b);
  static std::optional<Decimal> Sub(const Decimal& a, const Decimal& b);
  static std::optional<Decimal> Mul(const Decimal& a, const Decimal& b);
  static std::optional<Decimal> Div(const Decimal& a, const Decimal& b);
  // Truncated division (FHIRPath `div`) and remainder (`mod`).
  static std::optional<Decimal> IntDiv(const Decimal& a, const Decimal& b);
  static std::optional<Decimal> Mod(const Decimal& a, const Decimal& b);
  Decimal Negate() const { return Decimal(-coef_, scale_); }
  Decimal Abs() const { return Decimal(coef_ < 0 ? -coef_ : coef_, scale_); }

  // Three-way numeric comparison (scale-insensitive): -1, 0, 1.
  static int Compare(const Decimal& a, const Decimal& b);

  // Rounds half away from zero to `digits` places (digits >= 0).
  Decimal Round(int digits) const;
  // Integer parts, as decimals of scale 0.
  Decimal Truncate() const;
  Decimal Floor() const;
  Decimal Ceiling() const;
  // Changes the scale to `scale`, rounding half away from zero when shortening.
  Decimal Rescale(int scale) const;
  // Removes trailing zeros after the point.
  Decimal Normalized() const;
  // The value as int64 when it is an integer in range.
  std::optional<int64_t> ToInt64() const;

 private:
  Decimal(__int128 coef, int scale) : coef_(coef), scale_(scale) {}
  __int128 coef_ = 0;
  int scale_ = 0;
};

}  // namespace tc::fhirpath
