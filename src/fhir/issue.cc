#include "fhir/issue.h"

#include <algorithm>

namespace tc::fhir {

const char* SeverityCode(Issue::Severity s) {
  switch (s) {
    case Issue::Severity::kFatal:
      return "fatal";
    case Issue::Severity::kError:
      return "error";
    case Issue::Severity::kWarning:
      return "warning";
    case Issue::Severity::kInformation:
      return "information";
  }
  return "error";  // unreachable for valid enumerators
}

bool HasErrors(const Issues& issues) {
  return std::any_of(issues.begin(), issues.end(), [](const Issue& i) {
    return i.severity == Issue::Severity::kFatal || i.severity == Issue::Severity::kError;
  });
}

}  // namespace tc::fhir
