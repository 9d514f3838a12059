// File: store/store.h
//
// The storage interface every backend implements (SQLite embedded default, PostgreSQL scale-out).
// It is deliberately small (LevelDB's db.h is the model): versions of resources go in, versions
// come out, and a write is a function run inside one durable transaction.
//
// Model (DESIGN.md decision 3): every version of every resource is kept as
// (type, id, version, last_updated, deleted, content); one version per (type, id) is current.
// Rows that belong to a patient carry the patient compartment id (shard key for scale-out).
// The current version of each resource is indexed by the search index rows the engine supplies;
// the store keeps them in step with the current version in the same transaction.
//
//   absl::Status s = store.Write([&](Transaction& txn) -> absl::Status {
//     TC_ASSIGN_OR_RETURN(std::optional<StoredVersion> cur, txn.ReadCurrent("Patient", id));
//     NewVersion v{...};
//     return txn.Put(v);
//   });
//   // s.ok(): the write is on disk (fsync'd) and visible to every later read.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace tc::store {

// One stored version of a resource.
struct StoredVersion {
  std::string type;
  std::string id;
  int64_t version = 0;  // 1, 2, 3 … per (type, id)
  absl::Time last_updated;
  bool deleted = false;  // a delete is a version with no content
  std::string content;   // canonical JSON of the resource; empty when deleted
};

// One search index row for the current version of a resource. The engine's search module decides
// what rows a resource produces; the store only keeps them and answers Search() from them.
struct IndexRow {
  enum class Kind : uint8_t { kToken, kString, kReference, kDate, kNumber, kUri };
  Kind kind = Kind::kToken;
  std::string param;   // search parameter code, e.g. "identifier"
  std::string system;  // token system; reference target type
  std::string value;   // token code; normalised string; reference id; uri
  // For kDate / kNumber: the range the value covers [low, high] (dates as Unix microseconds).
  double low = 0;
  double high = 0;
};

// A version to write. The engine has already set `id`, `meta.versionId` and `meta.lastUpdated`
// inside `content`.
struct NewVersion {
  std::string type;
  std::string id;
  int64_t version = 0;  // REQUIRES: current version + 1 (or 1 for a new resource)
  absl::Time last_updated;
  bool deleted = false;
  std::string content;              // empty when deleted
  std::string patient_compartment;  // id of the Patient this resource belongs to, "" if none
  std::vector<IndexRow> index;      // rows for this version (ignored when deleted)
};

// One clause of a search: matches resources that have at least one index row of `param`
// matching any of `values` (OR). A search is an AND of clauses.
struct Criterion {
  enum class Match : uint8_t {
    kTokenCode,     // value (and system when has_system) equals; has_system with an empty
                    // value matches any code of that system (FHIR `system|`)
    kStringPrefix,  // normalised value starts with
    kStringExact,   // value equals exactly
    kReference,     // system (type, may be empty = any) + value (id)
    kId,            // the logical id itself (param ignored)
  };
  struct Alternative {
    bool has_system = false;
    std::string system;
    std::string value;
  };
  Match match = Match::kTokenCode;
  std::string param;
  std::vector<Alternative> any_of;
};

struct SearchQuery {
  std::string type;  // REQUIRES: non-empty
  std::vector<Criterion> all_of;
  std::optional<absl::Time> updated_since;  // _lastUpdated ge (exclusive bounds not needed yet)
  int64_t limit = 100;                      // at most this many results
  int64_t offset = 0;
};

struct SearchResult {
  std::vector<StoredVersion> versions;  // current, non-deleted versions, ordered by (type, id)
  int64_t total = 0;                    // number of matches ignoring limit/offset
};

struct HistoryQuery {
  std::string type;                 // "" = whole system
  std::string id;                   // "" = whole type (REQUIRES: type set when id set)
  std::optional<absl::Time> since;  // versions updated at or after
  std::optional<absl::Time> at;     // only the version current at this instant, per resource
  int64_t limit = 100;
  int64_t offset = 0;
};

struct HistoryPage {
  std::vector<StoredVersion> versions;  // newest first
  int64_t total = 0;
};

// Operations allowed inside Store::Write. Valid only during the callback; not thread-safe.
class Transaction {
 public:
  virtual ~Transaction() = default;
  // The current version (possibly a delete marker), or nullopt if the resource never existed.
  virtual absl::StatusOr<std::optional<StoredVersion>> ReadCurrent(const std::string& type,
                                                                   const std::string& id) = 0;
  // Stores a new version and makes it current; replaces its index rows.
  // Returns FailedPrecondition if `version` is not current + 1 (a concurrent writer won).
  virtual absl::Status Put(const NewVersion& version) = 0;
  // Search over current versions as of this transaction (sees this transaction's own writes).
  virtual absl::StatusOr<SearchResult> Search(const SearchQuery& query) = 0;
};

// A resource store. All methods are thread-safe.
class Store {
 public:
  virtual ~Store() = default;

  virtual absl::StatusOr<std::optional<StoredVersion>> ReadCurrent(const std::string& type,
                                                                   const std::string& id) = 0;
  virtual absl::StatusOr<std::optional<StoredVersion>> ReadVersion(const std::string& type,
                                                                   const std::string& id,
                                                                   int64_t version) = 0;
  virtual absl::StatusOr<HistoryPage> History(const HistoryQuery& query) = 0;
  virtual absl::StatusOr<SearchResult> Search(const SearchQuery& query) = 0;

  // Runs `fn` inside a transaction. If `fn` returns OK the transaction is committed and made
  // durable (fsync) before Write returns OK; otherwise nothing it did is kept and its status is
  // returned. Concurrent writers may share one commit (group commit) but never see each other's
  // uncommitted effects as a failure: each `fn` is isolated (savepoint) within a shared batch.
  // `fn` MUST NOT block on other writers and MUST NOT call Store methods (use `txn`).
  virtual absl::Status Write(absl::FunctionRef<absl::Status(Transaction&)> fn) = 0;
};

}  // namespace tc::store
