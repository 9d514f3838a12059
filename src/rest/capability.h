// File: rest/capability.h
//
// The server's CapabilityStatement, generated from what the server really implements: every
// concrete resource type of the compiled definitions, the interactions the REST layer routes,
// and the search parameters the engine can index today.
#pragma once

#include <string>

#include "absl/time/time.h"
#include "engine/index_extract.h"
#include "fhir/definitions.h"
#include "fhir/value.h"

namespace tc::rest {

struct CapabilityInfo {
  std::string base_url;          // e.g. "http://127.0.0.1:8080/fhir"
  std::string software_version;  // e.g. "0.1.0"
  absl::Time started;            // CapabilityStatement.date
  // AuditEvent is served by the audit log (access control on): read and search-type only, with
  // the parameters the log supports (audit::kAuditSearchParams).
  bool audit_log = false;
  // The OAuth token endpoint (SMART Backend Services) to advertise in rest.security; "" = none.
  std::string token_url;
};

// `indexer` tells which search parameters are indexed (and so searchable).
fhir::Value BuildCapabilityStatement(const fhir::Definitions& defs, const engine::Indexer& indexer,
                                     const CapabilityInfo& info);

}  // namespace tc::rest
