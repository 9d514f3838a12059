#include "engine/write_context.h"

#include <utility>

#include "base/ids.h"
#include "base/status_macros.h"
#include "base/time_format.h"
#include "engine/custom_search_params.h"
#include "engine/errors.h"
#include "engine/fhir_patch.h"
#include "engine/index_extract.h"
#include "engine/json_patch.h"
#include "engine/query_string.h"
#include "engine/search_query.h"
#include "fhir/json.h"
#include "fhir/validate.h"

namespace tc::engine {

using fhir::Value;

ReadResult ToReadResult(store::StoredVersion v) {
  ReadResult r;
  r.type = std::move(v.type);
  r.id = std::move(v.id);
  r.version = v.version;
  r.last_updated = v.last_updated;
  r.content = std::move(v.content);
  r.patient_compartment = std::move(v.patient_compartment);
  return r;
}

WriteContext::WriteContext(const WriteDeps& deps, store::Transaction& txn, bool prevalidated)
    : deps_(deps), txn_(txn), prevalidated_(prevalidated) {}

// Checks resourceType against the URL type and validates the resource (422 with every issue).
absl::Status WriteContext::Check(const std::string& type, const Value& resource) {
  return CheckResource(deps_.definitions, type, resource);
}

absl::Status CheckResource(const fhir::Definitions& definitions, const std::string& type,
                           const Value& resource) {
  if (!resource.is_object()) return BadRequest("the body must be a JSON object");
  std::string_view rt = resource.GetString("resourceType");
  if (rt != type) {
    return BadRequest(
        "resourceType '" + std::string(rt) + "' does not match the URL type '" + type + "'",
        "resourceType");
  }
  fhir::Issues issues = fhir::ValidateResource(definitions, resource);
  if (fhir::HasErrors(issues)) return Unprocessable(issues);
  if (type == "SearchParameter" && resource.GetString("status") != "retired") {
    // An active SearchParameter is indexed: it must be one the server can compile.
    fhir::Issues sp = CheckSearchParameter(definitions, resource);
    if (!sp.empty()) return Unprocessable(sp);
  }
  return absl::OkStatus();
}

absl::Status CheckUpdateId(const std::string& type, const std::string& id, const Value& resource) {
  if (!base::IsValidFhirId(id)) return BadRequest("'" + id + "' is not a valid resource id");
  std::string_view body_id = resource.GetString("id");
  if (body_id.empty()) {
    return BadRequest("the resource must have an id for an update", type + ".id");
  }
  if (body_id != id) {
    return BadRequest(
        "the resource id '" + std::string(body_id) + "' does not match the URL id '" + id + "'",
        type + ".id");
  }
  return absl::OkStatus();
}

absl::Status WriteContext::PutWithHooks(const store::NewVersion& nv,
                                        const std::string& interaction) {
  if (hooks_ == nullptr) return txn_.Put(nv);
  WriteEvent event;
  event.type = nv.type;
  event.id = nv.id;
  event.interaction = interaction;
  event.content = nv.content;
  event.patient_compartment = nv.patient_compartment;
  event.version = nv.version;
  if (nv.version > 1) {
    TC_ASSIGN_OR_RETURN(std::optional<store::StoredVersion> previous,
                        txn_.ReadCurrent(nv.type, nv.id));
    if (previous && !previous->deleted) event.previous = std::move(previous);
  }
  TC_RETURN_IF_ERROR(hooks_->BeforeWrite(event, txn_));
  TC_RETURN_IF_ERROR(txn_.Put(nv));
  return hooks_->AfterWrite(event, txn_);
}

absl::StatusOr<WriteResult> WriteContext::Put(const std::string& type, const std::string& id,
                                              int64_t version, Value resource, bool created) {
  return PutPrepared(Prepare(deps_.indexer, type, id, std::move(resource)), version, created);
}

absl::StatusOr<WriteResult> WriteContext::PutPrepared(const PreparedResource& prepared,
                                                      int64_t version, bool created) {
  absl::Time now = deps_.clock.Now();
  store::NewVersion nv;
  nv.type = prepared.type;
  nv.id = prepared.id;
  nv.version = version;
  nv.last_updated = now;
  nv.content = prepared.Render(version, now);
  nv.patient_compartment = prepared.patient_compartment;
  nv.index = prepared.index;
  absl::Status s = PutWithHooks(nv, created ? "create" : "update");
  if (absl::IsFailedPrecondition(s)) {
    return Conflict(prepared.type + "/" + prepared.id + " was changed by another request; retry");
  }
  TC_RETURN_IF_ERROR(s);
  WriteResult r;
  r.type = prepared.type;
  r.id = prepared.id;
  r.version = version;
  r.last_updated = now;
  r.content = std::move(nv.content);
  r.created = created;
  return r;
}

absl::StatusOr<WriteResult> WriteContext::CreatePrepared(const PreparedResource& prepared,
                                                         const WriteOptions& options) {
  if (options.if_none_exist) {
    TC_ASSIGN_OR_RETURN(std::vector<store::StoredVersion> matches,
                        Match(prepared.type, ParseQueryString(*options.if_none_exist)));
    if (matches.size() > 1) {
      return PreconditionFailed("If-None-Exist '" + *options.if_none_exist +
                                "' matched more than one resource");
    }
    if (matches.size() == 1) {
      ReadResult existing = ToReadResult(std::move(matches[0]));
      WriteResult r;
      r.type = existing.type;
      r.id = existing.id;
      r.version = existing.version;
      r.last_updated = existing.last_updated;
      r.content = std::move(existing.content);
      r.unchanged = true;
      return r;
    }
  }
  return PutPrepared(prepared, 1, true);
}

absl::StatusOr<WriteResult> WriteContext::UpdatePrepared(const PreparedResource& prepared,
                                                         const WriteOptions& options) {
  TC_ASSIGN_OR_RETURN(std::optional<store::StoredVersion> current,
                      txn_.ReadCurrent(prepared.type, prepared.id));
  int64_t current_version = current ? current->version : 0;
  if (options.if_match_version && *options.if_match_version != current_version) {
    return PreconditionFailed("If-Match version " + std::to_string(*options.if_match_version) +
                              " is not the current version (" + std::to_string(current_version) +
                              ") of " + prepared.type + "/" + prepared.id);
  }
  bool created = !current || current->deleted;
  return PutPrepared(prepared, current_version + 1, created);
}

// Resolves a conditional query to the matching current resources (at most 2 are fetched).
absl::StatusOr<std::vector<store::StoredVersion>> WriteContext::Match(const std::string& type,
                                                                      const QueryParams& query) {
  if (query.empty()) return BadRequest("a conditional operation needs search parameters");
  SearchOptions opts;
  opts.strict = true;  // a condition that is silently ignored would match everything
  opts.count = 2;
  TC_ASSIGN_OR_RETURN(ParsedSearch parsed, ParseSearch(SearchContextOf(deps_), type, query, opts));
  parsed.query.limit = 2;
  parsed.query.offset = 0;
  TC_ASSIGN_OR_RETURN(store::SearchResult result, txn_.Search(parsed.query));
  return std::move(result.versions);
}

absl::StatusOr<WriteResult> WriteContext::Create(const std::string& type, Value resource,
                                                 const WriteOptions& options,
                                                 const std::string* forced_id) {
  if (!prevalidated_) TC_RETURN_IF_ERROR(Check(type, resource));
  std::string id = forced_id ? *forced_id : base::NewUuid(deps_.random);
  return CreatePrepared(Prepare(deps_.indexer, type, id, std::move(resource)), options);
}

absl::StatusOr<WriteResult> WriteContext::Update(const std::string& type, const std::string& id,
                                                 Value resource, const WriteOptions& options) {
  TC_RETURN_IF_ERROR(CheckUpdateId(type, id, resource));
  if (!prevalidated_) TC_RETURN_IF_ERROR(Check(type, resource));
  return UpdatePrepared(Prepare(deps_.indexer, type, id, std::move(resource)), options);
}

absl::StatusOr<WriteResult> WriteContext::ConditionalUpdate(const std::string& type,
                                                            const QueryParams& query,
                                                            Value resource,
                                                            const WriteOptions& options) {
  TC_ASSIGN_OR_RETURN(std::vector<store::StoredVersion> matches, Match(type, query));
  if (matches.size() > 1) {
    return PreconditionFailed("the conditional update matched more than one resource");
  }
  if (matches.empty()) {
    std::string body_id(resource.GetString("id"));
    if (!body_id.empty()) return Update(type, body_id, std::move(resource), options);
    return Create(type, std::move(resource), WriteOptions{}, nullptr);
  }
  std::string_view body_id = resource.GetString("id");
  if (!body_id.empty() && body_id != matches[0].id) {
    return BadRequest("the resource id does not match the resource the condition found",
                      type + ".id");
  }
  if (body_id.empty() && resource.is_object()) resource.Set("id", Value::String(matches[0].id));
  return Update(type, matches[0].id, std::move(resource), options);
}

absl::StatusOr<WriteResult> WriteContext::Delete(const std::string& type, const std::string& id) {
  if (!base::IsValidFhirId(id)) return BadRequest("'" + id + "' is not a valid resource id");
  TC_ASSIGN_OR_RETURN(std::optional<store::StoredVersion> current, txn_.ReadCurrent(type, id));
  WriteResult r;
  r.type = type;
  r.id = id;
  r.deleted = true;
  if (!current || current->deleted) {  // idempotent: nothing to do
    r.unchanged = true;
    if (current) r.version = current->version;
    return r;
  }
  store::NewVersion nv;
  nv.type = type;
  nv.id = id;
  nv.version = current->version + 1;
  nv.last_updated = deps_.clock.Now();
  nv.deleted = true;
  TC_RETURN_IF_ERROR(PutWithHooks(nv, "delete"));
  r.version = nv.version;
  r.last_updated = nv.last_updated;
  return r;
}

absl::StatusOr<WriteResult> WriteContext::ConditionalDelete(const std::string& type,
                                                            const QueryParams& query) {
  TC_ASSIGN_OR_RETURN(std::vector<store::StoredVersion> matches, Match(type, query));
  if (matches.size() > 1) {
    return PreconditionFailed("the conditional delete matched more than one resource");
  }
  if (matches.empty()) {
    WriteResult r;
    r.type = type;
    r.deleted = true;
    r.unchanged = true;
    return r;
  }
  return Delete(type, matches[0].id);
}

absl::StatusOr<WriteResult> WriteContext::Patch(const std::string& type, const std::string& id,
                                                const Value& patch, const WriteOptions& options) {
  TC_ASSIGN_OR_RETURN(std::optional<store::StoredVersion> current, txn_.ReadCurrent(type, id));
  if (!current) return NotFound(type + "/" + id + " is not known");
  if (current->deleted) return Gone(type + "/" + id + " was deleted");
  if (options.if_match_version && *options.if_match_version != current->version) {
    return PreconditionFailed("If-Match version " + std::to_string(*options.if_match_version) +
                              " is not the current version (" + std::to_string(current->version) +
                              ")");
  }
  TC_ASSIGN_OR_RETURN(Value resource, fhir::ParseJson(current->content));
  if (patch.is_array()) {
    absl::Status s = ApplyJsonPatch(patch, resource);
    if (!s.ok()) {
      fhir::Issue issue;
      issue.code = "processing";
      issue.diagnostics = std::string(s.message());
      return Unprocessable({issue});
    }
  } else if (patch.is_object() && patch.GetString("resourceType") == "Parameters") {
    FhirPatchOptions fpo;
    fpo.clock = &deps_.clock;
    absl::Status s = ApplyFhirPatch(deps_.definitions, patch, resource, fpo);
    if (!s.ok()) {
      fhir::Issue issue;
      issue.code = "processing";
      issue.diagnostics = std::string(s.message());
      return Unprocessable({issue});
    }
  } else {
    return BadRequest("the patch must be a JSON Patch array or a FHIR Patch Parameters resource");
  }
  if (resource.GetString("id") != id || resource.GetString("resourceType") != type) {
    return Unprocessable({fhir::Issue{fhir::Issue::Severity::kError, "processing",
                                      "a patch must not change the resource type or id", ""}});
  }
  TC_RETURN_IF_ERROR(Check(type, resource));
  return Put(type, id, current->version + 1, std::move(resource), false);
}

}  // namespace tc::engine
