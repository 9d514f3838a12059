// The request guard over the real engine and SQLite store: relationships from custody
// episodes, sealed records, writes refused inside their transaction with nothing written, and
// every request recorded in the audit chain.
#include "access/access_control.h"

#include <memory>

#include "base/clock.h"
#include "base/random.h"
#include "engine/errors.h"
#include "fhir/json.h"
#include "gtest/gtest.h"
#include "store/sqlite/sqlite_store.h"

namespace tc::access {
namespace {

using fhir::Value;

Value Json(std::string_view text) {
  absl::StatusOr<Value> v = fhir::ParseJson(text);
  EXPECT_TRUE(v.ok()) << text;
  return v.ok() ? *v : Value();
}

class AccessControlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    defs_ = std::move(*fhir::Definitions::LoadEmbedded());
    store::SqliteOptions so;
    so.path = ":memory:";
    store_ = std::move(*store::OpenSqliteStore(so));
    repo_ = std::make_unique<engine::Repository>(*store_, *defs_, clock_, random_);
    audit_ = std::make_unique<audit::AuditLog>(*store_, clock_, random_);
    control_ = std::move(*AccessControl::Create(
        *store_, *audit_, TokenKeys{std::string(32, 's'), "tc-test"}, clock_));
    for (const char* code : {"A", "B"}) {
      Put("Organization", std::string("est-") + code,
          std::string(R"({"resourceType":"Organization","identifier":[{"system":")") +
              std::string(kEstablishmentCodeSystem) + R"(","value":")" + code +
              R"("}],"name":"HMP )" + code + R"("})");
    }
    Put("Patient", "pa", R"({"resourceType":"Patient","name":[{"family":"Able"}]})");
    Put("Patient", "pb", R"({"resourceType":"Patient","name":[{"family":"Baker"}]})");
    Put("EpisodeOfCare", "ea",
        R"({"resourceType":"EpisodeOfCare","status":"active","patient":{"reference":"Patient/pa"},
            "managingOrganization":{"reference":"Organization/est-A"},
            "period":{"start":"2025-01-01T00:00:00Z"}})");
    Put("EpisodeOfCare", "eb",
        R"({"resourceType":"EpisodeOfCare","status":"active","patient":{"reference":"Patient/pb"},
            "managingOrganization":{"reference":"Organization/est-B"},
            "period":{"start":"2025-01-01T00:00:00Z"}})");
    Put("Observation", "oa", Obs("pa", ""));
    Put("Observation", "ob", Obs("pb", ""));
    Put("Observation", "os", Obs("pa", R"("meta":{"security":[{"system":
        "http://terminology.hl7.org/CodeSystem/v3-Confidentiality","code":"R"}]},)"));
  }

  static std::string Obs(const std::string& patient, const std::string& meta) {
    return R"({"resourceType":"Observation",)" + meta +
           R"("status":"final","code":{"text":"pulse"},"subject":{"reference":"Patient/)" +
           patient + R"("}})";
  }
  void Put(const std::string& type, const std::string& id, const std::string& json) {
    Value v = Json(json);
    v.Set("id", Value::String(id));
    absl::StatusOr<engine::WriteResult> w = repo_->Update(type, id, std::move(v), {});
    ASSERT_TRUE(w.ok()) << w.status();
  }
  Identity Nurse(std::string establishment) {
    Identity id;
    id.subject = "nurse-" + establishment;
    id.principal.role = auth::Role::kRegisteredNurse;
    id.principal.establishments = {establishment};
    return id;
  }
  engine::ReadResult Read(const std::string& type, const std::string& id) {
    absl::StatusOr<engine::ReadResult> r = repo_->Read(type, id);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : engine::ReadResult{};
  }
  int64_t AuditCount(const engine::QueryParams& query) {
    EXPECT_TRUE(audit_->Flush().ok());
    engine::SearchOptions so;
    absl::StatusOr<engine::SearchOutcome> found = audit_->Search(query, so);
    EXPECT_TRUE(found.ok()) << found.status();
    return found.ok() ? found->total : -1;
  }

  base::FakeClock clock_{absl::FromUnixSeconds(1764000000)};
  base::SeededRandom random_{11};
  std::unique_ptr<fhir::Definitions> defs_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<engine::Repository> repo_;
  std::unique_ptr<audit::AuditLog> audit_;
  std::unique_ptr<AccessControl> control_;
};

TEST_F(AccessControlTest, ReadsFollowTheLegitimateRelationship) {
  auto guard = control_->Guard(Nurse("A"), {});
  EXPECT_TRUE(guard->AllowResource(auth::Action::kRead, Read("Patient", "pa")).ok());
  EXPECT_TRUE(guard->AllowResource(auth::Action::kRead, Read("Observation", "oa")).ok());
  absl::Status denied = guard->AllowResource(auth::Action::kRead, Read("Patient", "pb"));
  EXPECT_TRUE(absl::IsPermissionDenied(denied)) << denied;
  // Reference data is readable by anyone with the grant.
  EXPECT_TRUE(guard->AllowResource(auth::Action::kRead, Read("Organization", "est-B")).ok());
  guard->Finish("read", "Patient/pb", "", 403, std::string(denied.message()));
  EXPECT_EQ(AuditCount({{"patient", "Patient/pa"}}), 1);  // one request returned pa's data
  EXPECT_EQ(AuditCount({{"outcome", "4"}}), 1);           // one denial
}

TEST_F(AccessControlTest, SealedRecordsNeedAReason) {
  auto guard = control_->Guard(Nurse("A"), {});
  EXPECT_TRUE(absl::IsPermissionDenied(
      guard->AllowResource(auth::Action::kRead, Read("Observation", "os"))));
  RequestContext with_reason;
  with_reason.sealed_access_reason = "reviewing sexual health results with the patient";
  auto opened = control_->Guard(Nurse("A"), with_reason);
  EXPECT_TRUE(opened->AllowResource(auth::Action::kRead, Read("Observation", "os")).ok());
}

TEST_F(AccessControlTest, SearchResultsAreFilteredAndTheTotalHidden) {
  engine::SearchOptions so;
  absl::StatusOr<engine::SearchOutcome> found = repo_->Search("Observation", {}, so);
  ASSERT_TRUE(found.ok());
  ASSERT_EQ(found->matches.size(), 3u);
  auto guard = control_->Guard(Nurse("A"), {});
  guard->FilterOutcome(auth::Action::kSearch, *found);
  ASSERT_EQ(found->matches.size(), 1u);
  EXPECT_EQ(found->matches[0].id, "oa");
  EXPECT_EQ(found->total, -1);
}

TEST_F(AccessControlTest, TheRestrictionIsInTheQueryChainsAndHasIncluded) {
  // A sealed HIV result for pa: invisible, uncounted, and not matchable through _has.
  Put("Observation", "hiv", R"({"resourceType":"Observation","meta":{"security":[{"system":
      "http://terminology.hl7.org/CodeSystem/v3-Confidentiality","code":"R"}]},"status":"final",
      "code":{"coding":[{"system":"http://loinc.org","code":"75622-1"}]},
      "subject":{"reference":"Patient/pa"}})");
  auto guard = control_->Guard(Nurse("A"), {});
  engine::SearchOptions so;
  so.restrict = guard->SearchRestriction();
  ASSERT_TRUE(so.restrict);
  absl::StatusOr<engine::SearchOutcome> found = repo_->Search("Observation", {}, so);
  ASSERT_TRUE(found.ok()) << found.status();
  ASSERT_EQ(found->matches.size(), 1u);
  EXPECT_EQ(found->matches[0].id, "oa");
  EXPECT_EQ(found->total, 1);  // counted in the query: the page and the total agree
  guard->FilterOutcome(auth::Action::kSearch, *found, /*restricted_in_query=*/true);
  EXPECT_EQ(found->total, 1);
  // Without the restriction the sealed result would reveal itself through _has.
  engine::SearchOptions open;
  absl::StatusOr<engine::SearchOutcome> leak = repo_->Search(
      "Patient", {{"_has:Observation:subject:code", "http://loinc.org|75622-1"}}, open);
  ASSERT_TRUE(leak.ok()) << leak.status();
  EXPECT_EQ(leak->matches.size(), 1u);
  absl::StatusOr<engine::SearchOutcome> has =
      repo_->Search("Patient", {{"_has:Observation:subject:code", "http://loinc.org|75622-1"}}, so);
  ASSERT_TRUE(has.ok()) << has.status();
  EXPECT_TRUE(has->matches.empty());
  // A chain through another establishment's patient finds nothing either.
  absl::StatusOr<engine::SearchOutcome> chain =
      repo_->Search("Observation", {{"subject:Patient.family", "Baker"}}, so);
  ASSERT_TRUE(chain.ok()) << chain.status();
  EXPECT_TRUE(chain->matches.empty());
  EXPECT_EQ(chain->total, 0);
  // With a sealed-access reason the HIV result is found; the system role is not restricted by
  // establishment.
  RequestContext reason;
  reason.sealed_access_reason = "result discussion";
  auto opened = control_->Guard(Nurse("A"), reason);
  so.restrict = opened->SearchRestriction();
  EXPECT_EQ(repo_->Search("Observation", {}, so)->total, 3);  // oa, os, hiv
  Identity system;
  system.subject = "svc";
  system.principal.role = auth::Role::kSystem;
  system.principal.scopes = *auth::ParseScopes("system/*.cruds");
  auto backend = control_->Guard(system, {});
  so.restrict = backend->SearchRestriction();
  EXPECT_EQ(repo_->Search("Observation", {}, so)->total, 2);  // oa, ob (sealed need a reason)
}

TEST_F(AccessControlTest, RefusedWritesLeaveNothingBehind) {
  auto guard = control_->Guard(Nurse("A"), {});
  engine::WriteOptions wo;
  wo.hooks = guard.get();
  Value changed = Json(Obs("pb", ""));
  changed.Set("id", Value::String("ob"));
  absl::StatusOr<engine::WriteResult> w = repo_->Update("Observation", "ob", changed, wo);
  EXPECT_TRUE(absl::IsPermissionDenied(w.status())) << w.status();
  EXPECT_EQ(Read("Observation", "ob").version, 1);
  // Moving pa's observation to pb is refused too (the new version's patient).
  Value moved = Json(Obs("pb", ""));
  moved.Set("id", Value::String("oa"));
  EXPECT_TRUE(absl::IsPermissionDenied(repo_->Update("Observation", "oa", moved, wo).status()));
  EXPECT_EQ(AuditCount({{"action", "U"}}), 0);
  // A permitted create is audited in its own transaction.
  absl::StatusOr<engine::WriteResult> ok = repo_->Create("Observation", Json(Obs("pa", "")), wo);
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(AuditCount({{"action", "C"}, {"patient", "Patient/pa"}}), 1);
}

TEST_F(AccessControlTest, ATransactionWithOneForbiddenEntryWritesNothing) {
  auto guard = control_->Guard(Nurse("A"), {});
  Value bundle = Json(std::string(R"({"resourceType":"Bundle","type":"transaction","entry":[
    {"resource":)") + Obs("pa", "") +
                      R"(,"request":{"method":"POST","url":"Observation"}},
    {"resource":)" + Obs("pb", "") +
                      R"(,"request":{"method":"POST","url":"Observation"}}]})");
  absl::StatusOr<Value> r = repo_->ProcessBundle(bundle, guard.get());
  EXPECT_TRUE(absl::IsPermissionDenied(r.status())) << r.status();
  engine::SearchOptions so;
  EXPECT_EQ(repo_->Search("Observation", {}, so)->total, 3);
  EXPECT_EQ(AuditCount({{"action", "C"}}), 0);
}

TEST_F(AccessControlTest, ATransferIsSeenByTheReceivingEstablishmentAtOnce) {
  auto before = control_->Guard(Nurse("A"), {});
  ASSERT_TRUE(
      absl::IsPermissionDenied(before->AllowResource(auth::Action::kRead, Read("Patient", "pb"))));
  // Reception at A: a nurse at A opens the custody episode (and B's ends).
  auto reception = control_->Guard(Nurse("A"), {});
  engine::WriteOptions wo;
  wo.hooks = reception.get();
  absl::StatusOr<engine::WriteResult> w = repo_->Create(
      "EpisodeOfCare",
      Json(R"({"resourceType":"EpisodeOfCare","status":"active","patient":{"reference":
        "Patient/pb"},"managingOrganization":{"reference":"Organization/est-A"},
        "period":{"start":"2025-11-01T00:00:00Z"}})"),
      wo);
  ASSERT_TRUE(w.ok()) << w.status();
  EXPECT_TRUE(reception->relationships_changed());
  auto after = control_->Guard(Nurse("A"), {});
  EXPECT_TRUE(after->AllowResource(auth::Action::kRead, Read("Patient", "pb")).ok());
  // Staff of a third establishment still see nothing.
  auto third = control_->Guard(Nurse("C"), {});
  EXPECT_TRUE(
      absl::IsPermissionDenied(third->AllowResource(auth::Action::kRead, Read("Patient", "pb"))));
}

TEST_F(AccessControlTest, BreakGlassPermitsWithAReasonAndAlerts) {
  RequestContext ctx;
  ctx.break_glass_reason = "collapsed on transfer, no record at receiving prison";
  auto guard = control_->Guard(Nurse("A"), ctx);
  EXPECT_TRUE(guard->AllowResource(auth::Action::kRead, Read("Patient", "pb")).ok());
  guard->Finish("read", "Patient/pb", "", 200);
  EXPECT_EQ(AuditCount({{"type", "http://dicom.nema.org/resources/ontology/DCM|110113"}}), 1);
}

TEST_F(AccessControlTest, CustodialStaffSeeOnlySharedOperationalInformation) {
  Put("Flag", "fit",
      std::string(R"({"resourceType":"Flag","meta":{"tag":[{"system":")") +
          std::string(kOperationalSharingSystem) + R"(","code":")" +
          std::string(kOperationalSharingCode) +
          R"("}]},"status":"active","code":{"text":"Fit to travel"},"subject":{"reference":
          "Patient/pa"}})");
  Put("Flag", "risk",
      R"({"resourceType":"Flag","status":"active","code":{"text":"Self-harm risk"},
          "subject":{"reference":"Patient/pa"}})");
  Identity officer;
  officer.subject = "officer";
  officer.principal.role = auth::Role::kCustodialStaff;
  officer.principal.establishments = {"A"};
  auto guard = control_->Guard(officer, {});
  EXPECT_TRUE(guard->AllowResource(auth::Action::kRead, Read("Flag", "fit")).ok());
  EXPECT_TRUE(
      absl::IsPermissionDenied(guard->AllowResource(auth::Action::kRead, Read("Flag", "risk"))));
  EXPECT_TRUE(absl::IsPermissionDenied(
      guard->AllowResource(auth::Action::kRead, Read("Observation", "oa"))));
}

}  // namespace
}  // namespace tc::access
