// File: auth/password.h
//
// Local-account passwords (issue 4, "Identity" 1): the rules a new password must meet, and
// argon2id hashing and verification in the PHC string format
//   $argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt, base64 no padding>$<hash, ditto>
// using the reference implementation (Debian libargon2).
//
// Rules (CheckPasswordRules). NCSC guidance ("Password administration for system owners",
// 2018) is: no composition rules, no forced expiry, block the most common passwords with a
// deny list. NCSC's Cyber Essentials requirements set the length: at least 12 characters with no
// maximum restriction, or 8 only with multi-factor authentication or automatic blocking of
// common passwords. Because TOTP is optional here and the records are highly sensitive, we
// take the 12-character option and the deny list together. Length is counted in Unicode code
// points (NIST SP 800-63B §5.1.1.2); the upper bound of 256 exists only to bound hashing work.
//
// Hashing parameters default to RFC 9106 §4's second recommended option (argon2id, t=3,
// p=4, m=64 MiB, 128-bit salt, 256-bit tag). Verification recomputes the tag with the stored
// parameters and compares in constant time (CRYPTO_memcmp). Stored parameters are bounded
// (PasswordHashLimits) so a planted hash cannot make verification allocate gigabytes.
//
// Thread-safe: no shared state (the Random passed in must itself be thread-safe).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "base/random.h"

namespace tc::auth {

inline constexpr int kMinPasswordLength = 12;   // code points
inline constexpr int kMaxPasswordLength = 256;  // code points

// Checks a proposed password. OK, or InvalidArgument whose message tells the user what to
// change (never echoing the password): not valid UTF-8 or contains control characters; fewer
// than kMinPasswordLength or more than kMaxPasswordLength code points; on the deny list of
// common passwords (compared case-insensitively, ignoring surrounding spaces); one character
// repeated; or equal (case-insensitively) to one of `context_words` (e.g. the user name, the
// product or establishment name) or to one of them with digits appended.
absl::Status CheckPasswordRules(std::string_view password,
                                std::span<const std::string_view> context_words = {});

// True when `password` (lower-cased ASCII letters, surrounding spaces trimmed) is on the
// built-in deny list (auth/common_passwords.cc).
bool IsCommonPassword(std::string_view password);

struct Argon2Params {
  uint32_t memory_kib = 64 * 1024;  // m
  uint32_t passes = 3;              // t
  uint32_t lanes = 4;               // p
  uint32_t salt_bytes = 16;
  uint32_t hash_bytes = 32;
};

// Upper bounds on parameters accepted from a stored PHC string.
struct PasswordHashLimits {
  uint32_t max_memory_kib = 1024 * 1024;  // 1 GiB
  uint32_t max_passes = 16;
  uint32_t max_lanes = 16;
};

// Hashes `password` with a fresh salt drawn from `random`; returns the PHC string.
// InvalidArgument when the password is longer than kMaxPasswordLength * 4 bytes or the
// parameters are outside libargon2's limits; Internal if libargon2 fails otherwise.
// Does not apply CheckPasswordRules (the caller does, when a password is set).
absl::StatusOr<std::string> HashPassword(std::string_view password, base::Random& random,
                                         const Argon2Params& params = {});

// True when `password` matches `phc`, false when it does not. InvalidArgument when `phc` is not
// an argon2id v=19 PHC string this module can read or exceeds `limits`.
absl::StatusOr<bool> VerifyPassword(std::string_view password, std::string_view phc,
                                    const PasswordHashLimits& limits = {});

// True when `phc` was made with parameters other than `params` (so a successful login should
// re-hash the password), or cannot be read.
bool PasswordNeedsRehash(std::string_view phc, const Argon2Params& params = {});

}  // namespace tc::auth
