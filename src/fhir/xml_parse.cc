// FHIR XML → Value. The text is first screened (xml_internal::CheckXmlText: encoding, DTDs,
// entities, depth), then parsed by pugixml (non-validating, never expands entities) and walked
// with the definitions registry deciding, per element, array or single value, primitive JSON
// type, choice type, resource container or narrative.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fhir/xml.h"
#include "fhir/xml_internal.h"
#include "pugixml.hpp"

namespace tc::fhir {
namespace {

using xml_internal::Append;
using xml_internal::Cat;
using xml_internal::Where;

constexpr std::string_view kXmlNamespace = "http://www.w3.org/XML/1998/namespace";

// Namespace declarations in scope: a chain of frames, one per element that declares any.
struct NsScope {
  const NsScope* parent = nullptr;
  std::vector<std::pair<std::string_view, std::string_view>> decls;  // prefix ("" = default)
};

// Returns the namespace bound to `prefix`; "" for an unprefixed name with no default namespace;
// nullopt for an undeclared prefix.
std::optional<std::string_view> ResolvePrefix(const NsScope* scope, std::string_view prefix) {
  for (; scope != nullptr; scope = scope->parent) {
    for (const auto& [p, uri] : scope->decls) {
      if (p == prefix) return uri;
    }
  }
  if (prefix.empty()) return std::string_view();
  if (prefix == "xml") return kXmlNamespace;
  return std::nullopt;
}

// Splits "p:local" into {"p", "local"}; {"", name} when unprefixed.
std::pair<std::string_view, std::string_view> SplitName(std::string_view name) {
  const size_t colon = name.find(':');
  if (colon == std::string_view::npos) return {std::string_view(), name};
  return {name.substr(0, colon), name.substr(colon + 1)};
}

// Fills `scope` with the xmlns declarations on `elem`; returns the scope in force for it.
const NsScope* EnterScope(pugi::xml_node elem, const NsScope* parent, NsScope& scope) {
  scope.parent = parent;
  for (pugi::xml_attribute a = elem.first_attribute(); a; a = a.next_attribute()) {
    const std::string_view name = a.name();
    if (name == "xmlns") {
      scope.decls.emplace_back(std::string_view(), a.value());
    } else if (std::string_view(name).starts_with("xmlns:")) {
      scope.decls.emplace_back(name.substr(6), a.value());
    }
  }
  return scope.decls.empty() ? parent : &scope;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

bool IsNamespaceDeclaration(std::string_view attr_name) {
  return attr_name == "xmlns" || std::string_view(attr_name).starts_with("xmlns:");
}

// Location of the element being converted, kept as a chain and rendered only for messages:
// "Patient.name[0].given[1]".
struct PathFrame {
  const PathFrame* parent = nullptr;
  std::string_view name;  // "" adds nothing (a contained resource's own element)
  int index = -1;         // -1 when the element does not repeat
};

std::string PathString(const PathFrame* frame) {
  std::vector<const PathFrame*> chain;
  for (; frame != nullptr; frame = frame->parent) {
    if (!frame->name.empty()) chain.push_back(frame);
  }
  std::string out;
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    if (!out.empty()) out.push_back('.');
    Append(out, (*it)->name);
    if ((*it)->index >= 0) Append(out, "[", (*it)->index, "]");
  }
  return out;
}

enum class ContentKind { kResource, kComplex, kPrimitive };

// The values collected for one JSON property while walking an element's children.
struct Slot {
  std::string_view name;
  const ElementDef* element = nullptr;
  bool repeating = false;
  bool primitive = false;
  std::vector<Value> values;
  std::vector<Value> extras;  // primitives: the `_name` objects (or nulls)
  bool any_value = false;
  bool any_extra = false;
};

class XmlParser {
 public:
  XmlParser(const Definitions& defs, std::string_view text, const XmlParseOptions& options)
      : defs_(defs), text_(text), options_(options) {}

  absl::StatusOr<Value> Parse() {
    if (text_.size() > options_.max_bytes) {
      return absl::InvalidArgumentError(
          Cat("XML document is larger than ", options_.max_bytes, " bytes"));
    }
    if (absl::Status s = xml_internal::CheckXmlText(text_, options_.max_depth); !s.ok()) {
      return s;
    }
    pugi::xml_document doc;
    const pugi::xml_parse_result result =
        doc.load_buffer(text_.data(), text_.size(), pugi::parse_default | pugi::parse_declaration,
                        pugi::encoding_utf8);
    if (!result) {
      return absl::InvalidArgumentError(Cat("malformed XML at ",
                                            Where(text_, static_cast<size_t>(result.offset)), ": ",
                                            result.description()));
    }
    pugi::xml_node root;
    for (pugi::xml_node n = doc.first_child(); n; n = n.next_sibling()) {
      switch (n.type()) {
        case pugi::node_declaration: {
          const std::string_view encoding = n.attribute("encoding").value();
          if (!encoding.empty() && !EqualsIgnoreCase(encoding, "UTF-8")) {
            return absl::InvalidArgumentError(
                Cat("XML encoding \"", encoding, "\" is not supported (FHIR XML must be UTF-8)"));
          }
          break;
        }
        case pugi::node_element:
          if (root) {
            return absl::InvalidArgumentError(
                Cat("XML has more than one root element (second at ", At(n), ")"));
          }
          root = n;
          break;
        case pugi::node_pcdata:
        case pugi::node_cdata:
          return absl::InvalidArgumentError("XML has text outside the root element");
        default:
          break;
      }
    }
    if (!root) return absl::InvalidArgumentError("XML has no root element");

    NsScope scope;
    const NsScope* in_scope = EnterScope(root, nullptr, scope);
    const auto [prefix, local] = SplitName(root.name());
    const std::optional<std::string_view> ns = ResolvePrefix(in_scope, prefix);
    if (!ns || *ns != kFhirNamespace) {
      return absl::InvalidArgumentError(Cat("root element <", root.name(),
                                            "> is not in the FHIR namespace \"", kFhirNamespace,
                                            "\""));
    }
    if (!defs_.IsResourceType(local)) {
      return absl::InvalidArgumentError(
          Cat("root element <", local, "> is not a FHIR resource type"));
    }
    const PathFrame frame{nullptr, local, -1};
    Value out;
    if (absl::Status s = ParseResource(local, root, in_scope, 1, &frame, out); !s.ok()) return s;
    return out;
  }

 private:
  std::string At(pugi::xml_node n) const {
    const ptrdiff_t offset = n.offset_debug();
    return offset < 0 ? std::string("unknown position") : Where(text_, static_cast<size_t>(offset));
  }

  absl::Status Error(const PathFrame* frame, std::string_view what) const {
    return absl::InvalidArgumentError(Cat(what, " at ", PathString(frame)));
  }

  absl::Status ParseResource(std::string_view type, pugi::xml_node elem, const NsScope* scope,
                             int depth, const PathFrame* frame, Value& out) {
    out = Value::Object();
    out.mutable_members().push_back({"resourceType", Value::String(std::string(type))});
    return ParseContent(type, ContentKind::kResource, elem, scope, depth, frame, out, nullptr);
  }

  // A resource container (`contained`, `Bundle.entry.resource`...): one child element naming
  // the resource type.
  absl::Status ParseContainer(pugi::xml_node elem, const NsScope* scope, int depth,
                              const PathFrame* frame, Value& out) {
    for (pugi::xml_attribute a = elem.first_attribute(); a; a = a.next_attribute()) {
      if (!IsNamespaceDeclaration(a.name()) && SplitName(a.name()).first.empty()) {
        return Error(frame, Cat("unexpected attribute '", a.name(), "'"));
      }
    }
    pugi::xml_node inner;
    for (pugi::xml_node n = elem.first_child(); n; n = n.next_sibling()) {
      if (n.type() == pugi::node_pcdata || n.type() == pugi::node_cdata) {
        return Error(frame, "text content where a resource is expected");
      }
      if (n.type() != pugi::node_element) continue;
      if (inner) return Error(frame, "more than one resource in a resource container");
      inner = n;
    }
    if (!inner) return Error(frame, "resource container holds no resource");
    NsScope own;
    const NsScope* in_scope = EnterScope(inner, scope, own);
    const auto [prefix, local] = SplitName(inner.name());
    const std::optional<std::string_view> ns = ResolvePrefix(in_scope, prefix);
    if (!ns || *ns != kFhirNamespace) {
      return Error(frame, Cat("element <", inner.name(), "> is not in the FHIR namespace"));
    }
    if (!defs_.IsResourceType(local)) {
      return Error(frame, Cat("<", local, "> is not a FHIR resource type"));
    }
    return ParseResource(local, inner, in_scope, depth + 1, frame, out);
  }

  // Converts `elem` (whose namespace scope is `scope`) into members of `obj`, under `context`.
  // For primitives, `value_attr` receives the `value` attribute (nullptr when absent) and `obj`
  // collects the `_name` object (id, extension).
  absl::Status ParseContent(std::string_view context, ContentKind kind, pugi::xml_node elem,
                            const NsScope* scope, int depth, const PathFrame* frame, Value& obj,
                            const char** value_attr) {
    if (depth > options_.max_depth) {
      return Error(frame, Cat("elements nested deeper than ", options_.max_depth));
    }
    if (absl::Status s = ParseAttributes(context, kind, elem, scope, frame, obj, value_attr);
        !s.ok()) {
      return s;
    }
    std::vector<Slot> slots;
    for (pugi::xml_node n = elem.first_child(); n; n = n.next_sibling()) {
      if (n.type() == pugi::node_pcdata || n.type() == pugi::node_cdata) {
        return Error(frame,
                     "text content is not allowed in FHIR elements (values go in 'value' "
                     "attributes)");
      }
      if (n.type() != pugi::node_element) continue;  // comments, PIs
      if (absl::Status s = ParseChild(context, kind, n, scope, depth, frame, slots); !s.ok()) {
        return s;
      }
    }
    AddSlots(slots, obj);
    return absl::OkStatus();
  }

  // The attributes of an element: Element.id, Extension.url, a primitive's value. Namespace
  // declarations and attributes in foreign namespaces (xsi:schemaLocation...) are skipped.
  absl::Status ParseAttributes(std::string_view context, ContentKind kind, pugi::xml_node elem,
                               const NsScope* scope, const PathFrame* frame, Value& obj,
                               const char** value_attr) const {
    if (xml_internal::HasDuplicateAttributes(elem)) {
      return Error(frame, "element has two attributes of the same name");
    }
    const bool is_extension = context == "Extension" && kind == ContentKind::kComplex;
    Value::Members& members = obj.mutable_members();
    for (pugi::xml_attribute a = elem.first_attribute(); a; a = a.next_attribute()) {
      const std::string_view name = a.name();
      if (IsNamespaceDeclaration(name)) continue;
      const auto [prefix, local] = SplitName(name);
      if (!prefix.empty()) {
        const std::optional<std::string_view> ns = ResolvePrefix(scope, prefix);
        if (!ns) return Error(frame, Cat("undeclared namespace prefix '", prefix, "'"));
        if (*ns == kFhirNamespace) return Error(frame, Cat("unexpected attribute '", name, "'"));
        continue;
      }
      if (kind != ContentKind::kResource && local == "id") {
        members.push_back({"id", Value::String(a.value())});
      } else if (kind == ContentKind::kPrimitive && local == "value") {
        *value_attr = a.value();
      } else if (is_extension && local == "url") {
        members.push_back({"url", Value::String(a.value())});
      } else {
        return Error(frame, Cat("unexpected attribute '", name, "'"));
      }
    }
    return absl::OkStatus();
  }

  // One child element `n` of an element under `context`: resolved against the definitions and
  // converted into (a new or existing) slot.
  absl::Status ParseChild(std::string_view context, ContentKind kind, pugi::xml_node n,
                          const NsScope* scope, int depth, const PathFrame* frame,
                          std::vector<Slot>& slots) {
    NsScope own;
    const NsScope* child_scope = EnterScope(n, scope, own);
    const auto [prefix, local] = SplitName(n.name());
    const std::optional<std::string_view> ns = ResolvePrefix(child_scope, prefix);
    if (!ns) {
      return Error(frame, Cat("undeclared namespace prefix '", prefix, "' on <", n.name(), ">"));
    }
    const bool xhtml_div = *ns == kXhtmlNamespace && local == "div";
    if (*ns != kFhirNamespace && !xhtml_div) {
      return Error(frame, Cat("element <", n.name(), "> is not in the FHIR namespace"));
    }
    const bool is_extension = context == "Extension" && kind == ContentKind::kComplex;
    if ((kind != ContentKind::kResource && local == "id") || (is_extension && local == "url") ||
        (kind == ContentKind::kPrimitive && local == "value")) {
      return Error(frame, Cat("'", local, "' must be an attribute, not an element"));
    }
    const std::optional<Definitions::Child> child = defs_.ResolveChild(context, local);
    // A primitive's only child elements are its extensions.
    if (!child || (kind == ContentKind::kPrimitive && child->type != "Extension")) {
      return Error(frame, Cat("unknown element '", local, "'"));
    }
    const bool is_xhtml = child->type == "xhtml";
    if (is_xhtml != xhtml_div) {
      return Error(
          frame, is_xhtml ? Cat("'", local, "' must be an XHTML <div> in \"", kXhtmlNamespace, "\"")
                          : Cat("element <", n.name(), "> is not in the FHIR namespace"));
    }
    const TypeDef* type = defs_.FindType(child->type);
    const bool primitive = is_xhtml || (type != nullptr && type->kind == TypeKind::kPrimitive);

    Slot* slot = nullptr;
    for (Slot& s : slots) {
      if (s.element == child->element) slot = &s;
    }
    if (slot == nullptr) {
      slot = &slots.emplace_back(Slot{.name = local,
                                      .element = child->element,
                                      .repeating = child->element->max != 1,
                                      .primitive = primitive});
    } else if (slot->name != local) {
      return Error(frame, Cat("'", local, "' and '", slot->name,
                              "' are two types for the same choice element"));
    } else if (!slot->repeating) {
      return Error(frame, Cat("'", local, "' appears more than once (it may not repeat)"));
    }
    const PathFrame child_frame{frame, local,
                                slot->repeating ? static_cast<int>(slot->values.size()) : -1};

    if (is_xhtml) {
      absl::StatusOr<std::string> div = DivText(n, prefix, &child_frame);
      if (!div.ok()) return div.status();
      slot->values.push_back(Value::String(*std::move(div)));
      slot->extras.emplace_back();
      slot->any_value = true;
      return absl::OkStatus();
    }
    if (type != nullptr && type->kind == TypeKind::kResource) {
      Value resource;
      if (absl::Status s = ParseContainer(n, child_scope, depth + 1, &child_frame, resource);
          !s.ok()) {
        return s;
      }
      slot->values.push_back(std::move(resource));
      return absl::OkStatus();
    }
    if (!primitive) {
      Value value = Value::Object();
      if (absl::Status s = ParseContent(defs_.ChildContext(*child), ContentKind::kComplex, n,
                                        child_scope, depth + 1, &child_frame, value, nullptr);
          !s.ok()) {
        return s;
      }
      slot->values.push_back(std::move(value));
      return absl::OkStatus();
    }
    Value extra = Value::Object();
    const char* value = nullptr;
    if (absl::Status s = ParseContent(defs_.ChildContext(*child), ContentKind::kPrimitive, n,
                                      child_scope, depth + 1, &child_frame, extra, &value);
        !s.ok()) {
      return s;
    }
    if (value == nullptr && extra.size() == 0) {
      return Error(&child_frame, "primitive element has no value attribute, id or extension");
    }
    if (value != nullptr) {
      absl::StatusOr<Value> v = PrimitiveValue(*type, value, &child_frame);
      if (!v.ok()) return v.status();
      slot->values.push_back(*std::move(v));
      slot->any_value = true;
    } else {
      slot->values.emplace_back();
    }
    if (extra.size() != 0) {
      slot->extras.push_back(std::move(extra));
      slot->any_extra = true;
    } else {
      slot->extras.emplace_back();
    }
    return absl::OkStatus();
  }

  // Adds the collected slots to `obj` as JSON properties: arrays for repeating elements; for
  // primitives the `_name` sibling, and no property at all for an array of only nulls.
  static void AddSlots(std::vector<Slot>& slots, Value& obj) {
    Value::Members& members = obj.mutable_members();
    for (Slot& slot : slots) {
      std::string name(slot.name);
      if (!slot.primitive) {
        members.push_back({std::move(name), slot.repeating
                                                ? Value::MakeArray(std::move(slot.values))
                                                : std::move(slot.values[0])});
        continue;
      }
      if (slot.any_extra) {
        members.push_back({Cat("_", name), slot.repeating ? Value::MakeArray(std::move(slot.extras))
                                                          : std::move(slot.extras[0])});
      }
      if (slot.any_value) {
        // Inserted before its `_name` sibling, for readability of the JSON.
        Value value =
            slot.repeating ? Value::MakeArray(std::move(slot.values)) : std::move(slot.values[0]);
        members.insert(slot.any_extra ? members.end() - 1 : members.end(),
                       {std::move(name), std::move(value)});
      }
    }
  }

  absl::StatusOr<Value> PrimitiveValue(const TypeDef& type, std::string_view text,
                                       const PathFrame* frame) const {
    if (type.json_type == "boolean") {
      if (text == "true") return Value::Bool(true);
      if (text == "false") return Value::Bool(false);
      return Error(frame, Cat("invalid boolean \"", text, "\" (must be true or false)"));
    }
    if (type.json_type == "number") {
      if (!xml_internal::IsJsonNumber(text)) {
        return Error(frame, Cat("invalid ", type.name, " \"", text, "\""));
      }
      return Value::Number(std::string(text));
    }
    return Value::String(std::string(text));
  }

  // The narrative: the exact source text of the <div> element when it declares the XHTML
  // namespace itself, unprefixed (the normal case); otherwise a re-serialisation of it with the
  // prefix dropped and the namespace declared on the div.
  absl::StatusOr<std::string> DivText(pugi::xml_node div, std::string_view prefix,
                                      const PathFrame* frame) const {
    const ptrdiff_t name_offset = div.offset_debug();
    if (name_offset < 1 || text_[static_cast<size_t>(name_offset) - 1] != '<') {
      return Error(frame, "cannot locate the narrative in the source text");
    }
    const size_t start = static_cast<size_t>(name_offset) - 1;
    const size_t end = xml_internal::ElementEnd(text_, start);
    if (end == std::string_view::npos) {
      return Error(frame, "cannot locate the end of the narrative in the source text");
    }
    if (xml_internal::FindDuplicateAttributes(div)) {
      return Error(frame, "narrative has an element with two attributes of the same name");
    }
    const std::string_view source = text_.substr(start, end - start);
    if (prefix.empty() && std::string_view(div.attribute("xmlns").value()) == kXhtmlNamespace) {
      return std::string(source);
    }
    pugi::xml_document copy;
    if (!copy.load_buffer(source.data(), source.size(),
                          pugi::parse_default | pugi::parse_ws_pcdata | pugi::parse_comments,
                          pugi::encoding_utf8)) {
      return Error(frame, "cannot re-read the narrative");
    }
    pugi::xml_node root = copy.document_element();
    if (!prefix.empty()) {
      const std::string strip = Cat(prefix, ":");
      struct Renamer : pugi::xml_tree_walker {
        std::string_view strip;
        bool for_each(pugi::xml_node& node) override {
          if (node.type() == pugi::node_element &&
              std::string_view(node.name()).starts_with(strip)) {
            node.set_name(std::string(node.name()).substr(strip.size()).c_str());
          }
          return true;
        }
      } renamer;
      renamer.strip = strip;
      root.traverse(renamer);
      root.set_name("div");
      root.remove_attribute(Cat("xmlns:", prefix).c_str());
    }
    root.remove_attribute("xmlns");
    root.prepend_attribute("xmlns").set_value(std::string(kXhtmlNamespace).c_str());
    struct Sink : pugi::xml_writer {
      std::string out;
      void write(const void* data, size_t size) override {
        out.append(static_cast<const char*>(data), size);
      }
    } sink;
    root.print(sink, "", pugi::format_raw, pugi::encoding_utf8);
    return std::move(sink.out);
  }

  const Definitions& defs_;
  const std::string_view text_;
  const XmlParseOptions& options_;
};

}  // namespace

absl::StatusOr<Value> ParseXml(const Definitions& defs, std::string_view xml,
                               const XmlParseOptions& options) {
  return XmlParser(defs, xml, options).Parse();
}

}  // namespace tc::fhir
