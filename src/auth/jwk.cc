#include "auth/jwk.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include "absl/status/status.h"
#include "auth/encoding.h"
#include "auth/openssl_ptr.h"
#include "base/status_macros.h"
#include "fhir/json.h"

namespace tc::auth {
namespace {

constexpr int kMinRsaBits = 2048;
constexpr size_t kP384CoordinateBytes = 48;

using BnPtr = OpensslPtr<BIGNUM, BN_free>;
using ParamBldPtr = OpensslPtr<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>;
using ParamPtr = OpensslPtr<OSSL_PARAM, OSSL_PARAM_free>;
using PkeyCtxPtr = OpensslPtr<EVP_PKEY_CTX, EVP_PKEY_CTX_free>;

PkeyPtr Wrap(EVP_PKEY* key) { return PkeyPtr(key, EVP_PKEY_free); }

absl::Status Invalid(std::string_view message) {
  return absl::InvalidArgumentError(std::string("JWK: ").append(message));
}

absl::StatusOr<std::string> Member(const fhir::Value& jwk, std::string_view name) {
  const fhir::Value* v = jwk.Find(name);
  if (v == nullptr || !v->is_string()) {
    return Invalid(std::string("missing or non-string \"").append(name).append("\""));
  }
  absl::StatusOr<std::string> bytes = Base64UrlDecode(v->string_value());
  if (!bytes.ok()) return Invalid(std::string("\"").append(name).append("\" is not base64url"));
  return bytes;
}

std::string OptionalString(const fhir::Value& jwk, std::string_view name) {
  const fhir::Value* v = jwk.Find(name);
  return v != nullptr && v->is_string() ? v->string_value() : std::string();
}

// Builds a public key of `type_name` from `params`, then has OpenSSL check it.
absl::StatusOr<PkeyPtr> FromParams(const char* type_name, OSSL_PARAM_BLD* bld) {
  ParamPtr params(OSSL_PARAM_BLD_to_param(bld));
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type_name, nullptr));
  if (params == nullptr || ctx == nullptr || EVP_PKEY_fromdata_init(ctx.get()) != 1) {
    return absl::InternalError("JWK: OpenSSL could not set up key import");
  }
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return Invalid("OpenSSL rejected the key parameters");
  }
  PkeyPtr key = Wrap(raw);
  PkeyCtxPtr check(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  if (check == nullptr || EVP_PKEY_public_check(check.get()) != 1) {
    return Invalid("the public key failed validation");
  }
  return key;
}

absl::StatusOr<PkeyPtr> RsaFromJwk(const fhir::Value& jwk) {
  TC_ASSIGN_OR_RETURN(std::string n, Member(jwk, "n"));
  TC_ASSIGN_OR_RETURN(std::string e, Member(jwk, "e"));
  if (n.empty() || e.empty() || n[0] == '\0' || e[0] == '\0') {
    return Invalid("RSA \"n\" and \"e\" must be minimal non-empty big-endian integers");
  }
  BnPtr bn_n(BN_bin2bn(reinterpret_cast<const unsigned char*>(n.data()), n.size(), nullptr));
  BnPtr bn_e(BN_bin2bn(reinterpret_cast<const unsigned char*>(e.data()), e.size(), nullptr));
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (bn_n == nullptr || bn_e == nullptr || bld == nullptr ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1) {
    return absl::InternalError("JWK: OpenSSL allocation failed");
  }
  if (BN_num_bits(bn_n.get()) < kMinRsaBits) return Invalid("RSA modulus shorter than 2048 bits");
  return FromParams("RSA", bld.get());
}

absl::StatusOr<PkeyPtr> EcFromJwk(const fhir::Value& jwk) {
  if (jwk.GetString("crv") != "P-384") return Invalid("only EC curve P-384 is supported");
  TC_ASSIGN_OR_RETURN(std::string x, Member(jwk, "x"));
  TC_ASSIGN_OR_RETURN(std::string y, Member(jwk, "y"));
  if (x.size() != kP384CoordinateBytes || y.size() != kP384CoordinateBytes) {
    return Invalid("P-384 \"x\" and \"y\" must be 48 bytes each");
  }
  std::string point;
  point.reserve(1 + 2 * kP384CoordinateBytes);
  point.push_back('\x04');  // uncompressed point (SEC 1 §2.3.3)
  point.append(x).append(y);
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (bld == nullptr ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "secp384r1", 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                       point.size()) != 1) {
    return absl::InternalError("JWK: OpenSSL allocation failed");
  }
  return FromParams("EC", bld.get());
}

std::string BnToBase64Url(const BIGNUM* bn) {
  std::string bytes(static_cast<size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(bytes.data()));
  return Base64UrlEncode(bytes);
}

}  // namespace

absl::StatusOr<KeyType> KeyTypeOf(const EVP_PKEY* key) {
  if (key == nullptr) return absl::InvalidArgumentError("no key");
  if (EVP_PKEY_is_a(key, "RSA")) return KeyType::kRsa;
  if (EVP_PKEY_is_a(key, "EC")) {
    char group[64] = {0};
    size_t len = 0;
    if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                       &len) == 1 &&
        std::string_view(group, len) == "secp384r1") {
      return KeyType::kEcP384;
    }
  }
  return absl::InvalidArgumentError("unsupported key type (RSA or EC P-384 expected)");
}

absl::StatusOr<Jwk> ParseJwk(const fhir::Value& jwk) {
  if (!jwk.is_object()) return Invalid("not a JSON object");
  for (std::string_view private_member : {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}) {
    if (jwk.Find(private_member) != nullptr) {
      return Invalid("contains private or symmetric key material");
    }
  }
  Jwk out;
  out.kid = OptionalString(jwk, "kid");
  out.alg = OptionalString(jwk, "alg");
  out.use = OptionalString(jwk, "use");
  std::string_view kty = jwk.GetString("kty");
  if (kty == "RSA") {
    out.type = KeyType::kRsa;
    TC_ASSIGN_OR_RETURN(out.key, RsaFromJwk(jwk));
  } else if (kty == "EC") {
    out.type = KeyType::kEcP384;
    TC_ASSIGN_OR_RETURN(out.key, EcFromJwk(jwk));
  } else {
    return Invalid("unsupported \"kty\" (RSA or EC expected)");
  }
  return out;
}

absl::StatusOr<std::vector<Jwk>> ParseJwks(std::string_view json) {
  absl::StatusOr<fhir::Value> doc = fhir::ParseJson(json);
  if (!doc.ok()) return Invalid("JWK Set is not valid JSON");
  const fhir::Value* keys = doc->Find("keys");
  if (keys == nullptr || !keys->is_array()) return Invalid("JWK Set has no \"keys\" array");
  std::vector<Jwk> out;
  for (const fhir::Value& key : keys->array()) {
    if (!key.is_object()) return Invalid("JWK Set member is not an object");
    std::string_view kty = key.GetString("kty");
    bool supported = kty == "RSA" || (kty == "EC" && key.GetString("crv") == "P-384");
    if (!supported) continue;
    TC_ASSIGN_OR_RETURN(Jwk parsed, ParseJwk(key));
    out.push_back(std::move(parsed));
  }
  return out;
}

absl::StatusOr<fhir::Value> PublicJwk(const PkeyPtr& key, std::string_view kid,
                                      std::string_view alg) {
  TC_ASSIGN_OR_RETURN(KeyType type, KeyTypeOf(key.get()));
  fhir::Value jwk = fhir::Value::Object();
  if (type == KeyType::kRsa) {
    BIGNUM* n = nullptr;
    BIGNUM* e = nullptr;
    if (EVP_PKEY_get_bn_param(key.get(), OSSL_PKEY_PARAM_RSA_N, &n) != 1 ||
        EVP_PKEY_get_bn_param(key.get(), OSSL_PKEY_PARAM_RSA_E, &e) != 1) {
      BN_free(n);
      BN_free(e);
      return absl::InternalError("JWK: cannot read the RSA key");
    }
    BnPtr n_owner(n), e_owner(e);
    jwk.Set("kty", fhir::Value::String("RSA"));
    jwk.Set("n", fhir::Value::String(BnToBase64Url(n)));
    jwk.Set("e", fhir::Value::String(BnToBase64Url(e)));
  } else {
    unsigned char point[1 + 2 * kP384CoordinateBytes];
    size_t len = 0;
    if (EVP_PKEY_get_octet_string_param(key.get(), OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point,
                                        &len) != 1 ||
        len != sizeof point || point[0] != 0x04) {
      return absl::InternalError("JWK: cannot read the EC point in uncompressed form");
    }
    const char* p = reinterpret_cast<const char*>(point);
    jwk.Set("kty", fhir::Value::String("EC"));
    jwk.Set("crv", fhir::Value::String("P-384"));
    jwk.Set("x",
            fhir::Value::String(Base64UrlEncode(std::string_view(p + 1, kP384CoordinateBytes))));
    jwk.Set("y", fhir::Value::String(Base64UrlEncode(
                     std::string_view(p + 1 + kP384CoordinateBytes, kP384CoordinateBytes))));
  }
  if (!kid.empty()) jwk.Set("kid", fhir::Value::String(std::string(kid)));
  if (!alg.empty()) jwk.Set("alg", fhir::Value::String(std::string(alg)));
  jwk.Set("use", fhir::Value::String("sig"));
  return jwk;
}

absl::StatusOr<PkeyPtr> GenerateRsaKey(int bits) {
  if (bits < kMinRsaBits) return absl::InvalidArgumentError("RSA keys must be >= 2048 bits");
  EVP_PKEY* key = EVP_RSA_gen(static_cast<unsigned int>(bits));
  if (key == nullptr) return absl::InternalError("RSA key generation failed");
  return Wrap(key);
}

absl::StatusOr<PkeyPtr> GenerateEcP384Key() {
  EVP_PKEY* key = EVP_EC_gen("P-384");
  if (key == nullptr) return absl::InternalError("EC P-384 key generation failed");
  return Wrap(key);
}

}  // namespace tc::auth
