#include "engine/search_query.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "base/ids.h"
#include "base/status_macros.h"
#include "base/time_format.h"
#include "engine/errors.h"
#include "engine/index_extract.h"

namespace tc::engine {
namespace {

using store::Criterion;

bool IsResultParam(const std::string& name) {
  return name == "_count" || name == "_offset" || name == "_sort" || name == "_total" ||
         name == "_summary" || name == "_elements" || name == "_format" || name == "_pretty" ||
         name == "_contained" || name == "_containedType";
}

std::vector<std::string> SplitOr(const std::string& value) {
  // Commas separate alternatives; "\," is a literal comma.
  std::vector<std::string> out(1);
  for (size_t i = 0; i < value.size(); ++i) {
    if (value[i] == '\\' && i + 1 < value.size()) {
      out.back().push_back(value[++i]);
    } else if (value[i] == ',') {
      out.emplace_back();
    } else {
      out.back().push_back(value[i]);
    }
  }
  return out;
}

absl::Status Unsupported(const std::string& name, const std::string& why, bool strict,
                         ParsedSearch& out) {
  if (strict) return BadRequest("search parameter '" + name + "': " + why, name);
  out.ignored.push_back(name + " (" + why + ")");
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ParsedSearch> ParseSearch(const fhir::Definitions& definitions,
                                         const std::string& type, const QueryParams& params,
                                         const SearchOptions& options, int64_t max_count) {
  ParsedSearch out;
  out.query.type = type;
  out.query.limit = options.count;
  out.query.offset = options.offset;
  for (const auto& [raw_name, value] : params) {
    std::string name = raw_name;
    std::string modifier;
    if (size_t colon = name.find(':'); colon != std::string::npos) {
      modifier = name.substr(colon + 1);
      name = name.substr(0, colon);
    }
    if (name == "_count" || name == "_offset") {
      int64_t n = 0;
      if (!absl::SimpleAtoi(value, &n) || n < 0) {
        return BadRequest(name + " must be a non-negative integer, got '" + value + "'", name);
      }
      if (name == "_count") out.query.limit = std::min(n, max_count);
      if (name == "_offset") out.query.offset = n;
      continue;  // paging is expressed by the links, not repeated in `used`
    }
    if (IsResultParam(name)) {
      out.used.emplace_back(raw_name, value);
      continue;
    }
    if (value.empty()) {
      return BadRequest("search parameter '" + raw_name + "' has an empty value", raw_name);
    }
    if (name == "_id") {
      if (!modifier.empty()) {
        TC_RETURN_IF_ERROR(Unsupported(raw_name, "modifier not supported", options.strict, out));
        continue;
      }
      Criterion c;
      c.match = Criterion::Match::kId;
      for (const std::string& alt : SplitOr(value)) {
        if (!base::IsValidFhirId(alt))
          return BadRequest("_id '" + alt + "' is not a valid id", "_id");
        c.any_of.push_back({false, "", alt});
      }
      out.query.all_of.push_back(std::move(c));
      out.used.emplace_back(raw_name, value);
      continue;
    }
    if (name == "_lastUpdated") {
      std::string v = value;
      std::string prefix = v.size() > 2 ? v.substr(0, 2) : "";
      if (prefix == "ge" || prefix == "gt") {
        v = v.substr(2);
      } else {
        TC_RETURN_IF_ERROR(
            Unsupported(raw_name, "only ge/gt prefixes are supported yet", options.strict, out));
        continue;
      }
      std::optional<absl::Time> t = base::ParseFhirDateTime(v);
      if (!t) return BadRequest("_lastUpdated '" + value + "' is not a valid dateTime", name);
      out.query.updated_since = *t;
      out.used.emplace_back(raw_name, value);
      continue;
    }
    const fhir::SearchParamDef* def = definitions.FindSearchParam(type, name);
    if (def == nullptr) {
      TC_RETURN_IF_ERROR(
          Unsupported(raw_name, "unknown parameter for " + type, options.strict, out));
      continue;
    }
    if (!IsIndexable(*def, type)) {
      TC_RETURN_IF_ERROR(
          Unsupported(raw_name, "not yet supported by this server", options.strict, out));
      continue;
    }
    Criterion c;
    c.param = name;
    bool ok_modifier = modifier.empty() || (def->type == "string" && modifier == "exact");
    if (!ok_modifier) {
      TC_RETURN_IF_ERROR(Unsupported(raw_name, "modifier not supported yet", options.strict, out));
      continue;
    }
    for (const std::string& alt : SplitOr(value)) {
      Criterion::Alternative a;
      if (def->type == "token") {
        c.match = Criterion::Match::kTokenCode;
        if (size_t bar = alt.find('|'); bar != std::string::npos) {
          a.has_system = true;
          a.system = alt.substr(0, bar);
          a.value = alt.substr(bar + 1);
          if (a.value.empty()) {
            return BadRequest("token search by system alone ('" + alt + "|') is not supported yet",
                              raw_name);
          }
        } else {
          a.value = alt;
        }
      } else if (def->type == "string") {
        c.match = Criterion::Match::kStringPrefix;
        a.value = NormalizeForSearch(alt);
      } else if (def->type == "uri") {
        c.match = Criterion::Match::kTokenCode;  // uris are indexed as system-less tokens
        a.value = alt;
      } else {  // reference
        c.match = Criterion::Match::kReference;
        size_t slash = alt.find('/');
        if (alt.find("://") != std::string::npos) {
          a.value = alt;
        } else if (slash != std::string::npos) {
          a.system = alt.substr(0, slash);
          a.value = alt.substr(slash + 1);
          if (!definitions.IsResourceType(a.system) || !base::IsValidFhirId(a.value)) {
            return BadRequest("reference '" + alt + "' is not Type/id", raw_name);
          }
        } else {
          if (!base::IsValidFhirId(alt))
            return BadRequest("reference id '" + alt + "' is invalid", raw_name);
          a.value = alt;
          if (def->targets.size() == 1) a.system = def->targets[0];
        }
      }
      c.any_of.push_back(std::move(a));
    }
    out.query.all_of.push_back(std::move(c));
    out.used.emplace_back(raw_name, value);
  }
  return out;
}

}  // namespace tc::engine
