// File: fhirpath/temporal.h
//
// FHIRPath's Date, DateTime and Time values with partial precision ("2015", "2015-02-04T14",
// "T10:30"), optional time-zone offsets, comparison with precision (values of different
// precision may be incomparable: the comparison then has no answer), and calendar arithmetic.
//
//   std::optional<Temporal> t = Temporal::ParseDateTime("2015-02-04T14:34:28+10:00");
//   std::optional<int> c = Temporal::Compare(*a, *b);   // nullopt: incomparable
//
// Thread-safety: a plain value type.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tc::fhirpath {

enum class TemporalKind : uint8_t { kDate, kDateTime, kTime };

// Precision levels, in order. A Time starts at kHour.
enum class TemporalPrecision : uint8_t {
  kYear = 1,
  kMonth = 2,
  kDay = 3,
  kHour = 4,
  kMinute = 5,
  kSecond = 6,
  kMillisecond = 7,
};

struct Temporal {
  TemporalKind kind = TemporalKind::kDate;
  TemporalPrecision precision = TemporalPrecision::kYear;
  int year = 0;
  int month = 1;
  int day = 1;
  int hour = 0;
  int minute = 0;
  int second = 0;
  int millisecond = 0;
  bool has_tz = false;
  int tz_minutes = 0;  // offset east of UTC

  // Parse the FHIR / FHIRPath lexical forms (without any '@' or 'T' prefix for times).
  //   Date:     YYYY[-MM[-DD]]
  //   DateTime: YYYY[-MM[-DD[Thh[:mm[:ss[.fff]]]]]][Z|(+|-)hh:mm]; a trailing "T" is allowed
  //   Time:     hh[:mm[:ss[.fff]]]
  static std::optional<Temporal> ParseDate(std::string_view s);
  static std::optional<Temporal> ParseDateTime(std::string_view s);
  static std::optional<Temporal> ParseTime(std::string_view s);

  // Lexical form without '@' (times without 'T'): "2015-02-04", "2015-02-04T14:34:28.000+10:00".
  std::string ToString() const;

  // Three-way comparison following the FHIRPath rules (both values must be of the same kind,
  // or Date/DateTime): nullopt when the precisions differ at the first compared component
  // that only one value has (the answer is unknown).
  static std::optional<int> Compare(const Temporal& a, const Temporal& b);
  // Equivalence (`~`): false (not unknown) when the precisions differ.
  static bool Equivalent(const Temporal& a, const Temporal& b);

  // Adds `amount` of a calendar unit ("year", "month", "week", "day", "hour", "minute", "second",
  // "millisecond"; singular). nullopt when the unit does not apply to the kind or the result is
  // out of range. Fractions of units above seconds are truncated.
  std::optional<Temporal> Add(double amount, std::string_view unit) const;

  // Number of digits in the precision as FHIRPath's precision() counts them.
  int DigitPrecision() const;
};

// Days since 1970-01-01 for a proleptic Gregorian date, and back.
int64_t DaysFromCivil(int y, int m, int d);
void CivilFromDays(int64_t z, int* y, int* m, int* d);
int DaysInMonth(int y, int m);

}  // namespace tc::fhirpath
