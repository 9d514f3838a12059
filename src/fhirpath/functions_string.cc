// String functions (FHIRPath §5.6 and the 2.0 additions trim/split/join/encode/decode/escape).
// Positions and lengths count Unicode code points.
#include <cctype>
#include <regex>
#include <string>
#include <vector>

#include "fhirpath/evaluator.h"
#include "fhirpath/regex.h"

namespace tc::fhirpath {
namespace {

constexpr size_t kMaxRegexInput = 16 * 1024;

// Byte offsets of each code point start in a UTF-8 string, plus the end offset.
std::vector<size_t> CodePointOffsets(std::string_view s) {
  std::vector<size_t> offs;
  offs.reserve(s.size() + 1);
  for (size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) offs.push_back(i);
  }
  offs.push_back(s.size());
  return offs;
}

bool IsAscii(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

size_t CodePoints(std::string_view s) {
  if (IsAscii(s)) return s.size();
  return CodePointOffsets(s).size() - 1;
}

std::string Base64Encode(std::string_view in, bool url) {
  const char* table = url ? "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
                          : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  while (i + 2 < in.size()) {
    uint32_t v = (static_cast<uint8_t>(in[i]) << 16) | (static_cast<uint8_t>(in[i + 1]) << 8) |
                 static_cast<uint8_t>(in[i + 2]);
    out.push_back(table[(v >> 18) & 63]);
    out.push_back(table[(v >> 12) & 63]);
    out.push_back(table[(v >> 6) & 63]);
    out.push_back(table[v & 63]);
    i += 3;
  }
  if (i < in.size()) {
    uint32_t v = static_cast<uint8_t>(in[i]) << 16;
    if (i + 1 < in.size()) v |= static_cast<uint8_t>(in[i + 1]) << 8;
    out.push_back(table[(v >> 18) & 63]);
    out.push_back(table[(v >> 12) & 63]);
    out.push_back(i + 1 < in.size() ? table[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

std::optional<std::string> Base64Decode(std::string_view in) {
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int v;
    if (c >= 'A' && c <= 'Z')
      v = c - 'A';
    else if (c >= 'a' && c <= 'z')
      v = c - 'a' + 26;
    else if (c >= '0' && c <= '9')
      v = c - '0' + 52;
    else if (c == '+' || c == '-')
      v = 62;
    else if (c == '/' || c == '_')
      v = 63;
    else if (c == '=')
      break;
    else
      return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return out;
}

std::string HtmlEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

std::string HtmlUnescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '&') {
      size_t semi = s.find(';', i);
      if (semi != std::string_view::npos) {
        std::string_view ent = s.substr(i + 1, semi - i - 1);
        const char* rep = ent == "amp"                    ? "&"
                          : ent == "lt"                   ? "<"
                          : ent == "gt"                   ? ">"
                          : ent == "quot"                 ? "\""
                          : ent == "apos" || ent == "#39" ? "'"
                                                          : nullptr;
        if (rep != nullptr) {
          out += rep;
          i = semi;
          continue;
        }
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

std::string JsonEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

std::string JsonUnescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      char e = s[++i];
      switch (e) {
        case 'n':
          out.push_back('\n');
          break;
        case 'r':
          out.push_back('\r');
          break;
        case 't':
          out.push_back('\t');
          break;
        default:
          out.push_back(e);
      }
      continue;
    }
    out.push_back(s[i]);
  }
  return out;
}

}  // namespace

absl::Status CallStringFunction(Evaluator& ev, const Node& n, const Collection& in,
                                Collection* out) {
  if (n.fn == Fn::kJoin) {
    std::string sep;
    if (!n.args.empty()) {
      absl::StatusOr<std::optional<std::string>> s = ev.StringArg(n, 0);
      if (!s.ok()) return s.status();
      sep = s->value_or("");
    }
    std::string r;
    for (size_t i = 0; i < in.size(); ++i) {
      std::optional<std::string> t = ToText(in[i]);
      if (!t) return ev.Error(n, "join() needs strings");
      if (i > 0) r += sep;
      r += *t;
    }
    out->push_back(Item::String(std::move(r)));
    return absl::OkStatus();
  }
  absl::StatusOr<const Item*> one = ev.Single(in, n.name + "()");
  if (!one.ok()) return ev.Error(n, std::string(one.status().message()));
  if (*one == nullptr) return absl::OkStatus();
  Item scratch;
  const Item* p = Primitive(**one, &scratch);
  if (p == nullptr || p->system_type() != SystemType::kString) {
    return ev.Error(n, n.name + "() needs a String input");
  }
  std::string_view s = p->string_value();

  // Functions with one String argument: empty argument → empty result.
  auto arg = [&](size_t i) { return ev.StringArg(n, i); };

  switch (n.fn) {
    case Fn::kIndexOf: {
      absl::StatusOr<std::optional<std::string>> a = arg(0);
      if (!a.ok()) return a.status();
      if (!a->has_value()) return absl::OkStatus();
      size_t pos = s.find(**a);
      if (pos == std::string_view::npos) {
        out->push_back(Item::Integer(-1));
      } else {
        out->push_back(Item::Integer(static_cast<int64_t>(CodePoints(s.substr(0, pos)))));
      }
      return absl::OkStatus();
    }
    case Fn::kSubstring: {
      absl::StatusOr<std::optional<int64_t>> start = ev.IntegerArg(n, 0);
      if (!start.ok()) return start.status();
      if (!start->has_value()) return absl::OkStatus();
      std::vector<size_t> offs = CodePointOffsets(s);
      int64_t len = static_cast<int64_t>(offs.size()) - 1;
      int64_t st = **start;
      if (st < 0 || st >= len) return absl::OkStatus();
      int64_t count = len - st;
      if (n.args.size() > 1) {
        absl::StatusOr<std::optional<int64_t>> l = ev.IntegerArg(n, 1);
        if (!l.ok()) return l.status();
        if (l->has_value()) count = std::min(count, std::max<int64_t>(0, **l));
      }
      size_t b = offs[static_cast<size_t>(st)], e = offs[static_cast<size_t>(st + count)];
      out->push_back(Item::String(std::string(s.substr(b, e - b))));
      return absl::OkStatus();
    }
    case Fn::kStartsWith:
    case Fn::kEndsWith:
    case Fn::kContains: {
      absl::StatusOr<std::optional<std::string>> a = arg(0);
      if (!a.ok()) return a.status();
      if (!a->has_value()) return absl::OkStatus();
      const std::string& x = **a;
      bool r = n.fn == Fn::kStartsWith ? s.substr(0, x.size()) == x
               : n.fn == Fn::kEndsWith ? s.size() >= x.size() && s.substr(s.size() - x.size()) == x
                                       : s.find(x) != std::string_view::npos;
      out->push_back(Item::Boolean(r));
      return absl::OkStatus();
    }
    case Fn::kUpper:
    case Fn::kLower: {
      std::string r(s);
      for (char& c : r) {
        c = static_cast<char>(n.fn == Fn::kUpper ? std::toupper(static_cast<unsigned char>(c))
                                                 : std::tolower(static_cast<unsigned char>(c)));
      }
      out->push_back(Item::String(std::move(r)));
      return absl::OkStatus();
    }
    case Fn::kReplace: {
      absl::StatusOr<std::optional<std::string>> a = arg(0);
      if (!a.ok()) return a.status();
      absl::StatusOr<std::optional<std::string>> b = arg(1);
      if (!b.ok()) return b.status();
      if (!a->has_value() || !b->has_value()) return absl::OkStatus();
      const std::string& from = **a;
      const std::string& to = **b;
      std::string r;
      if (from.empty()) {
        std::vector<size_t> offs = CodePointOffsets(s);
        r += to;
        for (size_t i = 0; i + 1 < offs.size(); ++i) {
          r.append(s.substr(offs[i], offs[i + 1] - offs[i]));
          r += to;
        }
      } else {
        size_t pos = 0;
        for (;;) {
          size_t hit = s.find(from, pos);
          if (hit == std::string_view::npos) break;
          r.append(s.substr(pos, hit - pos));
          r += to;
          pos = hit + from.size();
        }
        r.append(s.substr(pos));
      }
      out->push_back(Item::String(std::move(r)));
      return absl::OkStatus();
    }
    case Fn::kMatches:
    case Fn::kMatchesFull:
    case Fn::kReplaceMatches: {
      absl::StatusOr<std::optional<std::string>> a = arg(0);
      if (!a.ok()) return a.status();
      if (!a->has_value()) return absl::OkStatus();
      std::optional<std::string> subst;
      if (n.fn == Fn::kReplaceMatches) {
        absl::StatusOr<std::optional<std::string>> b = arg(1);
        if (!b.ok()) return b.status();
        if (!b->has_value()) return absl::OkStatus();
        subst = **b;
      }
      // std::regex backtracks recursively: bound the input so no pattern can exhaust the stack.
      if (s.size() > kMaxRegexInput) {
        return ev.Error(n, n.name + "() input longer than " + std::to_string(kMaxRegexInput));
      }
      std::unique_ptr<std::regex> local;
      const std::regex* re = n.regex.get();
      if (re == nullptr) {
        absl::StatusOr<std::unique_ptr<std::regex>> compiled =
            CompileRegex(**a, n.fn == Fn::kMatchesFull);
        if (!compiled.ok()) return ev.Error(n, std::string(compiled.status().message()));
        local = *std::move(compiled);
        re = local.get();
      }
      if (n.fn == Fn::kReplaceMatches) {
        if (a->value().empty()) {
          out->push_back(Item::String(std::string(s)));
          return absl::OkStatus();
        }
        absl::StatusOr<std::string> r = RegexReplace(*re, s, *subst);
        if (!r.ok()) return ev.Error(n, std::string(r.status().message()));
        out->push_back(Item::String(*std::move(r)));
        return absl::OkStatus();
      }
      absl::StatusOr<bool> m = RegexSearch(*re, s);
      if (!m.ok()) return ev.Error(n, std::string(m.status().message()));
      out->push_back(Item::Boolean(*m));
      return absl::OkStatus();
    }
    case Fn::kLength:
      out->push_back(Item::Integer(static_cast<int64_t>(CodePoints(s))));
      return absl::OkStatus();
    case Fn::kToChars: {
      std::vector<size_t> offs = CodePointOffsets(s);
      for (size_t i = 0; i + 1 < offs.size(); ++i) {
        out->push_back(Item::String(std::string(s.substr(offs[i], offs[i + 1] - offs[i]))));
      }
      return absl::OkStatus();
    }
    case Fn::kTrim: {
      size_t b = 0, e = s.size();
      while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
      while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
      out->push_back(Item::String(std::string(s.substr(b, e - b))));
      return absl::OkStatus();
    }
    case Fn::kSplit: {
      absl::StatusOr<std::optional<std::string>> a = arg(0);
      if (!a.ok()) return a.status();
      if (!a->has_value()) return absl::OkStatus();
      const std::string& sep = **a;
      if (sep.empty()) {
        std::vector<size_t> offs = CodePointOffsets(s);
        for (size_t i = 0; i + 1 < offs.size(); ++i) {
          out->push_back(Item::String(std::string(s.substr(offs[i], offs[i + 1] - offs[i]))));
        }
        return absl::OkStatus();
      }
      size_t pos = 0;
      for (;;) {
        size_t hit = s.find(sep, pos);
        if (hit == std::string_view::npos) {
          out->push_back(Item::String(std::string(s.substr(pos))));
          break;
        }
        out->push_back(Item::String(std::string(s.substr(pos, hit - pos))));
        pos = hit + sep.size();
      }
      return absl::OkStatus();
    }
    case Fn::kEncode:
    case Fn::kDecode:
    case Fn::kEscape:
    case Fn::kUnescape: {
      absl::StatusOr<std::optional<std::string>> a = arg(0);
      if (!a.ok()) return a.status();
      if (!a->has_value()) return absl::OkStatus();
      const std::string& fmt = **a;
      std::optional<std::string> r;
      if (n.fn == Fn::kEncode) {
        if (fmt == "base64" || fmt == "urlbase64") r = Base64Encode(s, fmt == "urlbase64");
        if (fmt == "hex") {
          static constexpr char kHex[] = "0123456789abcdef";
          std::string h;
          for (char c : s) {
            h.push_back(kHex[(static_cast<uint8_t>(c) >> 4) & 15]);
            h.push_back(kHex[static_cast<uint8_t>(c) & 15]);
          }
          r = h;
        }
      } else if (n.fn == Fn::kDecode) {
        if (fmt == "base64" || fmt == "urlbase64") r = Base64Decode(s);
        if (fmt == "hex" && s.size() % 2 == 0) {
          std::string b;
          bool ok = true;
          for (size_t i = 0; i < s.size(); i += 2) {
            auto hv = [](char c) {
              if (c >= '0' && c <= '9') return c - '0';
              if (c >= 'a' && c <= 'f') return c - 'a' + 10;
              if (c >= 'A' && c <= 'F') return c - 'A' + 10;
              return -1;
            };
            int hi = hv(s[i]), lo = hv(s[i + 1]);
            if (hi < 0 || lo < 0) ok = false;
            b.push_back(static_cast<char>(hi * 16 + lo));
          }
          if (ok) r = b;
        }
      } else if (n.fn == Fn::kEscape) {
        if (fmt == "html") r = HtmlEscape(s);
        if (fmt == "json") r = JsonEscape(s);
      } else {
        if (fmt == "html") r = HtmlUnescape(s);
        if (fmt == "json") r = JsonUnescape(s);
      }
      if (r) out->push_back(Item::String(*std::move(r)));
      return absl::OkStatus();
    }
    default:
      return ev.Error(n, "function not in this group");
  }
}

}  // namespace tc::fhirpath
