#include "http/message.h"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "base/percent_decode.h"
#include "http/internal/ascii.h"

namespace tc::http {
namespace {

std::string_view FindHeader(const HeaderList& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (http_internal::EqualsIgnoreCase(key, name)) return value;
  }
  return {};
}

// Strips "scheme://authority" from an absolute-form target, leaving the path-and-query part
// ("" when the authority is followed by nothing). Returns false when `target` is not
// absolute-form.
bool StripAbsoluteForm(std::string_view* target) {
  size_t colon = target->find("://");
  if (colon == std::string_view::npos || colon == 0) return false;
  for (size_t i = 0; i < colon; ++i) {
    char c = (*target)[i];
    bool scheme_char = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                       (i > 0 && ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.'));
    if (!scheme_char) return false;
  }
  std::string_view rest = target->substr(colon + 3);
  size_t end = rest.find_first_of("/?");
  *target = end == std::string_view::npos ? std::string_view() : rest.substr(end);
  return true;
}

}  // namespace

std::string_view Request::Header(std::string_view name) const { return FindHeader(headers, name); }

std::string_view Response::Header(std::string_view name) const { return FindHeader(headers, name); }

void Response::SetHeader(std::string name, std::string value) {
  auto first = headers.end();
  for (auto it = headers.begin(); it != headers.end();) {
    if (!http_internal::EqualsIgnoreCase(it->first, name)) {
      ++it;
    } else if (first == headers.end()) {
      first = it++;
    } else {
      it = headers.erase(it);  // Only erases after `first`, so `first` stays valid.
    }
  }
  if (first == headers.end()) {
    headers.emplace_back(std::move(name), std::move(value));
  } else {
    first->first = std::move(name);
    first->second = std::move(value);
  }
}

void Response::AddHeader(std::string name, std::string value) {
  headers.emplace_back(std::move(name), std::move(value));
}

bool PercentDecode(std::string_view in, bool plus_as_space, std::string* out) {
  return base::PercentDecode(in, plus_as_space, out);
}

absl::Status ParseTarget(std::string_view target, std::string* path, std::string* raw_query,
                         std::vector<std::pair<std::string, std::string>>* query) {
  path->clear();
  raw_query->clear();
  query->clear();
  if (target == "*") {
    path->push_back('*');  // (not assign("*"): GCC 12 -Wrestrict false positive)
    return absl::OkStatus();
  }
  if (target.empty()) return absl::InvalidArgumentError("empty request-target");
  if (target.front() != '/') {
    if (!StripAbsoluteForm(&target)) {
      return absl::InvalidArgumentError("request-target must start with '/'");
    }
  }
  size_t question = target.find('?');
  std::string_view raw_path = target.substr(0, question);
  // A fragment is never sent by a conforming client; tolerate one by ignoring it.
  if (question != std::string_view::npos) {
    std::string_view q = target.substr(question + 1);
    q = q.substr(0, q.find('#'));
    raw_query->assign(q);
  } else {
    raw_path = raw_path.substr(0, raw_path.find('#'));
  }
  if (raw_path.empty()) {
    path->push_back('/');
  } else if (!PercentDecode(raw_path, /*plus_as_space=*/false, path)) {
    return absl::InvalidArgumentError("malformed percent-encoding in request path");
  }
  if (path->find('\0') != std::string::npos) {
    return absl::InvalidArgumentError("request path contains NUL");
  }
  std::string_view rest = *raw_query;
  while (!rest.empty()) {
    size_t amp = rest.find('&');
    std::string_view segment = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    if (segment.empty()) continue;
    size_t eq = segment.find('=');
    std::string_view name = segment.substr(0, eq);
    std::string_view value =
        eq == std::string_view::npos ? std::string_view() : segment.substr(eq + 1);
    auto& [decoded_name, decoded_value] = query->emplace_back();
    if (!PercentDecode(name, /*plus_as_space=*/true, &decoded_name) ||
        !PercentDecode(value, /*plus_as_space=*/true, &decoded_value)) {
      query->clear();
      return absl::InvalidArgumentError("malformed percent-encoding in query string");
    }
  }
  return absl::OkStatus();
}

}  // namespace tc::http
