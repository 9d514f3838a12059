// WebApp: the caseload and the patient summary (web/web_app.h). Everything is read through the
// access layer, exactly as the FHIR API reads it: the guard's restriction in each query, its
// decision on each resource, and one audit entry per page naming the patients shown.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "base/ids.h"
#include "base/time_format.h"
#include "care/nhs_number.h"
#include "engine/errors.h"
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

// "12 Mar 1980 (45 years)".
std::string BornAndAge(std::string_view birth_date, absl::Time now) {
  std::optional<absl::Time> born = base::ParseFhirDateTime(birth_date);
  if (!born) return "not recorded";
  const absl::CivilDay b = absl::ToCivilDay(*born, absl::UTCTimeZone());
  const absl::CivilDay t = absl::ToCivilDay(now, absl::UTCTimeZone());
  int64_t years = t.year() - b.year();
  if (t.month() < b.month() || (t.month() == b.month() && t.day() < b.day())) --years;
  return DisplayDate(birth_date) + " (" + std::to_string(years) + " years)";
}

// The display text of a CodeableConcept: its text, else its first coding's display or code.
std::string ConceptText(const Value* cc) {
  if (cc == nullptr) return "";
  if (!cc->GetString("text").empty()) return std::string(cc->GetString("text"));
  if (const Value* codings = cc->Find("coding"); codings && codings->is_array()) {
    for (const Value& c : codings->array()) {
      if (!c.GetString("display").empty()) return std::string(c.GetString("display"));
      if (!c.GetString("code").empty()) return std::string(c.GetString("code"));
    }
  }
  return "";
}

std::string QuantityText(const Value& o) {
  if (const Value* q = o.Find("valueQuantity")) {
    std::string v;
    if (const Value* n = q->Find("value"); n && n->is_number()) v = n->number_text();
    std::string unit(q->GetString("unit"));
    return unit.empty() ? v : v + " " + unit;
  }
  if (!o.GetString("valueString").empty()) return std::string(o.GetString("valueString"));
  return ConceptText(o.Find("valueCodeableConcept"));
}

std::vector<Value> Parsed(const std::vector<engine::ReadResult>& results) {
  std::vector<Value> out;
  for (const engine::ReadResult& r : results) {
    absl::StatusOr<Value> v = fhir::ParseJson(r.content);
    if (v.ok()) out.push_back(std::move(*v));
  }
  return out;
}

std::string SummaryCard(std::string_view heading, std::string_view body_html) {
  return "<div class=\"nhsuk-card\"><div class=\"nhsuk-card__content\"><h2 "
         "class=\"nhsuk-card__heading nhsuk-heading-m\">" +
         EscapeHtml(heading) + "</h2>" + std::string(body_html) + "</div></div>";
}

std::string ListOrNone(const std::vector<std::string>& items_html, std::string_view none) {
  if (items_html.empty()) return "<p class=\"nhsuk-body\">" + EscapeHtml(none) + "</p>";
  std::string out = "<ul class=\"nhsuk-list nhsuk-list--bullet\">";
  for (const std::string& i : items_html) out += "<li>" + i + "</li>";
  return out + "</ul>";
}

}  // namespace

std::variant<engine::ReadResult, http::Response> WebApp::OpenPatient(
    const Context& ctx, access::RequestGuard& guard, const std::string& patient_id) {
  if (!base::IsValidFhirId(patient_id)) {
    return Page(ctx, 404, "Page not found", "<h1 class=\"nhsuk-heading-l\">Page not found</h1>");
  }
  const std::string resource = "Patient/" + patient_id;
  absl::StatusOr<engine::ReadResult> patient = deps_.repository.Read("Patient", patient_id);
  if (!patient.ok()) {
    const int status = engine::HttpStatusOf(patient.status());
    guard.Finish("read", resource, "", status, std::string(patient.status().message()));
    return Page(ctx, status == 410 ? 404 : status, "Page not found",
                "<h1 class=\"nhsuk-heading-l\">This patient is not known</h1>");
  }
  if (absl::Status s = guard.AllowResource(auth::Action::kRead, *patient); !s.ok()) {
    guard.Finish("read", resource, "", 403, std::string(s.message()));
    return Page(ctx, 403, "Not available",
                "<h1 class=\"nhsuk-heading-l\">You cannot see this record</h1><p>This person is "
                "not held at your establishment. If they need care now and their record is not "
                "otherwise available, you can <a href=\"/break-glass\">break glass</a>.</p>");
  }
  return *std::move(patient);
}

http::Response WebApp::CaseloadPage(Context& ctx, const http::Request& request) {
  std::unique_ptr<access::RequestGuard> guard = GuardFor(ctx);
  if (absl::Status s = guard->AllowType(auth::Action::kSearch, "Patient"); !s.ok()) {
    guard->Finish("search-type", "Patient", request.raw_query, 403, std::string(s.message()));
    return Page(ctx, 403, "Not available",
                "<h1 class=\"nhsuk-heading-l\">Patient records are not available to your "
                "role</h1>");
  }
  engine::SearchOptions so;
  so.count = 100;
  so.restrict = guard->SearchRestriction();
  // Find: an NHS number (spaces allowed) or the start of a name.
  std::string find;
  for (const auto& [n, v] : request.query) {
    if (n == "find") find = v;
  }
  engine::QueryParams query = {{"_sort", "family,given"}, {"_count", "100"}};
  if (std::optional<std::string> nhs = care::NormalizeNhsNumber(find)) {
    query.emplace_back("identifier", "https://fhir.nhs.uk/Id/nhs-number|" + *nhs);
  } else if (!find.empty()) {
    query.emplace_back("name", find);
  }
  absl::StatusOr<engine::SearchOutcome> found = deps_.repository.Search("Patient", query, so);
  if (!found.ok()) {
    return Page(ctx, 500, "Sorry, there is a problem", "<h1>Sorry, there is a problem</h1>");
  }
  guard->FilterOutcome(auth::Action::kSearch, *found, /*restricted_in_query=*/true);
  const absl::Time now = deps_.clock.Now();
  std::vector<std::vector<std::string>> rows;
  for (const engine::ReadResult& r : found->matches) {
    absl::StatusOr<Value> p = fhir::ParseJson(r.content);
    if (!p.ok()) continue;
    std::string link = "<a href=\"/patients/" + EscapeAttribute(r.id) + "\">" +
                       EscapeHtml(PatientName(*p)) + "</a>";
    rows.push_back({link, EscapeHtml(care::FormatNhsNumber(PatientNhsNumber(*p))),
                    EscapeHtml(BornAndAge(p->GetString("birthDate"), now))});
  }
  std::string caption = std::to_string(rows.size()) + " patients";
  if (found->total > static_cast<int64_t>(rows.size())) {
    caption += " of " + std::to_string(found->total) + " (the first 100 by name)";
  }
  std::string est;
  for (const std::string& e : ctx.user->establishments) est += (est.empty() ? "" : ", ") + e;
  std::string main = "<h1 class=\"nhsuk-heading-l\">Patients</h1><p>Held at, or recently left, " +
                     EscapeHtml(est.empty() ? "no establishment" : est) + ".</p>";
  InputField f;
  f.id = "find";
  f.label = "Find a patient";
  f.hint = "NHS number, or the start of a name";
  f.value = find;
  f.type = "search";
  f.autocomplete = "off";
  f.width = 20;
  f.spellcheck = false;
  main += "<form method=\"get\" action=\"/patients\">" + RenderInput(f) +
          "<button class=\"nhsuk-button nhsuk-button--secondary\" data-module=\"nhsuk-button\" "
          "type=\"submit\">Find</button></form>";
  main += Table(caption, {"Name", "NHS number", "Date of birth"}, rows);
  guard->Finish("search-type", "Patient", request.raw_query, 200);
  return Page(ctx, 200, "Patients", main);
}

http::Response WebApp::PatientSummaryPage(Context& ctx, const std::string& patient_id) {
  std::unique_ptr<access::RequestGuard> guard = GuardFor(ctx);
  const std::string resource = "Patient/" + patient_id;
  std::variant<engine::ReadResult, http::Response> opened = OpenPatient(ctx, *guard, patient_id);
  if (auto* refused = std::get_if<http::Response>(&opened)) return std::move(*refused);
  engine::ReadResult* patient = &std::get<engine::ReadResult>(opened);
  absl::StatusOr<Value> p = fhir::ParseJson(patient->content);
  if (!p.ok()) return Page(ctx, 500, "Sorry, there is a problem", "<h1>Sorry</h1>");

  // The record's parts, each a compartment search through the guard.
  auto search = [&](const std::string& type, engine::QueryParams params) {
    engine::SearchOptions so;
    so.count = 50;
    so.strict = true;  // our own queries: an unknown parameter is a bug, never ignored
    so.patient_compartment = patient_id;
    so.restrict = guard->SearchRestriction();
    std::vector<engine::ReadResult> out;
    if (!guard->AllowType(auth::Action::kSearch, type).ok()) return std::vector<Value>{};
    absl::StatusOr<engine::SearchOutcome> found = deps_.repository.Search(type, params, so);
    if (!found.ok()) return std::vector<Value>{};
    guard->FilterOutcome(auth::Action::kSearch, *found, /*restricted_in_query=*/true);
    return Parsed(found->matches);
  };
  // (R4 has no Flag status search parameter: active alerts are picked here.)
  std::vector<Value> flags = search("Flag", {});
  std::erase_if(flags, [](const Value& f) { return f.GetString("status") != "active"; });
  const std::vector<Value> allergies = search("AllergyIntolerance", {});
  const std::vector<Value> problems = search("Condition", {{"clinical-status", "active"}});
  const std::vector<Value> medicines = search("MedicationRequest", {{"status", "active"}});
  const std::vector<Value> observations =
      search("Observation", {{"_sort", "-date"}, {"_count", "10"}});
  const std::vector<Value> episodes =
      search("EpisodeOfCare", {{"status", "active"}, {"_count", "1"}});
  const std::vector<Value> news2 = search(
      "Observation", {{"code", "https://throughcare.dev/fhir/CodeSystem/early-warning|news2-total"},
                      {"_sort", "-date"},
                      {"_count", "1"}});

  std::string location = "not in custody";
  if (!episodes.empty()) {
    if (const Value* org = episodes[0].Find("managingOrganization")) {
      std::string_view ref = org->GetString("reference");
      location = std::string(org->GetString("display"));
      if (location.empty() && ref.substr(0, 13) == "Organization/") {
        absl::StatusOr<engine::ReadResult> o =
            deps_.repository.Read("Organization", std::string(ref.substr(13)));
        if (o.ok()) {
          absl::StatusOr<Value> ov = fhir::ParseJson(o->content);
          if (ov.ok()) location = std::string(ov->GetString("name"));
        }
      }
    }
  }
  // The banner: who this is, shown on every patient page.
  std::string tags;
  for (const Value& f : flags) {
    tags += "<strong class=\"nhsuk-tag nhsuk-tag--red\">" +
            EscapeHtml(ConceptText(f.Find("code"))) + "</strong> ";
  }
  std::vector<std::string> allergy_items;
  for (const Value& a : allergies) {
    // "Penicillin (severe: anaphylaxis; suspected)".
    std::string item = ConceptText(a.Find("code"));
    std::vector<std::string> details;
    if (const Value* rs = a.Find("reaction"); rs && rs->is_array() && rs->size()) {
      const Value& r = rs->array()[0];
      std::string reaction;
      if (const Value* m = r.Find("manifestation"); m && m->is_array() && m->size()) {
        reaction = ConceptText(&m->array()[0]);
      }
      std::string severity(r.GetString("severity"));
      if (!severity.empty() || (!reaction.empty() && reaction != "Not recorded")) {
        details.push_back(severity.empty() ? reaction
                          : reaction.empty() || reaction == "Not recorded"
                              ? severity
                              : severity + ": " + reaction);
      }
    }
    if (ConceptText(a.Find("verificationStatus")) == "Unconfirmed" ||
        (a.Find("verificationStatus") && a.Find("verificationStatus")->Find("coding") &&
         a.Find("verificationStatus")->Find("coding")->size() &&
         a.Find("verificationStatus")->Find("coding")->array()[0].GetString("code") ==
             "unconfirmed")) {
      details.push_back("suspected");
    }
    if (!details.empty()) {
      item += " (";
      for (size_t i = 0; i < details.size(); ++i) item += (i ? "; " : "") + details[i];
      item += ")";
    }
    allergy_items.push_back(EscapeHtml(item));
  }
  std::string main =
      "<div class=\"nhsuk-card nhsuk-card--feature\"><div "
      "class=\"nhsuk-card__content nhsuk-card__content--feature\"><h1 "
      "class=\"nhsuk-card__heading nhsuk-card__heading--feature nhsuk-heading-l\">" +
      EscapeHtml(PatientName(*p)) + "</h1><dl class=\"nhsuk-summary-list\">";
  auto row = [&](std::string_view key, const std::string& value_html) {
    main += "<div class=\"nhsuk-summary-list__row\"><dt class=\"nhsuk-summary-list__key\">" +
            EscapeHtml(key) + "</dt><dd class=\"nhsuk-summary-list__value\">" + value_html +
            "</dd></div>";
  };
  const std::string nhs = PatientNhsNumber(*p);
  row("NHS number", EscapeHtml(nhs.empty() ? "not known" : care::FormatNhsNumber(nhs)));
  row("Date of birth", EscapeHtml(BornAndAge(p->GetString("birthDate"), deps_.clock.Now())));
  row("Location", EscapeHtml(location));
  {  // Communication needs.
    std::string language;
    if (const Value* c = p->Find("communication"); c && c->is_array() && c->size()) {
      language = ConceptText(c->array()[0].Find("language"));
    }
    bool interpreter = false;
    if (const Value* ext = p->Find("extension"); ext && ext->is_array()) {
      for (const Value& e : ext->array()) {
        if (e.GetString("url") ==
                "http://hl7.org/fhir/StructureDefinition/patient-interpreterRequired" &&
            e.Find("valueBoolean") && e.Find("valueBoolean")->is_bool() &&
            e.Find("valueBoolean")->bool_value()) {
          interpreter = true;
        }
      }
    }
    if (!language.empty() || interpreter) {
      std::string text = language.empty() ? "Language not recorded" : language;
      if (interpreter) text += ", interpreter needed";
      row("Communication", EscapeHtml(text));
    }
  }
  row("Alerts", tags.empty() ? "None" : tags);
  row(
      "Allergies", allergy_items.empty() ? std::string("None recorded") : [&] {
        std::string s;
        for (const std::string& i : allergy_items) {
          s += (s.empty() ? "" : ", ") + i;
        }
        return s;
      }());
  main += "</dl></div></div>";
  main += "<p class=\"nhsuk-body\"><a href=\"/patients/" + EscapeAttribute(patient_id) +
          "/notes\">Notes</a> · <a href=\"/patients/" + EscapeAttribute(patient_id) +
          "/observations\">Record observations</a> · <a href=\"/patients/" +
          EscapeAttribute(patient_id) + "/alerts\">Raise an alert</a> · <a href=\"/patients/" +
          EscapeAttribute(patient_id) + "/allergies\">Record an allergy</a></p>";

  // The latest NEWS2, with the response it calls for (care/news2.h).
  std::string news_html;
  if (news2.empty()) {
    news_html = "<p class=\"nhsuk-body\">No NEWS2 recorded.</p>";
  } else {
    const Value& n = news2[0];
    std::string total;
    if (const Value* q = n.Find("valueQuantity");
        q && q->Find("value") && q->Find("value")->is_number()) {
      total = q->Find("value")->number_text();
    }
    std::string risk, response;
    if (const Value* interp = n.Find("interpretation");
        interp && interp->is_array() && interp->size()) {
      if (const Value* c = interp->array()[0].Find("coding"); c && c->is_array() && c->size()) {
        risk = std::string(c->array()[0].GetString("code"));
        response = std::string(c->array()[0].GetString("display"));
      }
    }
    const bool escalate = risk == "low-medium" || risk == "medium" || risk == "high";
    news_html = "<p class=\"nhsuk-body\">Score <strong>" + EscapeHtml(total) + "</strong> on " +
                EscapeHtml(DisplayDate(n.GetString("effectiveDateTime"))) + ".</p>";
    if (escalate) {
      news_html += RenderWarningCallout("Escalate now", response);
    } else {
      news_html += "<p class=\"nhsuk-body\">" + EscapeHtml(response) + "</p>";
    }
  }
  news_html += "<a class=\"nhsuk-button nhsuk-button--secondary\" href=\"/patients/" +
               EscapeAttribute(patient_id) + "/observations\">Record observations</a>";
  main += SummaryCard("NEWS2", news_html);

  // Alerts: each with a button to end it, and a way to raise one.
  std::string alerts_html;
  for (const Value& f : flags) {
    alerts_html += "<form method=\"post\" action=\"/patients/" + EscapeAttribute(patient_id) +
                   "/alerts/" + EscapeAttribute(f.GetString("id")) +
                   "/end\" class=\"nhsuk-u-margin-bottom-3\"><input type=\"hidden\" "
                   "name=\"csrf\" value=\"" +
                   EscapeAttribute(ctx.csrf) + "\"><strong class=\"nhsuk-tag nhsuk-tag--red\">" +
                   EscapeHtml(ConceptText(f.Find("code"))) +
                   "</strong> <button class=\"nhsuk-button nhsuk-button--secondary "
                   "nhsuk-button--small nhsuk-u-margin-bottom-0\" type=\"submit\">End<span "
                   "class=\"nhsuk-u-visually-hidden\"> the alert " +
                   EscapeHtml(ConceptText(f.Find("code"))) + "</span></button></form>";
  }
  if (alerts_html.empty()) alerts_html = "<p class=\"nhsuk-body\">No active alerts.</p>";
  alerts_html += "<a class=\"nhsuk-button nhsuk-button--secondary\" href=\"/patients/" +
                 EscapeAttribute(patient_id) + "/alerts\">Raise an alert</a>";
  main += SummaryCard("Alerts", alerts_html);

  std::vector<std::string> items;
  for (const Value& c : problems) {
    std::string text = ConceptText(c.Find("code"));
    if (!c.GetString("onsetDateTime").empty()) {
      text += " (since " + std::string(c.GetString("onsetDateTime")) + ")";
    }
    if (ConceptText(c.Find("verificationStatus")) == "Provisional") text += " — provisional";
    items.push_back(
        EscapeHtml(text) + " <form method=\"post\" action=\"/patients/" +
        EscapeAttribute(patient_id) + "/problems/" + EscapeAttribute(c.GetString("id")) +
        "/resolve\" class=\"nhsuk-u-display-inline-block\"><input type=\"hidden\" name=\"csrf\" "
        "value=\"" +
        EscapeAttribute(ctx.csrf) +
        "\"><button class=\"nhsuk-button nhsuk-button--secondary nhsuk-button--small "
        "nhsuk-u-margin-bottom-0\" type=\"submit\">Resolved<span "
        "class=\"nhsuk-u-visually-hidden\"> — " +
        EscapeHtml(ConceptText(c.Find("code"))) + "</span></button></form>");
  }
  main +=
      SummaryCard("Problems", ListOrNone(items, "No active problems recorded.") +
                                  "<a class=\"nhsuk-button nhsuk-button--secondary\" "
                                  "href=\"/patients/" +
                                  EscapeAttribute(patient_id) + "/problems\">Record a problem</a>");
  items.clear();
  for (const Value& m : medicines) {
    items.push_back(EscapeHtml(ConceptText(m.Find("medicationCodeableConcept"))));
  }
  main += SummaryCard("Current medicines", ListOrNone(items, "No current medicines recorded."));
  std::vector<std::vector<std::string>> obs_rows;
  for (const Value& o : observations) {
    obs_rows.push_back({EscapeHtml(DisplayDate(o.GetString("effectiveDateTime"))),
                        EscapeHtml(ConceptText(o.Find("code"))), EscapeHtml(QuantityText(o))});
  }
  main += SummaryCard("Recent observations",
                      obs_rows.empty()
                          ? "<p class=\"nhsuk-body\">No observations recorded.</p>"
                          : Table("The latest 10", {"Date", "Observation", "Value"}, obs_rows));
  guard->Finish("read", resource, "", 200);
  return Page(ctx, 200, PatientName(*p), main);
}

}  // namespace tc::web
