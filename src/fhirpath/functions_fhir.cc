// Type functions (is/as/ofType/type), tree navigation (children/descendants) and the FHIR
// additions (extension, hasValue, getValue, resolve, conformsTo, memberOf, htmlChecks).
#include <string>

#include "fhirpath/evaluator.h"

namespace tc::fhirpath {
namespace {

constexpr std::string_view kSdPrefix = "http://hl7.org/fhir/StructureDefinition/";

// The reference string of a Reference node or a string item.
std::optional<std::string_view> ReferenceText(const Item& item) {
  if (item.is_node() && item.node() != nullptr) {
    if (item.node()->is_string()) return std::string_view(item.node()->string_value());
    if (item.node()->is_object()) {
      const fhir::Value* r = item.node()->Find("reference");
      if (r != nullptr && r->is_string()) return std::string_view(r->string_value());
    }
    return std::nullopt;
  }
  if (item.system_type() == SystemType::kString) return item.string_value();
  return std::nullopt;
}

// "Patient/123" (possibly absolute or with /_history/n) → ("Patient", "123").
bool SplitReference(std::string_view ref, std::string_view* type, std::string_view* id) {
  size_t hist = ref.find("/_history/");
  if (hist != std::string_view::npos) ref = ref.substr(0, hist);
  size_t slash = ref.rfind('/');
  if (slash == std::string_view::npos || slash == 0) return false;
  *id = ref.substr(slash + 1);
  std::string_view head = ref.substr(0, slash);
  size_t prev = head.rfind('/');
  *type = prev == std::string_view::npos ? head : head.substr(prev + 1);
  return !id->empty() && !type->empty();
}

void Resolve(const Evaluator& ev, const Item& item, Collection* out) {
  std::optional<std::string_view> ref = ReferenceText(item);
  if (!ref || ref->empty()) return;
  const Model& model = ev.model();
  const fhir::Value& root = ev.resource();
  const fhir::Value* container = ev.context().resource != nullptr ? ev.context().resource : &root;
  if ((*ref)[0] == '#') {
    std::string_view id = ref->substr(1);
    for (const fhir::Value* res : {container, &root}) {
      const fhir::Value* contained = res->Find("contained");
      if (contained == nullptr || !contained->is_array()) continue;
      for (const fhir::Value& c : contained->array()) {
        if (c.GetString("id") == id) {
          out->push_back(model.ResourceItem(&c));
          return;
        }
      }
    }
    if (id.empty()) out->push_back(model.ResourceItem(container));
    return;
  }
  // Within a Bundle: match fullUrl, else type/id.
  const fhir::Value* bundle =
      ev.context().root_resource != nullptr ? ev.context().root_resource : &root;
  if (bundle->GetString("resourceType") != "Bundle") return;
  const fhir::Value* entries = bundle->Find("entry");
  if (entries == nullptr || !entries->is_array()) return;
  std::string_view type, id;
  bool split = SplitReference(*ref, &type, &id);
  for (const fhir::Value& e : entries->array()) {
    const fhir::Value* res = e.Find("resource");
    if (res == nullptr) continue;
    if (e.GetString("fullUrl") == *ref ||
        (split && res->GetString("resourceType") == type && res->GetString("id") == id)) {
      out->push_back(model.ResourceItem(res));
      return;
    }
  }
}

bool InValueSet(const fhir::ValueSetDef& vs, const fhir::Value* node, std::string_view code) {
  if (node != nullptr && node->is_object()) {
    if (const fhir::Value* codings = node->Find("coding"); codings && codings->is_array()) {
      for (const fhir::Value& c : codings->array()) {
        if (vs.Contains(c.GetString("system"), c.GetString("code"))) return true;
      }
      return false;
    }
    return vs.Contains(node->GetString("system"), node->GetString("code"));
  }
  return vs.ContainsCode(code);
}

}  // namespace

absl::Status CallFhirFunction(Evaluator& ev, const Node& n, const Collection& in, Collection* out) {
  const Model& model = ev.model();
  switch (n.fn) {
    case Fn::kOfType:
      for (const Item& i : in) {
        if (ev.IsType(i, n.type, /*exact=*/true)) out->push_back(i);
      }
      return absl::OkStatus();
    case Fn::kIs:
    case Fn::kAs: {
      absl::StatusOr<const Item*> one = ev.Single(in, n.name + "()");
      if (!one.ok()) return ev.Error(n, std::string(one.status().message()));
      if (*one == nullptr) return absl::OkStatus();
      if (n.fn == Fn::kIs) {
        out->push_back(Item::Boolean(ev.IsType(**one, n.type, /*exact=*/false)));
      } else if (ev.IsType(**one, n.type, /*exact=*/true)) {
        out->push_back(**one);
      }
      return absl::OkStatus();
    }
    case Fn::kType:
      for (const Item& i : in) {
        const fhir::Value* info;
        if (i.is_node() && !i.type().empty()) {
          const fhir::TypeDef* t = model.defs().FindType(i.type());
          info = ev.program().TypeInfo("FHIR", i.type(), t != nullptr ? t->base : "");
        } else {
          info = ev.program().TypeInfo("System", SystemTypeName(i.system_type()), "System.Any");
        }
        out->push_back(
            Item::Node(info, nullptr, std::string_view(), std::string_view(), SystemType::kNone));
      }
      return absl::OkStatus();
    case Fn::kChildren:
      for (const Item& i : in) model.Children(i, out);
      return absl::OkStatus();
    case Fn::kDescendants: {
      Collection level;
      for (const Item& i : in) model.Children(i, &level);
      while (!level.empty()) {
        Collection next;
        for (const Item& i : level) model.Children(i, &next);
        out->insert(out->end(), std::make_move_iterator(level.begin()),
                    std::make_move_iterator(level.end()));
        if (out->size() > 10000000) return ev.Error(n, "descendants() produced too many items");
        level = std::move(next);
      }
      return absl::OkStatus();
    }
    case Fn::kExtension:
    case Fn::kHasExtension: {
      absl::StatusOr<std::optional<std::string>> url = ev.StringArg(n, 0);
      if (!url.ok()) return url.status();
      if (!url->has_value()) return absl::OkStatus();
      Collection found;
      Collection* sink = n.fn == Fn::kExtension ? out : &found;
      for (const Item& i : in) {
        Collection exts;
        if (i.context().empty()) {
          model.Member(i, "extension", nullptr, &exts);
        } else {
          MemberResolution r = model.Resolve(i.context(), "extension");
          model.Member(i, "extension", &r, &exts);
        }
        for (Item& e : exts) {
          if (e.node() != nullptr && e.node()->is_object() && e.node()->GetString("url") == **url) {
            sink->push_back(std::move(e));
          }
        }
      }
      // hasExtension(url) (a FHIR R4 search-parameter helper): whether any matched.
      if (n.fn == Fn::kHasExtension) out->push_back(Item::Boolean(!found.empty()));
      return absl::OkStatus();
    }
    case Fn::kHasValue: {
      bool has = in.size() == 1 && in[0].is_node() && in[0].system_type() != SystemType::kNone &&
                 in[0].node() != nullptr && !in[0].node()->is_null();
      out->push_back(Item::Boolean(has));
      return absl::OkStatus();
    }
    case Fn::kGetValue: {
      if (in.size() != 1 || !in[0].is_node()) return absl::OkStatus();
      Item scratch;
      const Item* p = Primitive(in[0], &scratch);
      if (p != nullptr) {
        if (p->system_type() == SystemType::kString) {
          out->push_back(Item::String(std::string(p->string_value())));
        } else {
          out->push_back(*p);
        }
      }
      return absl::OkStatus();
    }
    case Fn::kResolve:
      for (const Item& i : in) Resolve(ev, i, out);
      return absl::OkStatus();
    case Fn::kConformsTo: {
      absl::StatusOr<std::optional<std::string>> url = ev.StringArg(n, 0);
      if (!url.ok()) return url.status();
      if (!url->has_value()) return absl::OkStatus();
      std::string_view u = **url;
      if (u.substr(0, kSdPrefix.size()) != kSdPrefix ||
          !model.IsFhirType(u.substr(kSdPrefix.size()))) {
        return ev.Error(n, "conformsTo() supports only core StructureDefinitions, not " + **url);
      }
      std::string_view type = u.substr(kSdPrefix.size());
      for (const Item& i : in) {
        out->push_back(Item::Boolean(i.is_node() && model.IsSubtype(i.type(), type)));
      }
      return absl::OkStatus();
    }
    case Fn::kMemberOf: {
      absl::StatusOr<std::optional<std::string>> url = ev.StringArg(n, 0);
      if (!url.ok()) return url.status();
      if (!url->has_value()) return absl::OkStatus();
      std::string u = **url;
      if (size_t bar = u.find('|'); bar != std::string::npos) u.resize(bar);
      const fhir::ValueSetDef* vs = model.defs().FindValueSet(u);
      if (vs == nullptr || !vs->complete) return absl::OkStatus();  // unknown: no answer
      for (const Item& i : in) {
        Item scratch;
        const Item* p = Primitive(i, &scratch);
        std::string_view code =
            p != nullptr && p->system_type() == SystemType::kString ? p->string_value() : "";
        out->push_back(Item::Boolean(InValueSet(*vs, i.node(), code)));
      }
      return absl::OkStatus();
    }
    case Fn::kHtmlChecks:
      // The narrative was checked when the resource was parsed (xml.h / validate.h).
      out->push_back(Item::Boolean(true));
      return absl::OkStatus();
    default:
      return ev.Error(n, n.name + "() is not supported");
  }
}

}  // namespace tc::fhirpath
