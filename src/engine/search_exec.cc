// Repository search: parse (search_query.h), run on the store, then _include / _revinclude,
// paging cursors, compartment search and Patient/$everything.
#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "base/ids.h"
#include "base/status_macros.h"
#include "base/time_format.h"
#include "engine/errors.h"
#include "engine/index_extract.h"
#include "engine/repository.h"
#include "engine/search_query.h"
#include "engine/value_set_codes.h"
#include "engine/write_context.h"
#include "fhir/json.h"

namespace tc::engine {
namespace {

using store::Criterion;

// Most included resources one search returns (over all _include / _revinclude rounds).
constexpr size_t kMaxIncluded = 1000;
// Rounds of :iterate.
constexpr int kMaxIterations = 3;

void SetCursors(const store::SearchQuery& q, const store::SearchResult& r, SearchOutcome& out) {
  const bool backward = q.before_cursor && !q.cursor.empty();
  const bool paged = !q.cursor.empty() || q.offset > 0;
  if (r.versions.empty()) {
    // Past either end: offer the way back.
    if (backward && !q.cursor.empty()) out.next_cursor = EncodeCursor(q.cursor, false);
    if (!backward && !q.cursor.empty()) out.previous_cursor = EncodeCursor(q.cursor, true);
    return;
  }
  if (backward) {
    out.next_cursor = EncodeCursor(r.last_cursor, false);
    if (r.more) out.previous_cursor = EncodeCursor(r.first_cursor, true);
  } else {
    if (r.more) out.next_cursor = EncodeCursor(r.last_cursor, false);
    if (paged) out.previous_cursor = EncodeCursor(r.first_cursor, true);
  }
}

// The (type, id) a reference index row names, when it names a resource on this server.
bool LocalTarget(const store::IndexRow& row, std::pair<std::string, std::string>* out) {
  if (row.kind != store::IndexRow::Kind::kReference || row.system.empty()) return false;
  *out = {row.system, row.value};
  return true;
}

}  // namespace

SearchContext SearchContextOf(const WriteDeps& deps) {
  SearchContext ctx{deps.definitions,       deps.indexer,          deps.clock.Now(),
                    deps.options.max_count, deps.options.base_url, nullptr};
  return ctx;
}

std::optional<fhir::Value> Repository::FindByUrl(const std::string& type, const std::string& url) {
  store::SearchQuery q;
  q.type = type;
  q.limit = 1;
  q.count_total = false;
  Criterion c;
  c.match = Criterion::Match::kTokenCode;
  c.param = "url";
  c.any_of.emplace_back().value = url;
  q.all_of.push_back(std::move(c));
  absl::StatusOr<store::SearchResult> r = store_.Search(q);
  if (!r.ok() || r->versions.empty()) return std::nullopt;
  absl::StatusOr<fhir::Value> v = fhir::ParseJson(r->versions[0].content);
  if (!v.ok()) return std::nullopt;
  return *std::move(v);
}

absl::StatusOr<std::vector<std::pair<std::string, std::string>>> Repository::ValueSetCodes(
    const std::string& url) {
  std::optional<fhir::Value> vs = FindByUrl("ValueSet", url);
  if (!vs) return absl::NotFoundError("no ValueSet " + url);
  return CodesOfValueSet(
      *vs, [&](const std::string& system) { return FindByUrl("CodeSystem", system); });
}

absl::Status Repository::AddIncludes(const ParsedSearch& parsed, SearchOutcome& outcome) {
  if (parsed.includes.empty() && parsed.revincludes.empty()) return absl::OkStatus();
  std::set<std::pair<std::string, std::string>> seen;
  for (const ReadResult& r : outcome.matches) seen.insert({r.type, r.id});
  std::vector<const ReadResult*> frontier;
  for (const ReadResult& r : outcome.matches) frontier.push_back(&r);
  std::vector<ReadResult> added;
  added.reserve(kMaxIncluded);  // pointers into `added` stay valid
  for (int round = 0; round <= kMaxIterations && !frontier.empty(); ++round) {
    std::vector<const ReadResult*> next;
    auto add = [&](store::StoredVersion v) {
      if (added.size() >= kMaxIncluded) return;
      if (!seen.insert({v.type, v.id}).second) return;
      added.push_back(ToReadResult(std::move(v)));
      next.push_back(&added.back());
    };
    // _include: follow the frontier's references.
    std::map<std::string, std::vector<std::string>> wanted;  // type → ids
    for (const IncludeSpec& inc : parsed.includes) {
      if (round > 0 && !inc.iterate) continue;
      for (const ReadResult* r : frontier) {
        if (r->type != inc.source_type) continue;
        absl::StatusOr<fhir::Value> resource = fhir::ParseJson(r->content);
        if (!resource.ok()) continue;
        IndexedResource rows = indexer()->Extract(r->type, r->id, *resource);
        for (const store::IndexRow& row : rows.rows) {
          std::pair<std::string, std::string> target;
          if (!LocalTarget(row, &target)) continue;
          if (inc.param != "*" && row.param != inc.param) continue;
          if (!inc.target_type.empty() && target.first != inc.target_type) continue;
          if (seen.count(target)) continue;
          wanted[target.first].push_back(target.second);
        }
      }
    }
    for (auto& [type, ids] : wanted) {
      std::sort(ids.begin(), ids.end());
      ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
      for (size_t i = 0; i < ids.size(); i += kMaxOrValues) {
        store::SearchQuery q;
        q.type = type;
        q.count_total = false;
        q.limit = static_cast<int64_t>(kMaxOrValues);
        Criterion c;
        c.match = Criterion::Match::kId;
        for (size_t j = i; j < std::min(ids.size(), i + kMaxOrValues); ++j) {
          c.any_of.emplace_back().value = ids[j];
        }
        q.all_of.push_back(std::move(c));
        TC_ASSIGN_OR_RETURN(store::SearchResult r, store_.Search(q));
        for (store::StoredVersion& v : r.versions) add(std::move(v));
      }
    }
    // _revinclude: resources that refer to the frontier.
    for (const IncludeSpec& inc : parsed.revincludes) {
      if (round > 0 && !inc.iterate) continue;
      for (size_t i = 0; i < frontier.size(); i += kMaxOrValues) {
        store::SearchQuery q;
        q.type = inc.source_type;
        q.count_total = false;
        q.limit = static_cast<int64_t>(kMaxIncluded);
        Criterion c;
        c.match = Criterion::Match::kReference;
        c.param = inc.param;
        for (size_t j = i; j < std::min(frontier.size(), i + kMaxOrValues); ++j) {
          if (!inc.target_type.empty() && frontier[j]->type != inc.target_type) continue;
          Criterion::Alternative& a = c.any_of.emplace_back();
          a.system = frontier[j]->type;
          a.value = frontier[j]->id;
        }
        if (c.any_of.empty()) continue;
        q.all_of.push_back(std::move(c));
        TC_ASSIGN_OR_RETURN(store::SearchResult r, store_.Search(q));
        for (store::StoredVersion& v : r.versions) add(std::move(v));
      }
    }
    frontier = std::move(next);
  }
  outcome.included = std::move(added);
  return absl::OkStatus();
}

namespace {

// Applies `restrict` to `q` and, first, to every query nested in its criteria.
void RestrictAll(const std::function<void(store::SearchQuery&)>& restrict, store::SearchQuery& q) {
  for (Criterion& c : q.all_of) {
    for (Criterion::Alternative& a : c.any_of) {
      if (!a.sub) continue;
      auto sub = std::make_shared<store::SearchQuery>(*a.sub);
      RestrictAll(restrict, *sub);
      a.sub = std::move(sub);
    }
  }
  restrict(q);
}

}  // namespace

absl::StatusOr<SearchOutcome> Repository::Search(const std::string& type, const QueryParams& query,
                                                 const SearchOptions& options) {
  if (!definitions_.IsResourceType(type)) {
    return NotFound("'" + type + "' is not a FHIR resource type");
  }
  SearchContext ctx = SearchContextOf(deps());
  ctx.value_set = [this](const std::string& url) { return ValueSetCodes(url); };
  ctx.code_system = [this](const std::string& url) { return FindByUrl("CodeSystem", url); };
  TC_ASSIGN_OR_RETURN(ParsedSearch parsed, ParseSearch(ctx, type, query, options));
  if (!options.patient_compartment.empty()) {
    if (!base::IsValidFhirId(options.patient_compartment)) {
      return BadRequest("'" + options.patient_compartment + "' is not a valid id");
    }
    Criterion c;
    if (type == "Patient") {
      c.match = Criterion::Match::kId;
      c.any_of.emplace_back().value = options.patient_compartment;
    } else {
      const std::vector<std::string>* params = definitions_.CompartmentParams("Patient", type);
      if (params == nullptr || params->empty()) {
        return BadRequest(type + " is not in the Patient compartment");
      }
      c.match = Criterion::Match::kReference;
      c.param = (*params)[0];
      for (const std::string& p : *params) {
        Criterion::Alternative& a = c.any_of.emplace_back();
        a.param = p;
        a.system = "Patient";
        a.value = options.patient_compartment;
      }
    }
    parsed.query.all_of.insert(parsed.query.all_of.begin(), std::move(c));
  }
  if (options.restrict) RestrictAll(options.restrict, parsed.query);
  TC_ASSIGN_OR_RETURN(store::SearchResult result, store_.Search(parsed.query));
  SearchOutcome out;
  out.total = result.total;
  out.offset_paging = parsed.query.offset > 0 && parsed.query.cursor.empty();
  SetCursors(parsed.query, result, out);
  for (store::StoredVersion& v : result.versions) out.matches.push_back(ToReadResult(std::move(v)));
  TC_RETURN_IF_ERROR(AddIncludes(parsed, out));
  out.used = std::move(parsed.used);
  out.ignored = std::move(parsed.ignored);
  return out;
}

absl::StatusOr<SearchOutcome> Repository::Everything(const std::string& patient_id,
                                                     const QueryParams& query,
                                                     const SearchOptions& options) {
  if (!base::IsValidFhirId(patient_id)) {
    return BadRequest("'" + patient_id + "' is not a valid id");
  }
  TC_ASSIGN_OR_RETURN(ReadResult patient, Read("Patient", patient_id));
  (void)patient;
  store::SearchQuery q;
  q.compartment = patient_id;
  q.limit = std::min(options.count, options_.max_count);
  SearchOutcome out;
  for (const auto& [name, value] : query) {
    if (name == "_since") {
      std::optional<absl::Time> t = base::ParseFhirDateTime(value);
      if (!t || value.size() < 10)
        return BadRequest("_since '" + value + "' is not an instant", name);
      q.updated_since = *t;
    } else if (name == "_type") {
      for (const std::string& t : std::vector<std::string>(absl::StrSplit(value, ','))) {
        if (!definitions_.IsResourceType(t)) {
          return BadRequest("_type '" + t + "' is not a resource type", name);
        }
        q.types.push_back(t);
      }
    } else if (name == "_count") {
      int64_t n = 0;
      if (!absl::SimpleAtoi(value, &n) || n < 0) return BadRequest("_count must be a number", name);
      q.limit = std::min(n, options_.max_count);
      continue;
    } else if (name == "_cursor") {
      SearchContext ctx = SearchContextOf(deps());
      TC_ASSIGN_OR_RETURN(ParsedSearch p, ParseSearch(ctx, "Patient", {{name, value}}, options));
      q.cursor = p.query.cursor;
      q.before_cursor = p.query.before_cursor;
      continue;
    } else if (name == "_format" || name == "_pretty" || name == "_summary" ||
               name == "_elements") {
    } else {
      if (options.strict) return BadRequest("$everything does not understand '" + name + "'", name);
      out.ignored.push_back(name);
      continue;
    }
    out.used.emplace_back(name, value);
  }
  if (options.restrict) options.restrict(q);
  TC_ASSIGN_OR_RETURN(store::SearchResult result, store_.Search(q));
  out.total = result.total;
  SetCursors(q, result, out);
  for (store::StoredVersion& v : result.versions) out.matches.push_back(ToReadResult(std::move(v)));
  return out;
}

}  // namespace tc::engine
