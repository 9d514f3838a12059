# RFC 6902 JSON Patch (json_patch.h). Included from src/engine/CMakeLists.txt.
tc_library(NAME tc_engine_json_patch
  SRCS json_patch.cc
  DEPS tc_fhir_value absl::status absl::statusor absl::strings)

# Hand-written cases plus the HL7 fixture run (fixtures/hl7-fhir-test-cases/r4/patch), whose
# allowed failures are listed in testdata/json-patch-known-failures.txt.
tc_test(NAME tc_engine_json_patch_test SRCS json_patch_test.cc
  DEPS tc_fhir_testing tc_fhir_testing_gtest tc_engine_json_patch tc_fhir_value LABELS conformance)
