#include "engine/index_extract.h"

#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace tc::engine {
namespace {

using fhir::Value;
using store::IndexRow;

// Splits a plain-path expression for `type` into its segments after the type name; returns false
// when any union branch is not a plain path.
bool PlainPaths(const std::string& expression, const std::string& type,
                std::vector<std::vector<std::string>>* out) {
  bool any = false;
  for (absl::string_view part : absl::StrSplit(expression, '|')) {
    part = absl::StripAsciiWhitespace(part);
    std::vector<std::string> segs = absl::StrSplit(part, '.');
    if (segs.size() < 2) return false;
    for (const std::string& s : segs) {
      if (s.empty()) return false;
      for (char c : s) {
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) {
          return false;
        }
      }
    }
    if (segs[0] != type) continue;  // a branch for another resource type
    if (out) out->emplace_back(segs.begin() + 1, segs.end());
    any = true;
  }
  return any;
}

void Collect(const Value& node, const std::vector<std::string>& path, size_t i,
             std::vector<const Value*>& out) {
  if (node.is_array()) {
    for (const Value& item : node.array()) Collect(item, path, i, out);
    return;
  }
  if (i == path.size()) {
    out.push_back(&node);
    return;
  }
  if (const Value* child = node.Find(path[i])) Collect(*child, path, i + 1, out);
}

void AddToken(const std::string& param, std::string_view system, std::string_view code,
              std::vector<IndexRow>& rows) {
  if (code.empty()) return;
  IndexRow row;
  row.kind = IndexRow::Kind::kToken;
  row.param = param;
  row.system = std::string(system);
  row.value = std::string(code);
  rows.push_back(std::move(row));
}

void AddString(const std::string& param, std::string_view s, std::vector<IndexRow>& rows) {
  if (s.empty()) return;
  IndexRow row;
  row.kind = IndexRow::Kind::kString;
  row.param = param;
  row.value = NormalizeForSearch(s);
  rows.push_back(std::move(row));
}

void TokenRows(const std::string& param, const Value& v, std::vector<IndexRow>& rows) {
  if (v.is_string()) return AddToken(param, "", v.string_value(), rows);
  if (v.is_bool()) return AddToken(param, "", v.bool_value() ? "true" : "false", rows);
  if (!v.is_object()) return;
  if (const Value* codings = v.Find("coding"); codings && codings->is_array()) {
    for (const Value& c : codings->array()) TokenRows(param, c, rows);
  }
  std::string_view system = v.GetString("system");
  if (!v.GetString("code").empty()) AddToken(param, system, v.GetString("code"), rows);
  if (!v.GetString("value").empty()) AddToken(param, system, v.GetString("value"), rows);
}

void StringRows(const std::string& param, const Value& v, std::vector<IndexRow>& rows) {
  if (v.is_string()) return AddString(param, v.string_value(), rows);
  if (!v.is_object()) return;
  for (const Value::Member& m : v.members()) {
    if (m.key == "extension" || m.key == "id" || m.key == "use" || m.key == "period") continue;
    if (m.value.is_string()) AddString(param, m.value.string_value(), rows);
    if (m.value.is_array()) {
      for (const Value& item : m.value.array()) {
        if (item.is_string()) AddString(param, item.string_value(), rows);
      }
    }
  }
}

void ReferenceRows(const std::string& param, const Value& v, std::vector<IndexRow>& rows) {
  std::string_view ref = v.is_object() ? v.GetString("reference") : std::string_view();
  if (v.is_string()) ref = v.string_value();  // canonical
  if (ref.empty() || ref[0] == '#') return;
  IndexRow row;
  row.kind = IndexRow::Kind::kReference;
  row.param = param;
  size_t slash = ref.find('/');
  bool relative = ref.find("://") == std::string_view::npos && slash != std::string_view::npos &&
                  ref.substr(0, 4) != "urn:";
  if (relative) {
    std::string_view rest = ref.substr(slash + 1);
    rest = rest.substr(0, rest.find('/'));  // drop /_history/n
    row.system = std::string(ref.substr(0, slash));
    row.value = std::string(rest);
  } else {
    row.value = std::string(ref);
  }
  rows.push_back(std::move(row));
}

}  // namespace

std::string NormalizeForSearch(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == 0xC3 && i + 1 < s.size()) {  // Latin-1 supplement letters in UTF-8
      unsigned char d = static_cast<unsigned char>(s[i + 1]) | 0x20;  // fold case (0x80..0x9F)
      const char* map = nullptr;
      if (d >= 0xA0 && d <= 0xA5)
        map = "a";
      else if (d == 0xA7)
        map = "c";
      else if (d >= 0xA8 && d <= 0xAB)
        map = "e";
      else if (d >= 0xAC && d <= 0xAF)
        map = "i";
      else if (d == 0xB1)
        map = "n";
      else if ((d >= 0xB2 && d <= 0xB6) || d == 0xB8)
        map = "o";
      else if (d >= 0xB9 && d <= 0xBC)
        map = "u";
      else if (d == 0xBD || d == 0xBF)
        map = "y";
      if (map) {
        out += map;
        ++i;
        continue;
      }
    }
    out.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c));
  }
  return out;
}

bool IsIndexable(const fhir::SearchParamDef& param, const std::string& resource_type) {
  if (param.type != "token" && param.type != "string" && param.type != "reference" &&
      param.type != "uri") {
    return false;
  }
  return PlainPaths(param.expression, resource_type, nullptr);
}

struct Indexer::Plan {
  struct Param {
    std::string code;
    std::string type;  // token, string, reference, uri
    std::vector<std::vector<std::string>> paths;
  };
  struct TypePlan {
    std::vector<Param> params;
    std::vector<std::string> compartment_params;  // Patient compartment membership
  };
  absl::flat_hash_map<std::string, TypePlan> types;
};

Indexer::Indexer(const fhir::Definitions& definitions) {
  auto plan = std::make_unique<Plan>();
  for (const std::string& type : definitions.ResourceTypeNames()) {
    Plan::TypePlan& tp = plan->types[type];
    for (const fhir::SearchParamDef* param : definitions.SearchParamsFor(type)) {
      if (param->type != "token" && param->type != "string" && param->type != "reference" &&
          param->type != "uri") {
        continue;
      }
      Plan::Param p;
      if (!PlainPaths(param->expression, type, &p.paths)) continue;
      p.code = param->code;
      p.type = param->type;
      tp.params.push_back(std::move(p));
    }
    if (const std::vector<std::string>* cp = definitions.CompartmentParams("Patient", type)) {
      tp.compartment_params = *cp;
    }
  }
  plan_ = std::move(plan);
}

Indexer::~Indexer() = default;

IndexedResource Indexer::Extract(const std::string& resource_type, const std::string& id,
                                 const Value& resource) const {
  IndexedResource out;
  auto it = plan_->types.find(resource_type);
  if (it == plan_->types.end()) return out;
  const Plan::TypePlan& tp = it->second;
  std::vector<const Value*> values;
  for (const Plan::Param& param : tp.params) {
    values.clear();
    for (const auto& path : param.paths) Collect(resource, path, 0, values);
    for (const Value* v : values) {
      if (param.type == "token") {
        TokenRows(param.code, *v, out.rows);
      } else if (param.type == "string") {
        StringRows(param.code, *v, out.rows);
      } else if (param.type == "reference") {
        ReferenceRows(param.code, *v, out.rows);
      } else if (v->is_string()) {
        // uris are indexed as system-less tokens: exact, case-sensitive match.
        AddToken(param.code, "", v->string_value(), out.rows);
      }
    }
  }
  if (resource_type == "Patient") {
    out.patient_compartment = id;
    return out;
  }
  for (const std::string& p : tp.compartment_params) {
    for (const IndexRow& row : out.rows) {
      if (row.kind == IndexRow::Kind::kReference && row.param == p && row.system == "Patient") {
        out.patient_compartment = row.value;
        return out;
      }
    }
  }
  return out;
}

}  // namespace tc::engine
