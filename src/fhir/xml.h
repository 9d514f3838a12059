// File: fhir/xml.h
//
// FHIR XML in and out of the resource tree (DESIGN.md decision 4: XML converts at the edge into
// the same `Value` tree the JSON parser produces). The mapping follows the FHIR R4 rules
// (https://hl7.org/fhir/R4/xml.html and json.html):
//   * the root element names the resource type and is in the namespace "http://hl7.org/fhir";
//   * primitives carry a `value` attribute and become JSON strings, booleans or numbers according
//     to the primitive's JSON type (numbers keep their exact lexical text); a primitive's `id`
//     attribute and `extension` children go to the `_name` sibling (repeating primitives get
//     parallel `name` / `_name` arrays padded with nulls; an array with no non-null entry is
//     omitted);
//   * elements that may repeat (max != 1) become arrays, in document order;
//   * `Element.id` and `Extension.url` are attributes; `Resource.id` is an element;
//   * resource containers (`contained`, `Bundle.entry.resource`, `Parameters.parameter.resource`,
//     any element whose type is a resource) hold one child element naming the resource type;
//   * `Narrative.div` is XHTML, carried in JSON as a string holding the div's exact source text.
//
//   const Definitions& defs = ...;
//   absl::StatusOr<Value> patient = ParseXml(defs, body);   // InvalidArgument on any problem
//   absl::StatusOr<std::string> xml = WriteXml(defs, *patient, /*pretty=*/true);
//
// Both functions are thread-safe (they only read `defs`) and never throw.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "fhir/definitions.h"
#include "fhir/value.h"

namespace tc::fhir {

// The FHIR and XHTML namespaces.
inline constexpr std::string_view kFhirNamespace = "http://hl7.org/fhir";
inline constexpr std::string_view kXhtmlNamespace = "http://www.w3.org/1999/xhtml";

struct XmlParseOptions {
  // Largest document accepted, in bytes. Default: 64 MiB.
  size_t max_bytes = size_t{64} << 20;
  // Deepest element nesting accepted; XHTML inside a narrative counts too. Default: 100.
  int max_depth = 100;
};

// Parses one FHIR resource in XML into the tree `ParseJson` would give for the same resource in
// JSON. Element order is not enforced (the tree has no order to keep); everything else in the
// mapping above is.
//
// Returns InvalidArgument, with a line/column or a FHIRPath-style location, when:
//   * the text is not well-formed XML, is not UTF-8, or is larger than `max_bytes`;
//   * it contains a document type declaration, entity declaration or reference to an undefined
//     entity (no DTD processing is ever done: XXE-safe);
//   * it nests deeper than `max_depth`;
//   * the root is not a known resource type in the FHIR namespace;
//   * an element or attribute is not defined for its context, a non-repeating element repeats,
//     a primitive has neither value nor id/extension, or a value is not valid for its JSON type
//     (booleans must be `true`/`false`; numbers must be JSON numbers);
//   * text appears where FHIR allows none.
// Comments, processing instructions and attributes in foreign namespaces (e.g.
// xsi:schemaLocation) are ignored.
//
// The narrative div is kept as the exact source text of the `<div>` element when it declares
// the XHTML namespace itself (the normal case); otherwise it is re-serialised with the namespace
// declared on it.
absl::StatusOr<Value> ParseXml(const Definitions& defs, std::string_view xml,
                               const XmlParseOptions& options = {});

// Serialises a resource (a JSON-shaped tree with `resourceType`) as FHIR XML. Elements are
// written in definition order, whatever the member order of the tree. `pretty` indents by two
// spaces, one element per line; otherwise no whitespace is added. The root declares the FHIR
// namespace; no XML declaration is written. The narrative div string is written verbatim (it is
// checked to be a well-formed XHTML `div`; a missing xmlns on it is added).
//
// Returns InvalidArgument naming the location when the tree is not a valid FHIR JSON shape for
// the definitions: unknown members, arrays where a single value is due (or the reverse), values
// of the wrong JSON type for a primitive, misaligned `_name` arrays, or strings holding
// characters XML 1.0 cannot carry (control characters other than tab, CR and LF).
absl::StatusOr<std::string> WriteXml(const Definitions& defs, const Value& resource,
                                     bool pretty = false);

}  // namespace tc::fhir
