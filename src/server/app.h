// File: server/app.h
//
// The composition root (DESIGN.md: server/ is the only place that wires modules together): opens
// the store, loads the definitions, builds the repository and the APIs, and routes HTTP requests
// to them. Nothing depends on this module.
//
//   TC_ASSIGN_OR_RETURN(auto app, App::Open({.data_dir = "var"}));
//   http::Response r = app->Handle(request);
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "access/access_control.h"
#include "access/account_store.h"
#include "access/oidc.h"
#include "access/token_endpoint.h"
#include "audit/audit_log.h"
#include "base/clock.h"
#include "base/random.h"
#include "engine/reindex.h"
#include "engine/repository.h"
#include "fhir/definitions.h"
#include "http/client.h"
#include "http/message.h"
#include "rest/fhir_api.h"
#include "store/store.h"
#include "web/web_app.h"

namespace tc::server {

struct AppOptions {
  std::string data_dir = "var";  // the embedded store lives in <data_dir>/throughcare.db
  std::string base_path = "/fhir";
  // What clients see as the FHIR base; "" = http://127.0.0.1:8080<base_path> (`serve` sets it to
  // http[s]://<address>:<port><base_path> unless --base-url is given).
  std::string base_url;
  // Continue an unfinished reindex in the background at start-up (the CLI's `reindex` runs it
  // in the foreground instead).
  bool resume_reindex = true;
  // Every FHIR request needs a bearer token and is decided by the access policy and audited.
  // Off only for benchmarks measuring its cost and engine-only tests (a loud warning is printed
  // by `serve --no-access-control`).
  bool access_control = true;
  // SMART Backend Services: the token endpoint's URL (the "aud" of client assertions); "" =
  // derived from base_url (server/smart_routes.h TokenUrlFor: <root>/auth/token).
  std::string token_url;
  // Lifetime of the access tokens the token endpoint issues (at most
  // access::kMaxBackendTokenLifetime).
  absl::Duration backend_token_lifetime = absl::Minutes(5);
  // Web session cookies carry Secure (set when serving TLS).
  bool secure_cookies = false;
  // OpenID Connect sign-in for staff (access/oidc.h); off when `oidc_issuer` is empty. The
  // redirect URI is <root of base_url>/login/oidc/callback.
  std::string oidc_issuer;
  std::string oidc_client_id;
  std::string oidc_client_secret;  // never logged
  std::string oidc_name = "your organisation";
  access::OidcClientAuth oidc_client_auth = access::OidcClientAuth::kClientSecretBasic;
  std::string oidc_ca_file;  // PEM trust anchors for the provider; "" = the system store
};

class App {
 public:
  static absl::StatusOr<std::unique_ptr<App>> Open(const AppOptions& options);

  // Handles one HTTP request (FHIR API; SMART Backend Services token endpoint and
  // .well-known/smart-configuration, server/smart_routes.h; web pages and /assets; /healthz).
  // Thread-safe.
  http::Response Handle(const http::Request& request);
  // Cheap requests that may run on the I/O thread (reads by id, health checks, assets).
  bool RunInline(const http::Request& request) const;

  engine::Repository& repository() { return *repository_; }
  engine::Reindexer& reindexer() { return *reindexer_; }
  access::AccountStore& accounts() { return *accounts_; }
  audit::AuditLog& audit_log() { return *audit_log_; }
  access::AccessControl& access_control() { return *access_; }
  access::TokenEndpoint& token_endpoint() { return *token_endpoint_; }
  const base::Clock& clock() const { return clock_; }
  base::Random& random() { return random_; }
  const fhir::Definitions& definitions() const { return *definitions_; }

 private:
  App() = default;
  // "/.well-known/smart-configuration" or "<base_path>/.well-known/smart-configuration".
  bool IsSmartConfigurationPath(const std::string& path) const;
  AppOptions options_;
  base::SystemClock clock_;
  base::SystemRandom random_;
  std::unique_ptr<fhir::Definitions> definitions_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<engine::Repository> repository_;
  std::unique_ptr<engine::Reindexer> reindexer_;
  std::unique_ptr<access::AccountStore> accounts_;
  std::unique_ptr<audit::AuditLog> audit_log_;  // after the store: flushed before it closes
  std::unique_ptr<access::AccessControl> access_;
  std::unique_ptr<access::TokenEndpoint> token_endpoint_;
  std::unique_ptr<rest::BulkExports> exports_;  // before the API that uses it
  std::unique_ptr<rest::FhirApi> fhir_api_;
  std::unique_ptr<access::SessionStore> sessions_;
  std::unique_ptr<http::HttpClient> http_client_;  // outbound (the OpenID provider)
  std::unique_ptr<access::OidcRelyingParty> oidc_;
  std::unique_ptr<web::WebApp> web_app_;
};

}  // namespace tc::server
