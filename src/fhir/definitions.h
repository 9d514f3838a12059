// File: fhir/definitions.h
//
// The compiled FHIR R4 definitions registry (DESIGN.md decision 2). At build time
// tools/definitions compiles what the engine needs from the official npm package
// `hl7.fhir.r4.examples@4.0.1` (StructureDefinitions, SearchParameters, CompartmentDefinitions,
// ValueSets/CodeSystems of required bindings) into one compact JSON document that is embedded in
// the binary. `Definitions` loads it once at start-up; afterwards it is immutable and thread-safe.
//
// Navigating a resource tree: a *context* is the path under which an element's children are
// defined. For a resource root it is the type name ("Patient"); for a BackboneElement it is the
// element's own path ("Patient.contact"); for an element of a complex datatype it is the datatype
// name ("HumanName"); for a contentReference it is the referenced path ("Questionnaire.item").
//
//   const Definitions& defs = ...;
//   auto child = defs.ResolveChild("Observation", "valueQuantity");
//   // child->element->path == "Observation.value[x]", child->type == "Quantity"
//   std::string_view ctx = defs.ChildContext(*child);   // "Quantity"
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace tc::fhir {

enum class TypeKind : uint8_t { kPrimitive, kComplex, kResource };

struct ElementDef {
  std::string path;  // "Observation.value[x]", "Patient.contact.name"
  std::string name;  // last path segment without "[x]": "value", "name"
  int min = 0;
  int max = 1;               // -1 = unbounded ("*")
  bool is_choice = false;    // the path ends with "[x]"
  bool is_summary = false;   // ElementDefinition.isSummary (drives _summary=true)
  bool is_modifier = false;  // ElementDefinition.isModifier
  // Allowed type codes, e.g. {"string"}, {"Quantity","CodeableConcept",...}, {"BackboneElement"}.
  // Empty when content_reference is set. FHIRPath system types
  // ("http://hl7.org/fhirpath/System.String") used for `id`/`extension.url`/primitive `value` are
  // reported as their FHIR primitive ("string", "uri"...).
  std::vector<std::string> types;
  // For Reference / canonical types: allowed target resource type names; empty = any.
  std::vector<std::string> target_types;
  // Path whose definition this element re-uses (from "#Questionnaire.item"), else "".
  std::string content_reference;
  // ValueSet canonical URL (no "|version") when the binding strength is "required", else "".
  std::string required_binding;
};

struct TypeDef {
  std::string name;  // "Patient", "HumanName", "string"
  TypeKind kind = TypeKind::kComplex;
  bool is_abstract = false;
  std::string base;  // base type name ("DomainResource"), "" for Base/Element roots
  // Primitives only: how the value appears in JSON: "string", "boolean" or "number";
  // and the regular expression the spec gives for the value (ECMAScript syntax), "" if none.
  std::string json_type;
  std::string regex;
};

struct SearchParamDef {
  std::string code;  // "identifier", "_lastUpdated"
  std::string url;   // canonical URL
  std::string
      type;  // "number","date","string","token","reference","composite","quantity","uri","special"
  std::vector<std::string> base;     // resource types it applies to
  std::string expression;            // FHIRPath (may be "" for special ones)
  std::vector<std::string> targets;  // reference target types
  struct Component {
    std::string definition;  // SearchParameter canonical URL
    std::string expression;  // FHIRPath relative to the composite's expression
  };
  std::vector<Component> components;  // composite only
};

struct ValueSetDef {
  std::string url;
  // Whether `codes` is the full expansion. False when the value set includes whole code systems
  // the package does not enumerate (e.g. BCP-47 languages, MIME types, UCUM); callers MUST NOT
  // reject codes against an incomplete value set.
  bool complete = false;
  // (system, code) pairs, sorted by code and then system.
  std::vector<std::pair<std::string, std::string>> codes;
  // Whether any system's `code` is in `codes` / whether exactly (system, code) is.
  // REQUIRES: `codes` sorted as stated (the loader sorts them); both binary-search.
  bool ContainsCode(std::string_view code) const;
  bool Contains(std::string_view system, std::string_view code) const;
};

class Definitions {
 public:
  struct Child {
    const ElementDef* element = nullptr;
    std::string type;  // concrete type of this occurrence ("Quantity" for valueQuantity)
  };

  // Loads the registry embedded in the binary at build time.
  static absl::StatusOr<std::unique_ptr<Definitions>> LoadEmbedded();
  // Loads a registry from its compiled JSON text (as produced by tools/definitions).
  static absl::StatusOr<std::unique_ptr<Definitions>> LoadFromJson(std::string_view compiled);

  const TypeDef* FindType(std::string_view name) const;
  // True for concrete (non-abstract) resource types: "Patient" yes, "DomainResource" no.
  bool IsResourceType(std::string_view name) const;
  std::vector<std::string> ResourceTypeNames() const;  // sorted

  // The element with exactly this path ("Patient.name", "Observation.value[x]"), or nullptr.
  const ElementDef* FindElement(std::string_view path) const;

  // Resolves JSON property `json_name` (without any leading '_') under `context`. Handles choice
  // types (valueQuantity → value[x] with type Quantity; the suffix must name one of the allowed
  // types) and inherited elements (Resource.id, DomainResource.text, Element.extension…).
  // Returns nullopt when no such element exists.
  std::optional<Child> ResolveChild(std::string_view context, std::string_view json_name) const;

  // The context under which the children of `child` are defined (see file comment).
  std::string ChildContext(const Child& child) const;

  // The elements directly under `context` (including inherited ones), in definition order.
  std::vector<const ElementDef*> Children(std::string_view context) const;
  // The same without copying: a view valid for the lifetime of this Definitions; empty when
  // `context` is unknown.
  absl::Span<const ElementDef* const> ChildElements(std::string_view context) const;

  // Search parameters that apply to `resource_type` (its own plus Resource/DomainResource ones).
  std::vector<const SearchParamDef*> SearchParamsFor(std::string_view resource_type) const;
  const SearchParamDef* FindSearchParam(std::string_view resource_type,
                                        std::string_view code) const;
  size_t search_param_count() const;

  // Names of the search parameters that place a `resource_type` in `compartment` ("Patient",
  // "Encounter", "Practitioner", "RelatedPerson", "Device"); nullptr when the type is not in it.
  const std::vector<std::string>* CompartmentParams(std::string_view compartment,
                                                    std::string_view resource_type) const;

  // A value set used by a required binding, or nullptr when unknown.
  const ValueSetDef* FindValueSet(std::string_view url) const;

  ~Definitions();

 private:
  Definitions();
  struct Data;
  std::unique_ptr<Data> data_;
};

}  // namespace tc::fhir
