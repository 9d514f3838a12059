#include <string>
#include <vector>

#include "auth/encoding.h"
#include "auth/jwk.h"
#include "auth/jws.h"
#include "auth/jwt_claims.h"
#include "base/clock.h"
#include "fhir/json.h"
#include "gtest/gtest.h"

namespace tc::auth {
namespace {

// RFC 7515 Appendix A.1: a JWS using HMAC SHA-256, with its JWK "k".
constexpr char kRfc7515A1Key[] =
    "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow";
constexpr char kRfc7515A1Jws[] =
    "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9"
    ".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlf"
    "Q"
    ".dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

// Independent vectors: keys, JWKs and tokens made once with Python's `cryptography` package
// (hand-written JWS construction, DER signatures converted to R || S), not by this code.
constexpr char kPythonEcJwk[] =
    "{\"kty\": \"EC\", \"crv\": \"P-384\", \"kid\": \"py-ec\", \"x\": "
    "\"cL_niDw53PXhE7USyronxw2Isi2GFuhV"
    "jX0hRqM-gyD3DRRvCtXmxQAYV3GIonIZ\", \"y\": \"7EAgUsJmWkWrFEK-iV_Y1imzsn7v4xGcAUC4QAC0cdG"
    "2n3XSMxxS0fFds22PHTkO\"}";
constexpr char kPythonEcJws[] =
    "eyJhbGciOiJFUzM4NCIsImtpZCI6InB5LWVjIiwidHlwIjoiSldUIn0.eyJpc3MiOiJweXRob24tY3J5cHRv"
    "Z3JhcGh5IiwiYXVkIjoiaHR0cHM6Ly90Yy5leGFtcGxlL3Rva2VuIiwibiI6MX0.GFCBKuGdsQzQrstNW4tZ"
    "C1X71B-D2RZLG5iPZVoqdUZ9sGCpBj25zwyLuE3RZOWyNgL5ex3EO2giwUfz7MLrLMsj5dxRkgjR398iwkEs"
    "PKW0CS2TEizp7VXd-Gi34ehM";
constexpr char kPythonRsaJwk[] =
    "{\"kty\": \"RSA\", \"kid\": \"py-rsa\", \"n\": "
    "\"2T3tTeC7Fgm55vsoOIBIgfi_tJpnet3zFNqsr1X8yTHk03"
    "hf6Y_modMYJuuE7eVUqMLUqiYIri3d94-5hPmmT8k52-hoCKDhmSsfEm_iNeApGymGwc2TVa2J-HjsQykYnG"
    "138KZpeolb7kIW-dZdncLxvVVKAorW51YitVDpvP6rqRtSoA44npg-61IzrHGRP1RJyxsJgdZnHRFKffn4Dq"
    "mCf7A-77erTCuTYw6_I15K1isBryTIsxHf5A3Bs-4vobXujEZ3xsAIqE_xP72vdIop9ittaLPkPpeujG1C8Y"
    "iBxRNMe-La1axSox5WHEwyJ6FEsUceMDE8-i4EGrFoqw\", \"e\": \"AQAB\"}";
constexpr char kPythonRsaJws[] =
    "eyJhbGciOiJSUzM4NCIsImtpZCI6InB5LXJzYSIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJweXRob24tY3J5cHR"
    "vZ3JhcGh5IiwiYXVkIjoiaHR0cHM6Ly90Yy5leGFtcGxlL3Rva2VuIiwibiI6MX0.U0DnQpXaHO7AdbtWhdx"
    "6a8A8gyhNBcXfB2dciKCzTdem9WkPniTETs9ENsK9oUk99VrRdJJE40J_ENilGZZ6rsZE6-ZzdUhZrfcbgLD"
    "ZVAxbOnYusFgUvnEZWpr6bgNGqcyeRk6ma8SfaSiG6qFLcl8s-oNLz_7teX6uGYA-zm4ynNucHaGzD2_XWik"
    "YetmTWV5p5cvO-Z2D8-bmHN5hTU-acGvyHOgn4xNXDLeSGSfQ5jLraYd1KjrrVMj-hiFVTsTvItx2ew-SsnP"
    "nDq8hbkCDg9ETGbECrZxzfwF18TPFngF5lNHMz5LxPosUVuJv6lrfQNfbNzM17MXEiitymw";

// RS256: a key made with `openssl genrsa 2048` and a token signed with `openssl dgst -sha256
// -sign` over a hand-built signing input (not by this code).
constexpr char kOpensslRsaJwk[] =
    "{\"kty\": \"RSA\", \"kid\": \"ossl-rsa\", \"n\": "
    "\"7Ii9mxzm4oTZcFpmknsVXY4wTiok1j1RLjovcCoV-BHAYqw1x9GY-jcm4J8jTKEofdscwuLNPbBwljp5El1DVYy7ki"
    "ByhJPV5h64uOhLKAGqXsAEK8Q2tclcQx7Q1oznKCVTUkT8xu1bChgVBU6nb8V0hK7pRgBs3TljZWfVwhvWqejBLH1ASx"
    "yByhvw33Nmq9-qKajfBP2wq9-p9kuTrdwFIksD8d2ehOrNvWdoRcrlNH3HTUoVwg8DawEXdn0jbfoL5cxdz74qfTPfBu"
    "07sDDBgZnNC4ZBuca8yefqd0pr3AmfggEDt63XAsUX1ojzYDYfCOx30jvmMizGnoeYDw\", \"e\": \"AQAB\"}";
constexpr char kOpensslRs256Jws[] =
    "eyJhbGciOiJSUzI1NiIsImtpZCI6Im9zc2wtcnNhIiwidHlwIjoiSldUIn0.eyJpc3MiOiJvcGVuc3NsLWNsaSIsImF1"
    "ZCI6InRjIiwibiI6MX0.StOkiYSUhvWRF-3JnsmBinVRB7amU-SGeLbsBguy3PIeotA2p9__fEUw1upeUyWgAiDKVhdkA"
    "JXa1ouT1asoKCyr0ssi33qVj4QJOXBdVvmgNP3ZFHu1KfMPrfB0B8WyKLkmG8QVUwMQQ1r7YQ_gPNp7kpZalcdEVh5q3h"
    "gB_lgVwuXQP2sLQg2OdyzdSgunD-TEISKcyjUoWabYgC9ikJ7BXqF7mLFbs8LLPLHkF9ExR10O4Iyxa56_XGwHkYMWbcP"
    "Bw4kFHbBdmgzR0bvy_A3kc2IfZe6yYRj6A0P3gIxQlG6mvhVjc5XvVZZF0dkEplPEQOuWAbsBQsGjuN4gLw";

fhir::Value Claims(std::string_view json) { return fhir::ParseJson(json).value(); }

std::string Jwks(std::string_view jwk) {
  std::string out = "{\"keys\":[";
  out.append(jwk).append("]}");
  return out;
}

// Replaces segment `index` (0 header, 1 payload, 2 signature) of a compact JWS.
std::string WithSegment(std::string_view jws, int index, std::string_view replacement) {
  size_t a = jws.find('.');
  size_t b = jws.find('.', a + 1);
  std::string parts[3] = {std::string(jws.substr(0, a)), std::string(jws.substr(a + 1, b - a - 1)),
                          std::string(jws.substr(b + 1))};
  parts[index] = std::string(replacement);
  std::string out = parts[0];
  out.append(".").append(parts[1]).append(".").append(parts[2]);
  return out;
}

std::string Segment(std::string_view jws, int index) {
  size_t a = jws.find('.');
  size_t b = jws.find('.', a + 1);
  if (index == 0) return std::string(jws.substr(0, a));
  if (index == 1) return std::string(jws.substr(a + 1, b - a - 1));
  return std::string(jws.substr(b + 1));
}

TEST(JwsTest, Rfc7515AppendixA1Hs256) {
  std::vector<JwsKey> keys = {JwsKey::Hs256(Base64UrlDecode(kRfc7515A1Key).value())};
  absl::StatusOr<VerifiedJwt> jwt = VerifyJwt(kRfc7515A1Jws, keys);
  ASSERT_TRUE(jwt.ok()) << jwt.status();
  EXPECT_EQ(jwt->claims.GetString("iss"), "joe");
  EXPECT_EQ(jwt->claims.Find("exp")->number_text(), "1300819380");
  EXPECT_EQ(jwt->header.GetString("alg"), "HS256");
  // One flipped key byte and the signature no longer verifies.
  std::string other = Base64UrlDecode(kRfc7515A1Key).value();
  other[0] ^= 1;
  std::vector<JwsKey> wrong = {JwsKey::Hs256(other)};
  EXPECT_EQ(VerifyJwt(kRfc7515A1Jws, wrong).status().code(), absl::StatusCode::kUnauthenticated);
}

TEST(JwsTest, VerifiesTokensMadeByAnotherImplementation) {
  absl::StatusOr<std::vector<Jwk>> ec = ParseJwks(Jwks(kPythonEcJwk));
  absl::StatusOr<std::vector<Jwk>> rsa = ParseJwks(Jwks(kPythonRsaJwk));
  ASSERT_TRUE(ec.ok()) << ec.status();
  ASSERT_TRUE(rsa.ok()) << rsa.status();
  ASSERT_EQ(ec->size(), 1u);
  ASSERT_EQ(rsa->size(), 1u);
  std::vector<JwsKey> keys = {JwsKeyFromJwk((*ec)[0], JwsAlg::kES384).value(),
                              JwsKeyFromJwk((*rsa)[0], JwsAlg::kRS384).value()};
  for (const char* token : {kPythonEcJws, kPythonRsaJws}) {
    absl::StatusOr<VerifiedJwt> jwt = VerifyJwt(token, keys);
    ASSERT_TRUE(jwt.ok()) << jwt.status();
    EXPECT_EQ(jwt->claims.GetString("iss"), "python-cryptography");
  }
  EXPECT_EQ(Base64UrlDecode(Segment(kPythonEcJws, 2))->size(), 96u);
}

TEST(JwsTest, Rs256TokenMadeByOpensslVerifiesAndIsBoundToItsAlgorithm) {
  Jwk jwk = ParseJwks(Jwks(kOpensslRsaJwk)).value().at(0);
  std::vector<JwsKey> rs256 = {JwsKeyFromJwk(jwk, JwsAlg::kRS256).value()};
  absl::StatusOr<VerifiedJwt> jwt = VerifyJwt(kOpensslRs256Jws, rs256);
  ASSERT_TRUE(jwt.ok()) << jwt.status();
  EXPECT_EQ(jwt->claims.GetString("iss"), "openssl-cli");
  // The same RSA key configured for RS384 does not accept an RS256 token, nor the reverse.
  std::vector<JwsKey> rs384 = {JwsKeyFromJwk(jwk, JwsAlg::kRS384).value()};
  EXPECT_EQ(VerifyJwt(kOpensslRs256Jws, rs384).status().code(), absl::StatusCode::kUnauthenticated);
  std::string relabelled = WithSegment(
      kOpensslRs256Jws, 0, Base64UrlEncode(R"({"alg":"RS384","kid":"ossl-rsa","typ":"JWT"})"));
  EXPECT_FALSE(VerifyJwt(relabelled, rs384).ok());
  jwk.alg = "RS384";
  EXPECT_FALSE(JwsKeyFromJwk(jwk, JwsAlg::kRS256).ok());
}

class JwsRoundTripTest : public testing::TestWithParam<JwsAlg> {
 protected:
  void SetUp() override {
    switch (GetParam()) {
      case JwsAlg::kRS256:
      case JwsAlg::kRS384:
        signer_ = JwsKey::Asymmetric(GetParam(), GenerateRsaKey(2048).value(), "k1");
        break;
      case JwsAlg::kES384:
        signer_ = JwsKey::Asymmetric(JwsAlg::kES384, GenerateEcP384Key().value(), "k1");
        break;
      case JwsAlg::kHS256:
        signer_ = JwsKey::Hs256(std::string(32, 's'), "k1");
        break;
    }
    if (GetParam() == JwsAlg::kHS256) {
      verifier_ = signer_;
    } else {
      // The verifier only ever sees the public JWK, as a client's registered key set.
      fhir::Value jwk = PublicJwk(signer_.pkey, "k1").value();
      std::string jwks = Jwks(fhir::WriteJson(jwk));
      Jwk parsed = ParseJwks(jwks).value().at(0);
      verifier_ = JwsKeyFromJwk(parsed, GetParam()).value();
    }
  }
  JwsKey signer_;
  JwsKey verifier_;
};

TEST_P(JwsRoundTripTest, SignThenVerify) {
  absl::StatusOr<std::string> token = SignJwt(Claims(R"({"sub":"c1","n":1})"), signer_);
  ASSERT_TRUE(token.ok()) << token.status();
  std::vector<JwsKey> keys = {verifier_};
  absl::StatusOr<VerifiedJwt> jwt = VerifyJwt(*token, keys);
  ASSERT_TRUE(jwt.ok()) << jwt.status();
  EXPECT_EQ(jwt->claims.GetString("sub"), "c1");
  EXPECT_EQ(jwt->header.GetString("alg"), JwsAlgName(GetParam()));
  EXPECT_EQ(jwt->header.GetString("kid"), "k1");
  EXPECT_EQ(jwt->header.GetString("typ"), "JWT");
  if (GetParam() == JwsAlg::kES384) {
    EXPECT_EQ(Base64UrlDecode(Segment(*token, 2))->size(), 96u) << "raw R || S, not DER";
  }
}

TEST_P(JwsRoundTripTest, TamperedPayloadOrSignatureIsRejected) {
  std::string token = SignJwt(Claims(R"({"sub":"c1","role":"pharmacist"})"), signer_).value();
  std::vector<JwsKey> keys = {verifier_};
  std::string forged =
      WithSegment(token, 1, Base64UrlEncode(R"({"sub":"c1","role":"system-admin"})"));
  EXPECT_EQ(VerifyJwt(forged, keys).status().code(), absl::StatusCode::kUnauthenticated);

  std::string sig = Base64UrlDecode(Segment(token, 2)).value();
  sig[sig.size() / 2] ^= 0x01;
  EXPECT_EQ(VerifyJwt(WithSegment(token, 2, Base64UrlEncode(sig)), keys).status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_FALSE(VerifyJwt(WithSegment(token, 2, ""), keys).ok());
  EXPECT_FALSE(VerifyJwt(token + "A", keys).ok());
  EXPECT_FALSE(VerifyJwt(token + ".", keys).ok());
}

TEST_P(JwsRoundTripTest, KeyIdMustMatchWhenPresent) {
  std::string token = SignJwt(Claims(R"({"sub":"c1"})"), signer_).value();
  JwsKey other = verifier_;
  other.kid = "k2";
  std::vector<JwsKey> keys = {other};
  absl::Status status = VerifyJwt(token, keys).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_NE(status.message().find("kid"), std::string_view::npos) << status;
}

INSTANTIATE_TEST_SUITE_P(Algorithms, JwsRoundTripTest,
                         testing::Values(JwsAlg::kRS256, JwsAlg::kRS384, JwsAlg::kES384,
                                         JwsAlg::kHS256),
                         [](const testing::TestParamInfo<JwsAlg>& info) {
                           return std::string(JwsAlgName(info.param));
                         });

TEST(JwsTest, NoneAndUnlistedAlgorithmsAreAlwaysRejected) {
  std::vector<JwsKey> keys = {JwsKey::Hs256(std::string(32, 's'))};
  std::string payload = Base64UrlEncode(R"({"sub":"x"})");
  for (const char* alg : {"none", "None", "HS384", "RS256", "ES256", "PS384"}) {
    std::string header = Base64UrlEncode(std::string(R"({"alg":")") + alg + R"("})");
    EXPECT_EQ(VerifyJwt(header + "." + payload + ".", keys).status().code(),
              absl::StatusCode::kUnauthenticated)
        << alg;
  }
  std::string no_alg = Base64UrlEncode(R"({"typ":"JWT"})");
  EXPECT_FALSE(VerifyJwt(no_alg + "." + payload + ".", keys).ok());
}

TEST(JwsTest, AlgorithmConfusionHmacWithPublicKeyIsRejected) {
  // An attacker who knows the server's RSA public JWK signs with HS256 using it as the secret;
  // a verifier configured only with the RS384 key must not accept it.
  JwsKey rsa = JwsKey::Asymmetric(JwsAlg::kRS384, GenerateRsaKey(2048).value(), "k1");
  std::string public_jwk = fhir::WriteJson(PublicJwk(rsa.pkey, "k1").value());
  std::string forged =
      SignJwt(Claims(R"({"sub":"attacker"})"), JwsKey::Hs256(public_jwk, "k1")).value();
  std::vector<JwsKey> keys = {rsa};
  EXPECT_EQ(VerifyJwt(forged, keys).status().code(), absl::StatusCode::kUnauthenticated);
  // And a token claiming ES384 is not checked against an RSA key.
  std::string es = SignJwt(Claims(R"({"sub":"x"})"),
                           JwsKey::Asymmetric(JwsAlg::kES384, GenerateEcP384Key().value(), "k1"))
                       .value();
  EXPECT_FALSE(VerifyJwt(es, keys).ok());
}

TEST(JwsTest, CritHeaderAndNonObjectPayloadAreRejected) {
  JwsKey key = JwsKey::Hs256(std::string(32, 's'));
  std::vector<JwsKey> keys = {key};
  fhir::Value crit = Claims(R"({"crit":["exp"],"exp":1})");
  EXPECT_FALSE(VerifyJwt(SignJws(crit, R"({"sub":"x"})", key).value(), keys).ok());
  EXPECT_FALSE(VerifyJwt(SignJws(fhir::Value::Object(), "[1,2]", key).value(), keys).ok());
  EXPECT_FALSE(VerifyJwt(SignJws(fhir::Value::Object(), "not json", key).value(), keys).ok());
  EXPECT_TRUE(VerifyJwt(SignJws(fhir::Value::Object(), R"({"a":1})", key).value(), keys).ok());
}

TEST(JwsTest, MisconfiguredSigningKeysAreInvalidArgument) {
  fhir::Value claims = Claims(R"({"sub":"x"})");
  EXPECT_EQ(SignJwt(claims, JwsKey::Hs256("short")).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(SignJwt(claims, JwsKey::Asymmetric(JwsAlg::kES384, GenerateRsaKey(2048).value()))
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  // A public key cannot sign.
  Jwk ec = ParseJwks(Jwks(kPythonEcJwk)).value().at(0);
  EXPECT_FALSE(SignJwt(claims, JwsKeyFromJwk(ec, JwsAlg::kES384).value()).ok());
  EXPECT_FALSE(JwsKeyFromJwk(ec, JwsAlg::kRS384).ok());
}

TEST(JwkTest, RejectsPrivateUnsupportedAndInvalidKeys) {
  fhir::Value ec = Claims(kPythonEcJwk);
  ASSERT_TRUE(ParseJwk(ec).ok());

  fhir::Value with_d = ec;
  with_d.Set("d", fhir::Value::String("AAAA"));
  EXPECT_FALSE(ParseJwk(with_d).ok());

  fhir::Value p256 = ec;
  p256.Set("crv", fhir::Value::String("P-256"));
  EXPECT_FALSE(ParseJwk(p256).ok());

  // Changing y moves the point off the curve.
  fhir::Value off_curve = ec;
  std::string y = Base64UrlDecode(ec.GetString("y")).value();
  y[47] ^= 1;
  off_curve.Set("y", fhir::Value::String(Base64UrlEncode(y)));
  absl::Status status = ParseJwk(off_curve).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;

  fhir::Value short_x = ec;
  short_x.Set("x", fhir::Value::String(Base64UrlEncode(std::string(47, 'x'))));
  EXPECT_FALSE(ParseJwk(short_x).ok());

  fhir::Value rsa = Claims(kPythonRsaJwk);
  ASSERT_TRUE(ParseJwk(rsa).ok());
  fhir::Value small_rsa = rsa;
  std::string n = Base64UrlDecode(rsa.GetString("n")).value();
  small_rsa.Set("n", fhir::Value::String(Base64UrlEncode(n.substr(0, 128))));
  EXPECT_FALSE(ParseJwk(small_rsa).ok()) << "1024-bit modulus";
  fhir::Value padded_n = rsa;
  padded_n.Set("n", fhir::Value::String(Base64UrlEncode(std::string(1, '\0') + n)));
  EXPECT_FALSE(ParseJwk(padded_n).ok()) << "leading zero octet";
  fhir::Value no_e = rsa;
  no_e.Erase("e");
  EXPECT_FALSE(ParseJwk(no_e).ok());
  fhir::Value oct = Claims(R"({"kty":"oct","k":"AAAA"})");
  EXPECT_FALSE(ParseJwk(oct).ok());
}

TEST(JwkTest, JwksSkipsUnknownKeyTypesButNotBrokenSupportedOnes) {
  std::string mixed = "{\"keys\":[";
  mixed
      .append(R"({"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"},)")
      .append(R"({"kty":"EC","crv":"P-256","x":"AAAA","y":"AAAA"},)")
      .append(kPythonEcJwk)
      .append(",")
      .append(kPythonRsaJwk)
      .append("]}");
  absl::StatusOr<std::vector<Jwk>> keys = ParseJwks(mixed);
  ASSERT_TRUE(keys.ok()) << keys.status();
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ((*keys)[0].type, KeyType::kEcP384);
  EXPECT_EQ((*keys)[0].kid, "py-ec");
  EXPECT_EQ((*keys)[1].type, KeyType::kRsa);
  EXPECT_FALSE(ParseJwks(R"({"keys":[{"kty":"RSA","n":"AQAB"}]})").ok());
  EXPECT_FALSE(ParseJwks(R"({"key":[]})").ok());
  EXPECT_FALSE(ParseJwks("not json").ok());
  EXPECT_TRUE(ParseJwks(R"({"keys":[]})").value().empty());
}

TEST(JwkTest, RestrictedJwkCannotBeUsedForAnotherAlgorithmOrUse) {
  Jwk rsa = ParseJwks(Jwks(kPythonRsaJwk)).value().at(0);
  rsa.alg = "RS256";
  EXPECT_FALSE(JwsKeyFromJwk(rsa, JwsAlg::kRS384).ok());
  rsa.alg = "RS384";
  EXPECT_TRUE(JwsKeyFromJwk(rsa, JwsAlg::kRS384).ok());
  rsa.use = "enc";
  EXPECT_FALSE(JwsKeyFromJwk(rsa, JwsAlg::kRS384).ok());
}

// ---- Claims ------------------------------------------------------------------------------------

constexpr int64_t kNow = 1700000000;

TEST(JwtClaimsTest, ValidClaimsPass) {
  base::FakeClock clock(absl::FromUnixSeconds(kNow));
  fhir::Value claims = Claims(R"({"iss":"c1","sub":"c1","aud":"https://tc/token",
      "exp":1700000240,"iat":1700000000,"nbf":1699999990,"jti":"abc"})");
  ClaimExpectations expected{.issuer = "c1",
                             .subject = "c1",
                             .audience = "https://tc/token",
                             .require_iat = true,
                             .require_jti = true,
                             .max_lifetime = absl::Minutes(5)};
  EXPECT_TRUE(CheckClaims(claims, expected, clock).ok()) << CheckClaims(claims, expected, clock);
}

TEST(JwtClaimsTest, ExpiryWithLeeway) {
  base::FakeClock clock(absl::FromUnixSeconds(kNow));
  fhir::Value claims = Claims(R"({"exp":1700000000})");
  ClaimExpectations strict{.leeway = absl::ZeroDuration()};
  EXPECT_EQ(CheckClaims(claims, strict, clock).code(), absl::StatusCode::kUnauthenticated)
      << "not accepted on the expiration time itself";
  EXPECT_TRUE(CheckClaims(claims, {.leeway = absl::Seconds(30)}, clock).ok());
  clock.Advance(absl::Seconds(30));
  EXPECT_FALSE(CheckClaims(claims, {.leeway = absl::Seconds(30)}, clock).ok());
  EXPECT_FALSE(CheckClaims(Claims("{}"), {}, clock).ok()) << "exp required by default";
  EXPECT_TRUE(CheckClaims(Claims("{}"), {.require_exp = false}, clock).ok());
  EXPECT_FALSE(CheckClaims(Claims(R"({"exp":"1700000100"})"), {}, clock).ok());
  EXPECT_TRUE(CheckClaims(Claims(R"({"exp":1700000100.5})"), {}, clock).ok());
  EXPECT_FALSE(CheckClaims(Claims(R"({"exp":1e300})"), {}, clock).ok());
}

TEST(JwtClaimsTest, NotYetValidAndIssuedInTheFuture) {
  base::FakeClock clock(absl::FromUnixSeconds(kNow));
  ClaimExpectations expected{.leeway = absl::Seconds(60)};
  EXPECT_TRUE(CheckClaims(Claims(R"({"exp":1700001000,"nbf":1700000060})"), expected, clock).ok());
  EXPECT_FALSE(CheckClaims(Claims(R"({"exp":1700001000,"nbf":1700000061})"), expected, clock).ok());
  EXPECT_FALSE(CheckClaims(Claims(R"({"exp":1700001000,"iat":1700000061})"), expected, clock).ok());
  EXPECT_FALSE(CheckClaims(Claims(R"({"exp":1700001000})"), {.require_iat = true}, clock).ok());
}

TEST(JwtClaimsTest, AudienceIssuerSubjectJtiAndLifetime) {
  base::FakeClock clock(absl::FromUnixSeconds(kNow));
  ClaimExpectations aud{.audience = "https://tc/token"};
  EXPECT_TRUE(
      CheckClaims(Claims(R"({"exp":1700000100,"aud":["x","https://tc/token"]})"), aud, clock).ok());
  EXPECT_FALSE(
      CheckClaims(Claims(R"({"exp":1700000100,"aud":"https://tc/token/"})"), aud, clock).ok());
  EXPECT_FALSE(CheckClaims(Claims(R"({"exp":1700000100,"aud":["x"]})"), aud, clock).ok());
  EXPECT_FALSE(CheckClaims(Claims(R"({"exp":1700000100})"), aud, clock).ok());
  EXPECT_FALSE(
      CheckClaims(Claims(R"({"exp":1700000100,"iss":"c2"})"), {.issuer = "c1"}, clock).ok());
  EXPECT_FALSE(
      CheckClaims(Claims(R"({"exp":1700000100,"sub":"c2"})"), {.subject = "c1"}, clock).ok());
  EXPECT_FALSE(
      CheckClaims(Claims(R"({"exp":1700000100,"jti":""})"), {.require_jti = true}, clock).ok());
  EXPECT_FALSE(CheckClaims(Claims(R"({"exp":1700000100})"), {.require_jti = true}, clock).ok());
  ClaimExpectations five_minutes{.leeway = absl::ZeroDuration(), .max_lifetime = absl::Minutes(5)};
  EXPECT_TRUE(CheckClaims(Claims(R"({"exp":1700000300})"), five_minutes, clock).ok());
  EXPECT_FALSE(CheckClaims(Claims(R"({"exp":1700000301})"), five_minutes, clock).ok());
}

}  // namespace
}  // namespace tc::auth
