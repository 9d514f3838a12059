// File: auth/session.h
//
// Web session primitives (issue 4, "Identity" 2); cookies, storage and "logout everywhere" are
// the caller's (a session row keyed by SessionIdDigest, deleted on logout).
//   * Session ids: 256 bits from the injected Random (SystemRandom in production), base64url
//     (43 characters). A new id is issued at every login (no session fixation). Only a SHA-256
//     digest of the id is stored, so a copy of the database does not hold live session ids.
//   * CSRF tokens: HMAC-SHA256(server secret, "csrf" NUL session id), base64url — a synchroniser
//     token bound to the session without storing it (OWASP "HMAC based token" pattern); every
//     state-changing form carries it and VerifyCsrfToken checks it in constant time.
//   * Timeouts: a session ends after `idle` without a request or `absolute` after login,
//     whichever comes first. Defaults: 15 minutes idle, 12 hours absolute (one long shift).
// Pure apart from the injected Random; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "base/random.h"

namespace tc::auth {

inline constexpr size_t kSessionIdBytes = 32;
inline constexpr size_t kMinCsrfSecretBytes = 32;

// A new session id: 32 random bytes, base64url without padding.
std::string NewSessionId(base::Random& random);

// True when `id` has the shape NewSessionId produces (43 base64url characters decoding to 32
// bytes). Check before any lookup so junk never reaches storage.
bool IsWellFormedSessionId(std::string_view id);

// The lower-case hex SHA-256 of a session id: the storage key.
std::string SessionIdDigest(std::string_view session_id);

// The CSRF token for `session_id`. InvalidArgument when `secret` is shorter than 32 bytes.
absl::StatusOr<std::string> CsrfToken(std::string_view secret, std::string_view session_id);

// True when `token` is the CSRF token of `session_id` under `secret` (constant-time compare);
// false for any malformed input or a short secret.
bool VerifyCsrfToken(std::string_view secret, std::string_view session_id, std::string_view token);

struct SessionLimits {
  absl::Duration idle = absl::Minutes(15);
  absl::Duration absolute = absl::Hours(12);
};

enum class SessionState { kActive, kIdleExpired, kAbsoluteExpired };

// The state of a session created at `created` and last used at `last_seen`, at `now`. A session
// is expired from the instant a limit is reached (now >= deadline). Absolute expiry wins when
// both apply. A `last_seen` before `created` or after `now` is treated as `created` / expired
// respectively (clock trouble fails closed).
SessionState CheckSession(absl::Time created, absl::Time last_seen, absl::Time now,
                          const SessionLimits& limits = {});

// When the session will expire if not used again: min(last_seen + idle, created + absolute).
absl::Time SessionDeadline(absl::Time created, absl::Time last_seen,
                           const SessionLimits& limits = {});

}  // namespace tc::auth
