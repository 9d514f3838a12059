// File: engine/access_hooks.h
//
// How the access layer (DESIGN.md: access/) sits inside the engine's transactions without the
// engine knowing any policy: a request that is subject to access control passes an AccessHooks
// (one per request, carrying who is asking) to the Repository, which calls it
//   * inside the write's store transaction, before each version is stored (BeforeWrite: a
//     non-OK status refuses the write, and the whole transaction — a transaction Bundle
//     included — is rolled back, so nothing is written), and after it is stored (AfterWrite: the
//     audit entry goes into the SAME transaction as the change it records);
//   * for every resource a batch / transaction Bundle reads by id (CheckRead) or by search
//     (FilterSearch), as those reads never pass through the REST layer one by one.
// Hooks are called on the store's writer thread for writes: they may use `txn` to read (and
// to write audit entries) but MUST NOT call the Store itself or block on other writers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "store/store.h"

namespace tc::engine {

struct ReadResult;
struct SearchOutcome;

// One version about to be written.
struct WriteEvent {
  std::string type;
  std::string id;
  // "create", "update", "patch" or "delete" (restful-interaction codes).
  std::string interaction;
  // The current version before this write; nullopt when the resource is new (never existed or
  // was deleted).
  std::optional<store::StoredVersion> previous;
  // The new version's canonical JSON ("" for a delete) and the Patient it belongs to.
  std::string content;
  std::string patient_compartment;
  int64_t version = 0;  // the version being written
};

class AccessHooks {
 public:
  virtual ~AccessHooks() = default;
  // Before the version is stored. PermissionDenied (or any error) refuses the write.
  virtual absl::Status BeforeWrite(const WriteEvent& event, store::Transaction& txn) = 0;
  // After the version is stored, in the same transaction (audit). An error rolls it back.
  virtual absl::Status AfterWrite(const WriteEvent& event, store::Transaction& txn) = 0;
  // A resource a Bundle entry read by id: OK to return it, an error to refuse the entry.
  virtual absl::Status CheckRead(const ReadResult& resource) = 0;
  // A Bundle entry's search results: removes what the requester may not see.
  virtual void FilterSearch(SearchOutcome& outcome) = 0;
};

}  // namespace tc::engine
