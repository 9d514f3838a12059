// File: access/access_control.h
//
// Access control of the FHIR API (issue 4): who is asking (Authenticate: a bearer access token,
// access/access_token.h), whether they may (auth::Policy, the one decision module), and the
// record of it (audit/audit_log.h). One AccessControl lives for the server; one RequestGuard
// per request carries the requester's identity and collects what the request touched.
//
// How a request is guarded (rest/fhir_api.cc calls these):
//   * type-level first (AllowType): search, history, $everything and creates run only if the
//     role, grants and scopes allow them at all (rules 1–4 of auth/policy.h);
//   * every resource returned — reads, search matches, _include/_revinclude results, history
//     versions, $everything, Bundle GET entries — is decided one by one (Decide) with its facts:
//     its type, the relationship of its patient (from the patient compartment and the patient's
//     stays, access/relationships.h), its sealing (auth::IsSealed) and operational consent
//     (meta.tag kOperationalSharingSystem|kOperationalSharingCode). Denied matches are removed;
//     a direct read of a denied resource is 403;
//   * every write is decided inside its transaction, for the version before the change (update,
//     patch, delete) and for the new version (engine::AccessHooks::BeforeWrite), and audited in
//     the same transaction (AfterWrite);
//   * Finish() records the request: one AuditEvent naming every patient whose data was returned,
//     or the denial with the policy's reason. Break-glass and sealed-record access carry their
//     reasons; a break-glass request also records a "break-glass started" security alert for the
//     privacy officer (AuditEvent?type=http://dicom.nema.org/resources/ontology/DCM|110113).
// Totals: when a search page had anything removed, or the requester's view is restricted by
// relationship or sealing, Bundle.total is not reported (it would count hidden resources).
// Thread-safe (AccessControl); a RequestGuard is used by one request at a time.
#pragma once

#include <functional>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "access/access_token.h"
#include "access/relationships.h"
#include "audit/audit_log.h"
#include "auth/policy.h"
#include "base/clock.h"
#include "engine/access_hooks.h"
#include "engine/repository.h"
#include "store/store.h"

namespace tc::access {

// Operational health information a patient consented to share with custodial staff.
inline constexpr std::string_view kOperationalSharingSystem =
    "https://throughcare.dev/fhir/CodeSystem/information-sharing";
inline constexpr std::string_view kOperationalSharingCode = "custodial-operational";

struct Identity {
  std::string subject;    // login or client id
  std::string name;       // display name
  std::string client_id;  // OAuth client, "" for staff
  auth::Principal principal;
};

// Facts about the HTTP request, for the audit entry and break-glass.
struct RequestContext {
  std::string address;               // client IP
  std::string request_id;            // X-Request-Id
  std::string break_glass_reason;    // X-Break-Glass-Reason ("" = none)
  std::string sealed_access_reason;  // X-Sealed-Access-Reason ("" = none)
};

struct AccessControlOptions {
  std::string server_name = "throughcare";
  auth::PolicyConfig policy;
  // How long one break-glass declaration on the API lasts (auth::BreakGlass).
  absl::Duration break_glass_duration = absl::Hours(1);
};

class RequestGuard;

class AccessControl {
 public:
  // All references must outlive the AccessControl.
  static absl::StatusOr<std::unique_ptr<AccessControl>> Create(store::Store& store,
                                                               audit::AuditLog& audit,
                                                               TokenKeys keys,
                                                               const base::Clock& clock,
                                                               AccessControlOptions options = {});

  // The identity of a request's "Authorization: Bearer <token>" header. Unauthenticated when
  // missing or invalid (the failure is audited as a failed login).
  absl::StatusOr<Identity> Authenticate(std::string_view authorization,
                                        const RequestContext& context);

  std::unique_ptr<RequestGuard> Guard(Identity identity, RequestContext context);

  // An EpisodeOfCare or Organization changed: relationships must be recomputed.
  void RelationshipsChanged() { relationships_.Invalidate(); }

  const auth::Policy& policy() const { return policy_; }
  audit::AuditLog& audit() { return audit_; }
  const TokenKeys& keys() const { return keys_; }
  const base::Clock& clock() const { return clock_; }
  const AccessControlOptions& options() const { return options_; }
  RelationshipResolver& relationships() { return relationships_; }

 private:
  AccessControl(store::Store& store, audit::AuditLog& audit, TokenKeys keys,
                const base::Clock& clock, AccessControlOptions options, auth::Policy policy);
  friend class RequestGuard;
  audit::AuditLog& audit_;
  TokenKeys keys_;
  const base::Clock& clock_;
  AccessControlOptions options_;
  auth::Policy policy_;
  RelationshipResolver relationships_;
  // Tokens already verified (the same token comes with every request of a session or client):
  // token → identity, until the token expires. Bounded; emptied when full.
  struct CachedIdentity {
    Identity identity;
    absl::Time expires;
  };
  absl::Mutex token_cache_mu_;
  absl::flat_hash_map<std::string, CachedIdentity> token_cache_ ABSL_GUARDED_BY(token_cache_mu_);
};

class RequestGuard final : public engine::AccessHooks {
 public:
  RequestGuard(AccessControl& control, Identity identity, RequestContext context);

  const Identity& identity() const { return identity_; }
  const RequestContext& context() const { return context_; }

  // Rules 1–4 for `action` on `type` before a query runs. PermissionDenied with the reason.
  absl::Status AllowType(auth::Action action, std::string_view type);
  // One resource the request would return. PermissionDenied with the reason.
  absl::Status AllowResource(auth::Action action, const engine::ReadResult& resource);
  // The restriction to put into a search or $everything query (engine::SearchOptions::restrict),
  // so that what this requester may not see is neither returned, counted nor matched through
  // chains and _has: for patient-linked types, only the compartments of patients with a custody
  // episode at one of the requester's establishments ending no earlier than the relationship
  // window (none for unbounded roles and valid break-glass); for every typed query, no resource
  // labelled R or V unless sealed records may be opened. Empty when nothing is restricted.
  std::function<void(store::SearchQuery&)> SearchRestriction();
  // Removes what may not be seen from a search / $everything outcome (matches and included):
  // the policy's per-resource decision, after the query (defence in depth). The total is kept
  // only when `restricted_in_query` (the query carried SearchRestriction()), the restriction was
  // complete and nothing was removed; otherwise it is hidden.
  void FilterOutcome(auth::Action action, engine::SearchOutcome& outcome,
                     bool restricted_in_query = false);
  // Same for a history page.
  void FilterHistory(store::HistoryPage& page);

  // engine::AccessHooks
  absl::Status BeforeWrite(const engine::WriteEvent& event, store::Transaction& txn) override;
  absl::Status AfterWrite(const engine::WriteEvent& event, store::Transaction& txn) override;
  absl::Status CheckRead(const engine::ReadResult& resource) override;
  void FilterSearch(engine::SearchOutcome& outcome) override;

  // Records the request (reads, searches, denials; writes were recorded in their
  // transactions): `interaction` is the restful-interaction code, `resource` the resource or
  // type touched, `query` the query string of a search, `status` the HTTP status sent.
  void Finish(std::string_view interaction, std::string_view resource, std::string_view query,
              int status, std::string_view failure = "");

  // True when a write changed an EpisodeOfCare or Organization.
  bool relationships_changed() const { return relationships_changed_; }

 private:
  struct Facts;
  absl::StatusOr<auth::ResourceFacts> FactsOf(std::string_view type, std::string_view content,
                                              std::string_view patient, store::Transaction* txn);
  auth::Decision DecideOn(auth::Action action, const auth::ResourceFacts& facts);
  void Note(const auth::Decision& decision, std::string_view patient);

  AccessControl& control_;
  Identity identity_;
  RequestContext context_;
  std::set<std::string> patients_;  // patients whose data the request returned or changed
  bool break_glass_used_ = false;
  bool sealed_opened_ = false;
  bool relationships_changed_ = false;
  bool wrote_ = false;                   // some write was audited in its transaction
  bool restriction_incomplete_ = false;  // SearchRestriction could not express everything
  std::string denial_;                   // the first denial's reason
};

}  // namespace tc::access
