#include "server/app.h"

#include "base/status_macros.h"
#include "engine/bundle_builder.h"
#include "fhir/json.h"
#include "store/sqlite/sqlite_store.h"
#include "web/assets.h"
#include "web/home_page.h"

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
  app->audit_log_ =
      std::make_unique<audit::AuditLog>(*app->store_, *app->repository_, app->clock_, app->random_);
  TC_ASSIGN_OR_RETURN(app->access_, access::AccessControl::Create(*app->store_, *app->audit_log_,
                                                                  keys, app->clock_));
  rest::FhirApiOptions fo;
  fo.access = options.access_control ? app->access_.get() : nullptr;
  fo.base_path = options.base_path;
  fo.base_url = base_url;
  fo.reindexer = app->reindexer_.get();
  app->fhir_api_ = std::make_unique<rest::FhirApi>(*app->repository_, *app->definitions_, fo);
  return app;
}

bool App::RunInline(const http::Request& request) const {
  if (request.method != "GET") return false;
  if (request.path == "/healthz") return true;
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
  if (fhir_api_->Owns(request.path)) return fhir_api_->Handle(request);
  if (request.path == "/") return web::HomePage(request, options_.base_path);
  if (web::IsAssetPath(request.path)) return web::AssetResponse(request);
  http::Response r = fhir_api_->ErrorResponse(absl::NotFoundError("no such page: " + request.path),
                                              rest::OutputOptions{});
  return r;
}

}  // namespace tc::server
