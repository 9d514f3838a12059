#include "web/html.h"

#include <string>
#include <string_view>

namespace tc::web {
namespace {

void AppendEscapedImpl(std::string* out, std::string_view text, bool attribute) {
  out->reserve(out->size() + text.size());
  size_t run = 0;  // start of the pending run of bytes copied unchanged
  for (size_t i = 0; i < text.size(); ++i) {
    std::string_view replacement;
    switch (text[i]) {
      case '&':
        replacement = "&amp;";
        break;
      case '<':
        replacement = "&lt;";
        break;
      case '>':
        replacement = "&gt;";
        break;
      case '"':
        replacement = "&quot;";
        break;
      case '\'':
        replacement = "&#39;";
        break;
      case '\0':
        replacement = "\xEF\xBF\xBD";  // U+FFFD REPLACEMENT CHARACTER
        break;
      case '`':
        if (attribute) replacement = "&#96;";
        break;
      case '\n':
        if (attribute) replacement = "&#10;";
        break;
      case '\r':
        if (attribute) replacement = "&#13;";
        break;
      case '\t':
        if (attribute) replacement = "&#9;";
        break;
      default:
        break;
    }
    if (replacement.empty()) continue;
    out->append(text.data() + run, i - run);
    out->append(replacement);
    run = i + 1;
  }
  out->append(text.data() + run, text.size() - run);
}

bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != prefix[i]) return false;
  }
  return true;
}

}  // namespace

std::string EscapeHtml(std::string_view text) {
  std::string out;
  AppendEscapedImpl(&out, text, /*attribute=*/false);
  return out;
}

void AppendEscaped(std::string* out, std::string_view text) {
  AppendEscapedImpl(out, text, /*attribute=*/false);
}

std::string EscapeAttribute(std::string_view value) {
  std::string out;
  AppendEscapedImpl(&out, value, /*attribute=*/true);
  return out;
}

void AppendEscapedAttribute(std::string* out, std::string_view value) {
  AppendEscapedImpl(out, value, /*attribute=*/true);
}

void AppendAttribute(std::string* out, std::string_view name, std::string_view value) {
  out->push_back(' ');
  out->append(name);
  out->append("=\"");
  AppendEscapedImpl(out, value, /*attribute=*/true);
  out->push_back('"');
}

bool IsSafeHref(std::string_view href) {
  if (href.empty()) return false;
  for (char c : href) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f || c == '\\') return false;
  }
  if (href[0] == '/') return href.size() == 1 || href[1] != '/';
  if (href[0] == '#' || href[0] == '?') return true;
  return StartsWithIgnoreCase(href, "https://") || StartsWithIgnoreCase(href, "http://");
}

}  // namespace tc::web
