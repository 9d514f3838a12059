// File: server/smart_routes.h
//
// The HTTP side of SMART Backend Services (issue 4, "Identity" 3), routed by App::Handle:
//   POST /auth/token                               the token endpoint (access/token_endpoint.h);
//                                                  other methods → 405 with Allow: POST
//   GET  /.well-known/smart-configuration          the discovery document
//   GET  <base_path>/.well-known/smart-configuration  (access/smart_configuration.h), both;
//                                                  other methods → 405 with Allow: GET, HEAD
// Both are public: they are how a client gets a token in the first place. Responses are
// application/json; the token endpoint's carry Cache-Control: no-store and Pragma: no-cache
// (RFC 6749 §5.1), errors included. A 405 body is an OAuth-style error object.
// Pure functions of their arguments apart from the endpoint; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "access/token_endpoint.h"
#include "http/message.h"

namespace tc::server {

inline constexpr std::string_view kTokenPath = "/auth/token";
inline constexpr std::string_view kSmartConfigurationPath = "/.well-known/smart-configuration";

// The token endpoint's URL for a FHIR base URL: the base URL without `base_path` at its end (or,
// when it does not end so, its scheme and authority) followed by kTokenPath, e.g.
// "http://127.0.0.1:8080/fhir" → "http://127.0.0.1:8080/auth/token".
std::string TokenUrlFor(std::string_view base_url, std::string_view base_path);

// POST /auth/token.
http::Response TokenRoute(access::TokenEndpoint& endpoint, const http::Request& request);

// GET .well-known/smart-configuration, advertising `token_url`.
http::Response SmartConfigurationRoute(const http::Request& request, std::string_view token_url);

}  // namespace tc::server
