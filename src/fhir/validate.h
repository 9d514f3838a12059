// File: fhir/validate.h
//
// Base validation of a resource tree against the FHIR R4 definitions (fhir/definitions.h): the
// checks every resource must pass whatever profile it claims. It reports every problem it finds
// (not just the first), each as an `Issue` with a FHIRPath `expression` locating it, for example
// `Patient.name[0].given[1]` or `Observation.value.ofType(Quantity)`.
//
//   const Definitions& defs = ...;
//   Issues issues = ValidateResource(defs, resource);
//   if (HasErrors(issues)) { ... respond 400/422 with an OperationOutcome of `issues` ... }
//
// What is checked:
//   * `resourceType` present, known and concrete (issue codes "required" / "invalid");
//   * every JSON property is a known element of its context (including inherited elements and
//     choice types such as `valueQuantity`), at most one type of a choice is present
//     ("structure");
//   * JSON shape: objects for complex types, arrays exactly where max is not 1, the JSON type of
//     each primitive (string / boolean / number); no empty objects, arrays or strings; null only
//     inside primitive arrays where the parallel `_name` array carries the element, and vice
//     versa; `_name` only for primitives, holding just `id` and `extension` ("structure");
//   * cardinality: missing required elements ("required"), too many repeats ("structure");
//   * primitive values: boolean, integer (32-bit), positiveInt, unsignedInt, decimal, date,
//     dateTime, instant, time (real calendar dates), id, code, uri, url, canonical, oid, uuid,
//     base64Binary, markdown, string (at most 1 MiB, no control characters other than tab, CR,
//     LF), xhtml ("value");
//   * codes of elements with a required binding are in the value set when the registry can
//     enumerate it ("code-invalid");
//   * `Reference.reference` is `Type/id`, `Type/id/_history/vid`, a conditional `Type?query`, an
//     absolute URL, `#local` or `urn:uuid:` / `urn:oid:` ("value"), and the type of a relative
//     reference is one the element allows ("invalid");
//   * resources inside resources (`contained`, `Bundle.entry.resource`,
//     `Parameters.parameter.resource`) are validated as resources; contained resources hold no
//     further contained resources (dom-2) and no meta.versionId / meta.lastUpdated (dom-4);
//   * extensions have a `url` and either one value[x] or nested extensions, not both (ext-1);
//     elements other than primitives have content beyond `id` (ele-1);
//   * narrative XHTML (`text.div`) is one well-formed `<div>` in the XHTML namespace with some
//     content, without unsafe elements (script, iframe, object, embed, form controls, style,
//     head/body, base, link, meta...), event-handler attributes (`on*`) or `javascript:` /
//     `vbscript:` / `data:text/html` URLs ("invalid").
// Not checked (left to profile validation): invariants other than those above, extensible
// bindings, profiles named in meta.profile, slicing.
//
// Thread-safety: ValidateResource only reads `defs` and `resource`; it may run concurrently.
#pragma once

#include <string>
#include <string_view>

#include "fhir/definitions.h"
#include "fhir/issue.h"
#include "fhir/value.h"

namespace tc::fhir {

// Validates `resource` (the root of a resource tree: an object with `resourceType`) against
// `defs`. Returns every problem found, in document order; an empty result means the resource is
// valid. Issues have severity error unless stated otherwise. Never fails and never throws.
Issues ValidateResource(const Definitions& defs, const Value& resource);

// The primitive value checks on their own, for callers that hold a lexical value outside a
// resource tree (search parameters, operation parameters). Returns "" when `text` is a valid
// `type` ("date", "id", "positiveInt"...), else a diagnostic. Numbers and booleans are given as
// their JSON text. Types unknown to the checker are accepted.
std::string CheckPrimitiveText(const Definitions& defs, std::string_view type,
                               std::string_view text);

}  // namespace tc::fhir
