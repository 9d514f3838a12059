// The audit trail over the real SQLite store: events stored as AuditEvent resources, linked in
// one chain whether written inside a change's transaction or by the background writer, found
// by FHIR search, and any tampering found by Verify.
#include "audit/audit_log.h"

#include <sqlite3.h>

#include <filesystem>
#include <memory>

#include "audit/audit_event.h"
#include "base/clock.h"
#include "base/random.h"
#include "gtest/gtest.h"
#include "store/sqlite/sqlite_store.h"

namespace tc::audit {
namespace {

class AuditLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("tc-audit-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    absl::StatusOr<std::unique_ptr<fhir::Definitions>> defs = fhir::Definitions::LoadEmbedded();
    ASSERT_TRUE(defs.ok()) << defs.status();
    defs_ = std::move(*defs);
    Open();
  }
  void TearDown() override {
    Close();
    std::filesystem::remove_all(dir_);
  }
  void Open() {
    store::SqliteOptions so;
    so.path = (dir_ / "throughcare.db").string();
    absl::StatusOr<std::unique_ptr<store::Store>> st = store::OpenSqliteStore(so);
    ASSERT_TRUE(st.ok()) << st.status();
    store_ = std::move(*st);
    repo_ = std::make_unique<engine::Repository>(*store_, *defs_, clock_, random_);
    log_ = std::make_unique<AuditLog>(*store_, *repo_, clock_, random_);
  }
  void Close() {
    log_.reset();
    repo_.reset();
    store_.reset();
  }
  fhir::Value Event(const std::string& interaction, const std::string& patient) {
    AuditRecord r;
    r.interaction = interaction;
    r.recorded = clock_.Now();
    r.server = "test";
    r.agent.user_id = "nurse1";
    r.agent.role_id = "registered-nurse";
    r.resource_reference = patient;
    r.patients = {patient};
    absl::StatusOr<fhir::Value> v = BuildAuditEvent(r);
    EXPECT_TRUE(v.ok()) << v.status();
    return v.ok() ? *v : fhir::Value();
  }
  // Runs `sql` on the database file directly, as someone with the server's files could.
  int Tamper(const std::string& sql) {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open((dir_ / "throughcare.db").string().c_str(), &db), SQLITE_OK);
    int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr);
    sqlite3_close(db);
    return rc;
  }

  std::filesystem::path dir_;
  base::FakeClock clock_{absl::FromUnixSeconds(1764000000)};
  base::SeededRandom random_{7};
  std::unique_ptr<fhir::Definitions> defs_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<engine::Repository> repo_;
  std::unique_ptr<AuditLog> log_;
};

TEST_F(AuditLogTest, TransactionalAndQueuedEventsFormOneChainAndAreSearchable) {
  ASSERT_TRUE(store_
                  ->Write([&](store::Transaction& txn) -> absl::Status {
                    return log_->AppendInTransaction(txn, Event("create", "Patient/p1")).status();
                  })
                  .ok());
  for (int i = 0; i < 50; ++i) log_->Enqueue(Event("read", i % 2 ? "Patient/p1" : "Patient/p2"));
  ASSERT_TRUE(log_->Flush().ok());
  absl::StatusOr<ChainReport> report = log_->Verify();
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->ok()) << report->detail;
  EXPECT_EQ(report->entries_checked, 51);

  engine::SearchOptions so;
  so.count = 100;
  absl::StatusOr<engine::SearchOutcome> found =
      repo_->Search("AuditEvent", {{"patient", "Patient/p1"}}, so);
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(found->total, 26);
  found = repo_->Search("AuditEvent", {{"patient", "Patient/p2"}, {"subtype", "read"}}, so);
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(found->total, 25);
}

TEST_F(AuditLogTest, AFailedTransactionLeavesNoEntry) {
  absl::Status s = store_->Write([&](store::Transaction& txn) -> absl::Status {
    EXPECT_TRUE(log_->AppendInTransaction(txn, Event("create", "Patient/p1")).ok());
    return absl::AbortedError("the change failed");
  });
  EXPECT_FALSE(s.ok());
  log_->Enqueue(Event("read", "Patient/p1"));
  ASSERT_TRUE(log_->Flush().ok());
  absl::StatusOr<ChainReport> report = log_->Verify();
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok()) << report->detail;
  EXPECT_EQ(report->entries_checked, 1);
}

TEST_F(AuditLogTest, VerifyFindsAlteredRemovedAndSwappedEntries) {
  for (int i = 0; i < 10; ++i) log_->Enqueue(Event("read", "Patient/p" + std::to_string(i)));
  ASSERT_TRUE(log_->Flush().ok());
  Close();
  // The chain table refuses changes outright.
  EXPECT_NE(Tamper("UPDATE audit_chain SET hash = 'x' WHERE sequence = 3"), SQLITE_OK);
  EXPECT_NE(Tamper("DELETE FROM audit_chain WHERE sequence = 3"), SQLITE_OK);
  // Altering a stored event (its content in the resource table) is found at its sequence.
  ASSERT_EQ(Tamper("UPDATE resource_versions SET content = replace(content, 'Patient/p4', "
                   "'Patient/pZ') WHERE type = 'AuditEvent'"),
            SQLITE_OK);
  Open();
  absl::StatusOr<ChainReport> report = log_->Verify();
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->problem, ChainProblem::kAltered) << report->detail;
  ASSERT_TRUE(report->first_bad_sequence.has_value());
  EXPECT_EQ(*report->first_bad_sequence, 5);
  Close();
  // Put the content back, then remove an entry past the triggers.
  ASSERT_EQ(Tamper("UPDATE resource_versions SET content = replace(content, 'Patient/pZ', "
                   "'Patient/p4') WHERE type = 'AuditEvent'"),
            SQLITE_OK);
  ASSERT_EQ(Tamper("DROP TRIGGER audit_chain_no_delete; DELETE FROM audit_chain WHERE sequence "
                   "= 7"),
            SQLITE_OK);
  Open();
  report = log_->Verify();
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->problem, ChainProblem::kRemoved) << report->detail;
  ASSERT_TRUE(report->first_bad_sequence.has_value());
  EXPECT_EQ(*report->first_bad_sequence, 7);
  EXPECT_EQ(report->entries_checked, 6);
}

TEST_F(AuditLogTest, AnchorBeyondTheEndShowsTruncation) {
  for (int i = 0; i < 5; ++i) log_->Enqueue(Event("read", "Patient/p1"));
  ASSERT_TRUE(log_->Flush().ok());
  absl::StatusOr<ChainReport> report = log_->Verify({{9, std::string(64, 'a')}});
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->problem, ChainProblem::kTruncated) << report->detail;
}

}  // namespace
}  // namespace tc::audit
