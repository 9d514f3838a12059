#include "auth/jws.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "auth/encoding.h"
#include "auth/hmac.h"
#include "auth/openssl_ptr.h"
#include "base/status_macros.h"
#include "fhir/json.h"

namespace tc::auth {
namespace {

constexpr size_t kEs384HalfBytes = 48;
constexpr size_t kMinHs256SecretBytes = 32;

using MdCtxPtr = OpensslPtr<EVP_MD_CTX, EVP_MD_CTX_free>;
using EcdsaSigPtr = OpensslPtr<ECDSA_SIG, ECDSA_SIG_free>;

bool IsRsa(JwsAlg alg) { return alg == JwsAlg::kRS256 || alg == JwsAlg::kRS384; }

// The digest of an asymmetric algorithm.
const EVP_MD* Digest(JwsAlg alg) { return alg == JwsAlg::kRS256 ? EVP_sha256() : EVP_sha384(); }

absl::Status Reject(std::string_view why) {
  return absl::UnauthenticatedError(std::string("token rejected: ").append(why));
}

// Checks that `key` is usable for its algorithm.
absl::Status CheckKey(const JwsKey& key) {
  if (key.alg == JwsAlg::kHS256) {
    if (key.secret.size() < kMinHs256SecretBytes) {
      return absl::InvalidArgumentError("HS256 secret shorter than 32 bytes");
    }
    return absl::OkStatus();
  }
  TC_ASSIGN_OR_RETURN(KeyType type, KeyTypeOf(key.pkey.get()));
  if (IsRsa(key.alg) != (type == KeyType::kRsa)) {
    return absl::InvalidArgumentError("key type does not match the JWS algorithm");
  }
  if (type == KeyType::kRsa && EVP_PKEY_get_bits(key.pkey.get()) < 2048) {
    return absl::InvalidArgumentError("RSA key shorter than 2048 bits");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> DerToRaw(std::string_view der) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (sig == nullptr) return absl::InternalError("ECDSA signature is not DER");
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  std::string raw(2 * kEs384HalfBytes, '\0');
  auto* out = reinterpret_cast<unsigned char*>(raw.data());
  if (BN_bn2binpad(r, out, kEs384HalfBytes) < 0 ||
      BN_bn2binpad(s, out + kEs384HalfBytes, kEs384HalfBytes) < 0) {
    return absl::InternalError("ECDSA signature component too large");
  }
  return raw;
}

// Returns "" when `raw` cannot be a P-384 signature (wrong length).
std::string RawToDer(std::string_view raw) {
  if (raw.size() != 2 * kEs384HalfBytes) return "";
  const auto* in = reinterpret_cast<const unsigned char*>(raw.data());
  EcdsaSigPtr sig(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(in, kEs384HalfBytes, nullptr);
  BIGNUM* s = BN_bin2bn(in + kEs384HalfBytes, kEs384HalfBytes, nullptr);
  if (sig == nullptr || r == nullptr || s == nullptr || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return "";
  }
  int len = i2d_ECDSA_SIG(sig.get(), nullptr);
  if (len <= 0) return "";
  std::string der(static_cast<size_t>(len), '\0');
  unsigned char* out = reinterpret_cast<unsigned char*>(der.data());
  if (i2d_ECDSA_SIG(sig.get(), &out) != len) return "";
  return der;
}

absl::StatusOr<std::string> Sign(const JwsKey& key, std::string_view input) {
  if (key.alg == JwsAlg::kHS256) return Hmac(HmacHash::kSha256, key.secret, input);
  MdCtxPtr ctx(EVP_MD_CTX_new());
  size_t len = 0;
  if (ctx == nullptr ||
      EVP_DigestSignInit(ctx.get(), nullptr, Digest(key.alg), nullptr, key.pkey.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()),
                     input.size()) != 1) {
    return absl::InvalidArgumentError("cannot sign with this key (is it a private key?)");
  }
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                     reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1) {
    return absl::InternalError("signing failed");
  }
  sig.resize(len);
  if (key.alg == JwsAlg::kES384) return DerToRaw(sig);
  return sig;
}

bool Verify(const JwsKey& key, std::string_view input, std::string_view signature) {
  if (key.alg == JwsAlg::kHS256) {
    absl::StatusOr<std::string> expected = Hmac(HmacHash::kSha256, key.secret, input);
    return expected.ok() && ConstantTimeEquals(*expected, signature);
  }
  std::string der;
  if (key.alg == JwsAlg::kES384) {
    der = RawToDer(signature);
    if (der.empty()) return false;
    signature = der;
  }
  MdCtxPtr ctx(EVP_MD_CTX_new());
  return ctx != nullptr &&
         EVP_DigestVerifyInit(ctx.get(), nullptr, Digest(key.alg), nullptr, key.pkey.get()) == 1 &&
         EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                          signature.size(), reinterpret_cast<const unsigned char*>(input.data()),
                          input.size()) == 1;
}

absl::StatusOr<fhir::Value> DecodeObject(std::string_view segment, std::string_view what) {
  absl::StatusOr<std::string> bytes = Base64UrlDecode(segment);
  if (!bytes.ok()) return Reject(std::string(what).append(" is not base64url"));
  absl::StatusOr<fhir::Value> value = fhir::ParseJson(*bytes, {.max_depth = 32});
  if (!value.ok() || !value->is_object()) {
    return Reject(std::string(what).append(" is not a JSON object"));
  }
  return value;
}

}  // namespace

std::string_view JwsAlgName(JwsAlg alg) {
  switch (alg) {
    case JwsAlg::kRS256:
      return "RS256";
    case JwsAlg::kRS384:
      return "RS384";
    case JwsAlg::kES384:
      return "ES384";
    case JwsAlg::kHS256:
      return "HS256";
  }
  return "";
}

JwsKey JwsKey::Hs256(std::string secret, std::string kid) {
  JwsKey key;
  key.alg = JwsAlg::kHS256;
  key.secret = std::move(secret);
  key.kid = std::move(kid);
  return key;
}

JwsKey JwsKey::Asymmetric(JwsAlg alg, PkeyPtr pkey, std::string kid) {
  JwsKey key;
  key.alg = alg;
  key.pkey = std::move(pkey);
  key.kid = std::move(kid);
  return key;
}

absl::StatusOr<JwsKey> JwsKeyFromJwk(const Jwk& jwk, JwsAlg alg) {
  if (alg == JwsAlg::kHS256) return absl::InvalidArgumentError("HS256 keys are not JWKs here");
  if (!jwk.alg.empty() && jwk.alg != JwsAlgName(alg)) {
    return absl::InvalidArgumentError("the JWK is restricted to another algorithm");
  }
  if (!jwk.use.empty() && jwk.use != "sig") {
    return absl::InvalidArgumentError("the JWK is not for signatures");
  }
  JwsKey key = JwsKey::Asymmetric(alg, jwk.key, jwk.kid);
  TC_RETURN_IF_ERROR(CheckKey(key));
  return key;
}

absl::StatusOr<std::string> SignJws(fhir::Value header, std::string_view payload,
                                    const JwsKey& key) {
  TC_RETURN_IF_ERROR(CheckKey(key));
  if (!header.is_object()) return absl::InvalidArgumentError("JWS header must be an object");
  header.Set("alg", fhir::Value::String(std::string(JwsAlgName(key.alg))));
  if (!key.kid.empty()) header.Set("kid", fhir::Value::String(key.kid));
  std::string input = Base64UrlEncode(fhir::WriteJson(header));
  input.push_back('.');
  input.append(Base64UrlEncode(payload));
  TC_ASSIGN_OR_RETURN(std::string signature, Sign(key, input));
  input.push_back('.');
  input.append(Base64UrlEncode(signature));
  return input;
}

absl::StatusOr<std::string> SignJwt(const fhir::Value& claims, const JwsKey& key) {
  if (!claims.is_object()) return absl::InvalidArgumentError("JWT claims must be an object");
  fhir::Value header = fhir::Value::Object();
  header.Set("alg", fhir::Value::String(std::string(JwsAlgName(key.alg))));
  header.Set("typ", fhir::Value::String("JWT"));
  return SignJws(std::move(header), fhir::WriteJson(claims), key);
}

absl::StatusOr<VerifiedJwt> VerifyJwt(std::string_view compact, std::span<const JwsKey> keys) {
  constexpr size_t kMaxTokenBytes = 16 * 1024;
  if (compact.size() > kMaxTokenBytes) return Reject("too long");
  size_t first = compact.find('.');
  size_t second = first == std::string_view::npos ? first : compact.find('.', first + 1);
  if (second == std::string_view::npos || compact.find('.', second + 1) != std::string_view::npos) {
    return Reject("not a compact JWS (three segments expected)");
  }
  std::string_view signing_input = compact.substr(0, second);
  TC_ASSIGN_OR_RETURN(fhir::Value header, DecodeObject(compact.substr(0, first), "header"));
  const fhir::Value* alg = header.Find("alg");
  if (alg == nullptr || !alg->is_string()) return Reject("no \"alg\"");
  if (header.Find("crit") != nullptr) return Reject("unsupported critical header parameters");
  const fhir::Value* kid = header.Find("kid");
  if (kid != nullptr && !kid->is_string()) return Reject("\"kid\" is not a string");
  absl::StatusOr<std::string> signature = Base64UrlDecode(compact.substr(second + 1));
  if (!signature.ok()) return Reject("signature is not base64url");

  bool alg_known = false;
  bool key_found = false;
  for (const JwsKey& key : keys) {
    if (JwsAlgName(key.alg) != alg->string_value()) continue;
    alg_known = true;
    if (kid != nullptr && key.kid != kid->string_value()) continue;
    if (!CheckKey(key).ok()) continue;
    key_found = true;
    if (Verify(key, signing_input, *signature)) {
      TC_ASSIGN_OR_RETURN(fhir::Value claims,
                          DecodeObject(compact.substr(first + 1, second - first - 1), "payload"));
      return VerifiedJwt{std::move(header), std::move(claims)};
    }
  }
  if (!alg_known) {
    return Reject(
        std::string("algorithm \"").append(alg->string_value()).append("\" not accepted"));
  }
  if (!key_found) return Reject("no key matches the token's \"kid\"");
  return Reject("signature does not verify");
}

}  // namespace tc::auth
