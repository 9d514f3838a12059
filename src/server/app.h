// File: server/app.h
//
// The composition root (DESIGN.md: server/ is the only place that wires modules together): opens
// the store, loads the definitions, builds the repository and the APIs, and routes HTTP requests
// to them. Nothing depends on this module.
//
//   TC_ASSIGN_OR_RETURN(auto app, App::Open({.data_dir = "var"}));
//   http::Response r = app->Handle(request);
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "base/clock.h"
#include "base/random.h"
#include "engine/reindex.h"
#include "engine/repository.h"
#include "fhir/definitions.h"
#include "http/message.h"
#include "rest/fhir_api.h"
#include "store/store.h"

namespace tc::server {

struct AppOptions {
  std::string data_dir = "var";  // the embedded store lives in <data_dir>/throughcare.db
  std::string base_path = "/fhir";
  // What clients see as the FHIR base; "" = http://127.0.0.1:<port><base_path> once known.
  std::string base_url;
  // Continue an unfinished reindex in the background at start-up (the CLI's `reindex` runs it
  // in the foreground instead).
  bool resume_reindex = true;
};

class App {
 public:
  static absl::StatusOr<std::unique_ptr<App>> Open(const AppOptions& options);

  // Handles one HTTP request (FHIR API, /healthz). Thread-safe.
  http::Response Handle(const http::Request& request);
  // Cheap requests that may run on the I/O thread (reads by id, health checks).
  bool RunInline(const http::Request& request) const;

  engine::Repository& repository() { return *repository_; }
  engine::Reindexer& reindexer() { return *reindexer_; }
  const fhir::Definitions& definitions() const { return *definitions_; }

 private:
  App() = default;
  AppOptions options_;
  base::SystemClock clock_;
  base::SystemRandom random_;
  std::unique_ptr<fhir::Definitions> definitions_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<engine::Repository> repository_;
  std::unique_ptr<engine::Reindexer> reindexer_;
  std::unique_ptr<rest::FhirApi> fhir_api_;
};

}  // namespace tc::server
