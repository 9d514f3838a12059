// File: engine/date_range.h
//
// The instant range a FHIR date, dateTime or instant covers at its precision, for date search
// (FHIR R4 search 3.1.1.4.9: "2013-01" covers the whole of January 2013).
//
//   ParseDateRange("2013-01")  → [2013-01-01T00:00:00Z, 2013-01-31T23:59:59.999999Z]
//   ParseDateRange("2013-01-14T10:00:00+01:00") → [09:00:00Z, 09:00:00.999999Z]
//
// Values without a time zone are taken as UTC (a server-wide choice, stated in the
// CapabilityStatement documentation). Seconds may carry fractions to any length; the range is
// then that fraction's precision (microseconds at most).
#pragma once

#include <optional>
#include <string_view>

namespace tc::engine {

struct DateRange {
  double low = 0;   // Unix microseconds, first instant covered
  double high = 0;  // Unix microseconds, last instant covered (inclusive)
};

// nullopt when `text` is not a valid FHIR date / dateTime / instant (including impossible
// calendar dates such as 2013-02-30, hours ≥ 24 and offsets beyond ±14:00).
std::optional<DateRange> ParseDateRange(std::string_view text);

}  // namespace tc::engine
