// The audit trail over the real SQLite store: events stored as AuditEvent resources, linked in
// one chain whether written inside a change's transaction or by the background writer, found
// by FHIR search, and any tampering found by Verify.
#include "audit/audit_log.h"

#include <sqlite3.h>

#include <filesystem>
#include <memory>
#include <set>

#include "audit/audit_event.h"
#include "audit/canonical_json.h"
#include "base/clock.h"
#include "base/random.h"
#include "fhir/json.h"
#include "gtest/gtest.h"
#include "store/sqlite/internal/connection.h"
#include "store/sqlite/internal/schema.h"
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
    log_ = std::make_unique<AuditLog>(*store_, clock_, random_);
  }
  void Close() {
    log_.reset();
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
  absl::StatusOr<engine::SearchOutcome> found = log_->Search({{"patient", "Patient/p1"}}, so);
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(found->total, 26);
  found = log_->Search({{"patient", "Patient/p2"}, {"subtype", "read"}}, so);
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
  // The log refuses changes outright.
  EXPECT_NE(Tamper("UPDATE audit_log SET hash = 'x' WHERE sequence = 3"), SQLITE_OK);
  EXPECT_NE(Tamper("DELETE FROM audit_log WHERE sequence = 3"), SQLITE_OK);
  // Someone with the file can drop the triggers: altering a stored event is then found at its
  // sequence.
  ASSERT_EQ(Tamper("DROP TRIGGER audit_log_no_update; UPDATE audit_log SET event = "
                   "replace(event, 'Patient/p4', 'Patient/pZ')"),
            SQLITE_OK);
  Open();
  absl::StatusOr<ChainReport> report = log_->Verify();
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->problem, ChainProblem::kAltered) << report->detail;
  ASSERT_TRUE(report->first_bad_sequence.has_value());
  EXPECT_EQ(*report->first_bad_sequence, 5);
  Close();
  // Put the content back, then remove an entry past the triggers.
  ASSERT_EQ(Tamper("UPDATE audit_log SET event = replace(event, 'Patient/pZ', 'Patient/p4')"),
            SQLITE_OK);
  ASSERT_EQ(Tamper("DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE sequence = 7"),
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

namespace tc::audit {
namespace {

// A data directory written by the build before the compact log (migration 0003: AuditEvent
// resources plus a chain table) upgrades in place: its entries move into the log unchanged,
// verify, and are found by patient; the AuditEvent resources are gone from the resource store.
TEST_F(AuditLogTest, EntriesOfTheResourceBasedLogMoveOverAndStillVerify) {
  Close();
  std::filesystem::remove_all(dir_);
  std::filesystem::create_directories(dir_);
  const std::string path = (dir_ / "throughcare.db").string();
  {
    auto conn = store::sqlite_internal::Connection::Open(
        path, store::sqlite_internal::Connection::Mode::kReadWrite, absl::Seconds(5));
    ASSERT_TRUE(conn.ok()) << conn.status();
    auto all = store::sqlite_internal::SqliteMigrations();
    ASSERT_TRUE(store::sqlite_internal::ApplyMigrations(**conn, all.subspan(0, 3), clock_).ok());
    fhir::Value event = Event("read", "Patient/old1");
    event.Set("id", fhir::Value::String("ae-1"));
    const std::string content = fhir::WriteJson(event);  // not canonical: as 0003 stored it
    const std::string hash = EntryHash(1, kGenesisHash, CanonicalJson(event));
    const std::string sql =
        "INSERT INTO resource_versions VALUES (1, 1, 'AuditEvent', 'ae-1', 1, 0, 0, '" + content +
        "', 'old1');"
        "INSERT INTO current_resources VALUES ('AuditEvent', 'ae-1', 1, 1, 1, 0, 0, 'old1');"
        "INSERT INTO idx_token VALUES (42, 'R', '', 1);"
        "INSERT INTO audit_chain VALUES (1, '" +
        std::string(kGenesisHash) + "', '" + hash + "', 'ae-1');";
    ASSERT_TRUE((*conn)->Exec(sql).ok());
  }
  Open();
  absl::StatusOr<ChainReport> report = log_->Verify();
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->ok()) << report->detail;
  EXPECT_EQ(report->entries_checked, 1);
  engine::SearchOptions so;
  absl::StatusOr<engine::SearchOutcome> found = log_->Search({{"patient", "Patient/old1"}}, so);
  ASSERT_TRUE(found.ok()) << found.status();
  ASSERT_EQ(found->matches.size(), 1u);
  EXPECT_EQ(found->matches[0].id, "ae-1");
  EXPECT_EQ(found->total, 1);
  EXPECT_FALSE(store_->ReadCurrent("AuditEvent", "ae-1")->has_value());
  // New entries continue the chain.
  log_->Enqueue(Event("read", "Patient/old1"));
  ASSERT_TRUE(log_->Flush().ok());
  report = log_->Verify();
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok()) << report->detail;
  EXPECT_EQ(report->entries_checked, 2);
}

TEST_F(AuditLogTest, SearchByWhoWhatWhenAndPaging) {
  for (int i = 0; i < 5; ++i) {
    log_->Enqueue(Event("read", "Patient/a"));
    clock_.Advance(absl::Hours(24));
  }
  log_->Enqueue(Event("search-type", "Patient/b"));
  ASSERT_TRUE(log_->Flush().ok());
  engine::SearchOptions so;
  EXPECT_EQ(log_->Search({{"altid", "nurse1"}}, so)->total, 6);
  EXPECT_EQ(log_->Search({{"subtype", "http://hl7.org/fhir/restful-interaction|read"}}, so)->total,
            5);
  EXPECT_EQ(log_->Search({{"action", "E"}}, so)->total, 1);
  // One event a day from 2025-11-24 (the clock's start) to 2025-11-29.
  EXPECT_EQ(log_->Search({{"date", "ge2025-11-26"}}, so)->total, 4);
  EXPECT_EQ(log_->Search({{"date", "lt2025-11-26"}, {"patient", "a"}}, so)->total, 2);
  EXPECT_EQ(log_->Search({{"date", "2025-11-27"}}, so)->total, 1);
  EXPECT_EQ(log_->Search({{"patient", "Patient/b"}, {"outcome", "0"}}, so)->total, 1);
  // Newest first, two at a time, every entry once.
  so.count = 2;
  std::vector<std::string> seen;
  engine::QueryParams q = {{"altid", "nurse1"}};
  for (int page = 0; page < 4; ++page) {
    absl::StatusOr<engine::SearchOutcome> r = log_->Search(q, so);
    ASSERT_TRUE(r.ok()) << r.status();
    for (const auto& m : r->matches) seen.push_back(m.id);
    if (r->next_cursor.empty()) break;
    q = {{"altid", "nurse1"}, {"_cursor", r->next_cursor}};
  }
  EXPECT_EQ(seen.size(), 6u);
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), 6u);
  EXPECT_EQ(log_->Read(seen[0])->id, seen[0]);
  EXPECT_TRUE(absl::IsNotFound(log_->Read("nope").status()));
  // Parameters the log does not index: 400 when strict, reported when lenient.
  so.strict = true;
  EXPECT_TRUE(absl::IsInvalidArgument(log_->Search({{"site", "x"}}, so).status()));
  so.strict = false;
  EXPECT_EQ(log_->Search({{"site", "x"}}, so)->ignored, std::vector<std::string>{"site"});
}

}  // namespace
}  // namespace tc::audit
