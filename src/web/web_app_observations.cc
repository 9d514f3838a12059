// WebApp: recording vital signs with NEWS2 (web/web_app.h, care/news2.h). The form is checked
// field by field (an NHS.UK error summary; what was typed is kept; nothing is written); valid
// values become Observations — each measurement with its LOINC code, and the NEWS2 total with its
// sub-scores — written in one transaction through the access layer (policy and audit in the same
// transaction). Every entry carries the form's submission id as an identifier and is created
// only if none exists with it, so a double submit writes nothing twice.
#include <cmath>
#include <optional>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "auth/encoding.h"
#include "base/ids.h"
#include "base/time_format.h"
#include "care/news2.h"
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

constexpr std::string_view kLoinc = "http://loinc.org";
constexpr std::string_view kUcum = "http://unitsofmeasure.org";
constexpr std::string_view kLocal = "https://throughcare.dev/fhir/CodeSystem/early-warning";
constexpr std::string_view kSubmission = "https://throughcare.dev/fhir/form-submission";

Value Quantity(const std::string& value, std::string_view unit, std::string_view code) {
  Value q = Value::Object();
  q.Set("value", Value::Number(value));
  q.Set("unit", Str(unit));
  q.Set("system", Str(kUcum));
  q.Set("code", Str(code));
  return q;
}

struct Measurement {
  std::string_view field;
  std::string_view label;
  std::string_view hint;
  std::string_view loinc;
  std::string_view display;
  std::string_view unit;
  std::string_view ucum;
  int min;
  int max;
  bool decimal;
};

constexpr Measurement kMeasurements[] = {
    {"respiration", "Respiration rate", "Breaths per minute", "9279-1", "Respiratory rate",
     "breaths/min", "/min", 1, 80, false},
    {"spo2", "Oxygen saturation (SpO2)", "Per cent, on Scale 1", "59408-5",
     "Oxygen saturation in Arterial blood by Pulse oximetry", "%", "%", 50, 100, false},
    {"systolic", "Systolic blood pressure", "mmHg", "8480-6", "Systolic blood pressure", "mmHg",
     "mm[Hg]", 40, 300, false},
    {"pulse", "Pulse", "Beats per minute", "8867-4", "Heart rate", "beats/min", "/min", 20, 250,
     false},
    {"temperature", "Temperature", "Degrees Celsius, for example 36.8", "8310-5",
     "Body temperature", "°C", "Cel", 30, 45, true},
};

struct Choice {
  std::string_view value;
  std::string_view label;
};
constexpr Choice kOxygen[] = {{"air", "Air"}, {"oxygen", "Supplemental oxygen"}};
constexpr Choice kConsciousness[] = {{"alert", "Alert"},
                                     {"new-confusion", "New confusion"},
                                     {"voice", "Responds to voice"},
                                     {"pain", "Responds to pain"},
                                     {"unresponsive", "Unresponsive"}};

template <size_t N>
std::vector<std::pair<std::string, std::string>> Choices(const Choice (&choices)[N]) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const Choice& c : choices) out.emplace_back(c.value, c.label);
  return out;
}

bool OneOf(const Choice* choices, size_t n, std::string_view v) {
  for (size_t i = 0; i < n; ++i) {
    if (choices[i].value == v) return true;
  }
  return false;
}

care::Consciousness ConsciousnessOf(std::string_view v) {
  if (v == "new-confusion") return care::Consciousness::kNewConfusion;
  if (v == "voice") return care::Consciousness::kVoice;
  if (v == "pain") return care::Consciousness::kPain;
  if (v == "unresponsive") return care::Consciousness::kUnresponsive;
  return care::Consciousness::kAlert;
}

std::string_view RiskCode(care::Risk r) {
  switch (r) {
    case care::Risk::kNone:
      return "none";
    case care::Risk::kLow:
      return "low";
    case care::Risk::kLowMediumSingleParameter:
      return "low-medium";
    case care::Risk::kMedium:
      return "medium";
    case care::Risk::kHigh:
      return "high";
  }
  return "none";
}

// A transaction entry creating `resource` unless the submission identifier already exists.
Value Entry(const std::string& full_url, Value resource, const std::string& submission) {
  Value request = Value::Object();
  request.Set("method", Str("POST"));
  request.Set("url", Str("Observation"));
  request.Set("ifNoneExist", Str("identifier=" + std::string(kSubmission) + "|" + submission));
  Value e = Value::Object();
  e.Set("fullUrl", Str(full_url));
  e.Set("resource", std::move(resource));
  e.Set("request", std::move(request));
  return e;
}

}  // namespace

http::Response WebApp::ObservationsPage(Context& ctx, const http::Request& request,
                                        const std::string& patient_id) {
  std::unique_ptr<access::RequestGuard> guard = GuardFor(ctx);
  const std::string resource = "Patient/" + patient_id;
  std::variant<engine::ReadResult, http::Response> opened = OpenPatient(ctx, *guard, patient_id);
  if (auto* refused = std::get_if<http::Response>(&opened)) return std::move(*refused);
  const bool post = request.method == "POST";
  const engine::QueryParams form =
      post ? engine::ParseQueryString(request.body) : engine::QueryParams{};
  std::vector<std::pair<std::string, std::string>> errors;
  auto error_of = [&](std::string_view field) {
    for (const auto& [f, m] : errors) {
      if (f == field || f == std::string(field) + "-1") return m;
    }
    return std::string();
  };
  care::Vitals vitals;
  std::string values[std::size(kMeasurements)];
  for (size_t i = 0; i < std::size(kMeasurements); ++i) {
    const Measurement& m = kMeasurements[i];
    values[i] = FormField(form, m.field);
    if (!post) continue;
    std::string v = values[i];
    double number = 0;
    const bool parsed = absl::SimpleAtod(v, &number) && std::isfinite(number);
    const bool integral = parsed && number == std::floor(number);
    const bool one_decimal = parsed && std::fabs(number * 10 - std::round(number * 10)) < 1e-9;
    if (v.empty()) {
      std::string label(m.label);
      for (char& c : label) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      errors.emplace_back(m.field, "Enter the " + label);
    } else if (!parsed || (!m.decimal && !integral) || (m.decimal && !one_decimal)) {
      errors.emplace_back(
          m.field, std::string(m.label) + " must be a number" +
                       (m.decimal ? " with at most one decimal place" : " without decimals"));
    } else if (number < m.min || number > m.max) {
      errors.emplace_back(m.field, std::string(m.label) + " must be between " +
                                       std::to_string(m.min) + " and " + std::to_string(m.max));
    } else if (m.field == "respiration") {
      vitals.respiration_rate = static_cast<int>(number);
    } else if (m.field == "spo2") {
      vitals.spo2 = static_cast<int>(number);
    } else if (m.field == "systolic") {
      vitals.systolic_bp = static_cast<int>(number);
    } else if (m.field == "pulse") {
      vitals.pulse = static_cast<int>(number);
    } else {
      vitals.temperature = number;
    }
  }
  const std::string oxygen = FormField(form, "oxygen");
  const std::string consciousness = FormField(form, "consciousness");
  if (post && !OneOf(kOxygen, std::size(kOxygen), oxygen)) {
    errors.emplace_back("oxygen-1", "Select air or supplemental oxygen");
  }
  if (post && !OneOf(kConsciousness, std::size(kConsciousness), consciousness)) {
    errors.emplace_back("consciousness-1", "Select the level of consciousness");
  }
  std::string submission = FormField(form, "submission");
  if (post && !auth::IsWellFormedSessionId(submission)) submission.clear();

  if (post && errors.empty() && !submission.empty()) {
    vitals.on_oxygen = oxygen == "oxygen";
    vitals.consciousness = ConsciousnessOf(consciousness);
    const care::News2 score = care::ScoreNews2(vitals);
    const std::string now = base::FormatInstant(deps_.clock.Now());
    auto base_obs = [&](std::string_view category, Value code, int index) {
      Value o = Value::Object();
      o.Set("resourceType", Str("Observation"));
      Value ident = Value::Object();
      ident.Set("system", Str(kSubmission));
      ident.Set("value", Str(absl::StrCat(submission, "-", index)));
      Value idents = Value::MakeArray();
      idents.Append(std::move(ident));
      o.Set("identifier", std::move(idents));
      o.Set("status", Str("final"));
      Value cats = Value::MakeArray();
      cats.Append(Concept("http://terminology.hl7.org/CodeSystem/observation-category", category,
                          category == "vital-signs" ? "Vital Signs" : "Survey"));
      o.Set("category", std::move(cats));
      o.Set("code", std::move(code));
      o.Set("subject", [&] {
        Value r = Value::Object();
        r.Set("reference", Str(resource));
        return r;
      }());
      o.Set("effectiveDateTime", Str(now));
      return o;
    };
    Value entries = Value::MakeArray();
    Value derived = Value::MakeArray();
    int index = 0;
    for (size_t i = 0; i < std::size(kMeasurements); ++i) {
      const Measurement& m = kMeasurements[i];
      Value o = base_obs("vital-signs", Concept(kLoinc, m.loinc, m.display), ++index);
      o.Set("valueQuantity", Quantity(values[i], m.unit, m.ucum));
      const std::string url = "urn:uuid:" + base::NewUuid(deps_.random);
      Value ref = Value::Object();
      ref.Set("reference", Str(url));
      derived.Append(std::move(ref));
      entries.Append(Entry(url, std::move(o), absl::StrCat(submission, "-", index)));
    }
    Value acvpu = base_obs("vital-signs",
                           Concept(kLocal, "acvpu", "Level of consciousness (ACVPU)"), ++index);
    for (const Choice& c : kConsciousness) {
      if (c.value == consciousness)
        acvpu.Set("valueCodeableConcept", Concept(kLocal, c.value, c.label));
    }
    const std::string acvpu_url = "urn:uuid:" + base::NewUuid(deps_.random);
    {
      Value ref = Value::Object();
      ref.Set("reference", Str(acvpu_url));
      derived.Append(std::move(ref));
    }
    entries.Append(Entry(acvpu_url, std::move(acvpu), absl::StrCat(submission, "-", index)));
    Value news = base_obs("survey", Concept(kLocal, "news2-total", "NEWS2 total score"), ++index);
    news.Set("valueQuantity", Quantity(std::to_string(score.total), "score", "{score}"));
    Value interp = Value::MakeArray();
    interp.Append(
        Concept(kLocal, RiskCode(score.risk), std::string(care::ResponseFor(score.risk))));
    news.Set("interpretation", std::move(interp));
    Value components = Value::MakeArray();
    const std::pair<std::string_view, int> subs[] = {{"respiration", score.respiration},
                                                     {"spo2", score.spo2},
                                                     {"air-or-oxygen", score.oxygen},
                                                     {"systolic", score.systolic},
                                                     {"pulse", score.pulse},
                                                     {"consciousness", score.consciousness},
                                                     {"temperature", score.temperature}};
    for (const auto& [code, value] : subs) {
      Value c = Value::Object();
      c.Set("code", Concept(kLocal, "news2-" + std::string(code),
                            "NEWS2 " + std::string(code) + " sub-score"));
      c.Set("valueInteger", Value::Integer(value));
      components.Append(std::move(c));
    }
    news.Set("component", std::move(components));
    news.Set("derivedFrom", std::move(derived));
    entries.Append(Entry("urn:uuid:" + base::NewUuid(deps_.random), std::move(news),
                         absl::StrCat(submission, "-", index)));
    Value bundle = Value::Object();
    bundle.Set("resourceType", Str("Bundle"));
    bundle.Set("type", Str("transaction"));
    bundle.Set("entry", std::move(entries));
    absl::StatusOr<Value> written = deps_.repository.ProcessBundle(bundle, guard.get());
    if (written.ok()) {
      guard->Finish("transaction", resource, "", 200);
      return Redirect("/patients/" + patient_id);
    }
    guard->Finish("transaction", resource, "", engine::HttpStatusOf(written.status()),
                  std::string(written.status().message()));
    if (absl::IsPermissionDenied(written.status())) {
      return Page(ctx, 403, "Not available",
                  "<h1 class=\"nhsuk-heading-l\">You cannot record observations for this "
                  "patient</h1>");
    }
    errors.emplace_back("respiration", std::string(written.status().message()));
  }
  if (post && errors.empty() && submission.empty()) {
    errors.emplace_back("respiration", "This form has expired: enter the observations again");
  }
  // The form: a fresh submission id when first shown, the same one when shown again with errors.
  if (submission.empty()) submission = auth::NewSessionId(deps_.random);
  std::string main = "<h1 class=\"nhsuk-heading-l\">Record observations</h1>";
  if (!errors.empty()) main += RenderErrorSummary(errors);
  std::string fields = "<input type=\"hidden\" name=\"csrf\" value=\"" + EscapeAttribute(ctx.csrf) +
                       "\"><input type=\"hidden\" name=\"submission\" value=\"" +
                       EscapeAttribute(submission) + "\">";
  for (size_t i = 0; i < std::size(kMeasurements); ++i) {
    const Measurement& m = kMeasurements[i];
    InputField f;
    f.id = std::string(m.field);
    f.label = std::string(m.label);
    f.hint = std::string(m.hint);
    f.value = values[i];
    f.error = error_of(m.field);
    f.type = "text";
    f.autocomplete = "off";
    f.width = 4;
    f.spellcheck = false;
    fields += RenderInput(f);
    if (m.field == "spo2") {
      fields +=
          RenderRadios("oxygen", "Air or oxygen", Choices(kOxygen), oxygen, error_of("oxygen"));
    }
  }
  fields += RenderRadios("consciousness", "Level of consciousness", Choices(kConsciousness),
                         consciousness, error_of("consciousness"));
  main += "<form method=\"post\" action=\"/patients/" + EscapeAttribute(patient_id) +
          "/observations\" novalidate>" + fields +
          "<button class=\"nhsuk-button\" data-module=\"nhsuk-button\" type=\"submit\" "
          "data-prevent-double-click=\"true\">Save and calculate NEWS2</button></form>";
  return Page(ctx, errors.empty() ? 200 : 400, "Record observations", main);
}

}  // namespace tc::web
