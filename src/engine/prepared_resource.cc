#include "engine/prepared_resource.h"

#include "base/time_format.h"
#include "fhir/json.h"

namespace tc::engine {

using fhir::Value;

std::string PreparedResource::Render(int64_t version, absl::Time last_updated) const {
  std::string out;
  std::string v = std::to_string(version);
  std::string t = base::FormatInstant(last_updated);
  out.reserve(head.size() + tail.size() + v.size() + t.size() + 20);
  out.append(head);
  out.append(v);
  out.append("\",\"lastUpdated\":\"");
  out.append(t);
  out.push_back('"');
  out.append(tail);
  return out;
}

PreparedResource Prepare(const Indexer& indexer, const std::string& type, const std::string& id,
                         Value resource) {
  PreparedResource p;
  p.type = type;
  p.id = id;
  // Index rows and compartment do not depend on meta.versionId / meta.lastUpdated.
  resource.Set("id", Value::String(id));
  IndexedResource index = indexer.Extract(type, id, resource);
  p.index = std::move(index.rows);
  p.patient_compartment = std::move(index.patient_compartment);

  const fhir::JsonWriteOptions compact;
  p.head = "{\"resourceType\":";
  fhir::AppendJsonString(type, p.head);
  p.head += ",\"id\":";
  fhir::AppendJsonString(id, p.head);
  p.head += ",\"meta\":{\"versionId\":\"";
  if (const Value* meta = resource.Find("meta"); meta != nullptr && meta->is_object()) {
    for (const Value::Member& m : meta->members()) {
      if (m.key == "versionId" || m.key == "lastUpdated") continue;
      p.tail.push_back(',');
      fhir::AppendJsonString(m.key, p.tail);
      p.tail.push_back(':');
      fhir::AppendJson(m.value, compact, p.tail);
    }
  }
  p.tail.push_back('}');
  for (const Value::Member& m : resource.members()) {
    if (m.key == "resourceType" || m.key == "id" || m.key == "meta") continue;
    p.tail.push_back(',');
    fhir::AppendJsonString(m.key, p.tail);
    p.tail.push_back(':');
    fhir::AppendJson(m.value, compact, p.tail);
  }
  p.tail.push_back('}');
  return p;
}

}  // namespace tc::engine
