#include "fhirpath/lexer.h"

#include <cstdint>
#include <string>

#include "absl/status/status.h"

namespace tc::fhirpath {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsIdStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsIdChar(char c) { return IsIdStart(c) || IsDigit(c); }

absl::Status Error(int pos, std::string_view what) {
  return absl::InvalidArgumentError("FHIRPath syntax error at offset " + std::to_string(pos) +
                                    ": " + std::string(what));
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Reads a quoted run starting at s[*i] == quote; decodes escapes into *out.
absl::Status ReadQuoted(std::string_view s, size_t* i, char quote, std::string* out) {
  int start = static_cast<int>(*i);
  ++*i;
  while (*i < s.size()) {
    char c = s[*i];
    if (c == quote) {
      ++*i;
      return absl::OkStatus();
    }
    if (c == '\\') {
      if (*i + 1 >= s.size()) break;
      char e = s[*i + 1];
      *i += 2;
      switch (e) {
        case 'n':
          out->push_back('\n');
          break;
        case 'r':
          out->push_back('\r');
          break;
        case 't':
          out->push_back('\t');
          break;
        case 'f':
          out->push_back('\f');
          break;
        case 'u': {
          if (*i + 4 > s.size()) return Error(static_cast<int>(*i), "bad \\u escape");
          uint32_t cp = 0;
          for (int k = 0; k < 4; ++k) {
            int h = HexValue(s[*i + static_cast<size_t>(k)]);
            if (h < 0) return Error(static_cast<int>(*i), "bad \\u escape");
            cp = cp * 16 + static_cast<uint32_t>(h);
          }
          *i += 4;
          AppendUtf8(cp, out);
          break;
        }
        default:
          out->push_back(e);
          break;  // \' \" \` \\ \/ and any other char as itself
      }
      continue;
    }
    out->push_back(c);
    ++*i;
  }
  return Error(start, "unterminated literal");
}

// Scans the body of an @-literal starting after '@'. Sets *kind.
absl::Status ScanTemporal(std::string_view s, size_t* i, TokenKind* kind) {
  auto digits = [&](int n) {
    for (int k = 0; k < n; ++k) {
      if (*i >= s.size() || !IsDigit(s[*i])) return false;
      ++*i;
    }
    return true;
  };
  auto clock = [&]() {
    if (!digits(2)) return false;
    if (*i < s.size() && s[*i] == ':') {
      ++*i;
      if (!digits(2)) return false;
      if (*i < s.size() && s[*i] == ':') {
        ++*i;
        if (!digits(2)) return false;
        if (*i + 1 < s.size() && s[*i] == '.' && IsDigit(s[*i + 1])) {
          ++*i;
          while (*i < s.size() && IsDigit(s[*i])) ++*i;
        }
      }
    }
    return true;
  };
  int start = static_cast<int>(*i);
  if (*i < s.size() && s[*i] == 'T') {
    ++*i;
    if (!clock()) return Error(start, "malformed time literal");
    if (*i < s.size() && (s[*i] == 'Z' || ((s[*i] == '+' || s[*i] == '-') && *i + 1 < s.size() &&
                                           IsDigit(s[*i + 1])))) {
      return Error(start, "a time literal cannot have a time zone");
    }
    *kind = TokenKind::kTime;
    return absl::OkStatus();
  }
  if (!digits(4)) return Error(start, "malformed date literal");
  *kind = TokenKind::kDate;
  if (*i + 1 < s.size() && s[*i] == '-' && IsDigit(s[*i + 1])) {
    ++*i;
    if (!digits(2)) return Error(start, "malformed date literal");
    if (*i + 1 < s.size() && s[*i] == '-' && IsDigit(s[*i + 1])) {
      ++*i;
      if (!digits(2)) return Error(start, "malformed date literal");
    }
  }
  if (*i < s.size() && s[*i] == 'T') {
    ++*i;
    *kind = TokenKind::kDateTime;
    if (*i < s.size() && IsDigit(s[*i])) {
      if (!clock()) return Error(start, "malformed dateTime literal");
      if (*i < s.size() && s[*i] == 'Z') {
        ++*i;
      } else if (*i + 2 < s.size() && (s[*i] == '+' || s[*i] == '-') && IsDigit(s[*i + 1]) &&
                 IsDigit(s[*i + 2])) {
        ++*i;
        if (!digits(2) || *i >= s.size() || s[*i] != ':') {
          return Error(start, "malformed time zone");
        }
        ++*i;
        if (!digits(2)) return Error(start, "malformed time zone");
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<Token>> Tokenize(std::string_view s) {
  std::vector<Token> out;
  size_t i = 0;
  while (true) {
    // Whitespace and comments.
    while (i < s.size()) {
      char c = s[i];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
        ++i;
      } else if (c == '/' && i + 1 < s.size() && s[i + 1] == '/') {
        while (i < s.size() && s[i] != '\n') ++i;
      } else if (c == '/' && i + 1 < s.size() && s[i + 1] == '*') {
        size_t end = s.find("*/", i + 2);
        if (end == std::string_view::npos)
          return Error(static_cast<int>(i), "unterminated comment");
        i = end + 2;
      } else {
        break;
      }
    }
    Token t;
    t.pos = static_cast<int>(i);
    if (i >= s.size()) {
      t.kind = TokenKind::kEnd;
      out.push_back(std::move(t));
      return out;
    }
    char c = s[i];
    if (IsIdStart(c)) {
      size_t start = i;
      while (i < s.size() && IsIdChar(s[i])) ++i;
      t.kind = TokenKind::kIdentifier;
      t.text = std::string(s.substr(start, i - start));
    } else if (c == '`') {
      t.kind = TokenKind::kIdentifier;
      t.delimited = true;
      absl::Status st = ReadQuoted(s, &i, '`', &t.text);
      if (!st.ok()) return st;
    } else if (c == '\'') {
      t.kind = TokenKind::kString;
      absl::Status st = ReadQuoted(s, &i, '\'', &t.text);
      if (!st.ok()) return st;
    } else if (IsDigit(c)) {
      size_t start = i;
      while (i < s.size() && IsDigit(s[i])) ++i;
      if (i + 1 < s.size() && s[i] == '.' && IsDigit(s[i + 1])) {
        ++i;
        while (i < s.size() && IsDigit(s[i])) ++i;
        t.kind = TokenKind::kNumber;
      } else if (i < s.size() && s[i] == 'L' && (i + 1 >= s.size() || !IsIdChar(s[i + 1]))) {
        t.kind = TokenKind::kLongNumber;
        t.text = std::string(s.substr(start, i - start));
        ++i;
        out.push_back(std::move(t));
        continue;
      } else {
        t.kind = TokenKind::kNumber;
      }
      t.text = std::string(s.substr(start, i - start));
    } else if (c == '@') {
      ++i;
      size_t start = i;
      TokenKind kind = TokenKind::kDate;
      absl::Status st = ScanTemporal(s, &i, &kind);
      if (!st.ok()) return st;
      t.kind = kind;
      t.text = std::string(s.substr(start, i - start));
      if (kind == TokenKind::kTime) t.text.erase(0, 1);
      if (i < s.size() && IsIdChar(s[i])) return Error(t.pos, "malformed date/time literal");
    } else if (c == '$') {
      ++i;
      size_t start = i;
      while (i < s.size() && IsIdChar(s[i])) ++i;
      t.kind = TokenKind::kVariable;
      t.text = std::string(s.substr(start, i - start));
      if (t.text != "this" && t.text != "index" && t.text != "total") {
        return Error(t.pos, "unknown variable $" + t.text);
      }
    } else if (c == '%') {
      ++i;
      t.kind = TokenKind::kConstant;
      if (i < s.size() && (s[i] == '`' || s[i] == '\'')) {
        absl::Status st = ReadQuoted(s, &i, s[i], &t.text);
        if (!st.ok()) return st;
      } else {
        size_t start = i;
        while (i < s.size() && (IsIdChar(s[i]) || s[i] == '-')) ++i;
        t.text = std::string(s.substr(start, i - start));
        if (t.text.empty()) return Error(t.pos, "empty constant name");
      }
    } else {
      t.kind = TokenKind::kSymbol;
      std::string_view two = s.substr(i, 2);
      if (two == "<=" || two == ">=" || two == "!=" || two == "!~") {
        t.text = std::string(two);
        i += 2;
      } else if (std::string_view(".[](){},+-*/&|<>=~").find(c) != std::string_view::npos) {
        t.text = std::string(1, c);
        ++i;
      } else {
        return Error(t.pos, "unexpected character '" + std::string(1, c) + "'");
      }
    }
    out.push_back(std::move(t));
  }
}

}  // namespace tc::fhirpath
