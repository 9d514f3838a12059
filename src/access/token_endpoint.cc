#include "access/token_endpoint.h"

#include <optional>
#include <utility>
#include <vector>

#include "access/account_rules.h"
#include "access/scope_grant.h"
#include "access/token_request.h"
#include "audit/audit_event.h"
#include "auth/encoding.h"
#include "auth/jwk.h"
#include "auth/jws.h"
#include "auth/jwt_claims.h"
#include "auth/scopes.h"
#include "fhir/json.h"
#include "fhir/value.h"

namespace tc::access {

// What one request came to: an OAuth error, or the token issued.
struct TokenEndpoint::Outcome {
  std::string error;  // "" on success
  std::string description;
  std::string claimed_client;                // the client id the request named, when well-formed
  std::optional<ClientRegistration> client;  // set once the client has authenticated
  std::string scope;                         // granted
  std::string token;
};

namespace {

using fhir::Value;

constexpr std::string_view kInvalidRequest = "invalid_request";
constexpr std::string_view kInvalidClient = "invalid_client";
constexpr std::string_view kInvalidScope = "invalid_scope";
constexpr std::string_view kUnsupportedGrantType = "unsupported_grant_type";
constexpr std::string_view kServerError = "server_error";
// auth::VerifyJwt refuses longer tokens too; checked first so nothing larger is decoded.
constexpr size_t kMaxAssertionBytes = 16 * 1024;

std::string Str(absl::string_view s) { return std::string(s.data(), s.size()); }

// RFC 6749 §5.2: error_description is ASCII %x20-21 / %x23-5B / %x5D-7E.
std::string OAuthText(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '"') {
      out.push_back('\'');
    } else if (c == '\\') {
      out.push_back('/');
    } else if (c < 0x20 || c > 0x7e) {
      out.push_back('?');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// The header and claims of a compact JWT, decoded but NOT verified: only to find out which
// client's keys to verify it with. nullopt when it is not three segments of base64url JSON
// objects.
struct Unverified {
  Value header;
  Value claims;
};
std::optional<Unverified> Peek(std::string_view compact) {
  const size_t first = compact.find('.');
  if (first == std::string_view::npos) return std::nullopt;
  const size_t second = compact.find('.', first + 1);
  if (second == std::string_view::npos) return std::nullopt;
  auto object = [](std::string_view segment) -> std::optional<Value> {
    absl::StatusOr<std::string> bytes = auth::Base64UrlDecode(segment);
    if (!bytes.ok()) return std::nullopt;
    absl::StatusOr<Value> value = fhir::ParseJson(*bytes, {.max_depth = 32});
    if (!value.ok() || !value->is_object()) return std::nullopt;
    return std::move(*value);
  };
  std::optional<Value> header = object(compact.substr(0, first));
  std::optional<Value> claims = object(compact.substr(first + 1, second - first - 1));
  if (!header.has_value() || !claims.has_value()) return std::nullopt;
  return Unverified{std::move(*header), std::move(*claims)};
}

std::optional<auth::JwsAlg> AssertionAlg(std::string_view name) {
  if (name == "RS384") return auth::JwsAlg::kRS384;
  if (name == "ES384") return auth::JwsAlg::kES384;
  return std::nullopt;
}

// "token rejected: wrong audience" → "wrong audience".
std::string Reason(const absl::Status& status) {
  std::string message = Str(status.message());
  constexpr std::string_view kPrefix = "token rejected: ";
  if (message.starts_with(kPrefix)) message.erase(0, kPrefix.size());
  return message;
}

void Refuse(TokenEndpoint::Outcome& outcome, std::string_view error, std::string description) {
  outcome.error = std::string(error);
  outcome.description = std::move(description);
}

std::string ErrorJson(std::string_view error, std::string_view description) {
  Value body = Value::Object();
  body.Set("error", Value::String(std::string(error)));
  body.Set("error_description", Value::String(OAuthText(description)));
  return fhir::WriteJson(body);
}

}  // namespace

TokenEndpoint::TokenEndpoint(AccountStore& accounts, audit::AuditLog& audit, TokenKeys keys,
                             const base::Clock& clock, base::Random& random,
                             TokenEndpointOptions options)
    : accounts_(accounts),
      audit_(audit),
      keys_(std::move(keys)),
      clock_(clock),
      random_(random),
      options_(std::move(options)) {}

absl::StatusOr<std::unique_ptr<TokenEndpoint>> TokenEndpoint::Create(
    AccountStore& accounts, audit::AuditLog& audit, TokenKeys keys, const base::Clock& clock,
    base::Random& random, TokenEndpointOptions options) {
  if (options.token_url.empty()) {
    return absl::InvalidArgumentError("the token endpoint needs its own URL (token_url)");
  }
  if (keys.secret.size() < 32 || keys.audience.empty()) {
    return absl::InvalidArgumentError("the token endpoint needs a token secret and an audience");
  }
  if (options.token_lifetime <= absl::ZeroDuration() ||
      options.token_lifetime > kMaxBackendTokenLifetime) {
    return absl::InvalidArgumentError("backend access tokens must live more than 0 and at most 1h");
  }
  if (options.max_assertion_lifetime <= absl::ZeroDuration() ||
      options.leeway < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "the assertion lifetime must be positive and the leeway not negative");
  }
  return std::unique_ptr<TokenEndpoint>(
      new TokenEndpoint(accounts, audit, std::move(keys), clock, random, std::move(options)));
}

TokenHttpResponse TokenEndpoint::Handle(const TokenHttpRequest& request) {
  Outcome outcome = Decide(request);
  Audit(request, outcome);
  TokenHttpResponse response;
  if (!outcome.error.empty()) {
    response.status = outcome.error == kInvalidClient ? 401
                      : outcome.error == kServerError ? 500
                                                      : 400;
    response.body = ErrorJson(outcome.error, outcome.description);
    return response;
  }
  Value body = Value::Object();
  body.Set("access_token", Value::String(std::move(outcome.token)));
  body.Set("token_type", Value::String("bearer"));
  body.Set("expires_in", Value::Integer(absl::ToInt64Seconds(options_.token_lifetime)));
  body.Set("scope", Value::String(outcome.scope));
  response.body = fhir::WriteJson(body);
  return response;
}

TokenEndpoint::Outcome TokenEndpoint::Decide(const TokenHttpRequest& request) {
  Outcome outcome;
  absl::StatusOr<TokenRequestForm> form = ParseTokenRequestForm(request.content_type, request.body);
  if (!form.ok()) {
    Refuse(outcome, kInvalidRequest, Str(form.status().message()));
    return outcome;
  }
  if (IsValidClientId(form->client_id)) outcome.claimed_client = form->client_id;
  // 1. The grant and its parameters.
  if (form->grant_type.empty()) {
    Refuse(outcome, kInvalidRequest, "grant_type is required (client_credentials)");
    return outcome;
  }
  if (form->grant_type != kClientCredentialsGrant) {
    Refuse(outcome, kUnsupportedGrantType, "only the client_credentials grant is supported");
    return outcome;
  }
  if (form->scope.empty()) {
    Refuse(outcome, kInvalidRequest, "scope is required (space-separated system/ scopes)");
    return outcome;
  }
  // 2. The client.
  AuthenticateClient(*form, outcome);
  if (!outcome.error.empty()) return outcome;
  const ClientRegistration& client = *outcome.client;
  // 3. The scopes.
  absl::StatusOr<auth::Scopes> registered = auth::ParseScopes(client.scopes);
  if (!registered.ok()) {
    Refuse(outcome, kInvalidScope, "the client's registered scopes are unusable");
    return outcome;
  }
  absl::StatusOr<std::string> granted = GrantSystemScopes(form->scope, *registered);
  if (!granted.ok()) {
    Refuse(outcome, kInvalidScope, Str(granted.status().message()));
    return outcome;
  }
  if (granted->empty()) {
    Refuse(outcome, kInvalidScope,
           "none of the requested scopes is a system/ scope this client is registered for");
    return outcome;
  }
  // The token.
  AccessTokenClaims claims;
  claims.subject = client.client_id;
  claims.name = client.name;
  claims.client_id = client.client_id;
  claims.role = auth::Role::kSystem;
  claims.establishments = client.establishments;
  claims.scope = *granted;
  claims.issued = clock_.Now();
  claims.expires = claims.issued + options_.token_lifetime;
  absl::StatusOr<std::string> token = MintAccessToken(std::move(claims), keys_, random_);
  if (!token.ok()) {
    Refuse(outcome, kServerError, "the access token could not be issued");
    return outcome;
  }
  outcome.scope = std::move(*granted);
  outcome.token = std::move(*token);
  return outcome;
}

void TokenEndpoint::AuthenticateClient(const TokenRequestForm& form, Outcome& outcome) {
  if (form.client_assertion_type.empty() || form.client_assertion.empty()) {
    Refuse(outcome, kInvalidClient,
           "client authentication is required: client_assertion_type " +
               std::string(kJwtBearerAssertionType) + " and a signed client_assertion");
    return;
  }
  if (form.client_assertion_type != kJwtBearerAssertionType) {
    Refuse(outcome, kInvalidClient,
           "client_assertion_type must be " + std::string(kJwtBearerAssertionType));
    return;
  }
  const std::string_view assertion = form.client_assertion;
  std::optional<Unverified> peeked;
  if (assertion.size() <= kMaxAssertionBytes) peeked = Peek(assertion);
  if (!peeked.has_value()) {
    Refuse(outcome, kInvalidClient, "the client assertion is not a well-formed JWT");
    return;
  }
  const std::string issuer(peeked->claims.GetString("iss"));
  if (IsValidClientId(issuer)) outcome.claimed_client = issuer;
  if (!form.client_id.empty() && form.client_id != issuer) {
    Refuse(outcome, kInvalidClient, "client_id does not match the client assertion's iss");
    return;
  }
  const std::optional<auth::JwsAlg> alg = AssertionAlg(peeked->header.GetString("alg"));
  if (!alg.has_value()) {
    Refuse(outcome, kInvalidClient, "the client assertion must be signed with RS384 or ES384");
    return;
  }
  const std::string kid(peeked->header.GetString("kid"));
  if (kid.empty()) {
    Refuse(outcome, kInvalidClient, "the client assertion's header must name its key (kid)");
    return;
  }
  std::optional<ClientRegistration> client;
  if (IsValidClientId(issuer)) {
    absl::StatusOr<std::optional<ClientRegistration>> found = accounts_.GetClient(issuer);
    if (!found.ok()) {
      Refuse(outcome, kServerError, "the client registry is unavailable");
      return;
    }
    client = std::move(*found);
  }
  if (!client.has_value() || client->disabled) {
    Refuse(outcome, kInvalidClient, "the assertion's iss is not an enabled registered client");
    return;
  }
  // A "jku" must be the client's registered JWK Set URL (never fetch a URL the token names).
  const std::string jku(peeked->header.GetString("jku"));
  if (!jku.empty() && jku != client->jwks_url) {
    Refuse(outcome, kInvalidClient,
           "the assertion's jku is not the client's registered JWK Set URL");
    return;
  }
  // The registered keys, and those the client publishes, with the header's kid that fit its alg.
  std::vector<auth::Jwk> candidates;
  if (!client->jwks_json.empty()) {
    if (absl::StatusOr<std::vector<auth::Jwk>> jwks = auth::ParseJwks(client->jwks_json);
        jwks.ok()) {
      candidates = std::move(*jwks);
    }
  }
  if (!client->jwks_url.empty()) {
    for (auth::Jwk& k : PublishedKeys(client->jwks_url, kid)) candidates.push_back(std::move(k));
  }
  std::vector<auth::JwsKey> keys;
  {
    for (const auth::Jwk& jwk : candidates) {
      if (jwk.kid != kid) continue;
      if (absl::StatusOr<auth::JwsKey> key = auth::JwsKeyFromJwk(jwk, *alg); key.ok()) {
        keys.push_back(*std::move(key));
      }
    }
  }
  if (keys.empty()) {
    Refuse(outcome, kInvalidClient,
           "no key registered for this client has the assertion's kid and fits " +
               std::string(auth::JwsAlgName(*alg)));
    return;
  }
  absl::StatusOr<auth::VerifiedJwt> verified = auth::VerifyJwt(assertion, keys);
  if (!verified.ok()) {
    Refuse(outcome, kInvalidClient, "client assertion refused: " + Reason(verified.status()));
    return;
  }
  auth::ClaimExpectations expected;
  expected.issuer = client->client_id;
  expected.subject = client->client_id;
  expected.audience = options_.token_url;
  expected.leeway = options_.leeway;
  expected.require_exp = true;
  expected.require_jti = true;
  expected.max_lifetime = options_.max_assertion_lifetime;
  if (absl::Status s = auth::CheckClaims(verified->claims, expected, clock_); !s.ok()) {
    Refuse(outcome, kInvalidClient, "client assertion refused: " + Reason(s));
    return;
  }
  // Replay: the jti is remembered for as long as CheckClaims would accept the assertion.
  absl::StatusOr<std::optional<absl::Time>> exp = auth::NumericDateClaim(verified->claims, "exp");
  if (!exp.ok() || !exp->has_value()) {
    Refuse(outcome, kInvalidClient, "client assertion refused: no exp");
    return;
  }
  absl::Status used = accounts_.UseJti(client->client_id, verified->claims.GetString("jti"),
                                       **exp + options_.leeway);
  if (absl::IsAlreadyExists(used)) {
    Refuse(outcome, kInvalidClient,
           "client assertion refused: its jti has been used before (a replayed assertion)");
    return;
  }
  if (absl::IsInvalidArgument(used)) {
    Refuse(outcome, kInvalidClient, "client assertion refused: jti longer than 1024 bytes");
    return;
  }
  if (!used.ok()) {
    Refuse(outcome, kServerError, "the client registry is unavailable");
    return;
  }
  outcome.client = std::move(client);
}

void TokenEndpoint::Audit(const TokenHttpRequest& request, const Outcome& outcome) {
  audit::AuditRecord record;
  record.kind = audit::AuditKind::kLogin;
  record.recorded = clock_.Now();
  record.server = options_.server_name;
  record.request_id = std::string(request.request_id);
  record.agent.address = std::string(request.address);
  if (outcome.error.empty()) {
    const ClientRegistration& client = *outcome.client;
    record.outcome = audit::AuditOutcome::kSuccess;
    record.agent.user_id = client.client_id;
    record.agent.name = client.name;
    record.agent.role_id = std::string(auth::RoleId(auth::Role::kSystem));
    record.agent.reference = "Device/" + client.client_id;
    record.outcome_description =
        "access token issued by the token endpoint (SMART Backend "
        "Services, client credentials) for " +
        absl::FormatDuration(options_.token_lifetime) + ", scope " + outcome.scope;
  } else {
    record.outcome = outcome.error == kServerError ? audit::AuditOutcome::kSeriousFailure
                                                   : audit::AuditOutcome::kMinorFailure;
    record.agent.user_id = outcome.claimed_client;
    record.outcome_description =
        "token request refused (" + outcome.error + "): " + OAuthText(outcome.description);
  }
  if (absl::StatusOr<Value> event = audit::BuildAuditEvent(record); event.ok()) {
    audit_.Enqueue(std::move(*event));
  }
}

std::vector<auth::Jwk> TokenEndpoint::PublishedKeys(const std::string& url,
                                                    const std::string& kid) {
  const absl::Time now = clock_.Now();
  {
    absl::MutexLock lock(&jwks_mu_);
    auto it = jwks_cache_.find(url);
    if (it != jwks_cache_.end()) {
      const bool fresh = now - it->second.fetched < options_.jwks_cache;
      bool has_kid = false;
      for (const auth::Jwk& k : it->second.keys) has_kid |= k.kid == kid;
      if (fresh && (has_kid || now - it->second.fetched < absl::Minutes(1))) return it->second.keys;
    }
  }
  if (options_.http == nullptr) return {};
  http::ClientRequest request;
  request.method = "GET";
  request.url = url;
  request.headers.emplace_back("Accept", "application/json");
  absl::StatusOr<http::ClientResponse> response = options_.http->Send(request);
  std::vector<auth::Jwk> keys;
  if (response.ok() && response->status == 200) {
    if (absl::StatusOr<std::vector<auth::Jwk>> parsed = auth::ParseJwks(response->body);
        parsed.ok()) {
      keys = std::move(*parsed);
    }
  }
  absl::MutexLock lock(&jwks_mu_);
  jwks_cache_[url] = CachedJwks{keys, now};
  return keys;
}

}  // namespace tc::access
