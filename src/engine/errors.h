// File: engine/errors.h
//
// FHIR-aware errors carried in absl::Status. The engine returns plain absl::Status values; these
// helpers attach the exact HTTP status the FHIR spec asks for (when the absl code alone is
// ambiguous, e.g. 410 Gone, 412 Precondition Failed, 422 Unprocessable Entity) and the detailed
// issues for the OperationOutcome. rest/outcome.h is the one place that turns them into HTTP.
//
//   return engine::Gone("Patient/123 was deleted");
//   return engine::Unprocessable(issues);   // validation failures, one OperationOutcome
#pragma once

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "fhir/issue.h"

namespace tc::engine {

// 400: the request itself is malformed (bad JSON, bad parameter, wrong resourceType in URL…).
absl::Status BadRequest(const std::string& message, const std::string& expression = "");
// 404: no such resource / type / version.
absl::Status NotFound(const std::string& message);
// 405: the interaction is not allowed on this endpoint.
absl::Status MethodNotAllowed(const std::string& message);
// 409: conflicting write (id mismatch in history, concurrent update lost).
absl::Status Conflict(const std::string& message);
// 410: the resource was deleted.
absl::Status Gone(const std::string& message);
// 412: a version precondition (If-Match) or a conditional operation matched more than one.
absl::Status PreconditionFailed(const std::string& message);
// 413 / 415: request too large / unsupported media type.
absl::Status PayloadTooLarge(const std::string& message);
absl::Status UnsupportedMediaType(const std::string& message);
// 422: the resource fails validation; every problem goes in `issues`.
absl::Status Unprocessable(const fhir::Issues& issues);

// `status` with `prefix` put before its message; the HTTP status and issues are kept.
absl::Status WithContext(const absl::Status& status, const std::string& prefix);

// The HTTP status for `status`: the attached one when present, otherwise derived from the code
// (InvalidArgument 400, NotFound 404, AlreadyExists/Aborted 409, FailedPrecondition 412,
// PermissionDenied 403, Unauthenticated 401, Unimplemented 501, ResourceExhausted 429, else 500).
int HttpStatusOf(const absl::Status& status);

// The issues for an OperationOutcome: the attached ones, or one issue made from the message.
fhir::Issues IssuesOf(const absl::Status& status);

}  // namespace tc::engine
