// File: fhir/issue.h
//
// One problem found in a resource or request, as it will appear in an OperationOutcome.issue
// (severity, code from http://hl7.org/fhir/issue-type, human diagnostics, FHIRPath expression).
#pragma once

#include <string>
#include <vector>

namespace tc::fhir {

struct Issue {
  enum class Severity { kFatal, kError, kWarning, kInformation };
  Severity severity = Severity::kError;
  // Code from the FHIR IssueType value set: "invalid", "structure", "required", "value",
  // "code-invalid", "not-found", "conflict", "security", "processing", "not-supported", ...
  std::string code = "invalid";
  std::string diagnostics;  // plain-language explanation for the integrating engineer
  std::string expression;   // FHIRPath location, e.g. "Patient.name[0].given[1]"; "" if none
};

using Issues = std::vector<Issue>;

// The FHIR code of a severity: "fatal", "error", "warning", "information".
const char* SeverityCode(Issue::Severity s);

// True when any issue is fatal or an error.
bool HasErrors(const Issues& issues);

}  // namespace tc::fhir
