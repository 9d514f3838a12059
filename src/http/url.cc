#include "http/url.h"

#include <charconv>

#include "absl/status/status.h"

namespace tc::http {
namespace {

bool HostChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

}  // namespace

std::string Url::HostHeader() const {
  return default_port ? host : host + ":" + std::to_string(port);
}

std::string Url::Origin() const { return scheme + "://" + HostHeader(); }

absl::StatusOr<Url> ParseUrl(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return absl::InvalidArgumentError(std::string("not a usable http(s) URL: ").append(why));
  };
  for (char c : text) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return bad("space or control byte");
  }
  Url url;
  size_t colon = text.find("://");
  if (colon == std::string_view::npos) return bad("no scheme");
  for (char c : text.substr(0, colon)) url.scheme.push_back(Lower(c));
  if (url.scheme != "http" && url.scheme != "https") return bad("scheme is not http or https");
  std::string_view rest = text.substr(colon + 3);
  if (rest.find('#') != std::string_view::npos) return bad("has a fragment");
  size_t end = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, end);
  std::string_view target = end == std::string_view::npos ? "" : rest.substr(end);
  if (target.empty() || target[0] == '?') url.target.push_back('/');
  url.target.append(target);
  if (authority.find('@') != std::string_view::npos) return bad("has user information");
  std::string_view host = authority;
  url.port = url.scheme == "https" ? 443 : 80;
  if (size_t p = authority.rfind(':'); p != std::string_view::npos) {
    host = authority.substr(0, p);
    std::string_view port = authority.substr(p + 1);
    unsigned value = 0;
    auto r = std::from_chars(port.data(), port.data() + port.size(), value);
    if (port.empty() || r.ec != std::errc() || r.ptr != port.data() + port.size() || value == 0 ||
        value > 65535) {
      return bad("bad port");
    }
    url.default_port = value == url.port;
    url.port = static_cast<uint16_t>(value);
  }
  if (host.empty() || host.size() > 253) return bad("no host");
  for (char c : host) {
    c = Lower(c);
    if (!HostChar(c)) return bad("bad host");
    url.host.push_back(c);
  }
  return url;
}

std::string PercentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string FormEncode(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out;
  for (const auto& [name, value] : fields) {
    if (!out.empty()) out.push_back('&');
    out += PercentEncode(name);
    out.push_back('=');
    out += PercentEncode(value);
  }
  return out;
}

}  // namespace tc::http
