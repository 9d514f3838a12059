// File: http/url.h
//
// Absolute http:// and https:// URLs for the outbound client (http/client.h) and for building
// redirect URLs: parsing into scheme, host, port and request-target, and percent-encoding of
// query and form values (application/x-www-form-urlencoded, RFC 3986 unreserved characters
// kept). Only what an HTTP client needs: no user-info, no IPv6 literals, no fragments in a
// request. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace tc::http {

struct Url {
  std::string scheme;        // "http" or "https" (lower case)
  std::string host;          // a DNS name or an IPv4 literal, lower case
  uint16_t port = 0;         // explicit, or 80 / 443 by scheme
  std::string target;        // path and query, always starting with '/'
  bool default_port = true;  // no port in the URL, or the scheme's own

  // "host" or "host:port" (for the Host header).
  std::string HostHeader() const;
  // scheme://host[:port] (no trailing slash).
  std::string Origin() const;
};

// InvalidArgument for anything but http(s)://host[:port][/path][?query]: another scheme, user
// info, an empty or malformed host, a bad port, a fragment, spaces or control characters.
absl::StatusOr<Url> ParseUrl(std::string_view text);

// Percent-encodes every byte outside [A-Za-z0-9-._~] (so ' ' is "%20").
std::string PercentEncode(std::string_view text);

// "a=1&b=x%20y", each name and value percent-encoded.
std::string FormEncode(const std::vector<std::pair<std::string, std::string>>& fields);

}  // namespace tc::http
