// File: store/sqlite/internal/connection.h
//
// A thin, Status-returning wrapper over one SQLite connection and its prepared statements. Not
// part of the store's public API: the SQLite backend uses it, and so does access/ for its own
// small database (CMake target tc_sqlite_connection).
//
//   TC_ASSIGN_OR_RETURN(std::unique_ptr<Connection> conn,
//                       Connection::Open(path, Connection::Mode::kReadOnly, absl::Seconds(5)));
//   TC_ASSIGN_OR_RETURN(Statement st, conn->Prepare("SELECT version FROM t WHERE id = ?1"));
//   st.BindText(1, id);
//   TC_ASSIGN_OR_RETURN(bool row, st.Step());
//   if (row) version = st.ColumnInt64(0);
//
// Thread-safety: a Connection and its Statements are thread-compatible: one thread at a time
// (the SQLite handle is opened with SQLITE_OPEN_NOMUTEX). Different connections may be used
// concurrently.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

struct sqlite3;
struct sqlite3_stmt;

namespace tc::store::sqlite_internal {

// Returns the absl::Status for SQLite result code `rc` (which MUST NOT be SQLITE_OK, _ROW or
// _DONE). The message holds `context`, SQLite's message for `db` (when non-null) and the code.
//   BUSY, LOCKED → Unavailable;  FULL, NOMEM, TOOBIG → ResourceExhausted;
//   CORRUPT, NOTADB → DataLoss;  IOERR → Unavailable;  CANTOPEN, READONLY → FailedPrecondition;
//   CONSTRAINT → Aborted;  INTERRUPT → Cancelled;  anything else → Internal.
absl::Status SqliteStatus(int rc, absl::string_view context, sqlite3* db);

// A prepared statement borrowed from a Connection's cache (reset and unbound when destroyed) or
// owned by this object (finalized when destroyed). Move-only. MUST NOT outlive its Connection.
class Statement {
 public:
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  // Binding: parameter indexes start at 1. A binding error (e.g. index out of range) is reported
  // by the next Step()/Run().
  // Binds text without copying. REQUIRES: `text` stays valid until the statement is reset
  // (destroyed or Reset()).
  void BindText(int index, absl::string_view text);
  // Binds a BLOB without copying; same lifetime requirement as BindText.
  void BindBlob(int index, absl::string_view bytes);
  void BindInt64(int index, int64_t value);
  void BindDouble(int index, double value);

  // Advances to the next row. Returns true when a row is available, false when done.
  absl::StatusOr<bool> Step();
  // Steps until done, for statements that return no rows.
  absl::Status Run();
  // Resets the statement so it can run again; keeps the bindings.
  void Reset();

  // Column accessors for the current row (REQUIRES: the last Step() returned true). Views stay
  // valid until the next Step/Reset.
  int64_t ColumnInt64(int column) const;
  double ColumnDouble(int column) const;
  absl::string_view ColumnText(int column) const;
  absl::string_view ColumnBlob(int column) const;

 private:
  friend class Connection;
  // `in_use` is the cache's busy flag for a borrowed statement (cleared on destruction), or
  // nullptr for an owned one.
  Statement(sqlite3_stmt* stmt, sqlite3* db, bool* in_use);
  void Release();

  sqlite3_stmt* stmt_;
  sqlite3* db_;
  bool* in_use_;
  int bind_error_ = 0;  // first failed sqlite3_bind_* result, 0 if none
};

// One open SQLite database connection plus a cache of its prepared statements.
class Connection {
 public:
  enum class Mode : uint8_t {
    kReadWrite,  // creates the file if missing
    kReadOnly,   // the file MUST exist
  };

  // Opens `path` (a file name, not a URI). `busy_timeout` is how long a statement waits for a lock
  // held by another connection before failing with Unavailable.
  static absl::StatusOr<std::unique_ptr<Connection>> Open(const std::string& path, Mode mode,
                                                          absl::Duration busy_timeout);

  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  // Finalizes every cached statement and closes the connection.
  // REQUIRES: no Statement of this connection is alive.
  ~Connection();

  // Runs `sql`, which may hold several statements; rows are discarded.
  absl::Status Exec(absl::string_view sql);

  // Returns a prepared statement for `sql` (one statement). Statements are cached by their text,
  // up to a bound; when the cached one is already borrowed, or the cache is full, a fresh owned
  // statement is returned instead, so nested use of the same SQL is safe.
  absl::StatusOr<Statement> Prepare(absl::string_view sql);

  // True while a transaction is open (SQLite is not in autocommit mode). SQLite may roll a
  // transaction back by itself after some errors (I/O, disk full); this tells the caller.
  bool InTransaction() const;

  // Row id of the last successful INSERT on this connection.
  int64_t LastInsertRowId() const;

  // The status for SQLite result code `rc` with this connection's error message.
  absl::Status Error(int rc, absl::string_view context) const;

  // The SQLite handle, for registering SQL functions (index_rows.h). Not for running SQL.
  sqlite3* raw() const { return db_; }

  // Upper bound on cached statements per connection.
  static constexpr size_t kMaxCachedStatements = 256;

 private:
  struct CachedStatement {
    sqlite3_stmt* stmt = nullptr;
    std::unique_ptr<bool> in_use;  // stable address, shared with the borrowing Statement
  };

  explicit Connection(sqlite3* db) : db_(db) {}

  sqlite3* db_;
  absl::flat_hash_map<std::string, CachedStatement> cache_;
};

}  // namespace tc::store::sqlite_internal
