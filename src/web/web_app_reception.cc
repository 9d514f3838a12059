// WebApp: reception into custody (web/web_app.h; shared/domain.md "Reception"). The person is
// either new — a Patient, a custody EpisodeOfCare at the user's establishment and a reception
// Encounter, in one transaction — or already known, found by NHS number or offered as a likely
// match on name and date of birth for the nurse to confirm; then a new custody episode here, and
// any other active custody episode ends, so the record follows the person at once. Every write goes
// through the access layer in its transaction (reception at one's own establishment is what
// creates the relationship, access/access_control.cc). Looking for a person already registered
// searches every establishment: it is audited, and shows only name, date of birth and NHS number.
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "base/ids.h"
#include "base/time_format.h"
#include "care/nhs_number.h"
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

constexpr std::string_view kNhsSystem = "https://fhir.nhs.uk/Id/nhs-number";
constexpr std::string_view kPrisonNumberSystem = "https://throughcare.dev/fhir/prison-number";

Value Entry(std::string_view full_url, Value resource, std::string_view method,
            std::string_view url) {
  Value request = Value::Object();
  request.Set("method", Str(method));
  request.Set("url", Str(url));
  Value e = Value::Object();
  if (!full_url.empty()) e.Set("fullUrl", Str(full_url));
  e.Set("resource", std::move(resource));
  e.Set("request", std::move(request));
  return e;
}

// What the reception form holds.
struct Arrival {
  std::string family, given, day, month, year, sex, nhs, prison_number;
  std::string language;     // preferred language, as said ("" = English / not recorded)
  std::string interpreter;  // "yes" when an interpreter is needed
  std::string birth_date;   // YYYY-MM-DD once valid
  std::string nhs_digits;   // once valid
};

// The clocks a reception into an adult prison starts (domain.md: first-stage screen the same day,
// second-stage assessment within 7 days, blood-borne virus testing offered within 72 hours).
// Youth (CHAT within 10 days) and IRC (Rule 34 within 24 hours) clocks depend on the
// establishment's kind: not yet.
struct ReceptionClock {
  std::string_view code;
  std::string_view display;
  absl::Time (*due)(absl::Time received);
};
constexpr ReceptionClock kReceptionClocks[] = {
    {"first-stage-screen", "First-stage reception screen",
     [](absl::Time t) {
       // The end of the day of reception (UTC).
       const absl::CivilDay day = absl::ToCivilDay(t, absl::UTCTimeZone());
       return absl::FromCivil(day + 1, absl::UTCTimeZone()) - absl::Seconds(1);
     }},
    {"second-stage-assessment", "Second-stage health assessment",
     [](absl::Time t) { return t + absl::Hours(24 * 7); }},
    {"bbv-testing-offer", "Offer blood-borne virus testing",
     [](absl::Time t) { return t + absl::Hours(72); }},
};

constexpr std::pair<std::string_view, std::string_view> kSexes[] = {
    {"female", "Female"}, {"male", "Male"}, {"other", "Other"}, {"unknown", "Not known"}};

}  // namespace

http::Response WebApp::ReceptionPage(Context& ctx, const http::Request& request) {
  std::unique_ptr<access::RequestGuard> guard = GuardFor(ctx);
  if (absl::Status s = guard->AllowType(auth::Action::kCreate, "EpisodeOfCare"); !s.ok()) {
    guard->Finish("create", "EpisodeOfCare", "", 403, std::string(s.message()));
    return Page(ctx, 403, "Not available",
                "<h1 class=\"nhsuk-heading-l\">Reception is not available to your role</h1>");
  }
  if (ctx.user->establishments.empty()) {
    return Page(ctx, 403, "Not available",
                "<h1 class=\"nhsuk-heading-l\">You are not assigned to an establishment</h1>");
  }
  // The establishment receiving: the user's first (a choice when several: not yet).
  const std::string& code = ctx.user->establishments.front();
  absl::StatusOr<std::vector<std::string>> orgs =
      deps_.access.relationships().OrganizationIdsFor(code);
  if (!orgs.ok() || orgs->empty()) {
    return Page(ctx, 500, "Sorry, there is a problem",
                "<h1 class=\"nhsuk-heading-l\">Your establishment is not set up</h1>");
  }
  const std::string org_ref = "Organization/" + orgs->front();
  const bool post = request.method == "POST";
  const engine::QueryParams form =
      post ? engine::ParseQueryString(request.body) : engine::QueryParams{};
  Arrival a{FormField(form, "family"),     FormField(form, "given"),    FormField(form, "dob-day"),
            FormField(form, "dob-month"),  FormField(form, "dob-year"), FormField(form, "sex"),
            FormField(form, "nhs"),        FormField(form, "prison"),   FormField(form, "language"),
            FormField(form, "interpreter")};
  for (char& c : a.prison_number)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  std::vector<std::pair<std::string, std::string>> errors;
  auto error_of = [&](std::string_view f) {
    for (const auto& [id, m] : errors) {
      if (id == f) return m;
    }
    return std::string();
  };
  const absl::Time now = deps_.clock.Now();
  if (post) {
    if (a.family.empty()) errors.emplace_back("family", "Enter the family name");
    if (a.given.empty()) errors.emplace_back("given", "Enter the given name");
    int d = 0, m = 0, y = 0;
    if (!absl::SimpleAtoi(a.day, &d) || !absl::SimpleAtoi(a.month, &m) ||
        !absl::SimpleAtoi(a.year, &y) || a.year.size() != 4) {
      errors.emplace_back("dob-day", "Enter the date of birth as day, month and a 4-digit year");
    } else {
      const absl::CivilDay day(y, m, d);
      const absl::CivilDay today = absl::ToCivilDay(now, absl::UTCTimeZone());
      if (day.year() != y || day.month() != m || day.day() != d) {
        errors.emplace_back("dob-day", "Date of birth must be a real date");
      } else if (day > today || y < 1900) {
        errors.emplace_back("dob-day", "Date of birth must be in the past");
      } else {
        a.birth_date = absl::FormatCivilTime(day);
      }
    }
    bool sex_ok = false;
    for (const auto& [v, label] : kSexes) sex_ok |= a.sex == v;
    if (!sex_ok) errors.emplace_back("sex-1", "Select the person's sex");
    if (!a.nhs.empty()) {
      std::optional<std::string> n = care::NormalizeNhsNumber(a.nhs);
      if (!n) {
        errors.emplace_back("nhs", "Enter a valid NHS number, 10 digits (or leave it empty)");
      } else {
        a.nhs_digits = *n;
      }
    }
    if (!a.prison_number.empty()) {
      const std::string& p = a.prison_number;
      const bool ok = p.size() == 7 && std::isupper(static_cast<unsigned char>(p[0])) &&
                      std::isdigit(static_cast<unsigned char>(p[1])) &&
                      std::isdigit(static_cast<unsigned char>(p[2])) &&
                      std::isdigit(static_cast<unsigned char>(p[3])) &&
                      std::isdigit(static_cast<unsigned char>(p[4])) &&
                      std::isupper(static_cast<unsigned char>(p[5])) &&
                      std::isupper(static_cast<unsigned char>(p[6]));
      if (!ok)
        errors.emplace_back("prison", "Enter a prison number like A1234BC (or leave it empty)");
    }
  }

  // The form, with what was typed.
  auto form_html = [&](std::string_view extra_hidden, std::string_view button) {
    std::string f =
        "<form method=\"post\" action=\"/reception\" novalidate><input type=\"hidden\" "
        "name=\"csrf\" value=\"" +
        EscapeAttribute(ctx.csrf) + "\">" + std::string(extra_hidden);
    auto input = [&](std::string id, std::string label, std::string value, std::string hint,
                     std::string autocomplete, int width) {
      InputField in;
      in.id = std::move(id);
      in.label = std::move(label);
      in.value = std::move(value);
      in.hint = std::move(hint);
      in.autocomplete = std::move(autocomplete);
      in.width = width;
      in.error = error_of(in.id);
      in.spellcheck = false;
      return RenderInput(in);
    };
    f += input("family", "Family name", a.family, "", "off", 20);
    f += input("given", "Given name", a.given, "", "off", 20);
    const std::string dob_error = error_of("dob-day");
    f += std::string("<div class=\"nhsuk-form-group") +
         (dob_error.empty() ? "" : " nhsuk-form-group--error") +
         "\"><fieldset class=\"nhsuk-fieldset\" role=\"group\" aria-describedby=\"dob-hint" +
         (dob_error.empty() ? "" : " dob-error") +
         "\"><legend class=\"nhsuk-fieldset__legend nhsuk-fieldset__legend--s\">Date of "
         "birth</legend><div class=\"nhsuk-hint\" id=\"dob-hint\">For example, 15 3 1984. If it "
         "is disputed or estimated, record the best known date.</div>";
    if (!dob_error.empty()) {
      f += "<span class=\"nhsuk-error-message\" id=\"dob-error\"><span "
           "class=\"nhsuk-u-visually-hidden\">Error:</span> " +
           EscapeHtml(dob_error) + "</span>";
    }
    f += "<div class=\"nhsuk-date-input\">";
    for (const auto& [id, label, value, width] :
         {std::tuple<std::string, std::string, std::string, int>{"dob-day", "Day", a.day, 2},
          {"dob-month", "Month", a.month, 2},
          {"dob-year", "Year", a.year, 4}}) {
      f += "<div class=\"nhsuk-date-input__item\"><div class=\"nhsuk-form-group\"><label "
           "class=\"nhsuk-label nhsuk-date-input__label\" for=\"" +
           id + "\">" + label +
           "</label><input class=\"nhsuk-input nhsuk-date-input__input "
           "nhsuk-input--width-" +
           std::to_string(width) + (dob_error.empty() ? "" : " nhsuk-input--error") + "\" id=\"" +
           id + "\" name=\"" + id + "\" type=\"text\" inputmode=\"numeric\" value=\"" +
           EscapeAttribute(value) + "\"></div></div>";
    }
    f += "</div></fieldset></div>";
    const std::string sex_error = error_of("sex-1");
    f += std::string("<div class=\"nhsuk-form-group") +
         (sex_error.empty() ? "" : " nhsuk-form-group--error") +
         "\"><fieldset class=\"nhsuk-fieldset\"><legend class=\"nhsuk-fieldset__legend "
         "nhsuk-fieldset__legend--s\">Sex</legend>";
    if (!sex_error.empty()) {
      f += "<span class=\"nhsuk-error-message\"><span "
           "class=\"nhsuk-u-visually-hidden\">Error:</span> " +
           EscapeHtml(sex_error) + "</span>";
    }
    f += "<div class=\"nhsuk-radios nhsuk-radios--inline\">";
    int i = 0;
    for (const auto& [v, label] : kSexes) {
      const std::string id = "sex-" + std::to_string(++i);
      f += "<div class=\"nhsuk-radios__item\"><input class=\"nhsuk-radios__input\" id=\"" + id +
           "\" name=\"sex\" type=\"radio\" value=\"" + std::string(v) + "\"" +
           (a.sex == v ? " checked" : "") +
           "><label class=\"nhsuk-label nhsuk-radios__label\" for=\"" + id + "\">" +
           std::string(label) + "</label></div>";
    }
    f += "</div></fieldset></div>";
    f += input("nhs", "NHS number (if known)", a.nhs, "10 digits, for example 943 476 5919", "off",
               10);
    f += input("prison", "Prison number (if known)", a.prison_number, "For example A1234BC", "off",
               10);
    f += input("language", "Preferred language (if not English)", a.language,
               "For example Polish, Romanian, British Sign Language", "off", 20);
    f += "<div class=\"nhsuk-form-group\"><div class=\"nhsuk-checkboxes\"><div "
         "class=\"nhsuk-checkboxes__item\"><input class=\"nhsuk-checkboxes__input\" "
         "id=\"interpreter\" name=\"interpreter\" type=\"checkbox\" value=\"yes\"" +
         std::string(a.interpreter == "yes" ? " checked" : "") +
         "><label class=\"nhsuk-label nhsuk-checkboxes__label\" for=\"interpreter\">Needs an "
         "interpreter</label></div></div></div>";
    f += "<button class=\"nhsuk-button\" data-module=\"nhsuk-button\" type=\"submit\" "
         "data-prevent-double-click=\"true\">" +
         EscapeHtml(button) + "</button></form>";
    return f;
  };
  auto hidden_copy = [&](std::string_view name, std::string_view value) {
    return "<input type=\"hidden\" name=\"" + EscapeAttribute(name) + "\" value=\"" +
           EscapeAttribute(value) + "\">";
  };
  auto all_hidden = [&]() {
    return hidden_copy("csrf", ctx.csrf) + hidden_copy("family", a.family) +
           hidden_copy("given", a.given) + hidden_copy("dob-day", a.day) +
           hidden_copy("dob-month", a.month) + hidden_copy("dob-year", a.year) +
           hidden_copy("sex", a.sex) + hidden_copy("nhs", a.nhs) +
           hidden_copy("prison", a.prison_number) + hidden_copy("language", a.language) +
           hidden_copy("interpreter", a.interpreter);
  };

  if (!post || !errors.empty()) {
    std::string main = "<h1 class=\"nhsuk-heading-l\">Receive a person into custody</h1>";
    if (!errors.empty()) main += RenderErrorSummary(errors);
    main += "<p class=\"nhsuk-body\">At " + EscapeHtml(code) +
            ". If they have been here before or "
            "elsewhere, their record will be found and moved here.</p>";
    main += form_html("", "Continue");
    return Page(ctx, errors.empty() ? 200 : 400, "Reception", main);
  }

  const std::string existing = FormField(form, "receive_existing");
  const bool confirmed_new = FormField(form, "new_person") == "yes";
  std::string patient_ref;  // an existing person to receive
  if (!existing.empty()) {
    if (!base::IsValidFhirId(existing))
      return Page(ctx, 400, "Bad request", "<h1>Bad request</h1>");
    patient_ref = "Patient/" + existing;
  } else if (!confirmed_new) {
    // Is this person already known? Every establishment is searched (audited below).
    engine::SearchOptions so;
    so.count = 5;
    so.strict = true;
    std::vector<engine::ReadResult> matches;
    if (!a.nhs_digits.empty()) {
      absl::StatusOr<engine::SearchOutcome> byNhs = deps_.repository.Search(
          "Patient", {{"identifier", std::string(kNhsSystem) + "|" + a.nhs_digits}}, so);
      if (byNhs.ok()) matches = std::move(byNhs->matches);
    }
    bool exact = !matches.empty();
    if (!exact) {
      absl::StatusOr<engine::SearchOutcome> likely = deps_.repository.Search(
          "Patient", {{"birthdate", a.birth_date}, {"family", a.family}}, so);
      if (likely.ok()) matches = std::move(likely->matches);
    }
    guard->Finish("search-type", "Patient", "reception duplicate check", 200);
    if (!matches.empty()) {
      std::string main =
          std::string("<h1 class=\"nhsuk-heading-l\">") +
          (exact ? "This person is already registered" : "Is this the same person?") +
          "</h1><p class=\"nhsuk-body\">" +
          (exact ? "A record with this NHS number exists. Receive the person on "
                   "that record: it will move here."
                 : "These records have the same family name and date of birth. "
                   "Check with the person before you choose.") +
          "</p>";
      std::vector<std::vector<std::string>> rows;
      for (const engine::ReadResult& m : matches) {
        absl::StatusOr<Value> p = fhir::ParseJson(m.content);
        if (!p.ok()) continue;
        rows.push_back(
            {EscapeHtml(PatientName(*p)), EscapeHtml(DisplayDate(p->GetString("birthDate"))),
             EscapeHtml(care::FormatNhsNumber(PatientNhsNumber(*p))),
             "<form method=\"post\" action=\"/reception\">" + all_hidden() +
                 hidden_copy("receive_existing", m.id) +
                 "<button class=\"nhsuk-button nhsuk-button--secondary nhsuk-u-margin-bottom-0\" "
                 "type=\"submit\">Receive this person<span class=\"nhsuk-u-visually-hidden\"> " +
                 EscapeHtml(PatientName(*p)) + "</span></button></form>"});
      }
      main += Table("Records found", {"Name", "Date of birth", "NHS number", ""}, rows);
      if (!exact) {
        main += "<form method=\"post\" action=\"/reception\">" + all_hidden() +
                hidden_copy("new_person", "yes") +
                "<button class=\"nhsuk-button\" type=\"submit\">None of these: register a new "
                "person</button></form>";
      }
      return Page(ctx, 200, "Check for an existing record", main);
    }
  }

  // Write the reception in one transaction.
  const std::string now_text = base::FormatInstant(now);
  Value entries = Value::MakeArray();
  std::string subject = patient_ref;
  if (subject.empty()) {
    subject = "urn:uuid:" + base::NewUuid(deps_.random);
    Value patient = Value::Object();
    patient.Set("resourceType", Str("Patient"));
    Value ids = Value::MakeArray();
    if (!a.nhs_digits.empty()) {
      Value id = Value::Object();
      id.Set("system", Str(kNhsSystem));
      id.Set("value", Str(a.nhs_digits));
      ids.Append(std::move(id));
    }
    if (!a.prison_number.empty()) {
      Value id = Value::Object();
      id.Set("system", Str(kPrisonNumberSystem));
      id.Set("value", Str(a.prison_number));
      ids.Append(std::move(id));
    }
    if (ids.size() > 0) patient.Set("identifier", std::move(ids));
    patient.Set("active", Value::Bool(true));
    Value name = Value::Object();
    name.Set("use", Str("official"));
    name.Set("family", Str(a.family));
    Value given = Value::MakeArray();
    given.Append(Str(a.given));
    name.Set("given", std::move(given));
    Value names = Value::MakeArray();
    names.Append(std::move(name));
    patient.Set("name", std::move(names));
    patient.Set("gender", Str(a.sex));
    patient.Set("birthDate", Str(a.birth_date));
    patient.Set("managingOrganization", Ref(org_ref));
    // Communication needs: the language as said, and whether an interpreter is needed (the R4
    // patient-interpreterRequired extension).
    if (!a.language.empty()) {
      Value language = Value::Object();
      language.Set("text", Str(a.language.substr(0, 100)));
      Value comm = Value::Object();
      comm.Set("language", std::move(language));
      comm.Set("preferred", Value::Bool(true));
      patient.Set("communication", ListOf(std::move(comm)));
    }
    if (a.interpreter == "yes") {
      Value ext = Value::Object();
      ext.Set("url", Str("http://hl7.org/fhir/StructureDefinition/patient-interpreterRequired"));
      ext.Set("valueBoolean", Value::Bool(true));
      patient.Set("extension", ListOf(std::move(ext)));
    }
    entries.Append(Entry(subject, std::move(patient), "POST", "Patient"));
  } else {
    // Custody moves here: every other active custody episode ends now.
    engine::SearchOptions so;
    so.count = 20;
    so.strict = true;
    absl::StatusOr<engine::SearchOutcome> active = deps_.repository.Search(
        "EpisodeOfCare", {{"patient", patient_ref}, {"status", "active"}}, so);
    if (active.ok()) {
      for (const engine::ReadResult& e : active->matches) {
        absl::StatusOr<Value> ep = fhir::ParseJson(e.content);
        if (!ep.ok()) continue;
        if (const Value* o = ep->Find("managingOrganization");
            o && o->GetString("reference") == org_ref) {
          continue;  // already held here
        }
        ep->Set("status", Str("finished"));
        Value period = ep->Find("period") ? *ep->Find("period") : Value::Object();
        period.Set("end", Str(now_text));
        ep->Set("period", std::move(period));
        entries.Append(Entry("", std::move(*ep), "PUT", "EpisodeOfCare/" + e.id));
      }
    }
  }
  Value episode = Value::Object();
  episode.Set("resourceType", Str("EpisodeOfCare"));
  episode.Set("status", Str("active"));
  Value types = Value::MakeArray();
  types.Append(Concept("https://throughcare.dev/fhir/CodeSystem/episode-type", "custody",
                       "Custody episode"));
  episode.Set("type", std::move(types));
  episode.Set("patient", Ref(subject));
  episode.Set("managingOrganization", Ref(org_ref));
  Value period = Value::Object();
  period.Set("start", Str(now_text));
  episode.Set("period", period);
  const std::string episode_url = "urn:uuid:" + base::NewUuid(deps_.random);
  entries.Append(Entry(episode_url, std::move(episode), "POST", "EpisodeOfCare"));
  Value encounter = Value::Object();
  encounter.Set("resourceType", Str("Encounter"));
  encounter.Set("status", Str("finished"));
  Value cls = Value::Object();
  cls.Set("system", Str("http://terminology.hl7.org/CodeSystem/v3-ActCode"));
  cls.Set("code", Str("AMB"));
  cls.Set("display", Str("ambulatory"));
  encounter.Set("class", std::move(cls));
  Value etypes = Value::MakeArray();
  etypes.Append(Concept("https://throughcare.dev/fhir/CodeSystem/movement-type", "reception",
                        "Reception into custody"));
  encounter.Set("type", std::move(etypes));
  encounter.Set("subject", Ref(subject));
  Value eoc = Value::MakeArray();
  eoc.Append(Ref(episode_url));
  encounter.Set("episodeOfCare", std::move(eoc));
  encounter.Set("period", period);
  encounter.Set("serviceProvider", Ref(org_ref));
  entries.Append(Entry("", std::move(encounter), "POST", "Encounter"));
  // The reception clocks (shared/domain.md "Reception"): each a Task due at the right time, shown
  // as due or overdue on the worklist until done.
  for (const ReceptionClock& clock : kReceptionClocks) {
    Value task = Value::Object();
    task.Set("resourceType", Str("Task"));
    task.Set("status", Str("requested"));
    task.Set("intent", Str("order"));
    task.Set("priority", Str("urgent"));
    task.Set("code", Concept("https://throughcare.dev/fhir/CodeSystem/task-type", clock.code,
                             clock.display));
    task.Set("description", Str(clock.display));
    task.Set("for", Ref(subject));
    task.Set("authoredOn", Str(now_text));
    Value restriction = Value::Object();
    Value due = Value::Object();
    due.Set("end", Str(base::FormatInstant(clock.due(now))));
    restriction.Set("period", std::move(due));
    task.Set("restriction", std::move(restriction));
    task.Set("owner", Ref(org_ref));
    entries.Append(Entry("", std::move(task), "POST", "Task"));
  }
  Value bundle = Value::Object();
  bundle.Set("resourceType", Str("Bundle"));
  bundle.Set("type", Str("transaction"));
  bundle.Set("entry", std::move(entries));
  absl::StatusOr<Value> written = deps_.repository.ProcessBundle(bundle, guard.get());
  deps_.access.RelationshipsChanged();
  guard->Finish("transaction", "", "reception",
                written.ok() ? 200 : engine::HttpStatusOf(written.status()),
                written.ok() ? "" : std::string(written.status().message()));
  if (!written.ok()) {
    return Page(ctx, engine::HttpStatusOf(written.status()), "Not saved",
                "<h1 class=\"nhsuk-heading-l\">The reception could not be saved</h1><p>" +
                    EscapeHtml(std::string(written.status().message())) + "</p>");
  }
  // The new (or received) patient's page.
  std::string id = existing;
  if (id.empty() && patient_ref.empty()) {
    if (const Value* e = written->Find("entry"); e && e->is_array() && e->size()) {
      const Value* resp = e->array()[0].Find("response");
      std::string_view loc = resp ? resp->GetString("location") : "";
      // "Patient/<id>/_history/1"
      if (loc.substr(0, 8) == "Patient/") {
        loc.remove_prefix(8);
        id = std::string(loc.substr(0, loc.find('/')));
      }
    }
  } else if (id.empty()) {
    id = patient_ref.substr(8);
  }
  return Redirect(id.empty() ? "/patients" : "/patients/" + id);
}

}  // namespace tc::web
