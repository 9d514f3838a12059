// File: auth/hmac.h
//
// HMAC (RFC 2104) over OpenSSL 3 and a constant-time equality test, shared by TOTP (SHA-1),
// JWS HS256 and CSRF tokens (SHA-256). Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace tc::auth {

enum class HmacHash { kSha1, kSha256, kSha384 };

// Returns the raw HMAC tag of `data` under `key` (20, 32 or 48 bytes). Internal on an OpenSSL
// failure (not expected with these inputs).
absl::StatusOr<std::string> Hmac(HmacHash hash, std::string_view key, std::string_view data);

// True when `a` and `b` are equal. The time taken depends only on the lengths, never on where
// the contents differ (CRYPTO_memcmp), so comparing a secret with a guess leaks nothing.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace tc::auth
