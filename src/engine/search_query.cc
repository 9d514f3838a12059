#include "engine/search_query.h"

#include <cmath>
#include <memory>
#include <optional>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "base/ids.h"
#include "base/status_macros.h"
#include "engine/date_range.h"
#include "engine/errors.h"
#include "engine/index_extract.h"
#include "engine/value_set_codes.h"
#include "fhirpath/decimal.h"
#include "fhirpath/quantity.h"

namespace tc::engine {
namespace {

using store::Comparator;
using store::Criterion;
using store::IndexRow;
using Match = Criterion::Match;

bool IsResultParam(const std::string& name) {
  return name == "_summary" || name == "_elements" || name == "_format" || name == "_pretty" ||
         name == "_contained" || name == "_containedType";
}

// Splits at unescaped commas; "\," is a literal comma (and "\$", "\|", "\\" keep their escape
// for the later splits).
std::vector<std::string> SplitOr(const std::string& value) {
  std::vector<std::string> out(1);
  for (size_t i = 0; i < value.size(); ++i) {
    if (value[i] == '\\' && i + 1 < value.size()) {
      if (value[i + 1] == ',') {
        out.back().push_back(',');
      } else {
        out.back().push_back('\\');
        out.back().push_back(value[i + 1]);
      }
      ++i;
    } else if (value[i] == ',') {
      out.emplace_back();
    } else {
      out.back().push_back(value[i]);
    }
  }
  return out;
}

// Splits at the first unescaped `sep`; returns false when there is none.
bool SplitEscaped(const std::string& s, char sep, std::string* left, std::string* right) {
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\') {
      ++i;
    } else if (s[i] == sep) {
      *left = s.substr(0, i);
      *right = s.substr(i + 1);
      return true;
    }
  }
  return false;
}

// Removes the backslash of escaped characters.
std::string Unescape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) ++i;
    out.push_back(s[i]);
  }
  return out;
}

// Reads a token value `[system|]code` (backslash escapes honoured).
void ReadToken(const std::string& text, bool* has_system, std::string* system, std::string* code) {
  std::string sys, rest;
  if (SplitEscaped(text, '|', &sys, &rest)) {
    *has_system = true;
    *system = Unescape(sys);
    *code = Unescape(rest);
  } else {
    *code = Unescape(text);
  }
}

// Reads a search prefix (eq, ne, …) from the start of `v` (default eq). Returns false for an
// unknown two-letter prefix.
bool ReadPrefix(std::string& v, Comparator* cmp) {
  static constexpr std::pair<const char*, Comparator> kPrefixes[] = {
      {"eq", Comparator::kEq}, {"ne", Comparator::kNe}, {"gt", Comparator::kGt},
      {"lt", Comparator::kLt}, {"ge", Comparator::kGe}, {"le", Comparator::kLe},
      {"sa", Comparator::kSa}, {"eb", Comparator::kEb}, {"ap", Comparator::kAp}};
  *cmp = Comparator::kEq;
  if (v.size() >= 2 && std::isalpha(static_cast<unsigned char>(v[0])) &&
      std::isalpha(static_cast<unsigned char>(v[1]))) {
    for (const auto& [text, c] : kPrefixes) {
      if (v.compare(0, 2, text) == 0) {
        *cmp = c;
        v = v.substr(2);
        return true;
      }
    }
    return false;
  }
  return true;
}

// The number a search value stands for and the half-width of its implied precision
// ("100" → 100 ± 0.5, "100.00" → ± 0.005, "1e2" → ± 50).
bool ParseNumber(const std::string& text, double* value, double* half) {
  if (!absl::SimpleAtod(text, value) || !std::isfinite(*value)) return false;
  if (text.find_first_not_of("0123456789.eE+-") != std::string::npos) return false;
  std::string mantissa = text;
  int exponent = 0;
  if (size_t e = text.find_first_of("eE"); e != std::string::npos) {
    mantissa = text.substr(0, e);
    if (!absl::SimpleAtoi(text.substr(e + 1), &exponent)) return false;
  }
  int decimals = 0;
  if (size_t dot = mantissa.find('.'); dot != std::string::npos) {
    decimals = static_cast<int>(mantissa.size() - dot - 1);
  }
  *half = 0.5 * std::pow(10.0, exponent - decimals);
  return true;
}

// Fills the range of a numeric alternative: eq / ne / ap use the value's precision (ap ±10%),
// the other comparators the exact value.
void SetNumberRange(Comparator cmp, double value, double half, Criterion::Alternative& a) {
  a.comparator = cmp;
  if (cmp == Comparator::kEq || cmp == Comparator::kNe) {
    a.low = value - half;
    a.high = std::nextafter(value + half, -HUGE_VAL);
  } else if (cmp == Comparator::kAp) {
    const double margin = std::max(std::fabs(value) * 0.1, half);
    a.low = value - margin;
    a.high = value + margin;
  } else {
    a.low = a.high = value;
  }
}

class Parser {
 public:
  Parser(const SearchContext& ctx, const SearchOptions& options, ParsedSearch& out)
      : ctx_(ctx), options_(options), out_(out) {}

  absl::Status Parse(const std::string& type, const QueryParams& params);

 private:
  absl::Status Unsupported(const std::string& name, const std::string& why) {
    if (options_.strict) return BadRequest("search parameter '" + name + "': " + why, name);
    out_.ignored.push_back(name + " (" + why + ")");
    return absl::OkStatus();
  }

  // A criterion for `name` (with chains, _has and modifiers) = `value` on `type`. Sets
  // `*unsupported` (and returns OK) when the parameter is unknown or not supported.
  absl::StatusOr<Criterion> Build(const std::string& type, const std::string& name,
                                  const std::string& value, int depth, std::string* unsupported);
  absl::StatusOr<Criterion> BuildPlain(const std::string& type, const fhir::SearchParamDef& def,
                                       const std::string& modifier, const std::string& raw_name,
                                       const std::string& value, std::string* unsupported);
  absl::StatusOr<Criterion> BuildPlainOne(const std::string& type, const fhir::SearchParamDef& def,
                                          const std::string& modifier, const std::string& raw_name,
                                          const std::string& value, std::string* unsupported);
  absl::Status TokenAlternatives(const fhir::SearchParamDef& def, const std::string& modifier,
                                 const std::string& raw_name, const std::string& value,
                                 Criterion& c, std::string* unsupported);
  absl::StatusOr<Criterion::Alternative> ReferenceAlternative(const fhir::SearchParamDef& def,
                                                              const std::string& raw_name,
                                                              const std::string& alt);
  absl::Status DateAlternative(const std::string& raw_name, const std::string& alt,
                               Criterion::Alternative& a);
  absl::Status QuantityAlternative(const std::string& raw_name, const std::string& alt,
                                   Criterion::Alternative& a);
  absl::Status CompositeAlternative(const fhir::SearchParamDef& def, const std::string& raw_name,
                                    const std::string& alt, Criterion::Alternative& a);
  absl::Status ParseSort(const std::string& type, const std::string& value);
  absl::Status ParseInclude(const std::string& type, const std::string& name,
                            const std::string& modifier, const std::string& value);

  const fhir::SearchParamDef* FindParam(const std::string& type, const std::string& code) const {
    return ctx_.indexer.FindParam(type, code);
  }
  bool Indexed(const std::string& type, const std::string& code) const {
    return ctx_.indexer.IsIndexed(type, code);
  }

  const SearchContext& ctx_;
  const SearchOptions& options_;
  ParsedSearch& out_;
};

std::vector<std::string> Alternatives(const std::string& value) { return SplitOr(value); }

absl::Status CheckOrCount(const std::string& raw_name, size_t n) {
  if (n > kMaxOrValues) {
    return BadRequest("search parameter '" + raw_name + "' has " + std::to_string(n) +
                          " values; at most " + std::to_string(kMaxOrValues) + " are allowed",
                      raw_name);
  }
  return absl::OkStatus();
}

absl::Status Parser::DateAlternative(const std::string& raw_name, const std::string& alt,
                                     Criterion::Alternative& a) {
  std::string v = alt;
  if (!ReadPrefix(v, &a.comparator)) {
    return BadRequest(
        "'" + alt + "' has an unknown prefix (use eq, ne, gt, lt, ge, le, sa, eb, ap)", raw_name);
  }
  std::optional<DateRange> r = ParseDateRange(v);
  if (!r) {
    return BadRequest("'" + alt + "' is not a valid date, dateTime or instant", raw_name);
  }
  a.low = r->low;
  a.high = r->high;
  if (a.comparator == Comparator::kAp) {
    const double now = static_cast<double>(absl::ToUnixMicros(ctx_.now));
    const double margin = std::max(std::fabs(now - a.low) * 0.1, 86400e6);  // at least a day
    a.low -= margin;
    a.high += margin;
  }
  return absl::OkStatus();
}

absl::Status Parser::QuantityAlternative(const std::string& raw_name, const std::string& alt,
                                         Criterion::Alternative& a) {
  std::vector<std::string> parts = absl::StrSplit(alt, '|');
  if (parts.size() != 1 && parts.size() != 3) {
    return BadRequest("'" + alt + "' is not [prefix]number[|system|code]", raw_name);
  }
  std::string number = parts[0];
  Comparator cmp;
  if (!ReadPrefix(number, &cmp)) return BadRequest("'" + alt + "' has an unknown prefix", raw_name);
  double value = 0, half = 0;
  if (!ParseNumber(number, &value, &half)) {
    return BadRequest("'" + alt + "' does not start with a number", raw_name);
  }
  SetNumberRange(cmp, value, half, a);
  // A number without a unit compares with the values as written, never with the UCUM-canonical
  // rows (whose values are in base units: 16.2 kg/m2 is 16200 there).
  a.exclude_system = kCanonicalUnitSystem;
  if (parts.size() == 3) {
    const std::string& system = parts[1];
    const std::string& code = parts[2];
    // UCUM units are compared in base units, so 1 g finds 1000 mg. With no system the code or
    // unit is matched as written (R4 3.1.1.4.10).
    if (system == "http://unitsofmeasure.org" && !code.empty()) {
      std::optional<fhirpath::Decimal> dec = fhirpath::Decimal::Parse(number);
      std::optional<fhirpath::CanonicalQuantity> c;
      if (dec) c = fhirpath::Canonicalize({*dec, code});
      if (c) {
        const double scale = value != 0 ? c->value / value : 1;
        a.has_system = true;
        a.system = kCanonicalUnitSystem;
        a.exclude_system.clear();
        a.value = c->dimension;
        SetNumberRange(cmp, c->value, std::fabs(half * scale), a);
        return absl::OkStatus();
      }
    }
    a.has_system = !system.empty();
    a.system = system;
    a.value = code;
  }
  return absl::OkStatus();
}

absl::StatusOr<Criterion::Alternative> Parser::ReferenceAlternative(const fhir::SearchParamDef& def,
                                                                    const std::string& raw_name,
                                                                    const std::string& alt) {
  Criterion::Alternative a;
  std::string v = alt;
  // A reference to this server's own base is its relative form.
  const std::string& base = ctx_.base_url;
  if (!base.empty() && absl::StartsWith(v, base + "/")) v = v.substr(base.size() + 1);
  if (v.find("://") != std::string::npos || absl::StartsWith(v, "urn:")) {
    a.value = v;
    return a;
  }
  std::vector<std::string> parts = absl::StrSplit(v, '/');
  if (parts.size() == 4 && parts[2] == "_history") parts.resize(2);
  if (parts.size() == 2) {
    if (!ctx_.definitions.IsResourceType(parts[0]) || !base::IsValidFhirId(parts[1])) {
      return BadRequest("reference '" + alt + "' is not Type/id", raw_name);
    }
    a.system = parts[0];
    a.value = parts[1];
    return a;
  }
  if (parts.size() != 1 || !base::IsValidFhirId(v)) {
    return BadRequest("reference '" + alt + "' is not an id, Type/id or an absolute URL", raw_name);
  }
  a.value = v;
  if (def.targets.size() == 1) a.system = def.targets[0];
  return a;
}

absl::Status Parser::CompositeAlternative(const fhir::SearchParamDef& def,
                                          const std::string& raw_name, const std::string& alt,
                                          Criterion::Alternative& a) {
  std::string first, second;
  if (!SplitEscaped(alt, '$', &first, &second) || def.components.size() != 2) {
    return BadRequest("'" + alt + "' is not a composite value (first$second)", raw_name);
  }
  auto type_of = [&](const std::string& url) -> std::string {
    const fhir::SearchParamDef* p = ctx_.indexer.FindParamByUrl(url);
    return p ? p->type : "";
  };
  const std::string t1 = type_of(def.components[0].definition);
  const std::string t2 = type_of(def.components[1].definition);
  if (t1 == "token") {
    ReadToken(first, &a.has_system, &a.system, &a.value);
  } else if (t1 == "reference") {
    TC_ASSIGN_OR_RETURN(Criterion::Alternative r, ReferenceAlternative(def, raw_name, first));
    a.has_system = !r.system.empty();
    a.system = r.system;
    a.value = r.value;
  } else {
    return BadRequest("composite parameter '" + def.code + "' is not supported", raw_name);
  }
  if (a.value.empty()) return BadRequest("'" + alt + "' has an empty first component", raw_name);
  if (t2 == "token") {
    a.second = Criterion::Second::kToken;
    ReadToken(second, &a.second_has_system, &a.second_system, &a.second_value);
  } else if (t2 == "string") {
    a.second = Criterion::Second::kStringPrefix;
    a.second_value = NormalizeForSearch(Unescape(second));
  } else if (t2 == "reference") {
    a.second = Criterion::Second::kReference;
    TC_ASSIGN_OR_RETURN(Criterion::Alternative r, ReferenceAlternative(def, raw_name, second));
    a.second_has_system = !r.system.empty();
    a.second_system = r.system;
    a.second_value = r.value;
  } else if (t2 == "date") {
    a.second = Criterion::Second::kRange;
    TC_RETURN_IF_ERROR(DateAlternative(raw_name, Unescape(second), a));
  } else if (t2 == "quantity") {
    a.second = Criterion::Second::kRange;
    Criterion::Alternative q;
    TC_RETURN_IF_ERROR(QuantityAlternative(raw_name, Unescape(second), q));
    a.comparator = q.comparator;
    a.low = q.low;
    a.high = q.high;
    a.second_has_system = q.has_system;
    a.second_system = q.system;
    a.second_value = q.value;
  } else if (t2 == "number") {
    a.second = Criterion::Second::kRange;
    std::string n = Unescape(second);
    Comparator cmp;
    double value = 0, half = 0;
    if (!ReadPrefix(n, &cmp) || !ParseNumber(n, &value, &half)) {
      return BadRequest("'" + second + "' is not a number", raw_name);
    }
    SetNumberRange(cmp, value, half, a);
  } else {
    return BadRequest("composite parameter '" + def.code + "' is not supported", raw_name);
  }
  return absl::OkStatus();
}

absl::Status Parser::TokenAlternatives(const fhir::SearchParamDef& def, const std::string& modifier,
                                       const std::string& raw_name, const std::string& value,
                                       Criterion& c, std::string* unsupported) {
  const std::vector<std::string> alts = Alternatives(value);
  TC_RETURN_IF_ERROR(CheckOrCount(raw_name, alts.size()));
  if (modifier == "text") {
    c.match = Match::kStringPrefix;
    c.kind = IndexRow::Kind::kString;
    c.param = def.code + ":text";
    for (const std::string& alt : alts) {
      Criterion::Alternative& a = c.any_of.emplace_back();
      a.value = NormalizeForSearch(Unescape(alt));
    }
    return absl::OkStatus();
  }
  if (modifier == "in" || modifier == "not-in") {
    if (!ctx_.value_set) {
      *unsupported = "value sets are not available";
      return absl::OkStatus();
    }
    c.match = Match::kTokenCode;
    c.negate = modifier == "not-in";
    for (const std::string& alt : alts) {
      absl::StatusOr<std::vector<std::pair<std::string, std::string>>> codes =
          ctx_.value_set(Unescape(alt));
      if (absl::IsNotFound(codes.status())) {
        return BadRequest("the server holds no ValueSet '" + alt + "'", raw_name);
      }
      TC_RETURN_IF_ERROR(codes.status());
      for (const auto& [system, code] : *codes) {
        Criterion::Alternative& a = c.any_of.emplace_back();
        a.has_system = !system.empty();
        a.system = system;
        a.value = code;
      }
    }
    return absl::OkStatus();
  }
  if (def.type == "uri" && (modifier == "above" || modifier == "below")) {
    for (const std::string& alt : alts) {
      const std::string v = Unescape(alt);
      if (modifier == "below") {
        c.match = Match::kTokenPrefix;
        c.any_of.emplace_back().value = v;
      } else {
        // :above: stored uris that are a prefix of `v` at a path boundary (or `v` itself).
        c.match = Match::kTokenCode;
        c.any_of.emplace_back().value = v;
        const size_t scheme = v.find("://");
        for (size_t i = v.size(); i-- > 0;) {
          if (v[i] == '/' && (scheme == std::string::npos || i > scheme + 2)) {
            c.any_of.emplace_back().value = v.substr(0, i);
          }
        }
      }
    }
    return absl::OkStatus();
  }
  if (def.type == "token" && (modifier == "above" || modifier == "below")) {
    if (!ctx_.code_system) {
      *unsupported = "code systems are not available";
      return absl::OkStatus();
    }
    c.match = Match::kTokenCode;
    for (const std::string& alt : alts) {
      Criterion::Alternative a;
      ReadToken(alt, &a.has_system, &a.system, &a.value);
      if (!a.has_system || a.system.empty()) {
        return BadRequest(":" + modifier + " needs system|code", raw_name);
      }
      std::optional<fhir::Value> cs = ctx_.code_system(a.system);
      if (!cs) {
        return BadRequest(
            "the server holds no CodeSystem " + a.system + " to search :" + modifier + " in",
            raw_name);
      }
      std::vector<std::string> codes =
          modifier == "below" ? CodesBelow(*cs, a.value) : CodesAbove(*cs, a.value);
      TC_RETURN_IF_ERROR(CheckOrCount(raw_name, codes.size()));
      for (const std::string& code : codes) {
        Criterion::Alternative& x = c.any_of.emplace_back();
        x.has_system = true;
        x.system = a.system;
        x.value = code;
      }
    }
    return absl::OkStatus();
  }
  if (modifier == "of-type") {
    c.match = Match::kTokenCode;
    c.param = def.code + ":of-type";
    for (const std::string& alt : alts) {
      std::vector<std::string> parts = absl::StrSplit(alt, '|');
      if (parts.size() != 3 || parts[1].empty() || parts[2].empty()) {
        return BadRequest("'" + alt + "' is not type-system|type-code|value", raw_name);
      }
      Criterion::Alternative& a = c.any_of.emplace_back();
      a.has_system = true;
      a.system = parts[0] + "|" + parts[1];
      a.value = parts[2];
    }
    return absl::OkStatus();
  }
  if (!modifier.empty() && modifier != "not") {
    *unsupported = "modifier :" + modifier + " is not supported for token parameters";
    return absl::OkStatus();
  }
  c.match = Match::kTokenCode;
  c.negate = modifier == "not";
  for (const std::string& alt : alts) {
    Criterion::Alternative& a = c.any_of.emplace_back();
    ReadToken(alt, &a.has_system, &a.system, &a.value);
    if (a.has_system && a.system.empty() && a.value.empty()) {
      return BadRequest("token '|' has neither system nor code", raw_name);
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<Criterion> Parser::BuildPlain(const std::string& type,
                                             const fhir::SearchParamDef& def,
                                             const std::string& modifier,
                                             const std::string& raw_name, const std::string& value,
                                             std::string* unsupported) {
  TC_ASSIGN_OR_RETURN(Criterion c,
                      BuildPlainOne(type, def, modifier, raw_name, value, unsupported));
  const std::vector<std::string>* parts = ctx_.indexer.AliasOf(type, def.code);
  if (parts == nullptr || !unsupported->empty()) return c;
  // The parameter is the union of `parts`: the same test on any of them.
  auto renamed = [&](const std::string& param, const std::string& part) {
    return part + param.substr(def.code.size());  // keeps a ":text" / ":of-type" suffix
  };
  std::vector<Criterion::Alternative> alternatives;
  if (c.match == Match::kMissing) {
    for (const std::string& part : *parts) {
      alternatives.emplace_back().param = renamed(c.param, part);
    }
  } else {
    for (const Criterion::Alternative& a : c.any_of) {
      for (const std::string& part : *parts) {
        Criterion::Alternative copy = a;
        copy.param = renamed(a.param.empty() ? c.param : a.param, part);
        alternatives.push_back(std::move(copy));
      }
    }
  }
  c.any_of = std::move(alternatives);
  return c;
}

absl::StatusOr<Criterion> Parser::BuildPlainOne(
    const std::string& type, const fhir::SearchParamDef& def, const std::string& modifier,
    const std::string& raw_name, const std::string& value, std::string* unsupported) {
  Criterion c;
  c.param = def.code;
  if (!IndexKindOf(def.type, &c.kind) || !Indexed(type, def.code)) {
    *unsupported = "parameter " + def.code + " (" + def.type + ") is not supported by this server";
    return c;
  }
  if (modifier == "missing") {
    if (value != "true" && value != "false") {
      return BadRequest(raw_name + " must be true or false, got '" + value + "'", raw_name);
    }
    c.match = Match::kMissing;
    c.negate = value == "true";
    return c;
  }
  if (def.type == "token" || def.type == "uri") {
    TC_RETURN_IF_ERROR(TokenAlternatives(def, modifier, raw_name, value, c, unsupported));
    return c;
  }
  const std::vector<std::string> alts = Alternatives(value);
  TC_RETURN_IF_ERROR(CheckOrCount(raw_name, alts.size()));
  if (def.type == "string") {
    if (!modifier.empty() && modifier != "exact" && modifier != "contains") {
      *unsupported = "modifier :" + modifier + " is not supported for string parameters";
      return c;
    }
    c.match = modifier == "exact"      ? Match::kStringExact
              : modifier == "contains" ? Match::kStringContains
                                       : Match::kStringPrefix;
    for (const std::string& alt : alts) {
      Criterion::Alternative& a = c.any_of.emplace_back();
      const std::string text = Unescape(alt);
      if (c.match == Match::kStringExact) {
        a.value = text;
        a.system = NormalizeForSearch(text);
      } else {
        a.value = NormalizeForSearch(text);
      }
    }
    return c;
  }
  if (def.type == "reference") {
    if (modifier == "identifier") {
      c.match = Match::kTokenCode;
      c.kind = IndexRow::Kind::kToken;
      c.param = def.code + ":identifier";
      for (const std::string& alt : alts) {
        Criterion::Alternative& a = c.any_of.emplace_back();
        ReadToken(alt, &a.has_system, &a.system, &a.value);
      }
      return c;
    }
    if (!modifier.empty() && !ctx_.definitions.IsResourceType(modifier)) {
      *unsupported = "modifier :" + modifier + " is not supported for reference parameters";
      return c;
    }
    c.match = Match::kReference;
    for (const std::string& alt : alts) {
      TC_ASSIGN_OR_RETURN(Criterion::Alternative a, ReferenceAlternative(def, raw_name, alt));
      if (!modifier.empty()) {
        if (!a.system.empty() && a.system != modifier) {
          return BadRequest("'" + alt + "' is not a " + modifier, raw_name);
        }
        a.system = modifier;
      }
      c.any_of.push_back(std::move(a));
    }
    return c;
  }
  if (!modifier.empty()) {
    *unsupported = "modifier :" + modifier + " is not supported for " + def.type + " parameters";
    return c;
  }
  for (const std::string& alt : alts) {
    Criterion::Alternative& a = c.any_of.emplace_back();
    if (def.type == "date") {
      c.match = Match::kRange;
      TC_RETURN_IF_ERROR(DateAlternative(raw_name, alt, a));
    } else if (def.type == "number") {
      c.match = Match::kRange;
      std::string v = alt;
      Comparator cmp;
      if (!ReadPrefix(v, &cmp)) return BadRequest("'" + alt + "' has an unknown prefix", raw_name);
      double number = 0, half = 0;
      if (!ParseNumber(v, &number, &half)) {
        return BadRequest("'" + alt + "' is not a number", raw_name);
      }
      SetNumberRange(cmp, number, half, a);
    } else if (def.type == "quantity") {
      c.match = Match::kQuantity;
      TC_RETURN_IF_ERROR(QuantityAlternative(raw_name, Unescape(alt), a));
    } else if (def.type == "composite") {
      c.match = Match::kComposite;
      TC_RETURN_IF_ERROR(CompositeAlternative(def, raw_name, alt, a));
    } else {
      *unsupported = def.type + " parameters are not supported";
      return c;
    }
  }
  return c;
}

absl::StatusOr<Criterion> Parser::Build(const std::string& type, const std::string& name,
                                        const std::string& value, int depth,
                                        std::string* unsupported) {
  if (depth > kMaxChainDepth) {
    return BadRequest(
        "'" + name + "' chains more than " + std::to_string(kMaxChainDepth) + " levels deep", name);
  }
  // Reverse chain: _has:Type:param:rest.
  if (absl::StartsWith(name, "_has:")) {
    std::vector<std::string> parts = absl::StrSplit(name, absl::MaxSplits(':', 3));
    if (parts.size() != 4 || parts[3].empty()) {
      return BadRequest("'" + name + "' is not _has:Type:reference-parameter:parameter", name);
    }
    const std::string& source = parts[1];
    if (!ctx_.definitions.IsResourceType(source)) {
      return BadRequest("'" + name + "': " + source + " is not a resource type", name);
    }
    const fhir::SearchParamDef* ref = FindParam(source, parts[2]);
    if (ref == nullptr || ref->type != "reference") {
      return BadRequest(
          "'" + name + "': " + parts[2] + " is not a reference parameter of " + source, name);
    }
    if (!ref->targets.empty() &&
        std::find(ref->targets.begin(), ref->targets.end(), type) == ref->targets.end()) {
      return BadRequest("'" + name + "': " + source + "." + parts[2] + " cannot refer to " + type,
                        name);
    }
    TC_ASSIGN_OR_RETURN(Criterion inner, Build(source, parts[3], value, depth + 1, unsupported));
    if (!unsupported->empty()) return inner;
    auto sub = std::make_shared<store::SearchQuery>();
    sub->type = source;
    sub->all_of.push_back(std::move(inner));
    Criterion c;
    c.match = Match::kReverseChain;
    c.kind = IndexRow::Kind::kReference;
    c.param = parts[2];
    c.any_of.emplace_back().sub = std::move(sub);
    return c;
  }
  std::string head = name, rest;
  const bool chained = SplitEscaped(name, '.', &head, &rest);
  std::string code = head, modifier;
  if (size_t colon = head.find(':'); colon != std::string::npos) {
    code = head.substr(0, colon);
    modifier = head.substr(colon + 1);
  }
  if (code == "_id" && !chained) {
    Criterion c;
    c.match = Match::kId;
    if (modifier == "not") {
      c.negate = true;
    } else if (!modifier.empty()) {
      *unsupported = "modifier :" + modifier + " is not supported for _id";
      return c;
    }
    const std::vector<std::string> alts = Alternatives(value);
    TC_RETURN_IF_ERROR(CheckOrCount(name, alts.size()));
    for (const std::string& alt : alts) {
      if (!base::IsValidFhirId(alt)) return BadRequest("_id '" + alt + "' is not a valid id", name);
      c.any_of.emplace_back().value = alt;
    }
    return c;
  }
  if (code == "_lastUpdated" && !chained) {
    Criterion c;
    c.match = Match::kLastUpdated;
    if (!modifier.empty()) {
      *unsupported = "modifier :" + modifier + " is not supported for _lastUpdated";
      return c;
    }
    const std::vector<std::string> alts = Alternatives(value);
    TC_RETURN_IF_ERROR(CheckOrCount(name, alts.size()));
    for (const std::string& alt : alts) {
      TC_RETURN_IF_ERROR(DateAlternative(name, alt, c.any_of.emplace_back()));
    }
    return c;
  }
  if (code == "_text" && !chained) {
    // One word (inside chains); the top level splits several words (Parse).
    Criterion c;
    c.match = Match::kStringPrefix;
    c.kind = IndexRow::Kind::kString;
    c.param = "_text";
    if (!modifier.empty()) {
      *unsupported = "modifier :" + modifier + " is not supported for _text";
      return c;
    }
    c.any_of.emplace_back().value = NormalizeForSearch(value);
    return c;
  }
  if (code == "_list" && !chained) {
    // The resources List/<id> names in `item`: the reverse chain from that List.
    if (!base::IsValidFhirId(value)) return BadRequest("_list '" + value + "' is not an id", name);
    auto list = std::make_shared<store::SearchQuery>();
    list->type = "List";
    Criterion id;
    id.match = Match::kId;
    id.any_of.emplace_back().value = value;
    list->all_of.push_back(std::move(id));
    Criterion c;
    c.match = Match::kReverseChain;
    c.kind = IndexRow::Kind::kReference;
    c.param = "item";
    c.any_of.emplace_back().sub = std::move(list);
    return c;
  }
  const fhir::SearchParamDef* def = FindParam(type, code);
  if (def == nullptr) {
    *unsupported = "unknown parameter for " + type;
    return Criterion();
  }
  if (!chained) return BuildPlain(type, *def, modifier, name, value, unsupported);

  // Chain: code[:Type].rest
  if (def->type != "reference") {
    return BadRequest("'" + name + "': " + code + " is a " + def->type +
                          " parameter; only reference parameters can be chained",
                      name);
  }
  std::vector<std::string> targets = def->targets;
  if (!modifier.empty()) {
    if (!ctx_.definitions.IsResourceType(modifier)) {
      return BadRequest("'" + name + "': " + modifier + " is not a resource type", name);
    }
    targets = {modifier};
  }
  std::string rest_code = rest.substr(0, rest.find_first_of(".:"));
  Criterion c;
  c.match = Match::kChain;
  c.kind = IndexRow::Kind::kReference;
  c.param = code;
  std::string inner_unsupported;
  for (const std::string& target : targets) {
    if (!absl::StartsWith(rest, "_has:") && rest_code != "_id" && rest_code != "_lastUpdated" &&
        FindParam(target, rest_code) == nullptr) {
      continue;
    }
    TC_ASSIGN_OR_RETURN(Criterion inner, Build(target, rest, value, depth + 1, &inner_unsupported));
    if (!inner_unsupported.empty()) {
      *unsupported = inner_unsupported;
      return c;
    }
    auto sub = std::make_shared<store::SearchQuery>();
    sub->type = target;
    sub->all_of.push_back(std::move(inner));
    Criterion::Alternative& a = c.any_of.emplace_back();
    a.system = target;
    a.sub = std::move(sub);
  }
  if (c.any_of.empty()) {
    return BadRequest(
        "'" + name + "': no resource type " + code + " can refer to has a parameter " + rest_code,
        name);
  }
  return c;
}

absl::Status Parser::ParseSort(const std::string& type, const std::string& value) {
  for (const std::string& raw : std::vector<std::string>(absl::StrSplit(value, ','))) {
    std::string key = raw;
    store::SortKey k;
    if (!key.empty() && key[0] == '-') {
      k.descending = true;
      key = key.substr(1);
    }
    k.param = key;
    if (key == "_id" || key == "_lastUpdated") {
      out_.query.sort.push_back(k);
      continue;
    }
    const fhir::SearchParamDef* def = FindParam(type, key);
    if (def == nullptr || !IndexKindOf(def->type, &k.kind) || !Indexed(type, key) ||
        def->type == "composite") {
      TC_RETURN_IF_ERROR(Unsupported("_sort", "cannot sort " + type + " by '" + key + "'"));
      continue;
    }
    if (const std::vector<std::string>* parts = ctx_.indexer.AliasOf(type, key)) {
      k.param = parts->front();  // a union sorts by its first part
    }
    out_.query.sort.push_back(k);
  }
  return absl::OkStatus();
}

absl::Status Parser::ParseInclude(const std::string& type, const std::string& name,
                                  const std::string& modifier, const std::string& value) {
  IncludeSpec spec;
  spec.iterate = modifier == "iterate" || modifier == "recurse";
  if (!modifier.empty() && !spec.iterate) {
    return Unsupported(name + ":" + modifier, "unknown modifier");
  }
  const bool rev = name == "_revinclude";
  if (value == "*") {
    spec.source_type = rev ? "" : type;
    spec.param = "*";
  } else {
    std::vector<std::string> parts = absl::StrSplit(value, ':');
    if (parts.size() < 2 || parts.size() > 3) {
      return BadRequest(name + " '" + value + "' is not SourceType:parameter[:TargetType]", name);
    }
    spec.source_type = parts[0];
    spec.param = parts[1];
    if (parts.size() == 3) spec.target_type = parts[2];
    if (!ctx_.definitions.IsResourceType(spec.source_type) ||
        (!spec.target_type.empty() && !ctx_.definitions.IsResourceType(spec.target_type))) {
      return BadRequest(name + " '" + value + "' names an unknown resource type", name);
    }
    if (spec.param != "*") {
      const fhir::SearchParamDef* def = FindParam(spec.source_type, spec.param);
      if (def == nullptr || def->type != "reference") {
        return BadRequest(name + " '" + value + "': " + spec.param +
                              " is not a reference parameter of " + spec.source_type,
                          name);
      }
    }
    if (!rev && spec.source_type != type && !spec.iterate) {
      return BadRequest(name + " '" + value + "' must start with " + type + " (or use :iterate)",
                        name);
    }
  }
  (rev ? out_.revincludes : out_.includes).push_back(std::move(spec));
  return absl::OkStatus();
}

absl::Status Parser::Parse(const std::string& type, const QueryParams& params) {
  out_.query.type = type;
  out_.query.limit = options_.count;
  out_.query.offset = options_.offset;
  for (const auto& [raw_name, value] : params) {
    std::string name = raw_name;
    std::string modifier;
    if (size_t colon = name.find(':'); colon != std::string::npos && name.rfind("_has:", 0) != 0) {
      modifier = name.substr(colon + 1);
      name = name.substr(0, colon);
    }
    if (name == "_count" || name == "_offset") {
      int64_t n = 0;
      if (!absl::SimpleAtoi(value, &n) || n < 0) {
        return BadRequest(name + " must be a non-negative integer, got '" + value + "'", name);
      }
      if (name == "_count") out_.query.limit = std::min(n, ctx_.max_count);
      if (name == "_offset") out_.query.offset = n;
      continue;  // paging is expressed by the links, not repeated in `used`
    }
    if (name == "_cursor") {
      std::string decoded;
      if (value.size() < 3 || value[1] != '.' || (value[0] != 'a' && value[0] != 'b') ||
          !absl::WebSafeBase64Unescape(value.substr(2), &decoded)) {
        return BadRequest("_cursor '" + value + "' is not a cursor this server issued", name);
      }
      out_.query.cursor = decoded;
      out_.query.before_cursor = value[0] == 'b';
      continue;
    }
    if (IsResultParam(name)) {
      if (name == "_summary" && value == "count") out_.query.limit = 0;
      out_.used.emplace_back(raw_name, value);
      continue;
    }
    if (name == "_total") {
      if (value != "none" && value != "estimate" && value != "accurate") {
        return BadRequest("_total must be none, estimate or accurate", name);
      }
      out_.query.count_total = value != "none";
      out_.used.emplace_back(raw_name, value);
      continue;
    }
    if (name == "_sort") {
      TC_RETURN_IF_ERROR(ParseSort(type, value));
      out_.used.emplace_back(raw_name, value);
      continue;
    }
    if (name == "_include" || name == "_revinclude") {
      TC_RETURN_IF_ERROR(ParseInclude(type, name, modifier, value));
      out_.used.emplace_back(raw_name, value);
      continue;
    }
    if (value.empty()) {
      return BadRequest("search parameter '" + raw_name + "' has an empty value", raw_name);
    }
    if (name == "_content" || name == "_query" || name == "_filter" || name == "_type") {
      TC_RETURN_IF_ERROR(Unsupported(raw_name, "not supported by this server"));
      continue;
    }
    if (name == "_text" && modifier.empty()) {
      // Each word of the value must start a word of the narrative.
      std::vector<std::string> words = absl::StrSplit(value, ' ', absl::SkipEmpty());
      TC_RETURN_IF_ERROR(CheckOrCount(raw_name, words.size()));
      for (const std::string& w : words) {
        Criterion c;
        c.match = Match::kStringPrefix;
        c.kind = IndexRow::Kind::kString;
        c.param = "_text";
        c.any_of.emplace_back().value = NormalizeForSearch(w);
        out_.query.all_of.push_back(std::move(c));
      }
      out_.used.emplace_back(raw_name, value);
      continue;
    }
    std::string unsupported;
    TC_ASSIGN_OR_RETURN(Criterion c, Build(type, raw_name, value, 0, &unsupported));
    if (!unsupported.empty()) {
      TC_RETURN_IF_ERROR(Unsupported(raw_name, unsupported));
      continue;
    }
    out_.query.all_of.push_back(std::move(c));
    out_.used.emplace_back(raw_name, value);
  }
  return absl::OkStatus();
}

}  // namespace

std::string EncodeCursor(const std::string& store_cursor, bool before) {
  return std::string(before ? "b." : "a.") + absl::WebSafeBase64Escape(store_cursor);
}

absl::StatusOr<ParsedSearch> ParseSearch(const SearchContext& context, const std::string& type,
                                         const QueryParams& params, const SearchOptions& options) {
  ParsedSearch out;
  Parser parser(context, options, out);
  TC_RETURN_IF_ERROR(parser.Parse(type, params));
  return out;
}

}  // namespace tc::engine
