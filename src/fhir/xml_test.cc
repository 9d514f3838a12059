#include "fhir/xml.h"

#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>

#include "fhir/definitions.h"
#include "fhir/json.h"
#include "fhir/testing/shared_definitions.h"
#include "fhir/value.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tc::fhir {
namespace {

using ::testing::HasSubstr;

const Definitions& Defs() { return tc::fhir::testing::SharedDefinitions(); }

Value Json(std::string_view text) {
  absl::StatusOr<Value> v = ParseJson(text);
  EXPECT_TRUE(v.ok()) << v.status() << "\n" << text;
  return v.ok() ? *std::move(v) : Value();
}

// Parses `xml` and expects the tree `json` describes.
void ExpectXmlGives(std::string_view xml, std::string_view json) {
  absl::StatusOr<Value> v = ParseXml(Defs(), xml);
  ASSERT_TRUE(v.ok()) << v.status() << "\n" << xml;
  EXPECT_EQ(*v, Json(json)) << "got " << WriteJson(*v, {.pretty = true});
  // And back: the writer's output parses to the same tree.
  absl::StatusOr<std::string> again = WriteXml(Defs(), *v, false);
  ASSERT_TRUE(again.ok()) << again.status();
  absl::StatusOr<Value> reparsed = ParseXml(Defs(), *again);
  ASSERT_TRUE(reparsed.ok()) << reparsed.status() << "\n" << *again;
  EXPECT_EQ(*reparsed, *v) << *again;
}

// Parses `xml` and expects InvalidArgument with `message` in it.
void ExpectXmlError(std::string_view xml, std::string_view message,
                    const XmlParseOptions& options = {}) {
  absl::StatusOr<Value> v = ParseXml(Defs(), xml, options);
  ASSERT_FALSE(v.ok()) << "parsed: " << WriteJson(*v) << "\nfrom " << xml;
  EXPECT_EQ(v.status().code(), absl::StatusCode::kInvalidArgument) << v.status();
  EXPECT_THAT(std::string(v.status().message()), HasSubstr(message));
}

void ExpectWriteError(std::string_view json, std::string_view message) {
  absl::StatusOr<std::string> x = WriteXml(Defs(), Json(json), false);
  ASSERT_FALSE(x.ok()) << "wrote: " << *x;
  EXPECT_EQ(x.status().code(), absl::StatusCode::kInvalidArgument) << x.status();
  EXPECT_THAT(std::string(x.status().message()), HasSubstr(message));
}

// ---- Parsing: the XML ↔ JSON rules --------------------------------------------------------

TEST(ParseXml, RootNamesTheResourceTypeAndPrimitivesCarryValues) {
  ExpectXmlGives(R"(<?xml version="1.0" encoding="UTF-8"?>
      <Patient xmlns="http://hl7.org/fhir">
        <id value="p1"/>
        <active value="true"/>
        <gender value="female"/>
        <birthDate value="1970-01-01"/>
        <multipleBirthInteger value="2"/>
      </Patient>)",
                 R"({"resourceType":"Patient","id":"p1","active":true,"gender":"female",
                     "birthDate":"1970-01-01","multipleBirthInteger":2})");
}

TEST(ParseXml, DecimalsKeepTheirExactText) {
  absl::StatusOr<Value> v = ParseXml(Defs(), R"(<Observation xmlns="http://hl7.org/fhir">
      <status value="final"/><code><text value="x"/></code>
      <valueQuantity><value value="1.50"/><unit value="mg"/></valueQuantity></Observation>)");
  ASSERT_TRUE(v.ok()) << v.status();
  const Value* value = v->Find("valueQuantity")->Find("value");
  ASSERT_TRUE(value->is_number());
  EXPECT_EQ(value->number_text(), "1.50");
  absl::StatusOr<std::string> xml = WriteXml(Defs(), *v, false);
  ASSERT_TRUE(xml.ok());
  EXPECT_THAT(*xml, HasSubstr(R"(<value value="1.50"/>)"));
}

TEST(ParseXml, RepeatingElementsBecomeArraysInDocumentOrder) {
  ExpectXmlGives(R"(<Patient xmlns="http://hl7.org/fhir">
        <name><family value="Smith"/><given value="A"/><given value="B"/></name>
        <name><text value="second"/></name>
      </Patient>)",
                 R"({"resourceType":"Patient","name":[
                     {"family":"Smith","given":["A","B"]},{"text":"second"}]})");
}

TEST(ParseXml, PrimitiveIdAndExtensionsGoToTheUnderscoreSibling) {
  ExpectXmlGives(R"(<Patient xmlns="http://hl7.org/fhir">
        <birthDate id="bd" value="1970-03-30">
          <extension url="http://hl7.org/fhir/StructureDefinition/patient-birthTime">
            <valueDateTime value="1970-03-30T14:35:45-05:00"/>
          </extension>
        </birthDate>
      </Patient>)",
                 R"({"resourceType":"Patient","birthDate":"1970-03-30",
                     "_birthDate":{"id":"bd","extension":[{
                       "url":"http://hl7.org/fhir/StructureDefinition/patient-birthTime",
                       "valueDateTime":"1970-03-30T14:35:45-05:00"}]}})");
}

TEST(ParseXml, RepeatingPrimitivesGetParallelArraysWithNulls) {
  ExpectXmlGives(R"(<Patient xmlns="http://hl7.org/fhir"><name>
        <given value="A"/>
        <given id="g2" value="B"/>
        <given>
          <extension url="http://example.org/x"><valueBoolean value="false"/></extension>
        </given>
      </name></Patient>)",
                 R"({"resourceType":"Patient","name":[{
                     "given":["A","B",null],
                     "_given":[null,{"id":"g2"},
                               {"extension":[{"url":"http://example.org/x","valueBoolean":false}]}]
                   }]})");
}

TEST(ParseXml, PrimitiveArrayWithOnlyExtensionsHasNoValueArray) {
  ExpectXmlGives(R"(<Patient xmlns="http://hl7.org/fhir"><name>
        <given><extension url="http://example.org/x"><valueString value="v"/></extension></given>
      </name></Patient>)",
                 R"({"resourceType":"Patient","name":[{
                     "_given":[{"extension":[
                       {"url":"http://example.org/x","valueString":"v"}]}]}]})");
}

TEST(ParseXml, ChoiceElementsUseTheTypedName) {
  ExpectXmlGives(R"(<Observation xmlns="http://hl7.org/fhir">
        <status value="final"/>
        <code><coding><system value="http://loinc.org"/><code value="8867-4"/></coding></code>
        <effectiveDateTime value="2020-01-01"/>
        <valueQuantity><value value="72"/><unit value="/min"/></valueQuantity>
      </Observation>)",
                 R"({"resourceType":"Observation","status":"final",
                     "code":{"coding":[{"system":"http://loinc.org","code":"8867-4"}]},
                     "effectiveDateTime":"2020-01-01",
                     "valueQuantity":{"value":72,"unit":"/min"}})");
}

TEST(ParseXml, TwoTypesOfOneChoiceAreRejected) {
  ExpectXmlError(R"(<Observation xmlns="http://hl7.org/fhir"><status value="final"/>
        <code><text value="x"/></code>
        <valueString value="a"/><valueBoolean value="true"/></Observation>)",
                 "two types for the same choice element");
}

TEST(ParseXml, ExtensionsHaveUrlAttributesAndNest) {
  ExpectXmlGives(R"(<Patient xmlns="http://hl7.org/fhir">
        <extension url="http://example.org/outer">
          <extension url="inner"><valueCode value="a"/></extension>
        </extension>
        <modifierExtension url="http://example.org/mod">
          <valueBoolean value="true"/>
        </modifierExtension>
      </Patient>)",
                 R"({"resourceType":"Patient",
                     "extension":[{"url":"http://example.org/outer",
                                   "extension":[{"url":"inner","valueCode":"a"}]}],
                     "modifierExtension":[{"url":"http://example.org/mod","valueBoolean":true}]})");
}

TEST(ParseXml, ElementIdIsAnAttributeResourceIdAnElement) {
  ExpectXmlGives(R"(<Patient xmlns="http://hl7.org/fhir"><id value="r1"/>
        <name id="n1"><family value="F"/></name>
        <contact id="c1"><name><text value="T"/></name></contact></Patient>)",
                 R"({"resourceType":"Patient","id":"r1","name":[{"id":"n1","family":"F"}],
                     "contact":[{"id":"c1","name":{"text":"T"}}]})");
  ExpectXmlError(R"(<Patient xmlns="http://hl7.org/fhir"><name><id value="n1"/></name></Patient>)",
                 "'id' must be an attribute");
  ExpectXmlError(R"(<Patient xmlns="http://hl7.org/fhir" id="x"/>)", "unexpected attribute 'id'");
  ExpectXmlError(R"(<Patient xmlns="http://hl7.org/fhir"><extension>
        <url value="http://x"/><valueString value="v"/></extension></Patient>)",
                 "'url' must be an attribute");
}

TEST(ParseXml, ContainedResources) {
  ExpectXmlGives(R"(<Patient xmlns="http://hl7.org/fhir">
        <contained><Organization><id value="o1"/><name value="Org"/></Organization></contained>
        <contained><Practitioner><id value="pr1"/></Practitioner></contained>
        <managingOrganization><reference value="#o1"/></managingOrganization>
      </Patient>)",
                 R"({"resourceType":"Patient",
                     "contained":[{"resourceType":"Organization","id":"o1","name":"Org"},
                                  {"resourceType":"Practitioner","id":"pr1"}],
                     "managingOrganization":{"reference":"#o1"}})");
  ExpectXmlError(R"(<Patient xmlns="http://hl7.org/fhir"><contained><Organization/>
        <Practitioner/></contained></Patient>)",
                 "more than one resource");
  ExpectXmlError(R"(<Patient xmlns="http://hl7.org/fhir"><contained><HumanName/></contained>
        </Patient>)",
                 "not a FHIR resource type");
}

TEST(ParseXml, BundleEntryAndParametersResources) {
  ExpectXmlGives(R"(<Bundle xmlns="http://hl7.org/fhir"><type value="collection"/>
        <entry><fullUrl value="urn:uuid:1"/><resource><Patient><active value="false"/></Patient>
        </resource></entry></Bundle>)",
                 R"({"resourceType":"Bundle","type":"collection","entry":[{"fullUrl":"urn:uuid:1",
                     "resource":{"resourceType":"Patient","active":false}}]})");
  ExpectXmlGives(R"(<Parameters xmlns="http://hl7.org/fhir">
        <parameter>
          <name value="p"/><resource><Patient><id value="x"/></Patient></resource>
        </parameter>
        <parameter><name value="n"/><valueInteger value="-3"/></parameter></Parameters>)",
                 R"({"resourceType":"Parameters","parameter":[
                     {"name":"p","resource":{"resourceType":"Patient","id":"x"}},
                     {"name":"n","valueInteger":-3}]})");
}

TEST(ParseXml, NarrativeDivIsKeptAsItsExactSourceText) {
  const std::string div =
      R"(<div xmlns="http://www.w3.org/1999/xhtml"><p>It&#39;s <b>bold</b> &amp; <br/>
	tabbed</p><!-- note --></div>)";
  absl::StatusOr<Value> v = ParseXml(Defs(), R"(<Patient xmlns="http://hl7.org/fhir"><text>
      <status value="generated"/>)" + div + R"(</text></Patient>)");
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->Find("text")->GetString("div"), div);
  absl::StatusOr<std::string> xml = WriteXml(Defs(), *v, true);
  ASSERT_TRUE(xml.ok()) << xml.status();
  EXPECT_THAT(*xml, HasSubstr(div));
}

TEST(ParseXml, PrefixedOrInheritedXhtmlNamespaceIsDeclaredOnTheDiv) {
  ExpectXmlGives(R"(<Patient xmlns="http://hl7.org/fhir" xmlns:h="http://www.w3.org/1999/xhtml">
        <text><status value="generated"/><h:div><h:p>Hi <h:b>there</h:b></h:p></h:div></text>
      </Patient>)",
                 R"({"resourceType":"Patient","text":{"status":"generated","div":
                 "<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>Hi <b>there</b></p></div>"}})");
  ExpectXmlGives(R"(<f:Patient xmlns:f="http://hl7.org/fhir" xmlns="http://www.w3.org/1999/xhtml">
        <f:text><f:status value="generated"/><div><p>x</p></div></f:text></f:Patient>)",
                 R"({"resourceType":"Patient","text":{"status":"generated",
                     "div":"<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>x</p></div>"}})");
  ExpectXmlError(R"(<Patient xmlns="http://hl7.org/fhir"><text><status value="generated"/>
        <div><p>x</p></div></text></Patient>)",
                 "must be an XHTML <div>");
}

TEST(ParseXml, PrefixedFhirNamespaceAndForeignAttributesAreAccepted) {
  ExpectXmlGives(R"(<fhir:Patient xmlns:fhir="http://hl7.org/fhir"
          xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
          xsi:schemaLocation="http://hl7.org/fhir ../../schema/patient.xsd">
        <fhir:active value="true"/></fhir:Patient>)",
                 R"({"resourceType":"Patient","active":true})");
}

TEST(ParseXml, CommentsAndProcessingInstructionsAreIgnored) {
  ExpectXmlGives(R"(<!-- before --><?xml-stylesheet href="x"?><Patient xmlns="http://hl7.org/fhir">
        <!-- inside --><active value="true"/><!-- <notAnElement/> --></Patient><!-- after -->)",
                 R"({"resourceType":"Patient","active":true})");
}

TEST(ParseXml, AttributeValuesKeepEscapedWhitespaceAndSpecialCharacters) {
  // A literal newline in an attribute value normalises to a space; &#10; keeps a newline.
  absl::StatusOr<Value> v = ParseXml(Defs(), R"(<Patient xmlns="http://hl7.org/fhir"><name>
      <text value="a&#10;b&#9;c &lt;&amp;&gt; &quot;q&quot; &apos;s'
d"/></name></Patient>)");
  ASSERT_TRUE(v.ok()) << v.status();
  const std::string expected = "a\nb\tc <&> \"q\" 's' d";
  EXPECT_EQ(v->Find("name")->array()[0].GetString("text"), expected);
  absl::StatusOr<std::string> xml = WriteXml(Defs(), *v, false);
  ASSERT_TRUE(xml.ok()) << xml.status();
  EXPECT_THAT(*xml, HasSubstr(R"(value="a&#xA;b&#x9;c &lt;&amp;&gt; &quot;q&quot; 's' d")"));
  absl::StatusOr<Value> again = ParseXml(Defs(), *xml);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(*again, *v);
}

// ---- Parsing: errors ----------------------------------------------------------------------

TEST(ParseXmlErrors, UnknownElementsNameThePath) {
  ExpectXmlError(R"(<Patient xmlns="http://hl7.org/fhir"><name><family value="x"/>
        <nickname value="y"/></name></Patient>)",
                 "unknown element 'nickname' at Patient.name[0]");
  ExpectXmlError(R"(<Patient xmlns="http://hl7.org/fhir"><name/><name><given value="a"/>
        <given value="b"><foo/></given></name></Patient>)",
                 "unknown element 'foo' at Patient.name[1].given[1]");
  ExpectXmlError(R"(<Observation xmlns="http://hl7.org/fhir"><valueFoo value="1"/></Observation>)",
                 "unknown element 'valueFoo' at Observation");
}

TEST(ParseXmlErrors, UnknownAttributesAndText) {
  ExpectXmlError(R"(<Patient xmlns="http://hl7.org/fhir"><active value="true" foo="1"/></Patient>)",
                 "unexpected attribute 'foo' at Patient.active");
  ExpectXmlError(R"(<Patient xmlns="http://hl7.org/fhir"><active>true</active></Patient>)",
                 "text content is not allowed");
  ExpectXmlError(R"(<Patient xmlns="http://hl7.org/fhir"><name><![CDATA[x]]></name></Patient>)",
                 "text content is not allowed");
}

TEST(ParseXmlErrors, NamespaceAndRoot) {
  ExpectXmlError(R"(<Patient><active value="true"/></Patient>)", "not in the FHIR namespace");
  ExpectXmlError(R"(<Patient xmlns="http://hl7.org/fhir/"/>)", "not in the FHIR namespace");
  ExpectXmlError(
      R"(<Patient xmlns="http://hl7.org/fhir"><x:active xmlns:x="urn:other" value="true"/>
      </Patient>)",
      "not in the FHIR namespace");
  ExpectXmlError(R"(<HumanName xmlns="http://hl7.org/fhir"/>)", "not a FHIR resource type");
  ExpectXmlError(R"(<DomainResource xmlns="http://hl7.org/fhir"/>)", "not a FHIR resource type");
  ExpectXmlError(R"(<p:Patient xmlns="http://hl7.org/fhir"/>)", "not in the FHIR namespace");
  ExpectXmlError("", "malformed XML at line 1, column 1");
}

TEST(ParseXmlErrors, ValuesMustMatchTheirJsonType) {
  ExpectXmlError(R"(<Patient xmlns="http://hl7.org/fhir"><active value="yes"/></Patient>)",
                 "invalid boolean \"yes\" (must be true or false) at Patient.active");
  ExpectXmlError(R"(<Patient xmlns="http://hl7.org/fhir"><multipleBirthInteger value="01"/>
      </Patient>)",
                 "invalid integer \"01\"");
  ExpectXmlError(R"(<Observation xmlns="http://hl7.org/fhir"><valueQuantity><value value=" 1"/>
      </valueQuantity></Observation>)",
                 "invalid decimal");
  ExpectXmlError(R"(<Patient xmlns="http://hl7.org/fhir"><active/></Patient>)",
                 "no value attribute, id or extension at Patient.active");
}

TEST(ParseXmlErrors, DuplicateAttributesAreRejected) {
  ExpectXmlError(R"(<Patient xmlns="http://hl7.org/fhir"><active value="true" value="false"/>
      </Patient>)",
                 "two attributes of the same name at Patient.active");
  ExpectXmlError(R"(<Patient xmlns="http://hl7.org/fhir"><text><status value="generated"/>
      <div xmlns="http://www.w3.org/1999/xhtml"><p class="a" class="b">x</p></div></text>
      </Patient>)",
                 "narrative has an element with two attributes of the same name");
  ExpectWriteError(R"({"resourceType":"Patient","text":{"status":"generated",
      "div":"<div xmlns=\"http://www.w3.org/1999/xhtml\" a=\"1\" a=\"2\">x</div>"}})",
                   "two attributes of the same name");
}

TEST(ParseXmlErrors, NonRepeatingElementsMayNotRepeat) {
  ExpectXmlError(R"(<Patient xmlns="http://hl7.org/fhir"><active value="true"/>
      <active value="false"/></Patient>)",
                 "'active' appears more than once");
}

TEST(ParseXmlErrors, MalformedXmlReportsThePosition) {
  ExpectXmlError("<Patient xmlns=\"http://hl7.org/fhir\">\n  <active value=\"true\">\n</Patient>",
                 "malformed XML at line 3, column");
  ExpectXmlError(R"(<Patient xmlns="http://hl7.org/fhir"/><Patient xmlns="http://hl7.org/fhir"/>)",
                 "more than one root element");
  ExpectXmlError(R"(<Patient xmlns="http://hl7.org/fhir"><active value="a<b"/></Patient>)",
                 "'<' inside an attribute value");
}

TEST(ParseXmlErrors, DtdsAndEntitiesAreRejected) {
  // The classic XXE payload.
  ExpectXmlError(R"(<?xml version="1.0"?>
<!DOCTYPE Patient [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Patient xmlns="http://hl7.org/fhir"><name><text value="&xxe;"/></name></Patient>)",
                 "DTDs and entity declarations are not accepted");
  // Billion laughs.
  ExpectXmlError(R"(<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>
<Patient xmlns="http://hl7.org/fhir"/>)",
                 "line 1, column 1");
  ExpectXmlError(R"(<Patient xmlns="http://hl7.org/fhir"><name><text value="&nbsp;"/></name>
      </Patient>)",
                 "undefined entity");
  ExpectXmlError(R"(<Patient xmlns="http://hl7.org/fhir"><text><status value="generated"/>
      <div xmlns="http://www.w3.org/1999/xhtml">a&nbsp;b</div></text></Patient>)",
                 "undefined entity");
  ExpectXmlError(R"(<Patient xmlns="http://hl7.org/fhir"><name><text value="&#0;"/></name>
      </Patient>)",
                 "character reference to a character XML does not allow");
}

TEST(ParseXmlErrors, EncodingMustBeUtf8) {
  ExpectXmlError(
      "<Patient xmlns=\"http://hl7.org/fhir\"><name><text value=\"caf\xE9\"/></name>"
      "</Patient>",
      "not valid UTF-8");
  ExpectXmlError(
      R"(<?xml version="1.0" encoding="ISO-8859-1"?><Patient xmlns="http://hl7.org/fhir"/>)",
      "is not supported");
  ExpectXmlError(std::string("<Patient xmlns=\"http://hl7.org/fhir\"><name><text value=\"a\x01\"/>"
                             "</name></Patient>"),
                 "control character");
  // A BOM is fine.
  ExpectXmlGives(
      "\xEF\xBB\xBF<Patient xmlns=\"http://hl7.org/fhir\"><active value=\"true\"/>"
      "</Patient>",
      R"({"resourceType":"Patient","active":true})");
}

TEST(ParseXmlErrors, SizeAndDepthLimits) {
  XmlParseOptions small;
  small.max_bytes = 40;
  ExpectXmlError(R"(<Patient xmlns="http://hl7.org/fhir"><active value="true"/></Patient>)",
                 "larger than 40 bytes", small);

  std::string deep = R"(<Questionnaire xmlns="http://hl7.org/fhir"><status value="draft"/>)";
  for (int i = 0; i < 150; ++i) deep += R"(<item><linkId value="x"/><type value="group"/>)";
  for (int i = 0; i < 150; ++i) deep += "</item>";
  deep += "</Questionnaire>";
  ExpectXmlError(deep, "nested deeper than 100");
  // A really deep document fails fast without exhausting the stack.
  std::string very_deep;
  for (int i = 0; i < 300'000; ++i) very_deep += "<a>";
  ExpectXmlError(very_deep, "nested deeper than 100 levels at line 1, column 301");

  XmlParseOptions generous;
  generous.max_depth = 400;
  absl::StatusOr<Value> v = ParseXml(Defs(), deep, generous);
  ASSERT_TRUE(v.ok()) << v.status();
}

// ---- Writing ------------------------------------------------------------------------------

TEST(WriteXml, ElementsFollowDefinitionOrderNotMemberOrder) {
  const Value patient = Json(R"({"gender":"male","name":[{"given":["B"],"family":"F"}],
      "active":true,"meta":{"versionId":"1"},"id":"x","resourceType":"Patient"})");
  absl::StatusOr<std::string> xml = WriteXml(Defs(), patient, false);
  ASSERT_TRUE(xml.ok()) << xml.status();
  EXPECT_EQ(*xml,
            R"(<Patient xmlns="http://hl7.org/fhir"><id value="x"/><meta><versionId value="1"/>)"
            R"(</meta><active value="true"/><name><family value="F"/><given value="B"/></name>)"
            R"(<gender value="male"/></Patient>)");
}

TEST(WriteXml, PrettyOutput) {
  const Value obs = Json(R"({"resourceType":"Observation","status":"final",
      "code":{"text":"HR"},"valueQuantity":{"value":72.0,"unit":"/min"},
      "text":{"status":"generated","div":"<div xmlns=\"http://www.w3.org/1999/xhtml\">72</div>"},
      "extension":[{"url":"http://example.org/e","valueString":"v"}],
      "_status":{"id":"s1"}})");
  absl::StatusOr<std::string> xml = WriteXml(Defs(), obs, true);
  ASSERT_TRUE(xml.ok()) << xml.status();
  EXPECT_EQ(*xml, R"(<Observation xmlns="http://hl7.org/fhir">
  <text>
    <status value="generated"/>
    <div xmlns="http://www.w3.org/1999/xhtml">72</div>
  </text>
  <extension url="http://example.org/e">
    <valueString value="v"/>
  </extension>
  <status id="s1" value="final"/>
  <code>
    <text value="HR"/>
  </code>
  <valueQuantity>
    <value value="72.0"/>
    <unit value="/min"/>
  </valueQuantity>
</Observation>
)");
}

TEST(WriteXml, DivWithoutNamespaceGetsOne) {
  absl::StatusOr<std::string> xml = WriteXml(
      Defs(),
      Json(R"({"resourceType":"Patient","text":{"status":"generated","div":"<div>x</div>"}})"),
      false);
  ASSERT_TRUE(xml.ok()) << xml.status();
  EXPECT_THAT(*xml, HasSubstr(R"(<div xmlns="http://www.w3.org/1999/xhtml">x</div>)"));
}

TEST(WriteXml, RejectsTreesThatAreNotFhirJson) {
  ExpectWriteError(R"({"resourceType":"Patient","nickname":"x"})",
                   "unknown property 'nickname' at Patient");
  ExpectWriteError(R"({"resourceType":"Patient","name":{"family":"x"}})", "must be an array");
  ExpectWriteError(R"({"resourceType":"Patient","active":[true]})", "must not be an array");
  ExpectWriteError(R"({"resourceType":"Patient","active":"true"})",
                   "must be a JSON boolean at Patient.active");
  ExpectWriteError(R"({"resourceType":"Patient","name":[{"given":["a"],"_given":[null,{}]}]})",
                   "arrays differ in length");
  ExpectWriteError(R"({"resourceType":"Patient","name":[{"_family":{"id":"x"},"_text":{}}]})",
                   "no value, id or extension at Patient.name[0].text");
  ExpectWriteError(R"({"resourceType":"Patient","name":[{"text":"a\u0001"}]})",
                   "control character");
  ExpectWriteError(R"({"resourceType":"Nope"})", "not a FHIR resource type");
  ExpectWriteError(R"({"id":"x"})", "no resourceType");
  ExpectWriteError(R"({"resourceType":"Patient","text":{"status":"generated","div":"<div>x"}})",
                   "not well-formed");
  ExpectWriteError(
      R"({"resourceType":"Patient","text":{"status":"generated",
          "div":"<p xmlns=\"http://www.w3.org/1999/xhtml\">x</p>"}})",
      "must be a <div>");
  ExpectWriteError(
      R"({"resourceType":"Patient","text":{"status":"generated",
          "div":"<!DOCTYPE div><div>x</div>"}})",
      "DTDs");
  ExpectWriteError(R"({"resourceType":"Observation","valueString":"a","valueBoolean":true})",
                   "two types for the same choice element");
  ExpectWriteError(R"({"resourceType":"Patient","_name":[{"id":"x"}]})",
                   "only allowed for primitive elements");
}

TEST(WriteXml, RoundTripsPrimitiveExtensionsInArrays) {
  const Value tree = Json(R"({"resourceType":"Patient","name":[{
      "given":["A",null,"C"],
      "_given":[null,{"extension":[{"url":"u","valueCode":"x"}]},{"id":"c"}]}]})");
  absl::StatusOr<std::string> xml = WriteXml(Defs(), tree, false);
  ASSERT_TRUE(xml.ok()) << xml.status();
  EXPECT_THAT(*xml,
              HasSubstr(R"(<given value="A"/><given><extension url="u"><valueCode value="x"/>)"
                        R"(</extension></given><given id="c" value="C"/>)"));
  absl::StatusOr<Value> again = ParseXml(Defs(), *xml);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(*again, tree);
}

}  // namespace
}  // namespace tc::fhir
