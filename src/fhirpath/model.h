// File: fhirpath/model.h
//
// Typed navigation of the resource tree for FHIRPath: which JSON members an identifier selects
// under a node (choice elements `value` → valueQuantity/valueString…, primitives with their
// `_name` siblings, polymorphic `Resource` containers typed by their `resourceType`), the FHIR
// type and children context of each result, FHIR type inheritance, and the System type a FHIR
// primitive maps to. Nodes whose context is unknown are navigated untyped (JSON kinds only).
//
// Type names and contexts handed out are views into the Definitions (or static strings): they
// live as long as the Definitions.
//
// Thread-safety: immutable; all methods are const and safe to call concurrently.
#pragma once

#include <string_view>

#include "fhir/definitions.h"
#include "fhir/value.h"
#include "fhirpath/item.h"

namespace tc::fhirpath {

// How a member name resolves under one context (cached on AST nodes).
struct MemberResolution {
  std::string_view context;  // the context this resolution is for
  // Non-choice element: the member's FHIR type, its children's context, its System type.
  bool found = false;
  bool choice = false;  // `name` is a choice element's base name (value[x])
  std::string_view type;
  std::string_view child_context;
  SystemType sys = SystemType::kNone;
  bool polymorphic_resource = false;  // type is Resource/DomainResource: use resourceType
  // The name is a choice element's JSON name with its type suffix ("valueQuantity").
  bool choice_suffix = false;
  const MemberResolution* next = nullptr;  // older cache entries (a short list)
};

class Model {
 public:
  explicit Model(const fhir::Definitions& defs) : defs_(defs) {}

  const fhir::Definitions& defs() const { return defs_; }

  // The typed item for a resource (root or contained); untyped if its type is unknown.
  Item ResourceItem(const fhir::Value* resource) const;

  // Resolves `name` under `context` (no caching).
  MemberResolution Resolve(std::string_view context, std::string_view name) const;

  // Appends the items `name` selects under `parent` (a tree node) to `out`. `resolution` MUST be
  // Resolve(parent.context(), name) when the parent is typed; may be null for untyped parents.
  void Member(const Item& parent, std::string_view name, const MemberResolution* resolution,
              Collection* out) const;

  // Appends all child items of `parent` (children()).
  void Children(const Item& parent, Collection* out) const;

  // Whether FHIR type `type` is `base` or derives from it.
  bool IsSubtype(std::string_view type, std::string_view base) const;
  // Whether `name` is a known FHIR type name.
  bool IsFhirType(std::string_view name) const { return defs_.FindType(name) != nullptr; }

  // The System type a FHIR primitive type maps to (kNone for complex types).
  static SystemType SystemTypeOf(std::string_view fhir_type);

 private:
  Item Typed(const fhir::Value* node, const fhir::Value* ext, std::string_view type,
             std::string_view context, SystemType sys, bool polymorphic) const;
  void Untyped(const fhir::Value* node, const fhir::Value* ext, Collection* out) const;
  void AppendOccurrences(const fhir::Value* value, const fhir::Value* ext, std::string_view type,
                         std::string_view context, SystemType sys, bool polymorphic,
                         Collection* out) const;

  const fhir::Definitions& defs_;
};

}  // namespace tc::fhirpath
