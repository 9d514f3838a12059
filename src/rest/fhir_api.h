// File: rest/fhir_api.h
//
// The FHIR R4 REST API (http://hl7.org/fhir/R4/http.html) over an engine::Repository:
// routing of [base]/…, content negotiation (JSON and XML), conditional headers, Prefer, and the
// one mapping of engine errors to HTTP status + OperationOutcome. Knows nothing of sockets:
// it turns an http::Request into an http::Response.
//
//   FhirApi api(repo, defs, {.base_path = "/fhir", .base_url = "http://127.0.0.1:8080/fhir"});
//   http::Response r = api.Handle(request);   // request.path starts with /fhir
//
// Thread-safety: Handle may be called concurrently.
#pragma once

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "access/access_control.h"
#include "engine/reindex.h"
#include "engine/repository.h"
#include "fhir/definitions.h"
#include "http/message.h"
#include "rest/bulk_export.h"
#include "rest/format.h"

namespace tc::rest {

struct FhirApiOptions {
  std::string base_path = "/fhir";                      // path prefix the API is mounted at
  std::string base_url = "http://127.0.0.1:8080/fhir";  // what clients see (links, Location)
  std::string software_version = "0.1.0";
  int64_t default_count = 50;  // page size when _count is absent
  // Serves [base]/$reindex (POST starts a full reindex, GET reports progress) when set. MUST
  // outlive the API.
  engine::Reindexer* reindexer = nullptr;
  // Access control and audit of every request (access/access_control.h). nullptr = none: only
  // for benchmarks that measure its cost and for tests of the engine alone (`serve
  // --no-access-control`). MUST outlive the API.
  access::AccessControl* access = nullptr;
  // The SMART token endpoint advertised in the CapabilityStatement ("" = none).
  std::string token_url;
  // Bulk Data export jobs ([base]/$export, [base]/Patient/$export); nullptr = not offered. MUST
  // outlive the API.
  BulkExports* exports = nullptr;
};

class FhirApi {
 public:
  // `repository` and `definitions` must outlive the API.
  FhirApi(engine::Repository& repository, const fhir::Definitions& definitions,
          FhirApiOptions options);

  // True when `path` is under the API's base path.
  bool Owns(const std::string& path) const;

  // Handles one request. Never throws; every failure is an OperationOutcome response.
  http::Response Handle(const http::Request& request);

  // An OperationOutcome error response for `status`, in the client's preferred format.
  http::Response ErrorResponse(const absl::Status& status, const OutputOptions& output) const;

 private:
  // `guard` is the request's access guard (nullptr when access control is off).
  absl::StatusOr<http::Response> Route(const http::Request& request, const OutputOptions& output,
                                       access::RequestGuard* guard);
  // A searchset Bundle of `found` in the client's format (`path` relative to the base).
  void WriteSearchset(const std::string& path, const engine::SearchOutcome& found, int64_t count,
                      int64_t offset, const OutputOptions& output, http::Response& response) const;

  engine::Repository& repo_;
  const fhir::Definitions& defs_;
  FhirApiOptions options_;
  // The CapabilityStatement, rebuilt when the searchable parameters change (a new indexer).
  struct Capability {
    std::shared_ptr<const engine::Indexer> indexer;
    fhir::Value statement;
    std::string json;
  };
  std::shared_ptr<const Capability> CurrentCapability();
  absl::Time started_;
  absl::Mutex capability_mu_;
  std::shared_ptr<const Capability> capability_ ABSL_GUARDED_BY(capability_mu_);
};

}  // namespace tc::rest
