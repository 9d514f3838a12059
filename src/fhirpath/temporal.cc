#include "fhirpath/temporal.h"

#include <cmath>
#include <cstdio>

namespace tc::fhirpath {
namespace {

// Reads exactly `n` digits at `s[*i]`.
bool Digits(std::string_view s, size_t* i, int n, int* out) {
  if (*i + static_cast<size_t>(n) > s.size()) return false;
  int v = 0;
  for (int k = 0; k < n; ++k) {
    char c = s[*i + static_cast<size_t>(k)];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *i += static_cast<size_t>(n);
  *out = v;
  return true;
}

bool Peek(std::string_view s, size_t i, char c) { return i < s.size() && s[i] == c; }

// Parses hh[:mm[:ss[.fff]]] into t; sets precision.
bool ParseClock(std::string_view s, size_t* i, Temporal* t) {
  if (!Digits(s, i, 2, &t->hour) || t->hour > 23) return false;
  t->precision = TemporalPrecision::kHour;
  if (!Peek(s, *i, ':')) return true;
  ++*i;
  if (!Digits(s, i, 2, &t->minute) || t->minute > 59) return false;
  t->precision = TemporalPrecision::kMinute;
  if (!Peek(s, *i, ':')) return true;
  ++*i;
  if (!Digits(s, i, 2, &t->second) || t->second > 59) return false;
  t->precision = TemporalPrecision::kSecond;
  if (!Peek(s, *i, '.')) return true;
  ++*i;
  size_t start = *i;
  int ms = 0;
  int n = 0;
  while (*i < s.size() && s[*i] >= '0' && s[*i] <= '9') {
    if (n < 3) ms = ms * 10 + (s[*i] - '0');
    ++n;
    ++*i;
  }
  if (*i == start) return false;
  for (int k = n; k < 3; ++k) ms *= 10;
  t->millisecond = ms;
  t->precision = TemporalPrecision::kMillisecond;
  return true;
}

bool ParseDatePart(std::string_view s, size_t* i, Temporal* t) {
  if (!Digits(s, i, 4, &t->year)) return false;
  t->precision = TemporalPrecision::kYear;
  if (!Peek(s, *i, '-')) return true;
  ++*i;
  if (!Digits(s, i, 2, &t->month) || t->month < 1 || t->month > 12) return false;
  t->precision = TemporalPrecision::kMonth;
  if (!Peek(s, *i, '-')) return true;
  ++*i;
  if (!Digits(s, i, 2, &t->day) || t->day < 1 || t->day > DaysInMonth(t->year, t->month)) {
    return false;
  }
  t->precision = TemporalPrecision::kDay;
  return true;
}

bool ParseZone(std::string_view s, size_t* i, Temporal* t) {
  if (Peek(s, *i, 'Z')) {
    ++*i;
    t->has_tz = true;
    t->tz_minutes = 0;
    return true;
  }
  if (Peek(s, *i, '+') || Peek(s, *i, '-')) {
    int sign = s[*i] == '-' ? -1 : 1;
    ++*i;
    int h = 0, m = 0;
    if (!Digits(s, i, 2, &h) || h > 14) return false;
    if (!Peek(s, *i, ':')) return false;
    ++*i;
    if (!Digits(s, i, 2, &m) || m > 59) return false;
    t->has_tz = true;
    t->tz_minutes = sign * (h * 60 + m);
    return true;
  }
  return true;
}

int Level(TemporalPrecision p) {
  // Seconds and milliseconds are one precision for comparison.
  int v = static_cast<int>(p);
  return v == 7 ? 6 : v;
}

// Minutes since the epoch for the fields down to minutes (others zero-filled).
int64_t EpochMinutes(const Temporal& t) {
  return DaysFromCivil(t.year, t.month, t.day) * 1440 + t.hour * 60 + t.minute;
}

Temporal ToUtc(const Temporal& t) {
  if (!t.has_tz || t.tz_minutes == 0 || t.kind == TemporalKind::kDate) return t;
  if (Level(t.precision) < static_cast<int>(TemporalPrecision::kHour)) return t;
  Temporal u = t;
  int64_t m = EpochMinutes(t) - t.tz_minutes;
  int64_t days = m >= 0 ? m / 1440 : -((-m + 1439) / 1440);
  int64_t rem = m - days * 1440;
  CivilFromDays(days, &u.year, &u.month, &u.day);
  u.hour = static_cast<int>(rem / 60);
  u.minute = static_cast<int>(rem % 60);
  u.tz_minutes = 0;
  return u;
}

void Append2(std::string* out, int v) {
  out->push_back(static_cast<char>('0' + v / 10 % 10));
  out->push_back(static_cast<char>('0' + v % 10));
}

}  // namespace

int DaysInMonth(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12) return 31;
  if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return 29;
  return kDays[m - 1];
}

int64_t DaysFromCivil(int y, int m, int d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void CivilFromDays(int64_t z, int* y, int* m, int* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t yy = yoe + era * 400;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  *d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  *m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  *y = static_cast<int>(yy + (*m <= 2));
}

std::optional<Temporal> Temporal::ParseDate(std::string_view s) {
  Temporal t;
  t.kind = TemporalKind::kDate;
  size_t i = 0;
  if (!ParseDatePart(s, &i, &t) || i != s.size()) return std::nullopt;
  return t;
}

std::optional<Temporal> Temporal::ParseDateTime(std::string_view s) {
  Temporal t;
  t.kind = TemporalKind::kDateTime;
  size_t i = 0;
  if (!ParseDatePart(s, &i, &t)) return std::nullopt;
  if (Peek(s, i, 'T')) {
    ++i;
    if (i == s.size()) return t;  // "2015T"
    if (t.precision != TemporalPrecision::kDay) return std::nullopt;
    if (!ParseClock(s, &i, &t)) return std::nullopt;
    if (!ParseZone(s, &i, &t)) return std::nullopt;
  }
  if (i != s.size()) return std::nullopt;
  return t;
}

std::optional<Temporal> Temporal::ParseTime(std::string_view s) {
  Temporal t;
  t.kind = TemporalKind::kTime;
  size_t i = 0;
  if (!ParseClock(s, &i, &t) || i != s.size()) return std::nullopt;
  return t;
}

std::string Temporal::ToString() const {
  std::string out;
  int p = static_cast<int>(precision);
  if (kind != TemporalKind::kTime) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d", year);
    out += buf;
    if (p >= 2) {
      out.push_back('-');
      Append2(&out, month);
    }
    if (p >= 3) {
      out.push_back('-');
      Append2(&out, day);
    }
    if (kind == TemporalKind::kDate || p < 4) return out;
    out.push_back('T');
  }
  Append2(&out, hour);
  if (p >= 5) {
    out.push_back(':');
    Append2(&out, minute);
  }
  if (p >= 6) {
    out.push_back(':');
    Append2(&out, second);
  }
  if (p >= 7) {
    out.push_back('.');
    out.push_back(static_cast<char>('0' + millisecond / 100));
    Append2(&out, millisecond % 100);
  }
  if (kind == TemporalKind::kDateTime && has_tz) {
    if (tz_minutes == 0) {
      out.push_back('Z');
    } else {
      int m = tz_minutes < 0 ? -tz_minutes : tz_minutes;
      out.push_back(tz_minutes < 0 ? '-' : '+');
      Append2(&out, m / 60);
      out.push_back(':');
      Append2(&out, m % 60);
    }
  }
  return out;
}

std::optional<int> Temporal::Compare(const Temporal& a0, const Temporal& b0) {
  if ((a0.kind == TemporalKind::kTime) != (b0.kind == TemporalKind::kTime)) return std::nullopt;
  Temporal a = a0, b = b0;
  int la = Level(a.precision), lb = Level(b.precision);
  if (la >= 4 && lb >= 4) {
    if (a.has_tz != b.has_tz) return std::nullopt;
    a = ToUtc(a);
    b = ToUtc(b);
  }
  const int av[] = {a.year, a.month, a.day, a.hour, a.minute};
  const int bv[] = {b.year, b.month, b.day, b.hour, b.minute};
  int start = a.kind == TemporalKind::kTime ? 4 : 1;
  for (int level = start; level <= 6; ++level) {
    bool ha = la >= level, hb = lb >= level;
    if (!ha && !hb) return 0;
    if (ha != hb) return std::nullopt;
    if (level <= 5) {
      if (av[level - 1] != bv[level - 1]) return av[level - 1] < bv[level - 1] ? -1 : 1;
    } else {
      int x = a.second * 1000 + a.millisecond, y = b.second * 1000 + b.millisecond;
      if (x != y) return x < y ? -1 : 1;
    }
  }
  return 0;
}

bool Temporal::Equivalent(const Temporal& a, const Temporal& b) {
  if (Level(a.precision) != Level(b.precision)) return false;
  std::optional<int> c = Compare(a, b);
  return c.has_value() && *c == 0;
}

std::optional<Temporal> Temporal::Add(double amount, std::string_view unit) const {
  Temporal t = *this;
  bool is_time = kind == TemporalKind::kTime;
  // Beyond ten million of any unit the result is out of range anyway (and would overflow).
  if (!(amount > -1e7 && amount < 1e7)) return std::nullopt;
  if (unit == "year" || unit == "month") {
    if (is_time) return std::nullopt;
    int64_t n = static_cast<int64_t>(std::trunc(amount));
    int64_t months = unit == "year" ? n * 12 : n;
    int64_t total = static_cast<int64_t>(t.year) * 12 + (t.month - 1) + months;
    if (total < 0 || total >= int64_t{10000} * 12) return std::nullopt;
    t.year = static_cast<int>(total / 12);
    t.month = static_cast<int>(total % 12) + 1;
    int dim = DaysInMonth(t.year, t.month);
    if (t.day > dim) t.day = dim;
    return t;
  }
  if (unit == "week" || unit == "day") {
    if (is_time) return std::nullopt;
    int64_t n = static_cast<int64_t>(std::trunc(amount)) * (unit == "week" ? 7 : 1);
    if (Level(t.precision) < 3) {
      // Partial dates: whole months/years only.
      return t;
    }
    int64_t d = DaysFromCivil(t.year, t.month, t.day) + n;
    CivilFromDays(d, &t.year, &t.month, &t.day);
    if (t.year < 1 || t.year > 9999) return std::nullopt;
    return t;
  }
  int64_t ms_per = 0;
  if (unit == "hour") {
    ms_per = 3600000;
  } else if (unit == "minute") {
    ms_per = 60000;
  } else if (unit == "second") {
    ms_per = 1000;
  } else if (unit == "millisecond") {
    ms_per = 1;
  } else {
    return std::nullopt;
  }
  if (kind == TemporalKind::kDate) {
    // A date has no time: whole days only.
    int64_t days =
        static_cast<int64_t>(std::trunc(amount * static_cast<double>(ms_per) / 86400000.0));
    return Add(static_cast<double>(days), "day");
  }
  int64_t delta = static_cast<int64_t>(std::llround(amount * static_cast<double>(ms_per)));
  int64_t day_ms = ((int64_t{t.hour} * 60 + t.minute) * 60 + t.second) * 1000 + t.millisecond;
  int64_t total = day_ms + delta;
  int64_t days = total >= 0 ? total / 86400000 : -((-total + 86399999) / 86400000);
  int64_t rem = total - days * 86400000;
  t.hour = static_cast<int>(rem / 3600000);
  t.minute = static_cast<int>(rem / 60000 % 60);
  t.second = static_cast<int>(rem / 1000 % 60);
  t.millisecond = static_cast<int>(rem % 1000);
  if (!is_time && days != 0) {
    int64_t d = DaysFromCivil(t.year, t.month, t.day) + days;
    CivilFromDays(d, &t.year, &t.month, &t.day);
    if (t.year < 1 || t.year > 9999) return std::nullopt;
  }
  return t;
}

int Temporal::DigitPrecision() const {
  static constexpr int kDateDigits[] = {0, 4, 6, 8, 10, 12, 14, 17};
  static constexpr int kTimeDigits[] = {0, 0, 0, 0, 2, 4, 6, 9};
  int p = static_cast<int>(precision);
  return kind == TemporalKind::kTime ? kTimeDigits[p] : kDateDigits[p];
}

}  // namespace tc::fhirpath
