#include "audit/audit_event.h"

#include "fhir/json.h"
#include "gtest/gtest.h"

namespace tc::audit {
namespace {

AuditRecord Base(std::string interaction) {
  AuditRecord r;
  r.kind = AuditKind::kRest;
  r.interaction = std::move(interaction);
  r.recorded = absl::FromUnixMillis(1750000000123);
  r.agent = {.reference = "Practitioner/p7",
             .user_id = "jsmith",
             .name = "J Smith",
             .role_id = "registered-nurse",
             .address = "10.1.2.3"};
  r.server = "throughcare HMP-A";
  return r;
}

std::string_view Code(const fhir::Value& coding) { return coding.GetString("code"); }

TEST(AuditEventTest, SearchRecordsQueryAndEveryPatientReturned) {
  AuditRecord r = Base("search-type");
  r.query = "Observation?patient=Patient/p1&_count=10";
  r.patients = {"Patient/p1", "Patient/p2"};
  r.request_id = "req-1";
  absl::StatusOr<fhir::Value> event = BuildAuditEvent(r);
  ASSERT_TRUE(event.ok()) << event.status();
  EXPECT_EQ(event->GetString("resourceType"), "AuditEvent");
  EXPECT_EQ(Code(*event->Find("type")), "rest");
  EXPECT_EQ(event->Find("type")->GetString("system"),
            "http://terminology.hl7.org/CodeSystem/audit-event-type");
  EXPECT_EQ(Code(event->Find("subtype")->array()[0]), "search-type");
  EXPECT_EQ(event->Find("subtype")->array()[0].GetString("system"),
            "http://hl7.org/fhir/restful-interaction");
  EXPECT_EQ(event->GetString("action"), "E");
  EXPECT_EQ(event->GetString("recorded"), "2025-06-15T15:06:40.123Z");
  EXPECT_EQ(event->GetString("outcome"), "0");

  const fhir::Value::Array& entities = event->Find("entity")->array();
  ASSERT_EQ(entities.size(), 4u);  // two patients, the query, the request id
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(Code(*entities[i].Find("type")), "1");
    EXPECT_EQ(Code(*entities[i].Find("role")), "1");
  }
  EXPECT_EQ(entities[0].Find("what")->GetString("reference"), "Patient/p1");
  EXPECT_EQ(entities[1].Find("what")->GetString("reference"), "Patient/p2");
  EXPECT_EQ(Code(*entities[2].Find("role")), "24");
  EXPECT_EQ(entities[2].GetString("query"),
            "T2JzZXJ2YXRpb24/cGF0aWVudD1QYXRpZW50L3AxJl9jb3VudD0xMA==");  // Python base64
  EXPECT_EQ(entities[2].GetString("description"), r.query);

  const fhir::Value::Array& agents = event->Find("agent")->array();
  ASSERT_EQ(agents.size(), 2u);
  EXPECT_EQ(Code(agents[0].Find("type")->Find("coding")->array()[0]), "IRCP");
  EXPECT_EQ(agents[0].Find("who")->GetString("reference"), "Practitioner/p7");
  EXPECT_EQ(agents[0].Find("who")->Find("identifier")->GetString("value"), "jsmith");
  EXPECT_EQ(Code(agents[0].Find("role")->array()[0].Find("coding")->array()[0]),
            "registered-nurse");
  EXPECT_TRUE(agents[0].Find("requestor")->bool_value());
  EXPECT_EQ(agents[0].Find("network")->GetString("address"), "10.1.2.3");
  EXPECT_EQ(Code(agents[1].Find("type")->Find("coding")->array()[0]), "110152");
  EXPECT_FALSE(agents[1].Find("requestor")->bool_value());
  // It serialises as JSON that parses back to the same tree.
  EXPECT_EQ(fhir::ParseJson(fhir::WriteJson(*event)).value(), *event);
}

TEST(AuditEventTest, ActionsFollowTheInteraction) {
  struct Case {
    const char* interaction;
    const char* action;
  };
  for (Case c :
       {Case{"read", "R"}, Case{"vread", "R"}, Case{"history-instance", "R"}, Case{"create", "C"},
        Case{"update", "U"}, Case{"patch", "U"}, Case{"delete", "D"}, Case{"search-system", "E"},
        Case{"history-type", "E"}, Case{"operation", "E"}, Case{"transaction", "E"}}) {
    AuditRecord r = Base(c.interaction);
    r.resource_reference = "Observation/o1/_history/2";
    r.patients = {"Patient/p1"};
    absl::StatusOr<fhir::Value> event = BuildAuditEvent(r);
    ASSERT_TRUE(event.ok()) << c.interaction << ": " << event.status();
    EXPECT_EQ(event->GetString("action"), c.action) << c.interaction;
    const fhir::Value::Array& entities = event->Find("entity")->array();
    ASSERT_EQ(entities.size(), 2u);
    EXPECT_EQ(Code(*entities[1].Find("role")), "4");
    EXPECT_EQ(entities[1].Find("what")->GetString("reference"), "Observation/o1/_history/2");
  }
}

TEST(AuditEventTest, DenialsLoginsAndBreakGlass) {
  AuditRecord denied = Base("read");
  denied.outcome = AuditOutcome::kMinorFailure;
  denied.outcome_description = "no legitimate relationship with this patient (none)";
  fhir::Value event = BuildAuditEvent(denied).value();
  EXPECT_EQ(event.GetString("outcome"), "4");
  EXPECT_EQ(event.GetString("outcomeDesc"), denied.outcome_description);
  EXPECT_EQ(event.Find("entity"), nullptr);

  AuditRecord login = Base("");
  login.kind = AuditKind::kLogin;
  login.outcome = AuditOutcome::kMinorFailure;
  event = BuildAuditEvent(login).value();
  EXPECT_EQ(Code(*event.Find("type")), "110114");
  EXPECT_EQ(Code(event.Find("subtype")->array()[0]), "110122");
  login.kind = AuditKind::kLogout;
  EXPECT_EQ(Code(BuildAuditEvent(login).value().Find("subtype")->array()[0]), "110123");

  AuditRecord glass = Base("");
  glass.kind = AuditKind::kBreakGlassStart;
  glass.patients = {"Patient/p9"};
  glass.break_glass_reason = "Collapsed in reception, no records";
  event = BuildAuditEvent(glass).value();
  EXPECT_EQ(Code(*event.Find("type")), "110113");
  EXPECT_EQ(Code(event.Find("subtype")->array()[0]), "110127");
  const fhir::Value& purpose = event.Find("purposeOfEvent")->array()[0];
  EXPECT_EQ(Code(purpose.Find("coding")->array()[0]), "ETREAT");
  EXPECT_EQ(purpose.GetString("text"), glass.break_glass_reason);
  const fhir::Value& detail = event.Find("entity")->array().back().Find("detail")->array()[0];
  EXPECT_EQ(detail.GetString("type"), "break-glass-reason");
  EXPECT_EQ(detail.GetString("valueString"), glass.break_glass_reason);
}

TEST(AuditEventTest, RejectsIncompleteRecords) {
  EXPECT_FALSE(BuildAuditEvent(Base("")).ok());
  EXPECT_FALSE(BuildAuditEvent(Base("search-everything")).ok());
  AuditRecord no_server = Base("read");
  no_server.server.clear();
  EXPECT_FALSE(BuildAuditEvent(no_server).ok());
  AuditRecord bad_patient = Base("read");
  bad_patient.patients = {"Observation/o1"};
  EXPECT_FALSE(BuildAuditEvent(bad_patient).ok());
  bad_patient.patients = {"Patient/"};
  EXPECT_FALSE(BuildAuditEvent(bad_patient).ok());
}

}  // namespace
}  // namespace tc::audit
