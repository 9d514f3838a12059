#include "web/cookies.h"

namespace tc::web {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::optional<std::string> CookieValue(std::string_view cookie_header, std::string_view name) {
  while (!cookie_header.empty()) {
    const size_t semi = cookie_header.find(';');
    std::string_view pair = Trim(cookie_header.substr(0, semi));
    cookie_header = semi == std::string_view::npos ? "" : cookie_header.substr(semi + 1);
    const size_t eq = pair.find('=');
    if (eq == std::string_view::npos) continue;
    if (Trim(pair.substr(0, eq)) != name) continue;
    std::string_view value = Trim(pair.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    return std::string(value);
  }
  return std::nullopt;
}

std::string SetCookie(std::string_view name, std::string_view value, const CookieOptions& options) {
  std::string out;
  out.append(name).append("=").append(value).append("; Path=/; HttpOnly; SameSite=");
  out.append(options.lax ? "Lax" : "Strict");
  if (options.secure) out.append("; Secure");
  if (options.max_age) {
    out.append("; Max-Age=").append(std::to_string(absl::ToInt64Seconds(*options.max_age)));
  }
  return out;
}

std::string ClearCookie(std::string_view name, bool secure) {
  return SetCookie(name, "", CookieOptions{secure, absl::ZeroDuration()});
}

}  // namespace tc::web
