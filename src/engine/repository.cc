#include "engine/repository.h"

#include <utility>

#include "base/ids.h"
#include "base/status_macros.h"
#include "engine/custom_search_params.h"
#include "engine/errors.h"
#include "engine/index_extract.h"
#include "engine/prepared_resource.h"
#include "engine/search_query.h"
#include "engine/write_context.h"
#include "fhir/json.h"

namespace tc::engine {

using fhir::Value;

Repository::Repository(store::Store& store, const fhir::Definitions& definitions,
                       const base::Clock& clock, base::Random& random, RepositoryOptions options)
    : store_(store),
      definitions_(definitions),
      indexer_(std::make_shared<const Indexer>(definitions)),
      clock_(clock),
      random_(random),
      options_(options) {}

Repository::~Repository() = default;

WriteDeps Repository::deps() const {
  std::shared_ptr<const Indexer> snapshot = indexer();
  const Indexer& ref = *snapshot;
  return WriteDeps{definitions_, clock_, random_, options_, ref, std::move(snapshot)};
}

std::shared_ptr<const Indexer> Repository::indexer() const {
  absl::MutexLock lock(&indexer_mu_);
  return indexer_;
}

void Repository::OnSearchParametersChanged(std::function<void()> listener) {
  search_params_listener_ = std::move(listener);
}

void Repository::NotifyIfSearchParameter(const std::string& type) {
  if (type == "SearchParameter" && search_params_listener_) search_params_listener_();
}

absl::Status Repository::ReloadSearchParameters() {
  std::vector<fhir::SearchParamDef> custom;
  store::SearchQuery q;
  q.type = "SearchParameter";
  q.limit = 500;
  q.count_total = false;
  while (true) {
    TC_ASSIGN_OR_RETURN(store::SearchResult page, store_.Search(q));
    for (const store::StoredVersion& v : page.versions) {
      absl::StatusOr<Value> sp = fhir::ParseJson(v.content);
      if (!sp.ok() || sp->GetString("status") == "retired") continue;
      absl::StatusOr<fhir::SearchParamDef> def = SearchParamDefOf(definitions_, *sp);
      if (def.ok()) custom.push_back(*std::move(def));
    }
    if (!page.more) break;
    q.cursor = page.last_cursor;
  }
  auto fresh = std::make_shared<const Indexer>(definitions_, std::move(custom));
  absl::MutexLock lock(&indexer_mu_);
  indexer_ = std::move(fresh);
  return absl::OkStatus();
}

namespace {

absl::Status CheckType(const fhir::Definitions& defs, const std::string& type) {
  if (!defs.IsResourceType(type)) return NotFound("'" + type + "' is not a FHIR resource type");
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ReadResult> Repository::Read(const std::string& type, const std::string& id) {
  TC_RETURN_IF_ERROR(CheckType(definitions_, type));
  if (!base::IsValidFhirId(id)) return BadRequest("'" + id + "' is not a valid resource id");
  TC_ASSIGN_OR_RETURN(std::optional<store::StoredVersion> v, store_.ReadCurrent(type, id));
  if (!v) return NotFound(type + "/" + id + " is not known");
  if (v->deleted) return Gone(type + "/" + id + " was deleted");
  return ToReadResult(std::move(*v));
}

absl::StatusOr<ReadResult> Repository::VRead(const std::string& type, const std::string& id,
                                             int64_t version) {
  TC_RETURN_IF_ERROR(CheckType(definitions_, type));
  if (!base::IsValidFhirId(id)) return BadRequest("'" + id + "' is not a valid resource id");
  TC_ASSIGN_OR_RETURN(std::optional<store::StoredVersion> v, store_.ReadVersion(type, id, version));
  if (!v)
    return NotFound(type + "/" + id + "/_history/" + std::to_string(version) + " is not known");
  if (v->deleted)
    return Gone(type + "/" + id + " version " + std::to_string(version) + " is a deletion");
  return ToReadResult(std::move(*v));
}

absl::StatusOr<WriteResult> Repository::Create(const std::string& type, Value resource,
                                               const WriteOptions& options) {
  TC_RETURN_IF_ERROR(CheckType(definitions_, type));
  TC_RETURN_IF_ERROR(CheckResource(definitions_, type, resource));
  // Everything costly happens here, on the request's thread; the store's writer only decides.
  PreparedResource prepared =
      Prepare(*indexer(), type, base::NewUuid(random_), std::move(resource));
  absl::StatusOr<WriteResult> result = absl::InternalError("not run");
  TC_RETURN_IF_ERROR(store_.Write([&](store::Transaction& txn) -> absl::Status {
    WriteDeps d = deps();
    WriteContext ctx(d, txn, /*prevalidated=*/true);
    ctx.set_hooks(options.hooks);
    result = ctx.CreatePrepared(prepared, options);
    return result.status();
  }));
  NotifyIfSearchParameter(type);
  return result;
}

absl::StatusOr<WriteResult> Repository::Update(const std::string& type, const std::string& id,
                                               Value resource, const WriteOptions& options) {
  TC_RETURN_IF_ERROR(CheckType(definitions_, type));
  TC_RETURN_IF_ERROR(CheckUpdateId(type, id, resource));
  TC_RETURN_IF_ERROR(CheckResource(definitions_, type, resource));
  PreparedResource prepared = Prepare(*indexer(), type, id, std::move(resource));
  absl::StatusOr<WriteResult> result = absl::InternalError("not run");
  TC_RETURN_IF_ERROR(store_.Write([&](store::Transaction& txn) -> absl::Status {
    WriteDeps d = deps();
    WriteContext ctx(d, txn, /*prevalidated=*/true);
    ctx.set_hooks(options.hooks);
    result = ctx.UpdatePrepared(prepared, options);
    return result.status();
  }));
  NotifyIfSearchParameter(type);
  return result;
}

absl::StatusOr<WriteResult> Repository::ConditionalUpdate(const std::string& type,
                                                          const QueryParams& query, Value resource,
                                                          const WriteOptions& options) {
  TC_RETURN_IF_ERROR(CheckType(definitions_, type));
  TC_RETURN_IF_ERROR(CheckResource(definitions_, type, resource));
  absl::StatusOr<WriteResult> result = absl::InternalError("not run");
  TC_RETURN_IF_ERROR(store_.Write([&](store::Transaction& txn) -> absl::Status {
    WriteDeps d = deps();
    WriteContext ctx(d, txn, /*prevalidated=*/true);
    ctx.set_hooks(options.hooks);
    result = ctx.ConditionalUpdate(type, query, std::move(resource), options);
    return result.status();
  }));
  NotifyIfSearchParameter(type);
  return result;
}

absl::StatusOr<WriteResult> Repository::Patch(const std::string& type, const std::string& id,
                                              const Value& patch, const WriteOptions& options) {
  TC_RETURN_IF_ERROR(CheckType(definitions_, type));
  absl::StatusOr<WriteResult> result = absl::InternalError("not run");
  TC_RETURN_IF_ERROR(store_.Write([&](store::Transaction& txn) -> absl::Status {
    WriteDeps d = deps();
    WriteContext ctx(d, txn);
    ctx.set_hooks(options.hooks);
    result = ctx.Patch(type, id, patch, options);
    return result.status();
  }));
  NotifyIfSearchParameter(type);
  return result;
}

absl::StatusOr<WriteResult> Repository::Delete(const std::string& type, const std::string& id,
                                               AccessHooks* hooks) {
  TC_RETURN_IF_ERROR(CheckType(definitions_, type));
  absl::StatusOr<WriteResult> result = absl::InternalError("not run");
  TC_RETURN_IF_ERROR(store_.Write([&](store::Transaction& txn) -> absl::Status {
    WriteDeps d = deps();
    WriteContext ctx(d, txn);
    ctx.set_hooks(hooks);
    result = ctx.Delete(type, id);
    return result.status();
  }));
  NotifyIfSearchParameter(type);
  return result;
}

absl::StatusOr<WriteResult> Repository::ConditionalDelete(const std::string& type,
                                                          const QueryParams& query,
                                                          AccessHooks* hooks) {
  TC_RETURN_IF_ERROR(CheckType(definitions_, type));
  absl::StatusOr<WriteResult> result = absl::InternalError("not run");
  TC_RETURN_IF_ERROR(store_.Write([&](store::Transaction& txn) -> absl::Status {
    WriteDeps d = deps();
    WriteContext ctx(d, txn);
    ctx.set_hooks(hooks);
    result = ctx.ConditionalDelete(type, query);
    return result.status();
  }));
  NotifyIfSearchParameter(type);
  return result;
}

absl::StatusOr<store::HistoryPage> Repository::History(const std::string& type,
                                                       const std::string& id,
                                                       const HistoryOptions& options) {
  if (!type.empty()) TC_RETURN_IF_ERROR(CheckType(definitions_, type));
  store::HistoryQuery q;
  q.type = type;
  q.id = id;
  q.since = options.since;
  q.at = options.at;
  q.limit = std::min(options.count, options_.max_count);
  q.offset = options.offset;
  TC_ASSIGN_OR_RETURN(store::HistoryPage page, store_.History(q));
  if (!id.empty() && page.total == 0 && !options.since && !options.at) {
    return NotFound(type + "/" + id + " is not known");
  }
  return page;
}

absl::StatusOr<Value> Repository::ProcessBundle(const Value& bundle, AccessHooks* hooks) {
  absl::StatusOr<Value> response = ProcessBundleEntries(bundle, hooks);
  if (!response.ok()) return response;
  if (const Value* entries = bundle.Find("entry"); entries && entries->is_array()) {
    for (const Value& e : entries->array()) {
      const Value* resource = e.Find("resource");
      const Value* request = e.Find("request");
      const bool sp = (resource && resource->GetString("resourceType") == "SearchParameter") ||
                      (request && request->GetString("url").substr(0, 15) == "SearchParameter");
      if (sp) {
        NotifyIfSearchParameter("SearchParameter");
        break;
      }
    }
  }
  return response;
}

}  // namespace tc::engine
