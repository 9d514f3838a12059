#include "server/app.h"

#include "base/status_macros.h"
#include "engine/bundle_builder.h"
#include "fhir/json.h"
#include "server/smart_routes.h"
#include "store/sqlite/sqlite_store.h"
#include "web/assets.h"

namespace tc::server {

absl::StatusOr<std::unique_ptr<App>> App::Open(const AppOptions& options) {
  std::unique_ptr<App> app(new App());
  app->options_ = options;
  TC_ASSIGN_OR_RETURN(app->definitions_, fhir::Definitions::LoadEmbedded());
  store::SqliteOptions so;
  so.path = options.data_dir + "/throughcare.db";
  TC_ASSIGN_OR_RETURN(app->store_, store::OpenSqliteStore(so));
  std::string base_url =
      options.base_url.empty() ? "http://127.0.0.1:8080" + options.base_path : options.base_url;
  engine::RepositoryOptions ro;
  ro.base_url = base_url;
  app->repository_ = std::make_unique<engine::Repository>(*app->store_, *app->definitions_,
                                                          app->clock_, app->random_, ro);
  // Deployment SearchParameters, and a reindex whenever they change (or one left unfinished).
  TC_RETURN_IF_ERROR(app->repository_->ReloadSearchParameters());
  engine::Repository* repo = app->repository_.get();
  app->reindexer_ = std::make_unique<engine::Reindexer>(
      *app->store_, [repo] { return repo->indexer(); },
      [repo] { return repo->ReloadSearchParameters(); });
  engine::Reindexer* reindexer = app->reindexer_.get();
  app->repository_->OnSearchParametersChanged([reindexer] { reindexer->Request(); });
  if (options.resume_reindex) TC_RETURN_IF_ERROR(app->reindexer_->ResumeIfPending());
  TC_ASSIGN_OR_RETURN(app->accounts_, access::AccountStore::Open(options.data_dir + "/access.db",
                                                                 app->clock_, app->random_));
  access::TokenKeys keys;
  TC_ASSIGN_OR_RETURN(keys.secret, app->accounts_->TokenSecret());
  TC_ASSIGN_OR_RETURN(keys.audience, app->accounts_->InstanceId());
  app->audit_log_ = std::make_unique<audit::AuditLog>(*app->store_, app->clock_, app->random_);
  TC_ASSIGN_OR_RETURN(app->access_, access::AccessControl::Create(*app->store_, *app->audit_log_,
                                                                  keys, app->clock_));
  {  // Outbound HTTP: clients' published JWK Sets, the OpenID provider.
    http::HttpClientOptions ho;
    ho.ca_file = options.oidc_ca_file;
    TC_ASSIGN_OR_RETURN(app->http_client_, http::NewHttpClient(ho));
  }
  access::TokenEndpointOptions to;
  to.http = app->http_client_.get();
  to.token_url =
      options.token_url.empty() ? TokenUrlFor(base_url, options.base_path) : options.token_url;
  to.token_lifetime = options.backend_token_lifetime;
  to.server_name = app->access_->options().server_name;
  TC_ASSIGN_OR_RETURN(app->token_endpoint_,
                      access::TokenEndpoint::Create(*app->accounts_, *app->audit_log_, keys,
                                                    app->clock_, app->random_, std::move(to)));
  rest::FhirApiOptions fo;
  fo.access = options.access_control ? app->access_.get() : nullptr;
  fo.token_url = app->token_endpoint_->options().token_url;
  app->exports_ = std::make_unique<rest::BulkExports>(
      *app->repository_, options.data_dir + "/exports", app->clock_, app->random_);
  fo.exports = app->exports_.get();
  fo.base_path = options.base_path;
  fo.base_url = base_url;
  fo.reindexer = app->reindexer_.get();
  app->fhir_api_ = std::make_unique<rest::FhirApi>(*app->repository_, *app->definitions_, fo);
  TC_ASSIGN_OR_RETURN(app->sessions_, access::SessionStore::Open(options.data_dir + "/access.db",
                                                                 app->clock_, app->random_));
  if (!options.oidc_issuer.empty()) {
    access::OidcConfig oc;
    oc.issuer = options.oidc_issuer;
    oc.client_id = options.oidc_client_id;
    oc.client_secret = options.oidc_client_secret;
    oc.client_auth = options.oidc_client_auth;
    oc.display_name = options.oidc_name;
    std::string root = TokenUrlFor(base_url, options.base_path);
    root.resize(root.size() - kTokenPath.size());
    oc.redirect_uri = root + "/login/oidc/callback";
    TC_ASSIGN_OR_RETURN(
        app->oidc_, access::OidcRelyingParty::Create(std::move(oc), *app->http_client_, app->clock_,
                                                     app->random_));
  }
  web::WebAppOptions wo;
  wo.secure_cookies = options.secure_cookies;
  wo.fhir_base_path = options.base_path;
  app->web_app_ = std::make_unique<web::WebApp>(
      web::WebDeps{*app->accounts_, *app->sessions_, *app->access_, *app->repository_,
                   *app->audit_log_, app->clock_, app->random_, app->oidc_.get()},
      keys.secret, wo);
  return app;
}

bool App::IsSmartConfigurationPath(const std::string& path) const {
  return path == kSmartConfigurationPath ||
         (path.size() == options_.base_path.size() + kSmartConfigurationPath.size() &&
          path.starts_with(options_.base_path) && path.ends_with(kSmartConfigurationPath));
}

bool App::RunInline(const http::Request& request) const {
  if (request.method != "GET") return false;
  if (request.path == "/healthz") return true;
  if (IsSmartConfigurationPath(request.path)) return true;
  if (web::IsAssetPath(request.path)) return true;  // a copy of embedded bytes
  // GET [base]/[type]/[id] without query: one indexed read of stored bytes.
  if (!request.raw_query.empty() || !fhir_api_->Owns(request.path)) return false;
  size_t slashes = 0;
  for (size_t i = options_.base_path.size(); i < request.path.size(); ++i) {
    if (request.path[i] == '/') ++slashes;
  }
  return slashes == 2;
}

http::Response App::Handle(const http::Request& request) {
  if (request.path == "/healthz") {
    http::Response r;
    r.SetHeader("Content-Type", "application/json");
    r.body = "{\"status\":\"ok\"}";
    return r;
  }
  // SMART Backend Services: public, and routed before FhirApi (which owns everything under the
  // base path and requires a token).
  if (request.path == kTokenPath) return TokenRoute(*token_endpoint_, request);
  if (IsSmartConfigurationPath(request.path)) {
    return SmartConfigurationRoute(request, token_endpoint_->options().token_url);
  }
  if (fhir_api_->Owns(request.path)) return fhir_api_->Handle(request);
  if (web_app_->Owns(request)) return web_app_->Handle(request);
  if (web::IsAssetPath(request.path)) return web::AssetResponse(request);
  http::Response r = fhir_api_->ErrorResponse(absl::NotFoundError("no such page: " + request.path),
                                              rest::OutputOptions{});
  return r;
}

}  // namespace tc::server
