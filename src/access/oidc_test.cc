// Tests for the OpenID Connect relying party (access/oidc.h) against a provider simulated in an
// injected HttpClient, with signing keys generated here.
#include "access/oidc.h"

#include <functional>
#include <string>
#include <vector>

#include "auth/encoding.h"
#include "auth/jwk.h"
#include "fhir/json.h"
#include "gtest/gtest.h"
#include "http/url.h"

namespace tc::access {
namespace {

using absl::StatusCode;

constexpr char kIssuer[] = "https://idp.test";
constexpr char kSecret[] = "0123456789abcdef0123456789abcdef";

// The provider's side: discovery, JWKS and a token endpoint handing out `next_id_token`.
class FakeProvider final : public http::HttpClient {
 public:
  absl::StatusOr<http::ClientResponse> Send(const http::ClientRequest& request) override {
    requests.push_back(request);
    http::ClientResponse r;
    r.status = 200;
    if (request.url == std::string(kIssuer) + "/.well-known/openid-configuration") {
      r.body = discovery;
    } else if (request.url == std::string(kIssuer) + "/jwks") {
      r.body = jwks;
    } else if (request.url == std::string(kIssuer) + "/token") {
      r.status = token_status;
      r.body = token_status == 200 ? R"({"token_type":"Bearer","access_token":"at","id_token":")" +
                                         next_id_token + "\"}"
                                   : R"({"error":"invalid_grant"})";
    } else {
      r.status = 404;
    }
    return r;
  }
  int Count(std::string_view suffix) const {
    int n = 0;
    for (const auto& r : requests) n += r.url.ends_with(suffix) ? 1 : 0;
    return n;
  }

  std::string discovery =
      std::string(R"({"issuer":")") + kIssuer +
      R"(","authorization_endpoint":"https://idp.test/authorize",)"
      R"("token_endpoint":"https://idp.test/token","jwks_uri":"https://idp.test/jwks"})";
  std::string jwks;
  std::string next_id_token;
  int token_status = 200;
  std::vector<http::ClientRequest> requests;
};

std::string QueryParam(std::string_view url, std::string_view name) {
  const std::string key = std::string(name) + "=";
  size_t at = url.find("?" + key);
  if (at == std::string_view::npos) at = url.find("&" + key);
  if (at == std::string_view::npos) return "";
  size_t start = at + 1 + key.size();
  size_t end = url.find('&', start);
  std::string out;
  http::PercentDecode(url.substr(start, end == std::string_view::npos ? url.npos : end - start),
                      true, &out);
  return out;
}

class OidcTest : public testing::Test {
 protected:
  void SetUp() override {
    signer_ =
        auth::JwsKey::Asymmetric(auth::JwsAlg::kRS256, auth::GenerateRsaKey(2048).value(), "k1");
    provider_.jwks = Jwks({signer_});
    OidcConfig config;
    config.issuer = kIssuer;
    config.client_id = "throughcare";
    config.client_secret = "s3cret";
    config.redirect_uri = "https://tc.test/login/oidc/callback";
    rp_ = OidcRelyingParty::Create(config, provider_, clock_, random_).value();
  }

  static std::string Jwks(const std::vector<auth::JwsKey>& keys) {
    std::string out = "{\"keys\":[";
    for (size_t i = 0; i < keys.size(); ++i) {
      if (i) out += ",";
      out += fhir::WriteJson(auth::PublicJwk(keys[i].pkey, keys[i].kid, "RS256").value());
    }
    return out + "]}";
  }

  // Valid claims for `nonce`; `edit` changes them before signing.
  std::string IdToken(std::string_view nonce,
                      const std::function<void(fhir::Value&)>& edit = nullptr,
                      const auth::JwsKey* key = nullptr) {
    fhir::Value c = fhir::Value::Object();
    const int64_t now = absl::ToUnixSeconds(clock_.Now());
    c.Set("iss", fhir::Value::String(kIssuer));
    c.Set("sub", fhir::Value::String("user-123"));
    c.Set("aud", fhir::Value::String("throughcare"));
    c.Set("iat", fhir::Value::Integer(now));
    c.Set("exp", fhir::Value::Integer(now + 300));
    c.Set("nonce", fhir::Value::String(std::string(nonce)));
    c.Set("name", fhir::Value::String("Nina Nurse"));
    if (edit) edit(c);
    return auth::SignJwt(c, key ? *key : signer_).value();
  }

  // Starts a sign-in and has the provider answer with the token `edit` makes.
  absl::StatusOr<OidcIdentity> SignIn(const std::function<void(fhir::Value&)>& edit = nullptr,
                                      const auth::JwsKey* key = nullptr) {
    OidcStart start = rp_->Start().value();
    provider_.next_id_token = IdToken(start.pending.nonce, edit, key);
    return rp_->Finish(start.pending, start.pending.state, "the-code");
  }

  base::FakeClock clock_{absl::FromUnixSeconds(1'750'000'000)};
  base::SeededRandom random_{7};
  FakeProvider provider_;
  auth::JwsKey signer_;
  std::unique_ptr<OidcRelyingParty> rp_;
};

TEST(OidcPkceTest, Rfc7636AppendixBAndFreshVerifiers) {
  EXPECT_EQ(PkceChallengeS256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
  base::SeededRandom random(1);
  std::string a = NewPkceVerifier(random);
  std::string b = NewPkceVerifier(random);
  EXPECT_EQ(a.size(), 43u);
  EXPECT_NE(a, b);
  EXPECT_TRUE(auth::Base64UrlDecode(a).ok());
}

TEST(OidcPendingTest, SealedCookieRoundTripsAndRefusesTamperingAndExpiry) {
  const absl::Time now = absl::FromUnixSeconds(1'750'000'000);
  OidcPending p{"st", "no", "ver", now + absl::Minutes(10)};
  std::string sealed = SealPending(p, kSecret);
  EXPECT_EQ(sealed.find_first_of(" ;,\""), std::string::npos);
  absl::StatusOr<OidcPending> opened = OpenPending(sealed, kSecret, now);
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(opened->state, "st");
  EXPECT_EQ(opened->nonce, "no");
  EXPECT_EQ(opened->code_verifier, "ver");
  EXPECT_EQ(OpenPending(sealed, std::string(32, 'x'), now).status().code(),
            StatusCode::kUnauthenticated);
  OidcPending other = p;
  other.state = "attacker";
  std::string forged = SealPending(other, std::string(32, 'x'));
  std::string spliced = forged.substr(0, forged.find('.')) + sealed.substr(sealed.find('.'));
  EXPECT_FALSE(OpenPending(spliced, kSecret, now).ok());
  EXPECT_FALSE(OpenPending("garbage", kSecret, now).ok());
  EXPECT_FALSE(OpenPending(sealed, kSecret, now + absl::Minutes(11)).ok());
}

TEST_F(OidcTest, StartBuildsTheAuthorizationUrlAndCachesDiscovery) {
  OidcStart a = rp_->Start().value();
  OidcStart b = rp_->Start().value();
  const std::string& url = a.authorization_url;
  EXPECT_TRUE(url.starts_with("https://idp.test/authorize?")) << url;
  EXPECT_EQ(QueryParam(url, "response_type"), "code");
  EXPECT_EQ(QueryParam(url, "client_id"), "throughcare");
  EXPECT_EQ(QueryParam(url, "redirect_uri"), "https://tc.test/login/oidc/callback");
  EXPECT_EQ(QueryParam(url, "scope"), "openid profile email");
  EXPECT_EQ(QueryParam(url, "state"), a.pending.state);
  EXPECT_EQ(QueryParam(url, "nonce"), a.pending.nonce);
  EXPECT_EQ(QueryParam(url, "code_challenge"), PkceChallengeS256(a.pending.code_verifier));
  EXPECT_EQ(QueryParam(url, "code_challenge_method"), "S256");
  EXPECT_EQ(url.find(a.pending.code_verifier), std::string::npos) << "the verifier stays here";
  EXPECT_NE(a.pending.state, b.pending.state);
  EXPECT_NE(a.pending.nonce, b.pending.nonce);
  EXPECT_NE(a.pending.state, a.pending.nonce);
  EXPECT_EQ(provider_.Count("/openid-configuration"), 1);
  clock_.Advance(absl::Hours(2));
  ASSERT_TRUE(rp_->Start().ok());
  EXPECT_EQ(provider_.Count("/openid-configuration"), 2);
}

TEST_F(OidcTest, DiscoveryMustNameTheConfiguredIssuer) {
  provider_.discovery =
      R"({"issuer":"https://evil.test","authorization_endpoint":"https://idp.test/a",)"
      R"("token_endpoint":"https://idp.test/t","jwks_uri":"https://idp.test/j"})";
  EXPECT_EQ(rp_->Start().status().code(), StatusCode::kUnavailable);
  provider_.discovery = std::string(R"({"issuer":")") + kIssuer +
                        R"(","authorization_endpoint":"http://idp.test/a","token_endpoint":)"
                        R"("https://idp.test/t","jwks_uri":"https://idp.test/j"})";
  EXPECT_EQ(rp_->Start().status().code(), StatusCode::kUnavailable)
      << "https issuer, http endpoint";
}

TEST_F(OidcTest, FinishExchangesTheCodeWithTheVerifierAndReturnsTheIdentity) {
  OidcStart start = rp_->Start().value();
  provider_.next_id_token = IdToken(start.pending.nonce);
  absl::StatusOr<OidcIdentity> identity = rp_->Finish(start.pending, start.pending.state, "c0de");
  ASSERT_TRUE(identity.ok()) << identity.status();
  EXPECT_EQ(identity->issuer, kIssuer);
  EXPECT_EQ(identity->subject, "user-123");
  EXPECT_EQ(identity->name, "Nina Nurse");
  const http::ClientRequest* token = nullptr;
  for (const auto& r : provider_.requests) {
    if (r.url.ends_with("/token")) token = &r;
  }
  ASSERT_NE(token, nullptr);
  EXPECT_EQ(token->method, "POST");
  EXPECT_NE(token->body.find("grant_type=authorization_code"), std::string::npos);
  EXPECT_NE(token->body.find("code=c0de"), std::string::npos);
  EXPECT_NE(token->body.find("code_verifier=" + start.pending.code_verifier), std::string::npos);
  EXPECT_NE(token->body.find("redirect_uri=https%3A%2F%2Ftc.test%2Flogin%2Foidc%2Fcallback"),
            std::string::npos);
  EXPECT_EQ(token->body.find("s3cret"), std::string::npos) << "basic: secret not in the body";
  bool basic = false;
  for (const auto& [n, v] : token->headers) {
    if (n == "Authorization")
      basic = v == "Basic dGhyb3VnaGNhcmU6czNjcmV0";  // base64("throughcare:s3cret")
  }
  EXPECT_TRUE(basic);
}

TEST_F(OidcTest, ClientSecretPostSendsTheSecretInTheBody) {
  OidcConfig config = rp_->config();
  config.client_auth = OidcClientAuth::kClientSecretPost;
  rp_ = OidcRelyingParty::Create(config, provider_, clock_, random_).value();
  ASSERT_TRUE(SignIn().ok());
  for (const auto& r : provider_.requests) {
    if (!r.url.ends_with("/token")) continue;
    EXPECT_NE(r.body.find("client_id=throughcare&client_secret=s3cret"), std::string::npos);
    for (const auto& [n, v] : r.headers) EXPECT_NE(n, "Authorization");
  }
  EXPECT_EQ(provider_.Count("/token"), 1);
}

TEST_F(OidcTest, WrongStateIsRefusedBeforeAnyCodeExchange) {
  OidcStart start = rp_->Start().value();
  EXPECT_EQ(rp_->Finish(start.pending, "tampered", "code").status().code(),
            StatusCode::kUnauthenticated);
  EXPECT_EQ(rp_->Finish(start.pending, "", "code").status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(provider_.Count("/token"), 0);
}

TEST_F(OidcTest, InvalidIdTokensAreRefused) {
  auto refused = [&](std::string_view what, const std::function<void(fhir::Value&)>& edit,
                     const auth::JwsKey* key = nullptr) {
    absl::StatusOr<OidcIdentity> r = SignIn(edit, key);
    EXPECT_EQ(r.status().code(), StatusCode::kUnauthenticated) << what << ": " << r.status();
  };
  ASSERT_TRUE(SignIn().ok());
  refused("wrong nonce", [](fhir::Value& c) { c.Set("nonce", fhir::Value::String("other")); });
  refused("no nonce", [](fhir::Value& c) { c.Erase("nonce"); });
  refused("wrong audience", [](fhir::Value& c) { c.Set("aud", fhir::Value::String("someone")); });
  refused("wrong issuer", [](fhir::Value& c) { c.Set("iss", fhir::Value::String("https://x")); });
  refused("several audiences, no azp", [](fhir::Value& c) {
    c.Set("aud", fhir::Value::MakeArray(
                     {fhir::Value::String("throughcare"), fhir::Value::String("other")}));
  });
  refused("azp is another client", [](fhir::Value& c) { c.Set("azp", fhir::Value::String("x")); });
  const int64_t now = absl::ToUnixSeconds(clock_.Now());
  refused("expired", [&](fhir::Value& c) { c.Set("exp", fhir::Value::Integer(now - 120)); });
  refused("issued long ago",
          [&](fhir::Value& c) { c.Set("iat", fhir::Value::Integer(now - 3600)); });
  refused("no sub", [](fhir::Value& c) { c.Erase("sub"); });
  auth::JwsKey other =
      auth::JwsKey::Asymmetric(auth::JwsAlg::kRS256, auth::GenerateRsaKey(2048).value(), "k1");
  refused("signed by another key", nullptr, &other);
  // Several audiences with azp == us is fine.
  EXPECT_TRUE(SignIn([](fhir::Value& c) {
                c.Set("aud", fhir::Value::MakeArray({fhir::Value::String("throughcare"),
                                                     fhir::Value::String("other")}));
                c.Set("azp", fhir::Value::String("throughcare"));
              }).ok());
}

TEST_F(OidcTest, RefusedCodeAndRotatedKeys) {
  provider_.token_status = 400;
  absl::StatusOr<OidcIdentity> r = SignIn();
  EXPECT_EQ(r.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(r.status().message().find("invalid_grant"), absl::string_view::npos);
  provider_.token_status = 200;
  ASSERT_TRUE(SignIn().ok());
  // The provider rotates to a new key: the JWKS is fetched again for the unknown kid.
  auth::JwsKey rotated =
      auth::JwsKey::Asymmetric(auth::JwsAlg::kRS256, auth::GenerateRsaKey(2048).value(), "k2");
  provider_.jwks = Jwks({rotated});
  clock_.Advance(absl::Minutes(2));
  const int before = provider_.Count("/jwks");
  EXPECT_TRUE(SignIn(nullptr, &rotated).ok());
  EXPECT_EQ(provider_.Count("/jwks"), before + 1);
}

TEST(OidcConfigTest, CreateRefusesBadConfiguration) {
  class None final : public http::HttpClient {
    absl::StatusOr<http::ClientResponse> Send(const http::ClientRequest&) override {
      return absl::UnavailableError("none");
    }
  } none;
  base::FakeClock clock(absl::UnixEpoch());
  base::SeededRandom random(1);
  OidcConfig good{.issuer = kIssuer,
                  .client_id = "c",
                  .client_secret = "s",
                  .redirect_uri = "https://tc.test/login/oidc/callback"};
  EXPECT_TRUE(OidcRelyingParty::Create(good, none, clock, random).ok());
  OidcConfig bad = good;
  bad.issuer = "idp.test";
  EXPECT_FALSE(OidcRelyingParty::Create(bad, none, clock, random).ok());
  bad = good;
  bad.client_secret = "";
  EXPECT_FALSE(OidcRelyingParty::Create(bad, none, clock, random).ok());
  bad = good;
  bad.scopes = "profile email";
  EXPECT_FALSE(OidcRelyingParty::Create(bad, none, clock, random).ok());
  // Discovery failures surface as Unavailable.
  EXPECT_EQ(OidcRelyingParty::Create(good, none, clock, random).value()->Start().status().code(),
            StatusCode::kUnavailable);
}

}  // namespace
}  // namespace tc::access
