#include "rest/fhir_api.h"

#include <fstream>
#include <iterator>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "base/status_macros.h"
#include "base/time_format.h"
#include "engine/bundle_builder.h"
#include "engine/errors.h"
#include "engine/query_string.h"
#include "fhir/json.h"
#include "rest/capability.h"

namespace tc::rest {
namespace {

using fhir::Value;

// Query parameters that shape output rather than select data.
bool IsOutputParam(const std::string& name) {
  return name == "_format" || name == "_pretty" || name == "_summary" || name == "_elements";
}

engine::QueryParams SearchParams(const std::vector<std::pair<std::string, std::string>>& query) {
  engine::QueryParams out;
  for (const auto& p : query) {
    if (!IsOutputParam(p.first) || p.first == "_summary" || p.first == "_elements") {
      if (p.first == "_summary" || p.first == "_elements" || p.first == "_format" ||
          p.first == "_pretty") {
        continue;
      }
      out.push_back(p);
    }
  }
  return out;
}

std::optional<int64_t> VersionFromEtag(std::string_view etag) {
  std::string digits;
  for (char c : etag) {
    if (c >= '0' && c <= '9') digits.push_back(c);
  }
  int64_t v = 0;
  if (digits.empty() || !absl::SimpleAtoi(digits, &v)) return std::nullopt;
  return v;
}

enum class Prefer { kRepresentation, kMinimal, kOutcome };

Prefer PreferReturn(const http::Request& request) {
  std::string_view p = request.Header("Prefer");
  if (p.find("return=minimal") != std::string_view::npos) return Prefer::kMinimal;
  if (p.find("return=OperationOutcome") != std::string_view::npos) return Prefer::kOutcome;
  return Prefer::kRepresentation;
}

bool PreferStrict(const http::Request& request) {
  return request.Header("Prefer").find("handling=strict") != std::string_view::npos;
}

absl::StatusOr<int64_t> IntParam(const http::Request& request, const char* name, int64_t fallback) {
  for (const auto& [n, v] : request.query) {
    if (n == name) {
      int64_t out = 0;
      if (!absl::SimpleAtoi(v, &out) || out < 0) {
        return engine::BadRequest(std::string(name) + " must be a non-negative integer", name);
      }
      return out;
    }
  }
  return fallback;
}

absl::StatusOr<std::optional<absl::Time>> TimeParam(const http::Request& request,
                                                    const char* name) {
  for (const auto& [n, v] : request.query) {
    if (n == name) {
      std::optional<absl::Time> t = base::ParseFhirDateTime(v);
      if (!t)
        return engine::BadRequest(std::string(name) + " '" + v + "' is not a valid instant", name);
      return t;
    }
  }
  return std::optional<absl::Time>();
}

// The restful-interaction code of a request (for its audit entry); `rest` is the path after
// the base.
std::string AuditInteractionOf(const std::string& method, const std::string& rest) {
  std::vector<std::string> seg;
  for (absl::string_view s : absl::StrSplit(rest, '/', absl::SkipEmpty())) seg.emplace_back(s);
  const bool get = method == "GET" || method == "HEAD";
  if (seg.empty()) return get ? "search-system" : "transaction";
  if (seg[0] == "metadata") return "capabilities";
  if (seg[0].starts_with("$")) return "operation";
  if (seg[0] == "_history") return "history-system";
  if (seg.size() == 1) {
    if (get) return "search-type";
    if (method == "POST") return "create";
    if (method == "PUT") return "update";
    if (method == "DELETE") return "delete";
    return "operation";
  }
  if (seg[1] == "_history") return "history-type";
  if (seg[1] == "_search") return "search-type";
  if (seg.size() == 2) {
    if (get) return "read";
    if (method == "PUT") return "update";
    if (method == "PATCH") return "patch";
    if (method == "DELETE") return "delete";
    return "operation";
  }
  if (seg.size() == 3 && seg[2] == "_history") return "history-instance";
  if (seg.size() == 4 && seg[2] == "_history") return "vread";
  if (seg.size() == 3 && seg[2].starts_with("$")) return "operation";
  return "search-type";  // compartment search
}

}  // namespace

FhirApi::FhirApi(engine::Repository& repository, const fhir::Definitions& definitions,
                 FhirApiOptions options)
    : repo_(repository), defs_(definitions), options_(std::move(options)), started_(absl::Now()) {
  CurrentCapability();
}

std::shared_ptr<const FhirApi::Capability> FhirApi::CurrentCapability() {
  std::shared_ptr<const engine::Indexer> indexer = repo_.indexer();
  absl::MutexLock lock(&capability_mu_);
  if (capability_ == nullptr || capability_->indexer != indexer) {
    auto c = std::make_shared<Capability>();
    c->indexer = indexer;
    c->statement = BuildCapabilityStatement(
        defs_, *indexer,
        CapabilityInfo{options_.base_url, options_.software_version, started_,
                       /*audit_log=*/options_.access != nullptr, options_.token_url});
    c->json = fhir::WriteJson(c->statement);
    capability_ = std::move(c);
  }
  return capability_;
}

void FhirApi::WriteSearchset(const std::string& path, const engine::SearchOutcome& found,
                             int64_t count, int64_t offset, const OutputOptions& output,
                             http::Response& response) const {
  if (output.Verbatim()) {  // stored resources copied in as they are
    response.body = engine::SearchsetBundleJson(options_.base_url, path, found, count, offset);
    response.SetHeader("Content-Type", ContentTypeOf(Format::kJson));
    return;
  }
  Value bundle = engine::SearchsetBundle(options_.base_url, path, found, count, offset);
  if (output.summary == "count") bundle.Erase("entry");
  ShapeBundleEntries(defs_, output, bundle);
  WriteBody(defs_, output, bundle, response);
}

bool FhirApi::Owns(const std::string& path) const {
  return path == options_.base_path || path.rfind(options_.base_path + "/", 0) == 0;
}

http::Response FhirApi::ErrorResponse(const absl::Status& status,
                                      const OutputOptions& output) const {
  http::Response response;
  response.status = engine::HttpStatusOf(status);
  OutputOptions plain;
  plain.format = output.format;
  plain.pretty = output.pretty;
  WriteBody(defs_, plain, engine::OperationOutcome(engine::IssuesOf(status)), response);
  return response;
}

http::Response FhirApi::Handle(const http::Request& request) {
  absl::StatusOr<OutputOptions> output = NegotiateOutput(request);
  if (!output.ok()) return ErrorResponse(output.status(), OutputOptions{});
  access::AccessControl* access = options_.access;
  const std::string rest = request.path.substr(options_.base_path.size());
  // The CapabilityStatement is public (clients discover the security model from it).
  if (access == nullptr || rest == "/metadata") {
    absl::StatusOr<http::Response> response = Route(request, *output, nullptr);
    if (!response.ok()) return ErrorResponse(response.status(), *output);
    return std::move(*response);
  }
  access::RequestContext context;
  context.address = request.remote_address;
  context.request_id = std::string(request.Header("X-Request-Id"));
  context.break_glass_reason = std::string(request.Header("X-Break-Glass-Reason"));
  context.sealed_access_reason = std::string(request.Header("X-Sealed-Access-Reason"));
  absl::StatusOr<access::Identity> identity =
      access->Authenticate(request.Header("Authorization"), context);
  if (!identity.ok()) {
    http::Response denied = ErrorResponse(identity.status(), *output);
    denied.SetHeader("WWW-Authenticate", "Bearer realm=\"throughcare\", error=\"invalid_token\"");
    return denied;
  }
  std::unique_ptr<access::RequestGuard> guard = access->Guard(std::move(*identity), context);
  absl::StatusOr<http::Response> response = Route(request, *output, guard.get());
  const int status = response.ok() ? response->status : engine::HttpStatusOf(response.status());
  const std::string failure = response.ok() ? "" : std::string(response.status().message());
  if (guard->relationships_changed()) access->RelationshipsChanged();
  guard->Finish(AuditInteractionOf(request.method, rest), rest.empty() ? "" : rest.substr(1),
                request.raw_query, status, failure);
  if (!response.ok()) return ErrorResponse(response.status(), *output);
  return std::move(*response);
}

absl::StatusOr<http::Response> FhirApi::Route(const http::Request& request,
                                              const OutputOptions& output,
                                              access::RequestGuard* guard) {
  using access::RequestGuard;
  using auth::Action;
  auto allow_type = [&](Action action, const std::string& type) -> absl::Status {
    return guard == nullptr ? absl::OkStatus() : guard->AllowType(action, type);
  };
  auto allow = [&](Action action, const engine::ReadResult& r) -> absl::Status {
    return guard == nullptr ? absl::OkStatus() : guard->AllowResource(action, r);
  };
  // The access restriction goes into the query itself; the per-resource decision follows.
  auto restrict = [&](engine::SearchOptions& so) {
    if (guard != nullptr) so.restrict = guard->SearchRestriction();
  };
  auto filter = [&](Action action, engine::SearchOutcome& found) {
    if (guard != nullptr) guard->FilterOutcome(action, found, /*restricted_in_query=*/true);
  };
  std::string rest = request.path.substr(options_.base_path.size());
  std::vector<std::string> seg;
  for (absl::string_view s : absl::StrSplit(rest, '/', absl::SkipEmpty())) seg.emplace_back(s);
  const std::string& method = request.method;
  bool get = method == "GET" || method == "HEAD";
  http::Response response;

  auto send_resource = [&](const std::string& content, int64_t version, absl::Time updated,
                           int status) -> absl::StatusOr<http::Response> {
    http::Response r;
    r.status = status;
    r.SetHeader("ETag", engine::WeakEtag(version));
    r.SetHeader("Last-Modified", base::FormatHttpDate(updated));
    if (output.Verbatim()) {
      r.body = content;
      r.SetHeader("Content-Type", ContentTypeOf(Format::kJson));
      return r;
    }
    TC_ASSIGN_OR_RETURN(Value resource, fhir::ParseJson(content));
    ShapeResource(defs_, output, resource);
    WriteBody(defs_, output, resource, r);
    return r;
  };

  auto send_write = [&](const engine::WriteResult& w) -> absl::StatusOr<http::Response> {
    http::Response r;
    r.status = w.created ? 201 : 200;
    if (w.deleted) {
      r.status = 200;
      OutputOptions plain = output;
      fhir::Issue info{fhir::Issue::Severity::kInformation, "informational",
                       w.unchanged ? "nothing to delete" : "deleted " + w.type + "/" + w.id, ""};
      WriteBody(defs_, plain, engine::OperationOutcome({info}), r);
      return r;
    }
    r.SetHeader("Location", options_.base_url + "/" + w.type + "/" + w.id + "/_history/" +
                                std::to_string(w.version));
    r.SetHeader("ETag", engine::WeakEtag(w.version));
    r.SetHeader("Last-Modified", base::FormatHttpDate(w.last_updated));
    switch (PreferReturn(request)) {
      case Prefer::kMinimal:
        return r;
      case Prefer::kOutcome: {
        fhir::Issue info{fhir::Issue::Severity::kInformation, "informational",
                         (w.created     ? "created "
                          : w.unchanged ? "matched existing "
                                        : "updated ") +
                             w.type + "/" + w.id,
                         ""};
        WriteBody(defs_, output, engine::OperationOutcome({info}), r);
        return r;
      }
      case Prefer::kRepresentation: {
        TC_ASSIGN_OR_RETURN(http::Response body,
                            send_resource(w.content, w.version, w.last_updated, r.status));
        body.SetHeader("Location", std::string(r.Header("Location")));
        return body;
      }
    }
    return r;
  };

  auto read_body = [&](bool allow_patch) -> absl::StatusOr<Value> {
    TC_ASSIGN_OR_RETURN(Format f, BodyFormat(request, allow_patch));
    return ParseBody(defs_, request.body, f);
  };

  auto write_options = [&]() -> absl::StatusOr<engine::WriteOptions> {
    engine::WriteOptions o;
    o.hooks = guard;
    if (std::string_view im = request.Header("If-Match"); !im.empty()) {
      std::optional<int64_t> v = VersionFromEtag(im);
      if (!v) return engine::BadRequest("If-Match '" + std::string(im) + "' is not a version ETag");
      o.if_match_version = v;
    }
    if (std::string_view ine = request.Header("If-None-Exist"); !ine.empty()) {
      o.if_none_exist = std::string(ine);
    }
    return o;
  };

  // [base]
  if (seg.empty()) {
    if (method == "POST") {
      TC_ASSIGN_OR_RETURN(Value bundle, read_body(false));
      TC_ASSIGN_OR_RETURN(Value result, repo_.ProcessBundle(bundle, guard));
      WriteBody(defs_, output, result, response);
      return response;
    }
    return engine::MethodNotAllowed(method + " is not supported on the base URL");
  }
  // [base]/$reindex
  if (seg.size() == 1 && seg[0] == "$reindex" && options_.reindexer != nullptr) {
    TC_RETURN_IF_ERROR(allow_type(Action::kAdmin, "SearchParameter"));
    if (method == "POST") {
      TC_RETURN_IF_ERROR(options_.reindexer->Start());
      response.status = 202;
    } else if (!get) {
      return engine::MethodNotAllowed("use POST to start a reindex, GET for its progress");
    }
    const engine::ReindexProgress p = options_.reindexer->Progress();
    Value params = Value::Object();
    params.Set("resourceType", Value::String("Parameters"));
    Value list = Value::MakeArray();
    auto add = [&](const char* name, const char* kind, Value v) {
      Value param = Value::Object();
      param.Set("name", Value::String(name));
      param.Set(kind, std::move(v));
      list.Append(std::move(param));
    };
    add("status", "valueCode",
        Value::String(p.running ? "running" : (p.pending ? "pending" : "complete")));
    add("processed", "valueInteger", Value::Integer(p.done));
    add("total", "valueInteger", Value::Integer(p.total));
    if (!p.error.empty()) add("error", "valueString", Value::String(p.error));
    params.Set("parameter", std::move(list));
    WriteBody(defs_, output, params, response);
    return response;
  }
  // Bulk Data export: kick-off, status and files ([base]/$export, [base]/Patient/$export).
  const bool export_kickoff = (seg.size() == 1 && seg[0] == "$export") ||
                              (seg.size() == 2 && seg[0] == "Patient" && seg[1] == "$export");
  if (options_.exports != nullptr &&
      (export_kickoff ||
       (!seg.empty() && (seg[0] == "$export-status" || seg[0] == "$export-file")))) {
    const std::string owner = guard != nullptr ? guard->identity().subject : "";
    if (export_kickoff) {
      if (!get) return engine::MethodNotAllowed("use GET to start an export");
      TC_RETURN_IF_ERROR(allow_type(Action::kExport, "Patient"));
      if (request.Header("Prefer").find("respond-async") == std::string_view::npos) {
        return engine::BadRequest("an export needs 'Prefer: respond-async'");
      }
      ExportRequest er;
      er.owner = owner;
      er.request_url = options_.base_url + request.target.substr(options_.base_path.size());
      er.file_base_url = options_.base_url + "/$export-file/";
      for (const auto& [name, value] : request.query) {
        if (name == "_type") {
          for (const std::string& t : std::vector<std::string>(absl::StrSplit(value, ','))) {
            if (!defs_.IsResourceType(t)) {
              return engine::BadRequest("_type '" + t + "' is not a resource type");
            }
            er.types.push_back(t);
          }
        } else if (name == "_since") {
          std::optional<absl::Time> t = base::ParseFhirDateTime(value);
          if (!t) return engine::BadRequest("_since '" + value + "' is not an instant");
          er.since = t;
        } else if (name == "_outputFormat") {
          if (value != "application/fhir+ndjson" && value != "application/ndjson" &&
              value != "ndjson") {
            return engine::BadRequest("only NDJSON output is supported");
          }
        } else {
          return engine::BadRequest("$export does not support '" + name + "'");
        }
      }
      if (er.types.empty()) {  // the patient compartment (and Patient)
        er.types.push_back("Patient");
        for (const std::string& t : defs_.ResourceTypeNames()) {
          const std::vector<std::string>* p = defs_.CompartmentParams("Patient", t);
          if (p != nullptr && !p->empty() && t != "Patient" && t != "AuditEvent")
            er.types.push_back(t);
        }
      }
      std::unique_ptr<access::RequestGuard> job_guard;
      if (guard != nullptr) {
        job_guard = options_.access->Guard(guard->identity(), guard->context());
      }
      TC_ASSIGN_OR_RETURN(std::string id,
                          options_.exports->Start(std::move(er), std::move(job_guard)));
      response.status = 202;
      response.SetHeader("Content-Location", options_.base_url + "/$export-status/" + id);
      return response;
    }
    if (seg[0] == "$export-status" && seg.size() == 2) {
      if (method == "DELETE") {
        TC_RETURN_IF_ERROR(options_.exports->Delete(seg[1], owner));
        response.status = 202;
        return response;
      }
      if (!get) return engine::MethodNotAllowed("use GET for an export's status");
      TC_ASSIGN_OR_RETURN(ExportStatus st, options_.exports->Status(seg[1], owner));
      if (!st.done) {
        response.status = 202;
        response.SetHeader("X-Progress", std::to_string(st.exported) + " resources");
        response.SetHeader("Retry-After", "1");
        return response;
      }
      if (!st.error.empty()) return absl::InternalError("the export failed: " + st.error);
      response.SetHeader("Content-Type", "application/json");
      response.body = fhir::WriteJson(st.manifest);
      return response;
    }
    if (seg[0] == "$export-file" && seg.size() == 3 && get) {
      TC_ASSIGN_OR_RETURN(std::string path, options_.exports->FilePath(seg[1], seg[2], owner));
      std::ifstream in(path, std::ios::binary);
      std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      response.SetHeader("Content-Type", "application/fhir+ndjson");
      response.body = std::move(body);
      return response;
    }
    return engine::NotFound("unknown export path " + request.path);
  }
  // [base]/metadata
  if (seg.size() == 1 && seg[0] == "metadata") {
    if (!get) return engine::MethodNotAllowed("metadata is read-only");
    std::shared_ptr<const Capability> capability = CurrentCapability();
    if (output.Verbatim()) {
      response.body = capability->json;
      response.SetHeader("Content-Type", ContentTypeOf(Format::kJson));
    } else {
      WriteBody(defs_, output, capability->statement, response);
    }
    return response;
  }
  // [base]/_history
  if (seg.size() == 1 && seg[0] == "_history") {
    if (!get) return engine::MethodNotAllowed("history is read-only");
    seg.insert(seg.begin(), "");
  }
  const std::string& type = seg[0];
  if (!type.empty() && !defs_.IsResourceType(type)) {
    return engine::NotFound("'" + type + "' is not a supported resource type");
  }

  // History at any level: [type]/_history, [type]/[id]/_history, _history.
  bool type_history = seg.size() == 2 && seg[1] == "_history";
  bool instance_history = seg.size() == 3 && seg[2] == "_history";
  if (type_history || instance_history) {
    if (!get) return engine::MethodNotAllowed("history is read-only");
    engine::HistoryOptions ho;
    TC_ASSIGN_OR_RETURN(ho.count, IntParam(request, "_count", options_.default_count));
    TC_ASSIGN_OR_RETURN(ho.offset, IntParam(request, "_offset", 0));
    TC_ASSIGN_OR_RETURN(ho.since, TimeParam(request, "_since"));
    TC_ASSIGN_OR_RETURN(ho.at, TimeParam(request, "_at"));
    std::string id = instance_history ? seg[1] : "";
    TC_RETURN_IF_ERROR(allow_type(Action::kHistory, type.empty() ? "*" : type));
    TC_ASSIGN_OR_RETURN(store::HistoryPage page, repo_.History(type, id, ho));
    if (guard != nullptr) guard->FilterHistory(page);
    engine::QueryParams used;
    for (const auto& p : request.query) {
      if (p.first == "_since" || p.first == "_at") used.push_back(p);
    }
    std::string path =
        type.empty() ? "_history"
                     : (instance_history ? type + "/" + id + "/_history" : type + "/_history");
    Value bundle = engine::HistoryBundle(options_.base_url, path, page, used,
                                         std::min<int64_t>(ho.count, 1000), ho.offset);
    WriteBody(defs_, output, bundle, response);
    return response;
  }
  if (type.empty()) return engine::NotFound("unknown path");

  // With access control on, AuditEvents live in the audit log (audit/audit_log.h), never in the
  // resource store: searched and read there, never written (the policy refuses every write).
  if (type == "AuditEvent" && options_.access != nullptr && get &&
      (seg.size() == 1 || seg.size() == 2) && (seg.size() == 1 || seg[1] != "_history")) {
    audit::AuditLog& log = options_.access->audit();
    if (seg.size() == 2) {
      TC_RETURN_IF_ERROR(allow_type(Action::kRead, type));
      TC_ASSIGN_OR_RETURN(engine::ReadResult r, log.Read(seg[1]));
      TC_RETURN_IF_ERROR(allow(Action::kRead, r));
      return send_resource(r.content, r.version, r.last_updated, 200);
    }
    engine::SearchOptions so;
    so.strict = PreferStrict(request);
    so.count = options_.default_count;
    TC_RETURN_IF_ERROR(allow_type(Action::kSearch, type));
    TC_ASSIGN_OR_RETURN(engine::SearchOutcome found, log.Search(SearchParams(request.query), so));
    filter(Action::kSearch, found);
    int64_t count = so.count;
    TC_ASSIGN_OR_RETURN(count, IntParam(request, "_count", so.count));
    WriteSearchset(type, found, std::min<int64_t>(count, 1000), 0, output, response);
    return response;
  }

  // [type]/_search
  if (seg.size() == 2 && seg[1] == "_search") {
    if (method != "POST") return engine::MethodNotAllowed("use POST for _search");
    engine::QueryParams params = SearchParams(request.query);
    for (auto& p : engine::ParseQueryString(request.body)) params.push_back(std::move(p));
    http::Request copy = request;
    copy.method = "GET";
    copy.path = options_.base_path + "/" + type;
    copy.query = params;
    return Route(copy, output, guard);
  }

  // [type]
  if (seg.size() == 1) {
    if (get) {
      engine::SearchOptions so;
      so.strict = PreferStrict(request);
      so.count = options_.default_count;
      engine::QueryParams params = SearchParams(request.query);
      TC_RETURN_IF_ERROR(allow_type(Action::kSearch, type));
      restrict(so);
      TC_ASSIGN_OR_RETURN(engine::SearchOutcome found, repo_.Search(type, params, so));
      filter(Action::kSearch, found);
      // Paging links keep the output shaping the client asked for.
      for (const auto& p : request.query) {
        if (p.first == "_summary" || p.first == "_elements") found.used.push_back(p);
      }
      int64_t count = so.count, offset = 0;
      TC_ASSIGN_OR_RETURN(count, IntParam(request, "_count", so.count));
      TC_ASSIGN_OR_RETURN(offset, IntParam(request, "_offset", 0));
      WriteSearchset(type, found, std::min<int64_t>(count, 1000), offset, output, response);
      return response;
    }
    if (method == "POST") {
      TC_RETURN_IF_ERROR(allow_type(Action::kCreate, type));
      TC_ASSIGN_OR_RETURN(Value resource, read_body(false));
      TC_ASSIGN_OR_RETURN(engine::WriteOptions wo, write_options());
      TC_ASSIGN_OR_RETURN(engine::WriteResult w, repo_.Create(type, std::move(resource), wo));
      return send_write(w);
    }
    if (method == "PUT") {
      TC_RETURN_IF_ERROR(allow_type(Action::kUpdate, type));
      TC_ASSIGN_OR_RETURN(Value resource, read_body(false));
      TC_ASSIGN_OR_RETURN(engine::WriteOptions wo, write_options());
      TC_ASSIGN_OR_RETURN(
          engine::WriteResult w,
          repo_.ConditionalUpdate(type, SearchParams(request.query), std::move(resource), wo));
      return send_write(w);
    }
    if (method == "DELETE") {
      TC_RETURN_IF_ERROR(allow_type(Action::kDelete, type));
      TC_ASSIGN_OR_RETURN(engine::WriteResult w,
                          repo_.ConditionalDelete(type, SearchParams(request.query), guard));
      return send_write(w);
    }
    return engine::MethodNotAllowed(method + " is not supported on " + type);
  }

  const std::string& id = seg[1];
  // [type]/[id]/_history/[vid]
  if (seg.size() == 4 && seg[2] == "_history") {
    if (!get) return engine::MethodNotAllowed("a version is read-only");
    int64_t version = 0;
    if (!absl::SimpleAtoi(seg[3], &version) || version < 1) {
      return engine::NotFound("version '" + seg[3] + "' is not known");
    }
    TC_ASSIGN_OR_RETURN(engine::ReadResult r, repo_.VRead(type, id, version));
    TC_RETURN_IF_ERROR(allow(Action::kVread, r));
    return send_resource(r.content, r.version, r.last_updated, 200);
  }
  // Patient/[id]/$everything and compartment search Patient/[id]/[type].
  if (seg.size() == 3 && type == "Patient" && (get || method == "POST")) {
    engine::SearchOptions so;
    so.strict = PreferStrict(request);
    so.count = options_.default_count;
    engine::QueryParams params = SearchParams(request.query);
    if (method == "POST") {
      for (auto& p : engine::ParseQueryString(request.body)) params.push_back(std::move(p));
    }
    engine::SearchOutcome found;
    std::string path = "Patient/" + id + "/" + seg[2];
    if (seg[2] == "$everything") {
      TC_RETURN_IF_ERROR(allow_type(Action::kEverything, "Patient"));
      if (guard != nullptr) {  // the patient's own record must be open to the requester
        TC_ASSIGN_OR_RETURN(engine::ReadResult patient, repo_.Read("Patient", id));
        TC_RETURN_IF_ERROR(allow(Action::kEverything, patient));
      }
      restrict(so);
      TC_ASSIGN_OR_RETURN(found, repo_.Everything(id, params, so));
      filter(Action::kRead, found);
    } else if (defs_.IsResourceType(seg[2]) && get) {
      TC_RETURN_IF_ERROR(allow_type(Action::kSearch, seg[2]));
      so.patient_compartment = id;
      restrict(so);
      TC_ASSIGN_OR_RETURN(found, repo_.Search(seg[2], params, so));
      filter(Action::kSearch, found);
    } else {
      return engine::NotFound("unknown path " + request.path);
    }
    for (const auto& p : request.query) {
      if (p.first == "_summary" || p.first == "_elements") found.used.push_back(p);
    }
    int64_t count = so.count;
    TC_ASSIGN_OR_RETURN(count, IntParam(request, "_count", so.count));
    WriteSearchset(path, found, std::min<int64_t>(count, 1000), 0, output, response);
    return response;
  }
  if (seg.size() != 2) return engine::NotFound("unknown path " + request.path);

  // [type]/[id]
  if (get) {
    TC_ASSIGN_OR_RETURN(engine::ReadResult r, repo_.Read(type, id));
    TC_RETURN_IF_ERROR(allow(Action::kRead, r));
    if (std::string_view inm = request.Header("If-None-Match"); !inm.empty()) {
      if (VersionFromEtag(inm) == r.version) {
        http::Response nm;
        nm.status = 304;
        nm.SetHeader("ETag", engine::WeakEtag(r.version));
        return nm;
      }
    }
    if (std::string_view ims = request.Header("If-Modified-Since"); !ims.empty()) {
      std::optional<absl::Time> since = base::ParseHttpDate(ims);
      if (since && absl::ToUnixSeconds(r.last_updated) <= absl::ToUnixSeconds(*since)) {
        http::Response nm;
        nm.status = 304;
        nm.SetHeader("ETag", engine::WeakEtag(r.version));
        return nm;
      }
    }
    return send_resource(r.content, r.version, r.last_updated, 200);
  }
  if (method == "PUT") {
    TC_RETURN_IF_ERROR(allow_type(Action::kUpdate, type));
    TC_ASSIGN_OR_RETURN(Value resource, read_body(false));
    TC_ASSIGN_OR_RETURN(engine::WriteOptions wo, write_options());
    TC_ASSIGN_OR_RETURN(engine::WriteResult w, repo_.Update(type, id, std::move(resource), wo));
    return send_write(w);
  }
  if (method == "PATCH") {
    TC_RETURN_IF_ERROR(allow_type(Action::kPatch, type));
    TC_ASSIGN_OR_RETURN(Value patch, read_body(true));
    TC_ASSIGN_OR_RETURN(engine::WriteOptions wo, write_options());
    TC_ASSIGN_OR_RETURN(engine::WriteResult w, repo_.Patch(type, id, patch, wo));
    return send_write(w);
  }
  if (method == "DELETE") {
    TC_RETURN_IF_ERROR(allow_type(Action::kDelete, type));
    TC_ASSIGN_OR_RETURN(engine::WriteResult w, repo_.Delete(type, id, guard));
    return send_write(w);
  }
  return engine::MethodNotAllowed(method + " is not supported on " + type + "/" + id);
}

}  // namespace tc::rest
