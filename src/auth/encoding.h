// File: auth/encoding.h
//
// The byte-to-text encodings the identity code needs, all from RFC 4648:
//   * base64url without padding (section 5) — JWS/JWT segments and JWK members (RFC 7515 §2);
//   * standard base64 without padding (section 4) — the salt and hash of a PHC string;
//   * base32 (section 6) — TOTP shared secrets in otpauth:// URIs.
//
// Decoders are strict, because their input is attacker-controlled and a lenient decoder makes
// signatures malleable: an unexpected character, an impossible length or non-zero unused trailing
// bits is InvalidArgument. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace tc::auth {

// base64url (RFC 4648 §5), no '=' padding (RFC 7515 §2).
std::string Base64UrlEncode(std::string_view bytes);
// Rejects padding, whitespace, characters outside [A-Za-z0-9-_], a length of 1 mod 4, and
// non-canonical encodings (unused trailing bits set).
absl::StatusOr<std::string> Base64UrlDecode(std::string_view text);

// Standard base64 (RFC 4648 §4) without padding, as PHC strings use.
std::string Base64NoPadEncode(std::string_view bytes);
// Same strictness as Base64UrlDecode over the alphabet [A-Za-z0-9+/].
absl::StatusOr<std::string> Base64NoPadDecode(std::string_view text);

// base32 (RFC 4648 §6), upper case, without padding (the form authenticator apps expect).
std::string Base32Encode(std::string_view bytes);
// Accepts upper or lower case, ignores spaces (secrets are often shown in groups) and accepts
// optional trailing '=' padding; rejects other characters, impossible lengths and non-zero
// unused trailing bits.
absl::StatusOr<std::string> Base32Decode(std::string_view text);

}  // namespace tc::auth
