// File: auth/jwt_claims.h
//
// The registered-claim checks of RFC 7519 §4.1, applied to a JWT whose signature has already
// been verified (auth/jws.h). Time comes from the injected Clock; `leeway` absorbs clock skew
// between us and the issuer.
//
// Replay: this module only requires a "jti" when asked; remembering the jti values already seen
// until their "exp" passes is the caller's job (it needs storage). SMART Backend Services
// (client assertions) wants: iss == sub == client_id, aud == our token endpoint, exp no more
// than five minutes ahead, a jti never used before — expressed as below with max_lifetime.
//
// Pure apart from the Clock; thread-safe.
#pragma once

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "base/clock.h"
#include "fhir/value.h"

namespace tc::auth {

struct ClaimExpectations {
  std::string issuer;    // when non-empty, "iss" must equal it
  std::string subject;   // when non-empty, "sub" must equal it
  std::string audience;  // when non-empty, "aud" (a string or an array of strings) must hold it
  absl::Duration leeway = absl::Seconds(60);
  bool require_exp = true;
  bool require_iat = false;
  bool require_jti = false;
  // When set, "exp" may be at most this far after now (+ leeway): refuses long-lived tokens.
  std::optional<absl::Duration> max_lifetime;
};

// OK when the claims meet `expected` at clock.Now(); otherwise Unauthenticated naming the first
// failed check: "exp" missing (when required), not a NumericDate, or at/before now - leeway;
// "nbf" after now + leeway; "iat" missing (when required), not a NumericDate or after
// now + leeway; "exp" beyond max_lifetime; wrong "iss", "sub" or "aud"; "jti" missing (when
// required) or not a non-empty string. NumericDates are JSON numbers of seconds since the epoch
// (fractions allowed).
absl::Status CheckClaims(const fhir::Value& claims, const ClaimExpectations& expected,
                         const base::Clock& clock);

// Reads a NumericDate claim: nullopt when absent; InvalidArgument when present but not a
// finite JSON number.
absl::StatusOr<std::optional<absl::Time>> NumericDateClaim(const fhir::Value& claims,
                                                           std::string_view name);

}  // namespace tc::auth
