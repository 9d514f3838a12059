// File: access/token_endpoint.h
//
// The OAuth 2.0 token endpoint of SMART Backend Services (SMART App Launch v2, "Backend
// Services" with "Client Authentication: Asymmetric"; issue 4, "Identity" 3): a registered
// client (access/account_store.h) trades a JWT it signed with its private key for a short-lived
// access token of this server (access/access_token.h), which AccessControl::Authenticate then
// accepts like any other.
//
// One request (access/token_request.h) is accepted when, in this order:
//   1. grant_type is client_credentials (absent: invalid_request; another: unsupported_grant_type)
//      and scope is present (invalid_request);
//   2. the client authenticates (otherwise invalid_client, HTTP 401):
//      client_assertion_type is urn:ietf:params:oauth:client-assertion-type:jwt-bearer and
//      client_assertion a compact JWT whose header has "alg" RS384 or ES384 and a "kid"; its
//      "iss" names a registered, enabled client (and equals the form's client_id when one is
//      sent); the registered JWK Set holds a key with that kid usable for that alg, and the
//      signature verifies with it (auth/jws.h: "none", HS256 and every other alg are refused);
//      sub == iss, aud holds options.token_url, exp is present, not passed and at most
//      max_assertion_lifetime ahead (both with `leeway` for clock skew), jti is present and
//      was never used by this client (AccountStore::UseJti, kept until exp + leeway, so a
//      replayed assertion is refused for as long as it could otherwise be accepted);
//   3. at least one requested scope is granted (access/scope_grant.h), otherwise invalid_scope.
// The client is authenticated before its scopes are looked at, so an assertion refused for
// its scope has still been used once.
//
// Success (200): {"access_token", "token_type": "bearer", "expires_in", "scope"} where the token
// has role `system`, subject and client_id = the client id, name = the client's name,
// establishments = the client's, scope = the granted scopes, and lives options.token_lifetime.
// Failure: {"error", "error_description"} (RFC 6749 §5.2) with 400, 401 for invalid_client, or
// 500 with error "server_error" when storage fails. Descriptions name the failed check only:
// they never quote the assertion or a token (nor do audit entries), and an unknown client and a
// disabled one get the same answer.
// Every issuance and every refusal is audited as a login (audit/audit_event.h kLogin, queued on
// the AuditLog): success with the client as agent and the granted scope and lifetime; a failure
// with outcome 4 (minor failure), the reason, and the client id the request claimed when it is
// a well-formed client id.
//
// Thread-safe (the store, audit log, clock and random are).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "access/access_token.h"
#include "access/account_store.h"
#include "audit/audit_log.h"
#include "auth/jwk.h"
#include "base/clock.h"
#include "base/random.h"
#include "http/client.h"

namespace tc::access {

inline constexpr std::string_view kClientCredentialsGrant = "client_credentials";
inline constexpr std::string_view kJwtBearerAssertionType =
    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
// The longest access-token lifetime the endpoint may be configured with.
inline constexpr absl::Duration kMaxBackendTokenLifetime = absl::Hours(1);

struct TokenEndpointOptions {
  // This endpoint's absolute URL, which every assertion's "aud" must hold.
  std::string token_url;
  // Lifetime of the access tokens issued (SMART recommends five minutes).
  absl::Duration token_lifetime = absl::Minutes(5);
  // How far ahead an assertion's "exp" may be (SMART: no more than five minutes).
  absl::Duration max_assertion_lifetime = absl::Minutes(5);
  // Clock skew allowed between the client and this server.
  absl::Duration leeway = absl::Seconds(60);
  // This server's name in audit entries (source.observer).
  std::string server_name = "throughcare";
  // Fetches a client's published JWK Set (clients registered with jwks_url); nullptr = such
  // clients cannot authenticate. Not owned; MUST outlive the endpoint.
  http::HttpClient* http = nullptr;
  // How long a fetched JWK Set is used before it is fetched again (sooner when an assertion
  // names a key it lacks, at most once a minute).
  absl::Duration jwks_cache = absl::Minutes(5);
};

// One HTTP request to the endpoint, as far as it matters here.
struct TokenHttpRequest {
  std::string_view content_type;  // the Content-Type header
  std::string_view body;          // the form body
  std::string_view address;       // the peer's IP address (for the audit)
  std::string_view request_id;    // X-Request-Id (for the audit)
};

// The answer: a JSON body (application/json; the caller adds Cache-Control: no-store).
struct TokenHttpResponse {
  int status = 200;
  std::string body;
};

struct TokenRequestForm;

class TokenEndpoint {
 public:
  struct Outcome;  // what one request came to (defined in the .cc; not part of the API)

  // References must outlive the endpoint. InvalidArgument when token_url is empty, the token
  // secret is shorter than 32 bytes or the audience empty, token_lifetime is not in
  // (0, kMaxBackendTokenLifetime], max_assertion_lifetime is not positive or leeway negative.
  static absl::StatusOr<std::unique_ptr<TokenEndpoint>> Create(
      AccountStore& accounts, audit::AuditLog& audit, TokenKeys keys, const base::Clock& clock,
      base::Random& random, TokenEndpointOptions options);

  // Handles one token request (see the file comment). Never fails: every problem is an OAuth
  // error response.
  TokenHttpResponse Handle(const TokenHttpRequest& request);

  const TokenEndpointOptions& options() const { return options_; }

 private:
  TokenEndpoint(AccountStore& accounts, audit::AuditLog& audit, TokenKeys keys,
                const base::Clock& clock, base::Random& random, TokenEndpointOptions options);
  // Steps 1–3 and the minting, without the audit.
  Outcome Decide(const TokenHttpRequest& request);
  // Authenticates the client of `form` (step 2): sets outcome.client, or refuses.
  void AuthenticateClient(const TokenRequestForm& form, Outcome& outcome);
  void Audit(const TokenHttpRequest& request, const Outcome& outcome);

  // The keys published at `url`: cached; fetched again when stale, or when `kid` is missing and
  // the last fetch is over a minute old. Empty on failure.
  std::vector<auth::Jwk> PublishedKeys(const std::string& url, const std::string& kid);

  AccountStore& accounts_;
  audit::AuditLog& audit_;
  struct CachedJwks {
    std::vector<auth::Jwk> keys;
    absl::Time fetched;
  };
  absl::Mutex jwks_mu_;
  std::map<std::string, CachedJwks> jwks_cache_ ABSL_GUARDED_BY(jwks_mu_);
  const TokenKeys keys_;
  const base::Clock& clock_;
  base::Random& random_;
  const TokenEndpointOptions options_;
};

}  // namespace tc::access
