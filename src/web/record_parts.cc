#include "web/record_parts.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "web/html.h"

namespace tc::web {

using fhir::Value;

std::string FormField(const engine::QueryParams& form, std::string_view name) {
  for (const auto& [n, v] : form) {
    if (n == name) {
      absl::string_view t = absl::StripAsciiWhitespace(v);
      return std::string(t.data(), t.size());
    }
  }
  return "";
}

Value Str(std::string_view s) { return Value::String(std::string(s)); }

Value ListOf(Value v) {
  Value list = Value::MakeArray();
  list.Append(std::move(v));
  return list;
}

Value Ref(std::string_view ref) {
  Value r = Value::Object();
  r.Set("reference", Str(ref));
  return r;
}

Value Concept(std::string_view system, std::string_view code, std::string_view display) {
  Value coding = Value::Object();
  coding.Set("system", Str(system));
  coding.Set("code", Str(code));
  coding.Set("display", Str(display));
  Value list = Value::MakeArray();
  list.Append(std::move(coding));
  Value c = Value::Object();
  c.Set("coding", std::move(list));
  c.Set("text", Str(display));
  return c;
}

std::string RenderRadios(std::string_view name, std::string_view legend,
                         const std::vector<std::pair<std::string, std::string>>& choices,
                         std::string_view value, std::string_view error) {
  std::string out = "<div class=\"nhsuk-form-group";
  if (!error.empty()) out += " nhsuk-form-group--error";
  out += "\"><fieldset class=\"nhsuk-fieldset\"";
  if (!error.empty()) out += " aria-describedby=\"" + EscapeAttribute(name) + "-error\"";
  out += "><legend class=\"nhsuk-fieldset__legend nhsuk-fieldset__legend--s\">" +
         EscapeHtml(legend) + "</legend>";
  if (!error.empty()) {
    out += "<span class=\"nhsuk-error-message\" id=\"" + EscapeAttribute(name) +
           "-error\"><span class=\"nhsuk-u-visually-hidden\">Error:</span> " + EscapeHtml(error) +
           "</span>";
  }
  out += "<div class=\"nhsuk-radios\">";
  int i = 0;
  for (const auto& [v, label] : choices) {
    const std::string id = std::string(name) + "-" + std::to_string(++i);
    out += "<div class=\"nhsuk-radios__item\"><input class=\"nhsuk-radios__input\" id=\"" +
           EscapeAttribute(id) + "\" name=\"" + EscapeAttribute(name) +
           "\" type=\"radio\" value=\"" + EscapeAttribute(v) + "\"" +
           (v == value ? " checked" : "") +
           "><label class=\"nhsuk-label nhsuk-radios__label\" for=\"" + EscapeAttribute(id) +
           "\">" + EscapeHtml(label) + "</label></div>";
  }
  return out + "</div></fieldset></div>";
}

std::string PatientName(const Value& patient) {
  const Value* names = patient.Find("name");
  if (names == nullptr || !names->is_array() || names->size() == 0) return "(no name)";
  const Value* chosen = &names->array()[0];
  for (const Value& n : names->array()) {
    if (n.GetString("use") == "official") chosen = &n;
  }
  std::string family(chosen->GetString("family"));
  std::transform(family.begin(), family.end(), family.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  std::string given;
  if (const Value* g = chosen->Find("given"); g && g->is_array()) {
    for (const Value& part : g->array()) {
      if (part.is_string()) given += (given.empty() ? "" : " ") + part.string_value();
    }
  }
  if (family.empty()) return given.empty() ? "(no name)" : given;
  return given.empty() ? family : family + ", " + given;
}

std::string PatientNhsNumber(const Value& patient) {
  if (const Value* ids = patient.Find("identifier"); ids && ids->is_array()) {
    for (const Value& id : ids->array()) {
      if (id.GetString("system") == "https://fhir.nhs.uk/Id/nhs-number") {
        return std::string(id.GetString("value"));
      }
    }
  }
  return "";
}

}  // namespace tc::web
