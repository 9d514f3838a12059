#include "engine/custom_search_params.h"

#include <string>

#include "engine/index_extract.h"

namespace tc::engine {

absl::StatusOr<fhir::SearchParamDef> SearchParamDefOf(const fhir::Definitions& definitions,
                                                      const fhir::Value& sp) {
  fhir::SearchParamDef def;
  def.code = std::string(sp.GetString("code"));
  def.url = std::string(sp.GetString("url"));
  def.type = std::string(sp.GetString("type"));
  def.expression = std::string(sp.GetString("expression"));
  if (def.code.empty() || def.type.empty()) {
    return absl::InvalidArgumentError("a SearchParameter needs code and type");
  }
  auto strings = [&](const char* name) {
    std::vector<std::string> out;
    if (const fhir::Value* list = sp.Find(name); list && list->is_array()) {
      for (const fhir::Value& v : list->array()) {
        if (v.is_string()) out.push_back(v.string_value());
      }
    }
    return out;
  };
  def.base = strings("base");
  def.targets = strings("target");
  if (def.base.empty()) {
    return absl::InvalidArgumentError("SearchParameter " + def.code + " has no base");
  }
  for (const std::string& b : def.base) {
    if (!definitions.IsResourceType(b) && b != "Resource" && b != "DomainResource") {
      return absl::InvalidArgumentError("SearchParameter " + def.code + ": base '" + b +
                                        "' is not a resource type");
    }
  }
  if (const fhir::Value* comps = sp.Find("component"); comps && comps->is_array()) {
    for (const fhir::Value& c : comps->array()) {
      def.components.push_back(
          {std::string(c.GetString("definition")), std::string(c.GetString("expression"))});
    }
  }
  return def;
}

fhir::Issues CheckSearchParameter(const fhir::Definitions& definitions, const fhir::Value& sp) {
  fhir::Issues issues;
  auto problem = [&](const std::string& text, const std::string& where) {
    issues.push_back(fhir::Issue{fhir::Issue::Severity::kError, "invariant", text, where});
  };
  absl::StatusOr<fhir::SearchParamDef> def = SearchParamDefOf(definitions, sp);
  if (!def.ok()) {
    problem(std::string(def.status().message()), "SearchParameter");
    return issues;
  }
  store::IndexRow::Kind kind;
  if (!IndexKindOf(def->type, &kind) || def->expression.empty()) {
    return issues;  // valid, but not indexed (special parameters, no expression)
  }
  // Compile it exactly as the server would. Shapes the server does not index (composites of
  // more than two components) are accepted and stay unsearchable.
  Indexer probe(definitions, {*def});
  for (const SkippedParam& s : probe.skipped()) {
    if (s.code == def->code && !s.unsupported) {
      problem("expression does not compile for " + s.resource_type + ": " + s.reason,
              "SearchParameter.expression");
    }
  }
  return issues;
}

}  // namespace tc::engine
