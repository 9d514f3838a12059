// File: audit/audit_event.h
//
// Builds FHIR R4 AuditEvent resources in the patterns of IHE Basic Audit Log Patterns (BALP,
// https://profiles.ihe.net/ITI/BALP/) for what issue 4 ("Audit" 10) must record:
//   * RESTful interactions (BALP Create/Read/Update/Delete/Query, with a Patient when known):
//       type    http://terminology.hl7.org/CodeSystem/audit-event-type#rest
//       subtype http://hl7.org/fhir/restful-interaction#<interaction> (read, vread, update,
//               patch, delete, history-instance, history-type, history-system, create,
//               search-type, search-system, capabilities, transaction, batch, operation)
//       action  C (create), R (read, vread, history-instance), U (update, patch), D (delete),
//               E (searches, other histories, operations, batch, transaction)
//   * login, logout and failed login (DICOM "User Authentication"):
//       type DCM#110114, subtype DCM#110122 Login / DCM#110123 Logout, action E;
//   * the start of a break-glass period (as the FHIR R4 example "example-breakglass-start"):
//       type DCM#110113 Security Alert, subtype DCM#110127 Emergency Override Started.
// Codes: DICOM PS3.16 (http://dicom.nema.org/resources/ontology/DCM) and the FHIR R4 code
// systems audit-event-type, restful-interaction, audit-entity-type, object-role,
// v3-ParticipationType, security-source-type and v3-ActReason.
//
// Shape: agent[0] is the user or client (type v3-ParticipationType#IRCP "information
// recipient", requestor true, role = our role id under https://throughcare.dev/fhir/role, the
// login as who.identifier and as altId (AuditEvent?altid=<login>), network address when known);
// agent[1] is this server (DCM#110152 Destination Role ID).
// Entities: each patient (audit-entity-type#1 Person, object-role#1 Patient) — for a search,
// EVERY patient whose data was returned; the resource touched (type 2 System Object, role 4
// Domain Resource); for a search the query (type 2, role 24 Query, `query` = base64 of the query
// string, `description` = the query string). Outcome 0 (success), 4 (minor failure: refused by
// policy, failed login), 8 or 12, with outcomeDesc. A break-glass or sealed-record access adds
// purposeOfEvent v3-ActReason#ETREAT or the reason as text, and the typed reason in an entity
// detail, so privacy officers can find it.
//
// Pure; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "fhir/value.h"

namespace tc::audit {

enum class AuditKind { kRest, kLogin, kLogout, kBreakGlassStart };

enum class AuditOutcome {
  kSuccess = 0,
  kMinorFailure = 4,
  kSeriousFailure = 8,
  kMajorFailure = 12
};

struct AuditAgent {
  std::string reference;  // e.g. "Practitioner/123" or "Device/client-7" ("" if none)
  std::string user_id;    // login name or client_id (agent.who.identifier.value)
  std::string name;       // display name
  std::string role_id;    // auth role id, e.g. "registered-nurse"
  std::string address;    // client IP address ("" if unknown)
};

struct AuditRecord {
  AuditKind kind = AuditKind::kRest;
  std::string interaction;  // restful-interaction code; required for kRest
  absl::Time recorded;
  AuditOutcome outcome = AuditOutcome::kSuccess;
  std::string outcome_description;  // e.g. the policy's reason for a denial
  AuditAgent agent;
  std::string server;                 // this server's observer name (source.observer.display)
  std::string resource_reference;     // "Observation/123" or "Observation/123/_history/2"
  std::string query;                  // the search's query string, e.g. "Observation?patient=1"
  std::vector<std::string> patients;  // "Patient/…" references (all patients returned)
  std::string break_glass_reason;     // "" unless break-glass was used
  std::string sealed_access_reason;   // "" unless a sealed record was opened with a reason
  std::string request_id;             // X-Request-Id, if any
};

// The AuditEvent for `record`. InvalidArgument when a kRest record has no or an unknown
// interaction code, when `server` is empty, or when a patient reference does not start with
// "Patient/".
absl::StatusOr<fhir::Value> BuildAuditEvent(const AuditRecord& record);

}  // namespace tc::audit
