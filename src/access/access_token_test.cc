#include "access/access_token.h"

#include "auth/encoding.h"
#include "base/clock.h"
#include "base/random.h"
#include "gtest/gtest.h"

namespace tc::access {
namespace {

class AccessTokenTest : public ::testing::Test {
 protected:
  AccessTokenClaims Claims() {
    AccessTokenClaims c;
    c.subject = "nurse1";
    c.name = "Nurse One";
    c.role = auth::Role::kRegisteredNurse;
    c.establishments = {"HMP-A"};
    c.issued = clock_.Now();
    c.expires = clock_.Now() + absl::Minutes(10);
    return c;
  }
  std::string Mint(AccessTokenClaims c, const TokenKeys& keys) {
    absl::StatusOr<std::string> t = MintAccessToken(std::move(c), keys, random_);
    EXPECT_TRUE(t.ok()) << t.status();
    return t.ok() ? *t : "";
  }
  base::FakeClock clock_{absl::FromUnixSeconds(1764000000)};
  base::SeededRandom random_{3};
  TokenKeys keys_{std::string(32, 'k'), "tc-instance-a"};
};

TEST_F(AccessTokenTest, RoundTrip) {
  AccessTokenClaims c = Claims();
  c.scope = "user/*.cruds";
  absl::StatusOr<AccessTokenClaims> v = VerifyAccessToken(Mint(c, keys_), keys_, clock_);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->subject, "nurse1");
  EXPECT_EQ(v->name, "Nurse One");
  EXPECT_EQ(v->role, auth::Role::kRegisteredNurse);
  EXPECT_EQ(v->establishments, std::vector<std::string>{"HMP-A"});
  EXPECT_EQ(v->scope, "user/*.cruds");
  EXPECT_FALSE(v->jti.empty());
}

TEST_F(AccessTokenTest, ExpiredTamperedForeignAndWrongAudienceAreRefused) {
  const std::string token = Mint(Claims(), keys_);
  // Expired (beyond the 5 s leeway).
  clock_.Advance(absl::Minutes(10) + absl::Seconds(6));
  absl::StatusOr<AccessTokenClaims> v = VerifyAccessToken(token, keys_, clock_);
  EXPECT_TRUE(absl::IsUnauthenticated(v.status())) << v.status();
  clock_.Advance(-absl::Minutes(10));
  ASSERT_TRUE(VerifyAccessToken(token, keys_, clock_).ok());
  // Tampered: the payload says system instead of registered-nurse.
  const size_t dot1 = token.find('.'), dot2 = token.rfind('.');
  std::string payload = *auth::Base64UrlDecode(token.substr(dot1 + 1, dot2 - dot1 - 1));
  const size_t at = payload.find("registered-nurse");
  ASSERT_NE(at, std::string::npos);
  payload.replace(at, 16, "system");
  std::string forged =
      token.substr(0, dot1 + 1) + auth::Base64UrlEncode(payload) + token.substr(dot2);
  EXPECT_TRUE(absl::IsUnauthenticated(VerifyAccessToken(forged, keys_, clock_).status()));
  // Another instance's secret.
  TokenKeys other{std::string(32, 'z'), "tc-instance-a"};
  EXPECT_TRUE(absl::IsUnauthenticated(VerifyAccessToken(token, other, clock_).status()));
  // Same secret, another audience.
  TokenKeys elsewhere{keys_.secret, "tc-instance-b"};
  EXPECT_TRUE(absl::IsUnauthenticated(VerifyAccessToken(token, elsewhere, clock_).status()));
  // Not a JWT at all; the alg=none trick.
  EXPECT_FALSE(VerifyAccessToken("abc", keys_, clock_).ok());
  std::string none = auth::Base64UrlEncode(R"({"alg":"none","typ":"JWT"})") + "." +
                     token.substr(dot1 + 1, dot2 - dot1 - 1) + ".";
  EXPECT_TRUE(absl::IsUnauthenticated(VerifyAccessToken(none, keys_, clock_).status()));
}

TEST_F(AccessTokenTest, MintRefusesBadClaims) {
  AccessTokenClaims c = Claims();
  c.expires = c.issued + absl::Hours(13);
  EXPECT_FALSE(MintAccessToken(c, keys_, random_).ok());
  c = Claims();
  c.subject = "";
  EXPECT_FALSE(MintAccessToken(c, keys_, random_).ok());
  c = Claims();
  c.scope = "system/Observation.xyz";
  EXPECT_FALSE(MintAccessToken(c, keys_, random_).ok());
}

TEST(ParseTtlTest, Units) {
  EXPECT_EQ(*ParseTtl("90s"), absl::Seconds(90));
  EXPECT_EQ(*ParseTtl("10m"), absl::Minutes(10));
  EXPECT_EQ(*ParseTtl("8h"), absl::Hours(8));
  EXPECT_FALSE(ParseTtl("10").ok());
  EXPECT_FALSE(ParseTtl("0m").ok());
  EXPECT_FALSE(ParseTtl("-5m").ok());
  EXPECT_FALSE(ParseTtl("5d").ok());
}

}  // namespace
}  // namespace tc::access
