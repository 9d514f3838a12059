// WebApp: problems (web/web_app.h). A problem is a Condition — the problem as said (coded problem
// lists come with the terminology work), since when, and whether it is confirmed or provisional —
// active until resolved from the record. Written through the access layer.
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

using fhir::Value;

http::Response WebApp::ProblemsPage(Context& ctx, const http::Request& request,
                                    const std::string& patient_id, const std::string& resolve_id) {
  std::unique_ptr<access::RequestGuard> guard = GuardFor(ctx);
  std::variant<engine::ReadResult, http::Response> opened = OpenPatient(ctx, *guard, patient_id);
  if (auto* refused = std::get_if<http::Response>(&opened)) return std::move(*refused);
  const std::string resource = "Patient/" + patient_id;
  engine::WriteOptions wo;
  wo.hooks = guard.get();
  constexpr std::string_view kClinical = "http://terminology.hl7.org/CodeSystem/condition-clinical";
  if (!resolve_id.empty()) {  // resolved: clinical status resolved, abatement now
    absl::StatusOr<engine::ReadResult> found = deps_.repository.Read("Condition", resolve_id);
    if (!base::IsValidFhirId(resolve_id) || !found.ok() ||
        found->patient_compartment != patient_id) {
      return Page(ctx, 404, "Page not found", "<h1>Not known</h1>");
    }
    absl::StatusOr<Value> c = fhir::ParseJson(found->content);
    if (!c.ok()) return Page(ctx, 500, "Sorry, there is a problem", "<h1>Sorry</h1>");
    c->Set("clinicalStatus", Concept(kClinical, "resolved", "Resolved"));
    c->Set("abatementDateTime", Str(base::FormatInstant(deps_.clock.Now())));
    wo.if_match_version = found->version;
    absl::StatusOr<engine::WriteResult> w =
        deps_.repository.Update("Condition", resolve_id, std::move(*c), wo);
    guard->Finish("update", "Condition/" + resolve_id, "",
                  w.ok() ? 200 : engine::HttpStatusOf(w.status()),
                  w.ok() ? "" : std::string(w.status().message()));
    if (!w.ok() && !absl::IsFailedPrecondition(w.status())) {
      return Page(ctx, engine::HttpStatusOf(w.status()), "Not saved",
                  "<h1 class=\"nhsuk-heading-l\">The problem could not be resolved</h1>");
    }
    return Redirect("/patients/" + patient_id);
  }
  std::string problem, since, certainty = "confirmed";
  std::vector<std::pair<std::string, std::string>> errors;
  if (request.method == "POST") {
    const engine::QueryParams form = engine::ParseQueryString(request.body);
    problem = FormField(form, "problem");
    since = FormField(form, "since");
    certainty = FormField(form, "certainty");
    if (problem.empty()) errors.emplace_back("problem", "Enter the problem");
    if (problem.size() > 200) errors.emplace_back("problem", "The problem is too long");
    std::optional<absl::Time> onset;
    if (!since.empty()) {
      // A year ("2019"), a month ("2019-04") or a date ("2019-04-12").
      onset = base::ParseFhirDateTime(since);
      if (!onset || since.size() > 10 || onset > deps_.clock.Now()) {
        errors.emplace_back("since",
                            "Enter when it started as a year, year-month or date in the "
                            "past, for example 2019 or 2019-04");
      }
    }
    if (certainty != "confirmed" && certainty != "provisional") {
      errors.emplace_back("certainty-1", "Select confirmed or provisional");
    }
    if (errors.empty()) {
      Value c = Value::Object();
      c.Set("resourceType", Str("Condition"));
      c.Set("clinicalStatus", Concept(kClinical, "active", "Active"));
      c.Set("verificationStatus",
            Concept("http://terminology.hl7.org/CodeSystem/condition-ver-status", certainty,
                    certainty == "confirmed" ? "Confirmed" : "Provisional"));
      c.Set("category", ListOf(Concept("http://terminology.hl7.org/CodeSystem/condition-category",
                                       "problem-list-item", "Problem List Item")));
      Value code = Value::Object();
      code.Set("text", Str(problem));
      c.Set("code", std::move(code));
      c.Set("subject", Ref(resource));
      if (!since.empty()) c.Set("onsetDateTime", Str(since));
      c.Set("recordedDate", Str(base::FormatInstant(deps_.clock.Now())));
      Value recorder = Value::Object();
      recorder.Set("display", Str(ctx.user->display_name));
      c.Set("recorder", std::move(recorder));
      absl::StatusOr<engine::WriteResult> w =
          deps_.repository.Create("Condition", std::move(c), wo);
      guard->Finish("create", "Condition", "", w.ok() ? 201 : engine::HttpStatusOf(w.status()),
                    w.ok() ? "" : std::string(w.status().message()));
      if (w.ok()) return Redirect("/patients/" + patient_id);
      errors.emplace_back("problem", std::string(w.status().message()));
    }
  }
  auto error_of = [&](std::string_view f) {
    for (const auto& [id, m] : errors) {
      if (id == f) return m;
    }
    return std::string();
  };
  std::string main = "<a class=\"nhsuk-back-link\" href=\"/patients/" +
                     EscapeAttribute(patient_id) +
                     "\">Back to the record</a><h1 class=\"nhsuk-heading-l\">Record a problem</h1>";
  if (!errors.empty()) main += RenderErrorSummary(errors);
  const InputField p{.id = "problem",
                     .label = "Problem",
                     .hint = "For example asthma, opioid dependence, type 2 diabetes",
                     .error = error_of("problem"),
                     .value = problem,
                     .autocomplete = "off"};
  const InputField s{.id = "since",
                     .label = "Since (optional)",
                     .hint = "A year, year-month or date, for example 2019 or 2019-04",
                     .error = error_of("since"),
                     .value = since,
                     .autocomplete = "off",
                     .width = 10};
  main += "<form method=\"post\" action=\"/patients/" + EscapeAttribute(patient_id) +
          "/problems\" novalidate><input type=\"hidden\" name=\"csrf\" value=\"" +
          EscapeAttribute(ctx.csrf) + "\">" + RenderInput(p) + RenderInput(s) +
          RenderRadios("certainty", "Certainty",
                       {{"confirmed", "Confirmed"}, {"provisional", "Provisional"}}, certainty,
                       error_of("certainty-1")) +
          "<button class=\"nhsuk-button\" data-module=\"nhsuk-button\" type=\"submit\" "
          "data-prevent-double-click=\"true\">Save</button></form>";
  return Page(ctx, errors.empty() ? 200 : 400, "Record a problem", main);
}

}  // namespace tc::web
