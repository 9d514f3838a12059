// File: web/cookies.h
//
// HTTP cookies for the web UI (RFC 6265): reading one cookie from a request's Cookie header, and
// the Set-Cookie value for the session cookie — always HttpOnly, SameSite=Strict (Lax on request)
// and Path=/,
// Secure when the server speaks TLS — or for clearing it.
// Pure; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "absl/time/time.h"

namespace tc::web {

// The value of cookie `name` in a Cookie header value ("a=1; b=2"), or nullopt. The first of
// several with the same name wins (the most specific path, per RFC 6265 §5.4).
std::optional<std::string> CookieValue(std::string_view cookie_header, std::string_view name);

struct CookieOptions {
  bool secure = false;  // add Secure (HTTPS deployments)
  // Max-Age; nullopt for a browser-session cookie (the server's own timeouts end the session).
  std::optional<absl::Duration> max_age;
  // SameSite=Lax instead of Strict: only for the OpenID Connect pre-session cookie, which must
  // come back on the identity provider's cross-site redirect to the callback (a top-level GET).
  bool lax = false;
};

// "name=value; Path=/; HttpOnly; SameSite=Strict|Lax[; Secure][; Max-Age=N]".
// REQUIRES: name and value are cookie tokens (no spaces, ';', ',' or quotes).
std::string SetCookie(std::string_view name, std::string_view value, const CookieOptions& options);

// A Set-Cookie value that removes cookie `name` (empty value, Max-Age=0).
std::string ClearCookie(std::string_view name, bool secure);

}  // namespace tc::web
