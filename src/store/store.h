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
#include <utility>
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
  // The id of the Patient whose compartment the version belongs to ("" if none; a Patient's own
  // id for a Patient), as written with it (access policy decides by it).
  std::string patient_compartment;
};

// One search index row for the current version of a resource. The engine's search module decides
// what rows a resource produces; the store only keeps them and answers Search() from them.
struct IndexRow {
  enum class Kind : uint8_t {
    kToken,
    kString,
    kReference,
    kDate,
    kNumber,
    kUri,
    kQuantity,
    kComposite
  };
  Kind kind = Kind::kToken;
  std::string param;  // search parameter code, e.g. "identifier"
  // kToken: system, code. kString: normalised value (`value`), text as written (`system`).
  // kReference: target type (`system`, "" for an absolute URL), target id or URL (`value`).
  // kQuantity: unit system and code. kComposite: the first component (token system and code, or
  // reference target type and id).
  std::string system;
  std::string value;
  // kComposite: the second component as token/reference/string (`system2`, `value2`), or as a
  // range (`low`, `high`; quantities put their unit system and code in `system2`, `value2`).
  std::string system2;
  std::string value2;
  // kDate / kNumber / kQuantity / kComposite: the closed range the value covers [low, high]
  // (dates as Unix microseconds; a point value has low == high).
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

// How a search range [low, high] compares with a resource's range [rl, rh] (FHIR R4 search
// prefixes, 3.1.1.4.2): eq rl >= low && rh <= high; ne !eq; gt rh > high; lt rl < low;
// ge gt || eq; le lt || eq; sa rl > high; eb rh < low; ap the ranges overlap (the parser widens
// the search range for ap).
enum class Comparator : uint8_t { kEq, kNe, kGt, kLt, kGe, kLe, kSa, kEb, kAp };

struct SearchQuery;

// One clause of a search: matches resources that have at least one index row of `param`
// matching any of `any_of` (OR); with `negate`, the resources that have none. A search is an AND
// of clauses.
struct Criterion {
  enum class Match : uint8_t {
    kTokenCode,       // value (and system when has_system) equals; has_system with an empty
                      // value matches any code of that system (FHIR `system|`)
    kTokenPrefix,     // token value starts with `value` (uri :below)
    kStringPrefix,    // normalised value starts with
    kStringExact,     // text as written equals `value` exactly (`system`, when set, is its
                      // normalised form, which lets the index narrow the rows)
    kStringContains,  // normalised value contains
    kReference,       // system (type, may be empty = any) + value (id or absolute URL)
    kId,              // the logical id itself (param ignored)
    kRange,           // date/number rows (table `kind`) compare with [low, high] by comparator
    kQuantity,        // quantity rows: system/code when has_system / value non-empty + range;
                      // rows of system `exclude_system` (when set) never match
    kComposite,       // composite rows: first component (system when has_system, value) and
                      // second as `second` says
    kLastUpdated,     // the resource's lastUpdated (microseconds) compares with [low, high]
    kMissing,         // has at least one row of `param` (or of any alternative's `param`) in
                      // table `kind` (negate: has none)
    kChain,           // reference `param` points (type `system` if set) at a match of `sub`
    kReverseChain,    // some match of `sub` points at this resource through its `param` (_has)
    kCompartmentIn,   // the resource's patient compartment is a Patient that a match of `sub`
                      // references through its `param` (access restriction: the patients
                      // with a custody episode at given establishments); one alternative
  };
  enum class Second : uint8_t { kToken, kStringPrefix, kReference, kRange };
  struct Alternative {
    bool has_system = false;
    std::string system;
    std::string value;
    std::string param;           // overrides Criterion::param when set (compartment membership)
    std::string exclude_system;  // kQuantity: skip rows of this system
    Comparator comparator = Comparator::kEq;
    double low = 0;
    double high = 0;
    // kComposite second component.
    Second second = Second::kToken;
    bool second_has_system = false;
    std::string second_system;
    std::string second_value;
    // kChain / kReverseChain: the query the other end must match.
    std::shared_ptr<const SearchQuery> sub;
  };
  Match match = Match::kTokenCode;
  IndexRow::Kind kind = IndexRow::Kind::kToken;  // table of kRange / kMissing
  std::string param;
  bool negate = false;
  std::vector<Alternative> any_of;
};

// One sort key: a parameter's smallest (ascending) or largest (descending) value per resource.
// Resources with no value sort last in either direction. `param` "_id" and
// "_lastUpdated" sort by the resource's own id and lastUpdated.
struct SortKey {
  std::string param;
  IndexRow::Kind kind = IndexRow::Kind::kString;
  bool descending = false;
};

struct SearchQuery {
  std::string type;  // REQUIRES: non-empty unless `compartment` is set ("" = every type)
  std::vector<std::string> types;  // with type "": only these types (empty = all)
  std::string compartment;         // only resources in this patient's compartment (and itself)
  std::vector<Criterion> all_of;
  std::optional<absl::Time> updated_since;  // lastUpdated at or after
  std::vector<SortKey> sort;                // then insertion order; empty = insertion order
  int64_t limit = 100;                      // at most this many results
  int64_t offset = 0;
  // Keyset paging: a cursor from SearchResult; results strictly after it (or, with
  // `before_cursor`, the page strictly before it), in the same order.
  std::string cursor;
  bool before_cursor = false;
  bool count_total = true;  // false: SearchResult::total is -1
};

struct SearchResult {
  std::vector<StoredVersion> versions;  // current, non-deleted versions, in query order
                                        // (the sort keys, then insertion order)
  int64_t total = 0;                    // number of matches ignoring paging; -1 if not counted
  // Cursors of the first and last result (for the previous / next page); "" when empty.
  std::string first_cursor;
  std::string last_cursor;
  bool more = false;  // another page follows in the direction read
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

// One page of a scan over every current, non-deleted resource in creation order.
struct ScanPage {
  std::vector<StoredVersion> versions;
  int64_t last_key = 0;  // the key to continue after (the `after_key` given when empty)
};

// One entry of the append-only, hash-chained audit log (audit/chain.h, audit/audit_log.h): the
// AuditEvent's JSON, its link in the chain, and the few facts it is searched by.
struct AuditLink {
  int64_t sequence = 0;
  std::string hash;
};

struct AuditRow {
  int64_t sequence = 0;
  std::string prev_hash;
  std::string hash;
  std::string id;           // AuditEvent.id
  absl::Time recorded;      // AuditEvent.recorded
  std::string agent;        // the requesting agent's login or client id (agent[0].altId)
  std::string type_system;  // AuditEvent.type
  std::string type_code;
  std::string subtype_system;  // AuditEvent.subtype[0]
  std::string subtype_code;
  std::string action;                 // C R U D E
  std::string outcome;                // 0 4 8 12
  std::vector<std::string> patients;  // ids of the patients the event names
  std::string event;                  // the AuditEvent JSON as stored (and hashed, canonically)
};

// A search of the audit log: every non-empty list is an OR, all of them an AND.
struct AuditQuery {
  std::vector<std::string> ids;
  std::vector<std::string> patients;
  std::vector<std::string> agents;
  // Tokens as (system, code); an empty system matches any.
  std::vector<std::pair<std::string, std::string>> types;
  std::vector<std::pair<std::string, std::string>> subtypes;
  std::vector<std::string> actions;
  std::vector<std::string> outcomes;
  std::optional<absl::Time> recorded_from;  // inclusive
  std::optional<absl::Time> recorded_to;    // inclusive
  bool newest_first = true;                 // by sequence
  std::optional<int64_t> after_sequence;    // keyset paging: strictly beyond, in the order
  int64_t limit = 100;
  bool count_total = true;
};

struct AuditPage {
  std::vector<AuditRow> rows;  // in query order; `patients` not filled
  int64_t total = -1;          // matches ignoring paging; -1 when not counted
  bool more = false;           // another page follows
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
  // Replaces the index rows and patient compartment of the current version of (type, id),
  // without a new version (reindexing). NotFound when it has no current, non-deleted version.
  virtual absl::Status Reindex(const std::string& type, const std::string& id,
                               const std::vector<IndexRow>& rows,
                               const std::string& patient_compartment) = 0;
  // Sets (or, with nullopt, clears) a store-wide marker such as a reindex's progress.
  virtual absl::Status SetMeta(const std::string& key, const std::optional<std::string>& value) = 0;
  // The last entry of the audit log (nullopt when empty), as of this transaction.
  virtual absl::StatusOr<std::optional<AuditLink>> LastAuditLink() = 0;
  // Appends an entry. FailedPrecondition unless row.sequence is the last sequence + 1 (1 for
  // the first). Entries are never changed or removed.
  virtual absl::Status AppendAudit(const AuditRow& row) = 0;
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

  // Current, non-deleted resources created after the one with key `after_key` (0: from the
  // start), in creation order, at most `limit`. Keys are the store's own; use only last_key.
  virtual absl::StatusOr<ScanPage> ScanCurrent(int64_t after_key, int64_t limit) = 0;
  // The number of current, non-deleted resources.
  virtual absl::StatusOr<int64_t> CountCurrent() = 0;
  // A store-wide marker set by Transaction::SetMeta; nullopt when unset.
  virtual absl::StatusOr<std::optional<std::string>> GetMeta(const std::string& key) = 0;
  // Audit log entries with sequence > `after_sequence`, ascending, at most `limit` (for
  // verification; `patients` not filled).
  virtual absl::StatusOr<std::vector<AuditRow>> ReadAuditLog(int64_t after_sequence,
                                                             int64_t limit) = 0;
  // Searches the audit log.
  virtual absl::StatusOr<AuditPage> SearchAudit(const AuditQuery& query) = 0;

  // Runs `fn` inside a transaction. If `fn` returns OK the transaction is committed and made
  // durable (fsync) before Write returns OK; otherwise nothing it did is kept and its status is
  // returned. Concurrent writers may share one commit (group commit) but never see each other's
  // uncommitted effects as a failure: each `fn` is isolated (savepoint) within a shared batch.
  // `fn` MUST NOT block on other writers and MUST NOT call Store methods (use `txn`).
  virtual absl::Status Write(absl::FunctionRef<absl::Status(Transaction&)> fn) = 0;
};

}  // namespace tc::store
