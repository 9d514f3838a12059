// File: auth/jws.h
//
// Compact JWS (RFC 7515) signing and verification for JWTs (RFC 7519), with exactly four
// algorithms (RFC 7518 §3):
//   * RS256 — RSASSA-PKCS1-v1_5 with SHA-256 (OpenID Connect ID tokens: the algorithm every
//     OpenID provider must support);
//   * RS384 — RSASSA-PKCS1-v1_5 with SHA-384 (SMART Backend Services client assertions);
//   * ES384 — ECDSA P-384 with SHA-384; the signature is the raw 96-byte R || S (RFC 7518 §3.4),
//     converted from/to OpenSSL's DER form here;
//   * HS256 — HMAC SHA-256 with a server-held secret (tokens the server mints for itself).
// "none" and every other algorithm are always refused. A key is bound to one algorithm, and the
// header's "alg" must equal it, so an RSA public key can never be used as an HMAC secret
// (algorithm confusion). A header with "crit" is refused (no extensions are understood).
//
// Verification checks only the signature and structure. Time, audience, issuer and replay are
// checked separately (auth/jwt_claims.h), after the signature.
//
// Errors: Unauthenticated for any token that is malformed, uses a refused algorithm, names no
// usable key or fails signature verification (the caller answers 401); InvalidArgument for a
// misconfigured signing key; Internal for unexpected OpenSSL failures. ECDSA nonces and key
// generation use OpenSSL's CSPRNG (not base::Random): they must never be reproducible.
// Pure; thread-safe.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "auth/jwk.h"
#include "fhir/value.h"

namespace tc::auth {

enum class JwsAlg { kRS256, kRS384, kES384, kHS256 };

// "RS256", "RS384", "ES384", "HS256".
std::string_view JwsAlgName(JwsAlg alg);

// A key for one algorithm: an EVP_PKEY (private for signing, public or private for verifying)
// for RS256/RS384/ES384, or a secret of at least 32 bytes for HS256.
struct JwsKey {
  JwsAlg alg = JwsAlg::kHS256;
  std::string kid;     // written to / matched against the header "kid" when non-empty
  PkeyPtr pkey;        // RS256/RS384 (RSA >= 2048 bits), ES384 (EC P-384)
  std::string secret;  // HS256

  static JwsKey Hs256(std::string secret, std::string kid = "");
  static JwsKey Asymmetric(JwsAlg alg, PkeyPtr pkey, std::string kid = "");
};

// A key from a parsed JWK, for `alg` (RS256 and RS384 need an RSA key, ES384 an EC P-384 key).
// InvalidArgument when the key type does not fit, or the JWK restricts itself to another "alg"
// or to a "use" other than "sig".
absl::StatusOr<JwsKey> JwsKeyFromJwk(const Jwk& jwk, JwsAlg alg);

// Signs `claims` (a JSON object) as a compact JWT: header {"alg", "typ": "JWT", "kid"?}.
absl::StatusOr<std::string> SignJwt(const fhir::Value& claims, const JwsKey& key);

// Signs an arbitrary payload with an arbitrary protected header object (tests and special
// cases; "alg" and "kid" are set from `key`).
absl::StatusOr<std::string> SignJws(fhir::Value header, std::string_view payload,
                                    const JwsKey& key);

struct VerifiedJwt {
  fhir::Value header;  // the protected header (an object)
  fhir::Value claims;  // the payload (an object)
};

// Verifies a compact JWT against `keys`. The header's "alg" must be one of the keys'
// algorithms; when the header has a "kid", only keys with that kid are tried, otherwise every
// key of that algorithm. The payload must be a JSON object. See the file comment for errors.
absl::StatusOr<VerifiedJwt> VerifyJwt(std::string_view compact, std::span<const JwsKey> keys);

}  // namespace tc::auth
