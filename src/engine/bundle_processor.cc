// Repository::ProcessBundle: batch and transaction Bundles (FHIR R4 http.html#transaction).
//
// transaction: all entries succeed or none is kept (one store transaction). Processing order per
// the spec: DELETE, then POST, then PUT/PATCH, then GET/HEAD. Before any write, every POST (and
// conditional PUT) entry is given its final id, so `urn:uuid:` / fullUrl references between
// entries are rewritten to "Type/id"; conditional references ("Patient?identifier=...") are
// resolved by search and must match exactly one resource.
// batch: each entry is processed on its own; a failing entry gets an OperationOutcome.
#include <algorithm>
#include <map>

#include "absl/strings/numbers.h"
#include "base/ids.h"
#include "base/status_macros.h"
#include "base/time_format.h"
#include "engine/bundle_builder.h"
#include "engine/errors.h"
#include "engine/index_extract.h"
#include "engine/prepared_resource.h"
#include "engine/query_string.h"
#include "engine/repository.h"
#include "engine/search_query.h"
#include "engine/write_context.h"
#include "fhir/json.h"

namespace tc::engine {
namespace {

using fhir::Value;

struct ParsedUrl {
  std::string type;
  std::string id;
  int64_t version = 0;
  QueryParams query;
  bool has_query = false;
};

absl::StatusOr<ParsedUrl> ParseEntryUrl(const fhir::Definitions& defs, std::string url,
                                        const std::string& base_url) {
  if (url.rfind(base_url + "/", 0) == 0) url = url.substr(base_url.size() + 1);
  if (!url.empty() && url[0] == '/') url = url.substr(1);
  ParsedUrl out;
  size_t q = url.find('?');
  std::string path = url.substr(0, q);
  if (q != std::string::npos) {
    out.has_query = true;
    out.query = ParseQueryString(std::string_view(url).substr(q + 1));
  }
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    parts.push_back(path.substr(start, slash - start));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  if (parts.empty() || !defs.IsResourceType(parts[0])) {
    return BadRequest("entry request url '" + url + "' does not name a resource type");
  }
  out.type = parts[0];
  if (parts.size() >= 2) out.id = parts[1];
  if (parts.size() == 4 && parts[2] == "_history" && absl::SimpleAtoi(parts[3], &out.version)) {
    return out;
  }
  if (parts.size() > 2 || (parts.size() == 2 && !base::IsValidFhirId(out.id))) {
    return BadRequest("entry request url '" + url + "' is not supported");
  }
  return out;
}

std::string StatusLine(int code) {
  switch (code) {
    case 200:
      return "200 OK";
    case 201:
      return "201 Created";
    case 204:
      return "204 No Content";
    default:
      return std::to_string(code);
  }
}

Value ResponseFor(const WriteResult& r) {
  Value response = Value::Object();
  int code = r.deleted ? 204 : (r.created ? 201 : 200);
  response.Set("status", Value::String(StatusLine(code)));
  if (!r.deleted || r.version > 0) {
    if (!r.id.empty() && r.version > 0) {
      response.Set("location",
                   Value::String(r.type + "/" + r.id + "/_history/" + std::to_string(r.version)));
      response.Set("etag", Value::String(WeakEtag(r.version)));
      response.Set("lastModified", Value::String(base::FormatInstant(r.last_updated)));
    }
  }
  return response;
}

Value ErrorEntry(const absl::Status& s) {
  Value entry = Value::Object();
  Value response = Value::Object();
  response.Set("status", Value::String(std::to_string(HttpStatusOf(s))));
  response.Set("outcome", OperationOutcome(IssuesOf(s)));
  entry.Set("response", std::move(response));
  return entry;
}

// Rewrites every Reference.reference (and nothing else) found in `v` using `map`.
void RewriteReferences(Value& v, const std::map<std::string, std::string>& map) {
  if (v.is_array()) {
    for (Value& item : v.mutable_array()) RewriteReferences(item, map);
    return;
  }
  if (!v.is_object()) return;
  for (Value::Member& m : v.mutable_members()) {
    if (m.key == "reference" && m.value.is_string()) {
      auto it = map.find(m.value.string_value());
      if (it != map.end()) m.value = Value::String(it->second);
    } else {
      RewriteReferences(m.value, map);
    }
  }
}

// Collects the distinct conditional references ("Type?query") in `v`.
void CollectConditionalReferences(const Value& v, std::vector<std::string>& out) {
  if (v.is_array()) {
    for (const Value& item : v.array()) CollectConditionalReferences(item, out);
    return;
  }
  if (!v.is_object()) return;
  for (const Value::Member& m : v.members()) {
    if (m.key == "reference" && m.value.is_string()) {
      const std::string& ref = m.value.string_value();
      if (ref.find('?') != std::string::npos && ref.find("://") == std::string::npos &&
          std::find(out.begin(), out.end(), ref) == out.end()) {
        out.push_back(ref);
      }
    } else {
      CollectConditionalReferences(m.value, out);
    }
  }
}

int MethodRank(const std::string& method) {
  if (method == "DELETE") return 0;
  if (method == "POST") return 1;
  if (method == "PUT" || method == "PATCH") return 2;
  return 3;  // GET, HEAD
}

struct Entry {
  size_t index = 0;
  std::string method;
  std::string url;
  std::string full_url;
  Value resource;
  bool has_resource = false;
  WriteOptions options;
  std::string assigned_id;  // POST: pre-assigned id (or the conditional match)
  bool matched_existing = false;
  // Validated, serialised and indexed before the transaction (fast path), when set.
  std::optional<PreparedResource> prepared;
};

absl::StatusOr<Entry> ReadEntry(const Value& raw, size_t index) {
  Entry e;
  e.index = index;
  const Value* request = raw.Find("request");
  if (request == nullptr || !request->is_object()) {
    return BadRequest("Bundle.entry[" + std::to_string(index) + "] has no request",
                      "Bundle.entry[" + std::to_string(index) + "].request");
  }
  e.method = std::string(request->GetString("method"));
  e.url = std::string(request->GetString("url"));
  if (e.method.empty() || e.url.empty()) {
    return BadRequest("Bundle.entry[" + std::to_string(index) + "].request needs method and url",
                      "Bundle.entry[" + std::to_string(index) + "].request");
  }
  if (e.method != "GET" && e.method != "HEAD" && e.method != "POST" && e.method != "PUT" &&
      e.method != "DELETE" && e.method != "PATCH") {
    return BadRequest("unsupported method '" + e.method + "'",
                      "Bundle.entry[" + std::to_string(index) + "].request.method");
  }
  e.full_url = std::string(raw.GetString("fullUrl"));
  if (const Value* r = raw.Find("resource")) {
    e.resource = *r;
    e.has_resource = true;
  }
  if (std::string_view ine = request->GetString("ifNoneExist"); !ine.empty()) {
    e.options.if_none_exist = std::string(ine);
  }
  if (std::string_view im = request->GetString("ifMatch"); !im.empty()) {
    std::string digits;
    for (char c : im) {
      if (c >= '0' && c <= '9') digits.push_back(c);
    }
    int64_t v = 0;
    if (!absl::SimpleAtoi(digits, &v))
      return BadRequest("ifMatch '" + std::string(im) + "' is invalid");
    e.options.if_match_version = v;
  }
  if ((e.method == "POST" || e.method == "PUT") && !e.has_resource) {
    return BadRequest("Bundle.entry[" + std::to_string(index) + "] " + e.method +
                      " needs a resource");
  }
  return e;
}

}  // namespace

absl::StatusOr<Value> Repository::ProcessBundleEntries(const Value& bundle, AccessHooks* hooks) {
  if (!bundle.is_object() || bundle.GetString("resourceType") != "Bundle") {
    return BadRequest("POST to the base URL needs a Bundle");
  }
  std::string_view type = bundle.GetString("type");
  if (type != "batch" && type != "transaction") {
    return BadRequest(
        "Bundle.type must be 'batch' or 'transaction', not '" + std::string(type) + "'",
        "Bundle.type");
  }
  const Value* raw_entries = bundle.Find("entry");
  std::vector<Entry> entries;
  std::vector<absl::Status> entry_errors;
  if (raw_entries != nullptr && raw_entries->is_array()) {
    for (size_t i = 0; i < raw_entries->size(); ++i) {
      absl::StatusOr<Entry> e = ReadEntry(raw_entries->array()[i], i);
      if (!e.ok() && type == "transaction") return e.status();
      entry_errors.push_back(e.ok() ? absl::OkStatus() : e.status());
      entries.push_back(e.ok() ? std::move(*e) : Entry{i});
    }
  }
  std::vector<Value> responses(entries.size());
  std::vector<std::optional<WriteResult>> outcomes(entries.size());
  const std::string& base_url = options_.base_url;

  // Runs one entry inside `ctx`; fills responses[e.index].
  auto run_entry = [&](WriteContext& ctx, Entry& e) -> absl::Status {
    TC_ASSIGN_OR_RETURN(ParsedUrl url, ParseEntryUrl(definitions_, e.url, base_url));
    absl::StatusOr<WriteResult> result = absl::InternalError("unhandled");
    if (e.method == "GET" || e.method == "HEAD") {
      if (!url.id.empty()) {
        TC_ASSIGN_OR_RETURN(std::optional<store::StoredVersion> v,
                            ctx.txn().ReadCurrent(url.type, url.id));
        if (!v) return NotFound(url.type + "/" + url.id + " is not known");
        if (v->deleted) return Gone(url.type + "/" + url.id + " was deleted");
        if (hooks != nullptr) {
          store::StoredVersion copy = *v;
          TC_RETURN_IF_ERROR(hooks->CheckRead(ToReadResult(std::move(copy))));
        }
        WriteResult r;
        r.type = url.type;
        r.id = url.id;
        r.version = v->version;
        r.last_updated = v->last_updated;
        r.content = std::move(v->content);
        outcomes[e.index] = std::move(r);
        return absl::OkStatus();
      } else {
        SearchOptions so;
        TC_ASSIGN_OR_RETURN(ParsedSearch parsed,
                            ParseSearch(SearchContextOf(deps()), url.type, url.query, so));
        TC_ASSIGN_OR_RETURN(store::SearchResult found, ctx.txn().Search(parsed.query));
        SearchOutcome outcome;
        outcome.total = found.total;
        outcome.used = parsed.used;
        outcome.ignored = parsed.ignored;
        for (auto& v : found.versions) outcome.matches.push_back(ToReadResult(std::move(v)));
        if (hooks != nullptr) hooks->FilterSearch(outcome);
        Value entry = Value::Object();
        entry.Set("resource", SearchsetBundle(base_url, url.type, outcome, parsed.query.limit,
                                              parsed.query.offset));
        Value response = Value::Object();
        response.Set("status", Value::String("200 OK"));
        entry.Set("response", std::move(response));
        responses[e.index] = std::move(entry);
      }
      return absl::OkStatus();
    }
    if (e.method == "POST") {
      if (e.matched_existing) {
        TC_ASSIGN_OR_RETURN(std::optional<store::StoredVersion> v,
                            ctx.txn().ReadCurrent(url.type, e.assigned_id));
        WriteResult r;
        r.type = url.type;
        r.id = e.assigned_id;
        if (v) {
          r.version = v->version;
          r.last_updated = v->last_updated;
          r.content = v->content;
        }
        result = r;
      } else if (e.prepared) {
        result = ctx.CreatePrepared(*e.prepared, WriteOptions{});
      } else {
        WriteOptions opts = e.options;
        if (!e.assigned_id.empty()) opts.if_none_exist.reset();  // already resolved
        result = ctx.Create(url.type, std::move(e.resource), opts,
                            e.assigned_id.empty() ? nullptr : &e.assigned_id);
      }
    } else if (e.method == "PUT") {
      if (e.prepared) {
        result = ctx.UpdatePrepared(*e.prepared, e.options);
      } else if (url.has_query) {
        result = ctx.ConditionalUpdate(url.type, url.query, std::move(e.resource), e.options);
      } else {
        result = ctx.Update(url.type, url.id, std::move(e.resource), e.options);
      }
    } else if (e.method == "PATCH") {
      // The patch document is a Binary (JSON Patch, base64) or Parameters (FHIR Patch).
      result = ctx.Patch(url.type, url.id, e.resource, e.options);
    } else if (e.method == "DELETE") {
      result =
          url.has_query ? ctx.ConditionalDelete(url.type, url.query) : ctx.Delete(url.type, url.id);
    }
    TC_RETURN_IF_ERROR(result.status());
    outcomes[e.index] = std::move(*result);
    return absl::OkStatus();
  };

  // Builds the response entries of writes and reads after the store work is done (off the
  // store's writer thread).
  auto finish_entries = [&]() -> absl::Status {
    for (size_t i = 0; i < outcomes.size(); ++i) {
      if (!outcomes[i]) continue;
      const WriteResult& r = *outcomes[i];
      Value entry = Value::Object();
      if (!r.id.empty() && !r.deleted) {
        entry.Set("fullUrl", Value::String(base_url + "/" + r.type + "/" + r.id));
        if (!r.content.empty()) {
          TC_ASSIGN_OR_RETURN(Value stored, fhir::ParseJson(r.content));
          entry.Set("resource", std::move(stored));
        }
      }
      entry.Set("response", ResponseFor(r));
      responses[i] = std::move(entry);
    }
    return absl::OkStatus();
  };

  // Fast path for transactions whose ids and references need no database lookup (no
  // ifNoneExist, no conditional reference, no conditional PUT): ids are assigned, references
  // rewritten, and every resource validated, serialised and indexed here, in parallel with other
  // requests, so the store's single writer thread only stores them. All entries or none.
  auto prepare_transaction = [&]() -> absl::Status {
    std::map<std::string, std::string> rewrite;
    std::vector<std::pair<Entry*, ParsedUrl>> writes;
    for (Entry& e : entries) {
      if (e.method != "POST" && e.method != "PUT") continue;
      if (e.options.if_none_exist) return absl::OkStatus();
      TC_ASSIGN_OR_RETURN(ParsedUrl url, ParseEntryUrl(definitions_, e.url, base_url));
      if (url.has_query) return absl::OkStatus();
      std::vector<std::string> conditional;
      CollectConditionalReferences(e.resource, conditional);
      if (!conditional.empty()) return absl::OkStatus();
      if (e.method == "POST") e.assigned_id = base::NewUuid(random_);
      const std::string& id = e.method == "POST" ? e.assigned_id : url.id;
      if (!e.full_url.empty()) rewrite[e.full_url] = url.type + "/" + id;
      writes.emplace_back(&e, std::move(url));
    }
    for (auto& [e, url] : writes) {
      RewriteReferences(e->resource, rewrite);
      if (e->method == "PUT") TC_RETURN_IF_ERROR(CheckUpdateId(url.type, url.id, e->resource));
      absl::Status valid = CheckResource(definitions_, url.type, e->resource);
      if (!valid.ok()) {
        return WithContext(valid, "transaction failed at entry " + std::to_string(e->index) + " (" +
                                      e->method + " " + e->url + "): ");
      }
    }
    for (auto& [e, url] : writes) {
      const std::string& id = e->method == "POST" ? e->assigned_id : url.id;
      e->prepared = Prepare(*indexer(), url.type, id, std::move(e->resource));
      e->has_resource = false;
    }
    return absl::OkStatus();
  };

  Value out = Value::Object();
  out.Set("resourceType", Value::String("Bundle"));
  out.Set("id", Value::String(base::NewUuid(random_)));
  out.Set("type", Value::String(std::string(type) + "-response"));

  if (type == "batch") {
    for (Entry& e : entries) {
      absl::Status s = entry_errors[e.index];
      if (s.ok()) {
        s = store_.Write([&](store::Transaction& txn) -> absl::Status {
          WriteDeps d = deps();
          WriteContext ctx(d, txn);
          ctx.set_hooks(hooks);
          return run_entry(ctx, e);
        });
      }
      if (!s.ok()) {
        outcomes[e.index].reset();  // nothing of a failed entry was kept
        responses[e.index] = ErrorEntry(s);
      }
    }
  } else {
    TC_RETURN_IF_ERROR(prepare_transaction());
    TC_RETURN_IF_ERROR(store_.Write([&](store::Transaction& txn) -> absl::Status {
      WriteDeps d = deps();
      WriteContext ctx(d, txn);
      ctx.set_hooks(hooks);
      // 1. Final ids for POST / conditional entries; map fullUrls to them.
      std::map<std::string, std::string> rewrite;
      for (Entry& e : entries) {
        TC_ASSIGN_OR_RETURN(ParsedUrl url, ParseEntryUrl(definitions_, e.url, base_url));
        if (e.prepared) {
          continue;  // ids and references were settled before the transaction
        }
        if (e.method == "POST") {
          if (e.options.if_none_exist) {
            TC_ASSIGN_OR_RETURN(std::vector<store::StoredVersion> m,
                                ctx.Match(url.type, ParseQueryString(*e.options.if_none_exist)));
            if (m.size() > 1) {
              return PreconditionFailed("ifNoneExist of entry " + std::to_string(e.index) +
                                        " matched more than one resource");
            }
            if (m.size() == 1) {
              e.assigned_id = m[0].id;
              e.matched_existing = true;
            }
          }
          if (e.assigned_id.empty()) e.assigned_id = base::NewUuid(random_);
          if (!e.full_url.empty()) rewrite[e.full_url] = url.type + "/" + e.assigned_id;
        } else if (e.method == "PUT" && !url.has_query && !e.full_url.empty()) {
          rewrite[e.full_url] = url.type + "/" + url.id;
        }
      }
      // 2. Resolve conditional references and rewrite references in every resource.
      for (Entry& e : entries) {
        if (!e.has_resource || e.prepared) continue;
        std::vector<std::string> conditional;
        CollectConditionalReferences(e.resource, conditional);
        for (const std::string& ref : conditional) {
          if (rewrite.count(ref)) continue;
          size_t q = ref.find('?');
          std::string rtype = ref.substr(0, q);
          if (!definitions_.IsResourceType(rtype)) {
            return BadRequest("conditional reference '" + ref + "' does not name a resource type");
          }
          TC_ASSIGN_OR_RETURN(std::vector<store::StoredVersion> m,
                              ctx.Match(rtype, ParseQueryString(ref.substr(q + 1))));
          if (m.size() != 1) {
            return PreconditionFailed("conditional reference '" + ref + "' matched " +
                                      (m.empty() ? std::string("no") : std::string("several")) +
                                      " resources; it must match exactly one");
          }
          rewrite[ref] = rtype + "/" + m[0].id;
        }
        RewriteReferences(e.resource, rewrite);
      }
      // 3. Execute in the spec's order; any failure aborts the whole transaction.
      std::vector<Entry*> order;
      for (Entry& e : entries) order.push_back(&e);
      std::stable_sort(order.begin(), order.end(), [](const Entry* a, const Entry* b) {
        return MethodRank(a->method) < MethodRank(b->method);
      });
      for (Entry* e : order) {
        absl::Status s = run_entry(ctx, *e);
        if (!s.ok()) {
          return WithContext(s, "transaction failed at entry " + std::to_string(e->index) + " (" +
                                    e->method + " " + e->url + "): ");
        }
      }
      return absl::OkStatus();
    }));
  }
  TC_RETURN_IF_ERROR(finish_entries());
  Value out_entries = Value::MakeArray();
  for (Value& r : responses) out_entries.Append(std::move(r));
  out.Set("entry", std::move(out_entries));
  return out;
}

}  // namespace tc::engine
