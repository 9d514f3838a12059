// File: store/sqlite/sqlite_store.h
//
// The embedded storage backend (DESIGN.md decision 3): one SQLite database file in WAL mode,
// fsync'd so that a Write() that returns OK is on disk (`synchronous=FULL` by default).
//
//   SqliteOptions options;
//   options.path = "/var/lib/throughcare/store.db";
//   TC_ASSIGN_OR_RETURN(std::unique_ptr<Store> store, OpenSqliteStore(options));
//   TC_RETURN_IF_ERROR(store->Write([&](Transaction& txn) { return txn.Put(v); }));
//
// How it works:
//   * Writes: one writer thread ("tc-store-writer") owns the only read-write connection.
//     Write() queues its callback and blocks. The writer takes every queued callback (up to
//     max_batch_size), runs `BEGIN IMMEDIATE`, runs each callback inside its own savepoint
//     (released when the callback returns OK, rolled back when it fails, so one failing callback
//     never affects the others), then one `COMMIT` (one fsync) for the batch, and wakes each
//     caller with its own status (group commit). If the COMMIT fails, every callback that had
//     succeeded gets its error. Callbacks therefore run on the writer thread, one at a time, in
//     queue order. With Sync::kPipelined the fsync moves to a second thread ("tc-store-sync").
//   * Reads: a pool of read-only connections owned by the store (one per concurrently reading
//     thread, reused). In WAL mode readers never wait for the writer and see the last committed
//     state; Search and History read their count and page from one snapshot.
//   * Schema: numbered migrations (store/sqlite/internal/schema.h) applied at open.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "base/clock.h"
#include "store/store.h"

namespace tc::store {

// What one group-commit transaction did; passed to SqliteOptions::on_commit.
struct SqliteCommitInfo {
  int64_t callbacks = 0;       // Write() callbacks run in this transaction
  int64_t committed = 0;       // of those, the ones whose effects were committed (with
                               // Sync::kPipelined: committed, not yet fsync'd)
  absl::Status commit_status;  // result of BEGIN/COMMIT (OK when the transaction committed)
  absl::Duration duration;     // BEGIN to COMMIT done, measured with SqliteOptions::clock
};

// Options for OpenSqliteStore. A plain value; the store keeps a copy.
struct SqliteOptions {
  // Database file. Its parent directory is created if missing. The special name ":memory:" opens
  // a private, ephemeral database: a file in a fresh temporary directory, removed when the store
  // is destroyed, with fsync off (not durable; for tests and demos). REQUIRES: non-empty.
  std::string path;

  // Time source (migration timestamps, commit durations). Not owned; MUST outlive the store.
  // Default (nullptr): the system clock.
  const base::Clock* clock = nullptr;

  // How a committed write is made durable. With either mode, Write() returns OK only after its
  // data is fsync'd.
  enum class Sync : uint8_t {
    // `synchronous=FULL`: the writer thread fsyncs the WAL inside each COMMIT, and readers see a
    // write only once it is durable. Throughput is bounded by batch / (execution + fsync).
    kInCommit,
    // The writer commits with `synchronous=NORMAL` and goes on with the next batch while a second
    // thread fsyncs the WAL for every batch committed so far and then acknowledges them, so
    // execution and fsync overlap. The cost: a write may be visible to readers for the few
    // milliseconds before it is durable; after a power failure in that window a reader may have
    // seen a write that is gone (its writer was never told OK, and later writes are gone too, as
    // the WAL is recovered as a prefix). If an fsync fails, every later Write() fails with
    // DataLoss until the store is reopened.
    kPipelined,
  };
  // Default: kInCommit. Ignored for ":memory:".
  Sync sync = Sync::kInCommit;

  // Group commit: at most this many Write() callbacks share one transaction.
  // REQUIRES: >= 1. Default: 256.
  int max_batch_size = 256;

  // Group commit: when fewer than max_batch_size writes are queued, the writer waits up to this
  // long for more before it starts a transaction. Zero (the default) starts at once: concurrent
  // writers still batch naturally, because writes queue up while a commit's fsync is in progress.
  // REQUIRES: >= 0.
  absl::Duration max_batch_delay = absl::ZeroDuration();

  // Read connections kept open while idle (more are opened when more threads read at once, and
  // closed again when returned beyond this number). REQUIRES: >= 0. Default: 8.
  int max_idle_readers = 8;

  // SQLite page cache per connection, in KiB. REQUIRES: > 0. Default: 16 MiB.
  int64_t cache_size_kib = 16 * 1024;

  // How long a statement waits for a lock held by another process before failing with
  // Unavailable. Default: 5 s.
  absl::Duration busy_timeout = absl::Seconds(5);

  // Called on the writer thread after each group-commit transaction (for metrics and tests).
  // MUST be fast and MUST NOT call the store. Default: none.
  std::function<void(const SqliteCommitInfo&)> on_commit;
};

// Opens (creating if missing) the SQLite store at options.path, applies pending schema
// migrations and starts the writer thread. Re-opening an existing database is idempotent.
// Returns InvalidArgument for invalid options, FailedPrecondition if the database was written by
// a build with migrations this one does not know, and the I/O or SQLite error otherwise.
//
// The returned store is thread-safe (see Store). Its destructor lets queued writes finish, stops
// the writer thread and closes the database. REQUIRES: no call on the store is in progress or
// starts while it is being destroyed.
//
// Backend-specific Store contract details:
//   * Write() callbacks run on the store's writer thread, not the caller's. Write() called from
//     inside a callback returns FailedPrecondition instead of deadlocking.
//   * A Transaction's reads and searches see the writes of earlier callbacks in the same batch;
//     they are committed (or fail) together with its own.
//   * absl::Time values are stored with microsecond precision (rounded toward the past).
absl::StatusOr<std::unique_ptr<Store>> OpenSqliteStore(const SqliteOptions& options);

}  // namespace tc::store
