// Base validation of resource trees (see validate.h for what is checked).
//
// The walk follows the definitions: each JSON object is validated under a *context* (see
// definitions.h), each property resolved to an element, and each occurrence checked by kind
// (primitive, complex datatype, backbone element, resource). Paths are built in one string that
// grows and shrinks with the walk; an Issue copies it only when something is wrong.
#include "fhir/validate.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pugixml.hpp"

namespace tc::fhir {
namespace {

constexpr size_t kMaxStringBytes = size_t{1} << 20;  // FHIR: strings SHALL NOT exceed 1 MB
constexpr std::string_view kXhtmlNs = "http://www.w3.org/1999/xhtml";

// Concatenates string-like pieces (absl::StrCat takes absl::string_view, which in Debian's
// abseil is not std::string_view).
template <typename... Pieces>
std::string Cat(const Pieces&... pieces) {
  std::string out;
  out.reserve((std::string_view(pieces).size() + ...));
  (out.append(std::string_view(pieces)), ...);
  return out;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAsciiSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}
bool StartsWithNoCase(std::string_view s, std::string_view lower_prefix) {
  if (s.size() < lower_prefix.size()) return false;
  for (size_t i = 0; i < lower_prefix.size(); ++i) {
    if (Lower(s[i]) != lower_prefix[i]) return false;
  }
  return true;
}
std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = Lower(c);
  return out;
}

// Quotes a value for a diagnostic, shortened when long.
std::string Quote(std::string_view s) {
  constexpr size_t kMax = 80;
  if (s.size() <= kMax) return Cat("'", s, "'");
  return Cat("'", s.substr(0, kMax), "...'");
}

std::string JsonKindName(const Value& v) { return DescribeKind(v); }

// ---------------------------------------------------------------------------------------------
// Primitive lexical checks. Each returns "" when valid, else a diagnostic. They implement the
// spec's regular expressions (StructureDefinition-<type>.json, value element, regex extension)
// by hand, plus what the expressions cannot say (calendar dates, 32-bit integer range);
// validate_test.cc checks them against the registry's expressions.

enum class Prim {
  kUnknown,
  kBoolean,
  kInteger,
  kPositiveInt,
  kUnsignedInt,
  kDecimal,
  kString,
  kMarkdown,
  kCode,
  kId,
  kUri,
  kUrl,
  kCanonical,
  kOid,
  kUuid,
  kBase64Binary,
  kDate,
  kDateTime,
  kInstant,
  kTime,
  kXhtml,
};

Prim ClassifyPrimitive(std::string_view t) {
  struct Entry {
    std::string_view name;
    Prim prim;
  };
  static constexpr Entry kTable[] = {
      {"boolean", Prim::kBoolean},
      {"integer", Prim::kInteger},
      {"positiveInt", Prim::kPositiveInt},
      {"unsignedInt", Prim::kUnsignedInt},
      {"decimal", Prim::kDecimal},
      {"string", Prim::kString},
      {"markdown", Prim::kMarkdown},
      {"code", Prim::kCode},
      {"id", Prim::kId},
      {"uri", Prim::kUri},
      {"url", Prim::kUrl},
      {"canonical", Prim::kCanonical},
      {"oid", Prim::kOid},
      {"uuid", Prim::kUuid},
      {"base64Binary", Prim::kBase64Binary},
      {"date", Prim::kDate},
      {"dateTime", Prim::kDateTime},
      {"instant", Prim::kInstant},
      {"time", Prim::kTime},
      {"xhtml", Prim::kXhtml},
  };
  for (const Entry& e : kTable) {
    if (e.name == t) return e.prim;
  }
  return Prim::kUnknown;
}

// Reads exactly `n` digits at s[i...]; advances i.
bool ReadDigits(std::string_view s, size_t& i, size_t n, int& out) {
  if (i + n > s.size()) return false;
  int v = 0;
  for (size_t k = 0; k < n; ++k) {
    char c = s[i + k];
    if (!IsDigit(c)) return false;
    v = v * 10 + (c - '0');
  }
  i += n;
  out = v;
  return true;
}

bool IsLeapYear(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeapYear(y) ? 29 : kDays[m - 1];
}

// Parses YYYY[-MM[-DD]] at the start of `s`. Sets `parts` to 1, 2 or 3. Returns "" or a problem.
std::string ParseDatePart(std::string_view s, size_t& i, int& parts) {
  int y = 0, m = 0, d = 0;
  if (!ReadDigits(s, i, 4, y)) return "the year must be four digits";
  if (y == 0) return "year 0000 does not exist";
  parts = 1;
  if (i == s.size() || s[i] != '-') return "";
  ++i;
  if (!ReadDigits(s, i, 2, m) || m < 1 || m > 12) return "the month must be 01-12";
  parts = 2;
  if (i == s.size() || s[i] != '-') return "";
  ++i;
  if (!ReadDigits(s, i, 2, d) || d < 1 || d > DaysInMonth(y, m)) {
    return "the day does not exist in that month";
  }
  parts = 3;
  return "";
}

// Parses hh:mm:ss[.fff] at s[i...].
std::string ParseTimePart(std::string_view s, size_t& i) {
  int h = 0, mi = 0, sec = 0;
  if (!ReadDigits(s, i, 2, h) || h > 23) return "the hour must be 00-23";
  if (i == s.size() || s[i] != ':') return "the time must be hh:mm:ss";
  ++i;
  if (!ReadDigits(s, i, 2, mi) || mi > 59) return "the minutes must be 00-59";
  if (i == s.size() || s[i] != ':') return "the time must be hh:mm:ss (seconds are required)";
  ++i;
  if (!ReadDigits(s, i, 2, sec) || sec > 60) return "the seconds must be 00-60";
  if (i < s.size() && s[i] == '.') {
    ++i;
    size_t start = i;
    while (i < s.size() && IsDigit(s[i])) ++i;
    if (i == start) return "a '.' must be followed by fractional seconds";
  }
  return "";
}

// Parses Z or +hh:mm / -hh:mm (up to 14:00) at s[i...].
std::string ParseZone(std::string_view s, size_t& i) {
  if (i == s.size()) return "a time zone (Z or +hh:mm) is required when a time is given";
  if (s[i] == 'Z') {
    ++i;
    return "";
  }
  if (s[i] != '+' && s[i] != '-') return "the time zone must be Z or +hh:mm / -hh:mm";
  ++i;
  int h = 0, m = 0;
  if (!ReadDigits(s, i, 2, h) || i == s.size() || s[i] != ':') return "bad time zone offset";
  ++i;
  if (!ReadDigits(s, i, 2, m) || m > 59 || h > 14 || (h == 14 && m != 0)) {
    return "bad time zone offset";
  }
  return "";
}

std::string CheckDateLike(std::string_view s, Prim prim) {
  size_t i = 0;
  int parts = 0;
  std::string why;
  if (prim == Prim::kTime) {
    why = ParseTimePart(s, i);
  } else {
    why = ParseDatePart(s, i, parts);
    if (why.empty() && i < s.size() && prim != Prim::kDate) {
      if (parts != 3) {
        why = "a time needs a full date (YYYY-MM-DD) before it";
      } else if (s[i] != 'T') {
        why = "the date and time must be separated by 'T'";
      } else {
        ++i;
        why = ParseTimePart(s, i);
        if (why.empty()) why = ParseZone(s, i);
      }
    } else if (why.empty() && prim == Prim::kInstant && (parts != 3 || i == s.size())) {
      why = "an instant needs date, time and time zone (YYYY-MM-DDThh:mm:ss[.sss]Z)";
    }
  }
  if (why.empty() && i != s.size()) why = "unexpected characters after the value";
  if (why.empty()) return "";
  static constexpr std::string_view kFormats[] = {
      "YYYY, YYYY-MM or YYYY-MM-DD",
      "YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm:ss[.sss](Z|+hh:mm)",
      "YYYY-MM-DDThh:mm:ss[.sss](Z|+hh:mm)", "hh:mm:ss[.sss]"};
  std::string_view format = prim == Prim::kDate       ? kFormats[0]
                            : prim == Prim::kDateTime ? kFormats[1]
                            : prim == Prim::kInstant  ? kFormats[2]
                                                      : kFormats[3];
  return Cat(why, " (expected ", format, ")");
}

// Integer lexical forms: -?(0|[1-9][0-9]*), in 32-bit range, with the sign rules of the type.
std::string CheckIntegerText(std::string_view s, Prim prim) {
  size_t i = 0;
  bool negative = false;
  if (i < s.size() && s[i] == '-') {
    negative = true;
    ++i;
  }
  if (i == s.size()) return "not an integer";
  for (size_t k = i; k < s.size(); ++k) {
    if (!IsDigit(s[k])) return "not an integer (no fraction or exponent allowed)";
  }
  if (s[i] == '0' && s.size() - i > 1) return "leading zeros are not allowed";
  // Magnitude, saturating beyond 32 bits.
  int64_t v = 0;
  for (size_t k = i; k < s.size(); ++k) {
    v = v * 10 + (s[k] - '0');
    if (v > (int64_t{1} << 32)) break;
  }
  if (negative) v = -v;
  if (v > INT32_MAX || v < INT32_MIN) return "out of the 32-bit integer range";
  if (prim == Prim::kPositiveInt && (v < 1 || negative)) return "must be 1 or more";
  if (prim == Prim::kUnsignedInt && (v < 0 || negative)) return "must be 0 or more";
  return "";
}

std::string CheckDecimalText(std::string_view s) {
  size_t i = 0;
  if (i < s.size() && s[i] == '-') ++i;
  size_t start = i;
  while (i < s.size() && IsDigit(s[i])) ++i;
  if (i == start) return "not a decimal number";
  if (s[start] == '0' && i - start > 1) return "leading zeros are not allowed";
  if (i < s.size() && s[i] == '.') {
    ++i;
    size_t f = i;
    while (i < s.size() && IsDigit(s[i])) ++i;
    if (i == f) return "a '.' must be followed by digits";
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    size_t e = i;
    while (i < s.size() && IsDigit(s[i])) ++i;
    if (i == e) return "an exponent needs digits";
  }
  if (i != s.size()) return "not a decimal number";
  return "";
}

// Rules shared by every string-based primitive: non-empty, at most 1 MiB, no control
// characters other than tab, CR and LF (string's regex `[ \r\n\t\S]+`).
std::string CheckStringCommon(std::string_view s) {
  if (s.empty()) return "empty strings are not allowed (omit the element instead)";
  if (s.size() > kMaxStringBytes) return "longer than 1 MiB";
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 && c != '\t' && c != '\r' && c != '\n') {
      return "contains a control character (only tab, CR and LF are allowed)";
    }
  }
  return "";
}

std::string CheckStringText(std::string_view s, Prim prim) {
  if (std::string why = CheckStringCommon(s); !why.empty()) return why;
  switch (prim) {
    case Prim::kCode: {
      // [^\s]+(\s[^\s]+)*
      if (IsAsciiSpace(s.front()) || IsAsciiSpace(s.back())) {
        return "a code must not start or end with whitespace";
      }
      for (size_t i = 1; i < s.size(); ++i) {
        if (IsAsciiSpace(s[i]) && IsAsciiSpace(s[i - 1])) {
          return "a code must not contain consecutive whitespace";
        }
      }
      return "";
    }
    case Prim::kId: {
      // [A-Za-z0-9\-\.]{1,64}
      if (s.size() > 64) return "an id is at most 64 characters";
      for (char c : s) {
        if (!(IsDigit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-' ||
              c == '.')) {
          return "an id may only contain A-Z, a-z, 0-9, '-' and '.'";
        }
      }
      return "";
    }
    case Prim::kUri:
    case Prim::kUrl:
    case Prim::kCanonical: {
      // \S*
      for (char c : s) {
        if (IsAsciiSpace(c)) return "a URI must not contain whitespace";
      }
      return "";
    }
    case Prim::kOid: {
      // urn:oid:[0-2](\.(0|[1-9][0-9]*))+
      constexpr std::string_view kPrefix = "urn:oid:";
      if (!StartsWith(s, kPrefix)) return "an oid must start with 'urn:oid:'";
      std::string_view rest = s.substr(kPrefix.size());
      if (rest.empty() || rest[0] < '0' || rest[0] > '2') {
        return "an oid must start with arc 0, 1 or 2";
      }
      size_t i = 1;
      int arcs = 0;
      while (i < rest.size()) {
        if (rest[i] != '.') return "oid arcs must be separated by '.'";
        ++i;
        size_t start = i;
        while (i < rest.size() && IsDigit(rest[i])) ++i;
        if (i == start) return "empty oid arc";
        if (rest[start] == '0' && i - start > 1) return "oid arcs have no leading zeros";
        ++arcs;
      }
      if (arcs == 0) return "an oid needs at least two arcs";
      return "";
    }
    case Prim::kUuid: {
      // urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}
      constexpr std::string_view kPrefix = "urn:uuid:";
      if (!StartsWith(s, kPrefix)) return "a uuid must start with 'urn:uuid:'";
      std::string_view rest = s.substr(kPrefix.size());
      if (rest.size() != 36) return "a uuid is 8-4-4-4-12 lower-case hex digits";
      for (size_t i = 0; i < rest.size(); ++i) {
        char c = rest[i];
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? c != '-' : !(IsDigit(c) || (c >= 'a' && c <= 'f'))) {
          return "a uuid is 8-4-4-4-12 lower-case hex digits";
        }
      }
      return "";
    }
    case Prim::kBase64Binary: {
      // (\s*([0-9a-zA-Z\+/=]){4}\s*)+ : every run of base64 characters is a multiple of 4.
      size_t run = 0, total = 0;
      for (size_t i = 0; i <= s.size(); ++i) {
        char c = i < s.size() ? s[i] : ' ';
        if (IsAsciiSpace(c)) {
          if (run % 4 != 0) return "base64 must come in groups of 4 characters";
          run = 0;
          continue;
        }
        if (!(IsDigit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '+' ||
              c == '/' || c == '=')) {
          return "not a base64 character";
        }
        ++run;
        ++total;
      }
      if (total == 0) return "empty base64";
      return "";
    }
    case Prim::kDate:
    case Prim::kDateTime:
    case Prim::kInstant:
    case Prim::kTime:
      return CheckDateLike(s, prim);
    default:
      return "";  // string, markdown
  }
}

// The unsafe content of narrative XHTML.
bool IsUnsafeXhtmlElement(std::string_view local) {
  static constexpr std::string_view kUnsafe[] = {
      "script",   "iframe", "frame",  "frameset", "object",   "embed",    "applet", "form",
      "input",    "button", "select", "option",   "textarea", "base",     "link",   "meta",
      "style",    "head",   "body",   "html",     "title",    "noscript", "svg",    "math",
      "template", "portal", "audio",  "video",    "source",   "track",
  };
  std::string lower = ToLower(local);
  for (std::string_view u : kUnsafe) {
    if (lower == u) return true;
  }
  return false;
}

bool IsUrlAttribute(std::string_view local) {
  static constexpr std::string_view kUrlAttrs[] = {
      "href",   "src",  "action",   "formaction", "background", "lowsrc",   "dynsrc", "data",
      "poster", "cite", "longdesc", "usemap",     "srcset",     "codebase", "archive"};
  std::string lower = ToLower(local);
  for (std::string_view a : kUrlAttrs) {
    if (lower == a) return true;
  }
  return false;
}

// Whether a URL attribute value runs script: browsers ignore whitespace and control characters
// inside the scheme and compare it case-insensitively.
bool IsScriptUrl(std::string_view value) {
  std::string compact;
  for (char c : value) {
    if (static_cast<unsigned char>(c) > 0x20) compact.push_back(Lower(c));
  }
  return StartsWith(compact, "javascript:") || StartsWith(compact, "vbscript:") ||
         StartsWith(compact, "data:text/html") || StartsWith(compact, "data:image/svg");
}

// Whether inline CSS can run script (old IE expression(), behaviours, XBL bindings, script
// URLs). Plain url(...) is left alone: the spec's own narratives use data: images.
bool IsScriptStyle(std::string_view style) {
  std::string compact;
  for (char c : style) {
    if (static_cast<unsigned char>(c) > 0x20) compact.push_back(Lower(c));
  }
  for (std::string_view bad :
       {"expression(", "javascript:", "vbscript:", "behavior:", "-moz-binding", "@import"}) {
    if (compact.find(bad) != std::string::npos) return true;
  }
  return false;
}

std::string_view LocalName(std::string_view qname) {
  size_t colon = qname.find(':');
  return colon == std::string_view::npos ? qname : qname.substr(colon + 1);
}

std::string_view Prefix(std::string_view qname) {
  size_t colon = qname.find(':');
  return colon == std::string_view::npos ? std::string_view() : qname.substr(0, colon);
}

// Appends `problem` unless already present (a table may repeat one bad attribute 1000 times).
void AddProblem(std::vector<std::string>& problems, std::string problem) {
  if (std::find(problems.begin(), problems.end(), problem) == problems.end()) {
    problems.push_back(std::move(problem));
  }
}

// Checks narrative XHTML. Appends one diagnostic per distinct problem to `problems`.
void CheckXhtml(std::string_view s, std::vector<std::string>& problems) {
  // XML knows only five named entities; HTML ones (&nbsp;) make the document malformed, though
  // pugixml would keep them as text.
  for (size_t i = s.find('&'); i != std::string_view::npos; i = s.find('&', i + 1)) {
    size_t semi = s.find(';', i);
    std::string_view name =
        semi == std::string_view::npos ? std::string_view() : s.substr(i + 1, semi - i - 1);
    bool ok = name == "lt" || name == "gt" || name == "amp" || name == "quot" || name == "apos";
    if (!ok && name.size() >= 2 && name[0] == '#') {
      ok = true;
      bool hex = name[1] == 'x';
      std::string_view digits = name.substr(hex ? 2 : 1);
      if (digits.empty()) ok = false;
      for (char c : digits) {
        if (!(IsDigit(c) || (hex && ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))))) {
          ok = false;
        }
      }
    }
    if (!ok) {
      if (semi == std::string_view::npos || semi - i > 32) {
        AddProblem(problems, "the XHTML contains an unescaped '&' (write &amp;)");
      } else {
        AddProblem(problems, Cat("the XHTML uses the entity &", name,
                                 "; which XML does not define (use the character or a numeric "
                                 "reference)"));
      }
      break;  // one report is enough
    }
  }

  pugi::xml_document doc;
  pugi::xml_parse_result parsed =
      doc.load_buffer(s.data(), s.size(), pugi::parse_default, pugi::encoding_utf8);
  if (!parsed) {
    AddProblem(problems, Cat("the XHTML is not well-formed XML: ", parsed.description(),
                             " at offset ", std::to_string(parsed.offset)));
    return;
  }
  pugi::xml_node root;
  int elements = 0;
  for (pugi::xml_node n : doc.children()) {
    if (n.type() == pugi::node_element) {
      ++elements;
      root = n;
    } else if (n.type() == pugi::node_pcdata || n.type() == pugi::node_cdata) {
      std::string_view text = n.value();
      if (std::any_of(text.begin(), text.end(), [](char c) { return !IsAsciiSpace(c); })) {
        AddProblem(problems, "the XHTML has text outside its <div>");
      }
    }
  }
  if (elements != 1) {
    AddProblem(problems, "the XHTML must be exactly one <div> element");
    if (elements == 0) return;
  }
  std::string_view root_name = root.name();
  std::string ns_attr =
      Prefix(root_name).empty() ? std::string("xmlns") : Cat("xmlns:", Prefix(root_name));
  if (LocalName(root_name) != "div" || root.attribute(ns_attr.c_str()).value() != kXhtmlNs) {
    AddProblem(problems,
               "the narrative must be a <div> element in the XHTML namespace "
               "(<div xmlns=\"http://www.w3.org/1999/xhtml\">)");
  }

  // Iterative pre-order walk (the XHTML may nest deeply).
  bool has_content = false;
  pugi::xml_node n = root;
  while (n) {
    if (n.type() == pugi::node_element) {
      std::string_view local = LocalName(n.name());
      if (IsUnsafeXhtmlElement(local)) {
        AddProblem(problems, Cat("the XHTML contains a <", n.name(),
                                 "> element, which narrative must not contain"));
      }
      if (ToLower(local) == "img") has_content = true;
      for (pugi::xml_attribute a : n.attributes()) {
        std::string_view aname = LocalName(a.name());
        if (StartsWithNoCase(aname, "on")) {
          AddProblem(problems, Cat("the XHTML element <", n.name(), "> has an event handler ",
                                   "attribute '", a.name(), "'"));
        } else if (IsUrlAttribute(aname) && IsScriptUrl(a.value())) {
          AddProblem(problems, Cat("the XHTML attribute '", a.name(), "' of <", n.name(),
                                   "> holds a script URL"));
        } else if (ToLower(aname) == "style" && IsScriptStyle(a.value())) {
          AddProblem(problems, Cat("the XHTML element <", n.name(),
                                   "> has a style attribute that can run script"));
        }
      }
    } else if (n.type() == pugi::node_pcdata || n.type() == pugi::node_cdata) {
      std::string_view text = n.value();
      if (std::any_of(text.begin(), text.end(), [](char c) { return !IsAsciiSpace(c); })) {
        has_content = true;
      }
    }
    // Next node in document order within `root`.
    if (pugi::xml_node child = n.first_child()) {
      n = child;
      continue;
    }
    while (n && n != root && !n.next_sibling()) n = n.parent();
    if (!n || n == root) break;
    n = n.next_sibling();
  }
  if (!has_content) AddProblem(problems, "the narrative has no content (txt-2)");
}

// ---------------------------------------------------------------------------------------------
// The walk.

class Validator {
 public:
  explicit Validator(const Definitions& defs) : defs_(defs) {}

  Issues Take() { return std::move(issues_); }

  // Validates `v` as a resource. `path` is where it sits ("" for the root, whose path then
  // becomes its type name). `allowed` is the type the holding element allows ("" = any).
  void ValidateResourceAt(const Value& v, std::string& path, std::string_view allowed,
                          bool contained) {
    if (!v.is_object()) {
      Add("structure", Cat("Expected a resource (a JSON object), found ", JsonKindName(v)), path);
      return;
    }
    const Value* rt = v.Find("resourceType");
    if (rt == nullptr) {
      Add("required", "The resource has no 'resourceType'", path);
      return;
    }
    if (!rt->is_string()) {
      Add("structure", Cat("'resourceType' must be a string, found ", JsonKindName(*rt)), path);
      return;
    }
    const std::string& type = rt->string_value();
    const TypeDef* td = defs_.FindType(type);
    if (td == nullptr || td->kind != TypeKind::kResource) {
      Add("invalid", Cat("Unknown resource type ", Quote(type)), path);
      return;
    }
    if (td->is_abstract) {
      Add("invalid", Cat("'", type, "' is an abstract type; use a concrete resource type"), path);
      return;
    }
    if (!allowed.empty() && allowed != "Resource" && !IsA(type, allowed)) {
      Add("invalid", Cat("A ", type, " is not allowed here (expected ", allowed, ")"), path);
    }
    size_t mark = path.size();
    if (path.empty()) path = type;
    if (contained) {
      if (v.Find("contained") != nullptr) {
        Add("invalid", "A contained resource must not contain other resources (dom-2)",
            Cat(path, ".contained"));
      }
      if (const Value* meta = v.Find("meta");
          meta != nullptr && meta->is_object() &&
          (meta->Find("versionId") != nullptr || meta->Find("lastUpdated") != nullptr)) {
        Add("invalid",
            "A contained resource must not have meta.versionId or meta.lastUpdated (dom-4)",
            Cat(path, ".meta"));
      }
    }
    ValidateObject(v, type, type, path, Mode::kResource);
    path.resize(mark);
  }

 private:
  enum class Mode { kResource, kComplex, kPrimitiveExtension };

  struct Entry {
    std::string_view name;  // JSON name without '_'
    const Value* value = nullptr;
    const Value* ext = nullptr;
    std::optional<Definitions::Child> child;
    const TypeDef* type = nullptr;
  };

  void Add(std::string_view code, std::string diagnostics, std::string_view expression) {
    Issue issue;
    issue.severity = Issue::Severity::kError;
    issue.code = std::string(code);
    issue.diagnostics = std::move(diagnostics);
    issue.expression = std::string(expression);
    issues_.push_back(std::move(issue));
  }

  bool IsA(std::string_view type, std::string_view ancestor) const {
    for (const TypeDef* t = defs_.FindType(type); t != nullptr; t = defs_.FindType(t->base)) {
      if (t->name == ancestor) return true;
      if (t->base.empty()) break;
    }
    return false;
  }

  // Validates the members of object `obj` under `context`; `type` is the object's type
  // ("Patient", "HumanName", "BackboneElement", "date" for a `_date` object).
  void ValidateObject(const Value& obj, std::string_view context, std::string_view type,
                      std::string& path, Mode mode) {
    std::vector<Entry> entries;
    entries.reserve(obj.members().size());
    for (const Value::Member& m : obj.members()) {
      std::string_view key = m.key;
      if (mode == Mode::kResource && key == "resourceType") continue;
      bool underscore = !key.empty() && key[0] == '_';
      std::string_view name = underscore ? key.substr(1) : key;
      auto it = std::find_if(entries.begin(), entries.end(),
                             [&](const Entry& e) { return e.name == name; });
      if (it == entries.end()) {
        entries.push_back(Entry{name});
        it = entries.end() - 1;
      }
      (underscore ? it->ext : it->value) = &m.value;
    }

    // The first JSON name seen for each choice element: a second type is an error.
    std::vector<std::pair<const ElementDef*, std::string_view>> choices_seen;
    bool extension_has_value = false;
    for (Entry& e : entries) {
      e.child = e.name.empty() ? std::nullopt : defs_.ResolveChild(context, e.name);
      if (e.child && mode == Mode::kPrimitiveExtension && e.child->element->name == "value") {
        e.child.reset();  // `_x` holds only id and extension
      }
      if (!e.child) {
        if (e.value != nullptr) ReportUnknown(context, type, e.name, path, mode);
        if (e.ext != nullptr) ReportUnknown(context, type, Cat("_", e.name), path, mode);
        continue;
      }
      e.type = defs_.FindType(e.child->type);
      const ElementDef* el = e.child->element;
      if (e.ext != nullptr && mode != Mode::kResource &&
          (el->name == "id" || (type == "Extension" && el->name == "url"))) {
        // Element.id and Extension.url are XML attributes: they cannot carry extensions.
        size_t mark = path.size();
        path.append(".").append(el->name);
        Add("structure",
            Cat("'_", e.name,
                "' is not allowed: ", type == "Extension" ? "Extension.url" : "an element's id",
                " cannot have extensions"),
            path);
        path.resize(mark);
        e.ext = nullptr;
        if (e.value == nullptr) continue;
      }
      if (el->is_choice) {
        if (type == "Extension" && el->name == "value") extension_has_value = true;
        auto first = std::find_if(choices_seen.begin(), choices_seen.end(),
                                  [&](const auto& c) { return c.first == el; });
        if (first == choices_seen.end()) {
          choices_seen.emplace_back(el, e.name);
        } else {
          size_t mark = path.size();
          path.append(".").append(el->name);
          Add("structure",
              Cat("Only one type of ", el->name, "[x] may be present, found '", first->second,
                  "' and '", e.name, "'"),
              path);
          path.resize(mark);
        }
      }
      ValidateElement(e, path);
    }

    // Required elements.
    for (const ElementDef* el : defs_.ChildElements(context)) {
      if (el->min <= 0) continue;
      if (mode == Mode::kPrimitiveExtension && el->name == "value") continue;
      bool present = std::any_of(entries.begin(), entries.end(),
                                 [&](const Entry& e) { return e.child && e.child->element == el; });
      if (!present) {
        size_t mark = path.size();
        path.append(".").append(el->name);
        Add("required", Cat("Missing required element '", el->name, "'"), path);
        path.resize(mark);
      }
    }

    if (mode == Mode::kComplex) {
      if (type == "Extension") {
        bool has_extensions = obj.Find("extension") != nullptr;
        if (extension_has_value == has_extensions) {
          Add("invalid",
              has_extensions
                  ? "An extension must have either a value[x] or nested extensions, not both "
                    "(ext-1)"
                  : "An extension must have either a value[x] or nested extensions (ext-1)",
              path);
        }
      } else if (obj.members().size() == 1 && obj.members()[0].key == "id") {
        Add("invalid", "An element must have a value or children other than 'id' (ele-1)", path);
      }
    }
  }

  void ReportUnknown(std::string_view context, std::string_view type, std::string_view key,
                     std::string& path, Mode mode) {
    size_t mark = path.size();
    path.append(".").append(key);
    std::string where = mode == Mode::kPrimitiveExtension
                            ? Cat(" in a primitive's extension object (only 'id' and "
                                  "'extension' are allowed)")
                            : Cat(" in ", context == type ? type : context);
    std::string hint;
    for (const ElementDef* el : defs_.ChildElements(context)) {
      if (!el->is_choice || key.size() <= el->name.size() || !StartsWith(key, el->name)) continue;
      char next = key[el->name.size()];
      if (next < 'A' || next > 'Z') continue;
      hint = Cat(": '", key.substr(el->name.size()), "' is not a type allowed for ", el->name,
                 "[x] (allowed:");
      for (const std::string& t : el->types) {
        std::string suffix = t;
        suffix[0] = static_cast<char>(suffix[0] >= 'a' && suffix[0] <= 'z' ? suffix[0] - 'a' + 'A'
                                                                           : suffix[0]);
        hint.append(" ").append(el->name).append(suffix);
      }
      hint.append(")");
      break;
    }
    if (!key.empty() && key[0] == '_' && hint.empty()) {
      auto child = defs_.ResolveChild(context, key.substr(1));
      if (child) {
        hint = Cat(": '", key, "' is only allowed for primitive elements, and '", key.substr(1),
                   "' is a ", child->type);
      }
    }
    Add("structure", Cat("Unknown element '", key, "'", where, hint), path);
    path.resize(mark);
  }

  // One element (all its occurrences) of an object.
  void ValidateElement(const Entry& e, std::string& path) {
    const ElementDef* el = e.child->element;
    const std::string& type = e.child->type;
    size_t mark = path.size();
    path.append(".").append(el->name);
    if (el->is_choice) path.append(".ofType(").append(type).append(")");

    if (el->max == 0) {
      Add("structure", Cat("Element '", e.name, "' is not allowed here"), path);
      path.resize(mark);
      return;
    }
    bool repeats = el->max != 1;
    bool primitive = e.type != nullptr && e.type->kind == TypeKind::kPrimitive;
    if (e.ext != nullptr && !primitive) {
      Add("structure",
          Cat("'_", e.name, "' is only allowed for primitive elements, and '", e.name, "' is a ",
              type),
          path);
    }

    size_t count = 0;
    if (primitive) {
      count = ValidatePrimitiveOccurrences(e, repeats, path);
    } else if (e.value != nullptr) {
      count = ValidateComplexOccurrences(e, repeats, path);
    }
    if (el->max > 1 && count > static_cast<size_t>(el->max)) {
      Add("structure",
          Cat("Element '", e.name, "' has ", std::to_string(count), " items, at most ",
              std::to_string(el->max), " are allowed"),
          path);
    }
    if (el->min > 1 && count > 0 && count < static_cast<size_t>(el->min)) {
      Add("required",
          Cat("Element '", e.name, "' has ", std::to_string(count), " items, at least ",
              std::to_string(el->min), " are required"),
          path);
    }
    path.resize(mark);
  }

  // Returns the number of occurrences.
  size_t ValidatePrimitiveOccurrences(const Entry& e, bool repeats, std::string& path) {
    const Value* v = e.value;
    const Value* x = e.ext;
    if (!repeats) {
      if (v != nullptr) {
        if (v->is_array()) {
          Add("structure",
              Cat("Element '", e.name,
                  "' does not repeat: expected a single value, found an "
                  "array"),
              path);
        } else if (v->is_null()) {
          Add("structure", Cat("Element '", e.name, "' is null; omit it instead"), path);
        } else {
          CheckPrimitive(e, *v, path);
        }
      }
      if (x != nullptr) {
        if (x->is_array()) {
          Add("structure",
              Cat("'_", e.name, "' does not repeat: expected an object, found an array"), path);
        } else if (x->is_null()) {
          Add("structure", Cat("'_", e.name, "' is null; omit it instead"), path);
        } else {
          ValidatePrimitiveExtension(e, *x, path);
        }
      }
      return 1;
    }

    // Repeating: `name` and `_name` are parallel arrays; null pads either side.
    const Value::Array* va = nullptr;
    const Value::Array* xa = nullptr;
    if (v != nullptr) {
      if (v->is_array()) {
        va = &v->array();
        if (va->empty()) Add("structure", Cat("Array '", e.name, "' is empty; omit it"), path);
      } else {
        Add("structure",
            Cat("Element '", e.name, "' repeats: expected an array, found ", JsonKindName(*v)),
            path);
        if (!v->is_null()) CheckPrimitive(e, *v, path);
      }
    }
    if (x != nullptr) {
      if (x->is_array()) {
        xa = &x->array();
        if (xa->empty()) Add("structure", Cat("Array '_", e.name, "' is empty; omit it"), path);
      } else {
        Add("structure",
            Cat("'_", e.name, "' repeats: expected an array, found ", JsonKindName(*x)), path);
        if (x->is_object()) ValidatePrimitiveExtension(e, *x, path);
      }
    }
    if (va != nullptr && xa != nullptr && va->size() != xa->size()) {
      Add("structure",
          Cat("Arrays '", e.name, "' and '_", e.name, "' must have the same length (",
              std::to_string(va->size()), " vs ", std::to_string(xa->size()), ")"),
          path);
    }
    size_t n = std::max(va ? va->size() : 0, xa ? xa->size() : 0);
    size_t mark = path.size();
    for (size_t i = 0; i < n; ++i) {
      const Value* vi = va != nullptr && i < va->size() ? &(*va)[i] : nullptr;
      const Value* xi = xa != nullptr && i < xa->size() ? &(*xa)[i] : nullptr;
      bool v_null = vi == nullptr || vi->is_null();
      bool x_null = xi == nullptr || xi->is_null();
      path.append("[").append(std::to_string(i)).append("]");
      if (v_null && x_null) {
        Add("structure",
            xa == nullptr   ? Cat("null in '", e.name, "' is only allowed where '_", e.name,
                                  "' has an entry at the same index")
            : va == nullptr ? Cat("null in '_", e.name, "' is only allowed where '", e.name,
                                  "' has a value at the same index")
                            : Cat("Item ", std::to_string(i), " of '", e.name, "' and '_", e.name,
                                  "' is null in both"),
            path);
      }
      if (!v_null) {
        if (vi->is_array()) {
          Add("structure", Cat("Nested arrays are not allowed in '", e.name, "'"), path);
        } else {
          CheckPrimitive(e, *vi, path);
        }
      }
      if (!x_null) {
        if (!xi->is_object()) {
          Add("structure",
              Cat("Items of '_", e.name, "' must be objects or null, found ", JsonKindName(*xi)),
              path);
        } else {
          ValidatePrimitiveExtension(e, *xi, path);
        }
      }
      path.resize(mark);
    }
    return n;
  }

  void ValidatePrimitiveExtension(const Entry& e, const Value& x, std::string& path) {
    if (!x.is_object()) {
      Add("structure", Cat("'_", e.name, "' must be an object, found ", JsonKindName(x)), path);
      return;
    }
    if (x.members().empty()) {
      Add("structure", Cat("'_", e.name, "' is an empty object; omit it"), path);
      return;
    }
    ValidateObject(x, e.child->type, e.child->type, path, Mode::kPrimitiveExtension);
  }

  void CheckPrimitive(const Entry& e, const Value& v, std::string& path) {
    const TypeDef& td = *e.type;
    if (std::string why = CheckJsonType(td, v); !why.empty()) {
      Add("structure", std::move(why), path);
      return;
    }
    if (!v.is_bool()) {
      std::string_view text =
          v.is_number() ? std::string_view(v.number_text()) : std::string_view(v.string_value());
      if (std::string why = CheckLexical(td, text); !why.empty()) {
        Add("value", Cat("Invalid ", td.name, " ", Quote(text), ": ", why), path);
        return;
      }
    }
    if (td.name == "xhtml") {
      std::vector<std::string> problems;
      CheckXhtml(v.string_value(), problems);
      for (std::string& p : problems) Add("invalid", Cat("Narrative: ", p), path);
    }
    const ElementDef* el = e.child->element;
    if (!el->required_binding.empty() && v.is_string()) {
      const ValueSetDef* vs = defs_.FindValueSet(el->required_binding);
      if (vs != nullptr && vs->complete && !vs->ContainsCode(v.string_value())) {
        Add("code-invalid",
            Cat("The code ", Quote(v.string_value()), " is not in the required value set ",
                el->required_binding, AllowedCodes(*vs)),
            path);
      }
    }
  }

 public:
  // "" when `v` has the JSON type of `td` (string / boolean / number), else a diagnostic.
  static std::string CheckJsonType(const TypeDef& td, const Value& v) {
    std::string_view want = td.json_type;
    bool ok = want == "boolean" ? v.is_bool() : want == "number" ? v.is_number() : v.is_string();
    if (ok) return "";
    return Cat("Expected a JSON ", want, " for a '", td.name, "' value, found ", JsonKindName(v));
  }

  // "" when `text` is a valid lexical value of `td`, else what is wrong.
  std::string CheckLexical(const TypeDef& td, std::string_view text) {
    Prim prim = ClassifyPrimitive(td.name);
    switch (prim) {
      case Prim::kBoolean:
        return text == "true" || text == "false" ? "" : "must be true or false";
      case Prim::kInteger:
      case Prim::kPositiveInt:
      case Prim::kUnsignedInt:
        return CheckIntegerText(text, prim);
      case Prim::kDecimal:
        return CheckDecimalText(text);
      case Prim::kXhtml:
        return text.empty() ? "empty narrative" : "";
      case Prim::kUnknown:
        return CheckWithRegex(td, text);
      default:
        return CheckStringText(text, prim);
    }
  }

 private:
  // A primitive this file has no checker for: fall back to the spec's regex (compiled once per
  // validation run; no R4 primitive needs it).
  std::string CheckWithRegex(const TypeDef& td, std::string_view text) {
    if (td.regex.empty()) return "";
    auto it = std::find_if(regexes_.begin(), regexes_.end(),
                           [&](const auto& r) { return r.first == td.name; });
    if (it == regexes_.end()) {
      try {
        regexes_.emplace_back(td.name, std::regex(td.regex, std::regex::ECMAScript));
      } catch (const std::regex_error&) {
        return "";  // an expression std::regex cannot compile: nothing to check against
      }
      it = regexes_.end() - 1;
    }
    return std::regex_match(text.begin(), text.end(), it->second)
               ? ""
               : Cat("does not match the pattern ", td.regex);
  }

  static std::string AllowedCodes(const ValueSetDef& vs) {
    if (vs.codes.size() > 12) return "";
    std::string out = " (allowed:";
    for (const auto& [system, code] : vs.codes) out.append(" ").append(code);
    out.append(")");
    return out;
  }

  // Returns the number of occurrences.
  size_t ValidateComplexOccurrences(const Entry& e, bool repeats, std::string& path) {
    const Value& v = *e.value;
    if (!repeats) {
      if (v.is_array()) {
        Add("structure",
            Cat("Element '", e.name, "' does not repeat: expected an object, found an array"),
            path);
        return v.array().size();
      }
      if (v.is_null()) {
        Add("structure", Cat("Element '", e.name, "' is null; omit it instead"), path);
        return 1;
      }
      ValidateComplexItem(e, v, path);
      return 1;
    }
    if (!v.is_array()) {
      Add("structure",
          Cat("Element '", e.name, "' repeats: expected an array, found ", JsonKindName(v)), path);
      if (v.is_object()) ValidateComplexItem(e, v, path);
      return 1;
    }
    const Value::Array& items = v.array();
    if (items.empty()) Add("structure", Cat("Array '", e.name, "' is empty; omit it"), path);
    size_t mark = path.size();
    for (size_t i = 0; i < items.size(); ++i) {
      path.append("[").append(std::to_string(i)).append("]");
      if (items[i].is_null()) {
        Add("structure",
            Cat("null is not allowed in '", e.name, "' (only in arrays of primitives)"), path);
      } else {
        ValidateComplexItem(e, items[i], path);
      }
      path.resize(mark);
    }
    return items.size();
  }

  void ValidateComplexItem(const Entry& e, const Value& item, std::string& path) {
    const std::string& type = e.child->type;
    if (!item.is_object()) {
      Add("structure",
          Cat("Expected a JSON object for a '", type, "' value, found ", JsonKindName(item)), path);
      return;
    }
    if (e.type != nullptr && e.type->kind == TypeKind::kResource) {
      bool contained = e.child->element->name == "contained";
      ValidateResourceAt(item, path, type, contained);
      return;
    }
    if (item.members().empty()) {
      Add("structure", Cat("'", e.name, "' is an empty object; omit it"), path);
      return;
    }
    if (e.type == nullptr && e.child->element->content_reference.empty() &&
        type != "BackboneElement" && type != "Element") {
      return;  // a type the registry does not define: nothing to check against
    }
    ValidateObject(item, defs_.ChildContext(*e.child), type, path, Mode::kComplex);
    if (type == "Reference") CheckReference(item, e.child->element->target_types, path);
    const std::string& binding = e.child->element->required_binding;
    if (!binding.empty() && (type == "Coding" || type == "CodeableConcept")) {
      CheckCodedBinding(item, type, binding, path);
    }
  }

  void CheckCodedBinding(const Value& item, std::string_view type, const std::string& binding,
                         std::string& path) {
    const ValueSetDef* vs = defs_.FindValueSet(binding);
    if (vs == nullptr || !vs->complete) return;
    auto in_set = [&](const Value& coding) {
      std::string_view code = coding.GetString("code");
      std::string_view system = coding.GetString("system");
      if (code.empty()) return false;
      return system.empty() ? vs->ContainsCode(code) : vs->Contains(system, code);
    };
    if (type == "Coding") {
      if (item.Find("code") == nullptr) return;  // nothing coded (cardinality covers the rest)
      if (!in_set(item)) {
        Add("code-invalid",
            Cat("The coding ", Quote(Cat(item.GetString("system"), "#", item.GetString("code"))),
                " is not in the required value set ", binding, AllowedCodes(*vs)),
            path);
      }
      return;
    }
    const Value* codings = item.Find("coding");
    if (codings == nullptr || !codings->is_array()) {
      Add("code-invalid",
          Cat("A coding from the required value set ", binding, " is needed", AllowedCodes(*vs)),
          path);
      return;
    }
    bool any = std::any_of(codings->array().begin(), codings->array().end(),
                           [&](const Value& c) { return c.is_object() && in_set(c); });
    if (!any) {
      Add("code-invalid",
          Cat("None of the codings is in the required value set ", binding, AllowedCodes(*vs)),
          path);
    }
  }

  void CheckReference(const Value& item, const std::vector<std::string>& targets,
                      std::string& path) {
    const Value* ref = item.Find("reference");
    if (ref == nullptr || !ref->is_string() || ref->string_value().empty()) return;
    std::string_view s = ref->string_value();
    size_t mark = path.size();
    path.append(".reference");
    std::string why;
    std::string_view type;
    if (s[0] == '#') {
      // A contained resource (or "#" for the container itself).
      if (s.size() > 1) {
        if (std::string w = CheckStringText(s.substr(1), Prim::kId); !w.empty()) {
          why = Cat("the local id after '#' is not a valid id: ", w);
        }
      }
    } else if (StartsWith(s, "urn:uuid:")) {
      why = CheckStringText(s, Prim::kUuid);
    } else if (StartsWith(s, "urn:oid:")) {
      why = CheckStringText(s, Prim::kOid);
    } else if (HasScheme(s)) {
      for (char c : s) {
        if (IsAsciiSpace(c)) why = "an absolute reference must not contain whitespace";
      }
    } else {
      size_t q = s.find('?');
      std::string_view head = q == std::string_view::npos ? s : s.substr(0, q);
      std::vector<std::string_view> seg;
      for (size_t start = 0;;) {
        size_t slash = head.find('/', start);
        seg.push_back(head.substr(start, slash == std::string_view::npos ? slash : slash - start));
        if (slash == std::string_view::npos) break;
        start = slash + 1;
      }
      type = seg[0];
      bool shape = q != std::string_view::npos
                       ? seg.size() == 1 && q + 1 < s.size()  // conditional: Type?query
                       : (seg.size() == 2 || (seg.size() == 4 && seg[2] == "_history"));
      if (!shape) {
        why =
            "expected Type/id, Type/id/_history/version, Type?query (conditional), an "
            "absolute URL, #id, urn:uuid: or urn:oid:";
        type = {};
      } else if (!defs_.IsResourceType(type)) {
        why = Cat("'", type, "' is not a resource type");
        type = {};
      } else if (q == std::string_view::npos) {
        if (std::string w = CheckStringText(seg[1], Prim::kId); !w.empty()) {
          why = Cat("the id is not valid: ", w);
        } else if (seg.size() == 4) {
          if (std::string vw = CheckStringText(seg[3], Prim::kId); !vw.empty()) {
            why = Cat("the version id is not valid: ", vw);
          }
        }
      }
    }
    if (!why.empty()) {
      Add("value", Cat("Invalid reference ", Quote(s), ": ", why), path);
    } else if (!type.empty() && !targets.empty() &&
               std::find(targets.begin(), targets.end(), type) == targets.end()) {
      std::string allowed;
      for (const std::string& t : targets) allowed.append(allowed.empty() ? "" : ", ").append(t);
      Add("invalid",
          Cat("The reference ", Quote(s), " points to a ", type,
              ", which is not allowed here "
              "(allowed: ",
              allowed, ")"),
          path);
    }
    path.resize(mark);
  }

  static bool HasScheme(std::string_view s) {
    // scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":"
    if (s.empty() || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z'))) {
      return false;
    }
    for (size_t i = 1; i < s.size(); ++i) {
      char c = s[i];
      if (c == ':') return true;
      if (!(IsDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '+' ||
            c == '-' || c == '.')) {
        return false;
      }
    }
    return false;
  }

  const Definitions& defs_;
  Issues issues_;
  std::vector<std::pair<std::string, std::regex>> regexes_;
};

}  // namespace

Issues ValidateResource(const Definitions& defs, const Value& resource) {
  Validator validator(defs);
  std::string path;
  validator.ValidateResourceAt(resource, path, "", /*contained=*/false);
  return validator.Take();
}

std::string CheckPrimitiveText(const Definitions& defs, std::string_view type,
                               std::string_view text) {
  const TypeDef* td = defs.FindType(type);
  if (td == nullptr || td->kind != TypeKind::kPrimitive) return "";
  Validator validator(defs);
  std::string why = validator.CheckLexical(*td, text);
  if (why.empty()) return "";
  return Cat("Invalid ", type, " ", Quote(text), ": ", why);
}

}  // namespace tc::fhir
