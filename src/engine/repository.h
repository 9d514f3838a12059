// File: engine/repository.h
//
// The FHIR interactions (DESIGN.md: engine/): create, read, vread, update, patch, delete,
// history, search, conditional create/update/delete and batch/transaction Bundles, over any
// store::Store. It validates every write against the compiled definitions, assigns ids, versions
// and lastUpdated, keeps the patient compartment and the search index rows, and returns FHIR
// errors as absl::Status (see engine/errors.h). It knows nothing of HTTP.
//
//   Repository repo(store, defs, clock, random, {});
//   absl::StatusOr<WriteResult> r = repo.Create("Patient", std::move(patient), {});
//   absl::StatusOr<ReadResult> p = repo.Read("Patient", r->id);
//
// Thread-safety: all methods may be called concurrently.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "base/clock.h"
#include "base/random.h"
#include "engine/access_hooks.h"
#include "fhir/definitions.h"
#include "fhir/value.h"
#include "store/store.h"

namespace tc::engine {

class Indexer;
struct ParsedSearch;

using QueryParams = std::vector<std::pair<std::string, std::string>>;

struct ReadResult {
  std::string type;
  std::string id;
  int64_t version = 0;
  absl::Time last_updated;
  std::string content;  // the stored canonical JSON (returned as is: no re-serialisation)
  std::string patient_compartment;  // the Patient id it belongs to ("" if none)
};

struct WriteResult {
  std::string type;
  std::string id;
  int64_t version = 0;
  absl::Time last_updated;
  std::string content;     // canonical JSON of the stored version; "" for a delete
  bool created = false;    // a new resource (201) rather than a new version (200)
  bool unchanged = false;  // conditional create matched an existing resource (200, nothing written)
  bool deleted = false;
};

struct WriteOptions {
  // If-Match: the update applies only if the current version is this one (else 412).
  std::optional<int64_t> if_match_version;
  // If-None-Exist for create: a search query ("identifier=x|y"); when exactly one resource
  // matches nothing is written and it is returned; more than one → 412.
  std::optional<std::string> if_none_exist;
  // Access control and audit for this request (engine/access_hooks.h); nullptr = none. Not owned.
  AccessHooks* hooks = nullptr;
};

struct HistoryOptions {
  std::optional<absl::Time> since;
  std::optional<absl::Time> at;
  int64_t count = 50;
  int64_t offset = 0;
};

struct SearchOptions {
  int64_t count = 50;
  int64_t offset = 0;
  bool strict = false;  // Prefer: handling=strict → unknown parameters are an error
  // Compartment search ([base]/Patient/{id}/{type}): only resources in this patient's
  // compartment (by the compartment definition's parameters). "" = none.
  std::string patient_compartment;
  // Access restriction (the access layer's): applied to the store query and to every query it
  // nests (chains, _has), so that what the requester may not see is neither returned, nor
  // counted, nor matched through. Empty = none.
  std::function<void(store::SearchQuery&)> restrict;
};

struct SearchOutcome {
  std::vector<ReadResult> matches;
  std::vector<ReadResult> included;  // _include / _revinclude results (search.mode include)
  int64_t total = 0;                 // -1 when not counted (_total=none)
  // Paging: the `_cursor` values of the next and previous pages ("" = no such page), and
  // whether the request paged by _offset (then links use offsets).
  std::string next_cursor;
  std::string previous_cursor;
  bool offset_paging = false;
  // Parameters that were understood, in canonical form (for the Bundle's self link).
  QueryParams used;
  // Parameters that were ignored (lenient handling), reported in an OperationOutcome entry.
  std::vector<std::string> ignored;
};

struct RepositoryOptions {
  // Largest page a client may ask for with _count.
  int64_t max_count = 1000;
  // The FHIR base URL clients see (for Bundle fullUrl and links), e.g. "http://host/fhir".
  std::string base_url = "http://127.0.0.1:8080/fhir";
};

class Repository {
 public:
  // All references must outlive the Repository.
  Repository(store::Store& store, const fhir::Definitions& definitions, const base::Clock& clock,
             base::Random& random, RepositoryOptions options = {});
  ~Repository();

  const fhir::Definitions& definitions() const { return definitions_; }
  const RepositoryOptions& options() const { return options_; }

  absl::StatusOr<ReadResult> Read(const std::string& type, const std::string& id);
  absl::StatusOr<ReadResult> VRead(const std::string& type, const std::string& id, int64_t version);

  // POST [type]. The resource's id (if any) is replaced by a new server-assigned id.
  absl::StatusOr<WriteResult> Create(const std::string& type, fhir::Value resource,
                                     const WriteOptions& options);
  // PUT [type]/[id]. Creates the resource with the client's id when it does not exist.
  // REQUIRES: resource.id equals `id` (else 400).
  absl::StatusOr<WriteResult> Update(const std::string& type, const std::string& id,
                                     fhir::Value resource, const WriteOptions& options);
  // PUT [type]?[query]: no match → create (with the body's id if given); one match → update it;
  // several → 412.
  absl::StatusOr<WriteResult> ConditionalUpdate(const std::string& type, const QueryParams& query,
                                                fhir::Value resource, const WriteOptions& options);
  // PATCH [type]/[id] with a JSON Patch document (array) or a FHIR Patch Parameters resource.
  absl::StatusOr<WriteResult> Patch(const std::string& type, const std::string& id,
                                    const fhir::Value& patch, const WriteOptions& options);
  // DELETE [type]/[id]. Deleting an absent or already-deleted resource succeeds (idempotent).
  absl::StatusOr<WriteResult> Delete(const std::string& type, const std::string& id,
                                     AccessHooks* hooks = nullptr);
  // DELETE [type]?[query]: deletes the single match (several → 412, none → success).
  absl::StatusOr<WriteResult> ConditionalDelete(const std::string& type, const QueryParams& query,
                                                AccessHooks* hooks = nullptr);

  // _history at instance (type + id), type (type only) or system level (both empty).
  absl::StatusOr<store::HistoryPage> History(const std::string& type, const std::string& id,
                                             const HistoryOptions& options);

  // Search over current resources of `type`.
  absl::StatusOr<SearchOutcome> Search(const std::string& type, const QueryParams& query,
                                       const SearchOptions& options);

  // Patient/{id}/$everything: the patient and every resource in its compartment, in one range
  // scan over the compartment, optionally only `types` and those updated since `since`.
  absl::StatusOr<SearchOutcome> Everything(const std::string& patient_id, const QueryParams& query,
                                           const SearchOptions& options);

  // The current indexer (which parameters are searchable); replaced when SearchParameter
  // resources change.
  std::shared_ptr<const Indexer> indexer() const;

  // Rebuilds the indexer from the built-in definitions plus every active SearchParameter resource
  // in the store. Existing resources keep their rows until reindexed (engine/reindex.h).
  absl::Status ReloadSearchParameters();

  // Called (on the writing thread, after the write is durable) whenever a SearchParameter
  // resource is created, updated or deleted through this repository.
  void OnSearchParametersChanged(std::function<void()> listener);

  // POST / with a Bundle of type batch or transaction; returns the response Bundle.
  // With `hooks`, every entry's write and read is checked (a refused entry fails a transaction
  // as a whole, and only itself in a batch).
  absl::StatusOr<fhir::Value> ProcessBundle(const fhir::Value& bundle,
                                            AccessHooks* hooks = nullptr);

 private:
  struct WriteDeps deps() const;
  absl::StatusOr<fhir::Value> ProcessBundleEntries(const fhir::Value& bundle, AccessHooks* hooks);
  absl::Status AddIncludes(const ParsedSearch& parsed, SearchOutcome& outcome);
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> ValueSetCodes(
      const std::string& url);
  // The current resource of `type` whose `url` is `url` (ValueSet, CodeSystem), if any.
  std::optional<fhir::Value> FindByUrl(const std::string& type, const std::string& url);
  friend class WriteContext;

  store::Store& store_;
  const fhir::Definitions& definitions_;
  mutable absl::Mutex indexer_mu_;
  std::shared_ptr<const Indexer> indexer_ ABSL_GUARDED_BY(indexer_mu_);
  std::function<void()> search_params_listener_;
  void NotifyIfSearchParameter(const std::string& type);
  const base::Clock& clock_;
  base::Random& random_;
  RepositoryOptions options_;
};

}  // namespace tc::engine
