#include "audit/audit_event.h"

#include <openssl/evp.h>

#include <string_view>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace tc::audit {
namespace {

using fhir::Value;

constexpr std::string_view kDcm = "http://dicom.nema.org/resources/ontology/DCM";
constexpr std::string_view kEventType = "http://terminology.hl7.org/CodeSystem/audit-event-type";
constexpr std::string_view kRestful = "http://hl7.org/fhir/restful-interaction";
constexpr std::string_view kEntityType = "http://terminology.hl7.org/CodeSystem/audit-entity-type";
constexpr std::string_view kObjectRole = "http://terminology.hl7.org/CodeSystem/object-role";
constexpr std::string_view kParticipation =
    "http://terminology.hl7.org/CodeSystem/v3-ParticipationType";
constexpr std::string_view kSourceType =
    "http://terminology.hl7.org/CodeSystem/security-source-type";
constexpr std::string_view kActReason = "http://terminology.hl7.org/CodeSystem/v3-ActReason";
constexpr std::string_view kRoleSystem = "https://throughcare.dev/fhir/role";
constexpr std::string_view kRequestIdSystem = "https://throughcare.dev/fhir/request-id";

Value Str(std::string_view s) { return Value::String(std::string(s)); }

Value Coding(std::string_view system, std::string_view code, std::string_view display = "") {
  Value c = Value::Object();
  c.Set("system", Str(system));
  c.Set("code", Str(code));
  if (!display.empty()) c.Set("display", Str(display));
  return c;
}

Value Concept(Value coding) {
  Value c = Value::Object();
  c.Set("coding", Value::MakeArray({std::move(coding)}));
  return c;
}

Value Reference(std::string_view reference) {
  Value r = Value::Object();
  r.Set("reference", Str(reference));
  return r;
}

// restful-interaction code → AuditEvent.action; "" for an unknown code.
std::string_view ActionFor(std::string_view interaction) {
  if (interaction == "create") return "C";
  if (interaction == "read" || interaction == "vread" || interaction == "history-instance") {
    return "R";
  }
  if (interaction == "update" || interaction == "patch") return "U";
  if (interaction == "delete") return "D";
  if (interaction == "search-type" || interaction == "search-system" || interaction == "search" ||
      interaction == "history-type" || interaction == "history-system" ||
      interaction == "history" || interaction == "capabilities" || interaction == "operation" ||
      interaction == "batch" || interaction == "transaction") {
    return "E";
  }
  return "";
}

std::string Base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()),
                          static_cast<int>(bytes.size()));
  out.resize(n < 0 ? 0 : static_cast<size_t>(n));
  return out;
}

Value Detail(std::string_view type, std::string_view text) {
  Value d = Value::Object();
  d.Set("type", Str(type));
  d.Set("valueString", Str(text));
  return d;
}

}  // namespace

absl::StatusOr<fhir::Value> BuildAuditEvent(const AuditRecord& record) {
  if (record.server.empty()) return absl::InvalidArgumentError("audit: no server name");
  Value event = Value::Object();
  event.Set("resourceType", Str("AuditEvent"));

  std::string_view action;
  switch (record.kind) {
    case AuditKind::kRest:
      action = ActionFor(record.interaction);
      if (action.empty()) {
        std::string message = "audit: unknown restful interaction \"";
        message.append(record.interaction).append("\"");
        return absl::InvalidArgumentError(message);
      }
      event.Set("type", Coding(kEventType, "rest", "Restful Operation"));
      event.Set("subtype", Value::MakeArray({Coding(kRestful, record.interaction)}));
      break;
    case AuditKind::kLogin:
    case AuditKind::kLogout:
      action = "E";
      event.Set("type", Coding(kDcm, "110114", "User Authentication"));
      event.Set("subtype", Value::MakeArray({record.kind == AuditKind::kLogin
                                                 ? Coding(kDcm, "110122", "Login")
                                                 : Coding(kDcm, "110123", "Logout")}));
      break;
    case AuditKind::kBreakGlassStart:
      action = "E";
      event.Set("type", Coding(kDcm, "110113", "Security Alert"));
      event.Set("subtype",
                Value::MakeArray({Coding(kDcm, "110127", "Emergency Override Started")}));
      break;
  }
  event.Set("action", Str(action));
  event.Set("recorded",
            Str(absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", record.recorded, absl::UTCTimeZone())));
  event.Set("outcome", Str(std::to_string(static_cast<int>(record.outcome))));
  if (!record.outcome_description.empty()) {
    event.Set("outcomeDesc", Str(record.outcome_description));
  }
  if (!record.break_glass_reason.empty()) {
    Value purpose = Concept(Coding(kActReason, "ETREAT", "Emergency Treatment"));
    purpose.Set("text", Str(record.break_glass_reason));
    event.Set("purposeOfEvent", Value::MakeArray({std::move(purpose)}));
  } else if (!record.sealed_access_reason.empty()) {
    Value purpose = Value::Object();
    purpose.Set("text", Str(record.sealed_access_reason));
    event.Set("purposeOfEvent", Value::MakeArray({std::move(purpose)}));
  }

  // agent[0]: who asked.
  Value user = Value::Object();
  user.Set("type", Concept(Coding(kParticipation, "IRCP", "information recipient")));
  if (!record.agent.role_id.empty()) {
    user.Set("role", Value::MakeArray({Concept(Coding(kRoleSystem, record.agent.role_id))}));
  }
  Value who = record.agent.reference.empty() ? Value::Object() : Reference(record.agent.reference);
  if (!record.agent.user_id.empty()) {
    Value identifier = Value::Object();
    identifier.Set("value", Str(record.agent.user_id));
    who.Set("identifier", std::move(identifier));
  }
  if (!record.agent.name.empty()) who.Set("display", Str(record.agent.name));
  if (who.size() > 0) user.Set("who", std::move(who));
  // The login again as altId, so that `AuditEvent?altid=<login>` finds what a user did.
  if (!record.agent.user_id.empty()) user.Set("altId", Str(record.agent.user_id));
  user.Set("requestor", Value::Bool(true));
  if (!record.agent.address.empty()) {
    Value network = Value::Object();
    network.Set("address", Str(record.agent.address));
    network.Set("type", Str("2"));  // IP address (network-type)
    user.Set("network", std::move(network));
  }
  // agent[1]: this server.
  Value server = Value::Object();
  server.Set("type", Concept(Coding(kDcm, "110152", "Destination Role ID")));
  Value server_who = Value::Object();
  server_who.Set("display", Str(record.server));
  server.Set("who", std::move(server_who));
  server.Set("requestor", Value::Bool(false));
  event.Set("agent", Value::MakeArray({std::move(user), std::move(server)}));

  Value source = Value::Object();
  Value observer = Value::Object();
  observer.Set("display", Str(record.server));
  source.Set("observer", std::move(observer));
  source.Set("type", Value::MakeArray({Coding(kSourceType, "4", "Application Server")}));
  event.Set("source", std::move(source));

  Value entities = Value::MakeArray();
  for (const std::string& patient : record.patients) {
    if (!patient.starts_with("Patient/") || patient.size() == 8) {
      std::string message = "audit: not a Patient reference: \"";
      message.append(patient).append("\"");
      return absl::InvalidArgumentError(message);
    }
    Value e = Value::Object();
    e.Set("what", Reference(patient));
    e.Set("type", Coding(kEntityType, "1", "Person"));
    e.Set("role", Coding(kObjectRole, "1", "Patient"));
    entities.Append(std::move(e));
  }
  if (!record.resource_reference.empty()) {
    Value e = Value::Object();
    e.Set("what", Reference(record.resource_reference));
    e.Set("type", Coding(kEntityType, "2", "System Object"));
    e.Set("role", Coding(kObjectRole, "4", "Domain Resource"));
    entities.Append(std::move(e));
  }
  if (!record.query.empty()) {
    Value e = Value::Object();
    e.Set("type", Coding(kEntityType, "2", "System Object"));
    e.Set("role", Coding(kObjectRole, "24", "Query"));
    e.Set("description", Str(record.query));
    e.Set("query", Str(Base64(record.query)));
    entities.Append(std::move(e));
  }
  if (!record.break_glass_reason.empty() || !record.sealed_access_reason.empty() ||
      !record.request_id.empty()) {
    // One entity carries the reasons typed by the user and the request id.
    Value e = Value::Object();
    e.Set("type", Coding(kEntityType, "4", "Other"));
    Value details = Value::MakeArray();
    if (!record.break_glass_reason.empty()) {
      details.Append(Detail("break-glass-reason", record.break_glass_reason));
    }
    if (!record.sealed_access_reason.empty()) {
      details.Append(Detail("sealed-access-reason", record.sealed_access_reason));
    }
    if (!record.request_id.empty()) details.Append(Detail(kRequestIdSystem, record.request_id));
    e.Set("detail", std::move(details));
    entities.Append(std::move(e));
  }
  if (entities.size() > 0) event.Set("entity", std::move(entities));
  return event;
}

}  // namespace tc::audit
