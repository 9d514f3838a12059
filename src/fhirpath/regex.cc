#include "fhirpath/regex.h"

#include "absl/status/status.h"

namespace tc::fhirpath {
namespace {

// Rewrites unescaped '.' outside character classes as [\s\S] (single-line mode).
std::string SingleLine(std::string_view p) {
  std::string out;
  out.reserve(p.size() + 8);
  bool in_class = false;
  for (size_t i = 0; i < p.size(); ++i) {
    char c = p[i];
    if (c == '\\' && i + 1 < p.size()) {
      out.push_back(c);
      out.push_back(p[++i]);
      continue;
    }
    if (in_class) {
      if (c == ']') in_class = false;
      out.push_back(c);
      continue;
    }
    if (c == '[') in_class = true;
    if (c == '.') {
      out += "[\\s\\S]";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

}  // namespace

absl::StatusOr<std::unique_ptr<std::regex>> CompileRegex(std::string_view pattern, bool full) {
  if (pattern.size() > 4096) return absl::InvalidArgumentError("regular expression too long");
  std::string p = SingleLine(pattern);
  if (full) p = "^(?:" + p + ")$";
  try {
    return std::make_unique<std::regex>(p, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    return absl::InvalidArgumentError(std::string("invalid regular expression: ") + e.what());
  }
}

absl::StatusOr<bool> RegexSearch(const std::regex& re, std::string_view s) {
  try {
    return std::regex_search(s.begin(), s.end(), re);
  } catch (const std::regex_error& e) {
    return absl::InvalidArgumentError(std::string("regular expression failed: ") + e.what());
  }
}

absl::StatusOr<std::string> RegexReplace(const std::regex& re, std::string_view s,
                                         std::string_view substitution) {
  try {
    std::string out;
    std::regex_replace(std::back_inserter(out), s.begin(), s.end(), re, std::string(substitution));
    return out;
  } catch (const std::regex_error& e) {
    return absl::InvalidArgumentError(std::string("regular expression failed: ") + e.what());
  }
}

}  // namespace tc::fhirpath
