// File: auth/policy.h
//
// THE access policy decision (issue 4, "Policy" 5–9): one pure function decides every request,
// from the web UI, the FHIR API, bulk export and the CLI. It knows nothing of HTTP or storage:
// the caller states who is asking (Principal), what they want to do (Action), and the facts
// about the resource (its type, the patient's relationship to the principal, sealing, and
// whether it is operational information the patient consented to share).
//
// Rules, applied in this order (the first that refuses gives the Decision's reason):
//   1. Actions with their own gate: `admin` needs the admin trait and a non-patient-linked
//      target; `audit-read` needs the audit-read trait. AuditEvent is never created, updated,
//      patched or deleted through any request ("audit entries cannot be changed"); reading
//      AuditEvent needs the audit-read trait.
//   2. Roles with the no-clinical trait (commissioner, system administrator) never touch
//      patient-linked data. Roles with operational-only (custodial staff) only read resources
//      marked operational and consented, never sealed ones.
//   3. The role's grant on the resource type (auth/policy_table.h) must include the letter the
//      action needs: read/vread/history/search → r, create → c, update/patch → u, delete → d.
//      `export` also needs the export trait and r; `everything` applies to Patient only and
//      needs the everything trait and r.
//   4. SMART scopes: a principal with scopes (every `system` principal must have them) is also
//      bounded by them — `system` role in the system/ context, others in the user/ context.
//   5. Legitimate relationship, for patient-linked resources, unless the role is `unbounded`:
//      the patient is currently held at one of the principal's establishments, or left one
//      within the window (PolicyConfig) — then the record is read-only except the table's
//      after-leaving types (handover notes, letters, referrals, tasks); custodial staff need
//      the patient currently held. Otherwise (including a write refused as read-only after
//      leaving) only a valid break-glass grant (non-empty reason,
//      started, not expired, no longer than PolicyConfig::max_break_glass) held by a role with
//      the break-glass trait permits — never for `export` — with the obligations
//      "audit-break-glass" and "alert-privacy-officer". Patient-linked means any type the
//      table does not list as reference data; for those, kNotPatientLinked counts as kNone
//      (fail closed: the caller's claim cannot lift the relationship check).
//   6. Sealed resources (confidentiality R or V, see IsSealed) need the sealed trait AND a
//      reason: a sealed-access reason on the request, or a valid break-glass grant (which then
//      adds its obligations). Permitted sealed access carries "audit-sealed-access".
// Anything not permitted by these rules is denied: unknown resource types have no grants.
//
// Creates: the relationship is that of the patient the new resource will belong to; a new
// Patient registered at reception together with its EpisodeOfCare at the principal's
// establishment is kCurrentlyHeld.
//
// Searches, history, $everything and export: call DecideTypeLevel before running the query
// (rules 1–4, which do not depend on any one resource), then Decide with kRead-class action
// for EVERY resource returned (including _include / _revinclude results and counts), so that
// unrelated and sealed resources are filtered out.
//
// Every Decision (permit and deny) is to be audited by the caller; obligations name what must
// happen in addition. Pure: time comes from the Clock; thread-safe.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "auth/policy_table.h"
#include "auth/roles.h"
#include "auth/scopes.h"
#include "base/clock.h"
#include "fhir/value.h"

namespace tc::auth {

enum class Action : uint8_t {
  kRead,
  kVread,
  kSearch,
  kHistory,
  kCreate,
  kUpdate,
  kDelete,
  kPatch,
  kExport,
  kEverything,
  kAuditRead,
  kAdmin,
};
inline constexpr Action kAllActions[] = {
    Action::kRead,   Action::kVread,      Action::kSearch,    Action::kHistory,
    Action::kCreate, Action::kUpdate,     Action::kDelete,    Action::kPatch,
    Action::kExport, Action::kEverything, Action::kAuditRead, Action::kAdmin,
};
// "read", "vread", "search", "history", "create", "update", "delete", "patch", "export",
// "everything", "audit-read", "admin".
std::string_view ActionId(Action action);

// The patient's relationship to the principal (see RelationshipOf).
enum class Relationship : uint8_t {
  kNone,              // never at any of the principal's establishments
  kCurrentlyHeld,     // held now at one of them
  kLeftWithinWindow,  // left one of them no longer ago than the window
  kLeftBeyondWindow,  // left one of them longer ago than the window
  kNotPatientLinked,  // the resource belongs to no patient
};
// "none", "held", "left-within-window", "left-beyond-window", "not-patient-linked".
std::string_view RelationshipId(Relationship relationship);

struct BreakGlass {
  std::string reason;  // typed by the user; shown on screen and sent to the privacy officer
  absl::Time granted;
  absl::Time expires;
};

struct Principal {
  Role role = Role::kRegisteredNurse;
  std::vector<std::string> establishments;  // ODS-style codes the principal is assigned to
  std::optional<BreakGlass> break_glass;
  std::optional<Scopes> scopes;  // the token's SMART scopes (API clients; required for system)
};

struct ResourceFacts {
  std::string resource_type;
  Relationship relationship = Relationship::kNotPatientLinked;
  bool sealed = false;
  // Operational health information (e.g. "fit to travel", "needs escort") that the patient has
  // consented to share with custodial staff.
  bool operational_consented = false;
};

struct AccessRequest {
  Action action = Action::kRead;
  ResourceFacts resource;
  std::string sealed_access_reason;  // a reason typed to open sealed records ("" if none)
};

struct PolicyConfig {
  absl::Duration relationship_window = absl::Hours(24 * 28);
  absl::Duration max_break_glass = absl::Hours(12);
};

enum class Effect : uint8_t { kDeny, kPermit };

inline constexpr std::string_view kObligationAuditBreakGlass = "audit-break-glass";
inline constexpr std::string_view kObligationAlertPrivacyOfficer = "alert-privacy-officer";
inline constexpr std::string_view kObligationAuditSealedAccess = "audit-sealed-access";

struct Decision {
  Effect effect = Effect::kDeny;
  std::string reason;                    // plain English, for the audit entry and the UI
  std::vector<std::string> obligations;  // in the order listed above, no repeats

  bool permitted() const { return effect == Effect::kPermit; }
};

// A patient's stay at an establishment (from EpisodeOfCare / Encounter).
struct Stay {
  std::string establishment;
  absl::Time start;
  std::optional<absl::Time> end;  // nullopt while held
};

// The relationship of a patient with `stays` to a principal assigned to `establishments`, at
// `now`: held (a stay at one of them with no end, or ending after now) beats left within
// `window` (ended at or after now - window) beats left beyond it; kNone if no stay matches.
Relationship RelationshipOf(std::span<const std::string> establishments,
                            std::span<const Stay> stays, absl::Time now, absl::Duration window);

// True when `resource` carries a confidentiality security label of R (restricted) or V (very
// restricted) from http://terminology.hl7.org/CodeSystem/v3-Confidentiality in meta.security.
bool IsSealed(const fhir::Value& resource);

class Policy {
 public:
  // Parses `table_text` (DefaultPolicyTableText() in production). InvalidArgument on a bad
  // table or a non-positive window.
  static absl::StatusOr<Policy> Create(std::string_view table_text, PolicyConfig config = {});

  // The decision for one request on one resource. See the file comment.
  Decision Decide(const Principal& principal, const AccessRequest& request,
                  const base::Clock& clock) const;

  // Rules 1–4 only, for `action` on `resource_type` in general (before a search, history,
  // $everything or export): deny means the query must not run at all.
  Decision DecideTypeLevel(const Principal& principal, Action action,
                           std::string_view resource_type) const;

  const PolicyTable& table() const { return table_; }
  const PolicyConfig& config() const { return config_; }

 private:
  Policy(PolicyTable table, PolicyConfig config)
      : table_(std::move(table)), config_(std::move(config)) {}
  // Rules 1–4; nullopt when they pass.
  std::optional<Decision> CheckRoleAndScopes(const Principal& principal, Action action,
                                             std::string_view resource_type, bool patient_linked,
                                             const ResourceFacts* facts) const;
  bool BreakGlassValid(const Principal& principal, absl::Time now) const;

  PolicyTable table_;
  PolicyConfig config_;
};

}  // namespace tc::auth
