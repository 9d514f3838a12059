#include "access/token_request.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "base/percent_decode.h"

namespace tc::access {
namespace {

// The member of `form` a parameter name fills, or nullptr for unrecognised names.
std::string* Field(TokenRequestForm& form, std::string_view name) {
  if (name == "grant_type") return &form.grant_type;
  if (name == "scope") return &form.scope;
  if (name == "client_assertion_type") return &form.client_assertion_type;
  if (name == "client_assertion") return &form.client_assertion;
  if (name == "client_id") return &form.client_id;
  return nullptr;
}

}  // namespace

absl::StatusOr<TokenRequestForm> ParseTokenRequestForm(std::string_view content_type,
                                                       std::string_view body) {
  std::string_view media = content_type.substr(0, content_type.find(';'));
  absl::string_view trimmed =
      absl::StripAsciiWhitespace(absl::string_view(media.data(), media.size()));
  if (!absl::EqualsIgnoreCase(trimmed, "application/x-www-form-urlencoded")) {
    return absl::InvalidArgumentError(
        "the token request must be sent as application/x-www-form-urlencoded");
  }
  TokenRequestForm form;
  size_t i = 0;
  while (i <= body.size()) {
    size_t end = body.find('&', i);
    if (end == std::string_view::npos) end = body.size();
    std::string_view pair = body.substr(i, end - i);
    i = end + 1;
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    std::string name;
    std::string value;
    if (!base::PercentDecode(pair.substr(0, eq), /*plus_as_space=*/true, &name)) {
      return absl::InvalidArgumentError("the token request has a malformed %-escape");
    }
    if (eq != std::string_view::npos &&
        !base::PercentDecode(pair.substr(eq + 1), /*plus_as_space=*/true, &value)) {
      return absl::InvalidArgumentError("the token request has a malformed %-escape");
    }
    std::string* field = Field(form, name);
    if (field == nullptr || value.empty()) continue;  // ignored, or omitted (RFC 6749 §3.2)
    if (!field->empty()) {
      return absl::InvalidArgumentError("the token request repeats the parameter " + name);
    }
    *field = std::move(value);
  }
  return form;
}

}  // namespace tc::access
