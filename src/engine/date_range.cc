#include "engine/date_range.h"

#include <cstdint>

#include "fhirpath/temporal.h"

namespace tc::engine {
namespace {

int DaysIn(int64_t y, int m) { return fhirpath::DaysInMonth(static_cast<int>(y), m); }

int64_t DaysFromCivil(int64_t y, int m, int d) {
  return fhirpath::DaysFromCivil(static_cast<int>(y), m, d);
}

// Reads exactly `n` digits at `pos`.
bool Digits(std::string_view s, size_t& pos, int n, int64_t& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (int i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    out = out * 10 + (c - '0');
  }
  pos += n;
  return true;
}

constexpr int64_t kMicrosPerSecond = 1000000;
constexpr int64_t kMicrosPerDay = 86400 * kMicrosPerSecond;

}  // namespace

std::optional<DateRange> ParseDateRange(std::string_view s) {
  size_t pos = 0;
  int64_t year = 0, month = 1, day = 1;
  if (!Digits(s, pos, 4, year)) return std::nullopt;
  if (pos == s.size()) {
    const int64_t lo = DaysFromCivil(year, 1, 1) * kMicrosPerDay;
    const int64_t hi = DaysFromCivil(year + 1, 1, 1) * kMicrosPerDay - 1;
    return DateRange{static_cast<double>(lo), static_cast<double>(hi)};
  }
  if (s[pos++] != '-' || !Digits(s, pos, 2, month) || month < 1 || month > 12) return std::nullopt;
  if (pos == s.size()) {
    const int64_t lo = DaysFromCivil(year, static_cast<int>(month), 1) * kMicrosPerDay;
    const int64_t hi = lo + DaysIn(year, static_cast<int>(month)) * kMicrosPerDay - 1;
    return DateRange{static_cast<double>(lo), static_cast<double>(hi)};
  }
  if (s[pos++] != '-' || !Digits(s, pos, 2, day) || day < 1 ||
      day > DaysIn(year, static_cast<int>(month))) {
    return std::nullopt;
  }
  const int64_t day_start =
      DaysFromCivil(year, static_cast<int>(month), static_cast<int>(day)) * kMicrosPerDay;
  if (pos == s.size()) {
    return DateRange{static_cast<double>(day_start),
                     static_cast<double>(day_start + kMicrosPerDay - 1)};
  }
  int64_t hour = 0, minute = 0, second = 0;
  if (s[pos++] != 'T' || !Digits(s, pos, 2, hour) || hour > 23) return std::nullopt;
  if (pos >= s.size() || s[pos++] != ':' || !Digits(s, pos, 2, minute) || minute > 59) {
    return std::nullopt;
  }
  int64_t span = 60 * kMicrosPerSecond;  // precision: minutes
  int64_t fraction = 0;
  if (pos < s.size() && s[pos] == ':') {
    ++pos;
    if (!Digits(s, pos, 2, second) || second > 59) return std::nullopt;
    span = kMicrosPerSecond;
    if (pos < s.size() && s[pos] == '.') {
      ++pos;
      size_t start = pos;
      int64_t scale = kMicrosPerSecond;
      while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
        if (scale > 1) {
          scale /= 10;
          fraction += (s[pos] - '0') * scale;
        }
        ++pos;
      }
      if (pos == start) return std::nullopt;
      span = scale;
    }
  }
  int64_t offset_minutes = 0;
  if (pos < s.size()) {
    if (s[pos] == 'Z') {
      ++pos;
    } else if (s[pos] == '+' || s[pos] == '-') {
      const int sign = s[pos++] == '-' ? -1 : 1;
      int64_t oh = 0, om = 0;
      if (!Digits(s, pos, 2, oh) || pos >= s.size() || s[pos++] != ':' || !Digits(s, pos, 2, om) ||
          oh > 14 || om > 59 || (oh == 14 && om > 0)) {
        return std::nullopt;
      }
      offset_minutes = sign * (oh * 60 + om);
    } else {
      return std::nullopt;
    }
  }
  if (pos != s.size()) return std::nullopt;
  const int64_t lo = day_start +
                     ((hour * 60 + minute - offset_minutes) * 60 + second) * kMicrosPerSecond +
                     fraction;
  return DateRange{static_cast<double>(lo), static_cast<double>(lo + span - 1)};
}

}  // namespace tc::engine
