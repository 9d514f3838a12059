// File: rest/format.h
//
// Content negotiation and output shaping for the FHIR REST API: which format a request body is
// in (Content-Type), which format the client wants back (_format, then Accept), and the output
// modifiers _pretty, _summary and _elements.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "fhir/definitions.h"
#include "fhir/value.h"
#include "http/message.h"

namespace tc::rest {

enum class Format { kJson, kXml };

struct OutputOptions {
  Format format = Format::kJson;
  bool pretty = false;
  std::string summary;                // "", "true", "text", "data", "count", "false"
  std::vector<std::string> elements;  // _elements, empty = all
  // True when the stored bytes can be sent unchanged (JSON, no pretty/summary/elements).
  bool Verbatim() const {
    return format == Format::kJson && !pretty && (summary.empty() || summary == "false") &&
           elements.empty();
  }
};

// Reads _format / Accept, _pretty, _summary and _elements. Returns 406-style BadRequest for an
// unknown _format or _summary value.
absl::StatusOr<OutputOptions> NegotiateOutput(const http::Request& request);

// The format of the request body from Content-Type. JSON Patch bodies report kJson.
// Returns UnsupportedMediaType (415) for anything that is not FHIR JSON/XML (or JSON Patch when
// `allow_json_patch`). A missing Content-Type is taken as JSON.
absl::StatusOr<Format> BodyFormat(const http::Request& request, bool allow_json_patch);

// Parses a request body in `format` into the resource tree (400 on malformed input).
absl::StatusOr<fhir::Value> ParseBody(const fhir::Definitions& defs, const std::string& body,
                                      Format format);

// Applies _summary / _elements to one resource (adds the SUBSETTED tag when anything is removed).
void ShapeResource(const fhir::Definitions& defs, const OutputOptions& options,
                   fhir::Value& resource);

// Applies ShapeResource to every entry.resource of a Bundle.
void ShapeBundleEntries(const fhir::Definitions& defs, const OutputOptions& options,
                        fhir::Value& bundle);

// Serialises `resource` per `options` and sets Content-Type on `response`.
void WriteBody(const fhir::Definitions& defs, const OutputOptions& options,
               const fhir::Value& resource, http::Response& response);

// The Content-Type header value for a format.
const char* ContentTypeOf(Format format);

}  // namespace tc::rest
