// File: fhirpath/quantity.h
//
// FHIRPath's Quantity: an exact decimal value with a unit, which is either a UCUM unit code
// ('mg', 'mm[Hg]', 'kg/m2', '10*3/uL') or a calendar duration keyword (year, months, week, day,
// hours, minute, seconds, millisecond…). Comparison and arithmetic convert through UCUM for the
// units clinical data uses (SI prefixes × metre, gram, second, litre, mole, kelvin, pascal,
// joule, etc.; customary [lb_av], [in_i], [ft_i], [oz_av], [gal_us]…; Cel and [degF]; %, '1' and
// {annotations}); other units compare only when spelled identically.
//
// Calendar durations follow the FHIRPath rules: week and below equal their UCUM counterparts
// ('wk', 'd', 'h', 'min', 's', 'ms'); year and month compare with each other (1 year = 12 months)
// but not with UCUM 'a' / 'mo' (the answer is unknown).
//
// Thread-safety: plain value types and pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "fhirpath/decimal.h"

namespace tc::fhirpath {

struct Quantity {
  Decimal value;
  std::string unit;  // UCUM code, or a calendar keyword as written ("days"); "1" when unitless

  // "1 'wk'", "1 week".
  std::string ToString() const;
};

// The singular calendar keyword for `unit` ("years" → "year"), or "" if `unit` is not one.
std::string_view CalendarKeyword(std::string_view unit);
// The UCUM code a calendar keyword stands for ("week" → "wk"), or "" for a non-keyword.
std::string_view CalendarToUcum(std::string_view keyword);

// Whether `unit` parses as a UCUM expression this module understands.
bool IsKnownUnit(std::string_view unit);

// Compares two quantities: nullopt when the units are not comparable (different dimensions,
// unknown units, or calendar year/month against UCUM units).
std::optional<int> CompareQuantities(const Quantity& a, const Quantity& b);

// Equivalence: values compared at the precision of the less precise operand (after converting to
// its unit); false when not comparable.
bool EquivalentQuantities(const Quantity& a, const Quantity& b);

// `b` expressed in `a`'s unit, or nullopt when not comparable.
std::optional<Decimal> ConvertTo(const Quantity& b, std::string_view unit);

// Arithmetic. Add/Sub need comparable units (result in `a`'s unit); Mul/Div combine units.
std::optional<Quantity> AddQuantities(const Quantity& a, const Quantity& b, bool subtract);
std::optional<Quantity> MulQuantities(const Quantity& a, const Quantity& b);
std::optional<Quantity> DivQuantities(const Quantity& a, const Quantity& b);

// A quantity in base units of its dimension, for indexing: two quantities are comparable exactly
// when their `dimension`s are equal, and then compare as their `value`s (temperatures in kelvin).
struct CanonicalQuantity {
  double value = 0;
  std::string dimension;  // opaque key, e.g. "0,1,0,0,0,0,0,0,0" for mass
};
// nullopt for units this module does not understand, and for calendar years and months.
std::optional<CanonicalQuantity> Canonicalize(const Quantity& q);

// Whether the units of `a` and `b` are comparable (same dimension).
bool Comparable(const Quantity& a, const Quantity& b);

}  // namespace tc::fhirpath
