#include "rest/capability.h"

#include "audit/audit_log.h"
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
    if (info.audit_log && type == "AuditEvent") {
      r.Set("documentation",
            Value::String("The audit trail: read and search only, never written through the API "
                          "(privacy officers and system clients with audit access)."));
      Value interactions = Value::MakeArray();
      for (const char* code : {"read", "search-type"}) interactions.Append(Code("code", code));
      r.Set("interaction", std::move(interactions));
      Value params = Value::MakeArray();
      for (std::string_view code : audit::kAuditSearchParams) {
        if (code == "_id") {
          params.Append(
              SearchParam("_id", "token", "http://hl7.org/fhir/SearchParameter/Resource-id"));
          continue;
        }
        for (const fhir::SearchParamDef* p : indexer.ParamsFor(type)) {
          if (p->code == code) params.Append(SearchParam(p->code, p->type, p->url));
        }
      }
      r.Set("searchParam", std::move(params));
      resources.Append(std::move(r));
      continue;
    }
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
  if (!info.token_url.empty()) {
    // SMART App Launch: the security service and the token endpoint (oauth-uris extension).
    Value security = Value::Object();
    Value oauth = Value::Object();
    oauth.Set("url", Value::String(
                         "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris"));
    Value token = Value::Object();
    token.Set("url", Value::String("token"));
    token.Set("valueUri", Value::String(info.token_url));
    oauth.Set("extension", Value::MakeArray({std::move(token)}));
    security.Set("extension", Value::MakeArray({std::move(oauth)}));
    Value coding = Value::Object();
    coding.Set("system",
               Value::String("http://terminology.hl7.org/CodeSystem/restful-security-service"));
    coding.Set("code", Value::String("SMART-on-FHIR"));
    Value service = Value::Object();
    service.Set("coding", Value::MakeArray({std::move(coding)}));
    security.Set("service", Value::MakeArray({std::move(service)}));
    security.Set("description",
                 Value::String("Bearer tokens: SMART Backend Services (client credentials with a "
                               "signed JWT assertion) for systems; staff sign in to the web UI."));
    rest.Set("security", std::move(security));
  }
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
