#include "base/time_format.h"

#include <string>

namespace tc::base {

std::string FormatInstant(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", t, absl::UTCTimeZone());
}

std::optional<absl::Time> ParseFhirDateTime(std::string_view s) {
  // Partial dates are allowed: their earliest instant (UTC) is returned.
  static constexpr const char* kFormats[] = {"%Y-%m-%dT%H:%M:%E*S%Ez",
                                             "%Y-%m-%dT%H:%M:%E*SZ",
                                             "%Y-%m-%dT%H:%M%Ez",
                                             "%Y-%m-%dT%H:%MZ",
                                             "%Y-%m-%d",
                                             "%Y-%m",
                                             "%Y"};
  std::string text(s);
  for (const char* format : kFormats) {
    absl::Time t;
    std::string err;
    if (absl::ParseTime(format, text, absl::UTCTimeZone(), &t, &err)) return t;
  }
  return std::nullopt;
}

std::string FormatHttpDate(absl::Time t) {
  return absl::FormatTime("%a, %d %b %Y %H:%M:%S GMT", t, absl::UTCTimeZone());
}

std::optional<absl::Time> ParseHttpDate(std::string_view s) {
  absl::Time t;
  std::string err;
  if (absl::ParseTime("%a, %d %b %Y %H:%M:%S GMT", std::string(s), absl::UTCTimeZone(), &t, &err)) {
    return t;
  }
  return std::nullopt;
}

}  // namespace tc::base
