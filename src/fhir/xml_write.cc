// Value → FHIR XML: a streaming writer appending to one buffer. The tree's member order is
// ignored; elements come out in definition order (Definitions::Children).
#include <algorithm>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/types/span.h"
#include "fhir/xml.h"
#include "fhir/xml_internal.h"
#include "pugixml.hpp"

namespace tc::fhir {
namespace {

using xml_internal::Append;
using xml_internal::Cat;

// Deepest element nesting written (a guard against runaway trees; parsed JSON is far shallower).
constexpr int kMaxWriteDepth = 256;

struct PathFrame {
  const PathFrame* parent = nullptr;
  std::string_view name;  // "" adds nothing
  int index = -1;
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

// One element to write: a JSON property and, for primitives, its `_name` sibling.
struct Entry {
  size_t order = 0;  // position of the element in definition order
  std::string_view name;
  Definitions::Child child;
  const Value* value = nullptr;
  const Value* extras = nullptr;
};

class XmlWriter {
 public:
  XmlWriter(const Definitions& defs, bool pretty) : defs_(defs), pretty_(pretty) {}

  absl::StatusOr<std::string> Write(const Value& resource) {
    const PathFrame frame;
    if (absl::Status s = WriteResource(resource, 0, &frame, /*root=*/true); !s.ok()) return s;
    if (pretty_) out_.push_back('\n');
    return std::move(out_);
  }

 private:
  absl::Status Error(const PathFrame* frame, std::string_view what) const {
    const std::string path = PathString(frame);
    return absl::InvalidArgumentError(path.empty() ? std::string(what) : Cat(what, " at ", path));
  }

  void Indent(int depth) {
    if (!pretty_) return;
    if (!out_.empty()) out_.push_back('\n');
    out_.append(static_cast<size_t>(depth) * 2, ' ');
  }

  absl::Status AppendAttribute(std::string_view name, const Value& value, const PathFrame* frame) {
    if (!value.is_string()) return Error(frame, Cat("'", name, "' must be a string"));
    Append(out_, " ", name, "=\"");
    if (absl::Status s = xml_internal::AppendAttributeEscaped(value.string_value(), out_);
        !s.ok()) {
      return Error(frame, Cat("'", name, "': ", s.message()));
    }
    out_.push_back('"');
    return absl::OkStatus();
  }

  static size_t OrderOf(absl::Span<const ElementDef* const> children, const ElementDef* e) {
    for (size_t i = 0; i < children.size(); ++i) {
      if (children[i] == e) return i;
    }
    for (size_t i = 0; i < children.size(); ++i) {
      if (children[i]->path == e->path) return i;
    }
    return children.size();
  }

  // Resolves the members of `obj` under `context` into entries sorted in definition order.
  // Members written as attributes (id, Extension.url) and resourceType are skipped here.
  absl::Status CollectEntries(std::string_view context, ContentKind kind, const Value& obj,
                              const PathFrame* frame, std::vector<Entry>& entries) {
    const bool is_extension = context == "Extension" && kind == ContentKind::kComplex;
    const absl::Span<const ElementDef* const> children = defs_.ChildElements(context);
    for (const Value::Member& m : obj.members()) {
      const std::string_view key = m.key;
      if (kind == ContentKind::kResource && key == "resourceType") continue;
      const bool underscore = std::string_view(key).starts_with("_");
      const std::string_view name = underscore ? key.substr(1) : key;
      if ((kind != ContentKind::kResource && name == "id") || (is_extension && name == "url")) {
        if (underscore) return Error(frame, Cat("unknown property '", key, "'"));
        continue;  // an attribute, written with the start tag
      }
      std::optional<Definitions::Child> child = defs_.ResolveChild(context, name);
      if (!child || (kind == ContentKind::kPrimitive && child->type != "Extension")) {
        return Error(frame, Cat("unknown property '", key, "'"));
      }
      Entry* entry = nullptr;
      for (Entry& e : entries) {
        if (e.child.element == child->element) {
          if (e.name != name) {
            return Error(frame, Cat("'", name, "' and '", e.name,
                                    "' are two types for the same choice element"));
          }
          entry = &e;
          break;
        }
      }
      if (entry == nullptr) {
        entries.push_back(Entry{
            .order = OrderOf(children, child->element), .name = name, .child = *std::move(child)});
        entry = &entries.back();
      }
      (underscore ? entry->extras : entry->value) = &m.value;
    }
    std::stable_sort(entries.begin(), entries.end(),
                     [](const Entry& a, const Entry& b) { return a.order < b.order; });
    return absl::OkStatus();
  }

  absl::Status WriteEntries(const std::vector<Entry>& entries, int depth, const PathFrame* frame) {
    for (const Entry& e : entries) {
      if (absl::Status s = WriteEntry(e, depth, frame); !s.ok()) return s;
    }
    return absl::OkStatus();
  }

  absl::Status WriteResource(const Value& resource, int depth, const PathFrame* frame, bool root) {
    if (!resource.is_object()) return Error(frame, "a resource must be a JSON object");
    const Value* type_value = resource.Find("resourceType");
    if (type_value == nullptr || !type_value->is_string()) {
      return Error(frame, "resource has no resourceType");
    }
    const std::string& type = type_value->string_value();
    if (!defs_.IsResourceType(type)) {
      return Error(frame, Cat("'", type, "' is not a FHIR resource type"));
    }
    const PathFrame own{frame, root ? std::string_view(type) : std::string_view(), -1};
    std::vector<Entry> entries;
    if (absl::Status s = CollectEntries(type, ContentKind::kResource, resource, &own, entries);
        !s.ok()) {
      return s;
    }
    Indent(depth);
    Append(out_, "<", type);
    if (root) Append(out_, " xmlns=\"", kFhirNamespace, "\"");
    if (entries.empty()) {
      out_.append("/>");
      return absl::OkStatus();
    }
    out_.push_back('>');
    if (absl::Status s = WriteEntries(entries, depth + 1, &own); !s.ok()) return s;
    Indent(depth);
    Append(out_, "</", type, ">");
    return absl::OkStatus();
  }

  absl::Status WriteEntry(const Entry& e, int depth, const PathFrame* frame) {
    if (depth > kMaxWriteDepth) {
      return Error(frame, Cat("tree nested deeper than ", kMaxWriteDepth, " elements"));
    }
    const bool repeating = e.child.element->max != 1;
    const TypeDef* type = defs_.FindType(e.child.type);
    const bool is_xhtml = e.child.type == "xhtml";
    const bool primitive = is_xhtml || (type != nullptr && type->kind == TypeKind::kPrimitive);
    if (!primitive && e.extras != nullptr) {
      return Error(frame, Cat("'_", e.name, "' is only allowed for primitive elements"));
    }
    if (e.value != nullptr && e.value->is_array() != repeating) {
      return Error(frame,
                   Cat("'", e.name, "' must ", repeating ? "be an array" : "not be an array"));
    }
    if (e.extras != nullptr && e.extras->is_array() != repeating) {
      return Error(frame,
                   Cat("'_", e.name, "' must ", repeating ? "be an array" : "not be an array"));
    }
    if (!repeating) {
      const PathFrame own{frame, e.name, -1};
      return WriteOne(e, type, is_xhtml, primitive, e.value, e.extras, depth, &own);
    }
    const size_t values = e.value != nullptr ? e.value->size() : 0;
    const size_t extras = e.extras != nullptr ? e.extras->size() : 0;
    if (e.value != nullptr && e.extras != nullptr && values != extras) {
      return Error(frame, Cat("'", e.name, "' and '_", e.name, "' arrays differ in length"));
    }
    const size_t n = std::max(values, extras);
    if (n == 0) return Error(frame, Cat("'", e.name, "' is an empty array"));
    for (size_t i = 0; i < n; ++i) {
      const PathFrame own{frame, e.name, static_cast<int>(i)};
      const Value* v = values != 0 ? &e.value->array()[i] : nullptr;
      const Value* x = extras != 0 ? &e.extras->array()[i] : nullptr;
      if (v != nullptr && v->is_null()) v = nullptr;
      if (x != nullptr && x->is_null()) x = nullptr;
      if (absl::Status s = WriteOne(e, type, is_xhtml, primitive, v, x, depth, &own); !s.ok()) {
        return s;
      }
    }
    return absl::OkStatus();
  }

  // Writes one occurrence of an element. `value` / `extras` may be null for primitives.
  absl::Status WriteOne(const Entry& e, const TypeDef* type, bool is_xhtml, bool primitive,
                        const Value* value, const Value* extras, int depth,
                        const PathFrame* frame) {
    if (is_xhtml) {
      if (extras != nullptr) return Error(frame, "the narrative div cannot have extensions");
      if (value == nullptr || !value->is_string()) {
        return Error(frame, "the narrative div must be a string");
      }
      return WriteDiv(value->string_value(), depth, frame);
    }
    if (primitive) return WritePrimitive(e, *type, value, extras, depth, frame);
    if (value == nullptr || !value->is_object()) {
      return Error(frame, "must be a JSON object");
    }
    if (type != nullptr && type->kind == TypeKind::kResource) {
      Indent(depth);
      Append(out_, "<", e.name, ">");
      if (absl::Status s = WriteResource(*value, depth + 1, frame, false); !s.ok()) return s;
      Indent(depth);
      Append(out_, "</", e.name, ">");
      return absl::OkStatus();
    }
    const std::string context = defs_.ChildContext(e.child);
    std::vector<Entry> entries;
    if (absl::Status s = CollectEntries(context, ContentKind::kComplex, *value, frame, entries);
        !s.ok()) {
      return s;
    }
    Indent(depth);
    Append(out_, "<", e.name);
    if (const Value* id = value->Find("id")) {
      if (absl::Status s = AppendAttribute("id", *id, frame); !s.ok()) return s;
    }
    if (context == "Extension") {
      if (const Value* url = value->Find("url")) {
        if (absl::Status s = AppendAttribute("url", *url, frame); !s.ok()) return s;
      }
    }
    return CloseElement(e.name, entries, depth, frame);
  }

  absl::Status CloseElement(std::string_view name, const std::vector<Entry>& entries, int depth,
                            const PathFrame* frame) {
    if (entries.empty()) {
      out_.append("/>");
      return absl::OkStatus();
    }
    out_.push_back('>');
    if (absl::Status s = WriteEntries(entries, depth + 1, frame); !s.ok()) return s;
    Indent(depth);
    Append(out_, "</", name, ">");
    return absl::OkStatus();
  }

  absl::Status WritePrimitive(const Entry& e, const TypeDef& type, const Value* value,
                              const Value* extras, int depth, const PathFrame* frame) {
    std::vector<Entry> entries;
    const Value* id = nullptr;
    if (extras != nullptr) {
      if (!extras->is_object()) {
        return Error(frame, Cat("'_", e.name, "' must hold JSON objects"));
      }
      id = extras->Find("id");
      if (absl::Status s = CollectEntries(defs_.ChildContext(e.child), ContentKind::kPrimitive,
                                          *extras, frame, entries);
          !s.ok()) {
        return s;
      }
    }
    if (value == nullptr && id == nullptr && entries.empty()) {
      return Error(frame, "primitive element has no value, id or extension");
    }
    Indent(depth);
    Append(out_, "<", e.name);
    if (id != nullptr) {
      if (absl::Status s = AppendAttribute("id", *id, frame); !s.ok()) return s;
    }
    if (value != nullptr) {
      if (type.json_type == "boolean") {
        if (!value->is_bool()) return Error(frame, "must be a JSON boolean");
        out_.append(value->bool_value() ? " value=\"true\"" : " value=\"false\"");
      } else if (type.json_type == "number") {
        if (!value->is_number()) return Error(frame, "must be a JSON number");
        Append(out_, " value=\"", value->number_text(), "\"");
      } else {
        if (!value->is_string()) return Error(frame, "must be a JSON string");
        if (absl::Status s = AppendAttribute("value", *value, frame); !s.ok()) return s;
      }
    }
    return CloseElement(e.name, entries, depth, frame);
  }

  // Writes the narrative verbatim after checking it is one well-formed XHTML <div> element.
  absl::Status WriteDiv(const std::string& div, int depth, const PathFrame* frame) {
    if (absl::Status s = xml_internal::CheckXmlText(div, kMaxWriteDepth); !s.ok()) {
      return Error(frame, Cat("narrative: ", s.message()));
    }
    pugi::xml_document doc;
    const pugi::xml_parse_result result =
        doc.load_buffer(div.data(), div.size(), pugi::parse_default, pugi::encoding_utf8);
    if (!result) {
      return Error(frame, Cat("narrative is not well-formed XHTML (",
                              xml_internal::Where(div, static_cast<size_t>(result.offset)), ": ",
                              result.description(), ")"));
    }
    pugi::xml_node root;
    for (pugi::xml_node n = doc.first_child(); n; n = n.next_sibling()) {
      if (n.type() == pugi::node_element) {
        if (root) return Error(frame, "narrative holds more than one element");
        root = n;
      } else if (n.type() == pugi::node_pcdata || n.type() == pugi::node_cdata) {
        return Error(frame, "narrative has text outside its <div>");
      }
    }
    if (!root || std::string_view(root.name()) != "div") {
      return Error(frame, "narrative must be a <div> element");
    }
    if (xml_internal::FindDuplicateAttributes(root)) {
      return Error(frame, "narrative has an element with two attributes of the same name");
    }
    const ptrdiff_t name_offset = root.offset_debug();
    if (name_offset != 1) return Error(frame, "narrative must start with <div");
    const pugi::xml_attribute xmlns = root.attribute("xmlns");
    Indent(depth);
    if (xmlns) {
      if (std::string_view(xmlns.value()) != kXhtmlNamespace) {
        return Error(
            frame, Cat("narrative <div> must be in the XHTML namespace \"", kXhtmlNamespace, "\""));
      }
      out_.append(div);
    } else {
      Append(out_, "<div xmlns=\"", kXhtmlNamespace, "\"", std::string_view(div).substr(4));
    }
    return absl::OkStatus();
  }

  const Definitions& defs_;
  const bool pretty_;
  std::string out_;
};

}  // namespace

absl::StatusOr<std::string> WriteXml(const Definitions& defs, const Value& resource, bool pretty) {
  return XmlWriter(defs, pretty).Write(resource);
}

}  // namespace tc::fhir
