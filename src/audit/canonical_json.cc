#include "audit/canonical_json.h"

#include <algorithm>
#include <vector>

#include "fhir/json.h"

namespace tc::audit {
namespace {

void Append(const fhir::Value& v, std::string& out) {
  switch (v.kind()) {
    case fhir::Value::Kind::kNull:
      out.append("null");
      return;
    case fhir::Value::Kind::kBool:
      out.append(v.bool_value() ? "true" : "false");
      return;
    case fhir::Value::Kind::kNumber:
      out.append(v.number_text());
      return;
    case fhir::Value::Kind::kString:
      fhir::AppendJsonString(v.string_value(), out);
      return;
    case fhir::Value::Kind::kArray: {
      out.push_back('[');
      bool first = true;
      for (const fhir::Value& item : v.array()) {
        if (!first) out.push_back(',');
        first = false;
        Append(item, out);
      }
      out.push_back(']');
      return;
    }
    case fhir::Value::Kind::kObject: {
      std::vector<const fhir::Value::Member*> members;
      members.reserve(v.members().size());
      for (const fhir::Value::Member& m : v.members()) members.push_back(&m);
      std::sort(members.begin(), members.end(),
                [](const fhir::Value::Member* a, const fhir::Value::Member* b) {
                  return a->key < b->key;
                });
      out.push_back('{');
      bool first = true;
      for (const fhir::Value::Member* m : members) {
        if (!first) out.push_back(',');
        first = false;
        fhir::AppendJsonString(m->key, out);
        out.push_back(':');
        Append(m->value, out);
      }
      out.push_back('}');
      return;
    }
  }
}

}  // namespace

std::string CanonicalJson(const fhir::Value& value) {
  std::string out;
  Append(value, out);
  return out;
}

}  // namespace tc::audit
