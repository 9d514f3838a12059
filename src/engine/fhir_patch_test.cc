#include "engine/fhir_patch.h"

#include <cstddef>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "fhir/definitions.h"
#include "fhir/json.h"
#include "fhir/testing/known_failures.h"
#include "fhir/testing/shared_definitions.h"
#include "fhir/value.h"
#include "fhir/xml.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pugixml.hpp"

namespace tc::engine {
namespace {

using fhir::Definitions;
using fhir::ParseJson;
using fhir::Value;
using fhir::WriteJson;
using ::testing::HasSubstr;

const Definitions& Defs() {
  static const Definitions* const defs = [] {
    absl::StatusOr<std::unique_ptr<Definitions>> d = Definitions::LoadEmbedded();
    EXPECT_TRUE(d.ok()) << d.status();
    return d.ok() ? d->release() : nullptr;
  }();
  return *defs;
}

Value Json(const std::string& text) {
  absl::StatusOr<Value> v = ParseJson(text);
  EXPECT_TRUE(v.ok()) << v.status() << " in " << text;
  return v.ok() ? *std::move(v) : Value();
}

// A Parameters resource holding the given operation parameters (JSON objects, comma separated).
std::string Params(const std::string& operations) {
  return R"({"resourceType":"Parameters","parameter":[)" + operations + "]}";
}

// One operation parameter from its parts (JSON objects, comma separated).
std::string Op(const std::string& parts) {
  return R"({"name":"operation","part":[)" + parts + "]}";
}

std::string Type(const std::string& t) { return R"({"name":"type","valueCode":")" + t + R"("})"; }
std::string Path(const std::string& p) {
  std::string quoted;
  fhir::AppendJsonString(p, quoted);
  return R"({"name":"path","valueString":)" + quoted + "}";
}
std::string Name(const std::string& n) { return R"({"name":"name","valueString":")" + n + R"("})"; }
// `value` is the rest of the part object: `"valueString":"x"` or `"part":[...]`.
std::string ValuePart(const std::string& value) { return R"({"name":"value",)" + value + "}"; }
std::string IntPart(const std::string& name, int i) {
  return R"({"name":")" + name + R"(","valueInteger":)" + std::to_string(i) + "}";
}

// Applies the FHIR Patch `params` to `doc`; returns the compact result or the error, checking
// that a failed patch leaves the target untouched.
absl::StatusOr<std::string> Patch(const std::string& doc, const std::string& params,
                                  const FhirPatchOptions& options = {}) {
  Value target = Json(doc);
  const Value before = target;
  absl::Status s = ApplyFhirPatch(Defs(), Json(params), target, options);
  if (!s.ok()) {
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
    EXPECT_EQ(WriteJson(target), WriteJson(before)) << "target changed on error";
    return s;
  }
  return WriteJson(target);
}

std::string PatchError(const std::string& doc, const std::string& params,
                       const FhirPatchOptions& options = {}) {
  absl::StatusOr<std::string> r = Patch(doc, params, options);
  EXPECT_FALSE(r.ok()) << "unexpectedly succeeded: " << *r;
  return r.ok() ? "" : std::string(r.status().message());
}

// Expects the patch to succeed with a result equal (fhir::Value equality: member order ignored)
// to `expected`.
#define EXPECT_FHIR_PATCH(doc, params, expected)                                  \
  do {                                                                            \
    absl::StatusOr<std::string> r_ = Patch(doc, params);                          \
    ASSERT_TRUE(r_.ok()) << r_.status();                                          \
    EXPECT_TRUE(Json(*r_) == Json(expected)) << *r_ << "\nexpected " << expected; \
  } while (false)

// --- add -----------------------------------------------------------------------------------------

TEST(FhirPatchTest, AddPrimitiveAndComplex) {
  EXPECT_FHIR_PATCH(R"({"resourceType":"Patient"})",
                    Params(Op(Type("add") + "," + Path("Patient") + "," + Name("birthDate") + "," +
                              ValuePart(R"("valueDate":"1930-01-01")"))),
                    R"({"resourceType":"Patient","birthDate":"1930-01-01"})");
  EXPECT_FHIR_PATCH(R"({"resourceType":"Patient"})",
                    Params(Op(Type("add") + "," + Path("Patient") + "," + Name("active") + "," +
                              ValuePart(R"("valueBoolean":true)"))),
                    R"({"resourceType":"Patient","active":true})");
  EXPECT_FHIR_PATCH(R"({"resourceType":"Patient"})",
                    Params(Op(Type("add") + "," + Path("Patient") + "," + Name("maritalStatus") +
                              "," + ValuePart(R"("valueCodeableConcept":{"text":"married"})"))),
                    R"({"resourceType":"Patient","maritalStatus":{"text":"married"}})");
}

TEST(FhirPatchTest, AddAppendsToAList) {
  EXPECT_FHIR_PATCH(R"({"resourceType":"Patient","name":[{"family":"A","given":["x"]}]})",
                    Params(Op(Type("add") + "," + Path("Patient.name[0]") + "," + Name("given") +
                              "," + ValuePart(R"("valueString":"y")"))),
                    R"({"resourceType":"Patient","name":[{"family":"A","given":["x","y"]}]})");
  EXPECT_FHIR_PATCH(R"({"resourceType":"Patient","identifier":[{"value":"1"}]})",
                    Params(Op(Type("add") + "," + Path("Patient") + "," + Name("identifier") + "," +
                              ValuePart(R"("valueIdentifier":{"value":"2"})"))),
                    R"({"resourceType":"Patient","identifier":[{"value":"1"},{"value":"2"}]})");
}

TEST(FhirPatchTest, AddChoiceElementTakesTheValueType) {
  // Adding "value" to an extension gives valueString / valueCode... after the value's type.
  EXPECT_FHIR_PATCH(
      R"({"resourceType":"Patient","extension":[{"url":"http://x"}]})",
      Params(Op(Type("add") + "," + Path("Patient.extension[0]") + "," + Name("value") + "," +
                ValuePart(R"("valueString":"hello")"))),
      R"({"resourceType":"Patient","extension":[{"url":"http://x","valueString":"hello"}]})");
  EXPECT_FHIR_PATCH(R"({"resourceType":"Observation","status":"final","code":{"text":"c"}})",
                    Params(Op(Type("add") + "," + Path("Observation") + "," + Name("value") + "," +
                              ValuePart(R"("valueQuantity":{"value":1.50,"unit":"mg"})"))),
                    R"({"resourceType":"Observation","status":"final","code":{"text":"c"},)"
                    R"("valueQuantity":{"value":1.50,"unit":"mg"}})");
  // The JSON name works too, and must agree with the value.
  EXPECT_FHIR_PATCH(R"({"resourceType":"Patient"})",
                    Params(Op(Type("add") + "," + Path("Patient") + "," + Name("deceasedBoolean") +
                              "," + ValuePart(R"("valueBoolean":false)"))),
                    R"({"resourceType":"Patient","deceasedBoolean":false})");
  EXPECT_THAT(
      PatchError(R"({"resourceType":"Patient"})",
                 Params(Op(Type("add") + "," + Path("Patient") + "," + Name("deceasedDateTime") +
                           "," + ValuePart(R"("valueBoolean":false)")))),
      HasSubstr("a boolean value cannot be used for Patient.deceased[x] (dateTime)"));
  EXPECT_THAT(PatchError(R"({"resourceType":"Patient"})",
                         Params(Op(Type("add") + "," + Path("Patient") + "," + Name("deceased") +
                                   "," + ValuePart(R"("valueString":"x")")))),
              HasSubstr("a string value cannot be used for Patient.deceased[x] (boolean or "
                        "dateTime)"));
}

TEST(FhirPatchTest, AddAnonymousTypeFromParts) {
  EXPECT_FHIR_PATCH(
      R"({"resourceType":"Patient"})",
      Params(Op(Type("add") + "," + Path("Patient") + "," + Name("contact") + "," +
                ValuePart(R"("part":[{"name":"name","valueHumanName":{"text":"a name"}},)"
                          R"({"name":"gender","valueCode":"male"},)"
                          R"({"name":"telecom","valueContactPoint":{"value":"1"}},)"
                          R"({"name":"telecom","valueContactPoint":{"value":"2"}}])"))),
      R"({"resourceType":"Patient","contact":[{"name":{"text":"a name"},"gender":"male",)"
      R"("telecom":[{"value":"1"},{"value":"2"}]}]})");
  // Nested backbone elements, and a complex datatype built from parts.
  EXPECT_FHIR_PATCH(R"({"resourceType":"Patient"})",
                    Params(Op(Type("add") + "," + Path("Patient") + "," + Name("name") + "," +
                              ValuePart(R"("part":[{"name":"family","valueString":"F"},)"
                                        R"({"name":"given","valueString":"G1"},)"
                                        R"({"name":"given","valueString":"G2"}])"))),
                    R"({"resourceType":"Patient","name":[{"family":"F","given":["G1","G2"]}]})");
  EXPECT_THAT(
      PatchError(R"({"resourceType":"Patient"})",
                 Params(Op(Type("add") + "," + Path("Patient") + "," + Name("contact") + "," +
                           ValuePart(R"("part":[{"name":"nope","valueString":"x"}])")))),
      HasSubstr("Patient.contact has no element \"nope\""));
  EXPECT_THAT(
      PatchError(R"({"resourceType":"Patient"})",
                 Params(Op(Type("add") + "," + Path("Patient") + "," + Name("contact") + "," +
                           ValuePart(R"("part":[{"name":"gender","valueCode":"male"},)"
                                     R"({"name":"gender","valueCode":"female"}])")))),
      HasSubstr("\"gender\" is given more than once, but does not repeat"));
  EXPECT_THAT(PatchError(R"({"resourceType":"Patient"})",
                         Params(Op(Type("add") + "," + Path("Patient") + "," + Name("contact") +
                                   "," + ValuePart(R"("part":[])")))),
              HasSubstr("has no content"));
  EXPECT_THAT(
      PatchError(R"({"resourceType":"Patient"})",
                 Params(Op(Type("add") + "," + Path("Patient") + "," + Name("gender") + "," +
                           ValuePart(R"("part":[{"name":"id","valueString":"x"}])")))),
      HasSubstr("nested parts can only build a complex value"));
}

TEST(FhirPatchTest, AddPrimitiveWithExtensionsKeepsArraysAligned) {
  EXPECT_FHIR_PATCH(R"({"resourceType":"Patient","name":[{"given":["a","b"]}]})",
                    Params(Op(Type("add") + "," + Path("Patient.name[0]") + "," + Name("given") +
                              "," + ValuePart(R"("valueString":"c","_valueString":{"id":"x"})"))),
                    R"({"resourceType":"Patient",)"
                    R"("name":[{"given":["a","b","c"],"_given":[null,null,{"id":"x"}]}]})");
  EXPECT_FHIR_PATCH(
      R"({"resourceType":"Patient","name":[{"given":["a"],"_given":[{"id":"1"}]}]})",
      Params(Op(Type("add") + "," + Path("Patient.name[0]") + "," + Name("given") + "," +
                ValuePart(R"("valueString":"b")"))),
      R"({"resourceType":"Patient","name":[{"given":["a","b"],"_given":[{"id":"1"},null]}]})");
  // Extension-only primitive value.
  EXPECT_FHIR_PATCH(
      R"({"resourceType":"Patient"})",
      Params(Op(Type("add") + "," + Path("Patient") + "," + Name("birthDate") + "," +
                ValuePart(R"("_valueDate":{"extension":[{"url":"http://x","valueCode":"unk"}]})"))),
      R"({"resourceType":"Patient",)"
      R"("_birthDate":{"extension":[{"url":"http://x","valueCode":"unk"}]}})");
}

TEST(FhirPatchTest, AddToAPrimitiveGoesToItsExtensions) {
  EXPECT_FHIR_PATCH(
      R"({"resourceType":"Patient","birthDate":"1970"})",
      Params(Op(Type("add") + "," + Path("Patient.birthDate") + "," + Name("extension") + "," +
                ValuePart(R"("part":[{"name":"url","valueUri":"http://x"},)"
                          R"({"name":"value","valueString":"y"}])"))),
      R"({"resourceType":"Patient","birthDate":"1970",)"
      R"("_birthDate":{"extension":[{"url":"http://x","valueString":"y"}]}})");
  EXPECT_FHIR_PATCH(
      R"({"resourceType":"Patient","name":[{"given":["a","b"]}]})",
      Params(Op(Type("add") + "," + Path("Patient.name[0].given[1]") + "," + Name("id") + "," +
                ValuePart(R"("valueString":"g2")"))),
      R"({"resourceType":"Patient","name":[{"given":["a","b"],"_given":[null,{"id":"g2"}]}]})");
  EXPECT_THAT(PatchError(R"({"resourceType":"Patient","birthDate":"1970"})",
                         Params(Op(Type("add") + "," + Path("Patient.birthDate") + "," +
                                   Name("value") + "," + ValuePart(R"("valueDate":"1971")")))),
              HasSubstr("use replace"));
}

TEST(FhirPatchTest, AddContainedResource) {
  EXPECT_FHIR_PATCH(
      R"({"resourceType":"Patient"})",
      Params(
          Op(Type("add") + "," + Path("Patient") + "," + Name("contained") + "," +
             R"({"name":"value","resource":{"resourceType":"Organization","id":"o","name":"O"}})")),
      R"({"resourceType":"Patient",)"
      R"("contained":[{"resourceType":"Organization","id":"o","name":"O"}]})");
  // And then into it (contexts follow the contained resource's type).
  EXPECT_FHIR_PATCH(
      R"({"resourceType":"Patient","contained":[{"resourceType":"Organization","id":"o"}]})",
      Params(Op(Type("add") + "," + Path("Patient.contained[0]") + "," + Name("name") + "," +
                ValuePart(R"("valueString":"O")"))),
      R"({"resourceType":"Patient",)"
      R"("contained":[{"resourceType":"Organization","id":"o","name":"O"}]})");
}

TEST(FhirPatchTest, AddErrors) {
  const std::string doc = R"({"resourceType":"Patient","identifier":[{"use":"official"}],)"
                          R"("gender":"male","name":[{"family":"a"},{"family":"b"}]})";
  EXPECT_EQ(
      PatchError(doc, Params(Op(Type("add") + "," +
                                Path("Patient.identifier.where(use = 'official').period") + "," +
                                Name("end") + "," + ValuePart(R"("valueDateTime":"2021-12-01")")))),
      "FHIR Patch operation 0 (add \"Patient.identifier.where(use = 'official').period\"): "
      "the path matched no element (add needs exactly one)");
  EXPECT_THAT(PatchError(doc, Params(Op(Type("add") + "," + Path("Patient.name") + "," +
                                        Name("family") + "," + ValuePart(R"("valueString":"x")")))),
              HasSubstr("the path matched 2 elements (add needs exactly one)"));
  EXPECT_THAT(PatchError(doc, Params(Op(Type("add") + "," + Path("Patient") + "," + Name("gender") +
                                        "," + ValuePart(R"("valueCode":"female")")))),
              HasSubstr("\"gender\" is already present at Patient and does not repeat"));
  EXPECT_THAT(
      PatchError(doc, Params(Op(Type("add") + "," + Path("Patient") + "," + Name("nickname") + "," +
                                ValuePart(R"("valueString":"x")")))),
      HasSubstr("has no child element \"nickname\""));
  EXPECT_THAT(
      PatchError(doc, Params(Op(Type("add") + "," + Path("Patient") + "," + Name("birthDate") +
                                "," + ValuePart(R"("valueBoolean":true)")))),
      HasSubstr("a boolean value cannot be used for Patient.birthDate (date)"));
  EXPECT_THAT(
      PatchError(doc, Params(Op(Type("add") + "," + Path("Patient") + "," + Name("maritalStatus") +
                                "," + ValuePart(R"("valueCoding":{"code":"M"})")))),
      HasSubstr("a Coding value cannot be used for Patient.maritalStatus"));
  EXPECT_THAT(PatchError(doc, Params(Op(Type("add") + "," + Path("'text'") + "," + Name("gender") +
                                        "," + ValuePart(R"("valueCode":"x")")))),
              HasSubstr("not an element of the resource"));
  EXPECT_THAT(
      PatchError(doc, Params(Op(Type("add") + "," + Path("Patient") + "," + Name("birthDate")))),
      HasSubstr("missing part \"value\""));
  EXPECT_THAT(PatchError(doc, Params(Op(Type("add") + "," + Path("Patient") + "," +
                                        ValuePart(R"("valueDate":"2000")")))),
              HasSubstr("missing part \"name\""));
}

// --- insert --------------------------------------------------------------------------------------

TEST(FhirPatchTest, Insert) {
  const std::string doc =
      R"({"resourceType":"Patient","identifier":[{"value":"1"},{"value":"2"}]})";
  auto insert = [](int index) {
    return Params(Op(Type("insert") + "," + Path("Patient.identifier") + "," +
                     IntPart("index", index) + "," +
                     ValuePart(R"("valueIdentifier":{"value":"3"})")));
  };
  EXPECT_FHIR_PATCH(doc, insert(0),
                    R"({"resourceType":"Patient","identifier":[{"value":"3"},{"value":"1"},)"
                    R"({"value":"2"}]})");
  EXPECT_FHIR_PATCH(doc, insert(1),
                    R"({"resourceType":"Patient","identifier":[{"value":"1"},{"value":"3"},)"
                    R"({"value":"2"}]})");
  EXPECT_FHIR_PATCH(doc, insert(2),
                    R"({"resourceType":"Patient","identifier":[{"value":"1"},{"value":"2"},)"
                    R"({"value":"3"}]})");
  EXPECT_THAT(PatchError(doc, insert(3)),
              HasSubstr("index 3 is out of range: the list has 2 items"));
}

TEST(FhirPatchTest, InsertPrimitivesKeepsExtensionsAligned) {
  EXPECT_FHIR_PATCH(
      R"({"resourceType":"Patient","name":[{"given":["a","b"],"_given":[null,{"id":"b"}]}]})",
      Params(Op(Type("insert") + "," + Path("Patient.name.given") + "," + IntPart("index", 1) +
                "," + ValuePart(R"("valueString":"x")"))),
      R"({"resourceType":"Patient",)"
      R"("name":[{"given":["a","x","b"],"_given":[null,null,{"id":"b"}]}]})");
}

TEST(FhirPatchTest, InsertIntoAnEmptyList) {
  EXPECT_FHIR_PATCH(
      R"({"resourceType":"Patient"})",
      Params(Op(Type("insert") + "," + Path("Patient.identifier") + "," + IntPart("index", 0) +
                "," + ValuePart(R"("valueIdentifier":{"value":"1"})"))),
      R"({"resourceType":"Patient","identifier":[{"value":"1"}]})");
  EXPECT_FHIR_PATCH(R"({"resourceType":"Patient","name":[{"family":"f"}]})",
                    Params(Op(Type("insert") + "," + Path("Patient.name[0].given") + "," +
                              IntPart("index", 0) + "," + ValuePart(R"("valueString":"g")"))),
                    R"({"resourceType":"Patient","name":[{"family":"f","given":["g"]}]})");
  EXPECT_THAT(PatchError(R"({"resourceType":"Patient"})",
                         Params(Op(Type("insert") + "," + Path("Patient.identifier") + "," +
                                   IntPart("index", 1) + "," +
                                   ValuePart(R"("valueIdentifier":{"value":"1"})")))),
              HasSubstr("index 1 is out of range: the list has 0 items"));
  EXPECT_THAT(
      PatchError(
          R"({"resourceType":"Patient"})",
          Params(Op(Type("insert") + "," + Path("Patient.identifier.where(value = '1')") + "," +
                    IntPart("index", 0) + "," + ValuePart(R"("valueIdentifier":{"value":"1"})")))),
      HasSubstr("to insert into an empty list, give the path as <parent>.<element>"));
  EXPECT_THAT(PatchError(R"({"resourceType":"Patient","name":[{"family":"a"},{"family":"b"}]})",
                         Params(Op(Type("insert") + "," + Path("Patient.name.given") + "," +
                                   IntPart("index", 0) + "," + ValuePart(R"("valueString":"g")")))),
              HasSubstr("its parent \"Patient.name\" matched 2 elements"));
  EXPECT_THAT(
      PatchError(R"({"resourceType":"Patient"})",
                 Params(Op(Type("insert") + "," + Path("Patient.birthDate") + "," +
                           IntPart("index", 0) + "," + ValuePart(R"("valueDate":"2000")")))),
      HasSubstr("Patient.birthDate is not a list"));
}

TEST(FhirPatchTest, InsertNeedsAWholeList) {
  const std::string doc = R"({"resourceType":"Patient","identifier":[{"value":"1"},{"value":"2"}],)"
                          R"("birthDate":"2000"})";
  EXPECT_THAT(PatchError(doc, Params(Op(Type("insert") + "," + Path("Patient.identifier[1]") + "," +
                                        IntPart("index", 0) + "," +
                                        ValuePart(R"("valueIdentifier":{"value":"3"})")))),
              HasSubstr("must match a whole list"));
  EXPECT_THAT(PatchError(doc, Params(Op(Type("insert") + "," + Path("Patient.identifier[0]") + "," +
                                        IntPart("index", 0) + "," +
                                        ValuePart(R"("valueIdentifier":{"value":"3"})")))),
              HasSubstr("matched 1 of the 2 items of Patient.identifier[0]"));
  EXPECT_THAT(
      PatchError(doc, Params(Op(Type("insert") + "," + Path("Patient.birthDate") + "," +
                                IntPart("index", 0) + "," + ValuePart(R"("valueDate":"2001")")))),
      HasSubstr("must match a whole list"));
  EXPECT_THAT(PatchError(doc, Params(Op(Type("insert") + "," + Path("Patient.identifier") + "," +
                                        ValuePart(R"("valueIdentifier":{"value":"3"})")))),
              HasSubstr("missing part \"index\""));
}

// --- delete --------------------------------------------------------------------------------------

TEST(FhirPatchTest, Delete) {
  EXPECT_FHIR_PATCH(R"({"resourceType":"Patient","birthDate":"2000","_birthDate":{"id":"x"}})",
                    Params(Op(Type("delete") + "," + Path("Patient.birthDate"))),
                    R"({"resourceType":"Patient"})");
  EXPECT_FHIR_PATCH(
      R"({"resourceType":"Patient","identifier":[{"value":"1"},{"value":"2"},{"value":"3"}]})",
      Params(Op(Type("delete") + "," + Path("Patient.identifier[1]"))),
      R"({"resourceType":"Patient","identifier":[{"value":"1"},{"value":"3"}]})");
  EXPECT_FHIR_PATCH(
      R"({"resourceType":"Patient","identifier":[{"value":"1","system":"s"}]})",
      Params(Op(Type("delete") + "," + Path("Patient.identifier.where(system = 's')"))),
      R"({"resourceType":"Patient"})");
}

TEST(FhirPatchTest, DeleteNothingIsNotAnError) {
  EXPECT_FHIR_PATCH(R"({"resourceType":"Patient","gender":"male"})",
                    Params(Op(Type("delete") + "," + Path("Patient.birthDate"))),
                    R"({"resourceType":"Patient","gender":"male"})");
}

TEST(FhirPatchTest, DeleteRemovesEmptiedContainers) {
  EXPECT_FHIR_PATCH(
      R"({"resourceType":"Patient","contact":[{"name":{"text":"a"},"gender":"male"}]})",
      Params(Op(Type("delete") + "," + Path("Patient.contact[0].name.text"))),
      R"({"resourceType":"Patient","contact":[{"gender":"male"}]})");
  EXPECT_FHIR_PATCH(R"({"resourceType":"Patient","contact":[{"name":{"text":"a"}}],"id":"p"})",
                    Params(Op(Type("delete") + "," + Path("Patient.contact.name.text"))),
                    R"({"resourceType":"Patient","id":"p"})");
  // A primitive's last extension: the `_name` object goes, the value stays.
  EXPECT_FHIR_PATCH(R"({"resourceType":"Patient","birthDate":"2000",)"
                    R"("_birthDate":{"extension":[{"url":"http://x","valueString":"y"}]}})",
                    Params(Op(Type("delete") + "," + Path("Patient.birthDate.extension"))),
                    R"({"resourceType":"Patient","birthDate":"2000"})");
  // An extension-only repeating primitive disappears with its last extension.
  EXPECT_FHIR_PATCH(R"({"resourceType":"Patient","name":[{"family":"f","given":["a",null],)"
                    R"("_given":[null,{"extension":[{"url":"http://x","valueString":"y"}]}]}]})",
                    Params(Op(Type("delete") + "," + Path("Patient.name.given[1].extension"))),
                    R"({"resourceType":"Patient","name":[{"family":"f","given":["a"]}]})");
}

TEST(FhirPatchTest, DeleteRepeatingPrimitiveKeepsAlignment) {
  EXPECT_FHIR_PATCH(
      R"({"resourceType":"Patient",)"
      R"("name":[{"given":["a","b","c"],"_given":[null,{"id":"b"},null]}]})",
      Params(Op(Type("delete") + "," + Path("Patient.name.given[0]"))),
      R"({"resourceType":"Patient","name":[{"given":["b","c"],"_given":[{"id":"b"},null]}]})");
  EXPECT_FHIR_PATCH(
      R"({"resourceType":"Patient","name":[{"given":["a","b"],"_given":[null,{"id":"b"}]}]})",
      Params(Op(Type("delete") + "," + Path("Patient.name.given[1]"))),
      R"({"resourceType":"Patient","name":[{"given":["a"]}]})");
}

TEST(FhirPatchTest, DeleteErrors) {
  EXPECT_THAT(PatchError(R"({"resourceType":"Patient","name":[{"family":"a"},{"family":"b"}]})",
                         Params(Op(Type("delete") + "," + Path("Patient.name")))),
              HasSubstr("the path matched 2 elements (delete needs at most one)"));
  EXPECT_THAT(PatchError(R"({"resourceType":"Patient"})",
                         Params(Op(Type("delete") + "," + Path("Patient")))),
              HasSubstr("the resource itself, which cannot be deleted"));
  EXPECT_THAT(PatchError(R"({"resourceType":"Patient"})",
                         Params(Op(Type("delete") + "," + Path("Patient.nickname")))),
              HasSubstr("invalid path"));
}

// --- replace -------------------------------------------------------------------------------------

TEST(FhirPatchTest, Replace) {
  EXPECT_FHIR_PATCH(R"({"resourceType":"Patient","birthDate":"1920-01-01"})",
                    Params(Op(Type("replace") + "," + Path("Patient.birthDate") + "," +
                              ValuePart(R"("valueDate":"1930-01-01")"))),
                    R"({"resourceType":"Patient","birthDate":"1930-01-01"})");
  EXPECT_FHIR_PATCH(
      R"({"resourceType":"Patient","maritalStatus":{"id":"1","text":"married"}})",
      Params(Op(Type("replace") + "," + Path("Patient.maritalStatus") + "," +
                ValuePart(R"("valueCodeableConcept":{"id":"2","text":"not married"})"))),
      R"({"resourceType":"Patient","maritalStatus":{"id":"2","text":"not married"}})");
  // valueString for a code, valueInteger for a decimal: same JSON form.
  EXPECT_FHIR_PATCH(R"({"resourceType":"Patient","gender":"male"})",
                    Params(Op(Type("replace") + "," + Path("Patient.gender") + "," +
                              ValuePart(R"("valueString":"female")"))),
                    R"({"resourceType":"Patient","gender":"female"})");
  EXPECT_FHIR_PATCH(
      R"({"resourceType":"Observation","status":"final","code":{},"valueQuantity":{"value":1}})",
      Params(Op(Type("replace") + "," + Path("Observation.value.value") + "," +
                ValuePart(R"("valueInteger":2)"))),
      R"({"resourceType":"Observation","status":"final","code":{},"valueQuantity":{"value":2}})");
}

TEST(FhirPatchTest, ReplaceReplacesTheWholeElement) {
  // Extensions on the old primitive go; those given with the new value come.
  EXPECT_FHIR_PATCH(R"({"resourceType":"Patient","birthDate":"1920","_birthDate":{"id":"a"}})",
                    Params(Op(Type("replace") + "," + Path("Patient.birthDate") + "," +
                              ValuePart(R"("valueDate":"1930")"))),
                    R"({"resourceType":"Patient","birthDate":"1930"})");
  EXPECT_FHIR_PATCH(R"({"resourceType":"Patient","birthDate":"1920"})",
                    Params(Op(Type("replace") + "," + Path("Patient.birthDate") + "," +
                              ValuePart(R"("valueDate":"1930","_valueDate":{"id":"b"})"))),
                    R"({"resourceType":"Patient","birthDate":"1930","_birthDate":{"id":"b"}})");
  EXPECT_FHIR_PATCH(
      R"({"resourceType":"Patient","name":[{"given":["a","b"],"_given":[{"id":"a"},null]}]})",
      Params(Op(Type("replace") + "," + Path("Patient.name.given[0]") + "," +
                ValuePart(R"("valueString":"z")"))),
      R"({"resourceType":"Patient","name":[{"given":["z","b"]}]})");
}

TEST(FhirPatchTest, ReplaceChoiceElementWithAnotherType) {
  EXPECT_FHIR_PATCH(R"({"resourceType":"Observation","status":"final","code":{"text":"c"},)"
                    R"("valueQuantity":{"value":1},"note":[{"text":"n"}]})",
                    Params(Op(Type("replace") + "," + Path("Observation.value") + "," +
                              ValuePart(R"("valueString":"positive")"))),
                    R"({"resourceType":"Observation","status":"final","code":{"text":"c"},)"
                    R"("valueString":"positive","note":[{"text":"n"}]})");
  // Suffixed paths are accepted.
  EXPECT_FHIR_PATCH(R"({"resourceType":"Observation","status":"final","code":{"text":"c"},)"
                    R"("valueQuantity":{"value":1}})",
                    Params(Op(Type("replace") + "," + Path("Observation.valueQuantity.value") +
                              "," + ValuePart(R"("valueDecimal":2.50)"))),
                    R"({"resourceType":"Observation","status":"final","code":{"text":"c"},)"
                    R"("valueQuantity":{"value":2.50}})");
  EXPECT_THAT(PatchError(R"({"resourceType":"Observation","status":"final","code":{},)"
                         R"("valueQuantity":{"value":1}})",
                         Params(Op(Type("replace") + "," + Path("Observation.value") + "," +
                                   ValuePart(R"("valueHumanName":{"text":"x"})")))),
              HasSubstr("a HumanName value cannot be used for Observation.value[x]"));
}

TEST(FhirPatchTest, ReplaceNarrativeDiv) {
  EXPECT_FHIR_PATCH(
      R"({"resourceType":"Patient","text":{"status":"generated","div":"<div>a</div>"}})",
      Params(Op(Type("replace") + "," + Path("Patient.text.div") + "," +
                ValuePart(R"("valueString":"<div>b</div>")"))),
      R"({"resourceType":"Patient","text":{"status":"generated","div":"<div>b</div>"}})");
}

TEST(FhirPatchTest, ReplaceErrors) {
  const std::string doc = R"({"resourceType":"Patient","name":[{"family":"a"},{"family":"b"}]})";
  EXPECT_THAT(PatchError(doc, Params(Op(Type("replace") + "," + Path("Patient.birthDate") + "," +
                                        ValuePart(R"("valueDate":"2000")")))),
              HasSubstr("the path matched no element (replace needs exactly one)"));
  EXPECT_THAT(PatchError(doc, Params(Op(Type("replace") + "," + Path("Patient.name.family") + "," +
                                        ValuePart(R"("valueString":"x")")))),
              HasSubstr("the path matched 2 elements"));
  EXPECT_THAT(PatchError(doc, Params(Op(Type("replace") + "," + Path("Patient") + "," +
                                        ValuePart(R"("valueString":"x")")))),
              HasSubstr("the resource itself"));
  EXPECT_THAT(PatchError(doc, Params(Op(Type("replace") + "," + Path("Patient.name[0].family") +
                                        "," + ValuePart(R"("valueString":7)")))),
              HasSubstr("valueString must be a JSON string, not a number"));
  EXPECT_THAT(PatchError(doc, Params(Op(Type("replace") + "," + Path("Patient.name[0]") + "," +
                                        ValuePart(R"("valueHumanName":{})")))),
              HasSubstr("valueHumanName must be a non-empty object"));
  EXPECT_THAT(PatchError(doc, Params(Op(Type("replace") + "," + Path("Patient.name[0].family") +
                                        "," + ValuePart(R"("valueString":"x","part":[])")))),
              HasSubstr("has more than one kind of value"));
  EXPECT_THAT(PatchError(doc, Params(Op(Type("replace") + "," + Path("Patient.name[0].family") +
                                        "," + R"({"name":"value"})"))),
              HasSubstr("the value has no value"));
  EXPECT_THAT(PatchError(doc, Params(Op(Type("replace") + "," + Path("Patient.name[0].family") +
                                        "," + ValuePart(R"("valueNope":"x")")))),
              HasSubstr("\"valueNope\" is not a value[x] of a Parameters part"));
}

// --- move ----------------------------------------------------------------------------------------

TEST(FhirPatchTest, Move) {
  const std::string doc = R"({"resourceType":"Patient","identifier":[{"value":"1"},{"value":"2"},)"
                          R"({"value":"3"},{"value":"4"}]})";
  auto move = [](int from, int to) {
    return Params(Op(Type("move") + "," + Path("Patient.identifier") + "," +
                     IntPart("source", from) + "," + IntPart("destination", to)));
  };
  auto ids = [](const std::string& order) {
    std::string out = R"({"resourceType":"Patient","identifier":[)";
    for (size_t i = 0; i < order.size(); ++i) {
      if (i > 0) out += ",";
      out += R"({"value":")" + std::string(1, order[i]) + R"("})";
    }
    return out + "]}";
  };
  EXPECT_FHIR_PATCH(doc, move(3, 1), ids("1423"));
  EXPECT_FHIR_PATCH(doc, move(3, 0), ids("4123"));
  EXPECT_FHIR_PATCH(doc, move(0, 3), ids("2341"));
  EXPECT_FHIR_PATCH(doc, move(2, 2), ids("1234"));
  EXPECT_THAT(PatchError(doc, move(4, 0)), HasSubstr("source 4 is out of range"));
  EXPECT_THAT(PatchError(doc, move(0, 4)), HasSubstr("destination 4 is out of range"));
  EXPECT_THAT(PatchError(R"({"resourceType":"Patient"})", move(0, 0)),
              HasSubstr("the path matched no element (move needs a list)"));
}

TEST(FhirPatchTest, MovePrimitivesMovesTheirExtensions) {
  EXPECT_FHIR_PATCH(R"({"resourceType":"Patient",)"
                    R"("name":[{"given":["a","b","c"],"_given":[{"id":"a"},null,null]}]})",
                    Params(Op(Type("move") + "," + Path("Patient.name.given") + "," +
                              IntPart("source", 0) + "," + IntPart("destination", 2))),
                    R"({"resourceType":"Patient",)"
                    R"("name":[{"given":["b","c","a"],"_given":[null,null,{"id":"a"}]}]})");
}

// --- the document --------------------------------------------------------------------------------

TEST(FhirPatchTest, EmptyPatchIsANoOp) {
  EXPECT_FHIR_PATCH(R"({"resourceType":"Patient","id":"1"})", R"({"resourceType":"Parameters"})",
                    R"({"resourceType":"Patient","id":"1"})");
  EXPECT_FHIR_PATCH(R"({"resourceType":"Patient","id":"1"})", Params(""),
                    R"({"resourceType":"Patient","id":"1"})");
}

TEST(FhirPatchTest, MalformedDocuments) {
  const std::string doc = R"({"resourceType":"Patient"})";
  EXPECT_EQ(PatchError(doc, R"({"resourceType":"Bundle"})"),
            "FHIR Patch: the patch must be a Parameters resource");
  EXPECT_EQ(PatchError(doc, R"([])"), "FHIR Patch: the patch must be a Parameters resource");
  EXPECT_EQ(PatchError(doc, R"({"resourceType":"Parameters","parameter":{}})"),
            "FHIR Patch: Parameters.parameter must be an array, not an object");
  EXPECT_EQ(PatchError(doc, Params("1")),
            "FHIR Patch operation 0: a parameter must be an object, not a number");
  EXPECT_EQ(PatchError(doc, Params(R"({"name":"op","part":[]})")),
            "FHIR Patch operation 0: parameter \"op\" is not an operation (a FHIR Patch holds "
            "only \"operation\" parameters)");
  EXPECT_EQ(PatchError(doc, Params(R"({"name":"operation"})")),
            "FHIR Patch operation 0: the operation has no parts");
  EXPECT_EQ(PatchError(doc, Params(Op(Path("Patient")))),
            "FHIR Patch operation 0: missing part \"type\"");
  EXPECT_EQ(PatchError(doc, Params(Op(Type("delete")))),
            "FHIR Patch operation 0 (delete): missing part \"path\"");
  EXPECT_EQ(PatchError(doc, Params(Op(Type("Delete") + "," + Path("Patient.id")))),
            "FHIR Patch operation 0 (Delete \"Patient.id\"): unknown type \"Delete\" (expected "
            "add, insert, delete, replace or move)");
  EXPECT_THAT(PatchError(doc, Params(Op(Type("delete") + "," + Path("Patient.id") + "," +
                                        Path("Patient.id")))),
              HasSubstr("part \"path\" appears more than once"));
  EXPECT_THAT(PatchError(doc, Params(Op(Type("delete") + "," + Path("Patient.id") + "," +
                                        R"({"name":"allowMultiple","valueBoolean":true})"))),
              HasSubstr("unknown part \"allowMultiple\""));
  EXPECT_THAT(PatchError(doc, Params(Op(R"({"name":"type","valueInteger":1})"))),
              HasSubstr("part \"type\" must have a valueString or valueCode"));
  EXPECT_THAT(PatchError(doc, Params(Op(Type("insert") + "," + Path("Patient.name") + "," +
                                        R"({"name":"index","valueInteger":-1})"))),
              HasSubstr("valueInteger must be a non-negative integer, not -1"));
  EXPECT_THAT(PatchError(doc, Params(Op(Type("insert") + "," + Path("Patient.name") + "," +
                                        R"({"name":"index","valueString":"1"})"))),
              HasSubstr("part \"index\" must have a valueInteger"));
  EXPECT_THAT(
      PatchError(doc, Params(Op(Type("insert") + "," + Path("Patient.name") + "," +
                                R"({"name":"index","valueInteger":99999999999999999999})"))),
      HasSubstr("out of range"));
  EXPECT_THAT(PatchError(doc, Params(Op(Type("delete") + "," + Path("Patient.(")))),
              HasSubstr("FHIR Patch operation 0 (delete \"Patient.(\"): invalid path: "));
  EXPECT_THAT(PatchError(R"({"resourceType":"Nope"})",
                         Params(Op(Type("delete") + "," + Path("Patient.id")))),
              HasSubstr("the target is not a resource of a known type"));
}

TEST(FhirPatchTest, UnusedPartsAreIgnored) {
  EXPECT_FHIR_PATCH(R"({"resourceType":"Patient","gender":"male"})",
                    Params(Op(Type("delete") + "," + Path("Patient.gender") + "," +
                              ValuePart(R"("valueString":"x")") + "," + IntPart("index", 4))),
                    R"({"resourceType":"Patient"})");
}

TEST(FhirPatchTest, OperationsSeeEarlierResultsAndFailAsAWhole) {
  EXPECT_FHIR_PATCH(R"({"resourceType":"Patient"})",
                    Params(Op(Type("add") + "," + Path("Patient") + "," + Name("name") + "," +
                              ValuePart(R"("valueHumanName":{"family":"f"})")) +
                           "," +
                           Op(Type("add") + "," + Path("Patient.name") + "," + Name("given") + "," +
                              ValuePart(R"("valueString":"g")")) +
                           "," + Op(Type("delete") + "," + Path("Patient.name.family"))),
                    R"({"resourceType":"Patient","name":[{"given":["g"]}]})");
  EXPECT_EQ(PatchError(R"({"resourceType":"Patient","gender":"male"})",
                       Params(Op(Type("delete") + "," + Path("Patient.gender")) + "," +
                              Op(Type("replace") + "," + Path("Patient.gender") + "," +
                                 ValuePart(R"("valueCode":"female")")))),
            "FHIR Patch operation 1 (replace \"Patient.gender\"): the path matched no element "
            "(replace needs exactly one)");
}

TEST(FhirPatchTest, PathsSeeTheResourceAsResource) {
  EXPECT_FHIR_PATCH(
      R"({"resourceType":"Patient","id":"p","gender":"male"})",
      Params(Op(Type("delete") + "," + Path("Patient.gender.where(%resource.id = 'p')"))),
      R"({"resourceType":"Patient","id":"p"})");
}

// --- hostile input -------------------------------------------------------------------------------

TEST(FhirPatchTest, DepthLimit) {
  FhirPatchOptions options;
  options.max_depth = 6;
  // Patient(1) contact array(2) contact(3) name(4): fits; one more level does not.
  EXPECT_TRUE(
      Patch(R"({"resourceType":"Patient"})",
            Params(Op(Type("add") + "," + Path("Patient") + "," + Name("contact") + "," +
                      ValuePart(R"("part":[{"name":"name","valueHumanName":{"given":["g"]}}])"))),
            options)
          .ok());
  EXPECT_THAT(
      PatchError(
          R"({"resourceType":"Patient"})",
          Params(Op(Type("add") + "," + Path("Patient") + "," + Name("contact") + "," +
                    ValuePart(R"("part":[{"name":"name","valueHumanName":)"
                              R"({"given":["g"],"_given":[{"extension":[{"url":"u"}]}]}}])"))),
          options),
      HasSubstr("would nest 8 levels deep; at most 6"));
  // Deep extension chains, one level per operation, stop at the (default) limit.
  std::string ops;
  std::string path = "Patient";
  for (int i = 0; i < 80; ++i) {
    if (i > 0) ops += ",";
    ops += Op(Type("add") + "," + Path(path) + "," + Name("extension") + "," +
              ValuePart(R"("part":[{"name":"url","valueUri":"u"}])"));
    path += ".extension[0]";
  }
  EXPECT_THAT(PatchError(R"({"resourceType":"Patient"})", Params(ops)),
              HasSubstr("levels deep; at most 128"));
}

TEST(FhirPatchTest, DeeplyNestedPartsAreRefused) {
  // Parts nested far deeper than any parser would produce (built directly as a tree).
  Value value = Value::Object();
  value.Set("name", Value::String("value"));
  Value* at = &value;
  for (int i = 0; i < 1000; ++i) {
    Value inner = Value::Object();
    inner.Set("name", Value::String("extension"));
    Value parts = Value::MakeArray();
    parts.Append(std::move(inner));
    at = &at->Set("part", std::move(parts)).mutable_array()[0];
  }
  Value params = Json(Params(Op(Type("add") + "," + Path("Patient") + "," + Name("contact"))));
  params.FindMutable("parameter")->mutable_array()[0].FindMutable("part")->Append(std::move(value));
  Value target = Json(R"({"resourceType":"Patient"})");
  absl::Status s = ApplyFhirPatch(Defs(), params, target);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("parts deep"));
}

TEST(FhirPatchTest, HostilePathsAreErrors) {
  const std::string doc = R"({"resourceType":"Patient","name":[{"family":"f"}]})";
  std::string long_chain = "Patient";
  for (int i = 0; i < 20000; ++i) long_chain += ".name";
  std::string nested(20000, '(');
  nested += "Patient" + std::string(20000, ')');
  std::string wheres = "Patient.name";
  for (int i = 0; i < 5000; ++i) wheres += ".where(true";
  wheres += std::string(5000, ')');
  for (const std::string& path : {long_chain, nested, wheres, std::string(70000, 'a'),
                                  std::string(""), std::string("Patient.name[")}) {
    absl::StatusOr<std::string> r = Patch(doc, Params(Op(Type("delete") + "," + Path(path))));
    if (r.ok()) {
      EXPECT_TRUE(Json(*r) == Json(doc)) << *r;  // matched nothing: no change
    }
  }
}

TEST(FhirPatchTest, LongListsStayLinear) {
  std::string doc = R"({"resourceType":"Patient","identifier":[)";
  for (int i = 0; i < 20000; ++i) {
    if (i > 0) doc += ",";
    doc += R"({"value":")" + std::to_string(i) + R"("})";
  }
  doc += "]}";
  absl::StatusOr<std::string> r =
      Patch(doc, Params(Op(Type("move") + "," + Path("Patient.identifier") + "," +
                           IntPart("source", 19999) + "," + IntPart("destination", 0))));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->starts_with(R"({"resourceType":"Patient","identifier":[{"value":"19999"},)"));
}

TEST(FhirPatchTest, WrongShapesInTheTargetDoNotCrash) {
  // A stored resource with shapes FHIR forbids: errors, never crashes.
  EXPECT_THAT(PatchError(R"({"resourceType":"Patient","name":{"family":"x"}})",
                         Params(Op(Type("add") + "," + Path("Patient") + "," + Name("name") + "," +
                                   ValuePart(R"("valueHumanName":{"family":"y"})")))),
              HasSubstr("where a list is due"));
  absl::StatusOr<std::string> r = Patch(R"({"resourceType":"Patient","gender":{"x":1},"nope":[1]})",
                                        Params(Op(Type("delete") + "," + Path("Patient.gender"))));
  (void)r;  // either outcome is fine; it must not crash
}

// --- HL7 fixture conformance run -----------------------------------------------------------------

using fhir::testing::KnownFailureTally;
using fhir::testing::LoadKnownFailures;
using fhir::testing::ReadFileOrEmpty;

// The FHIR resource inside a fixture wrapper (<input>, <diff>, <output>), re-serialised as a
// document of its own and parsed with fhir::ParseXml. The re-serialisation also normalises how
// the narrative's XHTML is spelt (ParseXml keeps the div's source text, and "Full Resource"
// writes `&quot;` in its output where its patch value has a plain '"'): input, patch and
// expected output all pass through the same writer, so equal XHTML compares equal.
absl::StatusOr<Value> ResourceIn(pugi::xml_node wrapper) {
  pugi::xml_node resource =
      wrapper.find_child([](pugi::xml_node n) { return n.type() == pugi::node_element; });
  if (!resource) return absl::InvalidArgumentError("no resource element");
  struct Sink : pugi::xml_writer {
    std::string out;
    void write(const void* data, size_t size) override {
      out.append(static_cast<const char*>(data), size);
    }
  } sink;
  resource.print(sink, "", pugi::format_raw, pugi::encoding_utf8);
  return fhir::ParseXml(Defs(), sink.out);
}

TEST(FhirPatchConformanceTest, Hl7Fixtures) {
  const std::filesystem::path fixture =
      std::filesystem::path(TC_FIXTURES_DIR) / "hl7-fhir-test-cases/r4/patch/fhir-patch-tests.xml";
  if (!std::filesystem::exists(fixture)) {
    GTEST_SKIP() << "HL7 FHIR Patch fixtures not found at " << fixture
                 << " (set THROUGHCARE_FIXTURES or -DTC_FIXTURES=...)";
  }
  const std::string text = ReadFileOrEmpty(fixture);
  pugi::xml_document doc;
  // Whitespace text is kept so that narratives keep their exact content.
  pugi::xml_parse_result parsed = doc.load_buffer(
      text.data(), text.size(), pugi::parse_default | pugi::parse_ws_pcdata, pugi::encoding_utf8);
  ASSERT_TRUE(parsed) << fixture << ": " << parsed.description();
  KnownFailureTally tally(LoadKnownFailures(std::filesystem::path(TC_SOURCE_DIR) /
                                            "src/engine/testdata/fhir-patch-known-failures.txt"));

  std::map<std::string, int> seen;
  for (pugi::xml_node c : doc.child("tests").children("case")) {
    std::string name = c.attribute("name").value();
    // Should a case name repeat, later ones get " (2)", " (3)"...
    if (int n = ++seen[name]; n > 1) name += " (" + std::to_string(n) + ")";
    std::string failure;
    absl::StatusOr<Value> input = ResourceIn(c.child("input"));
    absl::StatusOr<Value> diff = ResourceIn(c.child("diff"));
    const bool expect_error = static_cast<bool>(c.child("error"));
    absl::StatusOr<Value> output =
        expect_error ? absl::StatusOr<Value>(Value()) : ResourceIn(c.child("output"));
    if (!input.ok() || !diff.ok() || !output.ok()) {
      failure = "cannot read the case: " + std::string((!input.ok()  ? input.status()
                                                        : !diff.ok() ? diff.status()
                                                                     : output.status())
                                                           .message());
    } else {
      Value target = *input;
      absl::Status s = ApplyFhirPatch(Defs(), *diff, target);
      if (expect_error) {
        if (s.ok()) {
          failure = "expected error \"" + std::string(c.child("error").attribute("msg").value()) +
                    "\" but the patch applied, giving " + WriteJson(target);
        } else if (!(target == *input)) {
          failure = "the resource changed although the patch failed";
        }
      } else if (!s.ok()) {
        failure = "unexpected error: " + std::string(s.message());
      } else if (!(target == *output)) {
        failure = "got " + WriteJson(target) + ", expected " + WriteJson(*output);
      }
    }
    tally.Record(name, failure);
  }
  tally.Finish();
  EXPECT_GT(tally.run(), 0u);
  std::cout << "FHIR Patch fixtures: " << tally.passed() << "/" << tally.run() << " passed\n";
  RecordProperty("fixtures_passed", static_cast<int>(tally.passed()));
  RecordProperty("fixtures_run", static_cast<int>(tally.run()));
}

}  // namespace
}  // namespace tc::engine
