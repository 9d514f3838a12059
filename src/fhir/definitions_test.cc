#include "fhir/definitions.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "fhir/testing/shared_definitions.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tc::fhir {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::IsSupersetOf;
using ::testing::Not;

const Definitions& Defs() { return tc::fhir::testing::SharedDefinitions(); }

std::vector<std::string> ChildNames(const Definitions& defs, std::string_view context) {
  std::vector<std::string> names;
  for (const ElementDef* e : defs.Children(context)) names.push_back(e->name);
  return names;
}

TEST(DefinitionsTest, LoadsQuickly) {
  auto start = std::chrono::steady_clock::now();
  auto defs = Definitions::LoadEmbedded();
  auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(defs.ok()) << defs.status();
  double ms = std::chrono::duration<double, std::milli>(elapsed).count();
  std::printf("registry loaded in %.1f ms\n", ms);
  // Generous for Debug + sanitizer builds; a Release build loads in a few milliseconds.
  EXPECT_LT(ms, 1000.0);
}

TEST(DefinitionsTest, RejectsCorruptRegistry) {
  EXPECT_FALSE(Definitions::LoadFromJson("").ok());
  EXPECT_FALSE(Definitions::LoadFromJson("{").ok());
  EXPECT_FALSE(Definitions::LoadFromJson(R"({"format":2,"t":{},"sp":[],"cp":{},"vs":{}})").ok());
  EXPECT_FALSE(Definitions::LoadFromJson(R"({"format":1})").ok());
  auto empty = Definitions::LoadFromJson(R"({"format":1,"t":{},"sp":[],"cp":{},"vs":{}})");
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_EQ((*empty)->FindType("Patient"), nullptr);
  EXPECT_FALSE((*empty)->ResolveChild("Patient", "name").has_value());
}

TEST(DefinitionsTest, Types) {
  const Definitions& defs = Defs();
  const TypeDef* patient = defs.FindType("Patient");
  ASSERT_NE(patient, nullptr);
  EXPECT_EQ(patient->kind, TypeKind::kResource);
  EXPECT_FALSE(patient->is_abstract);
  EXPECT_EQ(patient->base, "DomainResource");
  EXPECT_TRUE(defs.IsResourceType("Patient"));
  EXPECT_FALSE(defs.IsResourceType("DomainResource"));
  EXPECT_FALSE(defs.IsResourceType("Resource"));
  EXPECT_FALSE(defs.IsResourceType("HumanName"));
  EXPECT_FALSE(defs.IsResourceType("Patientx"));

  std::vector<std::string> names = defs.ResourceTypeNames();
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  EXPECT_EQ(names.size(), 146u);
  EXPECT_THAT(names, IsSupersetOf({"Bundle", "Observation", "Patient", "QuestionnaireResponse"}));
  EXPECT_THAT(names, Not(Contains("DomainResource")));

  const TypeDef* human_name = defs.FindType("HumanName");
  ASSERT_NE(human_name, nullptr);
  EXPECT_EQ(human_name->kind, TypeKind::kComplex);
  EXPECT_EQ(human_name->base, "Element");

  const TypeDef* integer = defs.FindType("positiveInt");
  ASSERT_NE(integer, nullptr);
  EXPECT_EQ(integer->kind, TypeKind::kPrimitive);
  EXPECT_EQ(integer->json_type, "number");
  EXPECT_EQ(integer->regex, "[1-9][0-9]*");
  EXPECT_EQ(defs.FindType("boolean")->json_type, "boolean");
  EXPECT_EQ(defs.FindType("decimal")->json_type, "number");
  EXPECT_EQ(defs.FindType("unsignedInt")->json_type, "number");
  EXPECT_EQ(defs.FindType("code")->json_type, "string");
  EXPECT_EQ(defs.FindType("code")->base, "string");
  EXPECT_FALSE(defs.FindType("date")->regex.empty());

  // A datatype profile used as a type maps onto its base.
  const TypeDef* simple = defs.FindType("SimpleQuantity");
  ASSERT_NE(simple, nullptr);
  EXPECT_EQ(simple->base, "Quantity");
  EXPECT_TRUE(defs.ResolveChild("SimpleQuantity", "value").has_value());
}

TEST(DefinitionsTest, Elements) {
  const Definitions& defs = Defs();
  const ElementDef* name = defs.FindElement("Patient.name");
  ASSERT_NE(name, nullptr);
  EXPECT_EQ(name->name, "name");
  EXPECT_EQ(name->min, 0);
  EXPECT_EQ(name->max, -1);
  EXPECT_TRUE(name->is_summary);
  EXPECT_THAT(name->types, ElementsAre("HumanName"));

  const ElementDef* value = defs.FindElement("Observation.value[x]");
  ASSERT_NE(value, nullptr);
  EXPECT_TRUE(value->is_choice);
  EXPECT_EQ(value->name, "value");
  EXPECT_THAT(value->types,
              ElementsAre("Quantity", "CodeableConcept", "string", "boolean", "integer", "Range",
                          "Ratio", "SampledData", "time", "dateTime", "Period"));

  const ElementDef* status = defs.FindElement("Observation.status");
  ASSERT_NE(status, nullptr);
  EXPECT_EQ(status->min, 1);
  EXPECT_TRUE(status->is_modifier);
  EXPECT_EQ(status->required_binding, "http://hl7.org/fhir/ValueSet/observation-status");

  const ElementDef* gp = defs.FindElement("Patient.generalPractitioner");
  ASSERT_NE(gp, nullptr);
  EXPECT_THAT(gp->target_types, ElementsAre("Organization", "Practitioner", "PractitionerRole"));
  // "Reference(Any)" has no target restriction.
  EXPECT_TRUE(defs.FindElement("Observation.focus")->target_types.empty());

  // Inherited elements are materialised under the inheriting path.
  ASSERT_NE(defs.FindElement("Patient.id"), nullptr);
  EXPECT_THAT(defs.FindElement("Patient.id")->types, ElementsAre("id"));
  ASSERT_NE(defs.FindElement("Patient.contact.modifierExtension"), nullptr);
  ASSERT_NE(defs.FindElement("HumanName.extension"), nullptr);
  EXPECT_EQ(defs.FindElement("Patient.nonsense"), nullptr);

  EXPECT_THAT(ChildNames(defs, "Patient"),
              IsSupersetOf({"id", "meta", "implicitRules", "language", "text", "contained",
                            "extension", "modifierExtension", "identifier", "name", "link"}));
  std::vector<std::string> patient = ChildNames(defs, "Patient");
  EXPECT_EQ(patient.front(), "id");  // definition order: inherited first
  EXPECT_EQ(patient.back(), "link");
  EXPECT_THAT(ChildNames(defs, "Patient.contact"),
              ElementsAre("id", "extension", "modifierExtension", "relationship", "name", "telecom",
                          "address", "gender", "organization", "period"));
  EXPECT_THAT(ChildNames(defs, "Extension"), ElementsAre("id", "extension", "url", "value"));
  EXPECT_TRUE(defs.Children("NoSuchType").empty());
  EXPECT_EQ(defs.ChildElements("Patient.contact").size(), 10u);
}

TEST(DefinitionsTest, ResolveChoice) {
  const Definitions& defs = Defs();
  auto child = defs.ResolveChild("Observation", "valueQuantity");
  ASSERT_TRUE(child.has_value());
  EXPECT_EQ(child->element->path, "Observation.value[x]");
  EXPECT_EQ(child->type, "Quantity");
  EXPECT_EQ(defs.ChildContext(*child), "Quantity");

  auto dt = defs.ResolveChild("Observation", "valueDateTime");
  ASSERT_TRUE(dt.has_value());
  EXPECT_EQ(dt->type, "dateTime");
  EXPECT_EQ(defs.ChildContext(*dt), "dateTime");

  EXPECT_FALSE(defs.ResolveChild("Observation", "value").has_value());
  EXPECT_FALSE(defs.ResolveChild("Observation", "valueBoolean2").has_value());
  EXPECT_FALSE(defs.ResolveChild("Observation", "valueAddress").has_value());  // not allowed
  EXPECT_FALSE(defs.ResolveChild("Observation", "valuequantity").has_value());
  EXPECT_FALSE(defs.ResolveChild("Observation", "value[x]").has_value());

  auto ext = defs.ResolveChild("Extension", "valueCodeableConcept");
  ASSERT_TRUE(ext.has_value());
  EXPECT_EQ(ext->element->path, "Extension.value[x]");
}

TEST(DefinitionsTest, ResolvePrimitiveAndInherited) {
  const Definitions& defs = Defs();
  // `_birthDate` is resolved through its name without the underscore: a primitive element.
  auto birth = defs.ResolveChild("Patient", "birthDate");
  ASSERT_TRUE(birth.has_value());
  EXPECT_EQ(birth->type, "date");
  EXPECT_EQ(defs.FindType(birth->type)->kind, TypeKind::kPrimitive);
  // The primitive's own children: what `_birthDate` may hold (plus `value`).
  std::string ctx = defs.ChildContext(*birth);
  EXPECT_EQ(ctx, "date");
  EXPECT_THAT(ChildNames(defs, ctx), ElementsAre("id", "extension", "value"));
  EXPECT_TRUE(defs.ResolveChild(ctx, "extension").has_value());
  EXPECT_FALSE(defs.ResolveChild("Patient", "_birthDate").has_value());

  for (const char* name : {"id", "meta", "implicitRules", "language", "text", "contained",
                           "extension", "modifierExtension"}) {
    auto c = defs.ResolveChild("Patient", name);
    ASSERT_TRUE(c.has_value()) << name;
    EXPECT_EQ(c->element->path, std::string("Patient.") + name);
  }
  EXPECT_EQ(defs.ResolveChild("Patient", "meta")->type, "Meta");
  EXPECT_EQ(defs.ResolveChild("Patient", "contained")->type, "Resource");
  EXPECT_EQ(defs.ResolveChild("Patient", "extension")->element->max, -1);
  // Bundle is a Resource, not a DomainResource: no text, no extension.
  EXPECT_TRUE(defs.ResolveChild("Bundle", "id").has_value());
  EXPECT_FALSE(defs.ResolveChild("Bundle", "text").has_value());
  EXPECT_FALSE(defs.ResolveChild("Bundle", "extension").has_value());

  // Backbone elements and datatypes inherit Element/BackboneElement children.
  auto contact = defs.ResolveChild("Patient", "contact");
  ASSERT_TRUE(contact.has_value());
  EXPECT_EQ(contact->type, "BackboneElement");
  EXPECT_EQ(defs.ChildContext(*contact), "Patient.contact");
  auto mod = defs.ResolveChild("Patient.contact", "modifierExtension");
  ASSERT_TRUE(mod.has_value());
  EXPECT_EQ(mod->type, "Extension");
  EXPECT_TRUE(defs.ResolveChild("HumanName", "extension").has_value());
  EXPECT_TRUE(defs.ResolveChild("HumanName", "id").has_value());
  EXPECT_EQ(defs.ResolveChild("HumanName", "id")->type, "string");
  EXPECT_FALSE(defs.ResolveChild("HumanName", "modifierExtension").has_value());
  EXPECT_TRUE(defs.ResolveChild("Age", "value").has_value());  // Age specialises Quantity
  EXPECT_EQ(defs.ResolveChild("Extension", "url")->type, "uri");

  // Element-typed parts of datatypes are contexts too.
  auto repeat = defs.ResolveChild("Timing", "repeat");
  ASSERT_TRUE(repeat.has_value());
  EXPECT_EQ(defs.ChildContext(*repeat), "Timing.repeat");
  EXPECT_TRUE(defs.ResolveChild("Timing.repeat", "boundsDuration").has_value());
}

TEST(DefinitionsTest, ContentReferenceAndResources) {
  const Definitions& defs = Defs();
  auto item = defs.ResolveChild("Questionnaire", "item");
  ASSERT_TRUE(item.has_value());
  EXPECT_EQ(defs.ChildContext(*item), "Questionnaire.item");
  auto nested = defs.ResolveChild("Questionnaire.item", "item");
  ASSERT_TRUE(nested.has_value());
  EXPECT_EQ(nested->element->path, "Questionnaire.item.item");
  EXPECT_EQ(nested->element->content_reference, "Questionnaire.item");
  EXPECT_TRUE(nested->element->types.empty());
  EXPECT_EQ(nested->type, "BackboneElement");
  EXPECT_EQ(nested->element->max, -1);
  EXPECT_EQ(defs.ChildContext(*nested), "Questionnaire.item");
  EXPECT_TRUE(defs.ResolveChild(defs.ChildContext(*nested), "linkId").has_value());

  auto entry = defs.ResolveChild("Bundle", "entry");
  ASSERT_TRUE(entry.has_value());
  auto resource = defs.ResolveChild(defs.ChildContext(*entry), "resource");
  ASSERT_TRUE(resource.has_value());
  EXPECT_EQ(resource->type, "Resource");
  EXPECT_EQ(resource->element->path, "Bundle.entry.resource");
  EXPECT_EQ(defs.FindType(resource->type)->kind, TypeKind::kResource);

  auto part = defs.ResolveChild("Parameters.parameter", "part");
  ASSERT_TRUE(part.has_value());
  EXPECT_EQ(defs.ChildContext(*part), "Parameters.parameter");
}

TEST(DefinitionsTest, SearchParameters) {
  const Definitions& defs = Defs();
  EXPECT_GE(defs.search_param_count(), 1380u);
  EXPECT_LE(defs.search_param_count(), 1400u);

  const SearchParamDef* name = defs.FindSearchParam("Patient", "name");
  ASSERT_NE(name, nullptr);
  EXPECT_EQ(name->type, "string");
  EXPECT_EQ(name->url, "http://hl7.org/fhir/SearchParameter/Patient-name");
  EXPECT_EQ(name->expression, "Patient.name");

  // Inherited from Resource and DomainResource.
  const SearchParamDef* id = defs.FindSearchParam("Patient", "_id");
  ASSERT_NE(id, nullptr);
  EXPECT_EQ(id->url, "http://hl7.org/fhir/SearchParameter/Resource-id");
  EXPECT_NE(defs.FindSearchParam("Patient", "_lastUpdated"), nullptr);
  EXPECT_NE(defs.FindSearchParam("Patient", "_text"), nullptr);
  EXPECT_NE(defs.FindSearchParam("Bundle", "_id"), nullptr);
  EXPECT_EQ(defs.FindSearchParam("Bundle", "_text"), nullptr);  // Bundle is no DomainResource
  EXPECT_EQ(defs.FindSearchParam("Patient", "nope"), nullptr);
  EXPECT_EQ(defs.FindSearchParam("Nope", "_id"), nullptr);

  // Shared parameters list every base.
  const SearchParamDef* code = defs.FindSearchParam("Condition", "code");
  ASSERT_NE(code, nullptr);
  EXPECT_EQ(code->url, "http://hl7.org/fhir/SearchParameter/clinical-code");
  EXPECT_THAT(code->base, IsSupersetOf({"Condition", "Observation", "Procedure"}));

  const SearchParamDef* subject = defs.FindSearchParam("Observation", "subject");
  ASSERT_NE(subject, nullptr);
  EXPECT_EQ(subject->type, "reference");
  EXPECT_THAT(subject->targets, Contains("Patient"));

  const SearchParamDef* composite = defs.FindSearchParam("Observation", "code-value-quantity");
  ASSERT_NE(composite, nullptr);
  EXPECT_EQ(composite->type, "composite");
  ASSERT_EQ(composite->components.size(), 2u);
  EXPECT_EQ(composite->components[0].definition,
            "http://hl7.org/fhir/SearchParameter/clinical-code");
  EXPECT_EQ(composite->components[1].expression, "value.as(Quantity)");

  std::vector<const SearchParamDef*> all = defs.SearchParamsFor("Observation");
  EXPECT_GT(all.size(), 30u);
  EXPECT_EQ(all.front()->base.empty(), false);
  EXPECT_TRUE(defs.SearchParamsFor("Nope").empty());

  // Extension-defined parameters published without a base apply to no resource type.
  EXPECT_EQ(defs.FindSearchParam("ValueSet", "keyword"), nullptr);
}

TEST(DefinitionsTest, Compartments) {
  const Definitions& defs = Defs();
  const std::vector<std::string>* obs = defs.CompartmentParams("Patient", "Observation");
  ASSERT_NE(obs, nullptr);
  EXPECT_THAT(*obs, Contains("subject"));
  const std::vector<std::string>* patient = defs.CompartmentParams("Patient", "Patient");
  ASSERT_NE(patient, nullptr);
  EXPECT_THAT(*patient, Contains("link"));
  EXPECT_NE(defs.CompartmentParams("Encounter", "Observation"), nullptr);
  EXPECT_NE(defs.CompartmentParams("Practitioner", "Encounter"), nullptr);
  EXPECT_NE(defs.CompartmentParams("RelatedPerson", "Observation"), nullptr);
  EXPECT_NE(defs.CompartmentParams("Device", "Observation"), nullptr);
  EXPECT_EQ(defs.CompartmentParams("Patient", "CodeSystem"), nullptr);  // not in it
  EXPECT_EQ(defs.CompartmentParams("Nope", "Observation"), nullptr);
}

TEST(DefinitionsTest, ValueSets) {
  const Definitions& defs = Defs();
  const ValueSetDef* gender =
      defs.FindValueSet("http://hl7.org/fhir/ValueSet/administrative-gender");
  ASSERT_NE(gender, nullptr);
  EXPECT_TRUE(gender->complete);
  EXPECT_TRUE(gender->ContainsCode("male"));
  EXPECT_TRUE(gender->ContainsCode("unknown"));
  EXPECT_FALSE(gender->ContainsCode("Male"));
  EXPECT_FALSE(gender->ContainsCode("m"));
  EXPECT_TRUE(gender->Contains("http://hl7.org/fhir/administrative-gender", "female"));
  EXPECT_FALSE(gender->Contains("http://example.org", "female"));
  EXPECT_EQ(gender->codes.size(), 4u);
  // Versioned canonical.
  EXPECT_EQ(defs.FindValueSet("http://hl7.org/fhir/ValueSet/administrative-gender|4.0.1"), gender);

  // Nested concepts of a code system are included (v3 / hierarchical systems).
  const ValueSetDef* status = defs.FindValueSet("http://hl7.org/fhir/ValueSet/observation-status");
  ASSERT_NE(status, nullptr);
  EXPECT_TRUE(status->ContainsCode("final"));
  EXPECT_TRUE(status->ContainsCode("corrected"));  // a child of "amended"

  // Value sets over code systems the package cannot enumerate are incomplete.
  const ValueSetDef* mime = defs.FindValueSet("http://hl7.org/fhir/ValueSet/mimetypes");
  ASSERT_NE(mime, nullptr);
  EXPECT_FALSE(mime->complete);
  const ValueSetDef* ucum = defs.FindValueSet("http://hl7.org/fhir/ValueSet/ucum-units");
  ASSERT_NE(ucum, nullptr);
  EXPECT_FALSE(ucum->complete);

  EXPECT_EQ(defs.FindValueSet("http://example.org/nope"), nullptr);
}

}  // namespace
}  // namespace tc::fhir
