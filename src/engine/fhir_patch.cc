#include "engine/fhir_patch.h"

#include <algorithm>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "base/status_macros.h"
#include "fhir/definitions.h"
#include "fhir/json.h"
#include "fhir/value.h"
#include "fhirpath/fhirpath.h"
#include "fhirpath/item.h"

namespace tc::engine {
namespace {

using fhir::Definitions;
using fhir::ElementDef;
using fhir::TypeDef;
using fhir::TypeKind;
using fhir::Value;

std::string KindName(const Value& v) { return fhir::DescribeKind(v); }

// Where the value[x] of a Parameters part is defined (parts re-use Parameters.parameter).
constexpr std::string_view kPartContext = "Parameters.parameter";
// Deepest tree the search for an item's location descends (far beyond any depth a resource can
// legitimately reach; protects the stack from a hostile tree handed in by a caller).
constexpr size_t kMaxSearchDepth = 4096;

std::string Quote(std::string_view s) {
  std::string out;
  fhir::AppendJsonString(s, out);
  return out;
}

std::string UpperFirst(std::string_view s) {
  std::string out(s);
  if (!out.empty() && out[0] >= 'a' && out[0] <= 'z')
    out[0] = static_cast<char>(out[0] - 'a' + 'A');
  return out;
}

bool HasNonNull(const Value& array) {
  return std::any_of(array.array().begin(), array.array().end(),
                     [](const Value& v) { return !v.is_null(); });
}

// Container nesting of `v` (scalars 0, `{}` 1, `{"a":[1]}` 2), or `limit + 1` when it is deeper
// than `limit` (the walk stops there, so hostile trees cannot exhaust the stack).
size_t ValueDepth(const Value& v, size_t limit) {
  if (!v.is_array() && !v.is_object()) return 0;
  if (limit == 0) return 1;
  size_t deepest = 0;
  if (v.is_array()) {
    for (const Value& item : v.array()) deepest = std::max(deepest, ValueDepth(item, limit - 1));
  } else {
    for (const Value::Member& m : v.members()) {
      deepest = std::max(deepest, ValueDepth(m.value, limit - 1));
    }
  }
  return 1 + deepest;
}

// ---- Types --------------------------------------------------------------------------------------

bool IsPrimitiveType(const Definitions& defs, std::string_view type) {
  if (type == "xhtml") return true;
  const TypeDef* td = defs.FindType(type);
  return td != nullptr && td->kind == TypeKind::kPrimitive;
}

bool IsResourceTypeName(const Definitions& defs, std::string_view type) {
  const TypeDef* td = defs.FindType(type);
  return td != nullptr && td->kind == TypeKind::kResource;
}

// "string", "boolean" or "number": how a primitive of `type` appears in JSON.
std::string_view JsonTypeOf(const Definitions& defs, std::string_view type) {
  const TypeDef* td = defs.FindType(type);
  if (td == nullptr || td->json_type.empty()) return "string";
  return td->json_type;
}

bool JsonKindMatches(const Value& v, std::string_view json_type) {
  if (json_type == "boolean") return v.is_bool();
  if (json_type == "number") return v.is_number();
  return v.is_string();
}

// Whether `type` is `base` or derives from it (code → string, Age → Quantity,
// Patient → DomainResource → Resource).
bool DerivesFrom(const Definitions& defs, std::string_view type, std::string_view base) {
  std::string t(type);
  for (int i = 0; i < 32 && !t.empty(); ++i) {
    if (t == base) return true;
    const TypeDef* td = defs.FindType(t);
    if (td == nullptr) return false;
    t = td->base;
  }
  return false;
}

// Whether a value of type `value_type` may stand for an element of type `element_type`: the same
// type, a derived type, or (for primitives) another primitive with the same JSON form.
bool Compatible(const Definitions& defs, std::string_view value_type,
                std::string_view element_type) {
  if (DerivesFrom(defs, value_type, element_type)) return true;
  return IsPrimitiveType(defs, value_type) && IsPrimitiveType(defs, element_type) &&
         JsonTypeOf(defs, value_type) == JsonTypeOf(defs, element_type);
}

// ---- Element names ------------------------------------------------------------------------------

// An element named in a patch: by its element name ("birthDate", "value" for a choice element) or
// by its JSON name ("valueString": then `fixed_type` is the type the suffix names).
struct ElementRef {
  const ElementDef* element = nullptr;
  std::string fixed_type;
  std::string type;  // the element's type when it has exactly one (else "")
};

std::optional<ElementRef> FindElement(const Definitions& defs, std::string_view context,
                                      std::string_view name) {
  if (name.empty() || name[0] == '_') return std::nullopt;
  if (std::optional<Definitions::Child> c = defs.ResolveChild(context, name)) {
    ElementRef ref{c->element, "", ""};
    if (c->element->is_choice) {
      if (name != c->element->name) ref.fixed_type = c->type;
    } else {
      ref.type = c->type;
    }
    return ref;
  }
  for (const ElementDef* e : defs.ChildElements(context)) {
    if (e->is_choice && e->name == name) return ElementRef{e, "", ""};
  }
  return std::nullopt;
}

// The context under which the children of `element`, holding a value of `type`, are defined;
// for resources (`resource` set), its resourceType.
std::string ContextOf(const Definitions& defs, const ElementDef* element, const std::string& type,
                      const Value* resource) {
  if (resource != nullptr && IsResourceTypeName(defs, type)) {
    return std::string(resource->GetString("resourceType"));
  }
  return defs.ChildContext(Definitions::Child{element, type});
}

// ---- New values ---------------------------------------------------------------------------------

// Content to place at one occurrence of an element: its JSON member name, the value (absent for a
// primitive that has only an id / extensions) and the primitive's `_name` object.
struct Placed {
  std::string key;
  std::optional<Value> main;
  std::optional<Value> ext;
  std::string type;
};

class ValueBuilder {
 public:
  ValueBuilder(const Definitions& defs, size_t max_depth) : defs_(defs), max_depth_(max_depth) {}

  // Builds the content a part (`value` part, or a nested part of an anonymous value) gives for
  // `ref`. `what` names the part in messages.
  absl::StatusOr<Placed> Build(const Value& part, const ElementRef& ref, const std::string& what,
                               size_t depth) const {
    if (depth > max_depth_) {
      return absl::InvalidArgumentError(what + " is nested more than " +
                                        std::to_string(max_depth_) + " parts deep");
    }
    const ElementDef* el = ref.element;
    std::string value_key;
    const Value* main = nullptr;
    const Value* ext = nullptr;
    int forms = 0;
    for (const Value::Member& m : part.members()) {
      std::string_view key = m.key;
      const bool underscore = !key.empty() && key[0] == '_';
      if (underscore) key.remove_prefix(1);
      if (key.size() <= 5 || !key.starts_with("value") || key[5] < 'A' || key[5] > 'Z') continue;
      if (!value_key.empty() && value_key != key) {
        return absl::InvalidArgumentError(what + " has two values (" + value_key + " and " +
                                          std::string(key) + ")");
      }
      value_key = std::string(key);
      (underscore ? ext : main) = &m.value;
    }
    if (!value_key.empty()) ++forms;
    const Value* resource = part.Find("resource");
    if (resource != nullptr) ++forms;
    const Value* parts = part.Find("part");
    if (parts != nullptr) ++forms;
    if (forms != 1) {
      return absl::InvalidArgumentError(
          what + (forms == 0 ? " has no value" : " has more than one kind of value") +
          " (give one value[x], a resource, or nested parts)");
    }

    Placed out;
    if (!value_key.empty()) {
      std::optional<Definitions::Child> c = defs_.ResolveChild(kPartContext, value_key);
      if (!c) {
        return absl::InvalidArgumentError(what + ": \"" + value_key +
                                          "\" is not a value[x] of a Parameters part");
      }
      TC_ASSIGN_OR_RETURN(out.type, ConcreteType(ref, c->type, what));
      if (IsPrimitiveType(defs_, out.type)) {
        const std::string_view json = JsonTypeOf(defs_, out.type);
        if (main != nullptr && !JsonKindMatches(*main, json)) {
          return absl::InvalidArgumentError(what + ": " + value_key + " must be a JSON " +
                                            std::string(json) + ", not " + KindName(*main));
        }
        if (ext != nullptr && !ext->is_object()) {
          return absl::InvalidArgumentError(what + ": _" + value_key + " must be an object, not " +
                                            KindName(*ext));
        }
        if (ext != nullptr && ext->size() == 0) ext = nullptr;
        if (main == nullptr && ext == nullptr) {
          return absl::InvalidArgumentError(what + " has no value");
        }
      } else {
        if (main == nullptr || !main->is_object() || main->size() == 0) {
          return absl::InvalidArgumentError(what + ": " + value_key +
                                            " must be a non-empty object");
        }
        if (ext != nullptr) {
          return absl::InvalidArgumentError(what + ": _" + value_key +
                                            " is only allowed for primitive values");
        }
      }
      TC_RETURN_IF_ERROR(CheckDepth(main, what));
      TC_RETURN_IF_ERROR(CheckDepth(ext, what));
      if (main != nullptr) out.main = *main;
      if (ext != nullptr) out.ext = *ext;
    } else if (resource != nullptr) {
      if (!resource->is_object() || !defs_.IsResourceType(resource->GetString("resourceType"))) {
        return absl::InvalidArgumentError(what +
                                          ": resource must be a resource with a known "
                                          "resourceType");
      }
      TC_ASSIGN_OR_RETURN(
          out.type, ConcreteType(ref, std::string(resource->GetString("resourceType")), what));
      TC_RETURN_IF_ERROR(CheckDepth(resource, what));
      out.main = *resource;
    } else {
      if (el->is_choice && ref.fixed_type.empty()) {
        return absl::InvalidArgumentError(what + ": \"" + el->name +
                                          "\" is a choice element; give a typed value[x]");
      }
      out.type = el->is_choice ? ref.fixed_type : el->types.empty() ? "" : el->types[0];
      if (IsPrimitiveType(defs_, out.type) || IsResourceTypeName(defs_, out.type) ||
          out.type == "Resource") {
        return absl::InvalidArgumentError(what +
                                          ": nested parts can only build a complex "
                                          "value, and \"" +
                                          el->name + "\" is a " + out.type);
      }
      TC_ASSIGN_OR_RETURN(Value object, BuildObject(*parts, ContextOf(defs_, el, out.type, nullptr),
                                                    what, depth + 1));
      out.main = std::move(object);
    }
    out.key = el->is_choice ? el->name + UpperFirst(out.type) : el->name;
    return out;
  }

 private:
  // The type the element takes for a value of `value_type` (see the header's Values rules).
  absl::StatusOr<std::string> ConcreteType(const ElementRef& ref, const std::string& value_type,
                                           const std::string& what) const {
    const ElementDef* el = ref.element;
    if (!ref.fixed_type.empty()) {
      if (value_type == ref.fixed_type || DerivesFrom(defs_, value_type, ref.fixed_type)) {
        return ref.fixed_type;
      }
    } else if (el->is_choice) {
      for (const std::string& t : el->types) {
        if (t == value_type) return t;
      }
      for (const std::string& t : el->types) {
        if (DerivesFrom(defs_, value_type, t)) return t;
      }
    } else {
      for (const std::string& t : el->types) {
        if (Compatible(defs_, value_type, t)) return t;
      }
    }
    std::string allowed;
    if (!ref.fixed_type.empty()) {
      allowed = ref.fixed_type;
    } else if (el->types.empty()) {
      allowed = "an anonymous type (give nested parts)";
    } else {
      for (size_t i = 0; i < el->types.size(); ++i) {
        if (i > 0) allowed += i + 1 == el->types.size() ? " or " : ", ";
        allowed += el->types[i];
      }
    }
    return absl::InvalidArgumentError(what + ": a " + value_type + " value cannot be used for " +
                                      el->path + " (" + allowed + ")");
  }

  absl::Status CheckDepth(const Value* v, const std::string& what) const {
    if (v != nullptr && ValueDepth(*v, max_depth_) > max_depth_) {
      return absl::InvalidArgumentError(what + " nests more than " + std::to_string(max_depth_) +
                                        " levels deep");
    }
    return absl::OkStatus();
  }

  // An anonymous (backbone or complex) value from nested parts, children of `context`.
  absl::StatusOr<Value> BuildObject(const Value& parts, const std::string& context,
                                    const std::string& what, size_t depth) const {
    if (!parts.is_array()) {
      return absl::InvalidArgumentError(what + ": part must be an array, not " + KindName(parts));
    }
    Value object = Value::Object();
    for (size_t i = 0; i < parts.array().size(); ++i) {
      const Value& sub = parts.array()[i];
      const std::string sub_what = what + " part " + std::to_string(i);
      if (!sub.is_object()) {
        return absl::InvalidArgumentError(sub_what + " must be an object, not " + KindName(sub));
      }
      const Value* name = sub.Find("name");
      if (name == nullptr || !name->is_string()) {
        return absl::InvalidArgumentError(sub_what + " has no string name");
      }
      std::optional<ElementRef> ref = FindElement(defs_, context, name->string_value());
      if (!ref) {
        return absl::InvalidArgumentError(sub_what + ": " + context + " has no element " +
                                          Quote(name->string_value()));
      }
      TC_ASSIGN_OR_RETURN(
          Placed placed,
          Build(sub, *ref, sub_what + " (" + Quote(name->string_value()) + ")", depth));
      const std::string ext_key = "_" + placed.key;
      if (ref->element->max != 1) {
        Value* values = object.FindMutable(placed.key);
        Value* exts = object.FindMutable(ext_key);
        const size_t n =
            std::max(values != nullptr ? values->size() : 0, exts != nullptr ? exts->size() : 0);
        if (values == nullptr) values = &object.Set(placed.key, Value::MakeArray());
        while (values->size() < n) values->Append(Value::Null());
        values->Append(placed.main ? *std::move(placed.main) : Value::Null());
        if (placed.ext || exts != nullptr) {
          if (exts == nullptr) exts = &object.Set(ext_key, Value::MakeArray());
          while (exts->size() < n) exts->Append(Value::Null());
          exts->Append(placed.ext ? *std::move(placed.ext) : Value::Null());
        }
      } else {
        for (const Value::Member& m : object.members()) {
          std::string_view key = m.key;
          if (!key.empty() && key[0] == '_') key.remove_prefix(1);
          std::optional<ElementRef> other = FindElement(defs_, context, key);
          if (other && other->element == ref->element) {
            return absl::InvalidArgumentError(sub_what + ": " + Quote(name->string_value()) +
                                              " is given more than once, but does not repeat");
          }
        }
        if (placed.main) object.Set(placed.key, *std::move(placed.main));
        if (placed.ext) object.Set(ext_key, *std::move(placed.ext));
      }
    }
    // Arrays without any value are omitted (as the JSON and XML parsers do).
    std::vector<std::string> empty;
    for (const Value::Member& m : object.members()) {
      if (m.value.is_array() && !HasNonNull(m.value)) empty.push_back(m.key);
    }
    for (const std::string& k : empty) object.Erase(k);
    if (object.size() == 0) return absl::InvalidArgumentError(what + " has no content");
    return object;
  }

  const Definitions& defs_;
  const size_t max_depth_;
};

// ---- Occurrences of an element in a parent object -----------------------------------------------
//
// An element `name` of a parent object is held in `name` (value) and, for primitives, `_name`
// (id / extensions); repeating elements hold parallel arrays. These helpers keep the two aligned.

size_t LogicalSize(const Value& parent, const std::string& name) {
  const Value* values = parent.Find(name);
  const Value* exts = parent.Find("_" + name);
  size_t n = 0;
  if (values != nullptr) n = values->is_array() ? values->size() : 1;
  if (exts != nullptr) n = std::max(n, exts->is_array() ? exts->size() : size_t{1});
  return n;
}

// Drops `name` / `_name` arrays that hold no non-null entry.
void Normalize(Value& parent, const std::string& name) {
  for (const std::string& key : {name, "_" + name}) {
    const Value* v = parent.Find(key);
    if (v != nullptr && v->is_array() && !HasNonNull(*v)) parent.Erase(key);
  }
}

// The array `key` of `parent`, created if absent and padded with nulls to `n` entries.
absl::StatusOr<Value*> ArrayFor(Value& parent, const std::string& key, size_t n) {
  Value* a = parent.FindMutable(key);
  if (a == nullptr) a = &parent.Set(key, Value::MakeArray());
  if (!a->is_array()) {
    return absl::InvalidArgumentError(Quote(key) + " holds " + KindName(*a) +
                                      " where a list is due");
  }
  while (a->size() < n) a->Append(Value::Null());
  return a;
}

void RemoveOccurrence(Value& parent, const std::string& name, std::optional<size_t> index) {
  if (!index) {
    parent.Erase(name);
    parent.Erase("_" + name);
    return;
  }
  for (const std::string& key : {name, "_" + name}) {
    Value* a = parent.FindMutable(key);
    if (a != nullptr && a->is_array() && *index < a->size()) {
      a->mutable_array().erase(a->mutable_array().begin() + static_cast<ptrdiff_t>(*index));
    }
  }
  Normalize(parent, name);
}

absl::Status InsertOccurrence(Value& parent, const std::string& name, size_t index, Placed placed) {
  const size_t n = LogicalSize(parent, name);
  const std::string ext_key = "_" + name;
  const bool has_exts = parent.Find(ext_key) != nullptr;
  TC_ASSIGN_OR_RETURN(Value * values, ArrayFor(parent, name, n));
  values->mutable_array().insert(values->mutable_array().begin() + static_cast<ptrdiff_t>(index),
                                 placed.main ? *std::move(placed.main) : Value::Null());
  if (placed.ext || has_exts) {
    TC_ASSIGN_OR_RETURN(Value * exts, ArrayFor(parent, ext_key, n));
    exts->mutable_array().insert(exts->mutable_array().begin() + static_cast<ptrdiff_t>(index),
                                 placed.ext ? *std::move(placed.ext) : Value::Null());
  }
  Normalize(parent, name);
  return absl::OkStatus();
}

// Replaces the occurrence `name`[index] (or the single `name`) by `placed`, whose key may differ
// from `name` for a choice element (single occurrences only).
absl::Status SetOccurrence(Value& parent, const std::string& name, std::optional<size_t> index,
                           Placed placed) {
  const std::string ext_key = "_" + name;
  if (index) {
    const size_t n = std::max(LogicalSize(parent, name), *index + 1);
    const bool has_exts = parent.Find(ext_key) != nullptr;
    TC_ASSIGN_OR_RETURN(Value * values, ArrayFor(parent, name, n));
    values->mutable_array()[*index] = placed.main ? *std::move(placed.main) : Value::Null();
    if (placed.ext || has_exts) {
      TC_ASSIGN_OR_RETURN(Value * exts, ArrayFor(parent, ext_key, n));
      exts->mutable_array()[*index] = placed.ext ? *std::move(placed.ext) : Value::Null();
    }
    Normalize(parent, name);
    return absl::OkStatus();
  }
  if (placed.key != name) {
    // A choice element changing type: keep its position in the object when it has a value.
    Value::Members& members = parent.mutable_members();
    auto it = std::find_if(members.begin(), members.end(),
                           [&](const Value::Member& m) { return m.key == name; });
    if (it != members.end() && placed.main) {
      it->key = placed.key;
      it->value = *std::move(placed.main);
      placed.main.reset();
    } else {
      parent.Erase(name);
    }
    parent.Erase(ext_key);
    if (placed.main) parent.Set(placed.key, *std::move(placed.main));
    if (placed.ext) parent.Set("_" + placed.key, *std::move(placed.ext));
    return absl::OkStatus();
  }
  if (placed.main) {
    parent.Set(name, *std::move(placed.main));
  } else {
    parent.Erase(name);
  }
  if (placed.ext) {
    parent.Set(ext_key, *std::move(placed.ext));
  } else {
    parent.Erase(ext_key);
  }
  return absl::OkStatus();
}

// Removes the id / extensions of the occurrence (its `_name` part); an occurrence left with
// neither value nor extensions goes entirely.
void ClearExtension(Value& parent, const std::string& name, std::optional<size_t> index) {
  const std::string ext_key = "_" + name;
  if (!index) {
    parent.Erase(ext_key);
    return;
  }
  Value* exts = parent.FindMutable(ext_key);
  if (exts != nullptr && exts->is_array() && *index < exts->size()) {
    exts->mutable_array()[*index] = Value::Null();
  }
  const Value* values = parent.Find(name);
  const bool has_value = values != nullptr && values->is_array() && *index < values->size() &&
                         !values->array()[*index].is_null();
  if (!has_value) {
    RemoveOccurrence(parent, name, index);
  } else {
    Normalize(parent, name);
  }
}

// ---- Locating FHIRPath items in the (mutable) tree ----------------------------------------------

// One step from an object to a member value: `object`[`key`] or `object`[`key`][`index`].
struct Step {
  Value* object = nullptr;
  std::string key;  // the JSON member name, with its '_' for a primitive's id / extensions
  std::optional<size_t> index;
  Value* value = nullptr;  // what the step reaches
};

// The search's own steps: no copies of member names while it walks the whole tree.
struct SearchStep {
  Value* object;
  const std::string* key;
  std::optional<size_t> index;
  Value* value;
};

bool FindNode(Value& v, const Value* target, std::vector<SearchStep>& steps) {
  if (&v == target) return true;
  if (!v.is_object() || steps.size() >= kMaxSearchDepth) return false;
  for (Value::Member& m : v.mutable_members()) {
    if (m.value.is_array()) {
      Value::Array& items = m.value.mutable_array();
      for (size_t i = 0; i < items.size(); ++i) {
        steps.push_back(SearchStep{&v, &m.key, i, &items[i]});
        if (FindNode(items[i], target, steps)) return true;
        steps.pop_back();
      }
    } else {
      steps.push_back(SearchStep{&v, &m.key, std::nullopt, &m.value});
      if (FindNode(m.value, target, steps)) return true;
      steps.pop_back();
    }
  }
  return false;
}

// An element of the resource found by a path: its occurrence in its parent and its definition.
struct Slot {
  std::vector<Step> steps;  // empty for the resource itself
  std::string name;         // JSON member name without '_' ("" for the resource)
  std::optional<size_t> index;
  Value* parent = nullptr;  // the object holding the element (nullptr for the resource)
  Value* node = nullptr;    // the value the item is (the `_name` object for an extension-only
                            // primitive)
  const ElementDef* element = nullptr;  // nullptr for the resource
  std::string type;                     // concrete type ("Identifier", "date", "Patient")
  std::string context;                  // where the element's children are defined
  size_t enclosing = 0;  // containers (objects, arrays) enclosing the element's value

  bool primitive(const Definitions& defs) const { return IsPrimitiveType(defs, type); }
};

std::string LocationText(const Value& root, const std::vector<Step>& steps) {
  std::string out(root.GetString("resourceType"));
  for (const Step& s : steps) {
    std::string_view key = s.key;
    if (!key.empty() && key[0] == '_') key.remove_prefix(1);
    out.append(".").append(key);
    if (s.index) out.append("[").append(std::to_string(*s.index)).append("]");
  }
  return out;
}

absl::StatusOr<Slot> Locate(const Definitions& defs, Value& root, const fhirpath::Item& item) {
  const Value* target = item.node() != nullptr ? item.node() : item.ext();
  std::vector<SearchStep> found;
  if (!item.is_node() || !FindNode(root, target, found)) {
    return absl::InvalidArgumentError(
        "the path matched a value that is not an element of the resource");
  }
  Slot slot;
  slot.steps.reserve(found.size());
  for (const SearchStep& s : found) {
    slot.steps.push_back(Step{s.object, *s.key, s.index, s.value});
  }
  slot.node = slot.steps.empty() ? &root : slot.steps.back().value;
  std::string context(root.GetString("resourceType"));
  slot.type = context;
  slot.context = context;
  for (size_t i = 0; i < slot.steps.size(); ++i) {
    const Step& s = slot.steps[i];
    std::string_view name = s.key;
    const bool underscore = !name.empty() && name[0] == '_';
    if (underscore) name.remove_prefix(1);
    std::optional<Definitions::Child> c = defs.ResolveChild(context, name);
    if (!c) {
      return absl::InvalidArgumentError(
          "the element at " + LocationText(root, {slot.steps.begin(), slot.steps.begin() + i + 1}) +
          " is not defined for " + context);
    }
    slot.enclosing += s.index ? 2 : 1;
    slot.element = c->element;
    slot.type = c->type;
    slot.name = std::string(name);
    slot.index = s.index;
    slot.parent = s.object;
    if (underscore) {
      context = c->type;  // a primitive's id / extensions are defined by its type
    } else {
      context = ContextOf(defs, c->element, c->type, s.value);
    }
    slot.context = context;
  }
  return slot;
}

// ---- The patch document -------------------------------------------------------------------------

enum class OpType { kAdd, kInsert, kDelete, kReplace, kMove };

struct Operation {
  OpType type = OpType::kAdd;
  std::string type_name;
  std::string path;
  std::optional<std::string> name;
  const Value* value = nullptr;  // the `value` part
  std::optional<size_t> index;
  std::optional<size_t> source;
  std::optional<size_t> destination;
};

// The single value[x] member of a part (nullptr when it has none).
absl::StatusOr<const Value::Member*> ValueX(const Value& part, const std::string& part_name) {
  const Value::Member* found = nullptr;
  for (const Value::Member& m : part.members()) {
    if (m.key.size() > 5 && m.key.starts_with("value") && m.key[5] >= 'A' && m.key[5] <= 'Z') {
      if (found != nullptr) {
        return absl::InvalidArgumentError("part " + Quote(part_name) + " has two values");
      }
      found = &m;
    }
  }
  return found;
}

absl::StatusOr<std::string> StringPart(const Value& part, const std::string& part_name) {
  TC_ASSIGN_OR_RETURN(const Value::Member* m, ValueX(part, part_name));
  if (m == nullptr || (m->key != "valueString" && m->key != "valueCode")) {
    return absl::InvalidArgumentError("part " + Quote(part_name) +
                                      " must have a valueString or valueCode");
  }
  if (!m->value.is_string()) {
    return absl::InvalidArgumentError("part " + Quote(part_name) + ": " + m->key +
                                      " must be a string, not " + KindName(m->value));
  }
  return m->value.string_value();
}

absl::StatusOr<size_t> IndexPart(const Value& part, const std::string& part_name) {
  TC_ASSIGN_OR_RETURN(const Value::Member* m, ValueX(part, part_name));
  if (m == nullptr ||
      (m->key != "valueInteger" && m->key != "valueUnsignedInt" && m->key != "valuePositiveInt")) {
    return absl::InvalidArgumentError("part " + Quote(part_name) + " must have a valueInteger");
  }
  const std::string text = m->value.is_number() ? m->value.number_text() : "";
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos) {
    return absl::InvalidArgumentError("part " + Quote(part_name) + ": " + m->key +
                                      " must be a non-negative integer, not " +
                                      (m->value.is_number() ? text : KindName(m->value)));
  }
  size_t n = 0;
  for (char ch : text) {
    const size_t digit = static_cast<size_t>(ch - '0');
    if (n > (size_t{1} << 40)) {
      return absl::InvalidArgumentError("part " + Quote(part_name) + ": " + text +
                                        " is out of range");
    }
    n = n * 10 + digit;
  }
  return n;
}

absl::StatusOr<Operation> ReadOperation(const Value& parameter) {
  if (!parameter.is_object()) {
    return absl::InvalidArgumentError("a parameter must be an object, not " + KindName(parameter));
  }
  const Value* pname = parameter.Find("name");
  if (pname == nullptr || !pname->is_string()) {
    return absl::InvalidArgumentError("the parameter has no string name");
  }
  if (pname->string_value() != "operation") {
    return absl::InvalidArgumentError("parameter " + Quote(pname->string_value()) +
                                      " is not an operation (a FHIR Patch holds only "
                                      "\"operation\" parameters)");
  }
  const Value* parts = parameter.Find("part");
  if (parts == nullptr || !parts->is_array()) {
    return absl::InvalidArgumentError("the operation has no parts");
  }
  Operation op;
  std::optional<std::string> type;
  std::optional<std::string> path;
  std::vector<std::string> seen;
  for (const Value& part : parts->array()) {
    if (!part.is_object()) {
      return absl::InvalidArgumentError("a part must be an object, not " + KindName(part));
    }
    const Value* n = part.Find("name");
    if (n == nullptr || !n->is_string()) {
      return absl::InvalidArgumentError("a part has no string name");
    }
    const std::string& name = n->string_value();
    if (std::find(seen.begin(), seen.end(), name) != seen.end()) {
      return absl::InvalidArgumentError("part " + Quote(name) + " appears more than once");
    }
    seen.push_back(name);
    if (name == "type") {
      TC_ASSIGN_OR_RETURN(type, StringPart(part, name));
    } else if (name == "path") {
      TC_ASSIGN_OR_RETURN(path, StringPart(part, name));
    } else if (name == "name") {
      TC_ASSIGN_OR_RETURN(op.name, StringPart(part, name));
    } else if (name == "value") {
      op.value = &part;
    } else if (name == "index") {
      TC_ASSIGN_OR_RETURN(op.index, IndexPart(part, name));
    } else if (name == "source") {
      TC_ASSIGN_OR_RETURN(op.source, IndexPart(part, name));
    } else if (name == "destination") {
      TC_ASSIGN_OR_RETURN(op.destination, IndexPart(part, name));
    } else {
      return absl::InvalidArgumentError("unknown part " + Quote(name) +
                                        " (expected type, path, name, value, index, source or "
                                        "destination)");
    }
  }
  if (!type) return absl::InvalidArgumentError("missing part \"type\"");
  op.type_name = *type;
  if (*type == "add") {
    op.type = OpType::kAdd;
  } else if (*type == "insert") {
    op.type = OpType::kInsert;
  } else if (*type == "delete") {
    op.type = OpType::kDelete;
  } else if (*type == "replace") {
    op.type = OpType::kReplace;
  } else if (*type == "move") {
    op.type = OpType::kMove;
  } else {
    return absl::InvalidArgumentError("unknown type " + Quote(*type) +
                                      " (expected add, insert, delete, replace or move)");
  }
  if (!path) return absl::InvalidArgumentError("missing part \"path\"");
  op.path = *path;
  return op;
}

// Splits "<parent>.<element>" when <parent> is a plain navigation (names, indexers, function
// calls; no operators at the top level): the form an insert into an empty list needs. "" parent
// means the resource.
std::optional<std::pair<std::string, std::string>> SplitTrailingMember(std::string_view path) {
  auto trim = [](std::string_view s) {
    while (!s.empty() &&
           (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r')) {
      s.remove_suffix(1);
    }
    while (!s.empty() &&
           (s.front() == ' ' || s.front() == '\t' || s.front() == '\n' || s.front() == '\r')) {
      s.remove_prefix(1);
    }
    return s;
  };
  auto ident = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  };
  std::string_view s = trim(path);
  std::string name;
  size_t start = s.size();
  if (!s.empty() && s.back() == '`') {
    const size_t open = s.substr(0, s.size() - 1).rfind('`');
    if (open == std::string_view::npos) return std::nullopt;
    name = std::string(s.substr(open + 1, s.size() - open - 2));
    if (name.find('\\') != std::string::npos) return std::nullopt;
    start = open;
  } else {
    while (start > 0 && ident(s[start - 1])) --start;
    name = std::string(s.substr(start));
    if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return std::nullopt;
  }
  if (name.empty()) return std::nullopt;
  std::string_view rest = trim(s.substr(0, start));
  if (rest.empty()) return std::make_pair(std::string(), name);
  if (rest.back() != '.') return std::nullopt;
  rest = trim(rest.substr(0, rest.size() - 1));
  if (rest.empty()) return std::nullopt;
  // Only names, dots, %constants and bracketed / parenthesised groups at the top level.
  int depth = 0;
  for (size_t i = 0; i < rest.size(); ++i) {
    const char c = rest[i];
    if (c == '\'' || c == '`') {
      const size_t close = rest.find(c, i + 1);
      if (close == std::string_view::npos) return std::nullopt;
      i = close;
      continue;
    }
    if (c == '(' || c == '[') {
      ++depth;
    } else if (c == ')' || c == ']') {
      if (--depth < 0) return std::nullopt;
    } else if (depth == 0 && !ident(c) && c != '.' && c != '%') {
      return std::nullopt;
    }
  }
  if (depth != 0) return std::nullopt;
  return std::make_pair(std::string(rest), name);
}

// ---- Applying -----------------------------------------------------------------------------------

class Patcher {
 public:
  Patcher(const Definitions& defs, const FhirPatchOptions& options, Value& root)
      : defs_(defs), options_(options), root_(root), builder_(defs, options.max_depth) {}

  absl::Status Apply(const Operation& op) {
    switch (op.type) {
      case OpType::kAdd:
        return Add(op);
      case OpType::kInsert:
        return Insert(op);
      case OpType::kDelete:
        return Delete(op);
      case OpType::kReplace:
        return Replace(op);
      case OpType::kMove:
        return Move(op);
    }
    return absl::InternalError("unknown operation");
  }

 private:
  absl::StatusOr<fhirpath::Collection> Evaluate(const std::string& path) {
    fhirpath::CompileOptions copts;
    copts.allow_choice_type_suffix = true;
    copts.context_type = std::string(root_.GetString("resourceType"));
    absl::StatusOr<fhirpath::Expression> expr = fhirpath::Compile(path, defs_, copts);
    if (!expr.ok()) {
      return absl::InvalidArgumentError("invalid path: " + std::string(expr.status().message()));
    }
    fhirpath::EvalContext ctx;
    ctx.clock = options_.clock;
    absl::StatusOr<fhirpath::Collection> r = fhirpath::Evaluate(*expr, root_, ctx);
    if (!r.ok()) {
      return absl::InvalidArgumentError("the path cannot be evaluated: " +
                                        std::string(r.status().message()));
    }
    return r;
  }

  static absl::Status Count(const fhirpath::Collection& items, const std::string& what) {
    if (items.size() == 1) return absl::OkStatus();
    return absl::InvalidArgumentError(
        items.empty() ? "the path matched no element (" + what + " needs exactly one)"
                      : "the path matched " + std::to_string(items.size()) + " elements (" + what +
                            " needs exactly one)");
  }

  absl::Status CheckDepth(size_t enclosing, const Placed& placed) const {
    const size_t limit = options_.max_depth;
    size_t depth = 0;
    if (placed.main) depth = std::max(depth, ValueDepth(*placed.main, limit));
    if (placed.ext) depth = std::max(depth, ValueDepth(*placed.ext, limit));
    if (enclosing + depth > limit) {
      return absl::InvalidArgumentError("the patched resource would nest " +
                                        std::to_string(enclosing + depth) +
                                        " levels deep; at most " + std::to_string(limit));
    }
    return absl::OkStatus();
  }

  // The object that holds the children of the element at `slot` (for a primitive, its `_name`
  // object, created when absent), with the context defining them.
  absl::StatusOr<Value*> ContainerObject(const Slot& slot) {
    if (slot.parent == nullptr) return &root_;
    if (!slot.primitive(defs_)) {
      if (!slot.node->is_object()) {
        return absl::InvalidArgumentError("the element at " + LocationText(root_, slot.steps) +
                                          " is " + KindName(*slot.node) + ", not an object");
      }
      return slot.node;
    }
    const std::string ext_key = "_" + slot.name;
    if (slot.index) {
      TC_ASSIGN_OR_RETURN(
          Value * exts, ArrayFor(*slot.parent, ext_key,
                                 std::max(LogicalSize(*slot.parent, slot.name), *slot.index + 1)));
      Value& e = exts->mutable_array()[*slot.index];
      if (e.is_null()) e = Value::Object();
      if (!e.is_object()) {
        return absl::InvalidArgumentError(Quote(ext_key) + " holds " + KindName(e));
      }
      return &e;
    }
    Value* e = slot.parent->FindMutable(ext_key);
    if (e == nullptr) e = &slot.parent->Set(ext_key, Value::Object());
    if (!e->is_object()) {
      return absl::InvalidArgumentError(Quote(ext_key) + " holds " + KindName(*e));
    }
    return e;
  }

  // Places `value_part` as a new child `name` of the element at `container` (add), appending when
  // the child repeats. `insert_index` instead inserts into a repeating child at that index.
  absl::Status AddChild(const Slot& container, const std::string& name, const Value& value_part,
                        std::optional<size_t> insert_index) {
    const bool primitive = container.parent != nullptr && container.primitive(defs_);
    const std::string& context = container.context;
    std::optional<ElementRef> ref = FindElement(defs_, context, name);
    if (!ref || (primitive && name != "extension" && name != "id")) {
      return absl::InvalidArgumentError(
          (primitive && name == "value")
              ? "a primitive's value cannot be added: use replace"
              : "the element at " + LocationText(root_, container.steps) + " (" + context +
                    ") has no child element " + Quote(name));
    }
    const bool repeating = ref->element->max != 1;
    if (insert_index && !repeating) {
      return absl::InvalidArgumentError(ref->element->path + " is not a list");
    }
    TC_ASSIGN_OR_RETURN(Placed placed, builder_.Build(value_part, *ref, "the value", 0));
    TC_RETURN_IF_ERROR(CheckDepth(container.enclosing + 1 + (repeating ? 1 : 0), placed));
    if (!repeating) {
      // The element must be absent: under any of its JSON names (valueString, valueCode...).
      const Value& object = container.parent == nullptr ? root_ : *container.node;
      const Value* existing_holder = &object;
      if (primitive) {
        const Value* exts = container.parent->Find("_" + container.name);
        if (exts != nullptr && container.index) {
          existing_holder = exts->is_array() && *container.index < exts->size()
                                ? &exts->array()[*container.index]
                                : nullptr;
        } else {
          existing_holder = exts;
        }
      }
      if (existing_holder != nullptr && existing_holder->is_object()) {
        for (const Value::Member& m : existing_holder->members()) {
          std::string_view key = m.key;
          if (!key.empty() && key[0] == '_') key.remove_prefix(1);
          std::optional<ElementRef> other = FindElement(defs_, context, key);
          if (other && other->element == ref->element) {
            return absl::InvalidArgumentError(
                Quote(std::string(key)) + " is already present at " +
                LocationText(root_, container.steps) +
                " and does not repeat (add only fills an absent element or appends to a list; "
                "use replace)");
          }
        }
      }
    }
    TC_ASSIGN_OR_RETURN(Value * object, ContainerObject(container));
    const std::string key = placed.key;  // `placed` is moved from below
    if (!repeating) return SetOccurrence(*object, key, std::nullopt, std::move(placed));
    const size_t n = LogicalSize(*object, key);
    const size_t at = insert_index.value_or(n);
    if (at > n) {
      return absl::InvalidArgumentError("index " + std::to_string(at) +
                                        " is out of range: the list has " + std::to_string(n) +
                                        " items");
    }
    return InsertOccurrence(*object, key, at, std::move(placed));
  }

  absl::Status Add(const Operation& op) {
    if (!op.name) return absl::InvalidArgumentError("missing part \"name\"");
    if (op.value == nullptr) return absl::InvalidArgumentError("missing part \"value\"");
    TC_ASSIGN_OR_RETURN(fhirpath::Collection items, Evaluate(op.path));
    TC_RETURN_IF_ERROR(Count(items, "add"));
    TC_ASSIGN_OR_RETURN(Slot container, Locate(defs_, root_, items[0]));
    return AddChild(container, *op.name, *op.value, std::nullopt);
  }

  absl::Status Replace(const Operation& op) {
    if (op.value == nullptr) return absl::InvalidArgumentError("missing part \"value\"");
    TC_ASSIGN_OR_RETURN(fhirpath::Collection items, Evaluate(op.path));
    TC_RETURN_IF_ERROR(Count(items, "replace"));
    TC_ASSIGN_OR_RETURN(Slot slot, Locate(defs_, root_, items[0]));
    if (slot.parent == nullptr) {
      return absl::InvalidArgumentError(
          "the path matched the resource itself, which cannot be "
          "replaced");
    }
    TC_ASSIGN_OR_RETURN(
        Placed placed, builder_.Build(*op.value, ElementRef{slot.element, "", ""}, "the value", 0));
    TC_RETURN_IF_ERROR(CheckDepth(slot.enclosing, placed));
    if (slot.index && placed.key != slot.name) {
      return absl::InvalidArgumentError("a list item cannot change its type");
    }
    return SetOccurrence(*slot.parent, slot.name, slot.index, std::move(placed));
  }

  absl::Status Delete(const Operation& op) {
    TC_ASSIGN_OR_RETURN(fhirpath::Collection items, Evaluate(op.path));
    if (items.empty()) return absl::OkStatus();
    if (items.size() > 1) {
      return absl::InvalidArgumentError("the path matched " + std::to_string(items.size()) +
                                        " elements (delete needs at most one)");
    }
    TC_ASSIGN_OR_RETURN(Slot slot, Locate(defs_, root_, items[0]));
    if (slot.parent == nullptr) {
      return absl::InvalidArgumentError(
          "the path matched the resource itself, which cannot be "
          "deleted");
    }
    RemoveOccurrence(*slot.parent, slot.name, slot.index);
    // Remove the containers the deletion left empty (an element must have content), up to the
    // resource.
    for (size_t k = slot.steps.size() - 1; k > 0; --k) {
      Value* emptied = slot.steps[k].object;
      if (!emptied->is_object() || emptied->size() != 0) break;
      const Step& up = slot.steps[k - 1];
      std::string_view name = up.key;
      if (!name.empty() && name[0] == '_') {
        name.remove_prefix(1);
        ClearExtension(*up.object, std::string(name), up.index);
      } else {
        RemoveOccurrence(*up.object, std::string(name), up.index);
      }
    }
    return absl::OkStatus();
  }

  // The list a path names: all its items must be the items of one repeating element, in order.
  // Returns the slot of the first item (or, for an empty match, nullopt).
  absl::StatusOr<std::optional<Slot>> LocateList(const fhirpath::Collection& items) {
    if (items.empty()) return std::optional<Slot>();
    TC_ASSIGN_OR_RETURN(Slot first, Locate(defs_, root_, items[0]));
    const Value* values = first.parent != nullptr ? first.parent->Find(first.name) : nullptr;
    const Value* exts = first.parent != nullptr ? first.parent->Find("_" + first.name) : nullptr;
    for (size_t i = 0; i < items.size(); ++i) {
      // Item i must be entry i of the first item's list (its value or its `_name` entry).
      const Value* target = items[i].node() != nullptr ? items[i].node() : items[i].ext();
      const bool in_list = first.index.has_value() && *first.index == 0 && items[i].is_node() &&
                           ((values != nullptr && values->is_array() && i < values->size() &&
                             target == &values->array()[i]) ||
                            (exts != nullptr && exts->is_array() && i < exts->size() &&
                             target == &exts->array()[i]));
      if (!in_list) {
        absl::StatusOr<Slot> slot = Locate(defs_, root_, items[i]);
        if (!slot.ok()) return slot.status();
        return absl::InvalidArgumentError(
            "the path must match a whole list (every item of one repeating element, in order), "
            "but item " +
            std::to_string(i) + " is " + LocationText(root_, slot->steps));
      }
    }
    const size_t n = LogicalSize(*first.parent, first.name);
    if (n != items.size()) {
      return absl::InvalidArgumentError(
          "the path matched " + std::to_string(items.size()) + " of the " + std::to_string(n) +
          " items of " + LocationText(root_, first.steps) + "; it must match the whole list");
    }
    return std::optional<Slot>(std::move(first));
  }

  absl::Status Insert(const Operation& op) {
    if (!op.index) return absl::InvalidArgumentError("missing part \"index\"");
    if (op.value == nullptr) return absl::InvalidArgumentError("missing part \"value\"");
    TC_ASSIGN_OR_RETURN(fhirpath::Collection items, Evaluate(op.path));
    TC_ASSIGN_OR_RETURN(std::optional<Slot> list, LocateList(items));
    if (list) {
      const size_t n = LogicalSize(*list->parent, list->name);
      if (*op.index > n) {
        return absl::InvalidArgumentError("index " + std::to_string(*op.index) +
                                          " is out of range: the list has " + std::to_string(n) +
                                          " items");
      }
      TC_ASSIGN_OR_RETURN(
          Placed placed,
          builder_.Build(*op.value, ElementRef{list->element, "", ""}, "the value", 0));
      TC_RETURN_IF_ERROR(CheckDepth(list->enclosing, placed));
      if (placed.key != list->name) {
        return absl::InvalidArgumentError("the value's type does not match the list");
      }
      return InsertOccurrence(*list->parent, list->name, *op.index, std::move(placed));
    }
    // An empty list: find its parent from the path's text.
    std::optional<std::pair<std::string, std::string>> split = SplitTrailingMember(op.path);
    if (!split) {
      return absl::InvalidArgumentError(
          "the path matched no element; to insert into an empty list, give the path as "
          "<parent>.<element> with a plain parent path");
    }
    Slot container;
    if (split->first.empty()) {
      container.type = container.context = std::string(root_.GetString("resourceType"));
      container.node = &root_;
    } else {
      TC_ASSIGN_OR_RETURN(fhirpath::Collection parents, Evaluate(split->first));
      if (parents.size() != 1) {
        return absl::InvalidArgumentError(
            "the path matched no element, and its parent " + Quote(split->first) + " matched " +
            (parents.empty() ? std::string("nothing")
                             : std::to_string(parents.size()) + " elements") +
            " (an insert into an empty list needs exactly one)");
      }
      TC_ASSIGN_OR_RETURN(container, Locate(defs_, root_, parents[0]));
    }
    return AddChild(container, split->second, *op.value, op.index);
  }

  absl::Status Move(const Operation& op) {
    if (!op.source) return absl::InvalidArgumentError("missing part \"source\"");
    if (!op.destination) return absl::InvalidArgumentError("missing part \"destination\"");
    TC_ASSIGN_OR_RETURN(fhirpath::Collection items, Evaluate(op.path));
    TC_ASSIGN_OR_RETURN(std::optional<Slot> list, LocateList(items));
    if (!list) return absl::InvalidArgumentError("the path matched no element (move needs a list)");
    const size_t n = LogicalSize(*list->parent, list->name);
    for (const auto& [what, at] :
         {std::make_pair("source", *op.source), std::make_pair("destination", *op.destination)}) {
      if (at >= n) {
        return absl::InvalidArgumentError(std::string(what) + " " + std::to_string(at) +
                                          " is out of range: the list has " + std::to_string(n) +
                                          " items");
      }
    }
    Value& parent = *list->parent;
    Placed moved;
    moved.key = list->name;
    if (Value* values = parent.FindMutable(list->name); values != nullptr && values->is_array() &&
                                                        *op.source < values->size() &&
                                                        !values->array()[*op.source].is_null()) {
      moved.main = values->array()[*op.source];
    }
    if (Value* exts = parent.FindMutable("_" + list->name); exts != nullptr && exts->is_array() &&
                                                            *op.source < exts->size() &&
                                                            !exts->array()[*op.source].is_null()) {
      moved.ext = exts->array()[*op.source];
    }
    RemoveOccurrence(parent, list->name, *op.source);
    return InsertOccurrence(parent, list->name, *op.destination, std::move(moved));
  }

  const Definitions& defs_;
  const FhirPatchOptions& options_;
  Value& root_;
  ValueBuilder builder_;
};

std::string OpLabel(size_t i, const Operation* op) {
  std::string label = "FHIR Patch operation " + std::to_string(i);
  if (op != nullptr) label += " (" + op->type_name + " " + Quote(op->path) + ")";
  return label;
}

// The label of an operation that could not be read: with its type and path when it has them.
std::string PartialLabel(size_t i, const Value& parameter) {
  std::string type;
  std::string path;
  const Value* parts = parameter.is_object() ? parameter.Find("part") : nullptr;
  if (parts != nullptr && parts->is_array()) {
    for (const Value& part : parts->array()) {
      const std::string_view name = part.GetString("name");
      std::string* into = name == "type" ? &type : name == "path" ? &path : nullptr;
      if (into == nullptr || !into->empty()) continue;
      for (const Value::Member& m : part.members()) {
        if (m.key.starts_with("value") && m.value.is_string()) *into = m.value.string_value();
      }
    }
  }
  std::string label = "FHIR Patch operation " + std::to_string(i);
  if (!type.empty()) {
    label += " (" + type;
    if (!path.empty()) label += " " + Quote(path);
    label += ")";
  }
  return label;
}

}  // namespace

absl::Status ApplyFhirPatch(const Definitions& defs, const Value& parameters, Value& target,
                            const FhirPatchOptions& options) {
  if (!parameters.is_object() || parameters.GetString("resourceType") != "Parameters") {
    return absl::InvalidArgumentError("FHIR Patch: the patch must be a Parameters resource");
  }
  if (!target.is_object() || !defs.IsResourceType(target.GetString("resourceType"))) {
    return absl::InvalidArgumentError("FHIR Patch: the target is not a resource of a known type");
  }
  const Value* list = parameters.Find("parameter");
  if (list == nullptr) return absl::OkStatus();
  if (!list->is_array()) {
    return absl::InvalidArgumentError("FHIR Patch: Parameters.parameter must be an array, not " +
                                      KindName(*list));
  }
  Value work = target;
  Patcher patcher(defs, options, work);
  for (size_t i = 0; i < list->array().size(); ++i) {
    absl::StatusOr<Operation> op = ReadOperation(list->array()[i]);
    if (!op.ok()) {
      return absl::InvalidArgumentError(PartialLabel(i, list->array()[i]) + ": " +
                                        std::string(op.status().message()));
    }
    if (absl::Status s = patcher.Apply(*op); !s.ok()) {
      return absl::InvalidArgumentError(OpLabel(i, &*op) + ": " + std::string(s.message()));
    }
  }
  target = std::move(work);
  return absl::OkStatus();
}

}  // namespace tc::engine
