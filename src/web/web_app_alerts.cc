// WebApp: alerts (Flag) and the establishment worklist (web/web_app.h). Alerts are written through
// the access layer like every change (policy and audit in the write's transaction); operational
// information the patient agreed to share carries the consent tag that lets custodial staff see
// it (access/access_control.h) and nothing else.
#include <algorithm>
#include <optional>

#include "absl/strings/str_cat.h"
#include "base/ids.h"
#include "base/time_format.h"
#include "engine/errors.h"
#include "engine/query_string.h"
#include "fhir/json.h"
#include "web/html.h"
#include "web/layout.h"
#include "web/page_parts.h"
#include "web/record_parts.h"
#include "web/web_app.h"
#include "web/web_app_context.h"

namespace tc::web {
namespace {

using fhir::Value;

constexpr std::string_view kAlertSystem = "https://throughcare.dev/fhir/CodeSystem/alert";

struct AlertKind {
  std::string_view code;
  std::string_view label;
  std::string_view category;  // flag-category
  bool operational;           // may be shared with custodial staff
};

// Local alert codes (a Throughcare code system): the alerts prison healthcare raises.
constexpr AlertKind kAlertKinds[] = {
    {"self-harm-risk", "Self-harm risk (ACCT open)", "safety", false},
    {"seizure-risk", "Seizure risk", "clinical", false},
    {"pregnancy", "Pregnancy", "clinical", false},
    {"needs-escort-medicines", "Medicines must travel with escort", "admin", true},
    {"fit-to-travel", "Fit to travel", "admin", true},
};

}  // namespace

http::Response WebApp::AlertsPage(Context& ctx, const http::Request& request,
                                  const std::string& patient_id, const std::string& end_flag_id) {
  if (!base::IsValidFhirId(patient_id) ||
      (!end_flag_id.empty() && !base::IsValidFhirId(end_flag_id))) {
    return Page(ctx, 404, "Page not found", "<h1 class=\"nhsuk-heading-l\">Page not found</h1>");
  }
  std::unique_ptr<access::RequestGuard> guard = GuardFor(ctx);
  const std::string resource = "Patient/" + patient_id;
  std::variant<engine::ReadResult, http::Response> opened = OpenPatient(ctx, *guard, patient_id);
  if (auto* refused = std::get_if<http::Response>(&opened)) return std::move(*refused);
  engine::WriteOptions wo;
  wo.hooks = guard.get();
  if (!end_flag_id.empty()) {  // end an alert: status inactive, period ended now
    absl::StatusOr<engine::ReadResult> flag = deps_.repository.Read("Flag", end_flag_id);
    if (!flag.ok()) return Page(ctx, 404, "Page not found", "<h1>Not known</h1>");
    absl::StatusOr<Value> f = fhir::ParseJson(flag->content);
    if (!f.ok() || flag->patient_compartment != patient_id) {
      return Page(ctx, 404, "Page not found", "<h1>Not known</h1>");
    }
    f->Set("status", Str("inactive"));
    Value period = f->Find("period") ? *f->Find("period") : Value::Object();
    period.Set("end", Str(base::FormatInstant(deps_.clock.Now())));
    f->Set("period", std::move(period));
    absl::StatusOr<engine::WriteResult> w =
        deps_.repository.Update("Flag", end_flag_id, std::move(*f), wo);
    guard->Finish("update", "Flag/" + end_flag_id, "",
                  w.ok() ? 200 : engine::HttpStatusOf(w.status()),
                  w.ok() ? "" : std::string(w.status().message()));
    if (!w.ok()) {
      return Page(ctx, engine::HttpStatusOf(w.status()), "Not saved",
                  "<h1 class=\"nhsuk-heading-l\">The alert could not be ended</h1><p>" +
                      EscapeHtml(std::string(w.status().message())) + "</p>");
    }
    return Redirect("/patients/" + patient_id);
  }
  std::string error, kind, detail, share;
  if (request.method == "POST") {
    const engine::QueryParams form = engine::ParseQueryString(request.body);
    kind = FormField(form, "kind");
    detail = FormField(form, "detail");
    share = FormField(form, "share");
    const AlertKind* chosen = nullptr;
    for (const AlertKind& k : kAlertKinds) {
      if (k.code == kind) chosen = &k;
    }
    if (chosen == nullptr) {
      error = "Select the kind of alert";
    } else if (detail.size() > 500) {
      error = "The detail must be 500 characters or fewer";
    } else {
      Value flag = Value::Object();
      flag.Set("resourceType", Str("Flag"));
      if (chosen->operational && share == "yes") {
        Value tag = Value::Object();
        tag.Set("system", Str(access::kOperationalSharingSystem));
        tag.Set("code", Str(access::kOperationalSharingCode));
        tag.Set("display", Str("Shared with custodial staff with the patient's consent"));
        Value tags = Value::MakeArray();
        tags.Append(std::move(tag));
        Value meta = Value::Object();
        meta.Set("tag", std::move(tags));
        flag.Set("meta", std::move(meta));
      }
      flag.Set("status", Str("active"));
      Value categories = Value::MakeArray();
      categories.Append(Concept("http://terminology.hl7.org/CodeSystem/flag-category",
                                chosen->category, chosen->category));
      flag.Set("category", std::move(categories));
      Value code = Concept(kAlertSystem, chosen->code, chosen->label);
      if (!detail.empty()) code.Set("text", Str(std::string(chosen->label) + ": " + detail));
      flag.Set("code", std::move(code));
      Value subject = Value::Object();
      subject.Set("reference", Str(resource));
      flag.Set("subject", std::move(subject));
      Value period = Value::Object();
      period.Set("start", Str(base::FormatInstant(deps_.clock.Now())));
      flag.Set("period", std::move(period));
      absl::StatusOr<engine::WriteResult> w = deps_.repository.Create("Flag", std::move(flag), wo);
      guard->Finish("create", "Flag", "", w.ok() ? 201 : engine::HttpStatusOf(w.status()),
                    w.ok() ? "" : std::string(w.status().message()));
      if (w.ok()) return Redirect("/patients/" + patient_id);
      error = std::string(w.status().message());
    }
  }
  std::string main = "<h1 class=\"nhsuk-heading-l\">Raise an alert</h1>";
  if (!error.empty()) main += RenderErrorSummary({{"kind-1", error}});
  std::string radios =
      std::string("<div class=\"nhsuk-form-group") +
      (error.empty() ? "" : " nhsuk-form-group--error") +
      "\"><fieldset class=\"nhsuk-fieldset\"><legend class=\"nhsuk-fieldset__legend "
      "nhsuk-fieldset__legend--s\">Kind of alert</legend>";
  if (!error.empty()) {
    radios +=
        "<span class=\"nhsuk-error-message\" id=\"kind-error\"><span "
        "class=\"nhsuk-u-visually-hidden\">Error:</span> " +
        EscapeHtml(error) + "</span>";
  }
  radios += "<div class=\"nhsuk-radios\">";
  int i = 0;
  for (const AlertKind& k : kAlertKinds) {
    const std::string id = "kind-" + std::to_string(++i);
    radios += "<div class=\"nhsuk-radios__item\"><input class=\"nhsuk-radios__input\" id=\"" + id +
              "\" name=\"kind\" type=\"radio\" value=\"" + EscapeAttribute(k.code) + "\"" +
              (k.code == kind ? " checked" : "") +
              "><label class=\"nhsuk-label nhsuk-radios__label\" for=\"" + id + "\">" +
              EscapeHtml(k.label) + "</label></div>";
  }
  radios += "</div></fieldset></div>";
  InputField d;
  d.id = "detail";
  d.label = "Detail (optional)";
  d.value = detail;
  d.autocomplete = "off";
  std::string share_box =
      "<div class=\"nhsuk-form-group\"><div class=\"nhsuk-checkboxes\"><div "
      "class=\"nhsuk-checkboxes__item\"><input class=\"nhsuk-checkboxes__input\" id=\"share\" "
      "name=\"share\" type=\"checkbox\" value=\"yes\"" +
      std::string(share == "yes" ? " checked" : "") +
      "><label class=\"nhsuk-label nhsuk-checkboxes__label\" for=\"share\">The patient agrees to "
      "share this with custodial staff (operational alerts only)</label></div></div></div>";
  main += "<form method=\"post\" action=\"/patients/" + EscapeAttribute(patient_id) +
          "/alerts\" novalidate><input type=\"hidden\" name=\"csrf\" value=\"" +
          EscapeAttribute(ctx.csrf) + "\">" + radios + RenderInput(d) + share_box +
          "<button class=\"nhsuk-button\" data-module=\"nhsuk-button\" type=\"submit\" "
          "data-prevent-double-click=\"true\">Raise alert</button></form>";
  return Page(ctx, error.empty() ? 200 : 400, "Raise an alert", main);
}

http::Response WebApp::TaskDone(Context& ctx, const std::string& task_id) {
  if (!base::IsValidFhirId(task_id)) {
    return Page(ctx, 404, "Page not found", "<h1 class=\"nhsuk-heading-l\">Page not found</h1>");
  }
  std::unique_ptr<access::RequestGuard> guard = GuardFor(ctx);
  absl::StatusOr<engine::ReadResult> task = deps_.repository.Read("Task", task_id);
  if (!task.ok()) return Page(ctx, 404, "Page not found", "<h1>Not known</h1>");
  absl::StatusOr<Value> t = fhir::ParseJson(task->content);
  if (!t.ok()) return Page(ctx, 500, "Sorry, there is a problem", "<h1>Sorry</h1>");
  t->Set("status", Str("completed"));
  t->Set("lastModified", Str(base::FormatInstant(deps_.clock.Now())));
  engine::WriteOptions wo;
  wo.hooks = guard.get();
  wo.if_match_version = task->version;  // a task done twice at once is saved once
  absl::StatusOr<engine::WriteResult> w =
      deps_.repository.Update("Task", task_id, std::move(*t), wo);
  guard->Finish("update", "Task/" + task_id, "", w.ok() ? 200 : engine::HttpStatusOf(w.status()),
                w.ok() ? "" : std::string(w.status().message()));
  if (!w.ok() && !absl::IsFailedPrecondition(w.status())) {
    return Page(ctx, engine::HttpStatusOf(w.status()), "Not saved",
                "<h1 class=\"nhsuk-heading-l\">The task could not be updated</h1>");
  }
  return Redirect("/worklist");
}

http::Response WebApp::WorklistPage(Context& ctx) {
  std::unique_ptr<access::RequestGuard> guard = GuardFor(ctx);
  if (absl::Status s = guard->AllowType(auth::Action::kSearch, "Patient"); !s.ok()) {
    guard->Finish("search-type", "Patient", "worklist", 403, std::string(s.message()));
    return Page(ctx, 403, "Not available",
                "<h1 class=\"nhsuk-heading-l\">The worklist is not available to your role</h1>");
  }
  const absl::Time now = deps_.clock.Now();
  // One search through the guard: its matches and the patients it included.
  auto search = [&](const std::string& type, engine::QueryParams params,
                    std::vector<engine::ReadResult>* included) {
    engine::SearchOptions so;
    so.count = 200;
    so.strict = true;  // our own queries: an unknown parameter is a bug, never ignored
    so.restrict = guard->SearchRestriction();
    std::vector<engine::ReadResult> out;
    if (!guard->AllowType(auth::Action::kSearch, type).ok()) return out;
    absl::StatusOr<engine::SearchOutcome> found = deps_.repository.Search(type, params, so);
    if (!found.ok()) return out;
    guard->FilterOutcome(auth::Action::kSearch, *found, /*restricted_in_query=*/true);
    if (included != nullptr) *included = std::move(found->included);
    return std::move(found->matches);
  };
  auto patient_link = [&](const std::vector<engine::ReadResult>& patients, std::string_view ref) {
    for (const engine::ReadResult& p : patients) {
      if ("Patient/" + p.id == ref) {
        absl::StatusOr<Value> v = fhir::ParseJson(p.content);
        return "<a href=\"/patients/" + EscapeAttribute(p.id) + "\">" +
               EscapeHtml(v.ok() ? PatientName(*v) : p.id) + "</a>";
      }
    }
    return EscapeHtml(ref);
  };
  auto section = [&](std::string_view heading, std::string_view none,
                     const std::vector<std::string>& head,
                     const std::vector<std::vector<std::string>>& rows, std::string_view noun) {
    std::string body =
        rows.empty() ? "<p class=\"nhsuk-body\">" + EscapeHtml(none) + "</p>"
                     : Table(std::to_string(rows.size()) + " " + std::string(noun), head, rows);
    return "<h2 class=\"nhsuk-heading-m\">" + EscapeHtml(heading) + "</h2>" + body;
  };
  std::string main = "<h1 class=\"nhsuk-heading-l\">Worklist</h1>";

  // New arrivals: custody episodes that started in the last 7 days (sa: starts after).
  std::vector<engine::ReadResult> patients;
  std::vector<engine::ReadResult> arrivals =
      search("EpisodeOfCare",
             {{"date", "sa" + base::FormatInstant(now - absl::Hours(24 * 7))},
              {"_include", "EpisodeOfCare:patient"},
              {"_sort", "-date"}},
             &patients);
  std::vector<std::vector<std::string>> rows;
  for (const engine::ReadResult& e : arrivals) {
    absl::StatusOr<Value> v = fhir::ParseJson(e.content);
    if (!v.ok()) continue;
    const Value* period = v->Find("period");
    rows.push_back(
        {patient_link(patients,
                      v->Find("patient") ? v->Find("patient")->GetString("reference") : ""),
         EscapeHtml(DisplayDate(period ? period->GetString("start") : ""))});
  }
  main += section("New arrivals in the last 7 days", "No new arrivals in the last 7 days.",
                  {"Patient", "Received"}, rows, "patients");

  // Patients with active alerts.
  rows.clear();
  std::vector<engine::ReadResult> flagged_patients;
  // (R4 has no Flag status search parameter: active alerts are picked here.)
  std::vector<engine::ReadResult> flags =
      search("Flag", {{"_include", "Flag:subject"}}, &flagged_patients);
  for (const engine::ReadResult& f : flags) {
    absl::StatusOr<Value> v = fhir::ParseJson(f.content);
    if (!v.ok() || v->GetString("status") != "active") continue;
    const Value* code = v->Find("code");
    rows.push_back(
        {patient_link(flagged_patients,
                      v->Find("subject") ? v->Find("subject")->GetString("reference") : ""),
         "<strong class=\"nhsuk-tag nhsuk-tag--red\">" +
             EscapeHtml(code ? code->GetString("text") : "") + "</strong>"});
  }
  main += section("Patients with active alerts", "No active alerts.", {"Patient", "Alert"}, rows,
                  "alerts");

  // Tasks to do (reception clocks and others), soonest first; overdue ones marked.
  rows.clear();
  std::vector<engine::ReadResult> task_patients;
  std::vector<engine::ReadResult> tasks = search(
      "Task", {{"status", "requested,received,accepted,in-progress"}, {"_include", "Task:patient"}},
      &task_patients);
  std::vector<std::pair<absl::Time, std::vector<std::string>>> due_rows;
  for (const engine::ReadResult& t : tasks) {
    absl::StatusOr<Value> v = fhir::ParseJson(t.content);
    if (!v.ok()) continue;
    std::optional<absl::Time> due;
    if (const Value* r = v->Find("restriction"); r && r->Find("period")) {
      due = base::ParseFhirDateTime(r->Find("period")->GetString("end"));
    }
    const bool overdue = due && *due < now;
    std::string when = due ? EscapeHtml(When(*due)) : "no due date";
    if (overdue) when += " <strong class=\"nhsuk-tag nhsuk-tag--red\">Overdue</strong>";
    const std::string done_form =
        "<form method=\"post\" action=\"/tasks/" + EscapeAttribute(t.id) +
        "/done\"><input type=\"hidden\" name=\"csrf\" value=\"" + EscapeAttribute(ctx.csrf) +
        "\"><button class=\"nhsuk-button nhsuk-button--secondary nhsuk-button--small "
        "nhsuk-u-margin-bottom-0\" type=\"submit\">Done<span class=\"nhsuk-u-visually-hidden\"> "
        "— " +
        EscapeHtml(v->GetString("description")) + "</span></button></form>";
    due_rows.emplace_back(
        due.value_or(absl::InfiniteFuture()),
        std::vector<std::string>{
            patient_link(task_patients,
                         v->Find("for") ? v->Find("for")->GetString("reference") : ""),
            EscapeHtml(v->GetString("description")), when, done_form});
  }
  std::sort(due_rows.begin(), due_rows.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [due, row] : due_rows) rows.push_back(std::move(row));
  main +=
      section("Tasks due", "No tasks due.", {"Patient", "Task", "Due (UTC)", ""}, rows, "tasks");

  // Releases planned in the next 28 days: episodes whose end falls in that window.
  rows.clear();
  std::vector<engine::ReadResult> releasing;
  std::vector<engine::ReadResult> ending =
      search("EpisodeOfCare",
             {{"status", "active"},
              {"date", "eb" + base::FormatInstant(now + absl::Hours(24 * 28))},
              {"date", "ge" + base::FormatInstant(now)},
              {"_include", "EpisodeOfCare:patient"}},
             &releasing);
  for (const engine::ReadResult& e : ending) {
    absl::StatusOr<Value> v = fhir::ParseJson(e.content);
    if (!v.ok()) continue;
    const Value* period = v->Find("period");
    rows.push_back(
        {patient_link(releasing,
                      v->Find("patient") ? v->Find("patient")->GetString("reference") : ""),
         EscapeHtml(DisplayDate(period ? period->GetString("end") : ""))});
  }
  main += section("Releases in the next 28 days", "No releases planned in the next 28 days.",
                  {"Patient", "Release date"}, rows, "patients");
  guard->Finish("search-type", "EpisodeOfCare", "worklist", 200);
  return Page(ctx, 200, "Worklist", main);
}

}  // namespace tc::web
