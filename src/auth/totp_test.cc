#include "auth/totp.h"

#include <optional>

#include "auth/encoding.h"
#include "base/clock.h"
#include "base/random.h"
#include "gtest/gtest.h"

namespace tc::auth {
namespace {

// RFC 6238 Appendix B: the SHA-1 seed is the ASCII string "12345678901234567890"; the table
// gives 8-digit codes for T0 = 0, X = 30.
constexpr char kRfcSecret[] = "12345678901234567890";
struct RfcVector {
  int64_t unix_seconds;
  const char* code8;
};
constexpr RfcVector kRfc6238Sha1[] = {
    {59, "94287082"},         {1111111109, "07081804"}, {1111111111, "14050471"},
    {1234567890, "89005924"}, {2000000000, "69279037"}, {20000000000, "65353130"},
};

TEST(TotpTest, Rfc6238AppendixBSha1Vectors) {
  for (const RfcVector& v : kRfc6238Sha1) {
    absl::StatusOr<std::string> code =
        TotpCode(kRfcSecret, absl::FromUnixSeconds(v.unix_seconds), {.digits = 8});
    ASSERT_TRUE(code.ok()) << code.status();
    EXPECT_EQ(*code, v.code8) << "T = " << v.unix_seconds;
    // Six digits are the same truncated value mod 10^6: the last six of the eight.
    EXPECT_EQ(TotpCode(kRfcSecret, absl::FromUnixSeconds(v.unix_seconds)).value(),
              std::string(v.code8).substr(2));
  }
}

TEST(TotpTest, Rfc4226AppendixDHotpVectors) {
  // RFC 4226 Appendix D: same secret, counters 0..9.
  constexpr const char* kHotp[] = {"755224", "287082", "359152", "969429", "338314",
                                   "254676", "287922", "162583", "399871", "520489"};
  for (uint64_t i = 0; i < 10; ++i) EXPECT_EQ(Hotp(kRfcSecret, i, 6).value(), kHotp[i]) << i;
}

TEST(TotpTest, AcceptsOneStepEitherSideOnly) {
  base::FakeClock clock(absl::FromUnixSeconds(1111111111));  // step 37037037
  const int64_t step = 1111111111 / 30;
  for (int64_t delta : {-1, 0, 1}) {
    std::optional<int64_t> last;
    std::string code = Hotp(kRfcSecret, step + delta, 6).value();
    EXPECT_TRUE(VerifyTotp(kRfcSecret, code, clock, last).ok()) << delta;
    EXPECT_EQ(last, step + delta);
  }
  for (int64_t delta : {-2, 2}) {
    std::optional<int64_t> last;
    std::string code = Hotp(kRfcSecret, step + delta, 6).value();
    EXPECT_EQ(VerifyTotp(kRfcSecret, code, clock, last).code(), absl::StatusCode::kUnauthenticated)
        << delta;
    EXPECT_FALSE(last.has_value());
  }
}

TEST(TotpTest, RejectsReplayAndSupersededCodes) {
  base::FakeClock clock(absl::FromUnixSeconds(1234567890));
  const int64_t step = 1234567890 / 30;
  std::optional<int64_t> last;
  std::string now_code = TotpCode(kRfcSecret, clock.Now()).value();
  ASSERT_TRUE(VerifyTotp(kRfcSecret, now_code, clock, last).ok());
  EXPECT_EQ(last, step);
  // The same code again, within its validity: refused, and `last` unchanged.
  EXPECT_EQ(VerifyTotp(kRfcSecret, now_code, clock, last).code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(last, step);
  // The previous step's code is still inside the window but older than the one used.
  std::string previous = Hotp(kRfcSecret, step - 1, 6).value();
  EXPECT_FALSE(VerifyTotp(kRfcSecret, previous, clock, last).ok());
  // The next step's code is fine once, even before the clock gets there.
  std::string next = Hotp(kRfcSecret, step + 1, 6).value();
  EXPECT_TRUE(VerifyTotp(kRfcSecret, next, clock, last).ok());
  EXPECT_EQ(last, step + 1);
  clock.Advance(absl::Seconds(30));
  EXPECT_FALSE(VerifyTotp(kRfcSecret, next, clock, last).ok());
}

TEST(TotpTest, MalformedCodesAreInvalidArgument) {
  base::FakeClock clock(absl::FromUnixSeconds(59));
  std::optional<int64_t> last;
  for (const char* code : {"", "28708", "2870820", "28708a", " 287082", "２８７０８２"}) {
    EXPECT_EQ(VerifyTotp(kRfcSecret, code, clock, last).code(), absl::StatusCode::kInvalidArgument)
        << code;
  }
  EXPECT_FALSE(Hotp("", 0, 6).ok());
  EXPECT_FALSE(Hotp(kRfcSecret, 0, 9).ok());
  EXPECT_FALSE(TotpStep(absl::FromUnixSeconds(-1)).ok());
}

TEST(TotpTest, SecretsAreFreshAndUriIsKeyUriFormat) {
  base::SeededRandom random(5);
  std::string a = NewTotpSecret(random);
  std::string b = NewTotpSecret(random);
  EXPECT_EQ(a.size(), 20u);
  EXPECT_NE(a, b);
  EXPECT_EQ(TotpUri(kRfcSecret, "Throughcare (HMP Example)", "j.smith@example.org"),
            "otpauth://totp/Throughcare%20%28HMP%20Example%29:j.smith%40example.org"
            "?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Throughcare%20%28HMP%20Example%29"
            "&algorithm=SHA1&digits=6&period=30");
  EXPECT_EQ(Base32Decode("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ").value(), kRfcSecret);
}

}  // namespace
}  // namespace tc::auth
