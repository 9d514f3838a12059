// File: access/relationships.h
//
// Legitimate relationship facts (issue 4, "Policy" 6): where a patient is or was held, from
// the record itself. A stay is an EpisodeOfCare of the patient (status not entered-in-error)
// whose managingOrganization is an establishment — an Organization carrying an identifier of
// system kEstablishmentCodeSystem, whose value is the establishment code staff are assigned
// to — over its period (no end: still held).
//
// Stays are cached per patient; the cache is dropped whenever an EpisodeOfCare or an
// Organization changes through this server (Invalidate), so a transfer is seen by the receiving
// establishment at once. A multi-node deployment must share that signal (not done yet: one
// node per store today).
// Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "auth/policy.h"
#include "store/store.h"

namespace tc::access {

inline constexpr std::string_view kEstablishmentCodeSystem =
    "https://throughcare.dev/fhir/establishment-code";

class RelationshipResolver {
 public:
  explicit RelationshipResolver(store::Store& store) : store_(store) {}

  // The stays of `patient_id` as committed (cached).
  absl::StatusOr<std::vector<auth::Stay>> StaysOf(const std::string& patient_id);
  // The stays as `txn` sees them (inside a write, including its own changes; not cached).
  absl::StatusOr<std::vector<auth::Stay>> StaysOf(const std::string& patient_id,
                                                  store::Transaction& txn);
  // The establishment code of Organization/`organization_id` ("" when it is not an
  // establishment), as committed (cached).
  absl::StatusOr<std::string> EstablishmentCodeOf(const std::string& organization_id);

  // The ids of the Organizations whose establishment code is `code` (cached).
  absl::StatusOr<std::vector<std::string>> OrganizationIdsFor(const std::string& code);

  // Forget every cached fact (an EpisodeOfCare or Organization changed).
  void Invalidate();

 private:
  absl::Mutex mu_;
  store::Store& store_;
  std::atomic<uint64_t> generation_{0};
  struct CachedStays {
    uint64_t generation = 0;
    std::vector<auth::Stay> stays;
  };
  absl::flat_hash_map<std::string, CachedStays> stays_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, std::string> org_codes_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, std::vector<std::string>> org_ids_ ABSL_GUARDED_BY(mu_);
  uint64_t org_generation_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace tc::access
