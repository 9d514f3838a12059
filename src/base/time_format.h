// File: base/time_format.h
//
// The time formats FHIR and HTTP need.
//   FormatInstant(t)      → "2026-11-25T02:31:42.123Z" (FHIR instant, UTC, milliseconds)
//   ParseFhirDateTime(s)  → the earliest instant of a FHIR date/dateTime/instant
//                           ("2026", "2026-11", "2026-11-25", "2026-11-25T10:00:00+01:00", ...)
//   FormatHttpDate(t)     → "Wed, 25 Nov 2026 02:31:42 GMT" (RFC 9110 IMF-fixdate)
//   ParseHttpDate(s)      → the instant, for If-Modified-Since
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "absl/time/time.h"

namespace tc::base {

std::string FormatInstant(absl::Time t);
std::optional<absl::Time> ParseFhirDateTime(std::string_view s);
std::string FormatHttpDate(absl::Time t);
std::optional<absl::Time> ParseHttpDate(std::string_view s);

}  // namespace tc::base
