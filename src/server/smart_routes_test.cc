// The SMART routes' pure parts: the token URL derived from the FHIR base URL, and the method
// rules of the discovery document.
#include "server/smart_routes.h"

#include "gtest/gtest.h"

namespace tc::server {
namespace {

TEST(SmartRoutesTest, TheTokenUrlSitsBesideTheFhirBase) {
  EXPECT_EQ(TokenUrlFor("http://127.0.0.1:8080/fhir", "/fhir"), "http://127.0.0.1:8080/auth/token");
  EXPECT_EQ(TokenUrlFor("https://ehr.example/r4/fhir", "/fhir"),
            "https://ehr.example/r4/auth/token");
  // A proxy's base URL that does not end with the base path: its origin.
  EXPECT_EQ(TokenUrlFor("https://ehr.example/api/r4", "/fhir"), "https://ehr.example/auth/token");
  EXPECT_EQ(TokenUrlFor("https://ehr.example", "/fhir"), "https://ehr.example/auth/token");
}

TEST(SmartRoutesTest, TheConfigurationIsReadWithGet) {
  http::Request get;
  get.method = "GET";
  http::Response ok = SmartConfigurationRoute(get, "https://ehr.example/auth/token");
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.Header("Content-Type"), "application/json");
  EXPECT_NE(ok.body.find("\"token_endpoint\":\"https://ehr.example/auth/token\""),
            std::string::npos);
  http::Request post;
  post.method = "POST";
  http::Response refused = SmartConfigurationRoute(post, "https://ehr.example/auth/token");
  EXPECT_EQ(refused.status, 405);
  EXPECT_EQ(refused.Header("Allow"), "GET, HEAD");
}

}  // namespace
}  // namespace tc::server
