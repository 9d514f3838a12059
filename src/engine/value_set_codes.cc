#include "engine/value_set_codes.h"

#include <algorithm>
#include <set>

#include "base/status_macros.h"
#include "engine/errors.h"

namespace tc::engine {
namespace {

using fhir::Value;
using Code = std::pair<std::string, std::string>;

void FromContains(const Value& list, std::set<Code>& out) {
  if (!list.is_array()) return;
  for (const Value& c : list.array()) {
    if (!c.GetString("code").empty()) {
      out.insert({std::string(c.GetString("system")), std::string(c.GetString("code"))});
    }
    if (const Value* nested = c.Find("contains")) FromContains(*nested, out);
  }
}

// Adds `concept` (when `take`) and, when `descendants`, every concept below it.
void Walk(const std::string& system, const Value& concepts, const std::string& root, bool below,
          bool inside, std::set<Code>& out) {
  if (!concepts.is_array()) return;
  for (const Value& c : concepts.array()) {
    const std::string code(c.GetString("code"));
    const bool is_root = root.empty() || code == root;
    const bool take = inside || (is_root && !below) || root.empty();
    if (take && !code.empty()) out.insert({system, code});
    if (const Value* children = c.Find("concept")) {
      Walk(system, *children, root, below, inside || (!root.empty() && code == root), out);
    }
  }
}

absl::Status Component(const Value& inc, const CodeSystemLookup& code_system, std::set<Code>& out) {
  if (inc.Find("valueSet")) {
    return BadRequest("ValueSets that include other ValueSets cannot be expanded here");
  }
  const std::string system(inc.GetString("system"));
  if (const Value* concepts = inc.Find("concept"); concepts && concepts->is_array()) {
    for (const Value& c : concepts->array()) out.insert({system, std::string(c.GetString("code"))});
    return absl::OkStatus();
  }
  if (system.empty()) return BadRequest("a ValueSet include has neither system nor concepts");
  std::optional<Value> cs = code_system(system);
  if (!cs || !cs->Find("concept")) {
    return BadRequest("the server holds no CodeSystem " + system + " to expand the ValueSet");
  }
  const Value* filters = inc.Find("filter");
  if (filters == nullptr || !filters->is_array() || filters->size() == 0) {
    Walk(system, *cs->Find("concept"), "", false, true, out);
    return absl::OkStatus();
  }
  for (const Value& f : filters->array()) {
    const std::string op(f.GetString("op"));
    if (f.GetString("property") != "concept" || (op != "is-a" && op != "descendent-of")) {
      return BadRequest("ValueSet filter '" + std::string(f.GetString("property")) + " " + op +
                        "' is not supported");
    }
    Walk(system, *cs->Find("concept"), std::string(f.GetString("value")), op == "descendent-of",
         false, out);
  }
  return absl::OkStatus();
}

// Finds `code` under `concepts`; `path` holds the codes from the top down to it.
bool PathTo(const Value& concepts, const std::string& code, std::vector<std::string>& path) {
  if (!concepts.is_array()) return false;
  for (const Value& c : concepts.array()) {
    path.emplace_back(c.GetString("code"));
    if (path.back() == code) return true;
    if (const Value* children = c.Find("concept"); children && PathTo(*children, code, path)) {
      return true;
    }
    path.pop_back();
  }
  return false;
}

}  // namespace

std::vector<std::string> CodesBelow(const Value& cs, const std::string& code) {
  std::set<Code> found;
  if (const Value* concepts = cs.Find("concept")) Walk("", *concepts, code, false, false, found);
  std::vector<std::string> out;
  for (const Code& c : found) out.push_back(c.second);
  return out;
}

std::vector<std::string> CodesAbove(const Value& cs, const std::string& code) {
  std::vector<std::string> path;
  if (const Value* concepts = cs.Find("concept"); concepts && PathTo(*concepts, code, path)) {
    return path;
  }
  return {};
}

absl::StatusOr<std::vector<Code>> CodesOfValueSet(const Value& vs,
                                                  const CodeSystemLookup& code_system) {
  std::set<Code> codes;
  if (const Value* expansion = vs.Find("expansion")) {
    if (const Value* contains = expansion->Find("contains")) {
      FromContains(*contains, codes);
      return std::vector<Code>(codes.begin(), codes.end());
    }
  }
  const Value* compose = vs.Find("compose");
  if (compose == nullptr) return BadRequest("the ValueSet has neither expansion nor compose");
  if (const Value* includes = compose->Find("include"); includes && includes->is_array()) {
    for (const Value& inc : includes->array()) {
      TC_RETURN_IF_ERROR(Component(inc, code_system, codes));
    }
  }
  if (const Value* excludes = compose->Find("exclude"); excludes && excludes->is_array()) {
    std::set<Code> gone;
    for (const Value& exc : excludes->array())
      TC_RETURN_IF_ERROR(Component(exc, code_system, gone));
    for (const Code& c : gone) codes.erase(c);
  }
  return std::vector<Code>(codes.begin(), codes.end());
}

}  // namespace tc::engine
