#include "access/access_control.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "audit/audit_event.h"
#include "auth/policy_table.h"
#include "base/status_macros.h"
#include "fhir/json.h"

namespace tc::access {
namespace {

using fhir::Value;

constexpr size_t kMaxCachedTokens = 10000;

bool IsWrite(std::string_view interaction) {
  return interaction == "create" || interaction == "update" || interaction == "patch" ||
         interaction == "delete";
}

// True when `resource` carries the operational-sharing consent tag.
bool HasOperationalConsent(const Value& resource) {
  const Value* meta = resource.Find("meta");
  const Value* tags = meta != nullptr ? meta->Find("tag") : nullptr;
  if (tags == nullptr || !tags->is_array()) return false;
  for (const Value& t : tags->array()) {
    if (t.GetString("system") == kOperationalSharingSystem &&
        t.GetString("code") == kOperationalSharingCode) {
      return true;
    }
  }
  return false;
}

audit::AuditAgent AgentOf(const Identity& identity, const RequestContext& context) {
  audit::AuditAgent agent;
  agent.user_id = identity.subject;
  agent.name = identity.name;
  agent.role_id = std::string(auth::RoleId(identity.principal.role));
  agent.address = context.address;
  if (!identity.client_id.empty()) agent.reference = "Device/" + identity.client_id;
  return agent;
}

}  // namespace

// ---- AccessControl ---------------------------------------------------------------------------

AccessControl::AccessControl(store::Store& store, audit::AuditLog& audit, TokenKeys keys,
                             const base::Clock& clock, AccessControlOptions options,
                             auth::Policy policy)
    : audit_(audit),
      keys_(std::move(keys)),
      clock_(clock),
      options_(std::move(options)),
      policy_(std::move(policy)),
      relationships_(store) {}

absl::StatusOr<std::unique_ptr<AccessControl>> AccessControl::Create(store::Store& store,
                                                                     audit::AuditLog& audit,
                                                                     TokenKeys keys,
                                                                     const base::Clock& clock,
                                                                     AccessControlOptions options) {
  if (keys.secret.size() < 32 || keys.audience.empty()) {
    return absl::InvalidArgumentError("access control needs a token secret and an audience");
  }
  TC_ASSIGN_OR_RETURN(auth::Policy policy,
                      auth::Policy::Create(auth::DefaultPolicyTableText(), options.policy));
  return std::unique_ptr<AccessControl>(new AccessControl(store, audit, std::move(keys), clock,
                                                          std::move(options), std::move(policy)));
}

absl::StatusOr<Identity> AccessControl::Authenticate(std::string_view authorization,
                                                     const RequestContext& context) {
  absl::Status failure;
  if (authorization.empty()) {
    failure = absl::UnauthenticatedError(
        "this request needs an access token (Authorization: Bearer <token>)");
  } else if (authorization.size() < 8 ||
             !absl::EqualsIgnoreCase(absl::string_view(authorization.data(), 7), "bearer ")) {
    failure = absl::UnauthenticatedError("the Authorization header must be 'Bearer <token>'");
  } else {
    absl::string_view stripped = absl::StripAsciiWhitespace(
        absl::string_view(authorization.data() + 7, authorization.size() - 7));
    std::string_view token(stripped.data(), stripped.size());
    const absl::Time now = clock_.Now();
    {
      absl::MutexLock lock(&token_cache_mu_);
      if (auto it = token_cache_.find(stripped); it != token_cache_.end()) {
        if (now < it->second.expires) return it->second.identity;
        token_cache_.erase(it);
      }
    }
    absl::StatusOr<AccessTokenClaims> claims = VerifyAccessToken(token, keys_, clock_);
    if (claims.ok()) {
      Identity id;
      id.subject = claims->subject;
      id.name = claims->name;
      id.client_id = claims->client_id;
      id.principal.role = claims->role;
      id.principal.establishments = claims->establishments;
      if (!claims->scope.empty()) {
        absl::StatusOr<auth::Scopes> scopes = auth::ParseScopes(claims->scope);
        if (!scopes.ok()) return absl::UnauthenticatedError("invalid access token: scope");
        id.principal.scopes = std::move(*scopes);
      }
      absl::MutexLock lock(&token_cache_mu_);
      if (token_cache_.size() >= kMaxCachedTokens) token_cache_.clear();
      token_cache_[std::string(token)] = CachedIdentity{id, claims->expires};
      return id;
    }
    failure = claims.status();
  }
  audit::AuditRecord record;
  record.kind = audit::AuditKind::kLogin;
  record.recorded = clock_.Now();
  record.outcome = audit::AuditOutcome::kMinorFailure;
  record.outcome_description = std::string(failure.message());
  record.agent.address = context.address;
  record.server = options_.server_name;
  record.request_id = context.request_id;
  if (absl::StatusOr<Value> event = audit::BuildAuditEvent(record); event.ok()) {
    audit_.Enqueue(std::move(*event));
  }
  return failure;
}

std::unique_ptr<RequestGuard> AccessControl::Guard(Identity identity, RequestContext context) {
  if (!context.break_glass_reason.empty()) {
    const absl::Time now = clock_.Now();
    identity.principal.break_glass =
        auth::BreakGlass{context.break_glass_reason, now, now + options_.break_glass_duration};
  }
  return std::make_unique<RequestGuard>(*this, std::move(identity), std::move(context));
}

// ---- RequestGuard ----------------------------------------------------------------------------

RequestGuard::RequestGuard(AccessControl& control, Identity identity, RequestContext context)
    : control_(control), identity_(std::move(identity)), context_(std::move(context)) {}

absl::StatusOr<auth::ResourceFacts> RequestGuard::FactsOf(std::string_view type,
                                                          std::string_view content,
                                                          std::string_view patient,
                                                          store::Transaction* txn) {
  auth::ResourceFacts facts;
  facts.resource_type = std::string(type);
  const auth::RoleTraits& traits = control_.policy_.table().Traits(identity_.principal.role);
  if (patient.empty()) {
    facts.relationship = auth::Relationship::kNotPatientLinked;
  } else if (traits.unbounded) {
    facts.relationship = auth::Relationship::kNone;  // not consulted for unbounded roles
  } else {
    const std::string id(patient);
    std::vector<auth::Stay> stays;
    if (txn != nullptr) {
      TC_ASSIGN_OR_RETURN(stays, control_.relationships_.StaysOf(id, *txn));
    } else {
      TC_ASSIGN_OR_RETURN(stays, control_.relationships_.StaysOf(id));
    }
    facts.relationship =
        auth::RelationshipOf(identity_.principal.establishments, stays, control_.clock_.Now(),
                             control_.policy_.config().relationship_window);
  }
  const bool maybe_sealed = content.find("\"security\"") != std::string_view::npos;
  const bool maybe_shared = content.find(kOperationalSharingCode) != std::string_view::npos;
  if (maybe_sealed || maybe_shared) {
    TC_ASSIGN_OR_RETURN(Value resource, fhir::ParseJson(content));
    facts.sealed = auth::IsSealed(resource);
    facts.operational_consented = HasOperationalConsent(resource);
  }
  return facts;
}

auth::Decision RequestGuard::DecideOn(auth::Action action, const auth::ResourceFacts& facts) {
  auth::AccessRequest request;
  request.action = action;
  request.resource = facts;
  request.sealed_access_reason = context_.sealed_access_reason;
  return control_.policy_.Decide(identity_.principal, request, control_.clock_);
}

void RequestGuard::Note(const auth::Decision& decision, std::string_view patient) {
  if (!decision.permitted()) {
    if (denial_.empty()) denial_ = decision.reason;
    return;
  }
  if (!patient.empty()) patients_.insert("Patient/" + std::string(patient));
  for (const std::string& o : decision.obligations) {
    if (o == auth::kObligationAuditBreakGlass) break_glass_used_ = true;
    if (o == auth::kObligationAuditSealedAccess) sealed_opened_ = true;
  }
}

absl::Status RequestGuard::AllowType(auth::Action action, std::string_view type) {
  auth::Decision d = control_.policy_.DecideTypeLevel(identity_.principal, action, type);
  if (d.permitted()) return absl::OkStatus();
  Note(d, "");
  return absl::PermissionDeniedError(d.reason);
}

absl::Status RequestGuard::AllowResource(auth::Action action, const engine::ReadResult& resource) {
  TC_ASSIGN_OR_RETURN(auth::ResourceFacts facts, FactsOf(resource.type, resource.content,
                                                         resource.patient_compartment, nullptr));
  auth::Decision d = DecideOn(action, facts);
  Note(d, resource.patient_compartment);
  if (!d.permitted()) return absl::PermissionDeniedError(d.reason);
  return absl::OkStatus();
}

std::function<void(store::SearchQuery&)> RequestGuard::SearchRestriction() {
  const auth::Principal& p = identity_.principal;
  const auth::RoleTraits& traits = control_.policy_.table().Traits(p.role);
  const absl::Time now = control_.clock_.Now();
  const bool break_glass = traits.break_glass && p.break_glass.has_value() &&
                           !p.break_glass->reason.empty() && p.break_glass->granted <= now &&
                           now < p.break_glass->expires;
  const bool restrict_patients = !traits.unbounded && !break_glass;
  const bool hide_sealed =
      !(traits.sealed && (!context_.sealed_access_reason.empty() || break_glass));
  // Custodial staff also need the patient's consent per resource: only the per-resource
  // decision after the query can tell.
  if (traits.operational_only) restriction_incomplete_ = true;
  if (!restrict_patients && !hide_sealed) return {};

  std::shared_ptr<store::SearchQuery> episodes;
  if (restrict_patients) {
    episodes = std::make_shared<store::SearchQuery>();
    episodes->type = "EpisodeOfCare";
    store::Criterion& at = episodes->all_of.emplace_back();
    at.match = store::Criterion::Match::kReference;
    at.kind = store::IndexRow::Kind::kReference;
    at.param = "organization";
    for (const std::string& code : p.establishments) {
      absl::StatusOr<std::vector<std::string>> ids =
          control_.relationships_.OrganizationIdsFor(code);
      if (!ids.ok()) continue;  // fewer patients, never more
      for (const std::string& id : *ids) {
        store::Criterion::Alternative& a = at.any_of.emplace_back();
        a.system = "Organization";
        a.value = id;
      }
    }
    // Still held, or left no earlier than the window.
    store::Criterion& recent = episodes->all_of.emplace_back();
    recent.match = store::Criterion::Match::kRange;
    recent.kind = store::IndexRow::Kind::kDate;
    recent.param = "date";
    store::Criterion::Alternative& since = recent.any_of.emplace_back();
    since.comparator = store::Comparator::kGe;
    since.low = since.high = static_cast<double>(
        absl::ToUnixMicros(now - control_.policy_.config().relationship_window));
  }
  const auth::PolicyTable& table = control_.policy_.table();
  return [this, episodes, hide_sealed, &table](store::SearchQuery& q) {
    if (q.type == "AuditEvent") return;  // the audit trail is read whole by audit roles
    if (episodes && (q.type.empty() || !table.IsReferenceType(q.type))) {
      store::Criterion& c = q.all_of.emplace_back();
      c.match = store::Criterion::Match::kCompartmentIn;
      c.kind = store::IndexRow::Kind::kReference;
      c.param = "patient";
      c.any_of.emplace_back().sub = episodes;
    }
    if (!hide_sealed) return;
    if (q.type.empty()) {  // untyped ($everything): only the per-resource decision can tell
      restriction_incomplete_ = true;
      return;
    }
    store::Criterion& c = q.all_of.emplace_back();
    c.match = store::Criterion::Match::kTokenCode;
    c.kind = store::IndexRow::Kind::kToken;
    c.param = "_security";
    c.negate = true;
    for (const char* code : {"R", "V"}) {
      store::Criterion::Alternative& a = c.any_of.emplace_back();
      a.has_system = true;
      a.system = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality";
      a.value = code;
    }
  };
}

void RequestGuard::FilterOutcome(auth::Action action, engine::SearchOutcome& outcome,
                                 bool restricted_in_query) {
  size_t removed = 0;
  auto keep = [&](auth::Action a, const engine::ReadResult& r) {
    absl::StatusOr<auth::ResourceFacts> facts =
        FactsOf(r.type, r.content, r.patient_compartment, nullptr);
    if (!facts.ok()) return false;  // fail closed
    auth::Decision d = DecideOn(a, *facts);
    Note(d, r.patient_compartment);
    return d.permitted();
  };
  std::erase_if(outcome.matches, [&](const engine::ReadResult& r) {
    const bool drop = !keep(action, r);
    removed += drop ? 1 : 0;
    return drop;
  });
  std::erase_if(outcome.included,
                [&](const engine::ReadResult& r) { return !keep(auth::Action::kRead, r); });
  if (removed > 0 || !restricted_in_query || restriction_incomplete_) outcome.total = -1;
}

void RequestGuard::FilterHistory(store::HistoryPage& page) {
  const size_t before = page.versions.size();
  std::erase_if(page.versions, [&](const store::StoredVersion& v) {
    absl::StatusOr<auth::ResourceFacts> facts =
        FactsOf(v.type, v.content, v.patient_compartment, nullptr);
    if (!facts.ok()) return true;
    auth::Decision d = DecideOn(auth::Action::kHistory, *facts);
    Note(d, v.patient_compartment);
    return !d.permitted();
  });
  if (page.versions.size() != before) page.total = static_cast<int64_t>(page.versions.size());
}

absl::Status RequestGuard::BeforeWrite(const engine::WriteEvent& event, store::Transaction& txn) {
  const auth::Action action = event.interaction == "delete"   ? auth::Action::kDelete
                              : event.interaction == "create" ? auth::Action::kCreate
                                                              : auth::Action::kUpdate;
  if (event.previous) {
    TC_ASSIGN_OR_RETURN(
        auth::ResourceFacts facts,
        FactsOf(event.type, event.previous->content, event.previous->patient_compartment, &txn));
    auth::Decision d =
        DecideOn(action == auth::Action::kCreate ? auth::Action::kUpdate : action, facts);
    Note(d, event.previous->patient_compartment);
    if (!d.permitted()) return absl::PermissionDeniedError(d.reason);
  }
  if (action != auth::Action::kDelete) {
    TC_ASSIGN_OR_RETURN(auth::ResourceFacts facts,
                        FactsOf(event.type, event.content, event.patient_compartment, &txn));
    // Reception: registering a person at, or opening a custody episode at, one of the
    // requester's own establishments creates the relationship.
    if ((event.type == "Patient" || event.type == "EpisodeOfCare") &&
        facts.relationship != auth::Relationship::kCurrentlyHeld) {
      absl::StatusOr<Value> resource = fhir::ParseJson(event.content);
      if (resource.ok()) {
        if (const Value* org = resource->Find("managingOrganization"); org != nullptr) {
          std::string code;
          if (const Value* ident = org->Find("identifier");
              ident != nullptr && ident->GetString("system") == kEstablishmentCodeSystem) {
            code = std::string(ident->GetString("value"));
          } else if (std::string_view ref = org->GetString("reference");
                     ref.substr(0, 13) == "Organization/") {
            TC_ASSIGN_OR_RETURN(std::optional<store::StoredVersion> o,
                                txn.ReadCurrent("Organization", std::string(ref.substr(13))));
            if (o && !o->deleted) {
              absl::StatusOr<Value> ov = fhir::ParseJson(o->content);
              if (ov.ok()) {
                if (const Value* ids = ov->Find("identifier"); ids && ids->is_array()) {
                  for (const Value& i : ids->array()) {
                    if (i.GetString("system") == kEstablishmentCodeSystem) {
                      code = std::string(i.GetString("value"));
                    }
                  }
                }
              }
            }
          }
          const auto& mine = identity_.principal.establishments;
          const bool new_patient = event.type == "Patient" && !event.previous;
          if (!code.empty() && std::find(mine.begin(), mine.end(), code) != mine.end() &&
              (new_patient || event.type == "EpisodeOfCare")) {
            facts.relationship = auth::Relationship::kCurrentlyHeld;
          }
        }
      }
    }
    auth::Decision d = DecideOn(action, facts);
    Note(d, event.patient_compartment);
    if (!d.permitted()) return absl::PermissionDeniedError(d.reason);
  }
  if (event.type == "EpisodeOfCare" || event.type == "Organization") {
    relationships_changed_ = true;
    control_.relationships_.Invalidate();
  }
  return absl::OkStatus();
}

absl::Status RequestGuard::AfterWrite(const engine::WriteEvent& event, store::Transaction& txn) {
  audit::AuditRecord record;
  record.kind = audit::AuditKind::kRest;
  record.interaction = event.interaction;
  record.recorded = control_.clock_.Now();
  record.agent = AgentOf(identity_, context_);
  record.server = control_.options_.server_name;
  record.resource_reference =
      event.type + "/" + event.id + "/_history/" + std::to_string(event.version);
  const std::string& patient = event.patient_compartment.empty() && event.previous
                                   ? event.previous->patient_compartment
                                   : event.patient_compartment;
  if (!patient.empty()) record.patients.push_back("Patient/" + patient);
  if (break_glass_used_) record.break_glass_reason = context_.break_glass_reason;
  if (sealed_opened_) record.sealed_access_reason = context_.sealed_access_reason;
  record.request_id = context_.request_id;
  TC_ASSIGN_OR_RETURN(Value audit_event, audit::BuildAuditEvent(record));
  TC_RETURN_IF_ERROR(control_.audit_.AppendInTransaction(txn, std::move(audit_event)).status());
  wrote_ = true;
  return absl::OkStatus();
}

absl::Status RequestGuard::CheckRead(const engine::ReadResult& resource) {
  return AllowResource(auth::Action::kRead, resource);
}

void RequestGuard::FilterSearch(engine::SearchOutcome& outcome) {
  FilterOutcome(auth::Action::kSearch, outcome, /*restricted_in_query=*/false);
}

void RequestGuard::Finish(std::string_view interaction, std::string_view resource,
                          std::string_view query, int status, std::string_view failure) {
  const absl::Time now = control_.clock_.Now();
  if (break_glass_used_) {
    audit::AuditRecord alert;
    alert.kind = audit::AuditKind::kBreakGlassStart;
    alert.recorded = now;
    alert.agent = AgentOf(identity_, context_);
    alert.server = control_.options_.server_name;
    alert.break_glass_reason = context_.break_glass_reason;
    alert.patients.assign(patients_.begin(), patients_.end());
    alert.request_id = context_.request_id;
    if (absl::StatusOr<Value> e = audit::BuildAuditEvent(alert); e.ok()) {
      control_.audit_.Enqueue(std::move(*e));
    }
  }
  // A successful write was recorded in its own transaction.
  if (wrote_ && status < 400 && IsWrite(interaction)) return;
  audit::AuditRecord record;
  record.kind = audit::AuditKind::kRest;
  record.interaction = std::string(interaction);
  record.recorded = now;
  record.agent = AgentOf(identity_, context_);
  record.server = control_.options_.server_name;
  record.resource_reference = std::string(resource);
  record.query = std::string(query);
  record.patients.assign(patients_.begin(), patients_.end());
  if (status >= 400) {
    record.outcome =
        status >= 500 ? audit::AuditOutcome::kSeriousFailure : audit::AuditOutcome::kMinorFailure;
    record.outcome_description = !failure.empty() ? std::string(failure) : denial_;
  }
  if (break_glass_used_) record.break_glass_reason = context_.break_glass_reason;
  if (sealed_opened_) record.sealed_access_reason = context_.sealed_access_reason;
  record.request_id = context_.request_id;
  if (absl::StatusOr<Value> e = audit::BuildAuditEvent(record); e.ok()) {
    control_.audit_.Enqueue(std::move(*e));
  }
}

}  // namespace tc::access
