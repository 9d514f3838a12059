// File: base/percent_decode.h
//
// RFC 3986 percent-decoding, shared by the HTTP transport (request targets) and the engine
// (query strings in conditional headers and Bundle entry URLs).
#pragma once

#include <string>
#include <string_view>

namespace tc::base {

// Decodes `in` into `*out` ('+' becomes a space when `plus_as_space`, as in query strings).
// Returns false (leaving `*out` unspecified) on a malformed escape such as "%4" or "%zz".
bool PercentDecode(std::string_view in, bool plus_as_space, std::string* out);

}  // namespace tc::base
