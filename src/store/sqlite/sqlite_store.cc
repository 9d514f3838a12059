#include "store/sqlite/sqlite_store.h"

#include <stdlib.h>  // mkdtemp

#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "store/sqlite/internal/connection.h"
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
  return conn.Exec(absl::StrCat("PRAGMA cache_size = -", options.cache_size_kib,
                                "; PRAGMA temp_store = MEMORY"));
}

// ---------------------------------------------------------------------------------------------
// Read connections

// Read-only connections, handed out one per reading thread and reused. Thread-safe.
class ReadPool {
 public:
  class Lease;

  ReadPool(std::string path, const SqliteOptions& options) : path_(std::move(path)), options_(options) {}

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
  TC_ASSIGN_OR_RETURN(
      std::unique_ptr<Connection> conn,
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
    return sqlite_internal::Put(conn_, version);
  }
  absl::StatusOr<SearchResult> Search(const SearchQuery& query) override {
    return sqlite_internal::Search(conn_, query);
  }

 private:
  Connection& conn_;
};

// ---------------------------------------------------------------------------------------------
// Store

class SqliteStore final : public Store {
 public:
  // `temp_dir`: directory to remove on destruction ("" for none).
  SqliteStore(const SqliteOptions& options, std::string path, std::string temp_dir,
              std::unique_ptr<Connection> writer)
      : options_(options),
        clock_(options.clock != nullptr ? options.clock : &system_clock_),
        temp_dir_(std::move(temp_dir)),
        writer_(std::move(writer)),
        readers_(std::move(path), options_) {}

  ~SqliteStore() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    work_cv_.notify_all();
    if (writer_thread_.joinable()) writer_thread_.join();
    readers_.Clear();
    writer_.reset();  // the last connection: checkpoints and removes the WAL
    if (!temp_dir_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(temp_dir_, ec);
    }
  }

  // Checks that read connections can be opened, then starts the writer thread.
  absl::Status Start() {
    {
      TC_ASSIGN_OR_RETURN(ReadPool::Lease lease, readers_.Acquire());
    }
    writer_thread_ = std::thread([this] { WriterLoop(); });
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
    return InReadSnapshot<HistoryPage>(conn,
                                       [&] { return sqlite_internal::History(conn, query); });
  }

  absl::StatusOr<SearchResult> Search(const SearchQuery& query) override {
    TC_ASSIGN_OR_RETURN(ReadPool::Lease lease, readers_.Acquire());
    Connection& conn = *lease;
    return InReadSnapshot<SearchResult>(conn,
                                        [&] { return sqlite_internal::Search(conn, query); });
  }

  absl::Status Write(absl::FunctionRef<absl::Status(Transaction&)> fn) override {
    if (std::this_thread::get_id() == writer_thread_.get_id()) {
      return absl::FailedPreconditionError(
          "Store::Write called from inside a Write callback (use the Transaction)");
    }
    WriteRequest request(fn);
    std::unique_lock<std::mutex> lock(mu_);
    if (stopping_) return absl::FailedPreconditionError("Store::Write on a closing store");
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
    absl::Status status;          // written by the writer thread before `done`
    bool done = false;            // guarded by mu_
    std::condition_variable cv;   // signalled (under mu_) when done
  };

  void WriterLoop() {
    const size_t max_batch = static_cast<size_t>(options_.max_batch_size);
    std::vector<WriteRequest*> batch;
    batch.reserve(max_batch);
    while (true) {
      batch.clear();
      {
        std::unique_lock<std::mutex> lock(mu_);
        work_cv_.wait(lock, [&] { return !queue_.empty() || stopping_; });
        if (queue_.empty()) return;  // stopping, and every queued write is done
        if (options_.max_batch_delay > absl::ZeroDuration() && queue_.size() < max_batch &&
            !stopping_) {
          work_cv_.wait_for(lock, absl::ToChronoNanoseconds(options_.max_batch_delay),
                            [&] { return queue_.size() >= max_batch || stopping_; });
        }
        while (!queue_.empty() && batch.size() < max_batch) {
          batch.push_back(queue_.front());
          queue_.pop_front();
        }
      }
      size_t next = 0;
      while (next < batch.size()) next = RunTransaction(batch, next);
      std::lock_guard<std::mutex> lock(mu_);
      for (WriteRequest* request : batch) {
        request->done = true;
        request->cv.notify_one();  // under mu_: the waiter cannot return (and destroy cv) first
      }
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
    // SQLite rolled the whole transaction back by itself (I/O error, disk full…): every kept
    // request loses its effects.
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
  const std::string temp_dir_;
  std::unique_ptr<Connection> writer_;  // used by the writer thread only, once started
  ReadPool readers_;

  std::mutex mu_;
  std::condition_variable work_cv_;     // queue_ gained an entry, or stopping_
  std::deque<WriteRequest*> queue_;     // guarded by mu_
  bool stopping_ = false;               // guarded by mu_
  std::thread writer_thread_;           // last: started after everything above exists
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
  if (mkdtemp(pattern.data()) == nullptr) {
    return absl::UnavailableError(absl::StrCat("mkdtemp ", pattern, " failed"));
  }
  return pattern;
}

// Turns WAL mode on and sets durability; fails if the database refuses WAL.
absl::Status ConfigureWriter(Connection& conn, const SqliteOptions& options, bool ephemeral) {
  {
    TC_ASSIGN_OR_RETURN(Statement st, conn.Prepare("PRAGMA journal_mode = WAL"));
    TC_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row || st.ColumnText(0) != "wal") {
      return absl::FailedPreconditionError("the database does not support WAL journal mode");
    }
  }
  TC_RETURN_IF_ERROR(conn.Exec(ephemeral ? "PRAGMA synchronous = OFF"
                                         : "PRAGMA synchronous = FULL"));
  return ConfigureConnection(conn, options);
}

}  // namespace

absl::StatusOr<std::unique_ptr<Store>> OpenSqliteStore(const SqliteOptions& options) {
  TC_RETURN_IF_ERROR(ValidateOptions(options));
  const bool ephemeral = options.path == kMemoryPath;
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

  TC_ASSIGN_OR_RETURN(
      std::unique_ptr<Connection> writer,
      Connection::Open(path, Connection::Mode::kReadWrite, options.busy_timeout));
  TC_RETURN_IF_ERROR(ConfigureWriter(*writer, options, ephemeral));
  const base::SystemClock system_clock;
  const base::Clock& clock = options.clock != nullptr ? *options.clock : system_clock;
  TC_RETURN_IF_ERROR(
      sqlite_internal::ApplyMigrations(*writer, sqlite_internal::SqliteMigrations(), clock));

  auto store = std::make_unique<SqliteStore>(options, path, temp_dir, std::move(writer));
  std::move(remove_temp_dir).Cancel();  // the store owns the directory now
  TC_RETURN_IF_ERROR(store->Start());   // on failure, the store's destructor cleans up
  return store;
}

}  // namespace tc::store
