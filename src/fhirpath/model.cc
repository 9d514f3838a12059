#include "fhirpath/model.h"

#include <optional>
#include <string>

namespace tc::fhirpath {
namespace {

bool IsUnderscoreOf(std::string_view key, std::string_view name) {
  return key.size() == name.size() + 1 && key[0] == '_' && key.substr(1) == name;
}

const fhir::Value* FindExt(const fhir::Value& obj, std::string_view name) {
  for (const fhir::Value::Member& m : obj.members()) {
    if (IsUnderscoreOf(m.key, name)) return &m.value;
  }
  return nullptr;
}

bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }

// The object whose members are `item`'s children: the node for complex values, the `_name`
// object for primitives.
const fhir::Value* ChildObject(const Item& item) {
  const fhir::Value* obj = item.system_type() == SystemType::kNone ? item.node() : item.ext();
  if (obj == nullptr || !obj->is_object()) return nullptr;
  return obj;
}

}  // namespace

SystemType Model::SystemTypeOf(std::string_view t) {
  if (t.empty()) return SystemType::kNone;
  switch (t[0]) {
    case 'b':
      if (t == "boolean") return SystemType::kBoolean;
      if (t == "base64Binary") return SystemType::kString;
      break;
    case 'i':
      if (t == "integer" || t == "integer64") return SystemType::kInteger;
      if (t == "id") return SystemType::kString;
      if (t == "instant") return SystemType::kDateTime;
      break;
    case 'p':
      if (t == "positiveInt") return SystemType::kInteger;
      break;
    case 'u':
      if (t == "unsignedInt") return SystemType::kInteger;
      if (t == "uri" || t == "url" || t == "uuid") return SystemType::kString;
      break;
    case 'd':
      if (t == "decimal") return SystemType::kDecimal;
      if (t == "date") return SystemType::kDate;
      if (t == "dateTime") return SystemType::kDateTime;
      break;
    case 't':
      if (t == "time") return SystemType::kTime;
      break;
    case 's':
      if (t == "string") return SystemType::kString;
      break;
    case 'c':
      if (t == "code" || t == "canonical") return SystemType::kString;
      break;
    case 'o':
      if (t == "oid") return SystemType::kString;
      break;
    case 'm':
      if (t == "markdown") return SystemType::kString;
      break;
    case 'x':
      if (t == "xhtml") return SystemType::kString;
      break;
    default:
      break;
  }
  return SystemType::kNone;
}

Item Model::ResourceItem(const fhir::Value* resource) const {
  if (resource == nullptr) return Item();
  if (resource->is_object()) {
    const fhir::TypeDef* t = defs_.FindType(resource->GetString("resourceType"));
    if (t != nullptr) return Item::Node(resource, nullptr, t->name, t->name, SystemType::kNone);
  }
  Collection tmp;
  Untyped(resource, nullptr, &tmp);
  return tmp.empty() ? Item() : tmp[0];
}

MemberResolution Model::Resolve(std::string_view context, std::string_view name) const {
  MemberResolution r;
  r.context = context;
  if (context.empty()) return r;
  std::optional<fhir::Definitions::Child> child = defs_.ResolveChild(context, name);
  if (child) {
    const fhir::ElementDef* el = child->element;
    r.found = true;
    // Stable views of the type and children context.
    std::string_view type;
    for (const std::string& t : el->types) {
      if (t == child->type) type = t;
    }
    if (!el->content_reference.empty()) {
      const fhir::ElementDef* ref = defs_.FindElement(el->content_reference);
      if (ref != nullptr && !ref->types.empty()) type = ref->types[0];
      r.child_context = el->content_reference;
    } else if ((type == "BackboneElement" || type == "Element") &&
               !defs_.ChildElements(el->path).empty()) {
      r.child_context = el->path;
    } else {
      r.child_context = type;
    }
    r.type = type;
    r.sys = SystemTypeOf(type);
    r.polymorphic_resource = type == "Resource" || type == "DomainResource";
    r.choice_suffix = el->is_choice && el->name != name;
    return r;
  }
  for (const fhir::ElementDef* el : defs_.ChildElements(context)) {
    if (el->is_choice && el->name == name) {
      r.found = true;
      r.choice = true;
      return r;
    }
  }
  return r;
}

Item Model::Typed(const fhir::Value* node, const fhir::Value* ext, std::string_view type,
                  std::string_view context, SystemType sys, bool polymorphic) const {
  if (polymorphic && node != nullptr && node->is_object()) {
    const fhir::TypeDef* t = defs_.FindType(node->GetString("resourceType"));
    if (t != nullptr) return Item::Node(node, nullptr, t->name, t->name, SystemType::kNone);
  }
  return Item::Node(node, ext, type, context, sys);
}

void Model::Untyped(const fhir::Value* node, const fhir::Value* ext, Collection* out) const {
  auto one = [&](const fhir::Value* v, const fhir::Value* e) {
    SystemType sys = SystemType::kNone;
    if (v != nullptr) {
      switch (v->kind()) {
        case fhir::Value::Kind::kBool:
          sys = SystemType::kBoolean;
          break;
        case fhir::Value::Kind::kString:
          sys = SystemType::kString;
          break;
        case fhir::Value::Kind::kNumber:
          sys = v->number_text().find_first_of(".eE") == std::string::npos ? SystemType::kInteger
                                                                           : SystemType::kDecimal;
          break;
        case fhir::Value::Kind::kNull:
          if (e == nullptr) return;
          v = nullptr;
          break;
        default:
          break;
      }
    }
    if (v == nullptr && e == nullptr) return;
    if (v != nullptr && v->is_object()) {
      const fhir::TypeDef* t = defs_.FindType(v->GetString("resourceType"));
      if (t != nullptr) {
        out->push_back(Item::Node(v, nullptr, t->name, t->name, SystemType::kNone));
        return;
      }
    }
    out->push_back(Item::Node(v, e, std::string_view(), std::string_view(), sys));
  };
  if (node != nullptr && node->is_array()) {
    const fhir::Value::Array& a = node->array();
    for (size_t i = 0; i < a.size(); ++i) {
      const fhir::Value* e =
          ext != nullptr && ext->is_array() && i < ext->array().size() ? &ext->array()[i] : nullptr;
      if (e != nullptr && e->is_null()) e = nullptr;
      if (a[i].is_array()) continue;
      one(&a[i], e);
    }
    return;
  }
  one(node, ext);
}

void Model::AppendOccurrences(const fhir::Value* value, const fhir::Value* ext,
                              std::string_view type, std::string_view context, SystemType sys,
                              bool polymorphic, Collection* out) const {
  if (value != nullptr && value->is_array()) {
    const fhir::Value::Array& a = value->array();
    const fhir::Value::Array* e = ext != nullptr && ext->is_array() ? &ext->array() : nullptr;
    for (size_t i = 0; i < a.size(); ++i) {
      const fhir::Value* x =
          e != nullptr && i < e->size() && !(*e)[i].is_null() ? &(*e)[i] : nullptr;
      const fhir::Value* v = a[i].is_null() ? nullptr : &a[i];
      if (v == nullptr && x == nullptr) continue;
      out->push_back(Typed(v, x, type, context, sys, polymorphic));
    }
    return;
  }
  if (value != nullptr && value->is_null()) value = nullptr;
  if (value == nullptr) {
    if (ext == nullptr) return;
    if (ext->is_array()) {
      for (const fhir::Value& x : ext->array()) {
        if (!x.is_null()) out->push_back(Typed(nullptr, &x, type, context, sys, polymorphic));
      }
      return;
    }
  }
  out->push_back(Typed(value, ext, type, context, sys, polymorphic));
}

void Model::Member(const Item& parent, std::string_view name, const MemberResolution* res,
                   Collection* out) const {
  const fhir::Value* obj = ChildObject(parent);
  if (obj == nullptr) return;
  if (res == nullptr || parent.context().empty()) {
    const fhir::Value* v = obj->Find(name);
    const fhir::Value* e = FindExt(*obj, name);
    if (v != nullptr || e != nullptr) Untyped(v, e, out);
    return;
  }
  if (!res->found) return;
  if (!res->choice) {
    const fhir::Value* v = nullptr;
    const fhir::Value* e = nullptr;
    for (const fhir::Value::Member& m : obj->members()) {
      if (m.key == name) {
        v = &m.value;
        if (res->sys == SystemType::kNone) break;
      } else if (res->sys != SystemType::kNone && IsUnderscoreOf(m.key, name)) {
        e = &m.value;
      }
    }
    if (v == nullptr && e == nullptr) return;
    AppendOccurrences(v, e, res->type, res->child_context, res->sys, res->polymorphic_resource,
                      out);
    return;
  }
  // Choice element: every member named name + TypeSuffix.
  for (const fhir::Value::Member& m : obj->members()) {
    std::string_view key = m.key;
    bool underscore = !key.empty() && key[0] == '_';
    std::string_view bare = underscore ? key.substr(1) : key;
    if (bare.size() <= name.size() || bare.substr(0, name.size()) != name ||
        !IsUpper(bare[name.size()])) {
      continue;
    }
    if (underscore && obj->Find(bare) != nullptr) continue;  // handled with its value
    MemberResolution r = Resolve(parent.context(), bare);
    if (!r.found || r.choice) continue;
    const fhir::Value* v = underscore ? nullptr : &m.value;
    const fhir::Value* e = underscore ? &m.value : FindExt(*obj, bare);
    AppendOccurrences(v, e, r.type, r.child_context, r.sys, r.polymorphic_resource, out);
  }
}

void Model::Children(const Item& parent, Collection* out) const {
  const fhir::Value* obj = ChildObject(parent);
  if (obj == nullptr) return;
  for (const fhir::Value::Member& m : obj->members()) {
    std::string_view key = m.key;
    if (key == "resourceType") continue;
    bool underscore = !key.empty() && key[0] == '_';
    std::string_view bare = underscore ? key.substr(1) : key;
    if (underscore && obj->Find(bare) != nullptr) continue;
    const fhir::Value* v = underscore ? nullptr : &m.value;
    const fhir::Value* e = underscore ? &m.value : FindExt(*obj, bare);
    if (parent.context().empty()) {
      Untyped(v, e, out);
      continue;
    }
    MemberResolution r = Resolve(parent.context(), bare);
    if (!r.found || r.choice) {
      Untyped(v, e, out);
      continue;
    }
    AppendOccurrences(v, e, r.type, r.child_context, r.sys, r.polymorphic_resource, out);
  }
}

bool Model::IsSubtype(std::string_view type, std::string_view base) const {
  for (int guard = 0; guard < 32 && !type.empty(); ++guard) {
    if (type == base) return true;
    const fhir::TypeDef* t = defs_.FindType(type);
    if (t == nullptr) return false;
    type = t->base;
  }
  return false;
}

}  // namespace tc::fhirpath
