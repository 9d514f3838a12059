// File: auth/jwk.h
//
// Asymmetric keys for signed tokens (issue 4, "Identity" 3): JSON Web Keys (RFC 7517) in and out
// of OpenSSL 3 EVP_PKEYs. Two key types, the ones SMART Backend Services requires for RS384 and
// ES384 client assertions:
//   * RSA public keys from "n" and "e" (RFC 7518 §6.3.1), modulus at least 2048 bits;
//   * EC P-384 public keys from "x" and "y" (RFC 7518 §6.2.1, "crv": "P-384"), each exactly 48
//     bytes, and the point must lie on the curve.
// A JWK carrying private members ("d", "p", "q", ...) is refused: a client's registered or
// published key set must never contain them.
//
// Keys are held as std::shared_ptr<EVP_PKEY> (immutable once built, so sharing across threads
// is safe). Pure; thread-safe.
#pragma once

#include <openssl/types.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "fhir/value.h"

namespace tc::auth {

using PkeyPtr = std::shared_ptr<EVP_PKEY>;

// Which kind of key a JWK or EVP_PKEY is.
enum class KeyType { kRsa, kEcP384 };

struct Jwk {
  KeyType type = KeyType::kRsa;
  std::string kid;  // "" when absent
  std::string alg;  // "" when absent; if present, restricts the key to that algorithm
  std::string use;  // "" when absent; if present and not "sig", the key cannot verify JWS
  PkeyPtr key;      // a public key
};

// Builds a key from one JWK object. InvalidArgument when a member is missing, mistyped or not
// strict base64url, the key type or curve is unsupported, private members are present, the RSA
// modulus is shorter than 2048 bits, or the EC point is not on P-384.
absl::StatusOr<Jwk> ParseJwk(const fhir::Value& jwk);

// Parses a JWK Set document ({"keys": [...]}). Keys of a type this module does not support
// (e.g. "OKP", EC P-256) are skipped, as RFC 7517 §5 advises; a supported key that is malformed
// makes the whole set InvalidArgument, as does a document that is not a JWK Set.
absl::StatusOr<std::vector<Jwk>> ParseJwks(std::string_view json);

// The public JWK of `key` ({"kty", "kid", "alg"?, "use": "sig", "n"/"e" or "crv"/"x"/"y"}).
// `kid` and `alg` are included when non-empty. InvalidArgument for other key types.
absl::StatusOr<fhir::Value> PublicJwk(const PkeyPtr& key, std::string_view kid,
                                      std::string_view alg = "");

// Classifies an EVP_PKEY (public or private). InvalidArgument for other key types.
absl::StatusOr<KeyType> KeyTypeOf(const EVP_PKEY* key);

// New private keys (for the server's own signing keys, the test IdP and tests).
absl::StatusOr<PkeyPtr> GenerateRsaKey(int bits = 3072);
absl::StatusOr<PkeyPtr> GenerateEcP384Key();

}  // namespace tc::auth
