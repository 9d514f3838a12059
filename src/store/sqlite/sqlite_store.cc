#include "store/sqlite/sqlite_store.h"

#include <fcntl.h>    // open
#include <pthread.h>  // pthread_setname_np
#include <stdlib.h>   // mkdtemp
#include <unistd.h>   // fdatasync, close

#include <cerrno>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "store/sqlite/internal/connection.h"
#include "store/sqlite/internal/index_rows.h"
#include "store/sqlite/internal/queries.h"
#include "store/sqlite/internal/schema.h"

namespace tc::store {
namespace {

using sqlite_internal::Connection;
using sqlite_internal::Statement;

constexpr absl::string_view kMemoryPath = ":memory:";

absl::Status RunCached(Connection& conn, absl::string_view sql) {
  TC_ASSIGN_OR_RETURN(Statement st, conn.Prepare(sql));
  return st.Run();
}

// Runs `f` (returning absl::StatusOr<T>) inside a read transaction on `conn`, so that all its
// statements see one snapshot.
template <typename T, typename F>
absl::StatusOr<T> InReadSnapshot(Connection& conn, F&& f) {
  TC_RETURN_IF_ERROR(RunCached(conn, "BEGIN"));
  absl::StatusOr<T> result = f();
  if (conn.InTransaction()) {
    absl::Status end = RunCached(conn, result.ok() ? "COMMIT" : "ROLLBACK");
    if (result.ok() && !end.ok()) return end;
  }
  return result;
}

// Sets the per-connection pragmas every connection of the store gets.
absl::Status ConfigureConnection(Connection& conn, const SqliteOptions& options) {
  TC_RETURN_IF_ERROR(sqlite_internal::RegisterIndexFunctions(conn));
  return conn.Exec(absl::StrCat("PRAGMA cache_size = -", options.cache_size_kib,
                                "; PRAGMA temp_store = MEMORY"));
}

// The error of a failed system call, from errno.
std::string ErrnoMessage() { return std::error_code(errno, std::generic_category()).message(); }

absl::Status ErrnoStatus(absl::string_view what, const std::string& path) {
  return absl::UnavailableError(absl::StrCat(what, " ", path, ": ", ErrnoMessage()));
}

// fsyncs a directory, so that a file created in it survives a power failure.
absl::Status SyncDirectory(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("open", dir);
  const int rc = ::fsync(fd);
  absl::Status status = rc == 0 ? absl::OkStatus() : ErrnoStatus("fsync", dir);
  ::close(fd);
  return status;
}

// ---------------------------------------------------------------------------------------------
// Read connections

// Read-only connections, handed out one per reading thread and reused. Thread-safe.
class ReadPool {
 public:
  class Lease;

  // `options` MUST outlive the pool.
  ReadPool(std::string path, const SqliteOptions& options)
      : path_(std::move(path)), options_(options) {}

  // A connection for the caller's exclusive use until the lease is destroyed.
  absl::StatusOr<Lease> Acquire();

  // Closes every idle connection.
  void Clear() {
    std::lock_guard<std::mutex> lock(mu_);
    idle_.clear();
  }

 private:
  void Return(std::unique_ptr<Connection> conn) {
    // A connection left inside a transaction (a failed ROLLBACK) is not reused.
    if (conn->InTransaction()) return;
    std::lock_guard<std::mutex> lock(mu_);
    if (static_cast<int>(idle_.size()) < options_.max_idle_readers) {
      idle_.push_back(std::move(conn));
    }
  }

  const std::string path_;
  const SqliteOptions& options_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Connection>> idle_;  // guarded by mu_
};

class ReadPool::Lease {
 public:
  Lease(ReadPool* pool, std::unique_ptr<Connection> conn) : pool_(pool), conn_(std::move(conn)) {}
  Lease(Lease&& other) noexcept = default;
  Lease& operator=(Lease&&) = delete;
  ~Lease() {
    if (conn_ != nullptr) pool_->Return(std::move(conn_));
  }
  Connection& operator*() const { return *conn_; }

 private:
  ReadPool* pool_;
  std::unique_ptr<Connection> conn_;
};

absl::StatusOr<ReadPool::Lease> ReadPool::Acquire() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_.empty()) {
      std::unique_ptr<Connection> conn = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(conn));
    }
  }
  TC_ASSIGN_OR_RETURN(std::unique_ptr<Connection> conn,
                      Connection::Open(path_, Connection::Mode::kReadOnly, options_.busy_timeout));
  TC_RETURN_IF_ERROR(ConfigureConnection(*conn, options_));
  return Lease(this, std::move(conn));
}

// ---------------------------------------------------------------------------------------------
// Transaction

class SqliteTransaction final : public Transaction {
 public:
  explicit SqliteTransaction(Connection& conn) : conn_(conn) {}

  absl::StatusOr<std::optional<StoredVersion>> ReadCurrent(const std::string& type,
                                                           const std::string& id) override {
    return sqlite_internal::ReadCurrent(conn_, type, id);
  }
  absl::Status Put(const NewVersion& version) override {
    bool partial = false;
    absl::Status status = sqlite_internal::Put(conn_, version, &partial);
    if (partial && poisoned_.ok()) poisoned_ = status;
    return status;
  }
  absl::StatusOr<SearchResult> Search(const SearchQuery& query) override {
    return sqlite_internal::Search(conn_, query);
  }
  absl::Status Reindex(const std::string& type, const std::string& id,
                       const std::vector<IndexRow>& rows,
                       const std::string& patient_compartment) override {
    bool partial = false;
    absl::Status status =
        sqlite_internal::Reindex(conn_, type, id, rows, patient_compartment, &partial);
    if (partial && poisoned_.ok()) poisoned_ = status;
    return status;
  }
  absl::Status SetMeta(const std::string& key, const std::optional<std::string>& value) override {
    absl::Status status = sqlite_internal::SetMeta(conn_, key, value);
    if (!status.ok() && poisoned_.ok()) poisoned_ = status;
    return status;
  }

  absl::StatusOr<std::optional<AuditLink>> LastAuditLink() override {
    return sqlite_internal::LastAuditLink(conn_);
  }
  absl::Status AppendAudit(const AuditRow& row) override {
    absl::Status status = sqlite_internal::AppendAudit(conn_, row);
    if (!status.ok() && !absl::IsFailedPrecondition(status) && poisoned_.ok()) poisoned_ = status;
    return status;
  }

  // Not OK when a Put failed after writing part of a version: the callback's work must then be
  // rolled back whatever it returns.
  const absl::Status& poisoned() const { return poisoned_; }

 private:
  Connection& conn_;
  absl::Status poisoned_;
};

// ---------------------------------------------------------------------------------------------
// Store

class SqliteStore final : public Store {
 public:
  // `temp_dir`: a directory to remove on destruction ("" for none). `pipelined`: fsync on the
  // syncer thread (Sync::kPipelined on a file database).
  SqliteStore(const SqliteOptions& options, std::string path, std::string temp_dir, bool pipelined,
              std::unique_ptr<Connection> writer)
      : options_(options),
        clock_(options.clock != nullptr ? options.clock : &system_clock_),
        path_(std::move(path)),
        temp_dir_(std::move(temp_dir)),
        pipelined_(pipelined),
        writer_(std::move(writer)),
        readers_(path_, options_) {}

  ~SqliteStore() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    work_cv_.notify_all();
    if (writer_thread_.joinable()) writer_thread_.join();
    {
      std::lock_guard<std::mutex> lock(mu_);
      writer_stopped_ = true;
    }
    sync_cv_.notify_all();
    if (syncer_thread_.joinable()) syncer_thread_.join();
    if (wal_fd_ >= 0) ::close(wal_fd_);
    readers_.Clear();
    writer_.reset();  // the last connection: checkpoints and removes the WAL
    if (!temp_dir_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(temp_dir_, ec);
    }
  }

  // Checks that read connections can be opened, then starts the writer (and syncer) threads.
  absl::Status Start() {
    {
      TC_ASSIGN_OR_RETURN(ReadPool::Lease lease, readers_.Acquire());  // returned at once
    }
    if (pipelined_) {
      // The WAL exists (migrations read the database). Make its directory entry durable once:
      // the syncer only fdatasyncs the file.
      const std::string wal = path_ + "-wal";
      wal_fd_ = ::open(wal.c_str(), O_RDONLY | O_CLOEXEC);
      if (wal_fd_ < 0) return ErrnoStatus("open", wal);
      if (::fdatasync(wal_fd_) != 0) return ErrnoStatus("fdatasync", wal);
      const std::string dir = std::filesystem::path(path_).parent_path().string();
      TC_RETURN_IF_ERROR(SyncDirectory(dir.empty() ? "." : dir));
      syncer_thread_ = std::thread([this] {
        pthread_setname_np(pthread_self(), "tc-store-sync");
        SyncerLoop();
      });
    }
    writer_thread_ = std::thread([this] {
      pthread_setname_np(pthread_self(), "tc-store-writer");
      WriterLoop();
    });
    return absl::OkStatus();
  }

  absl::StatusOr<std::optional<StoredVersion>> ReadCurrent(const std::string& type,
                                                           const std::string& id) override {
    TC_ASSIGN_OR_RETURN(ReadPool::Lease lease, readers_.Acquire());
    return sqlite_internal::ReadCurrent(*lease, type, id);
  }

  absl::StatusOr<std::optional<StoredVersion>> ReadVersion(const std::string& type,
                                                           const std::string& id,
                                                           int64_t version) override {
    TC_ASSIGN_OR_RETURN(ReadPool::Lease lease, readers_.Acquire());
    return sqlite_internal::ReadVersion(*lease, type, id, version);
  }

  absl::StatusOr<HistoryPage> History(const HistoryQuery& query) override {
    TC_ASSIGN_OR_RETURN(ReadPool::Lease lease, readers_.Acquire());
    Connection& conn = *lease;
    return InReadSnapshot<HistoryPage>(conn, [&] { return sqlite_internal::History(conn, query); });
  }

  absl::StatusOr<SearchResult> Search(const SearchQuery& query) override {
    TC_ASSIGN_OR_RETURN(ReadPool::Lease lease, readers_.Acquire());
    Connection& conn = *lease;
    return InReadSnapshot<SearchResult>(conn, [&] { return sqlite_internal::Search(conn, query); });
  }

  absl::StatusOr<ScanPage> ScanCurrent(int64_t after_key, int64_t limit) override {
    TC_ASSIGN_OR_RETURN(ReadPool::Lease lease, readers_.Acquire());
    return sqlite_internal::ScanCurrent(*lease, after_key, limit);
  }

  absl::StatusOr<int64_t> CountCurrent() override {
    TC_ASSIGN_OR_RETURN(ReadPool::Lease lease, readers_.Acquire());
    return sqlite_internal::CountCurrent(*lease);
  }

  absl::StatusOr<std::optional<std::string>> GetMeta(const std::string& key) override {
    TC_ASSIGN_OR_RETURN(ReadPool::Lease lease, readers_.Acquire());
    return sqlite_internal::GetMeta(*lease, key);
  }

  absl::StatusOr<std::vector<AuditRow>> ReadAuditLog(int64_t after_sequence,
                                                     int64_t limit) override {
    TC_ASSIGN_OR_RETURN(ReadPool::Lease lease, readers_.Acquire());
    return sqlite_internal::ReadAuditLog(*lease, after_sequence, limit);
  }
  absl::StatusOr<AuditPage> SearchAudit(const AuditQuery& query) override {
    TC_ASSIGN_OR_RETURN(ReadPool::Lease lease, readers_.Acquire());
    Connection& conn = *lease;
    return InReadSnapshot<AuditPage>(conn,
                                     [&] { return sqlite_internal::SearchAudit(conn, query); });
  }

  absl::Status Write(absl::FunctionRef<absl::Status(Transaction&)> fn) override {
    if (std::this_thread::get_id() == writer_thread_.get_id()) {
      return absl::FailedPreconditionError(
          "Store::Write called from inside a Write callback (use the Transaction)");
    }
    WriteRequest request(fn);
    std::unique_lock<std::mutex> lock(mu_);
    if (stopping_) return absl::FailedPreconditionError("Store::Write on a closing store");
    if (!sync_error_.ok()) return sync_error_;
    queue_.push_back(&request);
    work_cv_.notify_one();
    request.cv.wait(lock, [&] { return request.done; });
    return std::move(request.status);
  }

 private:
  // One queued Write(). Lives on the caller's stack until `done`.
  struct WriteRequest {
    explicit WriteRequest(absl::FunctionRef<absl::Status(Transaction&)> f) : fn(f) {}
    absl::FunctionRef<absl::Status(Transaction&)> fn;
    absl::Status status;         // set by the writer (and syncer) threads before `done`
    bool done = false;           // guarded by mu_
    std::condition_variable cv;  // signalled (under mu_) when done
  };

  // Marks `requests` done and wakes their callers. REQUIRES: mu_ held.
  static void Complete(const std::vector<WriteRequest*>& requests) {
    for (WriteRequest* request : requests) {
      request->done = true;
      request->cv.notify_one();  // under mu_: the waiter cannot return (and destroy cv) first
    }
  }

  void WriterLoop() {
    const size_t max_batch = static_cast<size_t>(options_.max_batch_size);
    std::vector<WriteRequest*> batch;
    batch.reserve(max_batch);
    while (true) {
      batch.clear();
      absl::Status sync_error;
      {
        std::unique_lock<std::mutex> lock(mu_);
        work_cv_.wait(lock, [&] { return !queue_.empty() || stopping_; });
        if (queue_.empty()) return;  // stopping, and every queued write has been run
        if (options_.max_batch_delay > absl::ZeroDuration() && queue_.size() < max_batch &&
            !stopping_) {
          work_cv_.wait_for(lock, absl::ToChronoNanoseconds(options_.max_batch_delay),
                            [&] { return queue_.size() >= max_batch || stopping_; });
        }
        while (!queue_.empty() && batch.size() < max_batch) {
          batch.push_back(queue_.front());
          queue_.pop_front();
        }
        sync_error = sync_error_;
      }
      if (sync_error.ok()) {
        size_t next = 0;
        while (next < batch.size()) next = RunTransaction(batch, next);
      } else {
        for (WriteRequest* request : batch) request->status = sync_error;
      }
      std::lock_guard<std::mutex> lock(mu_);
      if (pipelined_ && sync_error.ok()) {
        unsynced_.insert(unsynced_.end(), batch.begin(), batch.end());
        sync_cv_.notify_one();
      } else {
        Complete(batch);
      }
    }
  }

  // Sync::kPipelined: fsyncs the WAL for every batch committed so far, then acknowledges them.
  void SyncerLoop() {
    std::vector<WriteRequest*> group;
    while (true) {
      group.clear();
      absl::Status status;
      {
        std::unique_lock<std::mutex> lock(mu_);
        sync_cv_.wait(lock, [&] { return !unsynced_.empty() || writer_stopped_; });
        if (unsynced_.empty()) return;  // the writer has stopped and everything is synced
        group.swap(unsynced_);
        status = sync_error_;
      }
      // Every frame of the group was written (pwrite returned) before it was queued here, so
      // this fdatasync covers them all.
      if (status.ok() && ::fdatasync(wal_fd_) != 0) {
        status = absl::DataLossError(absl::StrCat(
            "fdatasync of the write-ahead log failed (", ErrnoMessage(),
            "); recent writes may be lost and the store accepts no more writes until reopened"));
      }
      std::lock_guard<std::mutex> lock(mu_);
      if (!status.ok()) {
        if (sync_error_.ok()) sync_error_ = status;
        for (WriteRequest* request : group) {
          if (request->status.ok()) request->status = status;
        }
      }
      Complete(group);
    }
  }

  // Runs batch[start..] in one transaction; returns the index after the last request it
  // handled (normally batch.size(); earlier when SQLite aborted the transaction on its own, in
  // which case the caller runs the rest in a new one). Sets each handled request's status.
  size_t RunTransaction(const std::vector<WriteRequest*>& batch, size_t start) {
    const absl::Time began = clock_->Now();
    SqliteCommitInfo info;
    auto report = absl::MakeCleanup([&] {
      info.duration = clock_->Now() - began;
      if (options_.on_commit) options_.on_commit(info);
    });
    Connection& conn = *writer_;
    absl::Status begin = RunCached(conn, "BEGIN IMMEDIATE");
    if (!begin.ok()) {
      for (size_t i = start; i < batch.size(); ++i) batch[i]->status = begin;
      info.callbacks = static_cast<int64_t>(batch.size() - start);
      info.commit_status = begin;
      return batch.size();
    }
    std::vector<WriteRequest*> kept;  // requests whose effects are in this transaction
    // SQLite rolled the whole transaction back by itself (I/O error, disk full…), or a
    // savepoint command failed: every kept request loses its effects.
    auto abort_all = [&](WriteRequest* current, const absl::Status& cause) {
      absl::Status lost = absl::UnavailableError(
          absl::StrCat("write transaction aborted by the database: ", cause.message()));
      for (WriteRequest* r : kept) r->status = lost;
      current->status = cause.ok() ? lost : cause;
      info.commit_status = lost;
      if (conn.InTransaction()) RunCached(conn, "ROLLBACK").IgnoreError();
    };
    for (size_t i = start; i < batch.size(); ++i) {
      WriteRequest* request = batch[i];
      ++info.callbacks;
      absl::Status status = RunCached(conn, "SAVEPOINT tc_write");
      if (!status.ok()) {
        abort_all(request, status);
        return i + 1;
      }
      {
        SqliteTransaction txn(conn);
        status = request->fn(txn);
        if (status.ok() && !txn.poisoned().ok()) status = txn.poisoned();
      }
      if (!conn.InTransaction()) {
        abort_all(request, status);
        return i + 1;
      }
      if (status.ok()) {
        absl::Status released = RunCached(conn, "RELEASE tc_write");
        if (!released.ok()) {
          abort_all(request, released);
          return i + 1;
        }
        kept.push_back(request);
      } else {
        absl::Status undone = RunCached(conn, "ROLLBACK TO tc_write");
        if (undone.ok()) undone = RunCached(conn, "RELEASE tc_write");
        if (!undone.ok()) {
          abort_all(request, undone);
          request->status = status;
          return i + 1;
        }
      }
      request->status = status;
    }
    absl::Status commit = RunCached(conn, "COMMIT");
    if (!commit.ok()) {
      if (conn.InTransaction()) RunCached(conn, "ROLLBACK").IgnoreError();
      for (WriteRequest* r : kept) r->status = commit;
      info.commit_status = commit;
    } else {
      info.committed = static_cast<int64_t>(kept.size());
    }
    return batch.size();
  }

  const SqliteOptions options_;
  const base::SystemClock system_clock_;
  const base::Clock* const clock_;
  const std::string path_;
  const std::string temp_dir_;
  const bool pipelined_;
  std::unique_ptr<Connection> writer_;  // used by the writer thread only, once started
  ReadPool readers_;
  int wal_fd_ = -1;  // Sync::kPipelined: the WAL file, fdatasync'd by the syncer thread

  std::mutex mu_;
  std::condition_variable work_cv_;      // queue_ gained an entry, or stopping_
  std::condition_variable sync_cv_;      // unsynced_ gained entries, or writer_stopped_
  std::deque<WriteRequest*> queue_;      // guarded by mu_: waiting to run
  std::vector<WriteRequest*> unsynced_;  // guarded by mu_: committed, waiting for fsync
  bool stopping_ = false;                // guarded by mu_
  bool writer_stopped_ = false;          // guarded by mu_
  absl::Status sync_error_;              // guarded by mu_: sticky fsync failure
  std::thread syncer_thread_;
  std::thread writer_thread_;  // last: started after everything above exists
};

absl::Status ValidateOptions(const SqliteOptions& options) {
  if (options.path.empty()) return absl::InvalidArgumentError("SqliteOptions.path is empty");
  if (options.max_batch_size < 1) {
    return absl::InvalidArgumentError("SqliteOptions.max_batch_size must be >= 1");
  }
  if (options.max_batch_delay < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("SqliteOptions.max_batch_delay must be >= 0");
  }
  if (options.max_idle_readers < 0) {
    return absl::InvalidArgumentError("SqliteOptions.max_idle_readers must be >= 0");
  }
  if (options.cache_size_kib <= 0) {
    return absl::InvalidArgumentError("SqliteOptions.cache_size_kib must be > 0");
  }
  return absl::OkStatus();
}

// Creates a fresh private directory under the system temporary directory.
absl::StatusOr<std::string> MakeTempDir() {
  std::error_code ec;
  std::filesystem::path base = std::filesystem::temp_directory_path(ec);
  if (ec) return absl::UnavailableError(absl::StrCat("no temporary directory: ", ec.message()));
  std::string pattern = (base / "throughcare-store-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) return ErrnoStatus("mkdtemp", pattern);
  return pattern;
}

// Turns WAL mode on and sets durability; fails if the database refuses WAL.
absl::Status ConfigureWriter(Connection& conn, const SqliteOptions& options,
                             absl::string_view synchronous) {
  {
    TC_ASSIGN_OR_RETURN(Statement st, conn.Prepare("PRAGMA journal_mode = WAL"));
    TC_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row || st.ColumnText(0) != "wal") {
      return absl::FailedPreconditionError("the database does not support WAL journal mode");
    }
  }
  TC_RETURN_IF_ERROR(conn.Exec(absl::StrCat("PRAGMA synchronous = ", synchronous)));
  return ConfigureConnection(conn, options);
}

}  // namespace

absl::StatusOr<std::unique_ptr<Store>> OpenSqliteStore(const SqliteOptions& options) {
  TC_RETURN_IF_ERROR(ValidateOptions(options));
  const bool ephemeral = options.path == kMemoryPath;
  const bool pipelined = !ephemeral && options.sync == SqliteOptions::Sync::kPipelined;
  std::string path = options.path;
  std::string temp_dir;
  if (ephemeral) {
    TC_ASSIGN_OR_RETURN(temp_dir, MakeTempDir());
    path = (std::filesystem::path(temp_dir) / "store.db").string();
  } else {
    std::filesystem::path parent = std::filesystem::path(path).parent_path();
    if (!parent.empty()) {
      std::error_code ec;
      std::filesystem::create_directories(parent, ec);
      if (ec) {
        return absl::FailedPreconditionError(
            absl::StrCat("cannot create directory ", parent.string(), ": ", ec.message()));
      }
    }
  }
  // Declared before the connection, so it runs after the connection is closed.
  auto remove_temp_dir = absl::MakeCleanup([&] {
    if (temp_dir.empty()) return;
    std::error_code ec;
    std::filesystem::remove_all(temp_dir, ec);
  });

  TC_ASSIGN_OR_RETURN(std::unique_ptr<Connection> writer,
                      Connection::Open(path, Connection::Mode::kReadWrite, options.busy_timeout));
  const absl::string_view synchronous = ephemeral ? "OFF" : (pipelined ? "NORMAL" : "FULL");
  TC_RETURN_IF_ERROR(ConfigureWriter(*writer, options, synchronous));
  const base::SystemClock system_clock;
  const base::Clock& clock = options.clock != nullptr ? *options.clock : system_clock;
  TC_RETURN_IF_ERROR(
      sqlite_internal::ApplyMigrations(*writer, sqlite_internal::SqliteMigrations(), clock));

  auto store = std::make_unique<SqliteStore>(options, path, temp_dir, pipelined, std::move(writer));
  std::move(remove_temp_dir).Cancel();  // the store owns the directory now
  TC_RETURN_IF_ERROR(store->Start());   // on failure, the store's destructor cleans up
  return store;
}

}  // namespace tc::store
