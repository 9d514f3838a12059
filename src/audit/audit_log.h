// File: audit/audit_log.h
//
// The audit trail's storage (issue 4, "Audit" 10–11): an append-only log in the store (the
// audit_log table, store/store.h AuditRow), one entry per AuditEvent, each a link of the SHA-256
// hash chain (audit/chain.h) over the event's canonical JSON, with the facts it is searched by
// (when, who, type, subtype, action, outcome, the patients it names). An entry costs a few B-tree
// inserts, because one is written for every request (docs/decisions/0004).
//
//   * Changes (create, update, patch, delete) are audited INSIDE the transaction that makes
//     them (AppendInTransaction, called from the access layer's AfterWrite hook): the change and
//     its audit entry are committed together or not at all.
//   * Reads, searches, denials and logins change nothing; their events are queued (Enqueue) and
//     a background thread ("tc-audit") stores them in batches of up to `max_batch`, one group-
//     committed transaction per batch, within about `flush_interval`. Flush() waits until all
//     queued events are durable. What a crash can lose is therefore at most the last
//     `flush_interval` of read events (docs/safety/hazard-log.md H17) — never a change's event.
//     If the queue holds `max_queue` events, Enqueue blocks until the writer catches up
//     (back-pressure, never silent loss).
//   * Search() answers FHIR AuditEvent searches over the log (the parameters privacy officers
//     use: patient, altid, date, type, subtype, action, outcome, _id; newest first or by date;
//     _count and cursor paging); Read() one entry by id.
//   * Verify() recomputes the whole chain and reports the first altered, removed or reordered
//     entry.
// Thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "audit/chain.h"
#include "base/clock.h"
#include "base/random.h"
#include "engine/repository.h"
#include "fhir/value.h"
#include "store/store.h"

namespace tc::audit {

struct AuditLogOptions {
  absl::Duration flush_interval = absl::Milliseconds(20);
  size_t max_batch = 512;
  size_t max_queue = 8192;  // a queued event holds its JSON tree (~15 KB): bounds memory
};

// The AuditEvent search parameters Search() understands.
inline constexpr std::string_view kAuditSearchParams[] = {"_id",  "patient", "altid",  "date",
                                                          "type", "subtype", "action", "outcome"};

class AuditLog {
 public:
  // References must outlive the log. Starts the background writer.
  AuditLog(store::Store& store, const base::Clock& clock, base::Random& random,
           AuditLogOptions options = {});
  // Stores every queued event (best effort) and stops the writer.
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  // Stores `event` (an AuditEvent; its id is assigned here) and links it, inside `txn`. Returns
  // the new entry's id.
  absl::StatusOr<std::string> AppendInTransaction(store::Transaction& txn, fhir::Value event);

  // Queues `event` for the background writer.
  void Enqueue(fhir::Value event);

  // Blocks until every event queued before the call is stored; the first storage error since
  // the last Flush, if any.
  absl::Status Flush();

  // A FHIR search over the log (see kAuditSearchParams; also _count, _sort=date|-date,
  // _cursor, _total, and the output parameters _format, _pretty, _summary, _elements). Unknown
  // parameters: 400 with `strict`, else listed in `ignored`. Matches are AuditEvent resources.
  absl::StatusOr<engine::SearchOutcome> Search(const engine::QueryParams& query,
                                               const engine::SearchOptions& options) const;
  // One entry as an AuditEvent; NotFound when there is none.
  absl::StatusOr<engine::ReadResult> Read(const std::string& id) const;

  // Verifies the chain from the first entry. `anchors` as in audit/chain.h.
  absl::StatusOr<ChainReport> Verify(const std::vector<ChainAnchor>& anchors = {});

 private:
  struct Prepared;
  absl::StatusOr<Prepared> PrepareEvent(fhir::Value event);
  absl::Status StorePrepared(store::Transaction& txn, const Prepared& prepared);
  void WriterLoop();

  store::Store& store_;
  const base::Clock& clock_;
  base::Random& random_;
  AuditLogOptions options_;
  // Entry ids: "<time><instance><counter>" in hex — ordered by time, so the id index grows at
  // its end, and unique without a random draw per entry (the instance part is drawn once).
  uint64_t id_instance_ = 0;
  std::atomic<uint64_t> id_counter_{0};

  std::mutex mu_;
  std::condition_variable work_cv_;  // the writer waits for events or stop
  std::condition_variable done_cv_;  // Flush and back-pressure wait for progress
  std::deque<fhir::Value> queue_;    // guarded by mu_
  uint64_t enqueued_ = 0;            // events ever queued (guarded by mu_)
  uint64_t stored_ = 0;              // events ever taken and written (guarded by mu_)
  absl::Status error_;               // first error since the last Flush (guarded by mu_)
  bool stopping_ = false;            // guarded by mu_
  std::thread writer_;
};

}  // namespace tc::audit
