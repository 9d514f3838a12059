#include "fhir/validate.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "fhir/definitions.h"
#include "fhir/json.h"
#include "fhir/testing/shared_definitions.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tc::fhir {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

const Definitions& Defs() { return tc::fhir::testing::SharedDefinitions(); }

std::string Describe(const Issues& issues) {
  std::string out;
  for (const Issue& i : issues) {
    out += "  [" + i.code + "] " + i.expression + ": " + i.diagnostics + "\n";
  }
  return out;
}

Issues Validate(std::string_view json) {
  absl::StatusOr<Value> v = ParseJson(json);
  EXPECT_TRUE(v.ok()) << v.status() << "\n" << json;
  if (!v.ok()) return {Issue{}};
  return ValidateResource(Defs(), *v);
}

auto IssueAt(const std::string& expression, const std::string& code) {
  return AllOf(Field(&Issue::expression, expression), Field(&Issue::code, code),
               Field(&Issue::severity, Issue::Severity::kError));
}

// Expects exactly one issue, at `expression` with `code`.
void ExpectOneIssue(std::string_view json, const std::string& expression, const std::string& code) {
  Issues issues = Validate(json);
  EXPECT_THAT(issues, ElementsAre(IssueAt(expression, code))) << json << "\nissues:\n"
                                                              << Describe(issues);
}

void ExpectValid(std::string_view json) {
  Issues issues = Validate(json);
  EXPECT_THAT(issues, IsEmpty()) << json << "\nissues:\n" << Describe(issues);
}

// ---------------------------------------------------------------------------------------------

TEST(ValidateTest, ValidResources) {
  ExpectValid(R"({"resourceType":"Patient"})");
  ExpectValid(R"({
    "resourceType": "Patient", "id": "p-1.A",
    "meta": {"versionId": "1", "lastUpdated": "2024-01-02T03:04:05.678Z",
             "profile": ["http://example.org/StructureDefinition/x"]},
    "text": {"status": "generated",
             "div": "<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>Jo &amp; <b>Bloggs</b>&#160;</p></div>"},
    "extension": [{"url": "http://example.org/ext", "valueString": "x"},
                  {"url": "http://example.org/complex",
                   "extension": [{"url": "a", "valueBoolean": true}]}],
    "identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9000000009"}],
    "active": true,
    "name": [{"use": "official", "family": "Bloggs", "given": ["Jo", null, "Ann"],
              "_given": [null, {"extension": [{"url": "http://e.org/x", "valueCode": "y"}]}, null]}],
    "gender": "female",
    "_gender": {"id": "g1"},
    "birthDate": "1970-02-28",
    "_birthDate": {"extension": [{"url": "http://hl7.org/fhir/StructureDefinition/patient-birthTime",
                                  "valueDateTime": "1970-02-28T10:15:00+01:00"}]},
    "deceasedBoolean": false,
    "multipleBirthInteger": 2,
    "photo": [{"contentType": "image/x-unusual", "data": "aGVsbG8=", "size": 5}],
    "contact": [{"relationship": [{"text": "sister"}], "name": {"text": "Ann"},
                 "modifierExtension": [{"url": "http://e.org/m", "valueBoolean": true}]}],
    "generalPractitioner": [{"reference": "Practitioner/abc"},
                            {"reference": "Organization/o1/_history/2"},
                            {"reference": "https://other.example/fhir/Practitioner/9"},
                            {"reference": "urn:uuid:0c3151bd-1cbf-4d64-b04d-cd9187a4c6e0"},
                            {"identifier": {"value": "G123"}}],
    "managingOrganization": {"reference": "#org"},
    "contained": [{"resourceType": "Organization", "id": "org", "name": "HMP Example"}]
  })");
  ExpectValid(R"({"resourceType":"Observation","status":"final","code":{"text":"weight"},
      "subject":{"reference":"Patient/1"},"effectiveDateTime":"2024",
      "valueQuantity":{"value":72.50,"unit":"kg","system":"http://unitsofmeasure.org","code":"kg"},
      "component":[{"code":{"text":"t"},"valueTime":"23:59:60.5"}]})");
}

TEST(ValidateTest, ResourceType) {
  ExpectOneIssue(R"({"id":"x"})", "", "required");
  ExpectOneIssue(R"({"resourceType":"Patientx"})", "", "invalid");
  ExpectOneIssue(R"({"resourceType":"DomainResource"})", "", "invalid");
  ExpectOneIssue(R"({"resourceType":"HumanName"})", "", "invalid");
  ExpectOneIssue(R"({"resourceType":7})", "", "structure");
  ExpectOneIssue(R"([{"resourceType":"Patient"}])", "", "structure");
}

TEST(ValidateTest, UnknownElements) {
  ExpectOneIssue(R"({"resourceType":"Patient","foo":1})", "Patient.foo", "structure");
  ExpectOneIssue(R"({"resourceType":"Patient","name":[{"famly":"x"}]})", "Patient.name[0].famly",
                 "structure");
  ExpectOneIssue(R"({"resourceType":"Patient","_foo":{"id":"a"}})", "Patient._foo", "structure");
  ExpectOneIssue(R"({"resourceType":"Bundle","type":"collection","text":{"status":"empty",
      "div":"<div xmlns=\"http://www.w3.org/1999/xhtml\">x</div>"}})",
                 "Bundle.text", "structure");
  // Bad choice suffixes.
  Issues issues = Validate(R"({"resourceType":"Observation","status":"final","code":{"text":"x"},
                               "valueFoo":1})");
  ASSERT_THAT(issues, ElementsAre(IssueAt("Observation.valueFoo", "structure")));
  EXPECT_THAT(issues[0].diagnostics, HasSubstr("valueQuantity"));
  ExpectOneIssue(R"({"resourceType":"Observation","status":"final","code":{"text":"x"},
                     "valueAddress":{"city":"x"}})",
                 "Observation.valueAddress", "structure");
  ExpectOneIssue(R"({"resourceType":"Observation","status":"final","code":{"text":"x"},
                     "value":"x"})",
                 "Observation.value", "structure");
  ExpectOneIssue(R"({"resourceType":"Observation","status":"final","code":{"text":"x"},
                     "valueString":"a","valueBoolean":true})",
                 "Observation.value", "structure");
  // resourceType is only a resource's member.
  ExpectOneIssue(R"({"resourceType":"Patient","name":[{"resourceType":"HumanName","text":"x"}]})",
                 "Patient.name[0].resourceType", "structure");
}

TEST(ValidateTest, JsonShape) {
  ExpectOneIssue(R"({"resourceType":"Patient","gender":["male"]})", "Patient.gender", "structure");
  ExpectOneIssue(R"({"resourceType":"Patient","name":{"family":"x"}})", "Patient.name",
                 "structure");
  ExpectOneIssue(R"({"resourceType":"Patient","name":[]})", "Patient.name", "structure");
  ExpectOneIssue(R"({"resourceType":"Patient","maritalStatus":{}})", "Patient.maritalStatus",
                 "structure");
  ExpectOneIssue(R"({"resourceType":"Patient","maritalStatus":"S"})", "Patient.maritalStatus",
                 "structure");
  ExpectOneIssue(R"({"resourceType":"Patient","name":[{"family":""}]})", "Patient.name[0].family",
                 "value");
  ExpectOneIssue(R"({"resourceType":"Patient","active":"true"})", "Patient.active", "structure");
  ExpectOneIssue(R"({"resourceType":"Patient","birthDate":19700101})", "Patient.birthDate",
                 "structure");
  ExpectOneIssue(R"({"resourceType":"Patient","multipleBirthInteger":"2"})",
                 "Patient.multipleBirth.ofType(integer)", "structure");
  ExpectOneIssue(R"({"resourceType":"Patient","name":[{"given":"Jo"}]})", "Patient.name[0].given",
                 "structure");
  ExpectOneIssue(R"({"resourceType":"Patient","name":[{"given":[["Jo"]]}]})",
                 "Patient.name[0].given[0]", "structure");
}

TEST(ValidateTest, NullsAndPrimitiveExtensions) {
  ExpectOneIssue(R"({"resourceType":"Patient","birthDate":null})", "Patient.birthDate",
                 "structure");
  ExpectOneIssue(R"({"resourceType":"Patient","name":[null]})", "Patient.name[0]", "structure");
  ExpectOneIssue(R"({"resourceType":"Patient","name":[{"given":["a",null]}]})",
                 "Patient.name[0].given[1]", "structure");
  ExpectOneIssue(R"({"resourceType":"Patient","name":[{"given":["a",null],"_given":[null,null]}]})",
                 "Patient.name[0].given[1]", "structure");
  ExpectOneIssue(R"({"resourceType":"Patient","name":[{"given":["a","b"],"_given":[{"id":"x"}]}]})",
                 "Patient.name[0].given", "structure");
  ExpectOneIssue(R"({"resourceType":"Patient","name":[{"_given":[{"id":"x"},null]}]})",
                 "Patient.name[0].given[1]", "structure");
  ExpectValid(R"({"resourceType":"Patient","name":[{"_given":[{"id":"x"}]}]})");
  ExpectValid(R"({"resourceType":"Patient","_birthDate":{"id":"b"}})");
  ExpectOneIssue(R"({"resourceType":"Patient","_birthDate":{}})", "Patient.birthDate", "structure");
  ExpectOneIssue(R"({"resourceType":"Patient","_birthDate":[{"id":"b"}]})", "Patient.birthDate",
                 "structure");
  ExpectOneIssue(R"({"resourceType":"Patient","_birthDate":{"value":"1970"}})",
                 "Patient.birthDate.value", "structure");
  ExpectOneIssue(R"({"resourceType":"Patient","_birthDate":{"extension":[{"valueString":"x"}]}})",
                 "Patient.birthDate.extension[0].url", "required");
  ExpectOneIssue(R"({"resourceType":"Patient","_name":[{"id":"n"}],"name":[{"text":"x"}]})",
                 "Patient.name", "structure");
  // Element ids and Extension.url are attributes in XML: no extensions on them. Resource.id is
  // an element and may have them.
  ExpectOneIssue(R"({"resourceType":"Patient","name":[{"id":"a","_id":{"id":"b"},"text":"x"}]})",
                 "Patient.name[0].id", "structure");
  ExpectOneIssue(R"({"resourceType":"Patient","extension":[{"url":"http://e","_url":{"id":"u"},
                     "valueString":"x"}]})",
                 "Patient.extension[0].url", "structure");
  ExpectValid(R"({"resourceType":"Patient","id":"a","_id":{"id":"b"}})");
}

TEST(ValidateTest, PrimitiveValues) {
  const char* kObs = R"({"resourceType":"Observation","status":"final","code":{"text":"x"},)";
  auto obs = [&](std::string rest) { return std::string(kObs) + rest + "}"; };
  ExpectOneIssue(obs(R"("valueInteger":3000000000)"), "Observation.value.ofType(integer)", "value");
  ExpectOneIssue(obs(R"("valueInteger":1.5)"), "Observation.value.ofType(integer)", "value");
  ExpectValid(obs(R"("valueInteger":-2147483648)"));
  ExpectOneIssue(obs(R"("valueInteger":-2147483649)"), "Observation.value.ofType(integer)",
                 "value");
  ExpectOneIssue(obs(R"("valueTime":"25:00:00")"), "Observation.value.ofType(time)", "value");
  ExpectOneIssue(obs(R"("valueDateTime":"2020-01-01T10:00")"), "Observation.value.ofType(dateTime)",
                 "value");
  ExpectOneIssue(obs(R"("valueDateTime":"2020-01-01T10:00:00")"),
                 "Observation.value.ofType(dateTime)", "value");
  ExpectValid(obs(R"("valueDateTime":"2020-02-29T10:00:00.123456-05:30")"));
  ExpectOneIssue(obs(R"("valueDateTime":"2021-02-29")"), "Observation.value.ofType(dateTime)",
                 "value");
  ExpectOneIssue(obs(R"("issued":"2020-01-01")"), "Observation.issued", "value");
  ExpectOneIssue(obs(R"("valueSampledData":{"origin":{"value":0},"period":1,"dimensions":0})"),
                 "Observation.value.ofType(SampledData).dimensions", "value");
  ExpectOneIssue(obs(R"("valueString":"a\u0001b")"), "Observation.value.ofType(string)", "value");
  ExpectOneIssue(obs(R"("valueBoolean":"yes")"), "Observation.value.ofType(boolean)", "structure");

  ExpectOneIssue(R"({"resourceType":"Patient","birthDate":"1970-02-30"})", "Patient.birthDate",
                 "value");
  ExpectOneIssue(R"({"resourceType":"Patient","birthDate":"1970-13"})", "Patient.birthDate",
                 "value");
  ExpectOneIssue(R"({"resourceType":"Patient","birthDate":"1970-01-01T00:00:00Z"})",
                 "Patient.birthDate", "value");
  ExpectOneIssue(R"({"resourceType":"Patient","id":"bad id!"})", "Patient.id", "value");
  ExpectOneIssue(R"({"resourceType":"Patient","id":")" + std::string(65, 'a') + R"("})",
                 "Patient.id", "value");
  ExpectOneIssue(R"({"resourceType":"Patient","implicitRules":"http://a b"})",
                 "Patient.implicitRules", "value");
  ExpectOneIssue(R"({"resourceType":"Patient","photo":[{"data":"abc"}]})", "Patient.photo[0].data",
                 "value");
  ExpectOneIssue(R"({"resourceType":"Patient","photo":[{"size":-1}]})", "Patient.photo[0].size",
                 "value");
  ExpectOneIssue(R"({"resourceType":"Patient","language":" en"})", "Patient.language", "value");
  ExpectOneIssue(
      R"({"resourceType":"Patient","extension":[{"url":"http://e","valueOid":"1.2.3"}]})",
      "Patient.extension[0].value.ofType(oid)", "value");
  ExpectOneIssue(R"({"resourceType":"Patient","extension":[{"url":"http://e",
                     "valueUuid":"urn:uuid:0C3151BD-1CBF-4D64-B04D-CD9187A4C6E0"}]})",
                 "Patient.extension[0].value.ofType(uuid)", "value");
  ExpectOneIssue(
      R"({"resourceType":"Appointment","status":"booked","participant":[{"status":"accepted",
                     "actor":{"display":"x"}}],"minutesDuration":0})",
      "Appointment.minutesDuration", "value");
  ExpectOneIssue(R"({"resourceType":"Bundle","type":"searchset","total":-1})", "Bundle.total",
                 "value");
}

TEST(ValidateTest, Cardinality) {
  Issues issues = Validate(R"({"resourceType":"Observation"})");
  EXPECT_THAT(issues, ElementsAre(IssueAt("Observation.status", "required"),
                                  IssueAt("Observation.code", "required")))
      << Describe(issues);
  ExpectOneIssue(R"({"resourceType":"Patient","link":[{"type":"seealso"}]})",
                 "Patient.link[0].other", "required");
  ExpectOneIssue(R"({"resourceType":"Questionnaire","status":"draft","item":[{"linkId":"1",
                     "type":"group","item":[{"type":"string"}]}]})",
                 "Questionnaire.item[0].item[0].linkId", "required");
  ExpectOneIssue(
      R"({"resourceType":"Patient","text":{"div":"<div xmlns=\"http://www.w3.org/1999/xhtml\">x</div>"}})",
      "Patient.text.status", "required");
}

TEST(ValidateTest, RequiredBindings) {
  Issues issues = Validate(R"({"resourceType":"Patient","gender":"bogus"})");
  ASSERT_THAT(issues, ElementsAre(IssueAt("Patient.gender", "code-invalid")));
  EXPECT_THAT(issues[0].diagnostics, HasSubstr("administrative-gender"));
  ExpectOneIssue(R"({"resourceType":"Observation","status":"done","code":{"text":"x"}})",
                 "Observation.status", "code-invalid");
  ExpectOneIssue(R"({"resourceType":"Patient","contact":[{"gender":"Male"}]})",
                 "Patient.contact[0].gender", "code-invalid");
  // Bindings the registry cannot enumerate (MIME types) accept any code.
  ExpectValid(R"({"resourceType":"Patient","photo":[{"contentType":"application/x-anything"}]})");
  // CodeableConcept with a required binding.
  const char* kCondition = R"({"resourceType":"Condition","subject":{"reference":"Patient/1"},)";
  ExpectValid(std::string(kCondition) + R"("clinicalStatus":{"coding":[{"system":
      "http://terminology.hl7.org/CodeSystem/condition-clinical","code":"active"}]}})");
  ExpectOneIssue(std::string(kCondition) + R"("clinicalStatus":{"coding":[{"system":
      "http://terminology.hl7.org/CodeSystem/condition-clinical","code":"gone"}]}})",
                 "Condition.clinicalStatus", "code-invalid");
  ExpectOneIssue(std::string(kCondition) + R"("clinicalStatus":{"text":"active"}})",
                 "Condition.clinicalStatus", "code-invalid");
}

TEST(ValidateTest, References) {
  auto obs = [](std::string ref) {
    return R"({"resourceType":"Observation","status":"final","code":{"text":"x"},"subject":{"reference":")" +
           ref + R"("}})";
  };
  for (const char* ok : {"Patient/123", "Group/g.1", "Patient/1/_history/2", "#p1", "#",
                         "urn:uuid:0c3151bd-1cbf-4d64-b04d-cd9187a4c6e0", "urn:oid:1.2.3.4",
                         "http://example.org/fhir/Patient/1", "Patient?identifier=x|1"}) {
    ExpectValid(obs(ok));
  }
  ExpectOneIssue(obs("Observation/1"), "Observation.subject.reference", "invalid");
  for (const char* bad : {"Patient/bad id", "Foo/123", "Patient", "Patient/1/_history",
                          "Patient/1/x/2", "urn:uuid:nope", "urn:oid:x", "#bad id", "Patient/"}) {
    ExpectOneIssue(obs(bad), "Observation.subject.reference", "value");
  }
  // Reference(Any) allows every type.
  ExpectValid(R"({"resourceType":"Observation","status":"final","code":{"text":"x"},
                  "focus":[{"reference":"Observation/2"}]})");
}

TEST(ValidateTest, ContainedAndBundles) {
  ExpectOneIssue(R"({"resourceType":"Observation","status":"final","code":{"text":"x"},
                     "contained":[{"resourceType":"Patient","id":"p","foo":1}]})",
                 "Observation.contained[0].foo", "structure");
  ExpectOneIssue(R"({"resourceType":"Observation","status":"final","code":{"text":"x"},
                     "contained":[{"id":"p"}]})",
                 "Observation.contained[0]", "required");
  ExpectOneIssue(R"({"resourceType":"Observation","status":"final","code":{"text":"x"},
                     "contained":[{"resourceType":"Patient","id":"p",
                        "contained":[{"resourceType":"Patient","id":"q"}]}]})",
                 "Observation.contained[0].contained", "invalid");
  ExpectOneIssue(R"({"resourceType":"Observation","status":"final","code":{"text":"x"},
                     "contained":[{"resourceType":"Patient","id":"p","meta":{"versionId":"1"}}]})",
                 "Observation.contained[0].meta", "invalid");
  ExpectOneIssue(R"({"resourceType":"Bundle","type":"collection","entry":[
                     {"fullUrl":"urn:uuid:0c3151bd-1cbf-4d64-b04d-cd9187a4c6e0",
                      "resource":{"resourceType":"Patient"}},
                     {"resource":{"resourceType":"Patient","gender":"x"}}]})",
                 "Bundle.entry[1].resource.gender", "code-invalid");
  ExpectOneIssue(R"({"resourceType":"Bundle","type":"collection","entry":[{"resource":{}}]})",
                 "Bundle.entry[0].resource", "required");
  ExpectOneIssue(R"({"resourceType":"Parameters","parameter":[{"name":"p","resource":
                     {"resourceType":"Resource"}}]})",
                 "Parameters.parameter[0].resource", "invalid");
}

TEST(ValidateTest, Extensions) {
  ExpectOneIssue(R"({"resourceType":"Patient","extension":[{"valueString":"x"}]})",
                 "Patient.extension[0].url", "required");
  ExpectOneIssue(R"({"resourceType":"Patient","extension":[{"url":"http://e"}]})",
                 "Patient.extension[0]", "invalid");
  ExpectOneIssue(R"({"resourceType":"Patient","extension":[{"url":"http://e","valueString":"x",
                     "extension":[{"url":"a","valueString":"y"}]}]})",
                 "Patient.extension[0]", "invalid");
  ExpectOneIssue(R"({"resourceType":"Patient","modifierExtension":[{"url":"http://e",
                     "valueString":"x","valueBoolean":true}]})",
                 "Patient.modifierExtension[0].value", "structure");
  ExpectOneIssue(R"({"resourceType":"Patient","name":[{"extension":[{"url":"http://e",
                     "extension":[{"url":"a"}]}]}]})",
                 "Patient.name[0].extension[0].extension[0]", "invalid");
  ExpectOneIssue(R"({"resourceType":"Patient","maritalStatus":{"id":"x"}})",
                 "Patient.maritalStatus", "invalid");
}

TEST(ValidateTest, Narrative) {
  auto patient = [](std::string div) {
    std::string escaped;
    for (char c : div) {
      if (c == '"') escaped += '\\';
      escaped += c;
    }
    return R"({"resourceType":"Patient","text":{"status":"generated","div":")" + escaped + R"("}})";
  };
  const std::string kNs = R"( xmlns="http://www.w3.org/1999/xhtml")";
  ExpectValid(patient("<div" + kNs + "><table><tr><td>a</td></tr></table></div>"));
  ExpectValid(patient("<div" + kNs + "><img src=\"#x\" alt=\"\"/></div>"));
  ExpectValid(patient("<xhtml:div xmlns:xhtml=\"http://www.w3.org/1999/xhtml\">x</xhtml:div>"));
  for (const std::string& bad : {
           std::string("<div>no namespace</div>"),
           std::string("<p") + kNs + ">not a div</p>",
           "<div" + kNs + "><script>alert(1)</script>x</div>",
           "<div" + kNs + "><p onclick=\"x()\">x</p></div>",
           "<div" + kNs + "><a href=\" JavaScript:alert(1)\">x</a></div>",
           "<div" + kNs + "><iframe src=\"http://e\"/>x</div>",
           "<div" + kNs + "><object data=\"x\"/>x</div>",
           "<div" + kNs + "><embed src=\"x\"/>x</div>",
           "<div" + kNs + "><form>x</form></div>",
           "<div" + kNs + "><p>unclosed</div>",
           "<div" + kNs + ">a&nbsp;b</div>",
           "<div" + kNs + ">   </div>",
           "<div" + kNs + ">x</div><div" + kNs + ">y</div>",
       }) {
    Issues issues = Validate(patient(bad));
    EXPECT_THAT(issues, ElementsAre(IssueAt("Patient.text.div", "invalid"))) << bad << "\n"
                                                                             << Describe(issues);
  }
}

TEST(ValidateTest, ReportsEveryProblem) {
  Issues issues = Validate(R"({"resourceType":"Patient","id":"a b","gender":"x","foo":1,
      "name":[{"given":["ok",""]}],"birthDate":"1970-1-1",
      "contact":[{"gender":"y"},{"name":{"family":7}}]})");
  EXPECT_THAT(
      issues,
      ElementsAre(IssueAt("Patient.id", "value"), IssueAt("Patient.gender", "code-invalid"),
                  IssueAt("Patient.foo", "structure"), IssueAt("Patient.name[0].given[1]", "value"),
                  IssueAt("Patient.birthDate", "value"),
                  IssueAt("Patient.contact[0].gender", "code-invalid"),
                  IssueAt("Patient.contact[1].name.family", "structure")))
      << Describe(issues);
  for (const Issue& i : issues) EXPECT_FALSE(i.diagnostics.empty());
  EXPECT_TRUE(HasErrors(issues));
  EXPECT_STREQ(SeverityCode(issues[0].severity), "error");
}

// The hand-written primitive checkers agree with the spec's regular expressions (from the
// registry), beyond which they also check calendar dates and the 32-bit integer range, and
// accept Unicode spaces in strings (ECMAScript's \s would reject a no-break space).
TEST(ValidateTest, PrimitiveCheckersAgreeWithSpecRegexes) {
  const Definitions& defs = Defs();
  struct Case {
    const char* type;
    std::vector<const char*> valid;
    std::vector<const char*> invalid;
  };
  std::vector<Case> cases = {
      {"boolean", {"true", "false"}, {"True", "1"}},
      {"integer", {"0", "-1", "2147483647", "-0"}, {"01", "1.0", "1e2", "+1", ""}},
      {"positiveInt", {"1", "42"}, {"0", "-1", "01"}},
      {"unsignedInt", {"0", "42"}, {"-1", "00"}},
      {"decimal", {"0", "-1.50", "1e-3", "6.02E23", "0.0"}, {"01", "1.", ".5", "1e", "+1"}},
      {"date",
       {"2024", "2024-02", "2024-02-29", "0001"},
       {"0000", "2024-13", "2024-1-01", "2024-02-32", "24", "2024-02-01T"}},
      {"dateTime",
       {"2024", "2024-06-01T10:11:12Z", "2024-06-01T10:11:12.1+14:00", "2024-06-01T23:59:60-03:30"},
       {"2024-06-01T10:11", "2024-06-01T10:11:12", "2024-06-01T24:00:00Z",
        "2024-06-01T10:11:12+15:00", "2024-06T10:11:12Z", "2024-06-01 10:11:12Z"}},
      {"instant",
       {"2024-06-01T10:11:12Z", "2024-06-01T10:11:12.123456+01:00"},
       {"2024-06-01", "2024-06-01T10:11:12", "2024"}},
      {"time", {"00:00:00", "23:59:59.999"}, {"24:00:00", "10:11", "10:11:12Z", "1:02:03"}},
      {"id",
       {"a", "A-1.b", "0123456789012345678901234567890123456789012345678901234567890123"},
       {"a b", "a_b", "01234567890123456789012345678901234567890123456789012345678901234", "é"}},
      {"code", {"a", "a b", "http://x"}, {" a", "a ", "a  b", ""}},
      {"uri", {"http://x", "urn:a:b", "x"}, {"a b", "a\tb"}},
      {"oid",
       {"urn:oid:1.2.3", "urn:oid:2.16.840.1"},
       {"1.2.3", "urn:oid:3.1", "urn:oid:1.02", "urn:oid:1"}},
      {"uuid",
       {"urn:uuid:0c3151bd-1cbf-4d64-b04d-cd9187a4c6e0"},
       {"urn:uuid:0C3151BD-1CBF-4D64-B04D-CD9187A4C6E0", "0c3151bd-1cbf-4d64-b04d-cd9187a4c6e0",
        "urn:uuid:0c3151bd1cbf4d64b04dcd9187a4c6e0"}},
      {"base64Binary", {"aGVsbG8=", "aGVs bG8=", "  QUJD  "}, {"abc", "ab cd", "a*bc"}},
      {"string", {"x", " padded ", "tab\tand\nnewline"}, {"", "a\x01"}},
  };
  for (const Case& c : cases) {
    const TypeDef* td = defs.FindType(c.type);
    ASSERT_NE(td, nullptr) << c.type;
    ASSERT_FALSE(td->regex.empty()) << c.type;
    std::regex spec(td->regex, std::regex::ECMAScript);
    for (const char* v : c.valid) {
      EXPECT_EQ(CheckPrimitiveText(defs, c.type, v), "") << c.type << " " << v;
      EXPECT_TRUE(std::regex_match(v, spec)) << c.type << " regex rejects " << v;
    }
    for (const char* v : c.invalid) {
      EXPECT_NE(CheckPrimitiveText(defs, c.type, v), "") << c.type << " accepts " << v;
    }
  }
  // Stricter than the expressions: real dates, 32-bit range.
  EXPECT_NE(CheckPrimitiveText(defs, "date", "2023-02-29"), "");
  EXPECT_EQ(CheckPrimitiveText(defs, "date", "2000-02-29"), "");
  EXPECT_NE(CheckPrimitiveText(defs, "integer", "2147483648"), "");
  EXPECT_EQ(CheckPrimitiveText(defs, "NotAType", "anything"), "");
}

// ---------------------------------------------------------------------------------------------
// Every example resource the spec ships.

struct KnownInvalid {
  std::map<std::string, std::string> reasons;  // file -> why
};

KnownInvalid ReadKnownInvalid() {
  KnownInvalid known;
  std::ifstream in(std::string(TC_SOURCE_DIR) + "/src/fhir/testdata/known-invalid-examples.txt");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    size_t space = line.find_first_of(" \t");
    std::string file = line.substr(0, space);
    std::string reason = space == std::string::npos ? "" : line.substr(space + 1);
    known.reasons[file] = reason;
  }
  return known;
}

TEST(ValidateTest, SpecExamples) {
  const std::filesystem::path dir =
      std::filesystem::path(TC_NODE_MODULES_DIR) / "hl7.fhir.r4.examples";
  ASSERT_TRUE(std::filesystem::is_directory(dir)) << dir;
  const KnownInvalid known = ReadKnownInvalid();
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::string name = entry.path().filename().string();
    if (entry.path().extension() == ".json" && name != "package.json") files.push_back(name);
  }
  std::sort(files.begin(), files.end());

  int validated = 0, passed = 0, known_failed = 0;
  std::vector<std::string> unexpected_failures, unexpected_passes;
  std::chrono::steady_clock::duration validating{};
  size_t bytes = 0;
  for (const std::string& name : files) {
    std::ifstream in(dir / name, std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    absl::StatusOr<Value> v = ParseJson(buffer.str());
    ASSERT_TRUE(v.ok()) << name << ": " << v.status();
    if (!v->is_object() || v->Find("resourceType") == nullptr) continue;  // not a resource
    ++validated;
    bytes += buffer.str().size();
    auto start = std::chrono::steady_clock::now();
    Issues issues = ValidateResource(Defs(), *v);
    validating += std::chrono::steady_clock::now() - start;
    bool ok = !HasErrors(issues);
    bool listed = known.reasons.contains(name);
    if (ok) ++passed;
    if (!ok && listed) ++known_failed;
    if (!ok && !listed) {
      std::string first =
          name + "\n" +
          Describe(Issues(issues.begin(), issues.begin() + std::min<size_t>(issues.size(), 5)));
      unexpected_failures.push_back(first);
    }
    if (ok && listed) unexpected_passes.push_back(name);
  }
  double seconds = std::chrono::duration<double>(validating).count();
  std::printf(
      "spec examples: %d validated, %d pass, %d known invalid, %zu unexpected failures "
      "(validation %.2f s for %.1f MB of JSON)\n",
      validated, passed, known_failed, unexpected_failures.size(), seconds,
      static_cast<double>(bytes) / 1e6);
  EXPECT_GT(validated, 2000);
  for (const std::string& f : unexpected_failures) ADD_FAILURE() << "unexpectedly invalid: " << f;
  for (const std::string& f : unexpected_passes) {
    ADD_FAILURE() << f << " is listed in known-invalid-examples.txt but now passes: remove it";
  }
  for (const auto& [file, reason] : known.reasons) {
    EXPECT_TRUE(std::find(files.begin(), files.end(), file) != files.end())
        << file << " is listed in known-invalid-examples.txt but is not in the package";
    EXPECT_FALSE(reason.empty()) << file << " needs a reason in known-invalid-examples.txt";
  }
}

}  // namespace
}  // namespace tc::fhir
