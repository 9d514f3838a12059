#include "auth/policy.h"

#include "auth/policy_table.h"
#include "auth/roles.h"
#include "base/clock.h"
#include "fhir/json.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tc::auth {
namespace {

using ::testing::ElementsAre;

const absl::Time kNow = absl::FromUnixSeconds(1750000000);

class PolicyTest : public testing::Test {
 protected:
  Decision Check(const Principal& p, Action action, std::string_view type,
                 Relationship rel = Relationship::kCurrentlyHeld, bool sealed = false,
                 std::string sealed_reason = "", bool operational = false) {
    AccessRequest request{.action = action,
                          .resource = {.resource_type = std::string(type),
                                       .relationship = rel,
                                       .sealed = sealed,
                                       .operational_consented = operational},
                          .sealed_access_reason = std::move(sealed_reason)};
    return policy_.Decide(p, request, clock_);
  }
  static Principal As(Role role) { return Principal{.role = role, .establishments = {"HMP-A"}}; }
  static BreakGlass Glass(std::string reason = "Unconscious on arrival, no records",
                          absl::Duration valid_for = absl::Hours(1)) {
    return BreakGlass{std::move(reason), kNow - absl::Minutes(1), kNow + valid_for};
  }

  base::FakeClock clock_{kNow};
  Policy policy_ = Policy::Create(DefaultPolicyTableText()).value();
};

TEST(RolesTest, IdsRoundTripAndAreExact) {
  for (Role role : kAllRoles) EXPECT_EQ(ParseRole(RoleId(role)).value(), role);
  EXPECT_EQ(RoleId(Role::kRegisteredNurse), "registered-nurse");
  EXPECT_EQ(RoleId(Role::kSystem), "system");
  EXPECT_FALSE(ParseRole("Registered-Nurse").ok());
  EXPECT_FALSE(ParseRole("nurse").ok());
}

TEST(PolicyTableTest, ParsesTheDefaultTableAndRejectsMistakes) {
  absl::StatusOr<PolicyTable> table = ParsePolicyTable(DefaultPolicyTableText());
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ(table->Grant(Role::kPrescriber, "MedicationRequest"),
            kGrantRead | kGrantCreate | kGrantUpdate);
  EXPECT_EQ(table->Grant(Role::kSystem, "Anything"),
            kGrantRead | kGrantCreate | kGrantUpdate | kGrantDelete);
  EXPECT_EQ(table->Grant(Role::kCommissioner, "Observation"), 0);
  EXPECT_TRUE(table->IsReferenceType("Organization"));
  EXPECT_FALSE(table->IsReferenceType("Observation"));

  std::string all_roles;
  for (Role role : kAllRoles) all_roles.append("role ").append(RoleId(role)).append("\n");
  EXPECT_TRUE(ParsePolicyTable(all_roles).ok());
  EXPECT_FALSE(ParsePolicyTable("role registered-nurse\n").ok()) << "other roles missing";
  EXPECT_FALSE(ParsePolicyTable(all_roles + "role dentist\n").ok()) << "role twice";
  EXPECT_FALSE(ParsePolicyTable(all_roles + "role nurse\n").ok()) << "unknown role";
  EXPECT_FALSE(ParsePolicyTable(all_roles + "grant dentist Patient rx\n").ok());
  EXPECT_FALSE(ParsePolicyTable(all_roles + "grant dentist Patient rr\n").ok());
  EXPECT_FALSE(
      ParsePolicyTable(all_roles + "grant dentist Patient r\ngrant dentist Patient c\n").ok());
  EXPECT_FALSE(ParsePolicyTable(all_roles + "permit dentist Patient r\n").ok());
  absl::Status status = ParsePolicyTable("role dentist sealedd\n").status();
  EXPECT_NE(status.message().find("line 1"), std::string_view::npos) << status;
}

TEST(RelationshipTest, HeldBeatsLeftWithinBeatsLeftBeyond) {
  const std::string mine[] = {"HMP-A", "HMP-B"};
  const absl::Duration window = absl::Hours(24 * 28);
  auto days_ago = [](int d) { return kNow - absl::Hours(24 * d); };
  std::vector<Stay> stays = {{"HMP-C", days_ago(100), std::nullopt}};
  EXPECT_EQ(RelationshipOf(mine, stays, kNow, window), Relationship::kNone);
  stays.push_back({"HMP-A", days_ago(400), days_ago(300)});
  EXPECT_EQ(RelationshipOf(mine, stays, kNow, window), Relationship::kLeftBeyondWindow);
  stays.push_back({"HMP-B", days_ago(60), days_ago(28)});
  EXPECT_EQ(RelationshipOf(mine, stays, kNow, window), Relationship::kLeftWithinWindow)
      << "exactly 28 days ago is within the window";
  stays.back().end = days_ago(28) - absl::Seconds(1);
  EXPECT_EQ(RelationshipOf(mine, stays, kNow, window), Relationship::kLeftBeyondWindow);
  stays.push_back({"HMP-A", days_ago(1), kNow + absl::Hours(1)});
  EXPECT_EQ(RelationshipOf(mine, stays, kNow, window), Relationship::kCurrentlyHeld);
  std::vector<Stay> future = {{"HMP-A", kNow + absl::Hours(2), std::nullopt}};
  EXPECT_EQ(RelationshipOf(mine, future, kNow, window), Relationship::kNone);
}

TEST(SealingTest, ConfidentialityRAndVAreSealed) {
  auto resource = [](std::string_view security) {
    std::string json = R"({"resourceType":"Condition","meta":{"security":[)";
    json.append(security).append("]}}");
    return fhir::ParseJson(json).value();
  };
  constexpr char kSystem[] = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality";
  EXPECT_TRUE(IsSealed(resource(std::string(R"({"system":")") + kSystem + R"(","code":"R"})")));
  EXPECT_TRUE(IsSealed(resource(std::string(R"({"system":")") + kSystem + R"(","code":"V"})")));
  EXPECT_FALSE(IsSealed(resource(std::string(R"({"system":")") + kSystem + R"(","code":"N"})")));
  EXPECT_FALSE(IsSealed(resource(R"({"system":"http://example.org","code":"R"})")));
  EXPECT_FALSE(IsSealed(fhir::ParseJson(R"({"resourceType":"Condition"})").value()));
}

TEST_F(PolicyTest, OnlyPrescribersCreatePrescriptions) {
  for (Role role : kAllRoles) {
    if (role == Role::kSystem) continue;  // a trusted backend, bounded by its scopes instead
    EXPECT_EQ(Check(As(role), Action::kCreate, "MedicationRequest").permitted(),
              role == Role::kPrescriber)
        << RoleId(role);
  }
  EXPECT_TRUE(Check(As(Role::kPharmacist), Action::kCreate, "MedicationDispense").permitted());
  EXPECT_TRUE(
      Check(As(Role::kPharmacyTechnician), Action::kCreate, "MedicationDispense").permitted());
  EXPECT_FALSE(
      Check(As(Role::kRegisteredNurse), Action::kCreate, "MedicationDispense").permitted());
  EXPECT_TRUE(
      Check(As(Role::kRegisteredNurse), Action::kCreate, "MedicationAdministration").permitted());
  EXPECT_FALSE(
      Check(As(Role::kPharmacist), Action::kCreate, "MedicationAdministration").permitted());
}

TEST_F(PolicyTest, HealthcareAssistantRecordsObservationsButReadsNoNotes) {
  Principal hca = As(Role::kHealthcareAssistant);
  EXPECT_TRUE(Check(hca, Action::kCreate, "Observation").permitted());
  EXPECT_TRUE(Check(hca, Action::kRead, "AllergyIntolerance").permitted());
  EXPECT_FALSE(Check(hca, Action::kRead, "Composition").permitted());
  EXPECT_FALSE(Check(hca, Action::kRead, "DocumentReference").permitted());
}

TEST_F(PolicyTest, CustodialStaffSeeOnlyConsentedOperationalInformation) {
  Principal officer = As(Role::kCustodialStaff);
  auto flag = [&](Action a, bool operational, bool sealed = false, std::string_view type = "Flag") {
    return Check(officer, a, type, Relationship::kCurrentlyHeld, sealed, sealed ? "reason" : "",
                 operational)
        .permitted();
  };
  EXPECT_TRUE(flag(Action::kRead, true));
  EXPECT_TRUE(flag(Action::kSearch, true));
  EXPECT_FALSE(flag(Action::kRead, false)) << "not consented";
  EXPECT_FALSE(flag(Action::kRead, true, /*sealed=*/true));
  EXPECT_FALSE(flag(Action::kUpdate, true));
  EXPECT_FALSE(flag(Action::kRead, true, false, "Condition")) << "clinical, whatever its label";
  EXPECT_FALSE(flag(Action::kRead, true, false, "Patient"));
  EXPECT_FALSE(
      Check(officer, Action::kRead, "Flag", Relationship::kNone, false, "", true).permitted())
      << "another establishment's prisoner";
  officer.break_glass = Glass();
  EXPECT_FALSE(
      Check(officer, Action::kRead, "Flag", Relationship::kNone, false, "", true).permitted())
      << "custodial staff cannot break glass";
}

TEST_F(PolicyTest, CommissionersAndSystemAdminsNeverSeePatientData) {
  for (Role role : {Role::kCommissioner, Role::kSystemAdmin}) {
    for (const char* type : {"Patient", "Observation", "Condition", "Flag", "Composition"}) {
      for (Action a : {Action::kRead, Action::kSearch, Action::kExport, Action::kEverything}) {
        EXPECT_FALSE(Check(As(role), a, type).permitted()) << RoleId(role) << " " << type;
      }
    }
    EXPECT_TRUE(Check(As(role), Action::kRead, "Organization", Relationship::kNotPatientLinked)
                    .permitted());
  }
  Decision d = Check(As(Role::kCommissioner), Action::kRead, "Observation");
  EXPECT_NE(d.reason.find("aggregate"), std::string::npos) << d.reason;
  EXPECT_TRUE(
      Check(As(Role::kSystemAdmin), Action::kAdmin, "Organization", Relationship::kNotPatientLinked)
          .permitted());
  EXPECT_FALSE(Check(As(Role::kSystemAdmin), Action::kAdmin, "Observation").permitted());
  EXPECT_FALSE(Check(As(Role::kClinicalLead), Action::kAdmin, "Organization",
                     Relationship::kNotPatientLinked)
                   .permitted());
}

TEST_F(PolicyTest, RelationshipWindowAndBreakGlass) {
  Principal nurse = As(Role::kRegisteredNurse);
  EXPECT_TRUE(Check(nurse, Action::kRead, "Observation", Relationship::kCurrentlyHeld).permitted());
  EXPECT_TRUE(
      Check(nurse, Action::kRead, "Observation", Relationship::kLeftWithinWindow).permitted());
  EXPECT_FALSE(
      Check(nurse, Action::kRead, "Observation", Relationship::kLeftBeyondWindow).permitted());
  Decision denied = Check(nurse, Action::kRead, "Observation", Relationship::kNone);
  EXPECT_FALSE(denied.permitted());
  EXPECT_NE(denied.reason.find("break-glass"), std::string::npos) << denied.reason;

  nurse.break_glass = Glass();
  Decision glass = Check(nurse, Action::kRead, "Observation", Relationship::kNone);
  EXPECT_TRUE(glass.permitted());
  EXPECT_THAT(glass.obligations, ElementsAre("audit-break-glass", "alert-privacy-officer"));
  EXPECT_TRUE(
      Check(nurse, Action::kRead, "Observation", Relationship::kCurrentlyHeld).obligations.empty())
      << "a grant is not 'used' where the relationship is legitimate anyway";
  EXPECT_FALSE(Check(nurse, Action::kCreate, "MedicationRequest", Relationship::kNone).permitted())
      << "break-glass does not widen the role";

  nurse.break_glass = Glass("   ");
  EXPECT_FALSE(Check(nurse, Action::kRead, "Observation", Relationship::kNone).permitted());
  nurse.break_glass = Glass();
  nurse.break_glass->expires = kNow;
  EXPECT_FALSE(Check(nurse, Action::kRead, "Observation", Relationship::kNone).permitted())
      << "expired";
  nurse.break_glass = Glass("reason", absl::Hours(13));
  EXPECT_FALSE(Check(nurse, Action::kRead, "Observation", Relationship::kNone).permitted())
      << "longer than max_break_glass";
  nurse.break_glass = Glass();
  nurse.break_glass->granted = kNow + absl::Minutes(1);
  EXPECT_FALSE(Check(nurse, Action::kRead, "Observation", Relationship::kNone).permitted())
      << "not yet granted";

  Principal lead = As(Role::kClinicalLead);
  lead.break_glass = Glass();
  EXPECT_FALSE(Check(lead, Action::kExport, "Observation", Relationship::kNone).permitted())
      << "no bulk export through break-glass";
  Principal admin = As(Role::kHealthcareAdmin);
  admin.break_glass = Glass();
  EXPECT_FALSE(Check(admin, Action::kRead, "Patient", Relationship::kNone).permitted());
}

TEST_F(PolicyTest, AfterLeavingTheRecordIsReadOnlyExceptHandover) {
  Principal nurse = As(Role::kRegisteredNurse);
  const Relationship left = Relationship::kLeftWithinWindow;
  EXPECT_TRUE(Check(nurse, Action::kRead, "MedicationAdministration", left).permitted());
  Decision d = Check(nurse, Action::kCreate, "MedicationAdministration", left);
  EXPECT_FALSE(d.permitted());
  EXPECT_NE(d.reason.find("read-only"), std::string::npos) << d.reason;
  EXPECT_FALSE(Check(nurse, Action::kUpdate, "Observation", left).permitted());
  EXPECT_TRUE(Check(nurse, Action::kCreate, "Composition", left).permitted());
  EXPECT_TRUE(Check(nurse, Action::kUpdate, "DocumentReference", left).permitted());
  EXPECT_TRUE(Check(nurse, Action::kCreate, "Task", left).permitted());
  nurse.break_glass = Glass();
  Decision glass = Check(nurse, Action::kCreate, "MedicationAdministration", left);
  EXPECT_TRUE(glass.permitted());
  EXPECT_THAT(glass.obligations, ElementsAre("audit-break-glass", "alert-privacy-officer"));
  EXPECT_FALSE(
      Check(As(Role::kCustodialStaff), Action::kRead, "Flag", left, false, "", true).permitted())
      << "custodial staff: only while held";
}

TEST_F(PolicyTest, ClinicalTypesCannotBeDeclaredUnlinked) {
  const Relationship unlinked = Relationship::kNotPatientLinked;
  EXPECT_FALSE(
      Check(As(Role::kRegisteredNurse), Action::kRead, "Observation", unlinked).permitted());
  EXPECT_FALSE(
      Check(As(Role::kCustodialStaff), Action::kRead, "Observation", unlinked).permitted());
  EXPECT_FALSE(Check(As(Role::kSystemAdmin), Action::kAdmin, "Observation", unlinked).permitted());
  EXPECT_TRUE(Check(As(Role::kRegisteredNurse), Action::kRead, "Questionnaire", Relationship::kNone)
                  .permitted())
      << "reference data needs no relationship";
}

TEST_F(PolicyTest, ConfigurableWindowIsValidated) {
  EXPECT_FALSE(
      Policy::Create(DefaultPolicyTableText(), {.relationship_window = absl::ZeroDuration()}).ok());
  EXPECT_FALSE(Policy::Create("role dentist\n").ok());
  Policy p =
      Policy::Create(DefaultPolicyTableText(), {.relationship_window = absl::Hours(24)}).value();
  EXPECT_EQ(p.config().relationship_window, absl::Hours(24));
}

TEST_F(PolicyTest, SealedRecordsNeedRoleAndReason) {
  Principal mh = As(Role::kMentalHealth);
  EXPECT_FALSE(
      Check(mh, Action::kRead, "Composition", Relationship::kCurrentlyHeld, true, "").permitted());
  Decision opened =
      Check(mh, Action::kRead, "Composition", Relationship::kCurrentlyHeld, true, "Risk review");
  EXPECT_TRUE(opened.permitted());
  EXPECT_THAT(opened.obligations, ElementsAre("audit-sealed-access"));
  EXPECT_FALSE(Check(As(Role::kHealthcareAssistant), Action::kRead, "Observation",
                     Relationship::kCurrentlyHeld, true, "reason")
                   .permitted());
  EXPECT_FALSE(Check(As(Role::kDentist), Action::kRead, "Composition", Relationship::kCurrentlyHeld,
                     true, "reason")
                   .permitted());
  mh.break_glass = Glass();
  Decision glass = Check(mh, Action::kRead, "Composition", Relationship::kCurrentlyHeld, true, "");
  EXPECT_TRUE(glass.permitted());
  EXPECT_THAT(glass.obligations,
              ElementsAre("audit-break-glass", "alert-privacy-officer", "audit-sealed-access"));
}

TEST_F(PolicyTest, SystemIsBoundedByScopesNotEstablishments) {
  Principal system = As(Role::kSystem);
  system.establishments.clear();
  EXPECT_FALSE(Check(system, Action::kRead, "Observation").permitted()) << "no scopes at all";
  system.scopes = ParseScopes("system/Observation.rs system/Patient.r").value();
  EXPECT_TRUE(Check(system, Action::kRead, "Observation", Relationship::kNone).permitted());
  EXPECT_TRUE(Check(system, Action::kSearch, "Observation", Relationship::kNone).permitted());
  EXPECT_FALSE(Check(system, Action::kCreate, "Observation").permitted());
  EXPECT_FALSE(Check(system, Action::kSearch, "Patient").permitted());
  EXPECT_FALSE(Check(system, Action::kRead, "Condition").permitted());
  EXPECT_FALSE(Check(system, Action::kRead, "Observation", Relationship::kCurrentlyHeld, true, "")
                   .permitted())
      << "sealed still needs a reason";
  system.scopes = ParseScopes("user/*.cruds").value();
  EXPECT_FALSE(Check(system, Action::kRead, "Observation").permitted()) << "wrong context";
}

TEST_F(PolicyTest, UserScopesNarrowAHumanRole) {
  Principal nurse = As(Role::kRegisteredNurse);
  nurse.scopes = ParseScopes("openid user/Observation.rs").value();
  EXPECT_TRUE(Check(nurse, Action::kRead, "Observation").permitted());
  EXPECT_FALSE(Check(nurse, Action::kCreate, "Observation").permitted());
  EXPECT_FALSE(Check(nurse, Action::kRead, "Condition").permitted());
}

TEST_F(PolicyTest, AuditTrailIsReadOnlyAndForPrivacyOfficers) {
  Principal po = As(Role::kPrivacyOfficer);
  EXPECT_TRUE(Check(po, Action::kSearch, "AuditEvent", Relationship::kNone).permitted());
  EXPECT_TRUE(Check(po, Action::kAuditRead, "Patient", Relationship::kNone).permitted());
  EXPECT_FALSE(Check(po, Action::kRead, "Patient").permitted()) << "audit, not clinical data";
  EXPECT_FALSE(Check(As(Role::kClinicalLead), Action::kSearch, "AuditEvent").permitted());
  Principal system = As(Role::kSystem);
  system.scopes = ParseScopes("system/*.cruds").value();
  for (Role role : kAllRoles) {
    Principal p = role == Role::kSystem ? system : As(role);
    for (Action a : {Action::kCreate, Action::kUpdate, Action::kPatch, Action::kDelete}) {
      EXPECT_FALSE(Check(p, a, "AuditEvent").permitted()) << RoleId(role) << ActionId(a);
    }
  }
}

TEST_F(PolicyTest, TypeLevelDecisionBeforeSearches) {
  EXPECT_TRUE(
      policy_.DecideTypeLevel(As(Role::kCustodialStaff), Action::kSearch, "Flag").permitted());
  EXPECT_FALSE(
      policy_.DecideTypeLevel(As(Role::kCustodialStaff), Action::kSearch, "Condition").permitted());
  EXPECT_FALSE(
      policy_.DecideTypeLevel(As(Role::kCommissioner), Action::kSearch, "Observation").permitted());
  EXPECT_TRUE(
      policy_.DecideTypeLevel(As(Role::kPrescriber), Action::kEverything, "Patient").permitted());
  EXPECT_FALSE(policy_.DecideTypeLevel(As(Role::kPrescriber), Action::kEverything, "Observation")
                   .permitted());
  EXPECT_FALSE(
      policy_.DecideTypeLevel(As(Role::kPrescriber), Action::kExport, "Observation").permitted());
  EXPECT_TRUE(
      policy_.DecideTypeLevel(As(Role::kClinicalLead), Action::kExport, "Observation").permitted());
}

TEST_F(PolicyTest, UnknownTypesAreDenied) {
  EXPECT_FALSE(Check(As(Role::kClinicalLead), Action::kRead, "Basic").permitted());
  EXPECT_FALSE(Check(As(Role::kClinicalLead), Action::kRead, "").permitted());
}

}  // namespace
}  // namespace tc::auth
