// File: access/token_request.h
//
// The parameters of one OAuth 2.0 token request as SMART Backend Services sends it: the client
// credentials grant (RFC 6749 §4.4.2) with a JWT client assertion (RFC 7521 §4.2, RFC 7523 §2.2),
// in an application/x-www-form-urlencoded body (HTML 4.01 §17.13.4: '&'-separated name=value
// pairs, '+' for a space, %XX escapes), e.g.
//   grant_type=client_credentials&scope=system%2FPatient.rs&client_assertion_type=urn%3Aietf%3A
//   params%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=eyJ...
// Rules of RFC 6749 §3.2 and §4.4.2 applied here: the media type must be
// application/x-www-form-urlencoded (parameters such as charset are ignored); a parameter sent
// without a value is treated as omitted; a recognised parameter may not appear twice;
// unrecognised parameters are ignored.
// Errors: InvalidArgument (the token endpoint answers invalid_request) for another media type, a
// malformed escape or a repeated parameter. The message never quotes a parameter's value.
// Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace tc::access {

// The recognised parameters, decoded; "" when absent.
struct TokenRequestForm {
  std::string grant_type;
  std::string scope;
  std::string client_assertion_type;
  std::string client_assertion;
  std::string client_id;  // optional with an assertion; when sent it must name the same client
};

// Parses a token request body whose Content-Type header is `content_type`.
absl::StatusOr<TokenRequestForm> ParseTokenRequestForm(std::string_view content_type,
                                                       std::string_view body);

}  // namespace tc::access
