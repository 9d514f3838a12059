#include "rest/capability.h"

#include "base/time_format.h"
#include "engine/index_extract.h"

namespace tc::rest {
namespace {

using fhir::Value;

Value Code(const char* name, const char* code) {
  Value o = Value::Object();
  o.Set(name, Value::String(code));
  return o;
}

Value SearchParam(const std::string& name, const std::string& type, const std::string& url) {
  Value p = Value::Object();
  p.Set("name", Value::String(name));
  if (!url.empty()) p.Set("definition", Value::String(url));
  p.Set("type", Value::String(type));
  return p;
}

}  // namespace

Value BuildCapabilityStatement(const fhir::Definitions& defs, const engine::Indexer& indexer,
                               const CapabilityInfo& info) {
  Value cs = Value::Object();
  cs.Set("resourceType", Value::String("CapabilityStatement"));
  cs.Set("status", Value::String("active"));
  cs.Set("date", Value::String(base::FormatInstant(info.started)));
  cs.Set("publisher", Value::String("Throughcare"));
  cs.Set("kind", Value::String("instance"));
  Value software = Value::Object();
  software.Set("name", Value::String("Throughcare"));
  software.Set("version", Value::String(info.software_version));
  cs.Set("software", std::move(software));
  Value impl = Value::Object();
  impl.Set("description", Value::String("Throughcare FHIR R4 server"));
  impl.Set("url", Value::String(info.base_url));
  cs.Set("implementation", std::move(impl));
  cs.Set("fhirVersion", Value::String("4.0.1"));
  Value formats = Value::MakeArray();
  for (const char* f : {"application/fhir+json", "application/fhir+xml", "json", "xml"}) {
    formats.Append(Value::String(f));
  }
  cs.Set("format", std::move(formats));
  Value patch_formats = Value::MakeArray();
  for (const char* f :
       {"application/json-patch+json", "application/fhir+json", "application/fhir+xml"}) {
    patch_formats.Append(Value::String(f));
  }
  cs.Set("patchFormat", std::move(patch_formats));

  Value rest = Value::Object();
  rest.Set("mode", Value::String("server"));
  Value resources = Value::MakeArray();
  for (const std::string& type : defs.ResourceTypeNames()) {
    Value r = Value::Object();
    r.Set("type", Value::String(type));
    Value interactions = Value::MakeArray();
    for (const char* code : {"read", "vread", "update", "patch", "delete", "history-instance",
                             "history-type", "create", "search-type"}) {
      interactions.Append(Code("code", code));
    }
    r.Set("interaction", std::move(interactions));
    r.Set("versioning", Value::String("versioned-update"));
    r.Set("readHistory", Value::Bool(true));
    r.Set("updateCreate", Value::Bool(true));
    r.Set("conditionalCreate", Value::Bool(true));
    r.Set("conditionalRead", Value::String("modified-since"));
    r.Set("conditionalUpdate", Value::Bool(true));
    r.Set("conditionalDelete", Value::String("single"));
    Value params = Value::MakeArray();
    params.Append(SearchParam("_id", "token", "http://hl7.org/fhir/SearchParameter/Resource-id"));
    params.Append(SearchParam("_lastUpdated", "date",
                              "http://hl7.org/fhir/SearchParameter/Resource-lastUpdated"));
    for (const fhir::SearchParamDef* p : indexer.ParamsFor(type)) {
      if (p->code == "_id" || p->code == "_lastUpdated") continue;
      if (indexer.IsIndexed(type, p->code)) params.Append(SearchParam(p->code, p->type, p->url));
    }
    r.Set("searchParam", std::move(params));
    resources.Append(std::move(r));
  }
  rest.Set("resource", std::move(resources));
  Value system = Value::MakeArray();
  for (const char* code : {"transaction", "batch", "history-system"}) {
    system.Append(Code("code", code));
  }
  rest.Set("interaction", std::move(system));
  Value rest_list = Value::MakeArray();
  rest_list.Append(std::move(rest));
  cs.Set("rest", std::move(rest_list));
  return cs;
}

}  // namespace tc::rest
