// File: access/account_rules.h
//
// The shape rules for what the account store keeps (issue 4, "Identity" 1 and 4), apart from
// storage so the CLI and the web forms can check input before they open the database:
//   login             [a-z0-9._-]{2,64}
//   client id         [A-Za-z0-9._-]{2,64}
//   establishment     [A-Za-z0-9-]{1,32}, e.g. "HMP-LEEDS"
//   display/client name  1..200 bytes of valid UTF-8, no control characters, not all spaces
//   client scopes     one or more SMART resource scopes, all in the system/ context
//   client JWK Set    a JWK Set auth::ParseJwks accepts (so public keys only), with at least one
//                     key usable for signatures ("use" absent or "sig"), at most 64 KiB
// and the generator of one-time passwords. Pure apart from the injected Random; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "base/random.h"

namespace tc::access {

inline constexpr size_t kMaxNameBytes = 200;
inline constexpr size_t kMaxJwksBytes = 64 * 1024;

bool IsValidLogin(std::string_view login);
bool IsValidClientId(std::string_view client_id);
bool IsValidEstablishment(std::string_view code);

// OK, or InvalidArgument naming `what` ("display name", "client name").
absl::Status CheckName(std::string_view name, std::string_view what);

// The establishment codes sorted and without duplicates; InvalidArgument naming the first code
// that is not valid.
absl::StatusOr<std::vector<std::string>> NormalizeEstablishments(
    const std::vector<std::string>& codes);

// The canonical form of a client's scope string: each scope as auth::ScopeToString writes it
// (v1 ".read" becomes ".rs"), in the order given, duplicates dropped, separated by one space.
// InvalidArgument when the string is empty, does not parse, holds a scope with a query
// restriction, or holds anything but system/ resource scopes ("openid", "user/…", "patient/…").
absl::StatusOr<std::string> CanonicalClientScopes(std::string_view scopes);

// OK when `jwks_json` is a usable registered key set (see above); InvalidArgument otherwise,
// with auth::ParseJwks's reason (e.g. private key members present).
absl::Status CheckClientJwks(std::string_view jwks_json);

// OK when `url` may be a client's JWK Set URL: https://host/..., or http:// on 127.0.0.1 or
// localhost only; InvalidArgument otherwise.
absl::Status CheckJwksUrl(std::string_view url);

// A one-time password: four groups of five characters from an alphabet without look-alikes
// (2-9 and lower-case letters without i, l, o), joined by '-', e.g. "k7m2q-x9d4r-...". About 99
// bits of entropy when `random` is a cryptographic source (base::SystemRandom).
std::string GenerateOneTimePassword(base::Random& random);

}  // namespace tc::access
