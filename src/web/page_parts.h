// File: web/page_parts.h
//
// Small pieces the web pages share: an NHS.UK table, and times as staff read them. Every string
// argument that is plain text is escaped here; cells are trusted markup built by the caller.
// Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"

namespace tc::web {

// An nhsuk table with a caption, column headings (plain text) and rows of cells (markup).
std::string Table(std::string_view caption, const std::vector<std::string>& head,
                  const std::vector<std::vector<std::string>>& rows_html);

// "25 Nov 2026 09:14:05" (UTC).
std::string When(absl::Time t);

// "25 Nov 2026" from a FHIR date ("" when it does not parse).
std::string DisplayDate(std::string_view fhir_date);

}  // namespace tc::web
