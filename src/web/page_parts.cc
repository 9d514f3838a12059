#include "web/page_parts.h"

#include "base/time_format.h"
#include "web/html.h"

namespace tc::web {

std::string Table(std::string_view caption, const std::vector<std::string>& head,
                  const std::vector<std::vector<std::string>>& rows_html) {
  std::string out = "<table class=\"nhsuk-table\"><caption class=\"nhsuk-table__caption\">" +
                    EscapeHtml(caption) +
                    "</caption><thead class=\"nhsuk-table__head\"><tr class=\"nhsuk-table__row\">";
  for (const std::string& h : head) {
    out += "<th class=\"nhsuk-table__header\" scope=\"col\">" + EscapeHtml(h) + "</th>";
  }
  out += "</tr></thead><tbody class=\"nhsuk-table__body\">";
  for (const auto& row : rows_html) {
    out += "<tr class=\"nhsuk-table__row\">";
    for (const std::string& cell : row) out += "<td class=\"nhsuk-table__cell\">" + cell + "</td>";
    out += "</tr>";
  }
  out += "</tbody></table>";
  return out;
}

std::string When(absl::Time t) {
  return absl::FormatTime("%d %b %Y %H:%M:%S", t, absl::UTCTimeZone());
}

std::string DisplayDate(std::string_view fhir_date) {
  std::optional<absl::Time> t = base::ParseFhirDateTime(fhir_date);
  if (!t) return "";
  return absl::FormatTime("%d %b %Y", *t, absl::UTCTimeZone());
}

}  // namespace tc::web
