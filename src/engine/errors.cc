#include "engine/errors.h"

#include "absl/strings/cord.h"
#include "fhir/json.h"

namespace tc::engine {
namespace {

constexpr char kHttpStatusUrl[] = "https://throughcare.dev/status/http-status";
constexpr char kIssuesUrl[] = "https://throughcare.dev/status/issues";

absl::Status WithHttp(absl::Status s, int http) {
  s.SetPayload(kHttpStatusUrl, absl::Cord(std::to_string(http)));
  return s;
}

std::string IssueCodeFor(int http) {
  switch (http) {
    case 404:
    case 410:
      return "not-found";
    case 409:
    case 412:
      return "conflict";
    case 401:
    case 403:
      return "security";
    case 405:
    case 501:
      return "not-supported";
    case 413:
      return "too-costly";
    case 500:
      return "exception";
    default:
      return "invalid";
  }
}

fhir::Issues OneIssue(const std::string& code, const std::string& message,
                      const std::string& expression) {
  fhir::Issue issue;
  issue.code = code;
  issue.diagnostics = message;
  issue.expression = expression;
  return {issue};
}

absl::Status WithIssues(absl::Status s, const fhir::Issues& issues) {
  fhir::Value arr = fhir::Value::MakeArray();
  for (const fhir::Issue& i : issues) {
    fhir::Value o = fhir::Value::Object();
    o.Set("severity", fhir::Value::String(fhir::SeverityCode(i.severity)));
    o.Set("code", fhir::Value::String(i.code));
    o.Set("diagnostics", fhir::Value::String(i.diagnostics));
    o.Set("expression", fhir::Value::String(i.expression));
    arr.Append(std::move(o));
  }
  s.SetPayload(kIssuesUrl, absl::Cord(fhir::WriteJson(arr)));
  return s;
}

}  // namespace

absl::Status BadRequest(const std::string& message, const std::string& expression) {
  absl::Status s = WithHttp(absl::InvalidArgumentError(message), 400);
  if (!expression.empty()) s = WithIssues(s, OneIssue("invalid", message, expression));
  return s;
}
absl::Status NotFound(const std::string& message) {
  return WithHttp(absl::NotFoundError(message), 404);
}
absl::Status MethodNotAllowed(const std::string& message) {
  return WithHttp(absl::UnimplementedError(message), 405);
}
absl::Status Conflict(const std::string& message) {
  return WithHttp(absl::AbortedError(message), 409);
}
absl::Status Gone(const std::string& message) {
  return WithHttp(absl::NotFoundError(message), 410);
}
absl::Status PreconditionFailed(const std::string& message) {
  return WithHttp(absl::FailedPreconditionError(message), 412);
}
absl::Status PayloadTooLarge(const std::string& message) {
  return WithHttp(absl::ResourceExhaustedError(message), 413);
}
absl::Status UnsupportedMediaType(const std::string& message) {
  return WithHttp(absl::InvalidArgumentError(message), 415);
}
absl::Status Unprocessable(const fhir::Issues& issues) {
  std::string summary = issues.empty() ? "resource is invalid" : issues.front().diagnostics;
  if (issues.size() > 1) summary += " (and " + std::to_string(issues.size() - 1) + " more)";
  return WithIssues(WithHttp(absl::InvalidArgumentError(summary), 422), issues);
}

absl::Status WithContext(const absl::Status& status, const std::string& prefix) {
  absl::Status out(status.code(), prefix + std::string(status.message()));
  status.ForEachPayload(
      [&](absl::string_view url, const absl::Cord& payload) { out.SetPayload(url, payload); });
  return out;
}

int HttpStatusOf(const absl::Status& status) {
  if (absl::optional<absl::Cord> p = status.GetPayload(kHttpStatusUrl)) {
    return std::stoi(std::string(*p));
  }
  switch (status.code()) {
    case absl::StatusCode::kOk:
      return 200;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kOutOfRange:
      return 400;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kAborted:
      return 409;
    case absl::StatusCode::kFailedPrecondition:
      return 412;
    case absl::StatusCode::kPermissionDenied:
      return 403;
    case absl::StatusCode::kUnauthenticated:
      return 401;
    case absl::StatusCode::kUnimplemented:
      return 501;
    case absl::StatusCode::kResourceExhausted:
      return 429;
    default:
      return 500;
  }
}

fhir::Issues IssuesOf(const absl::Status& status) {
  if (absl::optional<absl::Cord> p = status.GetPayload(kIssuesUrl)) {
    absl::StatusOr<fhir::Value> arr = fhir::ParseJson(std::string(*p));
    if (arr.ok() && arr->is_array()) {
      fhir::Issues out;
      for (const fhir::Value& o : arr->array()) {
        fhir::Issue i;
        std::string_view sev = o.GetString("severity");
        i.severity = sev == "warning"       ? fhir::Issue::Severity::kWarning
                     : sev == "information" ? fhir::Issue::Severity::kInformation
                     : sev == "fatal"       ? fhir::Issue::Severity::kFatal
                                            : fhir::Issue::Severity::kError;
        i.code = std::string(o.GetString("code"));
        i.diagnostics = std::string(o.GetString("diagnostics"));
        i.expression = std::string(o.GetString("expression"));
        out.push_back(std::move(i));
      }
      return out;
    }
  }
  int http = HttpStatusOf(status);
  std::string message(status.message());
  if (http == 500 && message.empty()) message = "internal error";
  return OneIssue(IssueCodeFor(http), message, "");
}

}  // namespace tc::engine
