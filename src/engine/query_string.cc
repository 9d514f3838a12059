#include "engine/query_string.h"

#include "base/percent_decode.h"

namespace tc::engine {

std::string PercentDecode(std::string_view s, bool plus_is_space) {
  std::string out;
  if (base::PercentDecode(s, plus_is_space, &out)) return out;
  // A malformed escape is kept as written (the value then simply matches nothing).
  return std::string(s);
}

QueryParams ParseQueryString(std::string_view query) {
  QueryParams out;
  if (!query.empty() && query.front() == '?') query.remove_prefix(1);
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (part.empty()) continue;
    size_t eq = part.find('=');
    std::string name = PercentDecode(part.substr(0, eq), true);
    std::string value =
        eq == std::string_view::npos ? std::string() : PercentDecode(part.substr(eq + 1), true);
    out.emplace_back(std::move(name), std::move(value));
  }
  return out;
}

}  // namespace tc::engine
