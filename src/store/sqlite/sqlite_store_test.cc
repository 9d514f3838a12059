#include "store/sqlite/sqlite_store.h"

#include <stdlib.h>  // mkdtemp

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "base/clock.h"
#include "fhir/testing/shared_definitions.h"
#include "gtest/gtest.h"
#include "store/sqlite/internal/connection.h"
#include "store/sqlite/internal/index_rows.h"
#include "store/sqlite/internal/queries.h"
#include "store/sqlite/internal/schema.h"
#include "store/testing/store_conformance.h"

namespace tc::store {
namespace {

using sqlite_internal::Connection;

// A fresh directory under the system temporary directory, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "tc-store-test-XXXXXX").string();
    if (mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

absl::Time T0() { return absl::FromUnixSeconds(1'700'000'000); }

// ---- Conformance ------------------------------------------------------------------------------

class SqliteHarness final : public conformance::StoreHarness {
 public:
  explicit SqliteHarness(int max_batch_size = 256,
                         absl::Duration max_batch_delay = absl::ZeroDuration(),
                         SqliteOptions::Sync sync = SqliteOptions::Sync::kInCommit)
      : max_batch_size_(max_batch_size), max_batch_delay_(max_batch_delay), sync_(sync) {}

  absl::StatusOr<std::unique_ptr<Store>> Open() override {
    SqliteOptions options;
    options.path = dir_.path() + "/data/store.db";
    options.clock = &clock_;
    options.max_batch_size = max_batch_size_;
    options.max_batch_delay = max_batch_delay_;
    options.sync = sync_;
    return OpenSqliteStore(options);
  }

 private:
  TempDir dir_;
  base::FakeClock clock_{T0()};
  const int max_batch_size_;
  const absl::Duration max_batch_delay_;
  const SqliteOptions::Sync sync_;
};

conformance::StoreBackend SqliteBackend() {
  return {"Sqlite", [] { return std::make_unique<SqliteHarness>(); }};
}
// Small batches held open briefly, so concurrent tests exercise shared commits and savepoints.
conformance::StoreBackend SqliteBatchedBackend() {
  return {"SqliteBatched",
          [] { return std::make_unique<SqliteHarness>(4, absl::Microseconds(300)); }};
}

// Fsync on the syncer thread.
conformance::StoreBackend SqlitePipelinedBackend() {
  return {"SqlitePipelined", [] {
            return std::make_unique<SqliteHarness>(256, absl::ZeroDuration(),
                                                   SqliteOptions::Sync::kPipelined);
          }};
}

TC_INSTANTIATE_STORE_CONFORMANCE(Sqlite, SqliteBackend());
TC_INSTANTIATE_STORE_CONFORMANCE(SqliteBatched, SqliteBatchedBackend());
TC_INSTANTIATE_STORE_CONFORMANCE(SqlitePipelined, SqlitePipelinedBackend());

// ---- Helpers ----------------------------------------------------------------------------------

NewVersion Patient(const std::string& id, int64_t version = 1) {
  NewVersion v;
  v.type = "Patient";
  v.id = id;
  v.version = version;
  v.last_updated = T0();
  v.content = absl::StrCat(R"({"resourceType":"Patient","id":")", id, R"("})");
  v.patient_compartment = id;
  v.index = {IndexRow{IndexRow::Kind::kString, "name", "", id}};
  return v;
}

absl::Status PutOne(Store& store, const NewVersion& v) {
  return store.Write([&](Transaction& txn) { return txn.Put(v); });
}

std::unique_ptr<Connection> RawConnection(const std::string& path) {
  absl::StatusOr<std::unique_ptr<Connection>> conn =
      Connection::Open(path, Connection::Mode::kReadWrite, absl::Seconds(5));
  EXPECT_TRUE(conn.ok()) << conn.status();
  return conn.ok() ? *std::move(conn) : nullptr;
}

// Rows of a one-column text query.
std::vector<std::string> Column(Connection& conn, const std::string& sql) {
  std::vector<std::string> out;
  absl::StatusOr<sqlite_internal::Statement> st = conn.Prepare(sql);
  EXPECT_TRUE(st.ok()) << st.status();
  if (!st.ok()) return out;
  while (true) {
    absl::StatusOr<bool> row = st->Step();
    EXPECT_TRUE(row.ok()) << row.status();
    if (!row.ok() || !*row) break;
    out.emplace_back(st->ColumnText(0));
  }
  return out;
}

// ---- Opening ----------------------------------------------------------------------------------

TEST(SqliteStoreTest, RejectsInvalidOptions) {
  SqliteOptions options;
  EXPECT_EQ(OpenSqliteStore(options).status().code(), absl::StatusCode::kInvalidArgument);
  options.path = ":memory:";
  options.max_batch_size = 0;
  EXPECT_EQ(OpenSqliteStore(options).status().code(), absl::StatusCode::kInvalidArgument);
  options.max_batch_size = 1;
  options.max_batch_delay = absl::Milliseconds(-1);
  EXPECT_EQ(OpenSqliteStore(options).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(SqliteStoreTest, MemoryStoresArePrivateAndWork) {
  SqliteOptions options;
  options.path = ":memory:";
  absl::StatusOr<std::unique_ptr<Store>> a = OpenSqliteStore(options);
  absl::StatusOr<std::unique_ptr<Store>> b = OpenSqliteStore(options);
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok()) << b.status();
  ASSERT_TRUE(PutOne(**a, Patient("p1")).ok());
  EXPECT_TRUE((*a)->ReadCurrent("Patient", "p1")->has_value());
  EXPECT_FALSE((*b)->ReadCurrent("Patient", "p1")->has_value());
}

TEST(SqliteStoreTest, CreatesParentDirectoriesAndUsesWal) {
  TempDir dir;
  const std::string path = dir.path() + "/a/b/store.db";
  SqliteOptions options;
  options.path = path;
  absl::StatusOr<std::unique_ptr<Store>> store = OpenSqliteStore(options);
  ASSERT_TRUE(store.ok()) << store.status();
  ASSERT_TRUE(PutOne(**store, Patient("p1")).ok());
  EXPECT_TRUE(std::filesystem::exists(path));
  EXPECT_TRUE(std::filesystem::exists(path + "-wal"));
  std::unique_ptr<Connection> raw = RawConnection(path);
  ASSERT_NE(raw, nullptr);
  EXPECT_EQ(Column(*raw, "PRAGMA journal_mode"), std::vector<std::string>{"wal"});
}

TEST(SqliteStoreTest, FailsCleanlyOnAFileThatIsNotADatabase) {
  TempDir dir;
  const std::string path = dir.path() + "/junk.db";
  {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    std::fputs("this is not an SQLite database, just some text that is long enough......", f);
    std::fclose(f);
  }
  SqliteOptions options;
  options.path = path;
  EXPECT_FALSE(OpenSqliteStore(options).ok());
}

// ---- Migrations -------------------------------------------------------------------------------

TEST(SqliteMigrationsTest, ListIsWellFormed) {
  EXPECT_TRUE(ValidateMigrations(sqlite_internal::SqliteMigrations()).ok());
  EXPECT_FALSE(sqlite_internal::SqliteMigrations().empty());
}

TEST(SqliteMigrationsTest, RecordedOnceAndReopenIsIdempotent) {
  TempDir dir;
  const std::string path = dir.path() + "/store.db";
  base::FakeClock clock(T0());
  SqliteOptions options;
  options.path = path;
  options.clock = &clock;
  {
    absl::StatusOr<std::unique_ptr<Store>> store = OpenSqliteStore(options);
    ASSERT_TRUE(store.ok()) << store.status();
    ASSERT_TRUE(PutOne(**store, Patient("p1")).ok());
  }
  clock.Advance(absl::Hours(1));
  for (int i = 0; i < 2; ++i) {
    absl::StatusOr<std::unique_ptr<Store>> store = OpenSqliteStore(options);
    ASSERT_TRUE(store.ok()) << store.status();
    EXPECT_TRUE((*store)->ReadCurrent("Patient", "p1")->has_value());
  }
  std::unique_ptr<Connection> raw = RawConnection(path);
  ASSERT_NE(raw, nullptr);
  std::vector<std::string> expected;
  for (const Migration& m : sqlite_internal::SqliteMigrations()) {
    expected.push_back(
        absl::StrCat(m.version, " ", std::string(m.name), " 2023-11-14T22:13:20+00:00"));
  }
  EXPECT_EQ(Column(*raw,
                   "SELECT version || ' ' || name || ' ' || applied_at FROM schema_migrations "
                   "ORDER BY version"),
            expected);
}

// A later build's migration, for upgrade tests.
std::vector<Migration> WithTestMigration() {
  std::vector<Migration> list(sqlite_internal::SqliteMigrations().begin(),
                              sqlite_internal::SqliteMigrations().end());
  const int64_t next = static_cast<int64_t>(list.size()) + 1;
  list.push_back({next, next == 5 ? "0005_test_upgrade" : "9999_unexpected",
                  "CREATE TABLE test_upgrade (x INTEGER);"
                  "INSERT INTO test_upgrade SELECT count(*) FROM resource_versions;"});
  return list;
}

TEST(SqliteMigrationsTest, OldDatabaseIsUpgradedWithItsDataInPlace) {
  TempDir dir;
  const std::string path = dir.path() + "/store.db";
  SqliteOptions options;
  options.path = path;
  {  // A database written by this build ("old" from the next build's point of view).
    absl::StatusOr<std::unique_ptr<Store>> store = OpenSqliteStore(options);
    ASSERT_TRUE(store.ok()) << store.status();
    ASSERT_TRUE(PutOne(**store, Patient("p1")).ok());
    ASSERT_TRUE(PutOne(**store, Patient("p1", 2)).ok());
  }
  const std::vector<Migration> next_build = WithTestMigration();
  ASSERT_EQ(next_build.back().name, "0005_test_upgrade") << "update this test";
  std::unique_ptr<Connection> raw = RawConnection(path);
  ASSERT_NE(raw, nullptr);
  base::FakeClock clock(T0());
  ASSERT_TRUE(sqlite_internal::ApplyMigrations(*raw, next_build, clock).ok());
  // The migration saw the existing data, and is recorded.
  EXPECT_EQ(Column(*raw, "SELECT x FROM test_upgrade"), std::vector<std::string>{"2"});
  EXPECT_EQ(Column(*raw, "SELECT name FROM schema_migrations ORDER BY version"),
            (std::vector<std::string>{"0001_initial", "0002_compact_indexes", "0003_audit_chain",
                                      "0004_audit_log", "0005_test_upgrade"}));
  // Applying again changes nothing.
  ASSERT_TRUE(sqlite_internal::ApplyMigrations(*raw, next_build, clock).ok());
  EXPECT_EQ(Column(*raw, "SELECT x FROM test_upgrade"), std::vector<std::string>{"2"});
  raw.reset();

  // This build refuses a database that a newer build has migrated.
  absl::StatusOr<std::unique_ptr<Store>> store = OpenSqliteStore(options);
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition) << store.status();
}

TEST(SqliteMigrationsTest, FailingMigrationIsRolledBackWhole) {
  TempDir dir;
  std::unique_ptr<Connection> raw = RawConnection(dir.path() + "/store.db");
  ASSERT_NE(raw, nullptr);
  base::FakeClock clock(T0());
  const Migration broken[] = {
      {1, "0001_ok", "CREATE TABLE a (x);"},
      {2, "0002_broken", "CREATE TABLE b (x); THIS IS NOT SQL;"},
  };
  absl::Status status = sqlite_internal::ApplyMigrations(*raw, broken, clock);
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("0002_broken"), absl::string_view::npos) << status;
  EXPECT_EQ(Column(*raw, "SELECT name FROM sqlite_master WHERE name IN ('a', 'b') ORDER BY 1"),
            std::vector<std::string>{"a"});
  EXPECT_EQ(Column(*raw, "SELECT name FROM schema_migrations"),
            std::vector<std::string>{"0001_ok"});
}

TEST(SqliteMigrationsTest, RenamedMigrationIsRejected) {
  TempDir dir;
  std::unique_ptr<Connection> raw = RawConnection(dir.path() + "/store.db");
  ASSERT_NE(raw, nullptr);
  base::FakeClock clock(T0());
  const Migration first[] = {{1, "0001_a", "CREATE TABLE a (x);"}};
  const Migration renamed[] = {{1, "0001_other", "CREATE TABLE a (x);"}};
  ASSERT_TRUE(sqlite_internal::ApplyMigrations(*raw, first, clock).ok());
  EXPECT_EQ(sqlite_internal::ApplyMigrations(*raw, renamed, clock).code(),
            absl::StatusCode::kFailedPrecondition);
}

// ---- Group commit -----------------------------------------------------------------------------

// Collects SqliteOptions::on_commit reports.
class CommitLog {
 public:
  std::function<void(const SqliteCommitInfo&)> Callback() {
    return [this](const SqliteCommitInfo& info) {
      std::lock_guard<std::mutex> lock(mu_);
      infos_.push_back(info);
    };
  }
  std::vector<SqliteCommitInfo> infos() {
    std::lock_guard<std::mutex> lock(mu_);
    return infos_;
  }

 private:
  std::mutex mu_;
  std::vector<SqliteCommitInfo> infos_;
};

TEST(SqliteGroupCommitTest, FailingCallbackInABatchLeavesNothingAndOthersCommit) {
  constexpr int kWriters = 8;
  TempDir dir;
  CommitLog log;
  SqliteOptions options;
  options.path = dir.path() + "/store.db";
  options.max_batch_size = kWriters;
  options.max_batch_delay = absl::Seconds(60);  // wait until all eight are queued: one batch
  options.on_commit = log.Callback();
  absl::StatusOr<std::unique_ptr<Store>> opened = OpenSqliteStore(options);
  ASSERT_TRUE(opened.ok()) << opened.status();
  Store& store = **opened;

  std::vector<absl::Status> results(kWriters);
  std::vector<std::thread> threads;
  for (int i = 0; i < kWriters; ++i) {
    threads.emplace_back([&, i] {
      results[i] = store.Write([&](Transaction& txn) -> absl::Status {
        const std::string id = absl::StrCat("p", i);
        absl::Status put = txn.Put(Patient(id));
        if (!put.ok()) return put;
        if (i % 2 == 1) {
          // A second resource too, so a failing callback has several writes to undo.
          put = txn.Put(Patient(id + "-extra"));
          if (!put.ok()) return put;
          return absl::InvalidArgumentError(id);
        }
        return absl::OkStatus();
      });
    });
  }
  for (std::thread& t : threads) t.join();

  std::vector<SqliteCommitInfo> infos = log.infos();
  ASSERT_EQ(infos.size(), 1u);
  EXPECT_EQ(infos[0].callbacks, kWriters);
  EXPECT_EQ(infos[0].committed, kWriters / 2);
  EXPECT_TRUE(infos[0].commit_status.ok());
  for (int i = 0; i < kWriters; ++i) {
    const std::string id = absl::StrCat("p", i);
    if (i % 2 == 0) {
      EXPECT_TRUE(results[i].ok()) << results[i];
      EXPECT_TRUE(store.ReadCurrent("Patient", id)->has_value()) << id;
    } else {
      EXPECT_EQ(results[i], absl::InvalidArgumentError(id));
      EXPECT_FALSE(store.ReadCurrent("Patient", id)->has_value()) << id;
      EXPECT_FALSE(store.ReadCurrent("Patient", id + "-extra")->has_value()) << id;
    }
  }
  SearchQuery all;
  all.type = "Patient";
  EXPECT_EQ(store.Search(all)->total, kWriters / 2);
}

TEST(SqliteGroupCommitTest, ConcurrentWritersShareCommits) {
  constexpr int kThreads = 16;
  constexpr int kPerThread = 10;
  TempDir dir;
  CommitLog log;
  SqliteOptions options;
  options.path = dir.path() + "/store.db";
  options.max_batch_delay = absl::Milliseconds(2);
  options.on_commit = log.Callback();
  absl::StatusOr<std::unique_ptr<Store>> opened = OpenSqliteStore(options);
  ASSERT_TRUE(opened.ok()) << opened.status();
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        if (!PutOne(**opened, Patient(absl::StrCat(t, "-", i))).ok()) ++failures;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  int64_t callbacks = 0;
  for (const SqliteCommitInfo& info : log.infos()) {
    callbacks += info.callbacks;
    EXPECT_EQ(info.callbacks, info.committed);
  }
  EXPECT_EQ(callbacks, kThreads * kPerThread);
  EXPECT_LT(log.infos().size(), static_cast<size_t>(kThreads * kPerThread));
}

TEST(SqliteStoreTest, WriteFromInsideACallbackIsRejected) {
  SqliteOptions options;
  options.path = ":memory:";
  absl::StatusOr<std::unique_ptr<Store>> opened = OpenSqliteStore(options);
  ASSERT_TRUE(opened.ok()) << opened.status();
  Store& store = **opened;
  absl::Status inner;
  absl::Status outer = store.Write([&](Transaction& txn) -> absl::Status {
    inner = store.Write([&](Transaction& t) { return t.Put(Patient("inner")); });
    return txn.Put(Patient("outer"));
  });
  EXPECT_TRUE(outer.ok()) << outer;
  EXPECT_EQ(inner.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_FALSE(store.ReadCurrent("Patient", "inner")->has_value());
}

TEST(SqliteStoreTest, ReadsDoNotWaitForAWriteInProgress) {
  TempDir dir;
  SqliteOptions options;
  options.path = dir.path() + "/store.db";
  absl::StatusOr<std::unique_ptr<Store>> opened = OpenSqliteStore(options);
  ASSERT_TRUE(opened.ok()) << opened.status();
  Store& store = **opened;
  ASSERT_TRUE(PutOne(store, Patient("p1")).ok());

  std::promise<void> in_write;
  std::promise<void> reads_done;
  std::future<void> reads_done_future = reads_done.get_future();
  std::thread writer([&] {
    absl::Status status = store.Write([&](Transaction& txn) -> absl::Status {
      absl::Status put = txn.Put(Patient("p2"));
      if (!put.ok()) return put;
      put = txn.Put(Patient("p1", 2));
      in_write.set_value();
      reads_done_future.wait();  // hold the write transaction open while the test reads
      return put;
    });
    EXPECT_TRUE(status.ok()) << status;
  });
  in_write.get_future().wait();
  // The uncommitted write is invisible, and reading does not block.
  EXPECT_EQ((*store.ReadCurrent("Patient", "p1"))->version, 1);
  EXPECT_FALSE(store.ReadCurrent("Patient", "p2")->has_value());
  SearchQuery all;
  all.type = "Patient";
  EXPECT_EQ(store.Search(all)->total, 1);
  reads_done.set_value();
  writer.join();
  EXPECT_EQ((*store.ReadCurrent("Patient", "p1"))->version, 2);
  EXPECT_EQ(store.Search(all)->total, 2);
}

// ---- Internals --------------------------------------------------------------------------------

TEST(SqliteQueriesTest, PrefixUpperBound) {
  using sqlite_internal::PrefixUpperBound;
  EXPECT_EQ(PrefixUpperBound("abc"), "abd");
  EXPECT_EQ(PrefixUpperBound("ab\xff"), "ac");
  EXPECT_EQ(PrefixUpperBound("\xc3\xa9"), "\xc3\xaa");
  EXPECT_EQ(PrefixUpperBound(""), std::nullopt);
  EXPECT_EQ(PrefixUpperBound("\xff\xff"), std::nullopt);
}

TEST(SqliteQueriesTest, HotPathsUseIndexes) {
  TempDir dir;
  SqliteOptions options;
  options.path = dir.path() + "/store.db";
  { ASSERT_TRUE(OpenSqliteStore(options).ok()); }
  std::unique_ptr<Connection> raw = RawConnection(options.path);
  ASSERT_NE(raw, nullptr);
  auto plan = [&](const std::string& sql) {
    std::string out;
    absl::StatusOr<sqlite_internal::Statement> st = raw->Prepare("EXPLAIN QUERY PLAN " + sql);
    EXPECT_TRUE(st.ok()) << st.status();
    if (!st.ok()) return out;
    while (st->Step().value_or(false)) absl::StrAppend(&out, st->ColumnText(3), "\n");
    return out;
  };
  const std::string read_current = plan(
      "SELECT c.version, v.content FROM current_resources c JOIN resource_versions v "
      "ON v.rid = c.rid WHERE c.type = 'Patient' AND c.id = 'x'");
  EXPECT_NE(read_current.find("SEARCH c USING PRIMARY KEY (type=? AND id=?)"), std::string::npos)
      << read_current;
  EXPECT_NE(read_current.find("SEARCH v USING INTEGER PRIMARY KEY (rowid=?)"), std::string::npos)
      << read_current;
  const std::string token =
      plan("SELECT rkey FROM idx_token WHERE pid = 7 AND value = '1' AND system = 's'");
  EXPECT_NE(token.find("USING PRIMARY KEY (pid=? AND value=? AND system=?)"), std::string::npos)
      << token;
  // Reverse chains read a resource's references by rkey; chains find referrers by target.
  const std::string by_source =
      plan("SELECT target_id FROM idx_reference WHERE rkey = 3 AND pid = 7");
  EXPECT_NE(by_source.find("USING PRIMARY KEY (rkey=? AND pid=?)"), std::string::npos) << by_source;
  const std::string by_target = plan(
      "SELECT rkey FROM idx_reference WHERE pid = 7 AND target_id = 'p' AND target_type = 'X'");
  EXPECT_NE(by_target.find("idx_reference_search"), std::string::npos) << by_target;
  const std::string history = plan(
      "SELECT * FROM resource_versions v WHERE v.type = 'Patient' "
      "ORDER BY v.last_updated DESC, v.version DESC, v.rid DESC LIMIT 10");
  EXPECT_NE(history.find("resource_versions_by_type_time"), std::string::npos) << history;
  EXPECT_EQ(history.find("TEMP B-TREE"), std::string::npos) << history;
}

// ---- Throughput (run by hand in a release build: --gtest_also_run_disabled_tests) ------------

// Creates `threads` x `per_thread` resources from `threads` concurrent writers, each Write() one
// resource, into a new database at `path`; prints durable writes per second. `patient_like`:
// ~1 KB of content and six index rows (identifier, gender, family, given, birth date,
// organisation), else ~60 bytes and one row. Hands the open store to `keep` when non-null.
void MeasureWrites(const std::string& path, SqliteOptions::Sync sync, bool patient_like,
                   int threads, int per_thread, std::unique_ptr<Store>* keep = nullptr) {
  CommitLog log;
  SqliteOptions options;
  options.path = path;
  options.on_commit = log.Callback();
  options.sync = sync;
  absl::StatusOr<std::unique_ptr<Store>> opened = OpenSqliteStore(options);
  ASSERT_TRUE(opened.ok()) << opened.status();
  Store& store = **opened;
  const std::string padding(patient_like ? 800 : 10, 'x');
  auto resource = [&](int t, int i) {
    NewVersion v = Patient(absl::StrCat("t", t, "-", i));
    v.content = absl::StrCat(R"({"resourceType":"Patient","id":")", v.id, R"(","text":")", padding,
                             R"("})");
    if (patient_like) {
      v.index = {
          {IndexRow::Kind::kToken, "identifier", "https://fhir.nhs.uk/Id/nhs-number",
           absl::StrCat(t * 100000 + i)},
          {IndexRow::Kind::kToken, "gender", "http://hl7.org/fhir/administrative-gender", "female"},
          {IndexRow::Kind::kString, "family", "", "smith"},
          {IndexRow::Kind::kString, "given", "", "jane"},
          {IndexRow::Kind::kDate, "birthdate", "", "", "", "", 1e15, 1e15 + 86399999999},
          {IndexRow::Kind::kReference, "organization", "Organization", "hmp-x"}};
    }
    return v;
  };
  std::atomic<int> failures{0};
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) {
        if (!PutOne(store, resource(t, i)).ok()) ++failures;
      }
    });
  }
  for (std::thread& t : workers) t.join();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(failures.load(), 0);
  const double writes = static_cast<double>(threads) * per_thread;
  const size_t commits = log.infos().size();
  std::printf(
      "%-10s %-12s %d threads: %.0f durable writes/s (%.0f writes, %.2f s, %zu commits, "
      "%.1f writes per commit)\n",
      sync == SqliteOptions::Sync::kInCommit ? "in-commit" : "pipelined",
      patient_like ? "patient-like" : "minimal", threads, writes / seconds, writes, seconds,
      commits, writes / static_cast<double>(commits));
  if (keep != nullptr) *keep = *std::move(opened);
}

TEST(SqliteThroughputTest, DISABLED_DurableWritesWith64Threads) {
  for (bool patient_like : {false, true}) {
    for (SqliteOptions::Sync sync :
         {SqliteOptions::Sync::kInCommit, SqliteOptions::Sync::kPipelined}) {
      TempDir dir;
      MeasureWrites(dir.path() + "/store.db", sync, patient_like, 64, 300);
    }
  }
}

TEST(SqliteThroughputTest, DISABLED_ReadCurrentLatency) {
  TempDir dir;
  std::unique_ptr<Store> store;
  MeasureWrites(dir.path() + "/store.db", SqliteOptions::Sync::kInCommit, true, 8, 2500, &store);
  ASSERT_NE(store, nullptr);
  constexpr int kReads = 200000;
  int failures = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kReads; ++i) {
    absl::StatusOr<std::optional<StoredVersion>> v =
        store->ReadCurrent("Patient", absl::StrCat("t", i % 8, "-", i % 2500));
    if (!v.ok() || !v->has_value()) ++failures;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(failures, 0);
  std::printf("read-current: %.2f us per read (one thread, 20000 resources, ~1 KB each)\n",
              seconds * 1e6 / kReads);
}

}  // namespace
}  // namespace tc::store

namespace tc::store {
namespace {

// Parameter keys are a hash (index_rows.h): no two parameters of the built-in definitions, with
// their companion rows (":text", ":of-type", ":identifier", "_text"), may share one.
TEST(SqliteIndexRowsTest, BuiltInParameterKeysAreDistinct) {
  const fhir::Definitions& defs = fhir::testing::SharedDefinitions();
  absl::flat_hash_map<int64_t, std::string> seen;
  size_t count = 0;
  for (const std::string& type : defs.ResourceTypeNames()) {
    std::vector<std::string> codes = {"_text"};
    for (const fhir::SearchParamDef* p : defs.SearchParamsFor(type)) {
      for (const char* suffix : {"", ":text", ":of-type", ":identifier"}) {
        codes.push_back(p->code + suffix);
      }
    }
    for (const std::string& code : codes) {
      const std::string name = type + "." + code;
      auto [it, fresh] = seen.emplace(sqlite_internal::ParamKey(type, code), name);
      EXPECT_TRUE(fresh || it->second == name) << name << " collides with " << it->second;
      ++count;
    }
  }
  EXPECT_GT(count, 5000u);
}

}  // namespace
}  // namespace tc::store
