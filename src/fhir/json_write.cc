// Value → JSON text: a streaming writer appending to one buffer.
#include "fhir/json.h"

namespace tc::fhir {
namespace {

constexpr char kHex[] = "0123456789abcdef";

void Indent(int depth, std::string& out) {
  out.push_back('\n');
  out.append(static_cast<size_t>(depth) * 2, ' ');
}

void Write(const Value& v, bool pretty, int depth, std::string& out) {
  switch (v.kind()) {
    case Value::Kind::kNull:
      out.append("null");
      return;
    case Value::Kind::kBool:
      out.append(v.bool_value() ? "true" : "false");
      return;
    case Value::Kind::kNumber:
      out.append(v.number_text());
      return;
    case Value::Kind::kString:
      AppendJsonString(v.string_value(), out);
      return;
    case Value::Kind::kArray: {
      out.push_back('[');
      bool first = true;
      for (const Value& item : v.array()) {
        if (!first) out.push_back(',');
        first = false;
        if (pretty) Indent(depth + 1, out);
        Write(item, pretty, depth + 1, out);
      }
      if (pretty && !v.array().empty()) Indent(depth, out);
      out.push_back(']');
      return;
    }
    case Value::Kind::kObject: {
      out.push_back('{');
      bool first = true;
      for (const Value::Member& m : v.members()) {
        if (!first) out.push_back(',');
        first = false;
        if (pretty) Indent(depth + 1, out);
        AppendJsonString(m.key, out);
        out.append(pretty ? ": " : ":");
        Write(m.value, pretty, depth + 1, out);
      }
      if (pretty && !v.members().empty()) Indent(depth, out);
      out.push_back('}');
      return;
    }
  }
}

}  // namespace

void AppendJsonString(std::string_view s, std::string& out) {
  out.push_back('"');
  size_t run_start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + run_start, i - run_start);
    run_start = i + 1;
    switch (c) {
      case '"':
        out.append("\\\"");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\t':
        out.append("\\t");
        break;
      case '\b':
        out.append("\\b");
        break;
      case '\f':
        out.append("\\f");
        break;
      default:
        out.append("\\u00");
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 0xF]);
    }
  }
  out.append(s.data() + run_start, s.size() - run_start);
  out.push_back('"');
}

void AppendJson(const Value& value, const JsonWriteOptions& options, std::string& out) {
  Write(value, options.pretty, 0, out);
}

std::string WriteJson(const Value& value, const JsonWriteOptions& options) {
  std::string out;
  out.reserve(256);
  AppendJson(value, options, out);
  return out;
}

}  // namespace tc::fhir
