// The SMART Backend Services token endpoint over a real account store and audit log: ES384 and
// RS384 assertions, every refusal (audience, expiry, lifetime, replay, unknown and disabled
// clients, foreign keys, iss != sub, refused algorithms, grant types, scopes), the token it
// issues (verified and accepted by AccessControl), and the audit entry of each request.
#include "access/token_endpoint.h"

#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>

#include "access/access_control.h"
#include "access/scope_grant.h"
#include "access/smart_configuration.h"
#include "access/token_request.h"
#include "auth/encoding.h"
#include "auth/jwk.h"
#include "auth/jws.h"
#include "base/clock.h"
#include "base/random.h"
#include "fhir/json.h"
#include "gtest/gtest.h"
#include "store/sqlite/sqlite_store.h"

namespace tc::access {
namespace {

using fhir::Value;

constexpr char kTokenUrl[] = "https://ehr.example/auth/token";
constexpr char kClient[] = "lab-system";

// application/x-www-form-urlencoded value encoding (everything but unreserved characters).
std::string FormEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

Value Json(std::string_view text) {
  absl::StatusOr<Value> v = fhir::ParseJson(text);
  EXPECT_TRUE(v.ok()) << text;
  return v.ok() ? *v : Value();
}

std::string JwksOf(const std::vector<Value>& keys) {
  Value set = Value::Object();
  Value array = Value::MakeArray();
  for (const Value& k : keys) array.Append(k);
  set.Set("keys", std::move(array));
  return fhir::WriteJson(set);
}

class TokenEndpointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "tc-token-endpoint-test-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    accounts_ = std::move(*AccountStore::Open(AccountDbPath(dir_), clock_, random_));
    defs_ = std::move(*fhir::Definitions::LoadEmbedded());
    store::SqliteOptions so;
    so.path = ":memory:";
    store_ = std::move(*store::OpenSqliteStore(so));
    repo_ = std::make_unique<engine::Repository>(*store_, *defs_, clock_, random_);
    audit_ = std::make_unique<audit::AuditLog>(*store_, clock_, random_);

    ec_key_ = *auth::GenerateEcP384Key();
    rsa_key_ = *auth::GenerateRsaKey(2048);
    ClientRegistration client;
    client.client_id = kClient;
    client.name = "Pathology results feed";
    client.scopes = "system/Patient.rs system/Observation.rs";
    client.jwks_json =
        JwksOf({*auth::PublicJwk(ec_key_, "k-ec", "ES384"), *auth::PublicJwk(rsa_key_, "k-rsa")});
    client.establishments = {"NFD"};
    ASSERT_TRUE(accounts_->AddClient(client).ok());
    ClientRegistration off = client;
    off.client_id = "retired-system";
    ASSERT_TRUE(accounts_->AddClient(off).ok());
    ASSERT_TRUE(accounts_->SetClientDisabled("retired-system", true).ok());

    TokenEndpointOptions options;
    options.token_url = kTokenUrl;
    endpoint_ =
        std::move(*TokenEndpoint::Create(*accounts_, *audit_, keys_, clock_, random_, options));
  }
  void TearDown() override {
    endpoint_.reset();
    audit_.reset();
    accounts_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // Valid assertion claims for `client`; tests change them before signing.
  Value Claims(const std::string& client = kClient) {
    Value c = Value::Object();
    c.Set("iss", Value::String(client));
    c.Set("sub", Value::String(client));
    c.Set("aud", Value::String(kTokenUrl));
    c.Set("exp", Value::Integer(absl::ToUnixSeconds(clock_.Now() + absl::Minutes(4))));
    c.Set("iat", Value::Integer(absl::ToUnixSeconds(clock_.Now())));
    c.Set("jti", Value::String("jti-" + std::to_string(++jti_)));
    return c;
  }
  auth::JwsKey EcKey() { return auth::JwsKey::Asymmetric(auth::JwsAlg::kES384, ec_key_, "k-ec"); }
  auth::JwsKey RsaKey() {
    return auth::JwsKey::Asymmetric(auth::JwsAlg::kRS384, rsa_key_, "k-rsa");
  }
  std::string Sign(const Value& claims, const auth::JwsKey& key) {
    absl::StatusOr<std::string> jwt = auth::SignJwt(claims, key);
    EXPECT_TRUE(jwt.ok()) << jwt.status();
    return jwt.ok() ? *jwt : "";
  }
  std::string Body(const std::string& assertion, const std::string& scope = "system/Patient.rs",
                   const std::string& grant = "client_credentials") {
    return "grant_type=" + FormEncode(grant) + "&scope=" + FormEncode(scope) +
           "&client_assertion_type=" + FormEncode(kJwtBearerAssertionType) +
           "&client_assertion=" + FormEncode(assertion);
  }
  TokenHttpResponse Post(const std::string& body,
                         std::string_view content_type = "application/x-www-form-urlencoded") {
    TokenHttpRequest request;
    request.content_type = content_type;
    request.body = body;
    request.address = "10.0.0.7";
    return endpoint_->Handle(request);
  }
  // Posts `assertion` and expects the OAuth error `error` with `status`; returns the
  // description. The response never echoes the assertion.
  std::string Refused(const std::string& assertion, std::string_view error, int status,
                      const std::string& scope = "system/Patient.rs") {
    TokenHttpResponse r = Post(Body(assertion, scope));
    EXPECT_EQ(r.status, status) << r.body;
    Value body = Json(r.body);
    EXPECT_EQ(body.GetString("error"), error) << r.body;
    EXPECT_EQ(body.Find("access_token"), nullptr);
    if (!assertion.empty()) {
      EXPECT_EQ(r.body.find(assertion), std::string::npos);
    }
    return std::string(body.GetString("error_description"));
  }
  // Every AuditEvent stored so far.
  std::vector<Value> AuditEvents() {
    EXPECT_TRUE(audit_->Flush().ok());
    engine::SearchOptions so;
    absl::StatusOr<engine::SearchOutcome> found = audit_->Search({}, so);
    EXPECT_TRUE(found.ok()) << found.status();
    std::vector<Value> out;
    if (found.ok()) {
      for (const engine::ReadResult& r : found->matches) out.push_back(Json(r.content));
    }
    return out;
  }

  base::FakeClock clock_{absl::FromUnixSeconds(1764000000)};
  base::SeededRandom random_{7};
  std::string dir_;
  TokenKeys keys_{std::string(32, 's'), "tc-test"};
  std::unique_ptr<AccountStore> accounts_;
  std::unique_ptr<fhir::Definitions> defs_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<engine::Repository> repo_;
  std::unique_ptr<audit::AuditLog> audit_;
  std::unique_ptr<TokenEndpoint> endpoint_;
  auth::PkeyPtr ec_key_;
  auth::PkeyPtr rsa_key_;
  int jti_ = 0;
};

TEST_F(TokenEndpointTest, IssuesAShortLivedSystemTokenForAnEs384Assertion) {
  TokenHttpResponse r = Post(Body(Sign(Claims(), EcKey()), "system/Patient.rs"));
  ASSERT_EQ(r.status, 200) << r.body;
  Value body = Json(r.body);
  EXPECT_EQ(body.GetString("token_type"), "bearer");
  EXPECT_EQ(body.GetString("scope"), "system/Patient.rs");
  ASSERT_NE(body.Find("expires_in"), nullptr);
  EXPECT_EQ(body.Find("expires_in")->number_text(), "300");
  absl::StatusOr<AccessTokenClaims> token =
      VerifyAccessToken(body.GetString("access_token"), keys_, clock_);
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_EQ(token->role, auth::Role::kSystem);
  EXPECT_EQ(token->subject, kClient);
  EXPECT_EQ(token->client_id, kClient);
  EXPECT_EQ(token->name, "Pathology results feed");
  EXPECT_EQ(token->establishments, std::vector<std::string>{"NFD"});
  EXPECT_EQ(token->scope, "system/Patient.rs");
  EXPECT_EQ(token->expires - token->issued, absl::Minutes(5));
  // Short-lived: gone after five minutes (and the verifier's 5 s leeway).
  clock_.Advance(absl::Minutes(5) + absl::Seconds(6));
  EXPECT_FALSE(VerifyAccessToken(body.GetString("access_token"), keys_, clock_).ok());
}

TEST_F(TokenEndpointTest, IssuesATokenForAnRs384Assertion) {
  TokenHttpResponse r = Post(Body(Sign(Claims(), RsaKey()), "system/Observation.rs"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(r.body).GetString("scope"), "system/Observation.rs");
}

TEST_F(TokenEndpointTest, TheTokenIsAcceptedByAccessControlWithTheGrantedScopes) {
  TokenHttpResponse r =
      Post(Body(Sign(Claims(), EcKey()), "system/Patient.rs system/Observation.rs"));
  ASSERT_EQ(r.status, 200) << r.body;
  std::unique_ptr<AccessControl> control =
      std::move(*AccessControl::Create(*store_, *audit_, keys_, clock_));
  absl::StatusOr<Identity> id = control->Authenticate(
      "Bearer " + std::string(Json(r.body).GetString("access_token")), RequestContext{});
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(id->client_id, kClient);
  EXPECT_EQ(id->principal.role, auth::Role::kSystem);
  ASSERT_TRUE(id->principal.scopes.has_value());
  const auth::Scopes& scopes = *id->principal.scopes;
  EXPECT_TRUE(auth::Allows(scopes, auth::ScopeContext::kSystem, "Patient",
                           auth::ScopeInteraction::kSearch));
  EXPECT_TRUE(auth::Allows(scopes, auth::ScopeContext::kSystem, "Observation",
                           auth::ScopeInteraction::kRead));
  EXPECT_FALSE(auth::Allows(scopes, auth::ScopeContext::kSystem, "Patient",
                            auth::ScopeInteraction::kCreate));
  EXPECT_FALSE(auth::Allows(scopes, auth::ScopeContext::kSystem, "Condition",
                            auth::ScopeInteraction::kRead));
}

TEST_F(TokenEndpointTest, RefusesAnAssertionForAnotherAudience) {
  Value c = Claims();
  c.Set("aud", Value::String("https://other.example/auth/token"));
  EXPECT_NE(Refused(Sign(c, EcKey()), "invalid_client", 401).find("audience"), std::string::npos);
  // An array holding our URL is fine.
  Value both = Claims();
  Value aud = Value::MakeArray();
  aud.Append(Value::String("https://other.example"));
  aud.Append(Value::String(kTokenUrl));
  both.Set("aud", std::move(aud));
  EXPECT_EQ(Post(Body(Sign(both, EcKey()))).status, 200);
}

TEST_F(TokenEndpointTest, RefusesAnExpiredAssertion) {
  Value c = Claims();
  c.Set("exp", Value::Integer(absl::ToUnixSeconds(clock_.Now() - absl::Minutes(2))));
  EXPECT_NE(Refused(Sign(c, EcKey()), "invalid_client", 401).find("expired"), std::string::npos);
  Value none = Claims();
  none.Erase("exp");
  EXPECT_NE(Refused(Sign(none, EcKey()), "invalid_client", 401).find("exp"), std::string::npos);
}

TEST_F(TokenEndpointTest, RefusesAnAssertionValidForMoreThanFiveMinutes) {
  Value c = Claims();
  c.Set("exp", Value::Integer(absl::ToUnixSeconds(clock_.Now() + absl::Minutes(10))));
  EXPECT_NE(Refused(Sign(c, EcKey()), "invalid_client", 401).find("too far"), std::string::npos);
}

TEST_F(TokenEndpointTest, RefusesAReplayedAssertionForAsLongAsItCouldBeAccepted) {
  const std::string assertion = Sign(Claims(), EcKey());
  ASSERT_EQ(Post(Body(assertion)).status, 200);
  EXPECT_NE(Refused(assertion, "invalid_client", 401).find("used before"), std::string::npos);
  // The same jti in a freshly signed assertion, just before it (and the leeway) runs out.
  Value again = Claims();
  again.Set("jti", Value::String("jti-1"));
  clock_.Advance(absl::Minutes(4) + absl::Seconds(50));
  EXPECT_NE(Refused(Sign(again, EcKey()), "invalid_client", 401).find("used before"),
            std::string::npos);
  // A fresh jti works.
  EXPECT_EQ(Post(Body(Sign(Claims(), EcKey()))).status, 200);
}

TEST_F(TokenEndpointTest, RefusesUnknownAndDisabledClientsAlike) {
  const std::string unknown =
      Refused(Sign(Claims("no-such-client"), EcKey()), "invalid_client", 401);
  const std::string disabled =
      Refused(Sign(Claims("retired-system"), EcKey()), "invalid_client", 401);
  EXPECT_EQ(unknown, disabled);
  Value empty = Claims();
  empty.Erase("iss");
  Refused(Sign(empty, EcKey()), "invalid_client", 401);
}

TEST_F(TokenEndpointTest, RefusesAnAssertionSignedWithAnUnregisteredKey) {
  auth::JwsKey stranger =
      auth::JwsKey::Asymmetric(auth::JwsAlg::kES384, *auth::GenerateEcP384Key(), "k-ec");
  EXPECT_NE(Refused(Sign(Claims(), stranger), "invalid_client", 401).find("signature"),
            std::string::npos);
  auth::JwsKey unknown_kid =
      auth::JwsKey::Asymmetric(auth::JwsAlg::kES384, *auth::GenerateEcP384Key(), "k-other");
  EXPECT_NE(Refused(Sign(Claims(), unknown_kid), "invalid_client", 401).find("kid"),
            std::string::npos);
  // The registered EC key's kid with RS384: the kid names no RSA key.
  auth::JwsKey rsa_as_ec = auth::JwsKey::Asymmetric(auth::JwsAlg::kRS384, rsa_key_, "k-ec");
  Refused(Sign(Claims(), rsa_as_ec), "invalid_client", 401);
  // No kid at all.
  auth::JwsKey no_kid = auth::JwsKey::Asymmetric(auth::JwsAlg::kES384, ec_key_);
  EXPECT_NE(Refused(Sign(Claims(), no_kid), "invalid_client", 401).find("kid"), std::string::npos);
}

TEST_F(TokenEndpointTest, RefusesIssDifferentFromSubAndAMismatchedClientId) {
  Value c = Claims();
  c.Set("sub", Value::String("someone-else"));
  EXPECT_NE(Refused(Sign(c, EcKey()), "invalid_client", 401).find("subject"), std::string::npos);
  TokenHttpResponse r = Post(Body(Sign(Claims(), EcKey())) + "&client_id=retired-system");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(Json(r.body).GetString("error"), "invalid_client");
  EXPECT_EQ(Post(Body(Sign(Claims(), EcKey())) + "&client_id=" + kClient).status, 200);
}

TEST_F(TokenEndpointTest, RefusesHs256AndUnsignedAssertions) {
  // HMAC keyed with something an attacker might know (the public key's bytes, say).
  auth::JwsKey hs = auth::JwsKey::Hs256(std::string(32, 'k'), "k-ec");
  EXPECT_NE(Refused(Sign(Claims(), hs), "invalid_client", 401).find("RS384 or ES384"),
            std::string::npos);
  const std::string payload = fhir::WriteJson(Claims());
  const std::string none = auth::Base64UrlEncode(R"({"alg":"none","typ":"JWT","kid":"k-ec"})") +
                           "." + auth::Base64UrlEncode(payload) + ".";
  Refused(none, "invalid_client", 401);
  // An ES384 header over a payload that was changed after signing.
  const std::string good = Sign(Claims(), EcKey());
  Value forged_claims = Claims();
  forged_claims.Set("iss", Value::String(kClient));
  const size_t dot1 = good.find('.');
  const size_t dot2 = good.find('.', dot1 + 1);
  const std::string forged = good.substr(0, dot1) + "." +
                             auth::Base64UrlEncode(fhir::WriteJson(forged_claims)) +
                             good.substr(dot2);
  Refused(forged, "invalid_client", 401);
  Refused("not-a-jwt", "invalid_client", 401);
}

TEST_F(TokenEndpointTest, RefusesOtherGrantTypesAndMalformedRequests) {
  const std::string assertion = Sign(Claims(), EcKey());
  TokenHttpResponse code = Post(Body(assertion, "system/Patient.rs", "authorization_code"));
  EXPECT_EQ(code.status, 400);
  EXPECT_EQ(Json(code.body).GetString("error"), "unsupported_grant_type");
  TokenHttpResponse no_grant = Post(
      "scope=system%2FPatient.rs&client_assertion_type=" + FormEncode(kJwtBearerAssertionType) +
      "&client_assertion=" + assertion);
  EXPECT_EQ(no_grant.status, 400);
  EXPECT_EQ(Json(no_grant.body).GetString("error"), "invalid_request");
  TokenHttpResponse no_scope = Post(Body(assertion, ""));
  EXPECT_EQ(Json(no_scope.body).GetString("error"), "invalid_request");
  TokenHttpResponse json = Post(Body(assertion), "application/json");
  EXPECT_EQ(json.status, 400);
  EXPECT_EQ(Json(json.body).GetString("error"), "invalid_request");
  TokenHttpResponse twice = Post(Body(assertion) + "&scope=system%2FObservation.rs");
  EXPECT_EQ(Json(twice.body).GetString("error"), "invalid_request");
  TokenHttpResponse no_auth = Post("grant_type=client_credentials&scope=system%2FPatient.rs");
  EXPECT_EQ(no_auth.status, 401);
  EXPECT_EQ(Json(no_auth.body).GetString("error"), "invalid_client");
  TokenHttpResponse other_type = Post(
      "grant_type=client_credentials&scope=system%2FPatient.rs&client_assertion_type=urn%3Aother"
      "&client_assertion=" +
      assertion);
  EXPECT_EQ(Json(other_type.body).GetString("error"), "invalid_client");
  // None of these used the assertion up: it still works.
  EXPECT_EQ(Post(Body(assertion)).status, 200);
}

TEST_F(TokenEndpointTest, RefusesScopesTheClientIsNotRegisteredFor) {
  EXPECT_NE(Refused(Sign(Claims(), EcKey()), "invalid_scope", 400, "system/Condition.rs")
                .find("registered"),
            std::string::npos);
  // More letters than registered, a wider type, another context, not a resource scope.
  Refused(Sign(Claims(), EcKey()), "invalid_scope", 400, "system/Patient.cruds");
  Refused(Sign(Claims(), EcKey()), "invalid_scope", 400, "system/*.rs");
  Refused(Sign(Claims(), EcKey()), "invalid_scope", 400, "patient/Patient.rs user/Patient.rs");
  Refused(Sign(Claims(), EcKey()), "invalid_scope", 400, "openid fhirUser");
  Refused(Sign(Claims(), EcKey()), "invalid_scope", 400, "system/Observation.rs?category=lab");
  Refused(Sign(Claims(), EcKey()), "invalid_scope", 400, "system/Patient.sr");  // malformed
}

TEST_F(TokenEndpointTest, GrantsTheRegisteredPartOfTheRequestedScopes) {
  TokenHttpResponse r = Post(
      Body(Sign(Claims(), EcKey()),
           "system/Patient.rs system/Condition.rs system/Observation.read patient/Patient.r openid "
           "system/Patient.cruds system/Patient.rs"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(r.body).GetString("scope"), "system/Patient.rs system/Observation.rs");
}

TEST_F(TokenEndpointTest, AuditsEveryIssuanceAndRefusalWithoutTheAssertion) {
  const std::string good = Sign(Claims(), EcKey());
  ASSERT_EQ(Post(Body(good)).status, 200);
  EXPECT_EQ(Post(Body(good)).status, 401);  // replayed: refused
  Refused(Sign(Claims("no-such-client"), EcKey()), "invalid_client", 401);
  std::vector<Value> events = AuditEvents();
  ASSERT_EQ(events.size(), 3u);
  int successes = 0;
  int failures = 0;
  for (const Value& e : events) {
    const std::string text = fhir::WriteJson(e);
    EXPECT_EQ(text.find(good), std::string::npos);
    EXPECT_EQ(text.find("eyJ"), std::string::npos);  // no JWT (assertion or token) at all
    EXPECT_NE(text.find("110122"), std::string::npos) << text;  // DCM Login
    EXPECT_NE(text.find("10.0.0.7"), std::string::npos);
    if (e.GetString("outcome") == "0") {
      ++successes;
      EXPECT_NE(text.find(kClient), std::string::npos);
      EXPECT_NE(text.find("system/Patient.rs"), std::string::npos);
    } else {
      ++failures;
      EXPECT_EQ(e.GetString("outcome"), "4");
    }
  }
  EXPECT_EQ(successes, 1);
  EXPECT_EQ(failures, 2);
  // The failed attempts name the client they claimed to be.
  int named = 0;
  for (const Value& e : events) {
    const std::string text = fhir::WriteJson(e);
    if (text.find("no-such-client") != std::string::npos) ++named;
  }
  EXPECT_EQ(named, 1);
}

TEST_F(TokenEndpointTest, CreateChecksItsOptions) {
  TokenEndpointOptions options;
  EXPECT_FALSE(TokenEndpoint::Create(*accounts_, *audit_, keys_, clock_, random_, options).ok());
  options.token_url = kTokenUrl;
  options.token_lifetime = absl::Hours(2);
  EXPECT_FALSE(TokenEndpoint::Create(*accounts_, *audit_, keys_, clock_, random_, options).ok());
  options.token_lifetime = absl::Minutes(5);
  EXPECT_FALSE(TokenEndpoint::Create(*accounts_, *audit_, TokenKeys{"short", "tc-test"}, clock_,
                                     random_, options)
                   .ok());
  EXPECT_TRUE(TokenEndpoint::Create(*accounts_, *audit_, keys_, clock_, random_, options).ok());
}

TEST(TokenRequestFormTest, DecodesTheFormRules) {
  absl::StatusOr<TokenRequestForm> form = ParseTokenRequestForm(
      "Application/X-WWW-Form-Urlencoded; charset=UTF-8",
      "grant_type=client_credentials&scope=system%2FPatient.rs+system/Observation.rs&other=%41"
      "&client_id=&&client_assertion=a.b.c");
  ASSERT_TRUE(form.ok()) << form.status();
  EXPECT_EQ(form->grant_type, "client_credentials");
  EXPECT_EQ(form->scope, "system/Patient.rs system/Observation.rs");
  EXPECT_EQ(form->client_id, "");  // sent without a value: omitted
  EXPECT_EQ(form->client_assertion, "a.b.c");
  EXPECT_FALSE(ParseTokenRequestForm("application/x-www-form-urlencoded", "scope=%zz").ok());
  EXPECT_FALSE(ParseTokenRequestForm("application/x-www-form-urlencoded", "scope=a&scope=b").ok());
  EXPECT_TRUE(ParseTokenRequestForm("application/x-www-form-urlencoded", "scope=&scope=b").ok());
  EXPECT_FALSE(ParseTokenRequestForm("", "scope=a").ok());
  EXPECT_FALSE(ParseTokenRequestForm("multipart/form-data", "scope=a").ok());
}

TEST(ScopeGrantTest, GrantsRequestedScopesTheRegisteredLettersCover) {
  const auth::Scopes registered =
      *auth::ParseScopes("system/*.r system/Patient.s system/Observation.cruds");
  EXPECT_EQ(*GrantSystemScopes("system/Patient.rs", registered), "system/Patient.rs");
  EXPECT_EQ(*GrantSystemScopes("system/Encounter.rs", registered), "");
  EXPECT_EQ(*GrantSystemScopes("system/Encounter.r system/*.r system/*.rs", registered),
            "system/Encounter.r system/*.r");
  EXPECT_EQ(*GrantSystemScopes("system/Observation.write", registered), "system/Observation.cud");
  EXPECT_EQ(*GrantSystemScopes("  user/Patient.r   system/Patient.r  ", registered),
            "system/Patient.r");
  EXPECT_FALSE(GrantSystemScopes("system/Patient", registered).ok());
}

TEST(SmartConfigurationTest, AdvertisesBackendServices) {
  Value doc = Json(SmartConfigurationJson(kTokenUrl));
  EXPECT_EQ(doc.GetString("token_endpoint"), kTokenUrl);
  EXPECT_EQ(fhir::WriteJson(*doc.Find("grant_types_supported")), R"(["client_credentials"])");
  EXPECT_EQ(fhir::WriteJson(*doc.Find("token_endpoint_auth_methods_supported")),
            R"(["private_key_jwt"])");
  EXPECT_EQ(fhir::WriteJson(*doc.Find("token_endpoint_auth_signing_alg_values_supported")),
            R"(["RS384","ES384"])");
  EXPECT_EQ(fhir::WriteJson(*doc.Find("capabilities")),
            R"(["client-confidential-asymmetric","permission-v2"])");
  EXPECT_EQ(doc.Find("scopes_supported")->array()[0].string_value(), "system/*.cruds");
}

}  // namespace
}  // namespace tc::access
