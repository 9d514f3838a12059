#include "auth/session.h"

#include <set>

#include "base/random.h"
#include "gtest/gtest.h"

namespace tc::auth {
namespace {

const std::string kSecret(32, 'k');

TEST(SessionTest, IdsAre256BitAndWellFormed) {
  base::SeededRandom random(11);
  std::set<std::string> ids;
  for (int i = 0; i < 100; ++i) {
    std::string id = NewSessionId(random);
    EXPECT_EQ(id.size(), 43u);
    EXPECT_TRUE(IsWellFormedSessionId(id)) << id;
    ids.insert(id);
  }
  EXPECT_EQ(ids.size(), 100u);
  base::SystemRandom system;
  EXPECT_NE(NewSessionId(system), NewSessionId(system));
  EXPECT_FALSE(IsWellFormedSessionId(""));
  EXPECT_FALSE(IsWellFormedSessionId(std::string(42, 'A')));
  EXPECT_FALSE(IsWellFormedSessionId(std::string(44, 'A')));
  EXPECT_FALSE(IsWellFormedSessionId(std::string(42, 'A') + "=")) << "not base64url";
  EXPECT_FALSE(IsWellFormedSessionId(std::string(42, 'A') + "B")) << "non-canonical tail bits";
  EXPECT_TRUE(IsWellFormedSessionId(std::string(42, 'A') + "E"));
}

TEST(SessionTest, DigestIsSha256Hex) {
  // SHA-256("abc"), FIPS 180-2 Appendix B.1.
  EXPECT_EQ(SessionIdDigest("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(SessionTest, CsrfTokensAreBoundToSessionAndSecret) {
  base::SeededRandom random(12);
  std::string a = NewSessionId(random);
  std::string b = NewSessionId(random);
  std::string token = CsrfToken(kSecret, a).value();
  EXPECT_EQ(token.size(), 43u);
  EXPECT_EQ(token, CsrfToken(kSecret, a).value()) << "deterministic per session";
  EXPECT_TRUE(VerifyCsrfToken(kSecret, a, token));
  EXPECT_FALSE(VerifyCsrfToken(kSecret, b, token)) << "another session's token";
  EXPECT_FALSE(VerifyCsrfToken(std::string(32, 'j'), a, token)) << "another secret";
  EXPECT_FALSE(VerifyCsrfToken(kSecret, a, ""));
  EXPECT_FALSE(VerifyCsrfToken(kSecret, a, token.substr(1)));
  EXPECT_FALSE(VerifyCsrfToken(kSecret, "", CsrfToken(kSecret, "").value()));
  EXPECT_FALSE(CsrfToken("short", a).ok());
  EXPECT_FALSE(VerifyCsrfToken("short", a, token));
}

TEST(SessionTest, IdleAndAbsoluteTimeouts) {
  const absl::Time login = absl::FromUnixSeconds(1750000000);
  SessionLimits limits{.idle = absl::Minutes(15), .absolute = absl::Hours(12)};
  EXPECT_EQ(CheckSession(login, login, login, limits), SessionState::kActive);
  EXPECT_EQ(CheckSession(login, login, login + absl::Minutes(14), limits), SessionState::kActive);
  EXPECT_EQ(CheckSession(login, login, login + absl::Minutes(15), limits),
            SessionState::kIdleExpired);
  // Kept busy, it still ends after 12 hours.
  absl::Time busy = login + absl::Hours(12) - absl::Minutes(1);
  EXPECT_EQ(CheckSession(login, busy, busy + absl::Seconds(30), limits), SessionState::kActive);
  EXPECT_EQ(CheckSession(login, busy, login + absl::Hours(12), limits),
            SessionState::kAbsoluteExpired);
  EXPECT_EQ(CheckSession(login, login, login + absl::Hours(13), limits),
            SessionState::kAbsoluteExpired)
      << "absolute wins over idle";
  EXPECT_EQ(CheckSession(login, login + absl::Hours(1), login, limits), SessionState::kIdleExpired)
      << "last seen in the future: fail closed";
  EXPECT_EQ(SessionDeadline(login, login + absl::Minutes(5), limits), login + absl::Minutes(20));
  EXPECT_EQ(SessionDeadline(login, busy, limits), login + absl::Hours(12));
}

}  // namespace
}  // namespace tc::auth
