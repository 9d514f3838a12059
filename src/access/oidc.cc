#include "access/oidc.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cstdint>
#include <utility>

#include "absl/status/status.h"
#include "auth/encoding.h"
#include "auth/hmac.h"
#include "auth/jwk.h"
#include "auth/jwt_claims.h"
#include "base/status_macros.h"
#include "fhir/json.h"
#include "http/url.h"

namespace tc::access {
namespace {

constexpr std::string_view kSealContext = "throughcare oidc pending v1|";

std::string Text(const absl::Status& s) {
  return std::string(s.message().data(), s.message().size());
}

std::string RandomBytes(base::Random& random, size_t n) {
  std::string bytes;
  while (bytes.size() < n) {
    const uint64_t v = random.Next64();
    for (int b = 0; b < 8 && bytes.size() < n; ++b) {
      bytes.push_back(static_cast<char>((v >> (8 * b)) & 0xff));
    }
  }
  return bytes;
}

std::string RandomToken(base::Random& random) {
  return auth::Base64UrlEncode(RandomBytes(random, 32));
}

absl::Status Refused(std::string_view why) {
  return absl::UnauthenticatedError(std::string("OpenID Connect sign-in refused: ").append(why));
}

absl::Status ProviderError(std::string_view why) {
  return absl::UnavailableError(std::string("identity provider: ").append(why));
}

// Standard base64 with padding (for HTTP Basic authentication).
std::string Base64Padded(std::string_view bytes) {
  std::string out = auth::Base64NoPadEncode(bytes);
  while (out.size() % 4 != 0) out.push_back('=');
  return out;
}

std::string TrimSlash(std::string s) {
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

// An endpoint URL from discovery: an http(s) URL, https whenever the issuer is https.
absl::StatusOr<std::string> Endpoint(const fhir::Value& doc, std::string_view name,
                                     bool require_https) {
  std::string url(doc.GetString(name));
  absl::StatusOr<http::Url> parsed = http::ParseUrl(url);
  if (url.empty() || !parsed.ok() || (require_https && parsed->scheme != "https")) {
    return ProviderError(std::string("discovery document has no usable \"").append(name) + "\"");
  }
  return url;
}

absl::StatusOr<fhir::Value> JsonObject(const http::ClientResponse& response,
                                       std::string_view what) {
  absl::StatusOr<fhir::Value> doc = fhir::ParseJson(response.body, {.max_depth = 32});
  if (!doc.ok() || !doc->is_object()) {
    return ProviderError(std::string(what).append(" is not a JSON object"));
  }
  return doc;
}

}  // namespace

std::string NewPkceVerifier(base::Random& random) { return RandomToken(random); }

std::string PkceChallengeS256(std::string_view verifier) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(verifier.data(), verifier.size(), digest, &len, EVP_sha256(), nullptr);
  return auth::Base64UrlEncode(std::string_view(reinterpret_cast<const char*>(digest), len));
}

std::string SealPending(const OidcPending& pending, std::string_view secret) {
  fhir::Value v = fhir::Value::Object();
  v.Set("s", fhir::Value::String(pending.state));
  v.Set("n", fhir::Value::String(pending.nonce));
  v.Set("v", fhir::Value::String(pending.code_verifier));
  v.Set("e", fhir::Value::Integer(absl::ToUnixSeconds(pending.expires)));
  const std::string json = fhir::WriteJson(v);
  absl::StatusOr<std::string> tag =
      auth::Hmac(auth::HmacHash::kSha256, secret, std::string(kSealContext).append(json));
  return auth::Base64UrlEncode(json) + "." + auth::Base64UrlEncode(tag.ok() ? *tag : "");
}

absl::StatusOr<OidcPending> OpenPending(std::string_view sealed, std::string_view secret,
                                        absl::Time now) {
  const size_t dot = sealed.find('.');
  if (dot == std::string_view::npos || sealed.size() > 4096)
    return Refused("no sign-in in progress");
  absl::StatusOr<std::string> json = auth::Base64UrlDecode(sealed.substr(0, dot));
  absl::StatusOr<std::string> tag = auth::Base64UrlDecode(sealed.substr(dot + 1));
  if (!json.ok() || !tag.ok()) return Refused("no sign-in in progress");
  absl::StatusOr<std::string> expected =
      auth::Hmac(auth::HmacHash::kSha256, secret, std::string(kSealContext).append(*json));
  if (!expected.ok() || !auth::ConstantTimeEquals(*expected, *tag)) {
    return Refused("the sign-in cookie was not made by this server");
  }
  absl::StatusOr<fhir::Value> v = fhir::ParseJson(*json);
  if (!v.ok() || !v->is_object()) return Refused("the sign-in cookie is malformed");
  OidcPending pending;
  pending.state = std::string(v->GetString("s"));
  pending.nonce = std::string(v->GetString("n"));
  pending.code_verifier = std::string(v->GetString("v"));
  absl::StatusOr<std::optional<absl::Time>> expires = auth::NumericDateClaim(*v, "e");
  if (!expires.ok() || !expires->has_value() || pending.state.empty() || pending.nonce.empty() ||
      pending.code_verifier.empty()) {
    return Refused("the sign-in cookie is malformed");
  }
  pending.expires = **expires;
  if (pending.expires <= now) return Refused("the sign-in took too long; start again");
  return pending;
}

absl::StatusOr<OidcIdentity> ValidateIdToken(std::string_view id_token,
                                             std::span<const auth::JwsKey> keys,
                                             const IdTokenExpectations& expected,
                                             const base::Clock& clock) {
  absl::StatusOr<auth::VerifiedJwt> jwt = auth::VerifyJwt(id_token, keys);
  if (!jwt.ok()) return Refused(std::string("ID token: ").append(Text(jwt.status())));
  const fhir::Value& claims = jwt->claims;
  auth::ClaimExpectations ce;
  ce.issuer = expected.issuer;
  ce.audience = expected.client_id;
  ce.leeway = expected.leeway;
  ce.require_exp = true;
  ce.require_iat = true;
  if (absl::Status s = auth::CheckClaims(claims, ce, clock); !s.ok()) {
    return Refused(std::string("ID token: ").append(Text(s)));
  }
  absl::StatusOr<std::optional<absl::Time>> iat = auth::NumericDateClaim(claims, "iat");
  if (iat.ok() && iat->has_value() &&
      **iat < clock.Now() - expected.max_token_age - expected.leeway) {
    return Refused("ID token: issued too long ago");
  }
  // "azp" (Core §3.1.3.7 items 4–5): required with several audiences, must be us when present.
  const fhir::Value* aud = claims.Find("aud");
  const fhir::Value* azp = claims.Find("azp");
  const bool several = aud != nullptr && aud->is_array() && aud->array().size() > 1;
  if ((several && azp == nullptr) ||
      (azp != nullptr && (!azp->is_string() || azp->string_value() != expected.client_id))) {
    return Refused("ID token: \"azp\" is not this client");
  }
  const fhir::Value* nonce = claims.Find("nonce");
  if (nonce == nullptr || !nonce->is_string() || expected.nonce.empty() ||
      !auth::ConstantTimeEquals(nonce->string_value(), expected.nonce)) {
    return Refused("ID token: \"nonce\" does not match this sign-in");
  }
  OidcIdentity identity;
  identity.issuer = expected.issuer;
  identity.subject = std::string(claims.GetString("sub"));
  if (identity.subject.empty() || identity.subject.size() > 255) {
    return Refused("ID token: no usable \"sub\"");
  }
  identity.name = std::string(claims.GetString("name"));
  identity.preferred_username = std::string(claims.GetString("preferred_username"));
  identity.email = std::string(claims.GetString("email"));
  return identity;
}

absl::StatusOr<std::vector<auth::JwsKey>> OidcKeysFromJwks(std::string_view jwks_json) {
  absl::StatusOr<std::vector<auth::Jwk>> jwks = auth::ParseJwks(jwks_json);
  if (!jwks.ok()) return ProviderError(std::string("JWKS: ").append(Text(jwks.status())));
  std::vector<auth::JwsKey> keys;
  for (const auth::Jwk& jwk : *jwks) {
    const auth::JwsAlg alg =
        jwk.type == auth::KeyType::kRsa ? auth::JwsAlg::kRS256 : auth::JwsAlg::kES384;
    absl::StatusOr<auth::JwsKey> key = auth::JwsKeyFromJwk(jwk, alg);
    if (key.ok()) keys.push_back(*std::move(key));
  }
  if (keys.empty()) return ProviderError("JWKS holds no RS256 or ES384 signing key");
  return keys;
}

absl::StatusOr<std::unique_ptr<OidcRelyingParty>> OidcRelyingParty::Create(OidcConfig config,
                                                                           http::HttpClient& http,
                                                                           const base::Clock& clock,
                                                                           base::Random& random) {
  if (!http::ParseUrl(config.issuer).ok()) {
    return absl::InvalidArgumentError("OpenID Connect: the issuer must be an https:// URL");
  }
  if (!http::ParseUrl(config.redirect_uri).ok()) {
    return absl::InvalidArgumentError("OpenID Connect: the redirect URI must be an http(s) URL");
  }
  if (config.client_id.empty() || config.client_secret.empty()) {
    return absl::InvalidArgumentError("OpenID Connect: a client id and secret are required");
  }
  if (std::string(" " + config.scopes + " ").find(" openid ") == std::string::npos) {
    return absl::InvalidArgumentError("OpenID Connect: the scopes must include \"openid\"");
  }
  return std::unique_ptr<OidcRelyingParty>(
      new OidcRelyingParty(std::move(config), http, clock, random));
}

absl::StatusOr<OidcProviderMetadata> OidcRelyingParty::Metadata() {
  {
    absl::MutexLock lock(&mu_);
    if (metadata_.has_value() && clock_.Now() - metadata_fetched_ < config_.discovery_ttl) {
      return *metadata_;
    }
  }
  const std::string url = TrimSlash(config_.issuer) + "/.well-known/openid-configuration";
  TC_ASSIGN_OR_RETURN(
      http::ClientResponse response,
      http_.Send({.method = "GET", .url = url, .headers = {{"Accept", "application/json"}}}));
  if (response.status != 200) {
    return ProviderError("discovery answered HTTP " + std::to_string(response.status));
  }
  TC_ASSIGN_OR_RETURN(fhir::Value doc, JsonObject(response, "discovery document"));
  OidcProviderMetadata m;
  m.issuer = std::string(doc.GetString("issuer"));
  if (m.issuer != config_.issuer) {
    return ProviderError("discovery \"issuer\" is not the configured issuer");
  }
  const bool https = config_.issuer.starts_with("https://");
  TC_ASSIGN_OR_RETURN(m.authorization_endpoint, Endpoint(doc, "authorization_endpoint", https));
  TC_ASSIGN_OR_RETURN(m.token_endpoint, Endpoint(doc, "token_endpoint", https));
  TC_ASSIGN_OR_RETURN(m.jwks_uri, Endpoint(doc, "jwks_uri", https));
  absl::MutexLock lock(&mu_);
  if (metadata_.has_value() && metadata_->jwks_uri != m.jwks_uri) keys_.clear();
  metadata_ = m;
  metadata_fetched_ = clock_.Now();
  return m;
}

absl::StatusOr<std::vector<auth::JwsKey>> OidcRelyingParty::Keys(
    const OidcProviderMetadata& metadata, bool refresh) {
  {
    absl::MutexLock lock(&mu_);
    const bool recent = clock_.Now() - keys_fetched_ < absl::Minutes(1);
    if (!keys_.empty() && (!refresh || recent)) return keys_;
  }
  TC_ASSIGN_OR_RETURN(http::ClientResponse response,
                      http_.Send({.method = "GET",
                                  .url = metadata.jwks_uri,
                                  .headers = {{"Accept", "application/json"}}}));
  if (response.status != 200) {
    return ProviderError("JWKS answered HTTP " + std::to_string(response.status));
  }
  TC_ASSIGN_OR_RETURN(std::vector<auth::JwsKey> keys, OidcKeysFromJwks(response.body));
  absl::MutexLock lock(&mu_);
  keys_ = keys;
  keys_fetched_ = clock_.Now();
  return keys;
}

absl::StatusOr<OidcStart> OidcRelyingParty::Start() {
  TC_ASSIGN_OR_RETURN(OidcProviderMetadata metadata, Metadata());
  OidcStart start;
  start.pending.state = RandomToken(random_);
  start.pending.nonce = RandomToken(random_);
  start.pending.code_verifier = NewPkceVerifier(random_);
  start.pending.expires = clock_.Now() + config_.pending_lifetime;
  const std::string query = http::FormEncode({
      {"response_type", "code"},
      {"client_id", config_.client_id},
      {"redirect_uri", config_.redirect_uri},
      {"scope", config_.scopes},
      {"state", start.pending.state},
      {"nonce", start.pending.nonce},
      {"code_challenge", PkceChallengeS256(start.pending.code_verifier)},
      {"code_challenge_method", "S256"},
  });
  start.authorization_url =
      metadata.authorization_endpoint +
      (metadata.authorization_endpoint.find('?') == std::string::npos ? "?" : "&") + query;
  return start;
}

absl::StatusOr<std::string> OidcRelyingParty::ExchangeCode(const OidcProviderMetadata& metadata,
                                                           std::string_view code,
                                                           std::string_view verifier) {
  std::vector<std::pair<std::string, std::string>> form = {
      {"grant_type", "authorization_code"},
      {"code", std::string(code)},
      {"redirect_uri", config_.redirect_uri},
      {"code_verifier", std::string(verifier)},
  };
  http::ClientRequest request{.method = "POST", .url = metadata.token_endpoint};
  request.headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                     {"Accept", "application/json"}};
  if (config_.client_auth == OidcClientAuth::kClientSecretBasic) {
    request.headers.emplace_back(
        "Authorization", "Basic " + Base64Padded(http::PercentEncode(config_.client_id) + ":" +
                                                 http::PercentEncode(config_.client_secret)));
  } else {
    form.emplace_back("client_id", config_.client_id);
    form.emplace_back("client_secret", config_.client_secret);
  }
  request.body = http::FormEncode(form);
  TC_ASSIGN_OR_RETURN(http::ClientResponse response, http_.Send(request));
  if (response.status == 400 || response.status == 401) {
    absl::StatusOr<fhir::Value> error = fhir::ParseJson(response.body);
    std::string code_text = error.ok() && error->is_object()
                                ? std::string(error->GetString("error"))
                                : std::string("HTTP ") + std::to_string(response.status);
    // Only the error code (a token like invalid_grant), never the description.
    if (code_text.size() > 64) code_text.resize(64);
    return Refused("the identity provider refused the code (" + code_text + ")");
  }
  if (response.status != 200) {
    return ProviderError("token endpoint answered HTTP " + std::to_string(response.status));
  }
  TC_ASSIGN_OR_RETURN(fhir::Value doc, JsonObject(response, "token response"));
  std::string id_token(doc.GetString("id_token"));
  if (id_token.empty()) return Refused("the token response has no ID token");
  return id_token;
}

absl::StatusOr<OidcIdentity> OidcRelyingParty::Finish(const OidcPending& pending,
                                                      std::string_view state,
                                                      std::string_view code) {
  if (pending.state.empty() || !auth::ConstantTimeEquals(pending.state, state)) {
    return Refused("the state does not match this browser's sign-in");
  }
  if (pending.expires <= clock_.Now()) return Refused("the sign-in took too long; start again");
  if (code.empty() || code.size() > 2048) return Refused("no authorization code");
  TC_ASSIGN_OR_RETURN(OidcProviderMetadata metadata, Metadata());
  TC_ASSIGN_OR_RETURN(std::string id_token, ExchangeCode(metadata, code, pending.code_verifier));
  IdTokenExpectations expected;
  expected.issuer = config_.issuer;
  expected.client_id = config_.client_id;
  expected.nonce = pending.nonce;
  expected.leeway = config_.leeway;
  expected.max_token_age = config_.max_token_age;
  TC_ASSIGN_OR_RETURN(std::vector<auth::JwsKey> keys, Keys(metadata, false));
  absl::StatusOr<OidcIdentity> identity = ValidateIdToken(id_token, keys, expected, clock_);
  if (!identity.ok() && Text(identity.status()).find("kid") != std::string::npos) {
    // The provider may have rotated its keys since we fetched them.
    TC_ASSIGN_OR_RETURN(keys, Keys(metadata, true));
    identity = ValidateIdToken(id_token, keys, expected, clock_);
  }
  return identity;
}

}  // namespace tc::access
