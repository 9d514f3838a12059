// WebApp: recording allergies (web/web_app.h). An allergy is an AllergyIntolerance — the
// substance as typed (coded allergen lists come with the terminology work), the reaction, its
// severity, and whether it is confirmed or suspected — or the statement that the person has no
// known allergies, so "none recorded" and "none known" are never confused. Written through the
// access layer; shown in the patient banner.
#include "base/ids.h"
#include "base/time_format.h"
#include "engine/errors.h"
#include "engine/query_string.h"
#include "fhir/json.h"
#include "web/html.h"
#include "web/layout.h"
#include "web/record_parts.h"
#include "web/web_app.h"
#include "web/web_app_context.h"

namespace tc::web {
namespace {

using fhir::Value;

constexpr std::pair<std::string_view, std::string_view> kSeverities[] = {
    {"mild", "Mild"}, {"moderate", "Moderate"}, {"severe", "Severe"}};

}  // namespace

http::Response WebApp::AllergiesPage(Context& ctx, const http::Request& request,
                                     const std::string& patient_id) {
  std::unique_ptr<access::RequestGuard> guard = GuardFor(ctx);
  const std::string resource = "Patient/" + patient_id;
  std::variant<engine::ReadResult, http::Response> opened = OpenPatient(ctx, *guard, patient_id);
  if (auto* refused = std::get_if<http::Response>(&opened)) return std::move(*refused);
  std::string kind = "allergy", substance, reaction, severity, certainty = "confirmed";
  std::vector<std::pair<std::string, std::string>> errors;
  if (request.method == "POST") {
    const engine::QueryParams form = engine::ParseQueryString(request.body);
    kind = FormField(form, "kind");
    substance = FormField(form, "substance");
    reaction = FormField(form, "reaction");
    severity = FormField(form, "severity");
    certainty = FormField(form, "certainty");
    if (kind != "allergy" && kind != "none-known") {
      errors.emplace_back("kind-1", "Select an allergy or no known allergies");
    } else if (kind == "allergy") {
      if (substance.empty()) errors.emplace_back("substance", "Enter the substance");
      if (substance.size() > 200) errors.emplace_back("substance", "The substance is too long");
      if (reaction.size() > 500) errors.emplace_back("reaction", "The reaction is too long");
      if (!severity.empty() && severity != "mild" && severity != "moderate" &&
          severity != "severe") {
        errors.emplace_back("severity-1", "Select a severity");
      }
      if (certainty != "confirmed" && certainty != "unconfirmed") {
        errors.emplace_back("certainty-1", "Select confirmed or suspected");
      }
    }
    if (errors.empty()) {
      Value a = Value::Object();
      a.Set("resourceType", Str("AllergyIntolerance"));
      a.Set("clinicalStatus",
            Concept("http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical", "active",
                    "Active"));
      if (kind == "allergy") {
        a.Set("verificationStatus",
              Concept("http://terminology.hl7.org/CodeSystem/allergyintolerance-verification",
                      certainty, certainty == "confirmed" ? "Confirmed" : "Unconfirmed"));
        Value code = Value::Object();
        code.Set("text", Str(substance));
        a.Set("code", std::move(code));
        if (!reaction.empty() || !severity.empty()) {
          Value r = Value::Object();
          Value manifestation = Value::Object();
          manifestation.Set("text", Str(reaction.empty() ? "Not recorded" : reaction));
          Value ms = Value::MakeArray();
          ms.Append(std::move(manifestation));
          r.Set("manifestation", std::move(ms));
          if (!severity.empty()) r.Set("severity", Str(severity));
          Value rs = Value::MakeArray();
          rs.Append(std::move(r));
          a.Set("reaction", std::move(rs));
        }
      } else {
        a.Set("verificationStatus",
              Concept("http://terminology.hl7.org/CodeSystem/allergyintolerance-verification",
                      "confirmed", "Confirmed"));
        Value code = Value::Object();
        code.Set("text", Str("No known allergies"));
        a.Set("code", std::move(code));
      }
      a.Set("patient", Ref(resource));
      a.Set("recordedDate", Str(base::FormatInstant(deps_.clock.Now())));
      Value recorder = Value::Object();
      recorder.Set("display", Str(ctx.user->display_name));
      a.Set("recorder", std::move(recorder));
      engine::WriteOptions wo;
      wo.hooks = guard.get();
      absl::StatusOr<engine::WriteResult> w =
          deps_.repository.Create("AllergyIntolerance", std::move(a), wo);
      guard->Finish("create", "AllergyIntolerance", "",
                    w.ok() ? 201 : engine::HttpStatusOf(w.status()),
                    w.ok() ? "" : std::string(w.status().message()));
      if (w.ok()) return Redirect("/patients/" + patient_id);
      errors.emplace_back("substance", std::string(w.status().message()));
    }
  }
  std::string main = "<a class=\"nhsuk-back-link\" href=\"/patients/" +
                     EscapeAttribute(patient_id) +
                     "\">Back to the record</a><h1 "
                     "class=\"nhsuk-heading-l\">Record an allergy</h1>";
  if (!errors.empty()) main += RenderErrorSummary(errors);
  auto error_of = [&](std::string_view f) {
    for (const auto& [id, m] : errors) {
      if (id == f) return m;
    }
    return std::string();
  };
  std::string fields =
      "<input type=\"hidden\" name=\"csrf\" value=\"" + EscapeAttribute(ctx.csrf) + "\">";
  fields += RenderRadios(
      "kind", "What to record",
      {{"allergy", "An allergy or intolerance"}, {"none-known", "No known allergies"}}, kind);
  fields += RenderInput({.id = "substance",
                         .label = "Substance",
                         .hint = "For example penicillin, peanuts, latex",
                         .error = error_of("substance"),
                         .value = substance,
                         .autocomplete = "off"});
  fields += RenderInput({.id = "reaction",
                         .label = "Reaction (optional)",
                         .hint = "What happens, for example rash, swelling of the throat",
                         .error = error_of("reaction"),
                         .value = reaction,
                         .autocomplete = "off"});
  std::vector<std::pair<std::string, std::string>> severities;
  for (const auto& [v, l] : kSeverities) severities.emplace_back(v, l);
  fields += RenderRadios("severity", "Severity (optional)", severities, severity);
  fields += RenderRadios("certainty", "Certainty",
                         {{"confirmed", "Confirmed"}, {"unconfirmed", "Suspected"}}, certainty);
  main += "<form method=\"post\" action=\"/patients/" + EscapeAttribute(patient_id) +
          "/allergies\" novalidate>" + fields +
          "<button class=\"nhsuk-button\" data-module=\"nhsuk-button\" type=\"submit\" "
          "data-prevent-double-click=\"true\">Save</button></form>";
  return Page(ctx, errors.empty() ? 200 : 400, "Record an allergy", main);
}

}  // namespace tc::web
