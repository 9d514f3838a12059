// File: rest/bulk_export.h
//
// FHIR Bulk Data export (Bulk Data Access IG, "$export"): a kick-off starts a job that writes one
// NDJSON file per resource type under a directory of the server's data; the client polls the
// job's status URL and downloads the files, with the same access token. The job reads through
// the requester's RequestGuard exactly as a search does — the access restriction in every query
// (legitimate relationship, sealed records excluded) and the policy's `export` decision on every
// resource — so nothing the requester may not see is exported, and the export is audited with
// every patient whose data it holds. Only the requester (same token subject) can see a job.
// Thread-safe; jobs run on their own threads, joined on destruction.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "access/access_control.h"
#include "base/clock.h"
#include "base/random.h"
#include "engine/repository.h"
#include "fhir/value.h"

namespace tc::rest {

struct ExportRequest {
  std::string owner;               // the requester's subject
  std::vector<std::string> types;  // resource types to export
  std::optional<absl::Time> since;
  std::string request_url;    // the kick-off URL (echoed in the manifest)
  std::string file_base_url;  // "<base>/$export-file/<job>/" is prefixed to file names
};

struct ExportStatus {
  bool done = false;
  std::string error;  // "" unless the job failed
  int64_t exported = 0;
  fhir::Value manifest;  // when done
};

class BulkExports {
 public:
  // `dir`: where job directories are created. References must outlive this object.
  BulkExports(engine::Repository& repository, std::string dir, const base::Clock& clock,
              base::Random& random);
  ~BulkExports();

  // Starts a job; `guard` (nullptr when access control is off) decides and audits it.
  absl::StatusOr<std::string> Start(ExportRequest request,
                                    std::unique_ptr<access::RequestGuard> guard);
  // NotFound unless job `id` exists and belongs to `owner`.
  absl::StatusOr<ExportStatus> Status(const std::string& id, const std::string& owner);
  // The path of a finished job's file `name` ("Observation.ndjson"), for its owner.
  absl::StatusOr<std::string> FilePath(const std::string& id, const std::string& name,
                                       const std::string& owner);
  // Cancels / removes a job and its files.
  absl::Status Delete(const std::string& id, const std::string& owner);

 private:
  struct Job;
  void Run(Job& job);

  engine::Repository& repository_;
  std::string dir_;
  const base::Clock& clock_;
  base::Random& random_;
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<Job>> jobs_;  // guarded by mu_
};

}  // namespace tc::rest
