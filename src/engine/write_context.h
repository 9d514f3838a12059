// File: engine/write_context.h (engine-internal)
//
// The write rules of every FHIR interaction, run inside one store transaction. Shared by the
// single interactions (Repository) and by transaction/batch Bundles (bundle_processor), so both
// follow exactly the same rules: validation, id/version/lastUpdated assignment, conditional
// matching, If-Match, index rows and patient compartment.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "base/clock.h"
#include "base/random.h"
#include "engine/index_extract.h"
#include "engine/prepared_resource.h"
#include "engine/repository.h"
#include "engine/search_query.h"
#include "fhir/definitions.h"
#include "fhir/value.h"
#include "store/store.h"

namespace tc::engine {

// What a WriteContext needs from its Repository. References must outlive the context.
struct WriteDeps {
  const fhir::Definitions& definitions;
  const base::Clock& clock;
  base::Random& random;
  const RepositoryOptions& options;
  const Indexer& indexer;                        // the snapshot below
  std::shared_ptr<const Indexer> indexer_owner;  // keeps `indexer` alive for these deps
};

ReadResult ToReadResult(store::StoredVersion v);

// The search parser's context for these deps (no value sets: :in / :not-in unsupported).
SearchContext SearchContextOf(const WriteDeps& deps);

// The body is a JSON object whose resourceType is `type` (else 400) and it passes base
// validation (else 422 listing every issue).
absl::Status CheckResource(const fhir::Definitions& definitions, const std::string& type,
                           const fhir::Value& resource);

// For an update of `type/id`: a valid id that the body's id (required) matches (else 400).
absl::Status CheckUpdateId(const std::string& type, const std::string& id,
                           const fhir::Value& resource);

// Not thread-safe: one per transaction callback.
class WriteContext {
 public:
  // `prevalidated`: resources given to Create/Update/ConditionalUpdate were already checked with
  // Check() by the caller (outside the transaction, so validation does not run on the store's
  // single writer thread). Patched resources are always checked here.
  WriteContext(const WriteDeps& deps, store::Transaction& txn, bool prevalidated = false);

  // Checks resourceType against `type` and validates (422 listing every issue).
  absl::Status Check(const std::string& type, const fhir::Value& resource);
  // Stamps id/meta and stores version `version`.
  absl::StatusOr<WriteResult> Put(const std::string& type, const std::string& id, int64_t version,
                                  fhir::Value resource, bool created);
  // Stores a prepared resource as version `version`, stamped with the commit-order time.
  absl::StatusOr<WriteResult> PutPrepared(const PreparedResource& prepared, int64_t version,
                                          bool created);
  // Creates a prepared (already validated, new-id) resource as version 1, unless
  // `options.if_none_exist` matches an existing resource (returned, `unchanged`).
  absl::StatusOr<WriteResult> CreatePrepared(const PreparedResource& prepared,
                                             const WriteOptions& options);
  // Updates (or creates, with the client's id) a prepared, already validated resource whose id
  // was checked with CheckUpdateId.
  absl::StatusOr<WriteResult> UpdatePrepared(const PreparedResource& prepared,
                                             const WriteOptions& options);
  // Current resources matching a conditional query (strict parsing; at most 2 returned).
  absl::StatusOr<std::vector<store::StoredVersion>> Match(const std::string& type,
                                                          const QueryParams& query);
  // `forced_id`: the id to use (transaction pre-assigned), or nullptr for a new one.
  absl::StatusOr<WriteResult> Create(const std::string& type, fhir::Value resource,
                                     const WriteOptions& options, const std::string* forced_id);
  absl::StatusOr<WriteResult> Update(const std::string& type, const std::string& id,
                                     fhir::Value resource, const WriteOptions& options);
  absl::StatusOr<WriteResult> ConditionalUpdate(const std::string& type, const QueryParams& query,
                                                fhir::Value resource, const WriteOptions& options);
  absl::StatusOr<WriteResult> Delete(const std::string& type, const std::string& id);
  absl::StatusOr<WriteResult> ConditionalDelete(const std::string& type, const QueryParams& query);
  absl::StatusOr<WriteResult> Patch(const std::string& type, const std::string& id,
                                    const fhir::Value& patch, const WriteOptions& options);

  store::Transaction& txn() { return txn_; }
  // Access control and audit for every version this context writes (nullptr = none).
  void set_hooks(AccessHooks* hooks) { hooks_ = hooks; }

 private:
  // Stores `nv`, calling the hooks around it. `interaction` is the restful-interaction code.
  absl::Status PutWithHooks(const store::NewVersion& nv, const std::string& interaction);

  const WriteDeps& deps_;
  store::Transaction& txn_;
  bool prevalidated_;
  AccessHooks* hooks_ = nullptr;
};

}  // namespace tc::engine
