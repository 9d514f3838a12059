#include "server/operator_token.h"

#include "access/access_token.h"
#include "audit/audit_event.h"
#include "base/status_macros.h"

namespace tc::server {

absl::StatusOr<std::string> MintOperatorToken(App& app, const OperatorTokenRequest& request) {
  access::AccessTokenClaims claims;
  claims.subject = request.subject;
  claims.name = "Operator token (" + request.subject + ")";
  claims.role = request.role;
  claims.establishments = request.establishments;
  claims.scope = request.scope;
  if (claims.scope.empty() && request.role == auth::Role::kSystem) claims.scope = "system/*.cruds";
  claims.issued = app.clock().Now();
  claims.expires = claims.issued + request.ttl;
  TC_ASSIGN_OR_RETURN(std::string token,
                      access::MintAccessToken(claims, app.access_control().keys(), app.random()));
  audit::AuditRecord record;
  record.kind = audit::AuditKind::kLogin;
  record.recorded = claims.issued;
  record.agent.user_id = request.subject;
  record.agent.name = claims.name;
  record.agent.role_id = std::string(auth::RoleId(request.role));
  record.outcome_description = "access token minted on the server with `throughcare token` for " +
                               absl::FormatDuration(request.ttl);
  record.server = app.access_control().options().server_name;
  TC_ASSIGN_OR_RETURN(fhir::Value event, audit::BuildAuditEvent(record));
  app.audit_log().Enqueue(std::move(event));
  TC_RETURN_IF_ERROR(app.audit_log().Flush());
  return token;
}

}  // namespace tc::server
