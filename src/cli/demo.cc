#include "cli/demo.h"

#include <cstdio>
#include <string>
#include <vector>

#include "base/random.h"
#include "base/status_macros.h"
#include "fhir/json.h"

namespace tc::cli {
namespace {

using fhir::Value;

struct Establishment {
  const char* code;
  const char* name;
  const char* kind;  // SNOMED-free local type code for now
  const char* region;
};

// Fictional establishments (no real prison is named).
constexpr Establishment kEstablishments[] = {
    {"NFD", "HMP Northfield", "prison", "North East"},
    {"WLY", "HMP Westley", "prison", "Midlands"},
    {"ASH", "HMYOI Ashgrove", "yoi", "South West"},
    {"KRC", "Kestrel House IRC", "irc", "South East"},
};

constexpr const char* kGiven[] = {"Adam",   "Ben",    "Callum", "Daniel", "Emeka",  "Farid",
                                  "Gary",   "Harry",  "Imran",  "Jamal",  "Kieran", "Liam",
                                  "Mason",  "Nathan", "Oliver", "Piotr",  "Reece",  "Samuel",
                                  "Tomasz", "Usman",  "Wayne",  "Yusuf",  "Zak",    "Aaron"};
constexpr const char* kFamily[] = {"Smith",    "Jones",  "Taylor", "Brown",  "Williams", "Wilson",
                                   "Evans",    "Thomas", "Khan",   "Ahmed",  "Walker",   "Wright",
                                   "Kowalski", "Okafor", "Murphy", "Hughes", "Patel",    "Davies"};

struct Problem {
  const char* code;
  const char* display;
};
// SNOMED CT concepts (code and display as published).
constexpr Problem kProblems[] = {
    {"195967001", "Asthma"},
    {"35489007", "Depressive disorder"},
    {"197480006", "Anxiety disorder"},
    {"191816009", "Drug dependence"},
    {"7200002", "Alcoholism"},
    {"84114007", "Heart failure"},
    {"44054006", "Diabetes mellitus type 2"},
    {"38341003", "Hypertensive disorder"},
    {"84944001", "Epilepsy"},
    {"50711007", "Viral hepatitis type C"},
};

Value Str(const std::string& s) { return Value::String(s); }

Value Coding(const char* system, const std::string& code, const std::string& display) {
  Value c = Value::Object();
  c.Set("system", Str(system));
  c.Set("code", Str(code));
  if (!display.empty()) c.Set("display", Str(display));
  return c;
}

Value Concept(const char* system, const std::string& code, const std::string& display) {
  Value cc = Value::Object();
  Value codings = Value::MakeArray();
  codings.Append(Coding(system, code, display));
  cc.Set("coding", std::move(codings));
  if (!display.empty()) cc.Set("text", Str(display));
  return cc;
}

Value Ref(const std::string& r) {
  Value o = Value::Object();
  o.Set("reference", Str(r));
  return o;
}

Value Array1(Value v) {
  Value a = Value::MakeArray();
  a.Append(std::move(v));
  return a;
}

Value Identifier(const char* system, const std::string& value) {
  Value id = Value::Object();
  id.Set("system", Str(system));
  id.Set("value", Str(value));
  return id;
}

void AddEntry(Value& entries, const std::string& full_url, Value resource,
              const std::string& method, const std::string& url,
              const std::string& if_none_exist = "") {
  Value entry = Value::Object();
  if (!full_url.empty()) entry.Set("fullUrl", Str(full_url));
  entry.Set("resource", std::move(resource));
  Value request = Value::Object();
  request.Set("method", Str(method));
  request.Set("url", Str(url));
  if (!if_none_exist.empty()) request.Set("ifNoneExist", Str(if_none_exist));
  entry.Set("request", std::move(request));
  entries.Append(std::move(entry));
}

Value Transaction(Value entries) {
  Value b = Value::Object();
  b.Set("resourceType", Str("Bundle"));
  b.Set("type", Str("transaction"));
  b.Set("entry", std::move(entries));
  return b;
}

std::string TwoDigits(uint64_t n) {
  char buf[8];
  std::snprintf(buf, sizeof(buf), "%02u", static_cast<unsigned>(n % 100));
  return buf;
}

Value Establishments() {
  Value entries = Value::MakeArray();
  for (const Establishment& e : kEstablishments) {
    Value org = Value::Object();
    org.Set("resourceType", Str("Organization"));
    org.Set("id", Str(std::string("est-") + e.code));
    org.Set("identifier",
            Array1(Identifier("https://throughcare.dev/fhir/establishment-code", e.code)));
    org.Set("active", Value::Bool(true));
    org.Set("type", Array1(Concept("https://throughcare.dev/fhir/CodeSystem/establishment-type",
                                   e.kind, e.kind)));
    org.Set("name", Str(e.name));
    Value address = Value::Object();
    address.Set("state", Str(e.region));
    address.Set("country", Str("GB"));
    org.Set("address", Array1(std::move(address)));
    AddEntry(entries, "", std::move(org), "PUT", std::string("Organization/est-") + e.code);
    for (const char* wing : {"A", "B", "C"}) {
      Value loc = Value::Object();
      loc.Set("resourceType", Str("Location"));
      std::string id = std::string("loc-") + e.code + "-" + wing;
      loc.Set("id", Str(id));
      loc.Set("status", Str("active"));
      loc.Set("name", Str(std::string(e.name) + " " + wing + " wing"));
      loc.Set("mode", Str("instance"));
      loc.Set(
          "physicalType",
          Concept("http://terminology.hl7.org/CodeSystem/location-physical-type", "wi", "Wing"));
      loc.Set("managingOrganization", Ref(std::string("Organization/est-") + e.code));
      AddEntry(entries, "", std::move(loc), "PUT", "Location/" + id);
    }
  }
  return Transaction(std::move(entries));
}

Value PatientBundle(base::Random& rnd, int index) {
  Value entries = Value::MakeArray();
  const Establishment& est = kEstablishments[rnd.Next64() % std::size(kEstablishments)];
  std::string given = kGiven[rnd.Next64() % std::size(kGiven)];
  std::string family = kFamily[rnd.Next64() % std::size(kFamily)];
  std::string nhs = TestNhsNumber(100000 + static_cast<uint64_t>(index) * 7 + rnd.Next64() % 7);
  char prison_number[16];
  std::snprintf(
      prison_number, sizeof(prison_number), "%c%04u%c%c",
      static_cast<char>('A' + rnd.Next64() % 26), static_cast<unsigned>(1000 + rnd.Next64() % 9000),
      static_cast<char>('A' + rnd.Next64() % 26), static_cast<char>('A' + rnd.Next64() % 26));
  int year = 1960 + static_cast<int>(rnd.Next64() % 45);
  std::string birth = std::to_string(year) + "-" + TwoDigits(1 + rnd.Next64() % 12) + "-" +
                      TwoDigits(1 + rnd.Next64() % 28);
  std::string patient_url = "urn:uuid:patient-" + std::to_string(index);

  Value patient = Value::Object();
  patient.Set("resourceType", Str("Patient"));
  Value ids = Value::MakeArray();
  ids.Append(Identifier("https://fhir.nhs.uk/Id/nhs-number", nhs));
  ids.Append(Identifier("https://throughcare.dev/fhir/prison-number", prison_number));
  patient.Set("identifier", std::move(ids));
  patient.Set("active", Value::Bool(true));
  Value name = Value::Object();
  name.Set("use", Str("official"));
  name.Set("family", Str(family));
  name.Set("given", Array1(Str(given)));
  patient.Set("name", Array1(std::move(name)));
  patient.Set("gender", Str(rnd.Next64() % 20 == 0 ? "female" : "male"));
  patient.Set("birthDate", Str(birth));
  patient.Set("managingOrganization", Ref(std::string("Organization/est-") + est.code));
  AddEntry(entries, patient_url, std::move(patient), "POST", "Patient",
           "identifier=https://fhir.nhs.uk/Id/nhs-number|" + nhs);

  int day = 1 + static_cast<int>(rnd.Next64() % 28);
  std::string received = "2026-" + TwoDigits(1 + rnd.Next64() % 10) + "-" + TwoDigits(day) + "T" +
                         TwoDigits(8 + rnd.Next64() % 10) + ":" + TwoDigits(rnd.Next64() % 60) +
                         ":00Z";
  Value episode = Value::Object();
  episode.Set("resourceType", Str("EpisodeOfCare"));
  episode.Set("status", Str("active"));
  episode.Set("type", Array1(Concept("https://throughcare.dev/fhir/CodeSystem/episode-type",
                                     "custody", "Custody episode")));
  episode.Set("patient", Ref(patient_url));
  episode.Set("managingOrganization", Ref(std::string("Organization/est-") + est.code));
  Value period = Value::Object();
  period.Set("start", Str(received));
  episode.Set("period", period);
  std::string episode_url = "urn:uuid:episode-" + std::to_string(index);
  AddEntry(entries, episode_url, std::move(episode), "POST", "EpisodeOfCare");

  Value encounter = Value::Object();
  encounter.Set("resourceType", Str("Encounter"));
  encounter.Set("status", Str("finished"));
  encounter.Set("class",
                Coding("http://terminology.hl7.org/CodeSystem/v3-ActCode", "AMB", "ambulatory"));
  encounter.Set("type", Array1(Concept("https://throughcare.dev/fhir/CodeSystem/movement-type",
                                       "reception", "Reception into custody")));
  encounter.Set("subject", Ref(patient_url));
  encounter.Set("episodeOfCare", Array1(Ref(episode_url)));
  Value enc_period = Value::Object();
  enc_period.Set("start", Str(received));
  encounter.Set("period", std::move(enc_period));
  Value location = Value::Object();
  location.Set("location", Ref(std::string("Location/loc-") + est.code + "-" +
                               std::string(1, "ABC"[rnd.Next64() % 3])));
  encounter.Set("location", Array1(std::move(location)));
  AddEntry(entries, "", std::move(encounter), "POST", "Encounter");

  int problems = static_cast<int>(rnd.Next64() % 4);
  for (int p = 0; p < problems; ++p) {
    const Problem& pr = kProblems[rnd.Next64() % std::size(kProblems)];
    Value c = Value::Object();
    c.Set("resourceType", Str("Condition"));
    c.Set("clinicalStatus",
          Concept("http://terminology.hl7.org/CodeSystem/condition-clinical", "active", "Active"));
    c.Set("verificationStatus",
          Concept("http://terminology.hl7.org/CodeSystem/condition-ver-status", "confirmed",
                  "Confirmed"));
    c.Set("code", Concept("http://snomed.info/sct", pr.code, pr.display));
    c.Set("subject", Ref(patient_url));
    AddEntry(entries, "", std::move(c), "POST", "Condition");
  }
  if (rnd.Next64() % 5 == 0) {
    Value a = Value::Object();
    a.Set("resourceType", Str("AllergyIntolerance"));
    a.Set("clinicalStatus",
          Concept("http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical", "active",
                  "Active"));
    a.Set("code", Concept("http://snomed.info/sct", "91936005", "Allergy to penicillin"));
    a.Set("patient", Ref(patient_url));
    AddEntry(entries, "", std::move(a), "POST", "AllergyIntolerance");
  }
  // Vital signs at reception (LOINC codes).
  struct Vital {
    const char* code;
    const char* display;
    const char* unit;
    int low;
    int high;
  };
  constexpr Vital kVitals[] = {{"8867-4", "Heart rate", "/min", 55, 110},
                               {"9279-1", "Respiratory rate", "/min", 12, 24},
                               {"8310-5", "Body temperature", "Cel", 36, 38}};
  for (const Vital& v : kVitals) {
    Value o = Value::Object();
    o.Set("resourceType", Str("Observation"));
    o.Set("status", Str("final"));
    o.Set("category", Array1(Concept("http://terminology.hl7.org/CodeSystem/observation-category",
                                     "vital-signs", "Vital Signs")));
    o.Set("code", Concept("http://loinc.org", v.code, v.display));
    o.Set("subject", Ref(patient_url));
    o.Set("effectiveDateTime", Str(received));
    Value q = Value::Object();
    q.Set("value",
          Value::Integer(v.low + static_cast<int64_t>(rnd.Next64() % (v.high - v.low + 1))));
    q.Set("unit", Str(v.unit));
    q.Set("system", Str("http://unitsofmeasure.org"));
    q.Set("code", Str(v.unit));
    o.Set("valueQuantity", std::move(q));
    AddEntry(entries, "", std::move(o), "POST", "Observation");
  }
  return Transaction(std::move(entries));
}

}  // namespace

std::string TestNhsNumber(uint64_t n) {
  // 999 + 6 digits + check digit; skip values whose check digit would be 10 (invalid).
  for (;; ++n) {
    std::string digits = "999" + std::to_string(100000 + n % 900000);
    int sum = 0;
    for (int i = 0; i < 9; ++i) sum += (digits[i] - '0') * (10 - i);
    int check = 11 - (sum % 11);
    if (check == 11) check = 0;
    if (check == 10) continue;
    return digits + static_cast<char>('0' + check);
  }
}

absl::StatusOr<int64_t> LoadDemo(engine::Repository& repository, int patients, uint64_t seed) {
  base::SeededRandom rnd(seed);
  int64_t written = 0;
  TC_ASSIGN_OR_RETURN(Value response, repository.ProcessBundle(Establishments()));
  written += static_cast<int64_t>(response.Find("entry")->size());
  for (int i = 0; i < patients; ++i) {
    TC_ASSIGN_OR_RETURN(Value r, repository.ProcessBundle(PatientBundle(rnd, i)));
    written += static_cast<int64_t>(r.Find("entry")->size());
  }
  return written;
}

absl::StatusOr<bool> LoadDemoIfEmpty(engine::Repository& repository, int patients, uint64_t seed) {
  engine::SearchOptions so;
  so.count = 1;
  TC_ASSIGN_OR_RETURN(engine::SearchOutcome existing, repository.Search("Patient", {}, so));
  if (existing.total > 0) return false;
  TC_RETURN_IF_ERROR(LoadDemo(repository, patients, seed).status());
  return true;
}

}  // namespace tc::cli
