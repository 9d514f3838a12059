#include "auth/policy.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "base/status_macros.h"

namespace tc::auth {
namespace {

constexpr std::string_view kAuditEvent = "AuditEvent";
constexpr std::string_view kConfidentialitySystem =
    "http://terminology.hl7.org/CodeSystem/v3-Confidentiality";

bool IsReadClass(Action a) {
  return a == Action::kRead || a == Action::kVread || a == Action::kSearch || a == Action::kHistory;
}

bool IsWriteClass(Action a) {
  return a == Action::kCreate || a == Action::kUpdate || a == Action::kPatch ||
         a == Action::kDelete;
}

// The grant letter an action needs (export and everything read).
uint8_t GrantFor(Action a) {
  switch (a) {
    case Action::kCreate:
      return kGrantCreate;
    case Action::kUpdate:
    case Action::kPatch:
      return kGrantUpdate;
    case Action::kDelete:
      return kGrantDelete;
    default:
      return kGrantRead;
  }
}

std::optional<ScopeInteraction> ScopeInteractionFor(Action a) {
  switch (a) {
    case Action::kRead:
    case Action::kVread:
    case Action::kHistory:
    case Action::kExport:
    case Action::kEverything:
    case Action::kAuditRead:
      return ScopeInteraction::kRead;
    case Action::kSearch:
      return ScopeInteraction::kSearch;
    case Action::kCreate:
      return ScopeInteraction::kCreate;
    case Action::kUpdate:
    case Action::kPatch:
      return ScopeInteraction::kUpdate;
    case Action::kDelete:
      return ScopeInteraction::kDelete;
    case Action::kAdmin:
      return std::nullopt;
  }
  return std::nullopt;
}

Decision Deny(std::string reason) { return Decision{Effect::kDeny, std::move(reason), {}}; }

std::string Describe(const Principal& p, Action a, std::string_view type) {
  std::string s(RoleId(p.role));
  s.append(" may not ").append(ActionId(a));
  if (!type.empty()) s.append(" ").append(type);
  return s;
}

void AddObligation(Decision& d, std::string_view obligation) {
  if (std::find(d.obligations.begin(), d.obligations.end(), obligation) == d.obligations.end()) {
    d.obligations.emplace_back(obligation);
  }
}

}  // namespace

std::string_view ActionId(Action action) {
  switch (action) {
    case Action::kRead:
      return "read";
    case Action::kVread:
      return "vread";
    case Action::kSearch:
      return "search";
    case Action::kHistory:
      return "history";
    case Action::kCreate:
      return "create";
    case Action::kUpdate:
      return "update";
    case Action::kDelete:
      return "delete";
    case Action::kPatch:
      return "patch";
    case Action::kExport:
      return "export";
    case Action::kEverything:
      return "everything";
    case Action::kAuditRead:
      return "audit-read";
    case Action::kAdmin:
      return "admin";
  }
  return "";
}

std::string_view RelationshipId(Relationship relationship) {
  switch (relationship) {
    case Relationship::kNone:
      return "none";
    case Relationship::kCurrentlyHeld:
      return "held";
    case Relationship::kLeftWithinWindow:
      return "left-within-window";
    case Relationship::kLeftBeyondWindow:
      return "left-beyond-window";
    case Relationship::kNotPatientLinked:
      return "not-patient-linked";
  }
  return "";
}

Relationship RelationshipOf(std::span<const std::string> establishments,
                            std::span<const Stay> stays, absl::Time now, absl::Duration window) {
  Relationship best = Relationship::kNone;
  for (const Stay& stay : stays) {
    if (std::find(establishments.begin(), establishments.end(), stay.establishment) ==
        establishments.end()) {
      continue;
    }
    if (stay.start > now) continue;  // a future booking is not a relationship yet
    if (!stay.end.has_value() || *stay.end > now) return Relationship::kCurrentlyHeld;
    if (*stay.end >= now - window) {
      best = Relationship::kLeftWithinWindow;
    } else if (best == Relationship::kNone) {
      best = Relationship::kLeftBeyondWindow;
    }
  }
  return best;
}

bool IsSealed(const fhir::Value& resource) {
  const fhir::Value* meta = resource.Find("meta");
  const fhir::Value* security = meta != nullptr ? meta->Find("security") : nullptr;
  if (security == nullptr || !security->is_array()) return false;
  for (const fhir::Value& coding : security->array()) {
    if (coding.GetString("system") != kConfidentialitySystem) continue;
    std::string_view code = coding.GetString("code");
    if (code == "R" || code == "V") return true;
  }
  return false;
}

absl::StatusOr<Policy> Policy::Create(std::string_view table_text, PolicyConfig config) {
  TC_ASSIGN_OR_RETURN(PolicyTable table, ParsePolicyTable(table_text));
  if (config.relationship_window <= absl::ZeroDuration() ||
      config.max_break_glass <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("policy: windows must be positive");
  }
  return Policy(std::move(table), std::move(config));
}

bool Policy::BreakGlassValid(const Principal& principal, absl::Time now) const {
  if (!principal.break_glass.has_value()) return false;
  const BreakGlass& bg = *principal.break_glass;
  std::string reason = bg.reason;
  absl::StripAsciiWhitespace(&reason);
  return !reason.empty() && bg.granted <= now && now < bg.expires &&
         bg.expires - bg.granted <= config_.max_break_glass;
}

std::optional<Decision> Policy::CheckRoleAndScopes(const Principal& principal, Action action,
                                                   std::string_view resource_type,
                                                   bool patient_linked,
                                                   const ResourceFacts* facts) const {
  const RoleTraits& traits = table_.Traits(principal.role);
  const bool is_audit = resource_type == kAuditEvent;

  // Rule 1: actions and types with their own gate.
  if (action == Action::kAdmin) {
    if (!traits.admin) return Deny(Describe(principal, action, resource_type));
    if (patient_linked) return Deny("administration never covers patient-linked data");
  } else if (action == Action::kAuditRead) {
    if (!traits.audit_read) return Deny(Describe(principal, action, resource_type));
  } else if (is_audit) {
    if (IsWriteClass(action)) return Deny("audit entries cannot be changed through any request");
    if (action == Action::kEverything) return Deny("$everything applies to Patient only");
    if (!traits.audit_read || (action == Action::kExport && !traits.bulk_export)) {
      return Deny(Describe(principal, action, resource_type));
    }
  } else {
    // Rule 2: roles that never see clinical data.
    if (traits.no_clinical && patient_linked) {
      return Deny(std::string(RoleId(principal.role))
                      .append(" has no access to patient-level data (aggregate only)"));
    }
    if (traits.operational_only && patient_linked) {
      if (!IsReadClass(action)) {
        return Deny("custodial staff may only read shared operational information");
      }
      if (facts != nullptr && (!facts->operational_consented || facts->sealed)) {
        return Deny(
            "custodial staff see only operational information the patient consented to share");
      }
    }
    // Rule 3: the role's grant on the type.
    if (action == Action::kEverything && resource_type != "Patient") {
      return Deny("$everything applies to Patient only");
    }
    if ((action == Action::kEverything && !traits.everything) ||
        (action == Action::kExport && !traits.bulk_export) ||
        (table_.Grant(principal.role, resource_type) & GrantFor(action)) == 0) {
      return Deny(Describe(principal, action, resource_type));
    }
  }

  // Rule 4: SMART scopes.
  const bool is_system = principal.role == Role::kSystem;
  if (is_system && !principal.scopes.has_value()) return Deny("system access needs scopes");
  if (principal.scopes.has_value()) {
    std::optional<ScopeInteraction> interaction = ScopeInteractionFor(action);
    std::string_view scope_type = action == Action::kAuditRead ? kAuditEvent : resource_type;
    if (!interaction.has_value() ||
        !Allows(*principal.scopes, is_system ? ScopeContext::kSystem : ScopeContext::kUser,
                scope_type, *interaction)) {
      std::string reason = "the token's scopes do not allow ";
      reason.append(ActionId(action)).append(" ").append(scope_type);
      return Deny(std::move(reason));
    }
  }
  return std::nullopt;
}

Decision Policy::DecideTypeLevel(const Principal& principal, Action action,
                                 std::string_view resource_type) const {
  const bool patient_linked = !table_.IsReferenceType(resource_type);
  if (std::optional<Decision> denied =
          CheckRoleAndScopes(principal, action, resource_type, patient_linked, nullptr)) {
    return *std::move(denied);
  }
  return Decision{Effect::kPermit, "permitted by role and scopes; filter each result", {}};
}

Decision Policy::Decide(const Principal& principal, const AccessRequest& request,
                        const base::Clock& clock) const {
  const ResourceFacts& facts = request.resource;
  const RoleTraits& traits = table_.Traits(principal.role);
  // Whether a resource belongs to a patient is decided by its type, never by the caller's claim:
  // a clinical type said to be "not patient-linked" is treated as having no relationship.
  const bool patient_linked = !table_.IsReferenceType(facts.resource_type);
  const Relationship relationship = facts.relationship == Relationship::kNotPatientLinked
                                        ? Relationship::kNone
                                        : facts.relationship;
  if (std::optional<Decision> denied = CheckRoleAndScopes(
          principal, request.action, facts.resource_type, patient_linked, &facts)) {
    return *std::move(denied);
  }
  // The audit trail is read as a whole by those entitled to it: no relationship or sealing.
  if (request.action == Action::kAuditRead || facts.resource_type == kAuditEvent) {
    return Decision{Effect::kPermit, "permitted: audit trail access", {}};
  }

  Decision decision{Effect::kPermit, "permitted", {}};
  const bool break_glass = traits.break_glass && BreakGlassValid(principal, clock.Now());

  // Rule 5: legitimate relationship.
  if (patient_linked && !traits.unbounded) {
    if (traits.operational_only && relationship != Relationship::kCurrentlyHeld) {
      return Deny("custodial staff see shared information only while the patient is held");
    }
    // After leaving, the record is read-only apart from handover documentation.
    const bool read_only_after_leaving = relationship == Relationship::kLeftWithinWindow &&
                                         IsWriteClass(request.action) &&
                                         !table_.IsWritableAfterLeaving(facts.resource_type);
    const bool legitimate = (relationship == Relationship::kCurrentlyHeld ||
                             relationship == Relationship::kLeftWithinWindow) &&
                            !read_only_after_leaving;
    if (!legitimate) {
      if (!break_glass || request.action == Action::kExport) {
        std::string reason;
        if (read_only_after_leaving) {
          reason.append("the patient has left: ").append(facts.resource_type);
          reason.append(" is read-only (handover notes, letters, referrals and tasks excepted)");
        } else {
          reason.append("no legitimate relationship with this patient (");
          reason.append(RelationshipId(relationship)).append(")");
        }
        if (request.action != Action::kExport && traits.break_glass) {
          reason.append("; break-glass with a reason is required");
        }
        return Deny(std::move(reason));
      }
      decision.reason = "permitted by break-glass";
      AddObligation(decision, kObligationAuditBreakGlass);
      AddObligation(decision, kObligationAlertPrivacyOfficer);
    } else {
      decision.reason = "permitted: legitimate relationship";
    }
  }

  // Rule 6: sealed resources.
  if (facts.sealed) {
    if (!traits.sealed) {
      return Deny(std::string(RoleId(principal.role)).append(" may not open sealed records"));
    }
    std::string reason = request.sealed_access_reason;
    absl::StripAsciiWhitespace(&reason);
    if (reason.empty() && !break_glass) {
      return Deny("sealed record: a reason is required to open it");
    }
    if (reason.empty()) {
      AddObligation(decision, kObligationAuditBreakGlass);
      AddObligation(decision, kObligationAlertPrivacyOfficer);
    }
    AddObligation(decision, kObligationAuditSealedAccess);
    decision.reason.append("; sealed record opened with a reason");
  }
  return decision;
}

}  // namespace tc::auth
