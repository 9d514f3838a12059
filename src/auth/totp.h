// File: auth/totp.h
//
// Time-based one-time passwords for the optional second factor of local accounts (issue 4,
// "Identity" 1): TOTP per RFC 6238 over HOTP (RFC 4226), HMAC-SHA1, 6 digits, 30-second steps
// from the Unix epoch, accepting the current step and one either side (clock drift). A code is
// usable once: the caller keeps the last step accepted for the account and passes it back in,
// and any code for that step or an earlier one is refused (RFC 6238 §5.2).
//
//   std::string secret = NewTotpSecret(random);            // store it (raw bytes), show the URI
//   std::string uri = TotpUri(secret, "Throughcare (HMP Example)", "jsmith");
//   std::optional<int64_t> last = account.totp_last_step;  // nullopt before the first use
//   absl::Status s = VerifyTotp(secret, typed_code, clock, last);
//   if (s.ok()) account.totp_last_step = last;             // persist with the login
//
// Pure apart from the injected Clock and Random; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "base/clock.h"
#include "base/random.h"

namespace tc::auth {

struct TotpParams {
  int digits = 6;         // 6..8 (RFC 4226 §5.3)
  int64_t period_s = 30;  // X, the step length
  int window = 1;         // steps accepted either side of the current one
};

// A new 160-bit shared secret (the length RFC 4226 §4 recommends), as raw bytes.
std::string NewTotpSecret(base::Random& random);

// The HOTP value (RFC 4226 §5.3) of `secret` at `counter`, zero-padded to `digits`.
// InvalidArgument when `digits` is outside 6..8 or the secret is empty.
absl::StatusOr<std::string> Hotp(std::string_view secret, uint64_t counter, int digits);

// The TOTP time step containing `t`: floor(unix seconds / period). InvalidArgument before the
// epoch or for a non-positive period.
absl::StatusOr<int64_t> TotpStep(absl::Time t, const TotpParams& params = {});

// The code for the step containing `t`.
absl::StatusOr<std::string> TotpCode(std::string_view secret, absl::Time t,
                                     const TotpParams& params = {});

// Checks `code` against the steps within `params.window` of now. On success sets
// `last_used_step` to the step that matched and returns OK. Returns:
//   InvalidArgument   — `code` is not exactly `params.digits` ASCII digits;
//   Unauthenticated   — no step in the window matches, or the only matching steps are at or
//                       before `last_used_step` (a replayed or superseded code).
// The comparison of each candidate is constant-time.
absl::Status VerifyTotp(std::string_view secret, std::string_view code, const base::Clock& clock,
                        std::optional<int64_t>& last_used_step, const TotpParams& params = {});

// The Key URI Format authenticator apps read from a QR code:
//   otpauth://totp/ISSUER:ACCOUNT?secret=BASE32&issuer=ISSUER&algorithm=SHA1&digits=6&period=30
// with ISSUER and ACCOUNT percent-encoded (RFC 3986 unreserved characters kept).
std::string TotpUri(std::string_view secret, std::string_view issuer, std::string_view account,
                    const TotpParams& params = {});

}  // namespace tc::auth
