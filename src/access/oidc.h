// File: access/oidc.h
//
// OpenID Connect sign-in for staff (issue 4, "Identity" 1; DESIGN.md decision 10): a relying
// party for the authorization code flow with PKCE (OpenID Connect Core 1.0 §3.1, RFC 7636), so
// a deployment can use NHS CIS2 or any OpenID provider. Confidential client: the client secret
// is sent to the token endpoint (client_secret_basic or client_secret_post).
//
//   Start()  — discovery (<issuer>/.well-known/openid-configuration, cached for
//              `discovery_ttl`; its "issuer" must equal the configured one exactly), then a
//              fresh random state, nonce and PKCE code_verifier (43 base64url characters,
//              S256 challenge). Returns the authorization URL and the OidcPending values the
//              browser must carry back: the web layer seals them into a short-lived HttpOnly
//              pre-session cookie (SealPending: HMAC-SHA256 with the server secret, so the
//              browser can neither read a different state into it nor forge one).
//   Finish() — checks the returned state against the pending one (constant time), exchanges
//              the code at the token endpoint with the code_verifier, and validates the ID
//              token (ValidateIdToken): signature with the provider's JWKS (RS256 for RSA keys,
//              ES384 for P-384 keys; the JWKS is fetched again once when a token names an
//              unknown "kid", for key rotation), "iss" == issuer, "aud" holds client_id (and
//              "azp" == client_id when present or when there are several audiences), "exp" and
//              "iat" within `leeway`, "iat" not older than `max_token_age`, "nonce" == the
//              pending nonce, "sub" present. Returns the identity (issuer + sub and display
//              claims).
// Mapping the identity to a local account (AccountStore::CheckOidcLogin: explicit links only)
// and creating the session is the web layer's job (web/web_app.h).
//
// Errors: Unauthenticated for anything the browser or the provider got wrong (state mismatch,
// expired pending sign-in, a refused code, an invalid ID token — the message says which check
// failed); Unavailable when the provider cannot be reached or answers nonsense;
// InvalidArgument for a bad configuration at Create. Messages never contain the client
// secret, the code, the verifier or a token.
// Time, randomness and HTTP are injected (DESIGN.md decision 8). Thread-safe.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "auth/jws.h"
#include "base/clock.h"
#include "base/random.h"
#include "http/client.h"

namespace tc::access {

enum class OidcClientAuth { kClientSecretBasic, kClientSecretPost };

struct OidcConfig {
  std::string issuer;  // the provider's issuer URL, exactly as its ID tokens' "iss"
  std::string client_id;
  std::string client_secret;
  OidcClientAuth client_auth = OidcClientAuth::kClientSecretBasic;
  std::string redirect_uri;  // <public base URL>/login/oidc/callback
  std::string scopes = "openid profile email";
  std::string display_name = "your organisation";  // "Sign in with <display_name>"
  absl::Duration leeway = absl::Seconds(60);
  absl::Duration max_token_age = absl::Minutes(10);
  absl::Duration discovery_ttl = absl::Hours(1);
  absl::Duration pending_lifetime = absl::Minutes(10);  // from Start to the callback
};

// What the browser carries from Start to the callback (sealed in the pre-session cookie).
struct OidcPending {
  std::string state;
  std::string nonce;
  std::string code_verifier;
  absl::Time expires;
};

struct OidcStart {
  std::string authorization_url;
  OidcPending pending;
};

// The provider's endpoints (OpenID Connect Discovery 1.0 §3).
struct OidcProviderMetadata {
  std::string issuer;
  std::string authorization_endpoint;
  std::string token_endpoint;
  std::string jwks_uri;
};

struct OidcIdentity {
  std::string issuer;
  std::string subject;  // "sub"
  std::string name;     // "name", "" when absent
  std::string preferred_username;
  std::string email;
};

// ---- Pure pieces, public for tests ---------------------------------------------------------

// A new code_verifier: 43 base64url characters (32 random bytes).
std::string NewPkceVerifier(base::Random& random);
// The S256 code_challenge: base64url(SHA-256(verifier)) (RFC 7636 §4.2).
std::string PkceChallengeS256(std::string_view verifier);

// The pre-session cookie value: base64url(JSON) "." base64url(HMAC-SHA256(secret, JSON)), a
// cookie token. `secret`: at least 32 bytes.
std::string SealPending(const OidcPending& pending, std::string_view secret);
// Unauthenticated when the value was not made by SealPending with `secret` or has expired.
absl::StatusOr<OidcPending> OpenPending(std::string_view sealed, std::string_view secret,
                                        absl::Time now);

struct IdTokenExpectations {
  std::string issuer;
  std::string client_id;
  std::string nonce;
  absl::Duration leeway = absl::Seconds(60);
  absl::Duration max_token_age = absl::Minutes(10);
};

// Validates an ID token as described in the file comment (Unauthenticated on any failure).
absl::StatusOr<OidcIdentity> ValidateIdToken(std::string_view id_token,
                                             std::span<const auth::JwsKey> keys,
                                             const IdTokenExpectations& expected,
                                             const base::Clock& clock);

// The verification keys of a JWK Set document: RS256 for RSA keys, ES384 for EC P-384 keys
// (keys restricted to another algorithm or use are skipped). Unavailable when the document is
// not a JWK Set or holds no usable key.
absl::StatusOr<std::vector<auth::JwsKey>> OidcKeysFromJwks(std::string_view jwks_json);

// ---- The relying party -----------------------------------------------------------------------

class OidcRelyingParty {
 public:
  // InvalidArgument when the issuer or redirect URI is not an http(s) URL, the client id or
  // secret is empty, or the scopes lack "openid". `http`, `clock` and `random` must outlive it.
  static absl::StatusOr<std::unique_ptr<OidcRelyingParty>> Create(OidcConfig config,
                                                                  http::HttpClient& http,
                                                                  const base::Clock& clock,
                                                                  base::Random& random);

  absl::StatusOr<OidcStart> Start();
  // `state` and `code`: the callback's query parameters.
  absl::StatusOr<OidcIdentity> Finish(const OidcPending& pending, std::string_view state,
                                      std::string_view code);

  const OidcConfig& config() const { return config_; }

 private:
  OidcRelyingParty(OidcConfig config, http::HttpClient& http, const base::Clock& clock,
                   base::Random& random)
      : config_(std::move(config)), http_(http), clock_(clock), random_(random) {}

  // The cached metadata, fetched when missing or older than discovery_ttl.
  absl::StatusOr<OidcProviderMetadata> Metadata();
  // The cached keys; `refresh` fetches them again (at most once a minute).
  absl::StatusOr<std::vector<auth::JwsKey>> Keys(const OidcProviderMetadata& metadata,
                                                 bool refresh);
  absl::StatusOr<std::string> ExchangeCode(const OidcProviderMetadata& metadata,
                                           std::string_view code, std::string_view verifier);

  const OidcConfig config_;
  http::HttpClient& http_;
  const base::Clock& clock_;
  base::Random& random_;

  absl::Mutex mu_;
  std::optional<OidcProviderMetadata> metadata_ ABSL_GUARDED_BY(mu_);
  absl::Time metadata_fetched_ ABSL_GUARDED_BY(mu_);
  std::vector<auth::JwsKey> keys_ ABSL_GUARDED_BY(mu_);
  absl::Time keys_fetched_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

}  // namespace tc::access
