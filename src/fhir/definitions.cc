// The compiled FHIR definitions registry: loading (simdjson DOM over the embedded document) and
// the lookup tables behind `Definitions`. The document format is described at the top of
// tools/definitions/compile-definitions.mjs.
#include "fhir/definitions.h"

#include <algorithm>
#include <cstddef>
#include <deque>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "simdjson.h"

// The registry bytes, embedded by the generated fhir_registry_embed.S (see CMakeLists.txt):
// [tc_fhir_registry_start, tc_fhir_registry_end) is the compiled JSON document.
extern "C" const char tc_fhir_registry_start[];
extern "C" const char tc_fhir_registry_end[];

namespace tc::fhir {

namespace {

// Concatenates string-like pieces (absl::StrCat takes absl::string_view, which in Debian's
// abseil is not std::string_view).
template <typename... Pieces>
std::string Cat(const Pieces&... pieces) {
  std::string out;
  out.reserve((std::string_view(pieces).size() + ...));
  (out.append(std::string_view(pieces)), ...);
  return out;
}

constexpr std::string_view kSearchParamBase = "http://hl7.org/fhir/SearchParameter/";

// Orders (system, code) pairs by code, then system, so both ContainsCode and Contains can
// binary-search.
bool CodeLess(const std::pair<std::string, std::string>& a,
              const std::pair<std::string, std::string>& b) {
  return std::tie(a.second, a.first) < std::tie(b.second, b.first);
}

std::string LongSearchParamUrl(std::string_view u) {
  if (u.find(':') != std::string_view::npos) return std::string(u);
  return Cat(kSearchParamBase, u);
}

// The JSON name suffix of a choice type: "Quantity" for Quantity, "DateTime" for dateTime.
std::string ChoiceSuffix(std::string_view type) {
  std::string s(type);
  if (!s.empty()) s[0] = absl::ascii_toupper(static_cast<unsigned char>(s[0]));
  return s;
}

std::string_view LastSegment(std::string_view path) {
  size_t dot = path.rfind('.');
  return dot == std::string_view::npos ? path : path.substr(dot + 1);
}

// Debian's abseil has its own absl::string_view (not std::string_view): heterogeneous lookups
// in the hash maps need the conversion.
absl::string_view Key(std::string_view s) { return absl::string_view(s.data(), s.size()); }

absl::Status Corrupt(std::string_view what) {
  return absl::InternalError(Cat("FHIR definitions registry: ", what));
}

}  // namespace

bool ValueSetDef::ContainsCode(std::string_view code) const {
  auto it = std::lower_bound(codes.begin(), codes.end(), code,
                             [](const std::pair<std::string, std::string>& c, std::string_view v) {
                               return c.second < v;
                             });
  return it != codes.end() && it->second == code;
}

bool ValueSetDef::Contains(std::string_view system, std::string_view code) const {
  auto it = std::lower_bound(codes.begin(), codes.end(), std::make_pair(system, code),
                             [](const std::pair<std::string, std::string>& c,
                                const std::pair<std::string_view, std::string_view>& v) {
                               const std::string_view code_c = c.second, system_c = c.first;
                               return std::tie(code_c, system_c) < std::tie(v.second, v.first);
                             });
  return it != codes.end() && it->second == code && it->first == system;
}

struct Definitions::Data {
  // One JSON name a child may take under a context ("valueQuantity"), with the element and the
  // concrete type. `type` views into element->types.
  struct Named {
    const ElementDef* element = nullptr;
    std::string_view type;
  };
  struct Context {
    std::string base;                         // context the children are inherited from
    std::vector<const ElementDef*> own;       // as compiled (before inheritance)
    std::vector<const ElementDef*> children;  // materialised, definition order
    absl::flat_hash_map<std::string, Named> by_json_name;
    bool materialised = false;
  };

  std::deque<ElementDef> elements;  // stable addresses
  absl::flat_hash_map<std::string, TypeDef> types;
  absl::flat_hash_map<std::string, Context> contexts;
  absl::flat_hash_map<std::string, const ElementDef*> by_path;
  std::vector<std::string> resource_type_names;

  std::deque<SearchParamDef> search_params;
  struct ResourceParams {
    std::vector<const SearchParamDef*> all;
    absl::flat_hash_map<std::string, const SearchParamDef*> by_code;
  };
  absl::flat_hash_map<std::string, ResourceParams> params_by_resource;

  absl::flat_hash_map<std::string, absl::flat_hash_map<std::string, std::vector<std::string>>>
      compartments;
  absl::flat_hash_map<std::string, ValueSetDef> value_sets;

  absl::Status Load(std::string_view compiled);
  absl::Status LoadTypes(simdjson::dom::object types);
  absl::Status LoadSearchParams(simdjson::dom::array params);
  absl::Status LoadCompartments(simdjson::dom::object compartments);
  absl::Status LoadValueSets(simdjson::dom::object value_sets);
  absl::Status Materialise(const std::string& name, int depth);
};

namespace {

absl::Status ReadStringArray(simdjson::dom::element e, std::vector<std::string>& out) {
  simdjson::dom::array arr;
  if (e.get_array().get(arr)) return Corrupt("expected an array of strings");
  for (simdjson::dom::element item : arr) {
    std::string_view s;
    if (item.get_string().get(s)) return Corrupt("expected a string");
    out.emplace_back(s);
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status Definitions::Data::Load(std::string_view compiled) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(compiled);
  simdjson::dom::element root;
  if (auto err = parser.parse(padded).get(root)) {
    return Corrupt(Cat("not valid JSON: ", simdjson::error_message(err)));
  }
  int64_t format = 0;
  if (root["format"].get_int64().get(format) || format != 1) {
    return Corrupt("unsupported format (expected 1)");
  }
  simdjson::dom::object types, compartments, value_sets;
  simdjson::dom::array params;
  if (root["t"].get_object().get(types) || root["sp"].get_array().get(params) ||
      root["cp"].get_object().get(compartments) || root["vs"].get_object().get(value_sets)) {
    return Corrupt("missing a top-level section");
  }
  if (auto s = LoadTypes(types); !s.ok()) return s;
  if (auto s = LoadSearchParams(params); !s.ok()) return s;
  if (auto s = LoadCompartments(compartments); !s.ok()) return s;
  return LoadValueSets(value_sets);
}

absl::Status Definitions::Data::LoadTypes(simdjson::dom::object types_json) {
  for (auto [key, value] : types_json) {
    std::string name(key);
    TypeDef& t = types[name];
    t.name = name;
    std::string_view kind, base, json_type = "s", regex;
    if (value["k"].get_string().get(kind)) return Corrupt(Cat(name, ": no kind"));
    t.kind = kind == "r"   ? TypeKind::kResource
             : kind == "p" ? TypeKind::kPrimitive
                           : TypeKind::kComplex;
    int64_t is_abstract = 0;
    if (value["a"].get_int64().get(is_abstract)) is_abstract = 0;
    t.is_abstract = is_abstract != 0;
    if (value["b"].get_string().get(base)) base = "";
    t.base = std::string(base);
    if (t.kind == TypeKind::kPrimitive) {
      if (value["j"].get_string().get(json_type)) json_type = "s";
      t.json_type = json_type == "b" ? "boolean" : json_type == "n" ? "number" : "string";
      if (value["re"].get_string().get(regex)) regex = "";
      t.regex = std::string(regex);
    }
    if (t.kind == TypeKind::kResource && !t.is_abstract) resource_type_names.push_back(name);

    Context& type_ctx = contexts[name];
    type_ctx.base = t.base;
    simdjson::dom::array elements_json;
    if (value["e"].get_array().get(elements_json)) return Corrupt(Cat(name, ": no elements"));
    for (simdjson::dom::element e : elements_json) {
      std::string_view rel;
      if (e["p"].get_string().get(rel)) return Corrupt(Cat(name, ": element path"));
      ElementDef& el = elements.emplace_back();
      el.path = Cat(name, ".", rel);
      std::string_view last = LastSegment(rel);
      el.is_choice = last.size() > 3 && last.substr(last.size() - 3) == "[x]";
      el.name = std::string(el.is_choice ? last.substr(0, last.size() - 3) : last);
      int64_t n = 0;
      if (!e["mn"].get_int64().get(n)) el.min = static_cast<int>(n);
      if (!e["mx"].get_int64().get(n)) el.max = static_cast<int>(n);
      int64_t flag = 0;
      if (!e["s"].get_int64().get(flag)) el.is_summary = flag != 0;
      if (!e["m"].get_int64().get(flag)) el.is_modifier = flag != 0;
      simdjson::dom::element sub;
      if (!e["t"].get(sub)) {
        if (auto s = ReadStringArray(sub, el.types); !s.ok()) return s;
      }
      if (!e["tt"].get(sub)) {
        if (auto s = ReadStringArray(sub, el.target_types); !s.ok()) return s;
      }
      std::string_view str;
      if (!e["cr"].get_string().get(str)) el.content_reference = std::string(str);
      if (!e["rb"].get_string().get(str)) el.required_binding = std::string(str);

      std::string parent = el.path.substr(0, el.path.size() - last.size() - 1);
      contexts[parent].own.push_back(&el);
      if (el.content_reference.empty() && !el.types.empty() &&
          (el.types[0] == "BackboneElement" || el.types[0] == "Element")) {
        contexts[el.path].base = el.types[0];
      }
    }
  }
  std::sort(resource_type_names.begin(), resource_type_names.end());

  // Materialise inherited children. Inheriting a backbone element (a context) creates a new
  // context, so iterate until every context is done.
  for (;;) {
    std::vector<std::string> pending;
    for (const auto& [name, ctx] : contexts) {
      if (!ctx.materialised) pending.push_back(name);
    }
    if (pending.empty()) break;
    for (const std::string& name : pending) {
      if (auto s = Materialise(name, 0); !s.ok()) return s;
    }
  }
  for (const auto& [name, ctx] : contexts) {
    for (const ElementDef* el : ctx.children) by_path.emplace(el->path, el);
  }
  for (auto& [name, ctx] : contexts) {
    for (const ElementDef* el : ctx.children) {
      if (el->is_choice) {
        for (const std::string& type : el->types) {
          ctx.by_json_name.emplace(Cat(el->name, ChoiceSuffix(type)), Named{el, type});
        }
        continue;
      }
      std::string_view type;
      if (!el->types.empty()) {
        type = el->types[0];
      } else if (!el->content_reference.empty()) {
        // A content reference re-uses the referenced element's definition, and so its type.
        auto ref = by_path.find(el->content_reference);
        if (ref == by_path.end() || ref->second->types.empty()) {
          return Corrupt(Cat(el->path, ": unresolved content reference"));
        }
        type = ref->second->types[0];
      }
      ctx.by_json_name.emplace(el->name, Named{el, type});
    }
  }
  return absl::OkStatus();
}

absl::Status Definitions::Data::Materialise(const std::string& name, int depth) {
  if (depth > 64) return Corrupt(Cat(name, ": inheritance cycle"));
  auto it = contexts.find(name);
  if (it == contexts.end()) return Corrupt(Cat("unknown context ", name));
  if (it->second.materialised) return absl::OkStatus();
  std::string base = it->second.base;
  std::vector<const ElementDef*> inherited;
  if (!base.empty()) {
    if (auto s = Materialise(base, depth + 1); !s.ok()) return s;
    inherited = contexts[base].children;  // copy: `contexts` may rehash below
  }
  Context& ctx = contexts[name];
  std::vector<const ElementDef*> own = ctx.own;
  std::vector<const ElementDef*> children;
  children.reserve(inherited.size() + own.size());
  // (path of an inherited copy, path of the original) for inherited backbone elements: the copy
  // becomes a context whose children are inherited from the original's.
  std::vector<std::pair<std::string, std::string>> new_contexts;
  for (const ElementDef* inh : inherited) {
    auto mine = std::find_if(own.begin(), own.end(), [&](const ElementDef* e) {
      return LastSegment(e->path) == LastSegment(inh->path);
    });
    if (mine != own.end()) {
      children.push_back(*mine);
      own.erase(mine);
      continue;
    }
    ElementDef& copy = elements.emplace_back(*inh);
    copy.path = Cat(name, ".", LastSegment(inh->path));
    children.push_back(&copy);
    if (contexts.contains(inh->path)) new_contexts.emplace_back(copy.path, inh->path);
  }
  children.insert(children.end(), own.begin(), own.end());
  ctx.children = std::move(children);
  ctx.materialised = true;
  for (auto& [copy_path, original_path] : new_contexts) {
    if (!contexts.contains(copy_path)) contexts[copy_path].base = original_path;
  }
  return absl::OkStatus();
}

absl::Status Definitions::Data::LoadSearchParams(simdjson::dom::array params) {
  for (simdjson::dom::element p : params) {
    SearchParamDef& def = search_params.emplace_back();
    std::string_view s;
    if (p["c"].get_string().get(s)) return Corrupt("search parameter without code");
    def.code = std::string(s);
    if (p["u"].get_string().get(s)) return Corrupt("search parameter without url");
    def.url = LongSearchParamUrl(s);
    if (p["t"].get_string().get(s)) return Corrupt("search parameter without type");
    def.type = std::string(s);
    if (!p["x"].get_string().get(s)) def.expression = std::string(s);
    simdjson::dom::element sub;
    if (!p["b"].get(sub)) {
      if (auto st = ReadStringArray(sub, def.base); !st.ok()) return st;
    }
    if (!p["tg"].get(sub)) {
      if (auto st = ReadStringArray(sub, def.targets); !st.ok()) return st;
    }
    simdjson::dom::array comps;
    if (!p["cp"].get_array().get(comps)) {
      for (simdjson::dom::element c : comps) {
        std::vector<std::string> pair;
        if (auto st = ReadStringArray(c, pair); !st.ok()) return st;
        if (pair.size() != 2) return Corrupt("bad composite component");
        def.components.push_back({LongSearchParamUrl(pair[0]), std::move(pair[1])});
      }
    }
  }
  // Per concrete resource type: its own parameters first, then those of its ancestors
  // (DomainResource, Resource); an own parameter wins over an inherited one with the same code.
  absl::flat_hash_map<std::string, std::vector<const SearchParamDef*>> by_base;
  for (const SearchParamDef& def : search_params) {
    for (const std::string& b : def.base) by_base[b].push_back(&def);
  }
  for (const std::string& type : resource_type_names) {
    ResourceParams& rp = params_by_resource[type];
    for (std::string t = type; !t.empty();) {
      auto found = by_base.find(t);
      if (found != by_base.end()) {
        for (const SearchParamDef* def : found->second) {
          if (rp.by_code.emplace(def->code, def).second) rp.all.push_back(def);
        }
      }
      auto td = types.find(t);
      t = td == types.end() ? std::string() : td->second.base;
    }
  }
  return absl::OkStatus();
}

absl::Status Definitions::Data::LoadCompartments(simdjson::dom::object compartments_json) {
  for (auto [code, resources] : compartments_json) {
    auto& by_resource = compartments[std::string(code)];
    simdjson::dom::object obj;
    if (resources.get_object().get(obj)) return Corrupt("bad compartment");
    for (auto [type, names] : obj) {
      if (auto s = ReadStringArray(names, by_resource[std::string(type)]); !s.ok()) return s;
    }
  }
  return absl::OkStatus();
}

absl::Status Definitions::Data::LoadValueSets(simdjson::dom::object value_sets_json) {
  for (auto [url, value] : value_sets_json) {
    ValueSetDef& vs = value_sets[std::string(url)];
    vs.url = std::string(url);
    int64_t incomplete = 0;
    if (value["i"].get_int64().get(incomplete)) incomplete = 0;
    vs.complete = incomplete == 0;
    simdjson::dom::object systems;
    if (value["s"].get_object().get(systems)) return Corrupt(Cat(url, ": no codes"));
    for (auto [system, codes] : systems) {
      simdjson::dom::array arr;
      if (codes.get_array().get(arr)) return Corrupt(Cat(url, ": bad codes"));
      for (simdjson::dom::element c : arr) {
        std::string_view code;
        if (c.get_string().get(code)) return Corrupt(Cat(url, ": bad code"));
        vs.codes.emplace_back(std::string(system), std::string(code));
      }
    }
    std::sort(vs.codes.begin(), vs.codes.end(), CodeLess);
  }
  return absl::OkStatus();
}

Definitions::Definitions() : data_(std::make_unique<Data>()) {}
Definitions::~Definitions() = default;

absl::StatusOr<std::unique_ptr<Definitions>> Definitions::LoadEmbedded() {
  return LoadFromJson(std::string_view(
      tc_fhir_registry_start, static_cast<size_t>(tc_fhir_registry_end - tc_fhir_registry_start)));
}

absl::StatusOr<std::unique_ptr<Definitions>> Definitions::LoadFromJson(std::string_view compiled) {
  std::unique_ptr<Definitions> defs(new Definitions());
  if (auto s = defs->data_->Load(compiled); !s.ok()) return s;
  return defs;
}

const TypeDef* Definitions::FindType(std::string_view name) const {
  auto it = data_->types.find(Key(name));
  return it == data_->types.end() ? nullptr : &it->second;
}

bool Definitions::IsResourceType(std::string_view name) const {
  const TypeDef* t = FindType(name);
  return t != nullptr && t->kind == TypeKind::kResource && !t->is_abstract;
}

std::vector<std::string> Definitions::ResourceTypeNames() const {
  return data_->resource_type_names;
}

const ElementDef* Definitions::FindElement(std::string_view path) const {
  auto it = data_->by_path.find(Key(path));
  return it == data_->by_path.end() ? nullptr : it->second;
}

std::optional<Definitions::Child> Definitions::ResolveChild(std::string_view context,
                                                            std::string_view json_name) const {
  auto ctx = data_->contexts.find(Key(context));
  if (ctx == data_->contexts.end()) return std::nullopt;
  auto it = ctx->second.by_json_name.find(Key(json_name));
  if (it == ctx->second.by_json_name.end()) return std::nullopt;
  return Child{it->second.element, std::string(it->second.type)};
}

std::string Definitions::ChildContext(const Child& child) const {
  if (child.element == nullptr) return std::string();
  if (!child.element->content_reference.empty()) return child.element->content_reference;
  if ((child.type == "BackboneElement" || child.type == "Element") &&
      data_->contexts.contains(child.element->path)) {
    return child.element->path;
  }
  return child.type;
}

std::vector<const ElementDef*> Definitions::Children(std::string_view context) const {
  return std::vector<const ElementDef*>(ChildElements(context).begin(),
                                        ChildElements(context).end());
}

absl::Span<const ElementDef* const> Definitions::ChildElements(std::string_view context) const {
  auto ctx = data_->contexts.find(Key(context));
  if (ctx == data_->contexts.end()) return {};
  return ctx->second.children;
}

std::vector<const SearchParamDef*> Definitions::SearchParamsFor(
    std::string_view resource_type) const {
  auto it = data_->params_by_resource.find(Key(resource_type));
  if (it == data_->params_by_resource.end()) return {};
  return it->second.all;
}

const SearchParamDef* Definitions::FindSearchParam(std::string_view resource_type,
                                                   std::string_view code) const {
  auto it = data_->params_by_resource.find(Key(resource_type));
  if (it == data_->params_by_resource.end()) return nullptr;
  auto p = it->second.by_code.find(Key(code));
  return p == it->second.by_code.end() ? nullptr : p->second;
}

size_t Definitions::search_param_count() const { return data_->search_params.size(); }

const std::vector<std::string>* Definitions::CompartmentParams(
    std::string_view compartment, std::string_view resource_type) const {
  auto c = data_->compartments.find(Key(compartment));
  if (c == data_->compartments.end()) return nullptr;
  auto r = c->second.find(Key(resource_type));
  return r == c->second.end() ? nullptr : &r->second;
}

const ValueSetDef* Definitions::FindValueSet(std::string_view url) const {
  size_t bar = url.find('|');
  if (bar != std::string_view::npos) url = url.substr(0, bar);
  auto it = data_->value_sets.find(Key(url));
  return it == data_->value_sets.end() ? nullptr : &it->second;
}

}  // namespace tc::fhir
