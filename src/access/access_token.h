// File: access/access_token.h
//
// The access tokens this server issues (issue 4, "Identity" 3 and 4): compact JWTs signed with
// HS256 under the server's own secret (kept in the data directory, so only someone holding the
// server's files — the server itself, `throughcare token`, the token endpoint — can mint one).
// Claims:
//   iss  "throughcare"          aud  the instance id (tokens of another instance never verify)
//   sub  login or client id     tc_role  role id (auth/roles.h)
//   tc_est  [establishment codes]       scope  SMART scopes ("" for staff tokens)
//   name  display name          client_id  the OAuth client (system tokens)
//   iat, exp, jti               (lifetime at most kMaxAccessTokenLifetime)
// Verification refuses (Unauthenticated, reason in the message): malformed or tampered tokens,
// any algorithm but HS256, another secret, wrong issuer or audience, expired or not-yet-valid
// tokens (5 s leeway: the issuer and verifier share one host), lifetimes beyond the maximum,
// unknown roles and malformed scopes.
// Pure; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "auth/roles.h"
#include "auth/scopes.h"
#include "base/clock.h"
#include "base/random.h"

namespace tc::access {

inline constexpr std::string_view kTokenIssuer = "throughcare";
inline constexpr absl::Duration kMaxAccessTokenLifetime = absl::Hours(12);

struct TokenKeys {
  std::string secret;    // >= 32 bytes
  std::string audience;  // the instance id
};

struct AccessTokenClaims {
  std::string subject;
  std::string name;
  std::string client_id;  // "" for staff
  auth::Role role = auth::Role::kRegisteredNurse;
  std::vector<std::string> establishments;
  std::string scope;  // space-separated SMART scopes; "" = none (staff)
  absl::Time issued;
  absl::Time expires;
  std::string jti;
};

// Signs `claims` (jti filled in from `random` when empty). InvalidArgument when the subject is
// empty, expires <= issued or the lifetime exceeds kMaxAccessTokenLifetime, or the scope does
// not parse.
absl::StatusOr<std::string> MintAccessToken(AccessTokenClaims claims, const TokenKeys& keys,
                                            base::Random& random);

// Verifies a token minted by MintAccessToken under `keys` at clock.Now().
absl::StatusOr<AccessTokenClaims> VerifyAccessToken(std::string_view token, const TokenKeys& keys,
                                                    const base::Clock& clock);

// Parses a duration such as "90s", "10m", "8h" (a positive integer and one unit).
absl::StatusOr<absl::Duration> ParseTtl(std::string_view text);

}  // namespace tc::access
