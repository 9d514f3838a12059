#include "access/account_rules.h"

#include <regex>
#include <set>
#include <string>

#include "auth/password.h"
#include "gtest/gtest.h"

namespace tc::access {
namespace {

TEST(AccountRulesTest, Logins) {
  EXPECT_TRUE(IsValidLogin("jsmith"));
  EXPECT_TRUE(IsValidLogin("j.smith-2_b"));
  EXPECT_TRUE(IsValidLogin("ab"));
  EXPECT_TRUE(IsValidLogin(std::string(64, 'a')));
  EXPECT_FALSE(IsValidLogin("a"));
  EXPECT_FALSE(IsValidLogin(std::string(65, 'a')));
  EXPECT_FALSE(IsValidLogin("JSmith"));
  EXPECT_FALSE(IsValidLogin("j smith"));
  EXPECT_FALSE(IsValidLogin("j@smith"));
  EXPECT_FALSE(IsValidLogin(""));
}

TEST(AccountRulesTest, ClientIdsAndEstablishments) {
  EXPECT_TRUE(IsValidClientId("GP-Connect.1_a"));
  EXPECT_FALSE(IsValidClientId("x"));
  EXPECT_FALSE(IsValidClientId("a/b"));
  EXPECT_TRUE(IsValidEstablishment("HMP-LEEDS"));
  EXPECT_TRUE(IsValidEstablishment("X"));
  EXPECT_FALSE(IsValidEstablishment(""));
  EXPECT_FALSE(IsValidEstablishment("HMP LEEDS"));
  EXPECT_FALSE(IsValidEstablishment("HMP_LEEDS"));
  EXPECT_FALSE(IsValidEstablishment(std::string(33, 'A')));

  absl::StatusOr<std::vector<std::string>> codes =
      NormalizeEstablishments({"HMP-LEEDS", "HMP-DURHAM", "HMP-LEEDS"});
  ASSERT_TRUE(codes.ok()) << codes.status();
  EXPECT_EQ(*codes, (std::vector<std::string>{"HMP-DURHAM", "HMP-LEEDS"}));
  EXPECT_EQ(NormalizeEstablishments({"ok", "not ok"}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(AccountRulesTest, Names) {
  EXPECT_TRUE(CheckName("Jane Smith", "display name").ok());
  EXPECT_TRUE(CheckName("Siân O'Brien", "display name").ok());
  EXPECT_FALSE(CheckName("", "display name").ok());
  EXPECT_FALSE(CheckName("   ", "display name").ok());
  EXPECT_FALSE(CheckName("a\nb", "display name").ok());
  EXPECT_FALSE(CheckName("\xff", "display name").ok());
  EXPECT_FALSE(CheckName(std::string(201, 'a'), "display name").ok());
}

TEST(AccountRulesTest, ClientScopes) {
  EXPECT_EQ(CanonicalClientScopes("system/Patient.rs  system/Observation.cruds").value(),
            "system/Patient.rs system/Observation.cruds");
  EXPECT_EQ(CanonicalClientScopes("system/Patient.read system/Patient.rs").value(),
            "system/Patient.rs");
  EXPECT_EQ(CanonicalClientScopes("system/*.*").value(), "system/*.cruds");
  for (const char* bad :
       {"", "   ", "user/Patient.rs", "patient/*.rs", "openid", "system/Patient.rs openid",
        "system/Patient.rs?gender=male", "system/Patient.sr", "system/patient.rs"}) {
    EXPECT_EQ(CanonicalClientScopes(bad).status().code(), absl::StatusCode::kInvalidArgument)
        << bad;
  }
}

TEST(AccountRulesTest, JwksShape) {
  EXPECT_FALSE(CheckClientJwks("not json").ok());
  EXPECT_FALSE(CheckClientJwks(R"({"keys":[]})").ok());  // no usable key
  EXPECT_FALSE(CheckClientJwks(R"({"keys":[{"kty":"OKP","crv":"Ed25519","x":"AA"}]})").ok());
  EXPECT_FALSE(CheckClientJwks(std::string(kMaxJwksBytes + 1, ' ')).ok());
}

TEST(AccountRulesTest, OneTimePasswords) {
  base::SeededRandom random(7);
  const std::regex shape("[2-9a-hjkmnp-z]{5}(-[2-9a-hjkmnp-z]{5}){3}");
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    std::string password = GenerateOneTimePassword(random);
    EXPECT_TRUE(std::regex_match(password, shape)) << password;
    EXPECT_TRUE(auth::CheckPasswordRules(password).ok()) << password;
    seen.insert(password);
  }
  EXPECT_EQ(seen.size(), 200u);
}

}  // namespace
}  // namespace tc::access
