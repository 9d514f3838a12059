# FHIR Patch (fhir_patch.h): Parameters + FHIRPath. Included from src/engine/CMakeLists.txt.
tc_library(NAME tc_engine_fhir_patch
  SRCS fhir_patch.cc
  DEPS tc_fhirpath tc_fhir_value tc_fhir_definitions tc_base absl::status absl::statusor
    absl::strings)

# Hand-written cases plus the HL7 fixture run (fixtures/hl7-fhir-test-cases/r4/patch/
# fhir-patch-tests.xml), whose allowed failures are listed in
# testdata/fhir-patch-known-failures.txt.
tc_test(NAME tc_engine_fhir_patch_test SRCS fhir_patch_test.cc
  DEPS tc_fhir_testing tc_fhir_testing_gtest tc_engine_fhir_patch tc_fhir_xml tc_fhir_value tc_fhir_definitions pugixml::pugixml
  LABELS conformance)
