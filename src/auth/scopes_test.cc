#include "auth/scopes.h"

#include "gtest/gtest.h"

namespace tc::auth {
namespace {

ResourceScope Parse(std::string_view s) {
  absl::StatusOr<ResourceScope> scope = ParseResourceScope(s);
  EXPECT_TRUE(scope.ok()) << s << ": " << scope.status();
  return scope.value_or(ResourceScope{});
}

TEST(ScopesTest, V2PermissionSubsets) {
  EXPECT_EQ(Parse("system/Observation.rs"),
            (ResourceScope{ScopeContext::kSystem, "Observation", kPermRead | kPermSearch}));
  EXPECT_EQ(Parse("user/*.cruds").permissions, kPermAll);
  EXPECT_EQ(Parse("patient/Patient.r").permissions, kPermRead);
  EXPECT_EQ(Parse("user/MedicationRequest.cud").permissions,
            kPermCreate | kPermUpdate | kPermDelete);
  EXPECT_EQ(Parse("user/Flag.ds").permissions, kPermDelete | kPermSearch);
  EXPECT_EQ(Parse("patient/*.c").context, ScopeContext::kPatient);
  EXPECT_EQ(Parse("user/Flag.c").context, ScopeContext::kUser);
}

TEST(ScopesTest, V1FormsMapAsTheV2SpecSays) {
  EXPECT_EQ(Parse("patient/Observation.read").permissions, kPermRead | kPermSearch);
  EXPECT_EQ(Parse("user/Observation.write").permissions, kPermCreate | kPermUpdate | kPermDelete);
  EXPECT_EQ(Parse("system/*.*").permissions, kPermAll);
  EXPECT_EQ(Parse("system/*.*").resource_type, "*");
}

TEST(ScopesTest, CanonicalText) {
  EXPECT_EQ(ScopeToString(Parse("patient/Observation.read")), "patient/Observation.rs");
  EXPECT_EQ(ScopeToString(Parse("system/*.*")), "system/*.cruds");
  EXPECT_EQ(ScopeToString(Parse("user/Flag.cu")), "user/Flag.cu");
}

TEST(ScopesTest, InvalidStrings) {
  for (const char* bad : {"",
                          "system",
                          "system/",
                          "system/Observation",
                          "system/Observation.",
                          "system/.rs",
                          "System/Observation.rs",
                          "group/Observation.rs",
                          "*/Observation.rs",
                          "system/observation.rs",
                          "system/Obs-ervation.rs",
                          "system/Observation.sr",
                          "system/Observation.rr",
                          "system/Observation.crudsx",
                          "system/Observation.x",
                          "system/Observation.READ",
                          "system/Observation.read.write",
                          "system/**.rs",
                          "system/Observation .rs",
                          "system/Observation.rs/"}) {
    absl::StatusOr<ResourceScope> scope = ParseResourceScope(bad);
    EXPECT_EQ(scope.status().code(), absl::StatusCode::kInvalidArgument) << "\"" << bad << "\"";
  }
}

TEST(ScopesTest, QueryRestrictionsAreUnsupportedNotWidened) {
  absl::StatusOr<ResourceScope> scope = ParseResourceScope(
      "patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/"
      "observation-category|laboratory");
  EXPECT_EQ(scope.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_EQ(ParseScopes("openid patient/Observation.rs?category=x").status().code(),
            absl::StatusCode::kUnimplemented);
}

TEST(ScopesTest, ScopeStringsKeepOtherTokens) {
  absl::StatusOr<Scopes> scopes =
      ParseScopes("openid  fhirUser launch/patient patient/Observation.rs offline_access ");
  ASSERT_TRUE(scopes.ok()) << scopes.status();
  ASSERT_EQ(scopes->resource.size(), 1u);
  EXPECT_EQ(scopes->other,
            (std::vector<std::string>{"openid", "fhirUser", "launch/patient", "offline_access"}));
  EXPECT_TRUE(ParseScopes("").value().resource.empty());
  EXPECT_FALSE(ParseScopes("openid user/Observation.rx").ok());
}

TEST(ScopesTest, AllowsChecksContextTypeAndPermission) {
  Scopes scopes = ParseScopes("system/Observation.rs system/Patient.r user/*.c").value();
  EXPECT_TRUE(Allows(scopes, ScopeContext::kSystem, "Observation", ScopeInteraction::kRead));
  EXPECT_TRUE(Allows(scopes, ScopeContext::kSystem, "Observation", ScopeInteraction::kSearch));
  EXPECT_FALSE(Allows(scopes, ScopeContext::kSystem, "Observation", ScopeInteraction::kCreate));
  EXPECT_FALSE(Allows(scopes, ScopeContext::kSystem, "Observation", ScopeInteraction::kUpdate));
  EXPECT_FALSE(Allows(scopes, ScopeContext::kSystem, "Observation", ScopeInteraction::kDelete));
  EXPECT_TRUE(Allows(scopes, ScopeContext::kSystem, "Patient", ScopeInteraction::kRead));
  EXPECT_FALSE(Allows(scopes, ScopeContext::kSystem, "Patient", ScopeInteraction::kSearch));
  EXPECT_FALSE(Allows(scopes, ScopeContext::kSystem, "Condition", ScopeInteraction::kRead));
  // user/*.c: any type, create only, user context only.
  EXPECT_TRUE(Allows(scopes, ScopeContext::kUser, "Condition", ScopeInteraction::kCreate));
  EXPECT_FALSE(Allows(scopes, ScopeContext::kUser, "Condition", ScopeInteraction::kRead));
  EXPECT_FALSE(Allows(scopes, ScopeContext::kPatient, "Condition", ScopeInteraction::kCreate));
  EXPECT_FALSE(Allows(scopes, ScopeContext::kUser, "Observation", ScopeInteraction::kRead));
  EXPECT_FALSE(Allows(Scopes{}, ScopeContext::kSystem, "Patient", ScopeInteraction::kRead));

  Scopes all = ParseScopes("system/*.cruds").value();
  for (auto i : {ScopeInteraction::kCreate, ScopeInteraction::kRead, ScopeInteraction::kUpdate,
                 ScopeInteraction::kDelete, ScopeInteraction::kSearch}) {
    EXPECT_TRUE(Allows(all, ScopeContext::kSystem, "AuditEvent", i));
  }
}

}  // namespace
}  // namespace tc::auth
