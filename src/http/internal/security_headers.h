// File: http/internal/security_headers.h
//
// The security headers the transport adds to EVERY response it writes (handler responses,
// transport errors rendered by the `ErrorRenderer`, 404s, health checks): this list is the one
// place they are defined, and `Server` (server.cc) the one place they are added. A header the
// handler set itself (same name, any case) wins and is not duplicated, so a handler may e.g.
// allow caching of a static asset with its own `Cache-Control`.
//
// `Strict-Transport-Security` is sent only over TLS (RFC 6797 §7.2: a host MUST NOT send it over
// plain HTTP). `Cache-Control: no-store` is on by default because nearly every response carries
// patient data or depends on who asks (FHIR resources, search Bundles, OperationOutcomes).
// Internal to http/: not for use by other modules.
#pragma once

#include <array>
#include <string_view>

#include "http/internal/ascii.h"

namespace tc::http::http_internal {

struct DefaultHeader {
  std::string_view name;
  std::string_view value;
  bool tls_only = false;  // Sent only when the server speaks TLS.
};

inline constexpr std::array<DefaultHeader, 6> kSecurityHeaders = {{
    {"Strict-Transport-Security", "max-age=31536000; includeSubDomains", true},
    {"Content-Security-Policy",
     "default-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; "
     "object-src 'none'"},
    {"X-Content-Type-Options", "nosniff"},
    {"X-Frame-Options", "DENY"},
    {"Referrer-Policy", "no-referrer"},
    {"Cache-Control", "no-store"},
}};

// The index of `name` (case-insensitive) in kSecurityHeaders, or -1 when it is not one of them.
constexpr int SecurityHeaderIndex(std::string_view name) {
  for (size_t i = 0; i < kSecurityHeaders.size(); ++i) {
    if (EqualsIgnoreCase(name, kSecurityHeaders[i].name)) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace tc::http::http_internal
