// File: engine/query_string.h
//
// Parsing of URL query strings ("identifier=a%7Cb&name=x") into decoded (name, value) pairs, for
// conditional headers (If-None-Exist) and bundle entry URLs.
#pragma once

#include <string>
#include <string_view>

#include "engine/repository.h"

namespace tc::engine {

// Percent-decodes `s` ('+' becomes a space when `plus_is_space`).
std::string PercentDecode(std::string_view s, bool plus_is_space);

// Splits "a=1&b=2" into decoded pairs; empty segments are skipped.
QueryParams ParseQueryString(std::string_view query);

}  // namespace tc::engine
