#include "access/relationships.h"

#include <functional>

#include "base/status_macros.h"
#include "base/time_format.h"
#include "fhir/json.h"

namespace tc::access {
namespace {

using fhir::Value;

constexpr size_t kMaxCachedPatients = 200000;

store::SearchQuery EpisodesOf(const std::string& patient_id) {
  store::SearchQuery q;
  q.type = "EpisodeOfCare";
  q.limit = 1000;
  q.count_total = false;
  store::Criterion& c = q.all_of.emplace_back();
  c.match = store::Criterion::Match::kReference;
  c.kind = store::IndexRow::Kind::kReference;
  c.param = "patient";
  store::Criterion::Alternative& a = c.any_of.emplace_back();
  a.system = "Patient";
  a.value = patient_id;
  return q;
}

// The code of an establishment Organization's JSON ("" when it has none).
std::string CodeOfOrganization(std::string_view content) {
  absl::StatusOr<Value> org = fhir::ParseJson(content);
  if (!org.ok()) return "";
  const Value* ids = org->Find("identifier");
  if (ids == nullptr || !ids->is_array()) return "";
  for (const Value& id : ids->array()) {
    if (id.GetString("system") == kEstablishmentCodeSystem)
      return std::string(id.GetString("value"));
  }
  return "";
}

// Stays from episode contents; `code_of` maps an Organization id to its establishment code.
absl::StatusOr<std::vector<auth::Stay>> StaysFrom(
    const std::vector<store::StoredVersion>& episodes,
    const std::function<absl::StatusOr<std::string>(const std::string&)>& code_of) {
  std::vector<auth::Stay> stays;
  for (const store::StoredVersion& v : episodes) {
    absl::StatusOr<Value> e = fhir::ParseJson(v.content);
    if (!e.ok() || e->GetString("status") == "entered-in-error") continue;
    const Value* org = e->Find("managingOrganization");
    if (org == nullptr) continue;
    std::string code;
    if (const Value* ident = org->Find("identifier");
        ident != nullptr && ident->GetString("system") == kEstablishmentCodeSystem) {
      code = std::string(ident->GetString("value"));
    } else if (std::string_view ref = org->GetString("reference");
               ref.substr(0, 13) == "Organization/") {
      TC_ASSIGN_OR_RETURN(code, code_of(std::string(ref.substr(13))));
    }
    if (code.empty()) continue;
    auth::Stay stay;
    stay.establishment = std::move(code);
    stay.start = absl::InfinitePast();
    if (const Value* period = e->Find("period"); period != nullptr) {
      if (auto s = base::ParseFhirDateTime(period->GetString("start"))) stay.start = *s;
      if (std::string_view end = period->GetString("end"); !end.empty()) {
        // A stay ending on a date lasts to the end of that day: the latest instant it covers.
        std::optional<absl::Time> t = base::ParseFhirDateTime(end);
        if (t) stay.end = end.size() <= 10 ? *t + absl::Hours(24) - absl::Nanoseconds(1) : *t;
      }
    }
    stays.push_back(std::move(stay));
  }
  return stays;
}

}  // namespace

void RelationshipResolver::Invalidate() {
  generation_.fetch_add(1);
  absl::MutexLock lock(&mu_);
  stays_.clear();
  org_codes_.clear();
  org_ids_.clear();
}

absl::StatusOr<std::vector<std::string>> RelationshipResolver::OrganizationIdsFor(
    const std::string& code) {
  const uint64_t generation = generation_.load();
  {
    absl::MutexLock lock(&mu_);
    if (org_generation_ == generation) {
      if (auto it = org_ids_.find(code); it != org_ids_.end()) return it->second;
    }
  }
  store::SearchQuery q;
  q.type = "Organization";
  q.limit = 100;
  q.count_total = false;
  store::Criterion& c = q.all_of.emplace_back();
  c.match = store::Criterion::Match::kTokenCode;
  c.kind = store::IndexRow::Kind::kToken;
  c.param = "identifier";
  store::Criterion::Alternative& a = c.any_of.emplace_back();
  a.has_system = true;
  a.system = std::string(kEstablishmentCodeSystem);
  a.value = code;
  TC_ASSIGN_OR_RETURN(store::SearchResult found, store_.Search(q));
  std::vector<std::string> ids;
  for (const store::StoredVersion& v : found.versions) ids.push_back(v.id);
  absl::MutexLock lock(&mu_);
  if (org_generation_ != generation) {
    org_codes_.clear();
    org_ids_.clear();
    org_generation_ = generation;
  }
  if (generation_.load() == generation) org_ids_[code] = ids;
  return ids;
}

absl::StatusOr<std::string> RelationshipResolver::EstablishmentCodeOf(
    const std::string& organization_id) {
  const uint64_t generation = generation_.load();
  {
    absl::MutexLock lock(&mu_);
    if (org_generation_ == generation) {
      if (auto it = org_codes_.find(organization_id); it != org_codes_.end()) return it->second;
    }
  }
  TC_ASSIGN_OR_RETURN(std::optional<store::StoredVersion> org,
                      store_.ReadCurrent("Organization", organization_id));
  std::string code = org && !org->deleted ? CodeOfOrganization(org->content) : "";
  absl::MutexLock lock(&mu_);
  if (org_generation_ != generation) {
    org_codes_.clear();
    org_ids_.clear();
    org_generation_ = generation;
  }
  if (generation_.load() == generation) org_codes_[organization_id] = code;
  return code;
}

absl::StatusOr<std::vector<auth::Stay>> RelationshipResolver::StaysOf(
    const std::string& patient_id) {
  const uint64_t generation = generation_.load();
  {
    absl::MutexLock lock(&mu_);
    if (auto it = stays_.find(patient_id);
        it != stays_.end() && it->second.generation == generation) {
      return it->second.stays;
    }
  }
  TC_ASSIGN_OR_RETURN(store::SearchResult episodes, store_.Search(EpisodesOf(patient_id)));
  TC_ASSIGN_OR_RETURN(std::vector<auth::Stay> stays,
                      StaysFrom(episodes.versions,
                                [this](const std::string& id) { return EstablishmentCodeOf(id); }));
  absl::MutexLock lock(&mu_);
  // Only facts read entirely after the last invalidation are kept.
  if (generation_.load() == generation) {
    if (stays_.size() >= kMaxCachedPatients) stays_.clear();
    stays_[patient_id] = CachedStays{generation, stays};
  }
  return stays;
}

absl::StatusOr<std::vector<auth::Stay>> RelationshipResolver::StaysOf(const std::string& patient_id,
                                                                      store::Transaction& txn) {
  TC_ASSIGN_OR_RETURN(store::SearchResult episodes, txn.Search(EpisodesOf(patient_id)));
  return StaysFrom(episodes.versions, [&txn](const std::string& id) -> absl::StatusOr<std::string> {
    TC_ASSIGN_OR_RETURN(std::optional<store::StoredVersion> org,
                        txn.ReadCurrent("Organization", id));
    return org && !org->deleted ? CodeOfOrganization(org->content) : "";
  });
}

}  // namespace tc::access
