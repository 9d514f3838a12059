// File: http/internal/ascii.h
//
// ASCII case-insensitive comparisons on std::string_view, for header names and tokens. (Debian's
// abseil does not alias absl::string_view to std::string_view, so absl's helpers don't take ours.)
// Internal to http/: not for use by other modules.
#pragma once

#include <cstddef>
#include <string_view>

namespace tc::http::http_internal {

constexpr char AsciiLower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

// True when `a` and `b` are equal ignoring ASCII case.
constexpr bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (AsciiLower(a[i]) != AsciiLower(b[i])) return false;
  }
  return true;
}

// True when `needle` occurs in `haystack` ignoring ASCII case. An empty needle always occurs.
constexpr bool ContainsIgnoreCase(std::string_view haystack, std::string_view needle) {
  if (needle.size() > haystack.size()) return false;
  for (size_t i = 0; i + needle.size() <= haystack.size(); ++i) {
    if (EqualsIgnoreCase(haystack.substr(i, needle.size()), needle)) return true;
  }
  return false;
}

}  // namespace tc::http::http_internal
