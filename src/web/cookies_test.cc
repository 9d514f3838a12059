#include "web/cookies.h"

#include "gtest/gtest.h"

namespace tc::web {
namespace {

TEST(CookiesTest, ReadsOneCookie) {
  EXPECT_EQ(CookieValue("a=1; tc_session=abc; b=2", "tc_session"), "abc");
  EXPECT_EQ(CookieValue("tc_session=\"q\"", "tc_session"), "q");
  EXPECT_EQ(CookieValue("tc_session=first; tc_session=second", "tc_session"), "first");
  EXPECT_EQ(CookieValue("xtc_session=1", "tc_session"), std::nullopt);
  EXPECT_EQ(CookieValue("", "tc_session"), std::nullopt);
  EXPECT_EQ(CookieValue("garbage;;=;", "tc_session"), std::nullopt);
}

TEST(CookiesTest, SessionCookieFlags) {
  EXPECT_EQ(SetCookie("tc_session", "v", {}), "tc_session=v; Path=/; HttpOnly; SameSite=Strict");
  EXPECT_EQ(SetCookie("tc_session", "v", {true, absl::Minutes(1)}),
            "tc_session=v; Path=/; HttpOnly; SameSite=Strict; Secure; Max-Age=60");
  EXPECT_EQ(ClearCookie("tc_session", false),
            "tc_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
  // Only on request (the OpenID Connect pre-session cookie) is it Lax.
  EXPECT_EQ(SetCookie("tc_oidc", "v", {false, absl::Minutes(10), true}),
            "tc_oidc=v; Path=/; HttpOnly; SameSite=Lax; Max-Age=600");
}

}  // namespace
}  // namespace tc::web
