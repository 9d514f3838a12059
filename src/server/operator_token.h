// File: server/operator_token.h
//
// `throughcare token --data DIR --role ROLE [--establishment CODE]... [--ttl 10m]`: a short-lived
// bearer token for operators and scripts on the server itself. Minting needs the data directory
// (the token secret lives there), and every mint is recorded in the audit trail as a login of
// the operator.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "auth/roles.h"
#include "server/app.h"

namespace tc::server {

struct OperatorTokenRequest {
  auth::Role role = auth::Role::kSystem;
  std::vector<std::string> establishments;
  absl::Duration ttl = absl::Minutes(10);
  std::string subject = "operator";
  // SMART scopes; "" = system/*.cruds for the system role, none for staff roles.
  std::string scope;
};

// Mints the token and audits it (durably, before returning).
absl::StatusOr<std::string> MintOperatorToken(App& app, const OperatorTokenRequest& request);

}  // namespace tc::server
