// Raw-text XML helpers: character checks, the pre-parse safety scan, element extent and
// attribute escaping.
#include "fhir/xml_internal.h"

#include <cstdint>
#include <cstring>

#include "absl/container/flat_hash_set.h"

namespace tc::fhir::xml_internal {
namespace {

bool StartsWithAt(std::string_view text, size_t i, std::string_view prefix) {
  return text.size() - i >= prefix.size() && text.compare(i, prefix.size(), prefix) == 0;
}

constexpr std::string_view kHexDigits[] = {"0", "1", "2", "3", "4", "5", "6", "7",
                                           "8", "9", "A", "B", "C", "D", "E", "F"};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

absl::Status Error(std::string_view text, size_t offset, std::string_view what) {
  return absl::InvalidArgumentError(Cat("XML ", what, " at ", Where(text, offset)));
}

// Checks the reference starting with '&' at text[i]; on success sets `length` to its length.
absl::Status CheckReference(std::string_view text, size_t i, size_t& length) {
  static constexpr std::string_view kPredefined[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&apos;"};
  for (std::string_view p : kPredefined) {
    if (StartsWithAt(text, i, p)) {
      length = p.size();
      return absl::OkStatus();
    }
  }
  if (!StartsWithAt(text, i, "&#")) {
    return Error(text, i, "reference to an undefined entity (only &amp; &lt; &gt; &quot; &apos;)");
  }
  size_t j = i + 2;
  const bool hex = j < text.size() && text[j] == 'x';
  if (hex) ++j;
  uint32_t cp = 0;
  size_t digits = 0;
  for (; j < text.size() && text[j] != ';'; ++j, ++digits) {
    const int d = hex ? HexValue(text[j]) : (IsDigit(text[j]) ? text[j] - '0' : -1);
    if (d < 0 || digits >= 8) return Error(text, i, "malformed character reference");
    cp = cp * (hex ? 16 : 10) + static_cast<uint32_t>(d);
  }
  if (j >= text.size() || digits == 0) return Error(text, i, "malformed character reference");
  if (cp > 0x10FFFF || !IsXmlChar(static_cast<char32_t>(cp))) {
    return Error(text, i, "character reference to a character XML does not allow");
  }
  length = j + 1 - i;
  return absl::OkStatus();
}

absl::Status CheckCharacters(std::string_view text) {
  const size_t n = text.size();
  for (size_t i = 0; i < n;) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
        return Error(text, i, "control character XML does not allow");
      }
      ++i;
      continue;
    }
    char32_t cp;
    const size_t len = DecodeUtf8(text, i, cp);
    if (len == 0) return Error(text, i, "text is not valid UTF-8");
    if (!IsXmlChar(cp)) return Error(text, i, "character XML does not allow");
    i += len;
  }
  return absl::OkStatus();
}

// Skips a comment, CDATA section or processing instruction starting at text[i] ('<'); returns
// the offset after it, or npos when the text ends first. Returns `i` unchanged if none starts.
size_t SkipSpecial(std::string_view text, size_t i) {
  auto skip_to = [&](size_t from, std::string_view end) -> size_t {
    const size_t e = text.find(end, from);
    return e == std::string_view::npos ? e : e + end.size();
  };
  if (StartsWithAt(text, i, "<!--")) return skip_to(i + 4, "-->");
  if (StartsWithAt(text, i, "<![CDATA[")) return skip_to(i + 9, "]]>");
  if (StartsWithAt(text, i, "<?")) return skip_to(i + 2, "?>");
  return i;
}

}  // namespace

std::string Where(std::string_view text, size_t offset) {
  if (offset > text.size()) offset = text.size();
  size_t line = 1;
  size_t line_start = 0;
  for (size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  return Cat("line ", line, ", column ", offset - line_start + 1);
}

bool IsXmlChar(char32_t cp) {
  return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
         (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
}

size_t DecodeUtf8(std::string_view text, size_t i, char32_t& cp) {
  const auto b0 = static_cast<unsigned char>(text[i]);
  size_t len;
  char32_t min;
  if (b0 < 0x80) {
    cp = b0;
    return 1;
  } else if ((b0 & 0xE0) == 0xC0) {
    len = 2;
    min = 0x80;
    cp = b0 & 0x1F;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3;
    min = 0x800;
    cp = b0 & 0x0F;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4;
    min = 0x10000;
    cp = b0 & 0x07;
  } else {
    return 0;
  }
  if (text.size() - i < len) return 0;
  for (size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(text[i + k]);
    if ((b & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

absl::Status CheckXmlText(std::string_view text, int max_depth) {
  if (absl::Status s = CheckCharacters(text); !s.ok()) return s;
  const size_t n = text.size();
  int depth = 0;
  size_t i = 0;
  while (i < n) {
    const char c = text[i];
    if (c == '&') {
      size_t len = 0;
      if (absl::Status s = CheckReference(text, i, len); !s.ok()) return s;
      i += len;
      continue;
    }
    if (c != '<') {
      ++i;
      continue;
    }
    if (const size_t after = SkipSpecial(text, i); after != i) {
      if (after == std::string_view::npos) return absl::OkStatus();  // unterminated: parser says
      i = after;
      continue;
    }
    if (StartsWithAt(text, i, "<!")) {
      return Error(text, i,
                   "document type or markup declaration (DTDs and entity declarations are not "
                   "accepted)");
    }
    if (StartsWithAt(text, i, "</")) {
      --depth;
      const size_t e = text.find('>', i);
      if (e == std::string_view::npos) return absl::OkStatus();
      i = e + 1;
      continue;
    }
    // A start tag: scan to its '>' honouring quoted attribute values.
    if (++depth > max_depth) {
      return Error(text, i, Cat("elements nested deeper than ", max_depth, " levels"));
    }
    size_t j = i + 1;
    char quote = 0;
    for (; j < n; ++j) {
      const char ch = text[j];
      if (quote != 0) {
        if (ch == quote) {
          quote = 0;
        } else if (ch == '<') {
          return Error(text, j, "'<' inside an attribute value");
        } else if (ch == '&') {
          size_t len = 0;
          if (absl::Status s = CheckReference(text, j, len); !s.ok()) return s;
          j += len - 1;
        }
      } else if (ch == '"' || ch == '\'') {
        quote = ch;
      } else if (ch == '>' || ch == '<') {
        break;
      }
    }
    if (j >= n || text[j] == '<') return absl::OkStatus();  // malformed: the parser reports it
    if (text[j - 1] == '/') --depth;                        // empty-element tag
    i = j + 1;
  }
  return absl::OkStatus();
}

size_t ElementEnd(std::string_view text, size_t start) {
  const size_t n = text.size();
  int depth = 0;
  size_t i = start;
  while (i < n) {
    if (text[i] != '<') {
      i = text.find('<', i);
      if (i == std::string_view::npos) return i;
      continue;
    }
    if (const size_t after = SkipSpecial(text, i); after != i) {
      if (after == std::string_view::npos) return after;
      i = after;
      continue;
    }
    if (StartsWithAt(text, i, "</")) {
      const size_t e = text.find('>', i);
      if (e == std::string_view::npos) return e;
      i = e + 1;
      if (--depth == 0) return i;
      continue;
    }
    size_t j = i + 1;
    char quote = 0;
    for (; j < n; ++j) {
      const char ch = text[j];
      if (quote != 0) {
        if (ch == quote) quote = 0;
      } else if (ch == '"' || ch == '\'') {
        quote = ch;
      } else if (ch == '>') {
        break;
      }
    }
    if (j >= n) return std::string_view::npos;
    i = j + 1;
    if (text[j - 1] != '/') {
      ++depth;
    } else if (depth == 0) {
      return i;
    }
  }
  return std::string_view::npos;
}

absl::Status AppendAttributeEscaped(std::string_view s, std::string& out) {
  const size_t n = s.size();
  size_t run = 0;  // start of the pending run of bytes copied verbatim
  for (size_t i = 0; i < n;) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::string_view replacement;
    size_t len = 1;
    if (c >= 0x80) {
      char32_t cp;
      len = DecodeUtf8(s, i, cp);
      if (len == 0) {
        return absl::InvalidArgumentError(Cat("string is not valid UTF-8 (byte ", i, ")"));
      }
      if (!IsXmlChar(cp)) {
        return absl::InvalidArgumentError(
            Cat("string holds a character XML cannot carry (byte ", i, ")"));
      }
      i += len;
      continue;
    }
    switch (c) {
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
      case '\t':
        replacement = "&#x9;";
        break;
      case '\n':
        replacement = "&#xA;";
        break;
      case '\r':
        replacement = "&#xD;";
        break;
      default:
        if (c < 0x20) {
          return absl::InvalidArgumentError(
              Cat("string holds a control character XML cannot carry (U+00", kHexDigits[c >> 4],
                  kHexDigits[c & 0xF], ")"));
        }
        ++i;
        continue;
    }
    out.append(s.data() + run, i - run);
    out.append(replacement);
    ++i;
    run = i;
  }
  out.append(s.data() + run, n - run);
  return absl::OkStatus();
}

bool HasDuplicateAttributes(pugi::xml_node e) {
  size_t count = 0;
  for (pugi::xml_attribute a = e.first_attribute(); a; a = a.next_attribute()) ++count;
  if (count < 2) return false;
  if (count <= 16) {
    for (pugi::xml_attribute a = e.first_attribute(); a; a = a.next_attribute()) {
      for (pugi::xml_attribute b = a.next_attribute(); b; b = b.next_attribute()) {
        if (std::strcmp(a.name(), b.name()) == 0) return true;
      }
    }
    return false;
  }
  absl::flat_hash_set<std::string_view> names;  // many attributes: stay linear
  for (pugi::xml_attribute a = e.first_attribute(); a; a = a.next_attribute()) {
    if (!names.insert(a.name()).second) return true;
  }
  return false;
}

pugi::xml_node FindDuplicateAttributes(pugi::xml_node root) {
  pugi::xml_node n = root;
  while (n) {
    if (n.type() == pugi::node_element && HasDuplicateAttributes(n)) return n;
    if (n.first_child()) {
      n = n.first_child();
      continue;
    }
    while (n != root && !n.next_sibling()) n = n.parent();
    if (n == root) break;
    n = n.next_sibling();
  }
  return pugi::xml_node();
}

bool IsJsonNumber(std::string_view s) {
  size_t i = 0;
  const size_t n = s.size();
  if (i < n && s[i] == '-') ++i;
  if (i >= n) return false;
  if (s[i] == '0') {
    ++i;
  } else if (IsDigit(s[i])) {
    while (i < n && IsDigit(s[i])) ++i;
  } else {
    return false;
  }
  if (i < n && s[i] == '.') {
    ++i;
    if (i >= n || !IsDigit(s[i])) return false;
    while (i < n && IsDigit(s[i])) ++i;
  }
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < n && (s[i] == '+' || s[i] == '-')) ++i;
    if (i >= n || !IsDigit(s[i])) return false;
    while (i < n && IsDigit(s[i])) ++i;
  }
  return i == n;
}

}  // namespace tc::fhir::xml_internal
