#include "rest/format.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "engine/errors.h"
#include "fhir/json.h"
#include "fhir/xml.h"

namespace tc::rest {
namespace {

using fhir::Value;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(absl::ascii_tolower(static_cast<unsigned char>(c)));
  return out;
}

std::optional<Format> FormatFromMime(std::string_view raw) {
  std::string mime = Lower(raw.substr(0, raw.find(';')));
  mime = std::string(absl::StripAsciiWhitespace(mime));
  if (mime == "json" || mime == "application/fhir+json" || mime == "application/json" ||
      mime == "application/json+fhir") {
    return Format::kJson;
  }
  if (mime == "xml" || mime == "application/fhir+xml" || mime == "application/xml" ||
      mime == "text/xml" || mime == "application/xml+fhir") {
    return Format::kXml;
  }
  return std::nullopt;
}

void AddSubsettedTag(Value& resource) {
  Value* meta = resource.FindMutable("meta");
  if (meta == nullptr || !meta->is_object()) meta = &resource.Set("meta", Value::Object());
  Value* tags = meta->FindMutable("tag");
  if (tags == nullptr || !tags->is_array()) tags = &meta->Set("tag", Value::MakeArray());
  Value tag = Value::Object();
  tag.Set("system", Value::String("http://terminology.hl7.org/CodeSystem/v3-ObservationValue"));
  tag.Set("code", Value::String("SUBSETTED"));
  tag.Set("display", Value::String("Resource encoded in summary mode"));
  tags->Append(std::move(tag));
}

bool IsMandatoryMember(const std::string& key) {
  return key == "resourceType" || key == "id" || key == "meta";
}

}  // namespace

const char* ContentTypeOf(Format format) {
  return format == Format::kXml ? "application/fhir+xml; charset=utf-8"
                                : "application/fhir+json; charset=utf-8";
}

absl::StatusOr<OutputOptions> NegotiateOutput(const http::Request& request) {
  OutputOptions out;
  bool format_given = false;
  for (const auto& [name, value] : request.query) {
    if (name == "_format") {
      std::optional<Format> f = FormatFromMime(value);
      if (!f) {
        return engine::UnsupportedMediaType("_format '" + value +
                                            "' is not supported (use json or xml)");
      }
      out.format = *f;
      format_given = true;
    } else if (name == "_pretty") {
      out.pretty = value == "true";
    } else if (name == "_summary") {
      if (value != "true" && value != "false" && value != "text" && value != "data" &&
          value != "count") {
        return engine::BadRequest("_summary must be true, false, text, data or count", "_summary");
      }
      out.summary = value;
    } else if (name == "_elements") {
      for (absl::string_view e : absl::StrSplit(value, ',', absl::SkipWhitespace())) {
        out.elements.emplace_back(absl::StripAsciiWhitespace(e));
      }
    }
  }
  if (!format_given) {
    std::string_view accept = request.Header("Accept");
    if (!accept.empty()) {
      for (absl::string_view part :
           absl::StrSplit(absl::string_view(accept.data(), accept.size()), ',')) {
        std::optional<Format> f = FormatFromMime(std::string_view(part.data(), part.size()));
        if (f) {
          out.format = *f;
          break;
        }
      }
    }
  }
  return out;
}

absl::StatusOr<Format> BodyFormat(const http::Request& request, bool allow_json_patch) {
  std::string_view ct = request.Header("Content-Type");
  if (ct.empty()) return Format::kJson;
  if (allow_json_patch && absl::StartsWith(Lower(ct), "application/json-patch+json")) {
    return Format::kJson;
  }
  std::optional<Format> f = FormatFromMime(ct);
  if (!f) {
    return engine::UnsupportedMediaType("Content-Type '" + std::string(ct) +
                                        "' is not supported: send application/fhir+json or "
                                        "application/fhir+xml");
  }
  return *f;
}

absl::StatusOr<Value> ParseBody(const fhir::Definitions& defs, const std::string& body,
                                Format format) {
  if (body.empty()) return engine::BadRequest("the request has no body");
  absl::StatusOr<Value> v =
      format == Format::kXml ? fhir::ParseXml(defs, body) : fhir::ParseJson(body);
  if (!v.ok()) return engine::BadRequest(std::string(v.status().message()));
  return v;
}

void ShapeResource(const fhir::Definitions& defs, const OutputOptions& options, Value& resource) {
  if (!resource.is_object()) return;
  std::string type(resource.GetString("resourceType"));
  bool removed = false;
  Value::Members& members = resource.mutable_members();
  auto keep_if = [&](auto pred) {
    Value::Members kept;
    for (Value::Member& m : members) {
      if (IsMandatoryMember(m.key) || pred(m.key)) {
        kept.push_back(std::move(m));
      } else {
        removed = true;
      }
    }
    members = std::move(kept);
  };
  auto base_name = [](const std::string& key) {
    return key.empty() || key[0] != '_' ? key : key.substr(1);
  };
  if (!options.elements.empty()) {
    keep_if([&](const std::string& key) {
      std::string name = base_name(key);
      for (const std::string& e : options.elements) {
        if (e == name || e == type + "." + name) return true;
      }
      // choice elements: _elements=value keeps valueQuantity
      for (const std::string& e : options.elements) {
        if (absl::StartsWith(name, e)) {
          auto child = defs.ResolveChild(type, name);
          if (child && child->element->name == e) return true;
        }
      }
      return false;
    });
  } else if (options.summary == "true") {
    keep_if([&](const std::string& key) {
      auto child = defs.ResolveChild(type, base_name(key));
      return child && child->element->is_summary;
    });
  } else if (options.summary == "text") {
    keep_if([&](const std::string& key) {
      if (key == "text") return true;
      auto child = defs.ResolveChild(type, base_name(key));
      return child && child->element->min > 0;
    });
  } else if (options.summary == "data") {
    keep_if([&](const std::string& key) { return key != "text"; });
  }
  if (removed) AddSubsettedTag(resource);
}

void ShapeBundleEntries(const fhir::Definitions& defs, const OutputOptions& options,
                        Value& bundle) {
  if (options.elements.empty() && (options.summary.empty() || options.summary == "false")) return;
  Value* entries = bundle.FindMutable("entry");
  if (entries == nullptr || !entries->is_array()) return;
  for (Value& entry : entries->mutable_array()) {
    Value* search = entry.FindMutable("search");
    bool is_outcome = search && search->GetString("mode") == "outcome";
    if (Value* r = entry.FindMutable("resource"); r && !is_outcome)
      ShapeResource(defs, options, *r);
  }
}

void WriteBody(const fhir::Definitions& defs, const OutputOptions& options, const Value& resource,
               http::Response& response) {
  if (options.format == Format::kXml) {
    absl::StatusOr<std::string> xml = fhir::WriteXml(defs, resource, options.pretty);
    if (xml.ok()) {
      response.body = std::move(*xml);
      response.SetHeader("Content-Type", ContentTypeOf(Format::kXml));
      return;
    }
    // A tree that cannot be written as XML is still sent, as JSON, rather than lost.
  }
  response.body = fhir::WriteJson(resource, {.pretty = options.pretty});
  response.SetHeader("Content-Type", ContentTypeOf(Format::kJson));
}

}  // namespace tc::rest
