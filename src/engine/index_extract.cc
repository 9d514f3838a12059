#include "engine/index_extract.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <string_view>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/strip.h"
#include "engine/date_range.h"
#include "engine/text_words.h"
#include "fhirpath/fhirpath.h"
#include "fhirpath/operations.h"
#include "fhirpath/quantity.h"

namespace tc::engine {
namespace {

using fhir::Value;
using fhirpath::Collection;
using fhirpath::Item;
using store::IndexRow;
using Kind = IndexRow::Kind;

// ---- Expressions: union branches per resource type -------------------------------------------

// Splits `expr` at top-level `|` (outside parentheses, brackets and string literals).
std::vector<std::string> SplitUnion(std::string_view expr) {
  std::vector<std::string> out(1);
  int depth = 0;
  char quote = 0;
  for (size_t i = 0; i < expr.size(); ++i) {
    char c = expr[i];
    if (quote) {
      if (c == '\\' && i + 1 < expr.size()) {
        out.back().push_back(c);
        c = expr[++i];
      } else if (c == quote) {
        quote = 0;
      }
    } else if (c == '\'' || c == '`') {
      quote = c;
    } else if (c == '(' || c == '[') {
      ++depth;
    } else if (c == ')' || c == ']') {
      --depth;
    } else if (c == '|' && depth == 0) {
      out.emplace_back();
      continue;
    }
    out.back().push_back(c);
  }
  for (std::string& s : out) s = std::string(absl::StripAsciiWhitespace(s));
  return out;
}

// The first identifier of a branch, skipping opening parentheses: the type it starts from.
std::string_view LeadingName(std::string_view branch) {
  size_t i = 0;
  while (i < branch.size() && (branch[i] == '(' || branch[i] == ' ')) ++i;
  size_t start = i;
  while (i < branch.size() &&
         ((branch[i] >= 'a' && branch[i] <= 'z') || (branch[i] >= 'A' && branch[i] <= 'Z') ||
          (branch[i] >= '0' && branch[i] <= '9'))) {
    ++i;
  }
  return branch.substr(start, i - start);
}

// A branch of the form `X.where(resolve() is T)`: sets `base` to X and `target` to T.
bool ResolveIsFilter(const std::string& branch, std::string* base, std::string* target) {
  static constexpr std::string_view kOpen = ".where(resolve() is ";
  size_t at = branch.find(kOpen);
  if (at == std::string::npos || branch.back() != ')') return false;
  std::string t = branch.substr(at + kOpen.size());
  t.pop_back();
  for (char c : t) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) return false;
  }
  *base = branch.substr(0, at);
  *target = t;
  return true;
}

// ---- Values to rows --------------------------------------------------------------------------

// The text of a primitive item ("" when it has no value).
std::string_view PrimitiveText(const Item& item, std::string* scratch) {
  if (!item.is_node()) {
    std::optional<std::string> t = fhirpath::ToText(item);
    *scratch = t ? *t : "";
    return *scratch;
  }
  const Value* v = item.node();
  if (v == nullptr) return {};
  if (v->is_string()) return v->string_value();
  if (v->is_number()) return v->number_text();
  if (v->is_bool()) return v->bool_value() ? "true" : "false";
  return {};
}

class RowSink {
 public:
  // `resource`: the resource being indexed (for the types of its contained resources).
  RowSink(std::vector<IndexRow>& rows, const Value* resource = nullptr)
      : rows_(rows), resource_(resource) {}

  // The resourceType of the contained resource with `id` ("" when there is none).
  std::string ContainedType(std::string_view id) const {
    const Value* contained = resource_ ? resource_->Find("contained") : nullptr;
    if (contained == nullptr || !contained->is_array()) return "";
    for (const Value& c : contained->array()) {
      if (c.GetString("id") == id) return std::string(c.GetString("resourceType"));
    }
    return "";
  }

  void Token(const std::string& param, std::string_view system, std::string_view code) {
    if (code.empty()) return;
    IndexRow& r = rows_.emplace_back();
    r.kind = Kind::kToken;
    r.param = param;
    r.system = std::string(system);
    r.value = std::string(code);
  }
  void String(const std::string& param, std::string_view text) {
    if (text.empty()) return;
    IndexRow& r = rows_.emplace_back();
    r.kind = Kind::kString;
    r.param = param;
    r.value = NormalizeForSearch(text);
    r.system = std::string(text.substr(0, 512));
    if (r.value.size() > 512) r.value.resize(512);
  }
  // No :text rows (display words) for this resource.
  void DisableTextRows() { texts_ = false; }
  // A display text, searchable by :text from its start and from each word.
  void Text(const std::string& param, std::string_view text) {
    if (text.empty() || !texts_) return;
    const std::string key = param + ":text";
    String(key, text);
    for (size_t i = 1; i < text.size(); ++i) {
      if (text[i - 1] == ' ' && text[i] != ' ') String(key, text.substr(i));
    }
  }
  void Reference(const std::string& param, std::string_view ref, std::string_view only_type) {
    if (ref.empty()) return;
    IndexRow r;
    r.kind = Kind::kReference;
    r.param = param;
    if (ref[0] == '#') {
      // A contained resource: indexed (so :missing sees it) as "#id" with the contained
      // resource's type; never a search target on its own.
      r.system = ContainedType(ref.substr(1));
      r.value = std::string(ref);
      if (!only_type.empty() && r.system != only_type) return;
      rows_.push_back(std::move(r));
      return;
    }
    size_t slash = ref.find('/');
    bool relative = ref.find("://") == std::string_view::npos && slash != std::string_view::npos &&
                    ref.substr(0, 4) != "urn:";
    if (relative) {
      std::string_view rest = ref.substr(slash + 1);
      rest = rest.substr(0, rest.find('/'));  // drop /_history/n
      r.system = std::string(ref.substr(0, slash));
      r.value = std::string(rest);
    } else {
      r.value = std::string(ref);
    }
    if (!only_type.empty() && r.system != only_type) return;
    rows_.push_back(std::move(r));
  }
  void Range(Kind kind, const std::string& param, double low, double high) {
    IndexRow& r = rows_.emplace_back();
    r.kind = kind;
    r.param = param;
    r.low = low;
    r.high = high;
  }
  void Quantity(const std::string& param, std::string_view system, std::string_view code,
                double low, double high) {
    IndexRow& r = rows_.emplace_back();
    r.kind = Kind::kQuantity;
    r.param = param;
    r.system = std::string(system);
    r.value = std::string(code);
    r.low = low;
    r.high = high;
  }

 private:
  std::vector<IndexRow>& rows_;
  bool texts_ = true;
  const Value* resource_;
};

bool IsQuantityType(std::string_view t) {
  return t == "Quantity" || t == "Age" || t == "Duration" || t == "Count" || t == "Distance" ||
         t == "SimpleQuantity" || t == "MoneyQuantity";
}

std::optional<double> NumberOf(const Value* v) {
  if (v == nullptr || !v->is_number()) return std::nullopt;
  double d = 0;
  if (!absl::SimpleAtod(v->number_text(), &d)) return std::nullopt;
  return d;
}

// A Quantity-shaped JSON object's rows: as written, plus the UCUM-canonical row.
void QuantityRows(const std::string& param, const Value& q, RowSink& sink) {
  std::optional<double> value = NumberOf(q.Find("value"));
  if (!value) return;
  std::string_view system = q.GetString("system");
  std::string_view code = q.GetString("code");
  if (code.empty()) code = q.GetString("unit");
  if (!q.GetString("currency").empty()) {  // Money
    sink.Quantity(param, "urn:iso:std:iso:4217", q.GetString("currency"), *value, *value);
    return;
  }
  sink.Quantity(param, system, code, *value, *value);
  // The unit as written, for `[number]||[unit]` searches (R4 3.1.1.4.10: code or unit).
  std::string_view unit = q.GetString("unit");
  if (!unit.empty() && unit != code) sink.Quantity(param, "", unit, *value, *value);
  if (system == "http://unitsofmeasure.org" && !code.empty()) {
    std::optional<fhirpath::Decimal> dec = fhirpath::Decimal::Parse(q.Find("value")->number_text());
    if (!dec) return;
    if (std::optional<fhirpath::CanonicalQuantity> c =
            fhirpath::Canonicalize({*dec, std::string(code)})) {
      sink.Quantity(param, kCanonicalUnitSystem, c->dimension, c->value, c->value);
    }
  }
}

void TokenRows(const std::string& param, const Item& item, RowSink& sink) {
  std::string_view type = item.type();
  const Value* v = item.node();
  if (v != nullptr && v->is_object()) {
    if (type == "CodeableConcept") {
      if (const Value* codings = v->Find("coding"); codings && codings->is_array()) {
        for (const Value& c : codings->array()) {
          sink.Token(param, c.GetString("system"), c.GetString("code"));
          sink.Text(param, c.GetString("display"));
        }
      }
      sink.Text(param, v->GetString("text"));
    } else if (type == "Coding") {
      sink.Token(param, v->GetString("system"), v->GetString("code"));
      sink.Text(param, v->GetString("display"));
    } else if (type == "Identifier") {
      sink.Token(param, v->GetString("system"), v->GetString("value"));
      if (const Value* t = v->Find("type")) {
        if (const Value* codings = t->Find("coding"); codings && codings->is_array()) {
          for (const Value& c : codings->array()) {
            std::string system =
                std::string(c.GetString("system")) + "|" + std::string(c.GetString("code"));
            sink.Token(param + ":of-type", system, v->GetString("value"));
          }
        }
        sink.Text(param, t->GetString("text"));
      }
    } else if (type == "ContactPoint") {
      sink.Token(param, "", v->GetString("value"));
    } else if (type == "Reference") {
      if (const Value* id = v->Find("identifier")) {
        sink.Token(param, id->GetString("system"), id->GetString("value"));
      }
    } else if (IsQuantityType(type)) {
      sink.Token(param, v->GetString("system"), v->GetString("code"));
    }
    return;
  }
  std::string scratch;
  sink.Token(param, "", PrimitiveText(item, &scratch));
}

void StringRows(const std::string& param, const Item& item, RowSink& sink) {
  const Value* v = item.node();
  if (v == nullptr || !v->is_object()) {
    std::string scratch;
    sink.String(param, PrimitiveText(item, &scratch));
    return;
  }
  for (const Value::Member& m : v->members()) {
    if (m.key == "extension" || m.key == "id" || m.key == "use" || m.key == "period" ||
        m.key == "type" || m.key == "system") {
      continue;
    }
    if (m.value.is_string()) sink.String(param, m.value.string_value());
    if (m.value.is_array()) {
      for (const Value& e : m.value.array()) {
        if (e.is_string()) sink.String(param, e.string_value());
      }
    }
  }
}

void ReferenceRows(const std::string& param, const Item& item, std::string_view only_type,
                   RowSink& sink) {
  const Value* v = item.node();
  if (v == nullptr) return;
  if (v->is_string()) {  // canonical / uri
    sink.Reference(param, v->string_value(), only_type);
    return;
  }
  if (!v->is_object()) return;
  sink.Reference(param, v->GetString("reference"), only_type);
  if (const Value* id = v->Find("identifier"); id && only_type.empty()) {
    sink.Token(param + ":identifier", id->GetString("system"), id->GetString("value"));
  }
}

void DateRows(const std::string& param, const Item& item, RowSink& sink) {
  const Value* v = item.node();
  std::string scratch;
  if (v == nullptr || !v->is_object()) {
    if (std::optional<DateRange> r = ParseDateRange(PrimitiveText(item, &scratch))) {
      sink.Range(Kind::kDate, param, r->low, r->high);
    }
    return;
  }
  std::string_view type = item.type();
  if (type == "Period") {
    std::optional<DateRange> start = ParseDateRange(v->GetString("start"));
    std::optional<DateRange> end = ParseDateRange(v->GetString("end"));
    if (!start && !end) return;
    sink.Range(Kind::kDate, param, start ? start->low : -HUGE_VAL, end ? end->high : HUGE_VAL);
  } else if (type == "Timing") {
    if (const Value* events = v->Find("event"); events && events->is_array()) {
      for (const Value& e : events->array()) {
        if (!e.is_string()) continue;
        if (std::optional<DateRange> r = ParseDateRange(e.string_value())) {
          sink.Range(Kind::kDate, param, r->low, r->high);
        }
      }
    }
  }
}

void NumberRows(const std::string& param, const Item& item, RowSink& sink) {
  const Value* v = item.node();
  if (v != nullptr && v->is_object()) {
    if (item.type() == "Range") {
      std::optional<double> lo = NumberOf(v->Find("low") ? v->Find("low")->Find("value") : nullptr);
      std::optional<double> hi =
          NumberOf(v->Find("high") ? v->Find("high")->Find("value") : nullptr);
      if (lo || hi) sink.Range(Kind::kNumber, param, lo ? *lo : -HUGE_VAL, hi ? *hi : HUGE_VAL);
    } else if (IsQuantityType(item.type())) {
      if (std::optional<double> d = NumberOf(v->Find("value"))) {
        sink.Range(Kind::kNumber, param, *d, *d);
      }
    }
    return;
  }
  if (std::optional<double> d = NumberOf(v)) sink.Range(Kind::kNumber, param, *d, *d);
}

void QuantityItemRows(const std::string& param, const Item& item, RowSink& sink) {
  const Value* v = item.node();
  if (v == nullptr || !v->is_object()) return;
  if (item.type() == "Range") {
    const Value* lo = v->Find("low");
    const Value* hi = v->Find("high");
    std::optional<double> l = NumberOf(lo ? lo->Find("value") : nullptr);
    std::optional<double> h = NumberOf(hi ? hi->Find("value") : nullptr);
    if (!l && !h) return;
    const Value* unit = lo ? lo : hi;
    std::string_view code = unit->GetString("code");
    sink.Quantity(param, unit->GetString("system"), code.empty() ? unit->GetString("unit") : code,
                  l ? *l : -HUGE_VAL, h ? *h : HUGE_VAL);
    return;
  }
  QuantityRows(param, *v, sink);
}

// Words of the narrative's text (markup removed), for _text.
void NarrativeRows(const Value& resource, RowSink& sink) {
  const Value* text = resource.Find("text");
  const Value* div = text ? text->Find("div") : nullptr;
  if (div == nullptr || !div->is_string()) return;
  static const std::string kParam = "_text";
  for (const std::string& word : WordsOfMarkup(div->string_value())) sink.String(kParam, word);
}

struct Branch {
  fhirpath::Expression expression;
  std::string only_type;  // `where(resolve() is T)`: only references to T
};
struct ComponentPlan {
  fhirpath::Expression expression;
  std::string type;  // the component parameter's type
};
struct ParamPlan {
  std::string code;
  std::string type;
  std::vector<Branch> branches;
  std::vector<ComponentPlan> components;  // composite
};
struct TypePlan {
  std::vector<ParamPlan> params;
  std::vector<std::string> compartment_params;  // Patient compartment membership
  // Parameters not indexed themselves because their expression is exactly the union of other
  // parameters' (Observation combo-code = code | component-code): code → those parameters.
  absl::flat_hash_map<std::string, std::vector<std::string>> aliases;
};

// What a parameter indexes, branch by branch, for comparing parameters: each branch's
// expression (and target-type filter); composites add their components' expressions.
std::vector<std::string> BranchKeys(const ParamPlan& p) {
  std::vector<std::string> keys;
  std::string suffix;
  for (const ComponentPlan& c : p.components) suffix += "$" + c.expression.source() + ":" + c.type;
  for (const Branch& b : p.branches) {
    keys.push_back(b.expression.source() + "#" + b.only_type + suffix);
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  return keys;
}

// Finds the parameters of `tp` that are unions of others, records them in `aliases` and drops
// their plans: their rows would repeat the others' rows under another name.
void FindAliases(TypePlan& tp) {
  std::vector<std::vector<std::string>> keys;
  for (const ParamPlan& p : tp.params) keys.push_back(BranchKeys(p));
  std::vector<bool> aliased(tp.params.size(), false);
  for (size_t i = 0; i < tp.params.size(); ++i) {
    if (keys[i].size() < 2) continue;
    std::vector<std::string> covered;
    std::vector<std::string> parts;
    for (size_t j = 0; j < tp.params.size(); ++j) {
      if (j == i || aliased[j] || tp.params[j].type != tp.params[i].type) continue;
      if (keys[j].size() >= keys[i].size()) continue;
      if (!std::includes(keys[i].begin(), keys[i].end(), keys[j].begin(), keys[j].end())) continue;
      covered.insert(covered.end(), keys[j].begin(), keys[j].end());
      parts.push_back(tp.params[j].code);
    }
    std::sort(covered.begin(), covered.end());
    covered.erase(std::unique(covered.begin(), covered.end()), covered.end());
    if (covered == keys[i]) {
      aliased[i] = true;
      tp.aliases[tp.params[i].code] = std::move(parts);
    }
  }
  std::vector<ParamPlan> kept;
  for (size_t i = 0; i < tp.params.size(); ++i) {
    if (!aliased[i]) kept.push_back(std::move(tp.params[i]));
  }
  tp.params = std::move(kept);
}

}  // namespace

std::string NormalizeForSearch(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == 0xC3 && i + 1 < s.size()) {  // Latin-1 supplement letters in UTF-8
      unsigned char d = static_cast<unsigned char>(s[i + 1]) | 0x20;  // fold case (0x80..0x9F)
      const char* map = nullptr;
      if (d >= 0xA0 && d <= 0xA5)
        map = "a";
      else if (d == 0xA7)
        map = "c";
      else if (d >= 0xA8 && d <= 0xAB)
        map = "e";
      else if (d >= 0xAC && d <= 0xAF)
        map = "i";
      else if (d == 0xB1)
        map = "n";
      else if ((d >= 0xB2 && d <= 0xB6) || d == 0xB8)
        map = "o";
      else if (d >= 0xB9 && d <= 0xBC)
        map = "u";
      else if (d == 0xBD || d == 0xBF)
        map = "y";
      if (map) {
        out += map;
        ++i;
        continue;
      }
    }
    out.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c));
  }
  return out;
}

bool IndexKindOf(const std::string& t, Kind* kind) {
  if (t == "token" || t == "uri") {
    *kind = Kind::kToken;
  } else if (t == "string") {
    *kind = Kind::kString;
  } else if (t == "reference") {
    *kind = Kind::kReference;
  } else if (t == "date") {
    *kind = Kind::kDate;
  } else if (t == "number") {
    *kind = Kind::kNumber;
  } else if (t == "quantity") {
    *kind = Kind::kQuantity;
  } else if (t == "composite") {
    *kind = Kind::kComposite;
  } else {
    return false;
  }
  return true;
}

struct Indexer::Plan {
  const fhir::Definitions* definitions = nullptr;
  absl::flat_hash_map<std::string, TypePlan> types;
  std::vector<SkippedParam> skipped;
  std::vector<fhir::SearchParamDef> custom;
  // (type, code) → custom definition.
  absl::flat_hash_map<std::pair<std::string, std::string>, const fhir::SearchParamDef*> custom_by;
  // Canonical URL → definition (built-in and custom).
  absl::flat_hash_map<std::string, const fhir::SearchParamDef*> by_url;
};

namespace {

// Built-in parameters of `type` less those a custom one replaces, then the custom ones.
std::vector<const fhir::SearchParamDef*> ParamsOf(const Indexer::Plan& plan,
                                                  const std::string& type) {
  std::vector<const fhir::SearchParamDef*> out;
  for (const fhir::SearchParamDef* def : plan.definitions->SearchParamsFor(type)) {
    if (!plan.custom_by.contains({type, def->code})) out.push_back(def);
  }
  for (const fhir::SearchParamDef& c : plan.custom) {
    if (std::find(c.base.begin(), c.base.end(), type) != c.base.end()) out.push_back(&c);
  }
  return out;
}

// Compiles the branches of `def` that apply to `type`; false (with `why`) when one fails.
bool CompileBranches(const fhir::SearchParamDef& def, const std::string& type,
                     const fhir::Definitions& defs, std::vector<Branch>* out, std::string* why);

}  // namespace

Indexer::Indexer(const fhir::Definitions& definitions, std::vector<fhir::SearchParamDef> custom) {
  auto plan = std::make_unique<Plan>();
  plan->definitions = &definitions;
  plan->custom = std::move(custom);
  auto& by_url = plan->by_url;
  for (const std::string& type : definitions.ResourceTypeNames()) {
    for (const fhir::SearchParamDef* p : definitions.SearchParamsFor(type)) by_url[p->url] = p;
  }
  for (const fhir::SearchParamDef& c : plan->custom) {
    by_url[c.url] = &c;
    for (const std::string& base : c.base) plan->custom_by[{base, c.code}] = &c;
  }
  for (const std::string& type : definitions.ResourceTypeNames()) {
    TypePlan& tp = plan->types[type];
    for (const fhir::SearchParamDef* def : ParamsOf(*plan, type)) {
      Kind kind;
      if (!IndexKindOf(def->type, &kind) || def->expression.empty()) continue;
      if (def->code == "_id" || def->code == "_lastUpdated") continue;  // columns of their own
      ParamPlan p;
      p.code = def->code;
      p.type = def->type;
      std::string why;
      bool unsupported = false;
      bool ok = CompileBranches(*def, type, definitions, &p.branches, &why);
      if (ok && def->type == "composite") {
        for (const fhir::SearchParamDef::Component& c : def->components) {
          auto it = by_url.find(c.definition);
          if (it == by_url.end()) {
            ok = false;
            unsupported = true;
            why = "component " + c.definition + " is not a known SearchParameter";
            break;
          }
          absl::StatusOr<fhirpath::Expression> e = fhirpath::Compile(c.expression, definitions);
          if (!e.ok()) {
            ok = false;
            why = "component: " + std::string(e.status().message());
            break;
          }
          p.components.push_back({*std::move(e), it->second->type});
        }
        if (ok && p.components.size() != 2) {
          ok = false;
          unsupported = true;
          why = "composites of other than two components are not indexed";
        }
      }
      if (!ok) {
        plan->skipped.push_back({type, def->code, why, unsupported});
        continue;
      }
      if (!p.branches.empty()) tp.params.push_back(std::move(p));
    }
    FindAliases(tp);
    if (const std::vector<std::string>* cp = definitions.CompartmentParams("Patient", type)) {
      tp.compartment_params = *cp;
    } else if (type == "Task") {
      // R4's Patient compartment leaves Task out; a task about a patient (Task.for) belongs to
      // that patient's record here, so that it follows the patient and is decided by the
      // patient's relationship like every other entry (docs/decisions/0004).
      tp.compartment_params = {"patient"};
    }
  }
  plan_ = std::move(plan);
}

namespace {

bool CompileBranches(const fhir::SearchParamDef& def, const std::string& type,
                     const fhir::Definitions& defs, std::vector<Branch>* out, std::string* why) {
  for (const std::string& branch : SplitUnion(def.expression)) {
    std::string_view lead = LeadingName(branch);
    if (lead != type && lead != "Resource" && lead != "DomainResource" &&
        defs.IsResourceType(std::string(lead))) {
      continue;  // a branch for another resource type
    }
    std::string text = branch;
    std::string base, target;
    if (ResolveIsFilter(branch, &base, &target)) text = base;
    absl::StatusOr<fhirpath::Expression> e = fhirpath::Compile(text, defs);
    if (!e.ok()) {
      *why = std::string(e.status().message());
      return false;
    }
    out->push_back(Branch{*std::move(e), target});
  }
  return true;
}

// Rows of one value of a parameter of `type`.
void ValueRows(const std::string& code, const std::string& type, const Item& item,
               std::string_view only_type, RowSink& sink) {
  if (type == "token") {
    TokenRows(code, item, sink);
  } else if (type == "string") {
    StringRows(code, item, sink);
  } else if (type == "reference") {
    ReferenceRows(code, item, only_type, sink);
  } else if (type == "uri") {
    std::string scratch;
    sink.Token(code, "", PrimitiveText(item, &scratch));
  } else if (type == "date") {
    DateRows(code, item, sink);
  } else if (type == "number") {
    NumberRows(code, item, sink);
  } else if (type == "quantity") {
    QuantityItemRows(code, item, sink);
  }
}

// Composite rows: each pair of the first and second components' values on `element`.
void CompositeRows(const ParamPlan& p, const Item& element, const Value& resource,
                   std::vector<IndexRow>& rows) {
  std::vector<IndexRow> first, second;
  RowSink first_sink(first), second_sink(second);
  static const std::string kScratch = "c";
  for (int i = 0; i < 2; ++i) {
    const ComponentPlan& c = p.components[i];
    absl::StatusOr<Collection> values = fhirpath::EvaluateOn(c.expression, {element}, resource);
    if (!values.ok()) return;
    for (const Item& v : *values)
      ValueRows(kScratch, c.type, v, "", i == 0 ? first_sink : second_sink);
  }
  for (const IndexRow& a : first) {
    if (a.kind != Kind::kToken && a.kind != Kind::kReference) continue;
    if (a.param != kScratch) continue;  // skip :text / :of-type companions
    for (const IndexRow& b : second) {
      if (b.param != kScratch) continue;
      IndexRow& r = rows.emplace_back();
      r.kind = Kind::kComposite;
      r.param = p.code;
      r.system = a.system;
      r.value = a.value;
      switch (b.kind) {
        case Kind::kToken:
        case Kind::kReference:
          r.system2 = b.system;
          r.value2 = b.value;
          break;
        case Kind::kString:
          r.value2 = b.value;
          break;
        case Kind::kQuantity:
          r.system2 = b.system;
          r.value2 = b.value;
          r.low = b.low;
          r.high = b.high;
          break;
        default:
          r.low = b.low;
          r.high = b.high;
          break;
      }
    }
  }
}

}  // namespace

Indexer::~Indexer() = default;

const std::vector<std::string>* Indexer::AliasOf(const std::string& resource_type,
                                                 const std::string& code) const {
  auto it = plan_->types.find(resource_type);
  if (it == plan_->types.end()) return nullptr;
  auto a = it->second.aliases.find(code);
  return a == it->second.aliases.end() ? nullptr : &a->second;
}

bool Indexer::IsIndexed(const std::string& resource_type, const std::string& code) const {
  auto it = plan_->types.find(resource_type);
  if (it == plan_->types.end()) return false;
  if (it->second.aliases.contains(code)) return true;
  for (const ParamPlan& p : it->second.params) {
    if (p.code == code) return true;
  }
  return false;
}

const std::vector<SkippedParam>& Indexer::skipped() const { return plan_->skipped; }

std::vector<const fhir::SearchParamDef*> Indexer::ParamsFor(
    const std::string& resource_type) const {
  return ParamsOf(*plan_, resource_type);
}

const fhir::SearchParamDef* Indexer::FindParamByUrl(const std::string& url) const {
  auto it = plan_->by_url.find(url);
  return it == plan_->by_url.end() ? nullptr : it->second;
}

const fhir::SearchParamDef* Indexer::FindParam(const std::string& resource_type,
                                               const std::string& code) const {
  auto it = plan_->custom_by.find(std::make_pair(resource_type, code));
  if (it != plan_->custom_by.end()) return it->second;
  return plan_->definitions->FindSearchParam(resource_type, code);
}

IndexedResource Indexer::Extract(const std::string& resource_type, const std::string& id,
                                 const Value& resource) const {
  IndexedResource out;
  auto it = plan_->types.find(resource_type);
  if (it == plan_->types.end()) return out;
  const TypePlan& tp = it->second;
  RowSink sink(out.rows, &resource);
  // Audit entries are written for every request: their coded fields (type, subtype, entity
  // type and role) are searched by code, so their display words are not indexed for :text.
  if (resource_type == "AuditEvent") sink.DisableTextRows();
  for (const ParamPlan& param : tp.params) {
    for (const Branch& branch : param.branches) {
      absl::StatusOr<Collection> values = fhirpath::Evaluate(branch.expression, resource);
      if (!values.ok()) continue;
      for (const Item& item : *values) {
        if (param.type == "composite") {
          CompositeRows(param, item, resource, out.rows);
        } else {
          ValueRows(param.code, param.type, item, branch.only_type, sink);
        }
      }
    }
  }
  NarrativeRows(resource, sink);
  if (resource_type == "Patient") {
    out.patient_compartment = id;
    return out;
  }
  for (const std::string& p : tp.compartment_params) {
    for (const IndexRow& row : out.rows) {
      if (row.kind == Kind::kReference && row.param == p && row.system == "Patient" &&
          !row.value.empty() && row.value[0] != '#') {
        out.patient_compartment = row.value;
        return out;
      }
    }
  }
  return out;
}

}  // namespace tc::engine
